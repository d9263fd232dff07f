#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run a sanitizer build of gpugate through every command on every tree.

tests/run-trees.py runs `check --format json` and asserts verdicts; this
sweep widens the code a sanitizer sees. For each scenario of
tests/trees/scenarios.py, on a scratch copy of its tree, it runs

    check (text, json -o FILE, prometheus, -q), show, cmdline, modprobe,
    enforce -n, gate -n, enforce, gate --verify, gate

It asserts only what a sanitizer adds: no run is killed by a signal, no run's stderr holds an
AddressSanitizer, LeakSanitizer or UBSan report, and every exit status is
one of gpugate's own 0-3. Verdicts are tests/run-trees.py's business; the error paths of enforce
and gate (every injected fault) are swept by tests/run-enforce.py, which
`make sanitize` runs with the sanitizer builds too.

    tests/fuzz/san-sweep.py [-k SUBSTRING] [-j N]

Env: GPUGATE (default build/gpugate-asan), ASAN_OPTIONS / UBSAN_OPTIONS
(defaults below).
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import gpugate_test as gt  # noqa: E402
from gpugate_test import mktree  # noqa: E402

SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:strict_string_checks=1:"
                    "detect_stack_use_after_return=1:check_initialization_order=1",
    "UBSAN_OPTIONS": "halt_on_error=1:abort_on_error=1:print_stacktrace=1",
}
REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|"
                    r"SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer")
TIMEOUT = 120


def commands(root, pol, rep):
    base = ["--root", str(root), "-p", str(pol)]
    return [
        base + ["check"],
        base + ["-q", "check"],
        base + ["-f", "json", "-o", str(rep), "check"],
        base + ["-f", "prometheus", "check"],
        base + ["show"],
        base + ["cmdline"],
        base + ["modprobe"],
        base + ["-n", "enforce"],
        base + ["-n", "gate"],
        base + ["-f", "json", "enforce"],   # writes, into the scratch copy
        base + ["gate", "--verify"],
        base + ["gate"],
    ]


def run(binary, args, env):
    try:
        r = subprocess.run([binary] + args, capture_output=True, text=True,
                           errors="replace", timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL, env=env)
    except subprocess.TimeoutExpired:
        return "timed out after %ds" % TIMEOUT
    m = REPORT.search(r.stderr)
    if m:
        i = max(0, m.start() - 200)
        return "sanitizer report: %s" % r.stderr[i:i + 1200]
    if r.returncode < 0:
        return "killed by signal %d: %s" % (-r.returncode, r.stderr[-400:])
    if r.returncode not in (0, 1, 2, 3):
        return "exit %d: %s" % (r.returncode, r.stderr[-400:])
    return None


def fresh(src, work, name):
    d = Path(tempfile.mkdtemp(prefix=name + ".", dir=work))
    shutil.copytree(src, d / "root", symlinks=True)
    pol = d / "root/etc/gpugate/policy.conf"
    return d, d / "root", pol


def sweep_one(sc, cache, work, binary, env):
    """Return (number of runs, list of problems)."""
    src = gt.pristine(sc, cache)
    policy = sc.policy_text()
    if policy is None:
        return 0, []
    d, root, pol = fresh(src, work, sc.name)
    pol.parent.mkdir(parents=True, exist_ok=True)
    pol.write_text(policy)
    probs, n = [], 0
    for args in commands(root, pol, d / "report.json"):
        n += 1
        p = run(binary, args, env)
        if p:
            probs.append("%s: %s" % (" ".join(args[4:]), p))
    shutil.rmtree(d, ignore_errors=True)
    return n, probs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="")
    ap.add_argument("-j", type=int, default=min(8, os.cpu_count() or 1))
    a = ap.parse_args()
    binary = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate-asan"))
    env = dict(os.environ)
    for k, v in SAN_ENV.items():
        env.setdefault(k, v)
    scs = [sc for sc in mktree.load_scenarios()
           if a.k in sc.name and not sc.bench]
    base = gt.scratch_base()
    cache = gt.tree_cache(base)
    work = Path(tempfile.mkdtemp(prefix="gpugate-san-", dir=base))
    runs = bad = 0
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, a.j)) as ex:
            futs = [ex.submit(sweep_one, sc, cache, work, binary, env)
                    for sc in scs]
            for sc, fut in zip(scs, futs):
                n, probs = fut.result()
                runs += n
                if probs:
                    bad += 1
                    print("FAIL %s: %s" % (sc.name, "\n    ".join(probs)))
                else:
                    print("ok %s (%d runs)" % (sc.name, n))
                sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d scenarios, %d runs, %d failed" % (len(scs), runs, bad))
    return 1 if bad or not scs else 0


if __name__ == "__main__":
    sys.exit(main())
