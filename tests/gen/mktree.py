#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build fake sysfs/procfs trees with the Linux kernel's real layout.

A topology (Host -> RC -> Fn objects, bridges holding children) becomes a
directory that `gpugate --root DIR` and `lspci -A linux-sysfs -O
sysfs.path=DIR/sys/bus/pci` can read: the /sys/devices/pciDDDD:BB hierarchy,
bus/pci/{devices,drivers} links, kernel/iommu_groups, class/iommu,
/sys/module, /dev/vfio, /proc/{cmdline,interrupts}, a module index built by
the real depmod from tiny fake .ko objects, and etc/modprobe.d.

Config space is built byte by byte (standard header, PM/MSI/PCIe/MSI-X
capabilities, extended capabilities AER/ACS/ATS/PRI/PASID/... in ascending or
NVIDIA-style non-ascending order) and can be made hostile (truncated,
all-ones, looping or out-of-range capability lists, missing, a directory, a
dangling symlink).

IOMMU groups follow the kernel's pci_device_group() (drivers/iommu/iommu.c):
DMA aliases through PCIe-to-PCI bridges, pci_acs_path_enabled() with
REQ_ACS_FLAGS (SV RR CR UF, missing capability bits count as hard-wired),
and get_pci_function_alias_group() for multifunction slots. A scenario can
merge groups explicitly with Fn(group="label").

CLI:  mktree.py SCENARIO OUTDIR      build one scenario of tests/trees
      mktree.py --list               list scenario names
      mktree.py --big N OUTDIR       an N-function tree (benchmarks)
Python 3.11, standard library only; needs gcc and depmod for the module
index (built once, cached under build/test-cache/).

The generator is split by job into tests/gen/sysfstree/ (each module
imports only the ones above it):

  topology.py  constants, the fake module list, Fn / RC / Host
  layout.py    bus numbers, windows, BARs, IOMMU groups
  config.py    config space, byte by byte, and its hostile variants
  sysfs.py     writing a Host as a tree (write_tree)
  modindex.py  the module index (fake .ko objects, real depmod)
  devices.py   device makers (h100(), rp(), switch(), ...) and big trees

This module is the one to import: it re-exports all of them and holds the
CLI.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sysfstree.topology import *  # noqa: E402,F401,F403
from sysfstree.layout import *  # noqa: E402,F401,F403
from sysfstree.config import *  # noqa: E402,F401,F403
from sysfstree.sysfs import *  # noqa: E402,F401,F403
from sysfstree.modindex import *  # noqa: E402,F401,F403
from sysfstree.devices import *  # noqa: E402,F401,F403
from sysfstree.topology import REPO  # noqa: E402
from sysfstree.sysfs import write_tree  # noqa: E402
from sysfstree.devices import big_host  # noqa: E402


def load_scenarios():
    sys.path.insert(0, str(REPO / "tests" / "trees"))
    import scenarios                       # noqa: E402  (tests/trees)
    return scenarios.SCENARIOS


def build_scenario(sc, root):
    """Write scenario sc's tree into root and its policy into
    root/etc/gpugate/policy.conf; return the policy path."""
    write_tree(sc.build(), root)
    pol = Path(root) / "etc/gpugate/policy.conf"
    pol.parent.mkdir(parents=True, exist_ok=True)
    pol.write_text(sc.policy_text())
    return pol


def main(argv):
    if len(argv) >= 1 and argv[0] == "--list":
        for sc in load_scenarios():
            print(sc.name)
        return 0
    if len(argv) == 3 and argv[0] == "--big":
        root = Path(argv[2])
        write_tree(big_host(int(argv[1])), root)
        print(root)
        return 0
    if len(argv) != 2:
        print("usage: mktree.py SCENARIO OUTDIR | --list | --big N OUTDIR",
              file=sys.stderr)
        return 2
    by_name = {sc.name: sc for sc in load_scenarios()}
    if argv[0] not in by_name:
        print("mktree.py: no scenario %r (see --list)" % argv[0],
              file=sys.stderr)
        return 2
    out = Path(argv[1])
    if out.exists() and any(out.iterdir()):
        print("mktree.py: %s is not empty" % out, file=sys.stderr)
        return 2
    pol = build_scenario(by_name[argv[0]], out)
    print("%s\npolicy: %s" % (out, pol))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
