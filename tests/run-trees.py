#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run gpugate `check` against every generated sysfs tree scenario.

For each scenario of tests/trees/scenarios.py: build its tree once into a
pristine cache (keyed by the generator and scenario sources), copy it to a
scratch directory, write the scenario's policy to ROOT/etc/gpugate/
policy.conf, run

    $GPUGATE --root ROOT -p POLICY --format json check

and assert: the exit code; the report's "result"; that the set of check ids
with status "fail" is exactly the expected one (baseline.* ignored; every
other check pass/warn/skip); the protected device list; for policy errors a
file:line on stderr; and that no file, link or mode in the tree changed.

Prints "ok NAME" or "FAIL NAME: reason" per scenario, then one line
"N passed, M failed"; exits 1 if anything failed.

    tests/run-trees.py [-k SUBSTRING] [--keep] [--list] [--bench] [-j N]

Env: GPUGATE (binary, default build/gpugate), GPUGATE_TREES_TMP (scratch
base, default /dev/shm when writable, else the system temp dir).
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
import gpugate_test as gt  # noqa: E402
from gpugate_test import mktree  # noqa: E402
import report_schema  # noqa: E402  (every report is validated)

RESULT = {0: "pass", 1: "fail", 3: "error"}
OK_STATUS = {"pass", "warn", "skip"}
TIMEOUT = 120


def check_report(sc, host, rc, out, err):
    """Return a list of problems (empty: scenario passed)."""
    core = gt.core_ids()     # what a default-policy run must report
    probs = []
    if rc != sc.exit:
        probs.append("exit %d, expected %d" % (rc, sc.exit))
    if sc.exit == 2:
        if sc.stderr and not re.search(sc.stderr, err):
            probs.append("stderr lacks /%s/: %r" % (sc.stderr, err[-200:]))
        return probs
    try:
        rep = report_schema.loads(out)
    except ValueError as e:
        probs.append("stdout is not JSON (%s): %r" % (e, out[:160]))
        return probs
    if not isinstance(rep, dict):
        return probs + ["report is not a JSON object"]
    if rep.get("result") != RESULT[sc.exit]:
        probs.append("result %r, expected %r" % (rep.get("result"),
                                                 RESULT[sc.exit]))
    if "mode" in rep and rep["mode"] != "check":
        probs.append("mode %r" % rep["mode"])
    checks = rep.get("checks")
    if not isinstance(checks, list):
        return probs + ["report has no checks list"]
    fails, odd, ids = set(), [], set()
    for c in checks:
        cid, st = c.get("id"), c.get("status")
        if not isinstance(cid, str):
            odd.append("check without id")
            continue
        ids.add(cid)
        if cid.startswith("baseline."):
            continue
        if st in ("fail", "warn") and "fix:" not in c.get("message", ""):
            odd.append("%s %s without a fix" % (cid, st))
        if st == "fail":
            fails.add(cid)
        elif st not in OK_STATUS:
            odd.append("%s status %r" % (cid, st))
    if odd:
        probs.append("; ".join(sorted(set(odd))[:4]))
    for cid, pat in sorted(sc.messages.items()):
        if not any(c.get("id") == cid and re.search(pat, c.get("message", ""))
                   for c in checks):
            probs.append("no %s message matches /%s/" % (cid, pat))
    if sc.fails is not None and fails != sc.fails:
        extra = sorted(fails - sc.fails)
        missing = sorted(sc.fails - fails)
        probs.append("failing ids: unexpected %s, missing %s" % (
            extra or "-", missing or "-"))
    want = (sorted(sc.expected_protected(host))
            if sc.protected is not None else None)
    if want and sc.policy == "" and sc.policy_file is None and \
            sc.exit in (0, 1) and not core <= ids:
        probs.append("checks not reported: %s" % " ".join(
            sorted(core - ids)))
    if want is not None and sc.exit in (0, 1):
        devs = rep.get("devices")
        if not isinstance(devs, list):
            probs.append("report has no devices list")
        else:
            got = [d.get("bdf", "?") for d in devs if isinstance(d, dict)]
            if got != sorted(got):
                probs.append("devices not sorted by address")
            got = sorted(got)
            if got != want:
                probs.append("protected devices %s, expected %s" % (
                    got, want))
    return probs


def run_one(sc, cache, binary, work_base, keep):
    policy = sc.policy_text()
    if policy is None:
        return ["policy file %s missing" % sc.policy_file], None
    try:
        src = gt.pristine(sc, cache)
    except Exception as e:                           # noqa: BLE001
        return ["building the tree failed: %r" % e], None
    host = sc.build()
    mktree.layout(host)
    work = Path(tempfile.mkdtemp(prefix=sc.name + ".", dir=work_base))
    root = work / "root"
    shutil.copytree(src, root, symlinks=True)
    pol = root / "etc/gpugate/policy.conf"
    pol.parent.mkdir(parents=True, exist_ok=True)
    pol.write_text(policy)
    before = gt.snapshot(root)
    cmd = [binary, "--root", str(root), "-p", str(pol), "--format", "json",
           "check"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        probs = check_report(sc, host, r.returncode, r.stdout, r.stderr)
        if sc.repeat and not probs:
            r2 = subprocess.run(cmd, capture_output=True, text=True,
                                timeout=TIMEOUT, stdin=subprocess.DEVNULL)
            # the same bytes, but for when the run began (docs/report.md)
            if (r2.returncode, gt.untimed(r2.stdout)) != (r.returncode,
                                                      gt.untimed(r.stdout)):
                probs.append("a second run gave different output")
        if r.returncode < 0:
            probs.insert(0, "killed by signal %d" % -r.returncode)
    except subprocess.TimeoutExpired:
        probs = ["timed out after %ds" % TIMEOUT]
    except OSError as e:
        probs = ["cannot run %s: %s" % (binary, e)]
    diff = gt.tree_diff(before, gt.snapshot(root))
    if diff:
        probs.append("check modified the tree: " + diff)
    if keep:
        return probs, work
    shutil.rmtree(work, ignore_errors=True)
    return probs, None


def list_scenarios(scs):
    for sc in scs:
        fails = ("(policy error)" if sc.exit == 2 else
                 "(not asserted)" if sc.fails is None else
                 " ".join(sorted(sc.fails)) or "-")
        print("%-44s exit %d  %s" % (sc.name, sc.exit, fails))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="only scenarios containing this")
    ap.add_argument("--keep", action="store_true", help="keep the trees")
    ap.add_argument("--list", action="store_true", help="list and exit")
    ap.add_argument("--bench", action="store_true",
                    help="include benchmark-only scenarios")
    ap.add_argument("-j", type=int, default=min(8, os.cpu_count() or 1))
    a = ap.parse_args()
    scs = [sc for sc in mktree.load_scenarios()
           if a.k in sc.name and (a.bench or not sc.bench)]
    if a.list:
        list_scenarios(scs)
        return 0
    binary = gt.binary()
    try:
        gt.core_ids()
    except RuntimeError as e:
        print("FAIL setup: the check table: %s" % e)
        print("0 passed, 1 failed")
        return 1
    base = gt.scratch_base()
    top = gt.tree_top(base)
    cache = top / gt.source_key()
    if top.is_dir():                      # drop trees of older sources
        for old in top.iterdir():
            if old != cache and time.time() - old.stat().st_mtime > 3600:
                shutil.rmtree(old, ignore_errors=True)
    cache = gt.tree_cache(base)           # and build the module cache once
    work_base = Path(tempfile.mkdtemp(prefix="gpugate-run-", dir=base))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max(1, a.j)) as ex:
        futs = [ex.submit(run_one, sc, cache, binary, work_base, a.keep)
                for sc in scs]
        for sc, fut in zip(scs, futs):
            probs, kept = fut.result()
            if probs:
                failed += 1
                print("FAIL %s: %s" % (sc.name, "; ".join(probs)))
            else:
                passed += 1
                print("ok %s" % sc.name)
            if kept:
                print("   kept %s" % kept, file=sys.stderr)
            sys.stdout.flush()
    if not a.keep:
        shutil.rmtree(work_base, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not scs else 0


if __name__ == "__main__":
    sys.exit(main())
