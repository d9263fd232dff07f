#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Speed, peak RSS and size of two gpugate binaries, as ratios in one run.

    tests/bench/ratio.py OLD NEW [--big N] [--runs R]

Builds the hgx_pass tree of tests/trees/scenarios.py and an N-function
tree (`mktree.py --big N`, default 1000) in /dev/shm, runs
`BINARY --root T [-p POLICY] -f json check` with OLD and NEW interleaved R
times each (default 31, after one warm-up run each), and prints per tree
the median wall times and their ratio NEW/OLD, the peak RSS of each
(/usr/bin/time -v) and its ratio, then both file sizes and their ratio.
The old binary of `make compare` is build/compare/COMMIT/build/gpugate.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "gen"))
import mktree  # noqa: E402


def argv(binary, root):
    pol = root / "etc/gpugate/policy.conf"
    return ([str(binary), "--root", str(root)] +
            (["-p", str(pol)] if pol.exists() else []) +
            ["-f", "json", "check"])


def wall(binary, root):
    t = time.perf_counter()
    subprocess.run(argv(binary, root), capture_output=True)
    return time.perf_counter() - t


def peak_rss(binary, root):
    r = subprocess.run(["/usr/bin/time", "-v"] + argv(binary, root),
                       capture_output=True, text=True)
    for line in r.stderr.splitlines():
        if "Maximum resident" in line:
            return int(line.split()[-1])
    raise SystemExit("ratio: no peak RSS from /usr/bin/time -v")


def trees(tmp, big):
    sc = [s for s in mktree.load_scenarios() if s.name == "hgx_pass"][0]
    mktree.build_scenario(sc, tmp / "hgx")
    subprocess.run([sys.executable, str(REPO / "tests/gen/mktree.py"),
                    "--big", str(big), str(tmp / "big")], check=True,
                   capture_output=True)
    return {"hgx_pass": tmp / "hgx", "big%d" % big: tmp / "big"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--big", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=31)
    a = ap.parse_args()
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    tmp = Path(tempfile.mkdtemp(prefix="gpugate-ratio-", dir=base))
    try:
        for name, root in trees(tmp, a.big).items():
            wall(a.old, root)
            wall(a.new, root)
            to, tn = [], []
            for _ in range(a.runs):
                to.append(wall(a.old, root))
                tn.append(wall(a.new, root))
            mo, mn = statistics.median(to), statistics.median(tn)
            ro, rn = peak_rss(a.old, root), peak_rss(a.new, root)
            print("%s: median %.4f s -> %.4f s, ratio %.3f; peak RSS "
                  "%d KiB -> %d KiB, ratio %.3f" % (name, mo, mn, mn / mo,
                                                     ro, rn, rn / ro))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    so, sn = os.path.getsize(a.old), os.path.getsize(a.new)
    print("size: %d -> %d bytes, ratio %.4f" % (so, sn, sn / so))
    return 0


if __name__ == "__main__":
    sys.exit(main())
