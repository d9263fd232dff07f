#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Median wall time of `gpugate guard` verbs on a big generated tree: the
event fast path (a function the policy does not protect) against the full
runs. docs/benchmarks.md "Runtime guard" holds the numbers.

    python3 tests/gen/mktree.py --big 2500 /dev/shm/gg-big
    python3 tests/bench/bench-guard.py build/gpugate /dev/shm/gg-big 21

The tree's policy is written to ROOT/etc/gpugate/policy.conf (defaults,
no metrics textfile, the state under ROOT).
"""
import statistics
import subprocess
import sys
import time
from pathlib import Path


def median_ms(cmd, n):
    t = []
    for _ in range(n):
        s = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t.append(time.perf_counter() - s)
    return statistics.median(t) * 1000


def main(binary, root, n):
    pol = Path(root) / "etc/gpugate/policy.conf"
    pol.parent.mkdir(parents=True, exist_ok=True)
    pol.write_text("[guard]\nmetrics =\n")
    devs = Path(root) / "sys/bus/pci/devices"
    gpu = next(d.name for d in sorted(devs.iterdir()) if (d / "vendor").read_text().strip() == "0x10de")
    other = next(d.name for d in sorted(devs.iterdir()) if (d / "vendor").read_text().strip() == "0x8086")
    base = [binary, "-r", root, "-p", str(pol)]
    rows = [("guard event add %s (not protected: fast path)" % other, ["guard", "event", "add", other]),
            ("guard event bind %s (protected, on vfio-pci)" % gpu, ["guard", "event", "bind", gpu]),
            ("guard event add %s (protected: full run)" % gpu, ["guard", "event", "add", gpu]),
            ("guard once", ["guard", "once"]),
            ("check (reference)", ["check"])]
    print("%d functions, median of %d runs" % (sum(1 for _ in devs.iterdir()), n))
    for name, args in rows:
        print("| %s | %.1f ms |" % (name, median_ms(base + args, n)))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 21)
