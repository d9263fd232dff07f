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
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "gen"))
sys.path.insert(0, str(HERE / "report"))
import report_schema  # noqa: E402  (every report is validated)
import mktree  # noqa: E402

RESULT = {0: "pass", 1: "fail", 3: "error"}
# ids a default-policy run with at least one protected device must report
CORE_IDS = {"cmdline.iommu", "cmdline.identity", "cmdline.strict",
            "cmdline.noats", "cmdline.forbidden", "iommu.active",
            "iommu.domain", "iommu.irq_remap", "group.isolated", "acs.path",
            "acs.peers", "ats.disabled", "bind.vfio", "driver.host",
            "nvlink.nvswitch"}
OK_STATUS = {"pass", "warn", "skip"}
TIMEOUT = 120


def scratch_base():
    env = os.environ.get("GPUGATE_TREES_TMP")
    if env:
        return Path(env)
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return shm
    return Path(tempfile.gettempdir())


def source_key():
    h = hashlib.sha256()
    for p in (HERE / "gen" / "mktree.py", HERE / "trees" / "scenarios.py"):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def pristine(sc, cache):
    """Build sc's tree once (safe against a concurrent run); return it."""
    done = cache / (sc.name + ".done")
    root = cache / sc.name
    if done.exists():
        return root
    tmp = Path(tempfile.mkdtemp(prefix=sc.name + ".", dir=cache))
    mktree.write_tree(sc.build(), tmp / "root")
    for attempt in (0, 1):
        try:
            os.rename(tmp / "root", root)
            done.write_text("")
            break
        except OSError:
            if done.exists():                 # another run finished first
                break
            if attempt == 0:                  # stale leftover of a crash
                shutil.rmtree(root, ignore_errors=True)
            else:
                raise
    shutil.rmtree(tmp, ignore_errors=True)
    return root


def snapshot(root, raw=False):
    """{relative path: (type, mode, content hash or link target)}; with
    @raw the file contents themselves instead of their hash."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if os.path.islink(p):
                out[rel] = ("l", st.st_mode, os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("d", st.st_mode, None)
            else:
                with open(p, "rb") as f:
                    data = f.read()
                    out[rel] = ("f", st.st_mode, data if raw else
                                hashlib.sha1(data).hexdigest())
    return out


def tree_diff(a, b):
    changed = [k for k in a if k in b and a[k] != b[k]]
    gone = [k for k in a if k not in b]
    new = [k for k in b if k not in a]
    parts = []
    for what, lst in (("changed", changed), ("removed", gone),
                      ("created", new)):
        if lst:
            parts.append("%s %s" % (what, ", ".join(sorted(lst)[:3])))
    return "; ".join(parts)


def untimed(out):
    """The JSON report without its "time" value."""
    return re.sub(r'"time":"[^"]*"', '"time":null', out, count=1)


def check_report(sc, host, rc, out, err):
    """Return a list of problems (empty: scenario passed)."""
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
    if sc.fails is not None and fails != sc.fails:
        extra = sorted(fails - sc.fails)
        missing = sorted(sc.fails - fails)
        probs.append("failing ids: unexpected %s, missing %s" % (
            extra or "-", missing or "-"))
    want = (sorted(sc.expected_protected(host))
            if sc.protected is not None else None)
    if want and sc.policy == "" and sc.policy_file is None and \
            sc.exit in (0, 1) and not CORE_IDS <= ids:
        probs.append("checks not reported: %s" % " ".join(
            sorted(CORE_IDS - ids)))
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
        src = pristine(sc, cache)
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
    before = snapshot(root)
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
            if (r2.returncode, untimed(r2.stdout)) != (r.returncode,
                                                      untimed(r.stdout)):
                probs.append("a second run gave different output")
        if r.returncode < 0:
            probs.insert(0, "killed by signal %d" % -r.returncode)
    except subprocess.TimeoutExpired:
        probs = ["timed out after %ds" % TIMEOUT]
    except OSError as e:
        probs = ["cannot run %s: %s" % (binary, e)]
    diff = tree_diff(before, snapshot(root))
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
    binary = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
    base = scratch_base()
    top = base / ("gpugate-trees-%d" % os.getuid())
    cache = top / source_key()
    if top.is_dir():                      # drop trees of older sources
        for old in top.iterdir():
            if old != cache and time.time() - old.stat().st_mtime > 3600:
                shutil.rmtree(old, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    mktree.modindex_dir()                 # build the module cache once
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
