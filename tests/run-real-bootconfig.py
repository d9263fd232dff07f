#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""run-real-bootconfig.py - gpugate against sysfs trees captured from a real
kernel booted with bootconfig (issue 17 item 7).

    tests/run-real-bootconfig.py [GPUGATE]

The trees, tests/trees/real/bootconfig/*.tar.gz, are `gpugate snapshot`
tars taken by qemu/bootconfig-kernel.sh: Debian's linux-source-6.1 built
with CONFIG_BOOT_CONFIG, q35 with an Intel vIOMMU (device-iotlb=on) and a
virtio-gpu with ATS, the GPUs on vfio-pci. The kernel's own record of what
it applied is in each tree, and gpugate's verdict on the command line must
agree with it:

  cmdline.strict    passes  <=> every protected function's IOMMU group is
                               of type DMA (strict), not DMA-FQ (lazy);
  cmdline.identity  passes  <=> no protected function's group is identity
                               (iommu=pt applied) and bootconfig has no
                               kernel.iommu (stricter than the kernel, see
                               docs/kernel-facts.md §6);
  cmdline.noats     passes  <=> no protected function with ATS has ATS
                               Enable set, in translated (DMA, DMA-FQ)
                               groups (the Intel driver enables ATS when it
                               attaches one unless pci=noats was applied);
  cmdline.forbidden fails   <=> /sys/module/vfio_iommu_type1/parameters/
                               allow_unsafe_interrupts reads Y.

A requirement met only by a bootconfig kernel.* key that the kernel did not
apply is reported "... from bootconfig, not applied". The trees together
must hold at least one early parameter (pci=, iommu.strict=, iommu=) and
one __setup() parameter (intel_iommu=) from bootconfig, so the test cannot
pass on trees that do not exercise bootconfig. Prints "ok NAME" or "FAIL
NAME: reason" per tree, then "N passed, M failed"; exits 1 on a failure.
"""
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
TREES = HERE / "trees" / "real" / "bootconfig"
POLICY = REPO / "qemu" / "policies" / "poweroff.conf"
sys.path.insert(0, str(HERE / "gen"))
import kcaps  # noqa: E402

# parse_early_param() handlers (the kernel's early_param()) among the keys
# the trees carry, and the __setup() ones.
EARLY = {"pci", "iommu.strict", "iommu", "iommu.passthrough", "intremap", "nointremap"}
SETUP = {"intel_iommu", "amd_iommu"}


def bootconfig_keys(text):
    """The kernel.* keys of /proc/bootconfig, "-" folded to "_"."""
    keys = set()
    for line in text.splitlines():
        if line.startswith("kernel.") and " = " in line:
            keys.add(line[len("kernel."):line.index(" = ")].replace("-", "_"))
    return keys


def group_type(root, bdf):
    link = root / "sys/bus/pci/devices" / bdf / "iommu_group"
    group = os.path.basename(os.readlink(link))
    return (root / "sys/kernel/iommu_groups" / group / "type").read_text().strip()


def statuses(report, cid):
    return {c["status"] for c in report["checks"] if c["id"] == cid}


def actual(report, cid):
    return [c["actual"] or "" for c in report["checks"] if c["id"] == cid]


def judge(gpugate, tar, seen):
    errs = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with tarfile.open(tar) as t:
            t.extractall(root, filter="tar") if hasattr(tarfile, "data_filter") else t.extractall(root)
        bootconfig = (root / "proc/bootconfig").read_text()
        cmdline = (root / "proc/cmdline").read_text().split()
        keys = bootconfig_keys(bootconfig)
        seen |= keys
        run = subprocess.run([gpugate, "--root", str(root), "-p", str(POLICY), "-f", "json", "check"],
                             capture_output=True, text=True, timeout=60)
        try:
            report = json.loads(run.stdout)
        except ValueError:
            return ["no JSON report (exit %d): %s" % (run.returncode, run.stderr.strip())]
        if run.returncode not in (0, 1):
            errs.append("exit %d, want 0 or 1 (a verdict): %s" % (run.returncode, run.stderr.strip()))
        undet = sorted({c["id"] for c in report["checks"] if c.get("undetermined")})
        if undet:
            errs.append("undetermined: %s" % ", ".join(undet))
        devs = [d["bdf"] for d in report["devices"]]
        if not devs:
            return errs + ["no protected device"]
        types = {group_type(root, d) for d in devs}
        ats_on = [d for d in devs if "ATS" in kcaps.enabled_translation(
            (root / "sys/bus/pci/devices" / d / "config").read_bytes())]
        unsafe = (root / "sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts").read_text().strip()

        def agree(cid, kernel_ok, fact):
            got = statuses(report, cid)
            want = {"pass"} if kernel_ok else {"fail"}
            if got != want:
                errs.append("%s is %s, but the kernel applied: %s" % (cid, "/".join(sorted(got)) or "absent", fact))

        agree("cmdline.strict", types == {"DMA"}, "group type %s" % "/".join(sorted(types)))
        # stricter than the kernel, on purpose: iommu=pt from bootconfig
        # fails too (an embedded bootconfig applies it on newer kernels)
        agree("cmdline.identity", "identity" not in types and "iommu" not in keys,
              "group type %s, bootconfig keys %s" % ("/".join(sorted(types)), sorted(keys)))
        if types <= {"DMA", "DMA-FQ"}:  # an identity domain never enables ATS
            agree("cmdline.noats", not ats_on, "ATS Enable set on %s" % (", ".join(ats_on) or "none"))
        agree("cmdline.forbidden", unsafe != "Y", "allow_unsafe_interrupts=%s" % unsafe)
        # an early key from bootconfig alone is named as not applied
        for key, cid in (("iommu.strict", "cmdline.strict"), ("pci", "cmdline.noats")):
            on_line = any(w.startswith(key + "=") for w in cmdline[len(keys):])
            if key in keys and not on_line and statuses(report, cid) == {"fail"}:
                if not any("from bootconfig, not applied" in a for a in actual(report, cid)):
                    errs.append("%s: %s from bootconfig not named as not applied: %s"
                                % (cid, key, actual(report, cid)))
    return errs


def main():
    gpugate = sys.argv[1] if len(sys.argv) > 1 else str(REPO / "build" / "gpugate")
    trees = sorted(TREES.glob("*.tar.gz"))
    passed = failed = 0
    seen = set()
    if not trees:
        print("FAIL: no captured tree in %s" % TREES)
        failed += 1
    for tar in trees:
        errs = judge(gpugate, tar, seen)
        name = tar.name[:-len(".tar.gz")]
        if errs:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(errs)))
        else:
            passed += 1
            print("ok %s" % name)
    for kind, names in (("an early parameter", EARLY), ("a __setup() parameter", SETUP)):
        if not seen & names:
            failed += 1
            print("FAIL: no tree has %s from bootconfig (%s)" % (kind, ", ".join(sorted(names))))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
