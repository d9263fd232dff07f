#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Cross-check generated trees against the real lspci and modprobe.

For every scenario (or those matching -k), build the tree, run
`lspci -A linux-sysfs -O sysfs.path=TREE/sys/bus/pci -D -vvv -nn` and
`lspci ... -t`, and check what libpci decodes against what the topology
meant: every function listed, bridge bus numbers, PCIe port type, ACSCap /
ACSCtl bits, ATSCtl Enable, IOMMU group, kernel driver, and the bus ranges
in the tree view. Then check that `modprobe -d TREE -S KVER -R MODALIAS`
resolves each protected GPU through the depmod-built index.

Functions with a hostile config are only required not to crash lspci; what
lspci printed for them is shown with -v (libpci silently stops at a looping
capability list, which is why gpugate must not rely on it for that).

Not part of the suite (lspci is not a build dependency); run it after
changing the generator:  python3 tests/gen/lspci-check.py [-k SUB] [-v]
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import mktree  # noqa: E402

ACS_NAMES = ["SrcValid", "TransBlk", "ReqRedir", "CmpltRedir", "UpstreamFwd",
             "EgressCtrl", "DirectTrans"]
PORT_NAMES = {"ep": "Endpoint", "legacy": "Legacy Endpoint",
              "rp": "Root Port", "usp": "Upstream Port",
              "dsp": "Downstream Port",
              "pcie2pci": "PCI-Express to PCI/PCI-X Bridge",
              "rciep": "Root Complex Integrated Endpoint"}


def acs_line(bits):
    return " ".join("%s%s" % (n, "+" if bits & (1 << i) else "-")
                    for i, n in enumerate(ACS_NAMES))


def lspci(root, *args):
    cmd = ["lspci", "-A", "linux-sysfs", "-O",
           "sysfs.path=%s/sys/bus/pci" % root, *args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    return r


def blocks(text):
    out = {}
    for blk in text.strip().split("\n\n"):
        m = re.match(r"([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ", blk)
        if m:
            out[m.group(1)] = blk
    return out


def check_function(f, blk, errs):
    def need(cond, what):
        if not cond:
            errs.append("%s: %s" % (f.bdf, what))
    need(blk is not None, "missing from lspci")
    if blk is None:
        return
    need("[%04x:%04x]" % (f.vid, f.did) in blk.split("\n")[0], "ids")
    if f.hostile and "misaligned" not in f.hostile:
        return
    if f.is_bridge:
        need("Bus: primary=%02x, secondary=%02x, subordinate=%02x" % (
            f.bus, f.secondary, f.subordinate) in blk, "bus numbers")
    if f.is_pcie:
        need(re.search(r"Express \(v2\) %s\b" % re.escape(PORT_NAMES[f.kind]),
                       blk), "PCIe port type %s" % f.kind)
    if f.acs is not None:
        cap, ctl = f.acs
        need("ACSCap:\t" + acs_line(cap) in blk, "ACSCap %#06x" % cap)
        need("ACSCtl:\t" + acs_line(ctl) in blk, "ACSCtl %#06x" % ctl)
    else:
        need("ACSCap" not in blk, "unexpected ACS")
    if f.ats is not None:
        need("ATSCtl:\tEnable%s" % ("+" if f.ats & 0x8000 else "-") in blk,
             "ATS enable")
    else:
        need("ATSCtl" not in blk, "unexpected ATS")
    if f.gid is not None:
        need("IOMMU group: %d\n" % f.gid in blk + "\n", "group %d" % f.gid)
    if f.driver:
        need("Kernel driver in use: %s" % f.driver in blk, "driver")


def check_scenario(sc, verbose):
    errs = []
    shm = "/dev/shm" if Path("/dev/shm").is_dir() else None
    tmp = Path(tempfile.mkdtemp(prefix="lspci-check-", dir=shm))
    try:
        root = tmp / "root"
        host = sc.build()
        mktree.write_tree(host, root)
        r = lspci(root, "-D", "-vvv", "-nn")
        if not (root / "sys/bus/pci").exists():
            if r.returncode == 0:
                errs.append("lspci succeeded without sys/bus/pci")
        elif r.returncode != 0:
            errs.append("lspci exit %d: %s" % (r.returncode, r.stderr[-300:]))
        bl = blocks(r.stdout)
        fns = list(host.functions())
        if (root / "sys/bus/pci").exists():
            for f in fns:
                check_function(f, bl.get(f.bdf), errs)
                if verbose and f.hostile and f.bdf in bl:
                    print("---- %s %s (hostile %s)\n%s" % (
                        sc.name, f.bdf, f.hostile, bl[f.bdf]))
            t = lspci(root, "-t")
            for f in fns:
                if f.is_bridge and not f.hostile:
                    rng = ("[%02x]" % f.secondary if f.secondary ==
                           f.subordinate else "[%02x-%02x]" % (
                               f.secondary, f.subordinate))
                    if rng not in t.stdout:
                        errs.append("%s: %s not in lspci -t" % (f.bdf, rng))
        if host.modindex is True:
            for f in fns:
                if f.vid == 0x10de and f.cls >> 16 == 0x03:
                    m = subprocess.run(
                        ["modprobe", "-d", str(root), "-S", mktree.KVER,
                         "-R", mktree.modalias(f)], capture_output=True,
                        text=True)
                    if "nouveau" not in m.stdout.split():
                        errs.append("%s: modalias does not resolve to "
                                    "nouveau: %r" % (f.bdf, m.stdout))
    finally:
        shutil.rmtree(tmp)
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    bad = 0
    n = 0
    for sc in mktree.load_scenarios():
        if sc.bench or a.k not in sc.name:
            continue
        n += 1
        errs = check_scenario(sc, a.v)
        print(("ok %s" % sc.name) if not errs else
              "FAIL %s: %s" % (sc.name, "; ".join(errs[:6])))
        bad += bool(errs)
    print("%d passed, %d failed" % (n - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
