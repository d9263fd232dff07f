#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare what two gpugate binaries print, byte for byte.

The guard of a refactoring that must not change behaviour. Builds the
binary of git revision REV (default e41f00e) from `git archive` in a
build/compare/COMMIT (once; reusing this tree's build/deps), and runs it and the
current build/gpugate on the same inputs at the same paths:

  every tree scenario of tests/trees/scenarios.py (--bench: the benchmark
  ones too):
    check -f json, check -f text, check -f prometheus, show -f json,
    cmdline, modprobe, enforce -n -f json, enforce -f json and gate, the
    last two each on a fresh copy of the tree, whose every byte afterwards
    is compared too;
  every file of shared/realdata (beside the repository) and an `lspci
  -xxxx` and `lspci -vvv -xxxx` dump of every tree scenario, with
  --lspci-dump: check -f json, show -f json, cmdline; the real files with
  the built-in policy and with one that protects every common class.

The exit status, stdout, stderr and tree contents must be equal; the time a
report names is masked (it is when the run began). Prints "DIFF NAME CMD"
with the first differing lines for every difference, then "N compared, M
differ"; exits 1 if anything differs or nothing was compared.

    tests/compare-reports.py [--rev REV] [--old BINARY] [-k SUBSTRING] [-j N]
                             [--bench]

--old BINARY skips the build and compares against that binary.
Env: GPUGATE (the new binary, default build/gpugate), GPUGATE_TREES_TMP
(scratch base, default /dev/shm when writable).
"""

import argparse
import concurrent.futures
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REALDATA = REPO.parent / "shared" / "realdata"
sys.path.insert(0, str(HERE / "gen"))
import mktree  # noqa: E402
sys.path.insert(0, str(HERE / "lib"))
from gpugate_test import build_rev, scratch_base, snapshot as tree_snapshot  # noqa: E402

TIMEOUT = 120
# read-only commands, run once per binary on one copy of the tree
READ_CMDS = (("-f", "json", "check"), ("-f", "text", "check"),
             ("-f", "prometheus", "check"), ("-f", "json", "show"),
             ("cmdline",), ("modprobe",), ("-n", "-f", "json", "enforce"))
# writing commands, each on a fresh copy; the tree is compared afterwards
WRITE_CMDS = (("-f", "json", "enforce"), ("gate",))
DUMP_CMDS = (("-f", "json", "check"), ("-f", "json", "show"), ("cmdline",))
WIDE_POLICY = ("[devices]\nmatch = *:*:0200 *:*:0300 *:*:0302 *:*:0380 "
               "*:*:0108 *:*:0c03\n")
TIME_RE = [
    (re.compile(r'"time":"[^"]*"'), '"time":null'),
    (re.compile(r'(gpugate_last_run_timestamp_seconds(?:\{[^}]*\})?) \S+'),
     r'\1 T'),
]


def masked(text):
    for rx, rep in TIME_RE:
        text = rx.sub(rep, text)
    return text


def run(binary, args, env=None):
    try:
        r = subprocess.run([str(binary)] + list(args), capture_output=True,
                           text=True, timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL, env=env)
        return (r.returncode, masked(r.stdout), masked(r.stderr))
    except subprocess.TimeoutExpired:
        return ("timeout", "", "")


def snapshot(root):
    """Every path of the tree: type, mode, content (masked) or target."""
    return {rel: (t, mode, masked(v.decode("latin-1")) if t == "f" else v)
            for rel, (t, mode, v) in tree_snapshot(root, raw=True).items()}


def difference(a, b):
    """First lines where result a and b differ ("" when equal)."""
    if a == b:
        return ""
    if not isinstance(a, tuple) or len(a) != 3:     # tree snapshots
        keys = sorted(set(a) | set(b))
        bad = [k for k in keys if a.get(k) != b.get(k)]
        return "tree differs at %s" % ", ".join(bad[:4])
    parts = []
    if a[0] != b[0]:
        parts.append("exit %s vs %s" % (a[0], b[0]))
    for what, x, y in (("stdout", a[1], b[1]), ("stderr", a[2], b[2])):
        if x != y:
            d = difflib.unified_diff(x.splitlines(), y.splitlines(),
                                     "old", "new", n=0, lineterm="")
            parts.append("%s:\n    %s" % (what, "\n    ".join(
                list(d)[2:10])))
    return "; ".join(parts)


class Job:
    def __init__(self, old, new, work):
        self.old, self.new, self.work = old, new, work

    def fresh(self, pristine, name):
        work = Path(tempfile.mkdtemp(prefix=name + ".", dir=self.work))
        root = work / "root"
        shutil.copytree(pristine, root, symlinks=True)
        return root

    def both_read(self, pristine, name, cmds):
        """[(cmd, old result, new result)] of read-only commands."""
        root = self.fresh(pristine, name)
        pol = root / "etc/gpugate/policy.conf"
        out = []
        for c in cmds:
            args = ["--root", str(root), "-p", str(pol)] + list(c)
            out.append((" ".join(c), run(self.old, args),
                        run(self.new, args)))
        shutil.rmtree(root.parent, ignore_errors=True)
        return out

    def one_write(self, binary, pristine, name, c):
        root = self.fresh(pristine, name)
        # the same path for both binaries: reports name it
        fixed = root.parent.parent / (name + ".w")
        shutil.rmtree(fixed, ignore_errors=True)
        os.rename(root, fixed)
        os.rmdir(root.parent)
        pol = fixed / "etc/gpugate/policy.conf"
        res = run(binary, ["--root", str(fixed), "-p", str(pol)] + list(c))
        snap = snapshot(fixed)
        shutil.rmtree(fixed, ignore_errors=True)
        return res, snap

    def both_write(self, pristine, name, cmds):
        out = []
        for c in cmds:
            ro, so = self.one_write(self.old, pristine, name, c)
            rn, sn = self.one_write(self.new, pristine, name, c)
            out.append((" ".join(c), ro, rn))
            out.append((" ".join(c) + " [tree]", so, sn))
        return out

    def both_dump(self, dump, policy, cmds):
        pol = Path(str(dump) + ".policy")
        pol.write_text(policy)
        out = []
        for c in cmds:
            args = ["--lspci-dump", str(dump), "-p", str(pol)] + list(c)
            out.append((" ".join(c), run(self.old, args),
                        run(self.new, args)))
        return out


def lspci_dumps(root, dest, name):
    """`lspci -xxxx` and `-vvv -xxxx` of the tree: [(label, path)]."""
    out = []
    for label, extra in (("xxxx", []), ("vvv", ["-vvv"])):
        r = subprocess.run(["lspci", "-A", "linux-sysfs", "-O",
                            "sysfs.path=%s/sys/bus/pci" % root, "-D"] +
                           extra + ["-xxxx"], capture_output=True,
                           text=True, timeout=TIMEOUT)
        p = dest / ("%s.%s.txt" % (name, label))
        p.write_text(r.stdout)
        out.append((label, p))
    return out


def scenario_task(job, sc, cache):
    pristine = cache / sc.name
    mktree.build_scenario(sc, pristine)
    res = [(sc.name, *r) for r in job.both_read(pristine, sc.name,
                                                 READ_CMDS)]
    res += [(sc.name, *r) for r in job.both_write(pristine, sc.name,
                                                   WRITE_CMDS)]
    if sc.exit != 2:
        for label, dump in lspci_dumps(pristine, cache, sc.name):
            res += [("%s [%s dump]" % (sc.name, label), *r) for r in
                    job.both_dump(dump, sc.policy_text(), DUMP_CMDS)]
    shutil.rmtree(pristine, ignore_errors=True)
    return res


def realdata_task(job, path, cache):
    res = []
    for pname, policy in (("builtin", ""), ("wide", WIDE_POLICY)):
        dump = cache / ("real-%s-%s" % (pname, path.name))
        shutil.copyfile(path, dump)
        res += [("%s [%s]" % (path.name, pname), *r)
                for r in job.both_dump(dump, policy, DUMP_CMDS)]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rev", default="e41f00e")
    ap.add_argument("--old", help="compare against this binary")
    ap.add_argument("-k", default="", help="only inputs containing this")
    ap.add_argument("-j", type=int, default=2)
    ap.add_argument("--bench", action="store_true",
                    help="include benchmark-only scenarios")
    a = ap.parse_args()
    new = Path(os.environ.get("GPUGATE", str(REPO / "build" / "gpugate")))
    base = scratch_base()
    tmp = Path(tempfile.mkdtemp(prefix="gpugate-compare-", dir=base))
    try:
        old = Path(a.old) if a.old else build_rev(a.rev)
        return compare(a, old.resolve(), new.resolve(), tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def compare(a, old, new, tmp):
    cache = tmp / "trees"
    cache.mkdir()
    job = Job(old, new, tmp)
    mktree.modindex_dir()
    scs = [sc for sc in mktree.load_scenarios() if a.k in sc.name and (a.bench or not sc.bench)]
    reals = sorted(p for p in REALDATA.glob("*.txt") if a.k in p.name)
    if not a.k and not reals:
        print("compare-reports: no real dumps in %s" % REALDATA)
        return 1
    compared = differ = 0
    with concurrent.futures.ThreadPoolExecutor(max(1, a.j)) as ex:
        futs = [ex.submit(scenario_task, job, sc, cache) for sc in scs]
        futs += [ex.submit(realdata_task, job, p, cache) for p in reals]
        for fut in futs:
            for name, cmd, ro, rn in fut.result():
                compared += 1
                d = difference(ro, rn)
                if d:
                    differ += 1
                    print("DIFF %s %s: %s" % (name, cmd, d), flush=True)
    print("%d compared, %d differ" % (compared, differ))
    return 1 if differ or not compared else 0


if __name__ == "__main__":
    sys.exit(main())
