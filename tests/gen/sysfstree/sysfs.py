# SPDX-License-Identifier: GPL-2.0-or-later
"""Writing a Host as a tree: /sys/devices, bus/pci, drivers, modules,
IOMMU units and groups, /dev/vfio, /proc."""

import hashlib
import os
from pathlib import Path

from .topology import (CMDLINE_PREFIX, DEFAULT_PARAMS, DRIVER_MODULES, SPEED_STR,
    VFIO_MAJOR)
from .layout import layout
from .config import build_config, w16
from .modindex import install_modindex


class Tree:
    def __init__(self, root):
        self.root = Path(root)

    def p(self, rel):
        return self.root / rel

    def write(self, rel, data, mode=0o644):
        path = self.p(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        path.write_bytes(data)
        os.chmod(path, mode)

    def mkdir(self, rel):
        self.p(rel).mkdir(parents=True, exist_ok=True)

    def link(self, rel, target_rel):
        """Relative symlink rel -> target_rel (both relative to root)."""
        path = self.p(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        tgt = os.path.relpath(self.p(target_rel), path.parent)
        os.symlink(tgt, path)


def rc_dir(rc):
    """sysfs directory of a root bus: below its VMD endpoint, if any."""
    top = "sys/devices" if rc.host_fn is None else sysfs_dir(rc.host_fn)
    return top + "/pci%04x:%02x" % (rc.domain, rc.bus)


def sysfs_dir(f):
    parts = []
    g = f
    while g is not None:
        parts.append(g.bdf)
        g = g.parent
    return rc_dir(f.rc) + "/" + "/".join(reversed(parts))


def modalias(f):
    return "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X" % (
        f.vid, f.did, f.svid, f.sdid, f.cls >> 16, (f.cls >> 8) & 0xff,
        f.cls & 0xff)


def iommu_unit_dir(host, f):
    """sysfs directory of the IOMMU unit translating f."""
    unit = f.rc.iommu_unit or ("dmar0" if host.iommu == "intel" else "ivhd0")
    if host.iommu == "intel":
        return "sys/devices/virtual/iommu/" + unit
    return amd_iommu_dir(host, f.rc, unit)


def amd_iommu_dir(host, rc, unit):
    for g in host.functions():
        if g.rc is rc and g.vid == 0x1022 and g.cls == 0x080600:
            return sysfs_dir(g) + "/iommu/" + unit
    raise ValueError("AMD host without an IOMMU function (1022:xxxx 0806)")


def resource_lines(f):
    zero = (0, 0, 0)
    res = [zero] * (17 if f.is_bridge else 13)
    for idx, size, kind in f.bars:
        base = f.bar_addr[idx]
        flags = {"mem32": 0x00040200, "pref64": 0x0014220c,
                 "io": 0x00040101}[kind]
        res[idx] = (base, base + size - 1, flags)
    if f.rom:
        base = f.bar_addr["rom"]
        res[6] = (base, base + 0x7ffff, 0x00046200)
    if f.is_bridge:
        if f.win32:
            res[14] = (f.win32[0], f.win32[1], 0x00000200)
        if f.win64:
            res[15] = (f.win64[0], f.win64[1], 0x00102200)
    return "".join("0x%016x 0x%016x 0x%016x\n" % r for r in res)


def rom_image(f):
    b = bytearray(2048)
    b[0:2] = b"\x55\xaa"
    b[2] = 4
    w16(b, 0x18, 0x1c)
    b[0x1c:0x20] = b"PCIR"
    w16(b, 0x20, f.vid)
    w16(b, 0x22, f.did)
    w16(b, 0x26, 0x18)
    b[0x29:0x2c] = bytes([f.cls & 0xff, (f.cls >> 8) & 0xff, f.cls >> 16])
    b[0x40:0x60] = hashlib.sha256(f.bdf.encode()).digest()
    return bytes(b)


def cpulist(host, numa):
    half = host.ncpus // 2
    if numa is None or numa < 0:
        return "0-%d" % (host.ncpus - 1)
    lo = (numa % 2) * half
    return "%d-%d" % (lo, lo + half - 1)


def cpumask(host, numa):
    mask = 0
    lo, hi = (int(x) for x in cpulist(host, numa).split("-"))
    for i in range(lo, hi + 1):
        mask |= 1 << i
    return "%08x" % mask


def write_function(t, host, f):
    d = sysfs_dir(f)
    numa = f.numa if f.numa is not None else f.rc.numa
    ro = 0o444
    t.write(d + "/vendor", "0x%04x\n" % f.vid, ro)
    t.write(d + "/device", "0x%04x\n" % f.did, ro)
    t.write(d + "/subsystem_vendor", "0x%04x\n" % f.svid, ro)
    t.write(d + "/subsystem_device", "0x%04x\n" % f.sdid, ro)
    t.write(d + "/class", "0x%06x\n" % f.cls, ro)
    t.write(d + "/revision", "0x%02x\n" % f.rev, ro)
    t.write(d + "/irq", "%d\n" % f.irq, ro)
    t.write(d + "/resource", resource_lines(f), 0o444)
    t.write(d + "/modalias", modalias(f) + "\n", 0o444)
    t.write(d + "/driver_override", "%s\n" % (f.override or "(null)"))
    # enable_cnt: a driver's pci_enable_device(); vfio-pci's only on open
    t.write(d + "/enable", "1\n" if f.driver not in (None, "vfio-pci")
            else "0\n")
    t.write(d + "/numa_node", "%d\n" % numa)
    t.write(d + "/local_cpulist", cpulist(host, numa) + "\n", 0o444)
    t.write(d + "/local_cpus", cpumask(host, numa) + "\n", 0o444)
    t.write(d + "/msi_bus", "1\n")
    t.write(d + "/d3cold_allowed", "1\n")
    t.write(d + "/broken_parity_status", "0\n")
    t.write(d + "/consistent_dma_mask_bits", "64\n", 0o444)
    t.write(d + "/dma_mask_bits", "64\n", 0o444)
    t.write(d + "/power_state", "D0\n", 0o444)
    t.write(d + "/ari_enabled", "1\n" if f.ari else "0\n", 0o444)
    t.write(d + "/reset_method", "flr bus\n" if not f.is_bridge else "pm\n")
    for wo in ("remove", "rescan", "reset"):
        t.write(d + "/" + wo, "", 0o200)
    t.write(d + "/uevent", "%sPCI_CLASS=%X\nPCI_ID=%04X:%04X\n"
            "PCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\nMODALIAS=%s\n" % (
                "DRIVER=%s\n" % f.driver if f.driver else "", f.cls, f.vid,
                f.did, f.svid, f.sdid, f.bdf, modalias(f)))
    t.mkdir(d + "/power")
    t.write(d + "/power/control", "on\n")
    t.write(d + "/power/runtime_status", "active\n", 0o444)
    t.link(d + "/subsystem", "sys/bus/pci")
    for idx, size, kind in f.bars:
        t.write(d + "/resource%d" % idx, "", 0o600)
    if f.is_pcie:
        cs, cw = f.link if f.kind != "rciep" else (0, 0)
        ms, mw = f.maxlink if f.kind != "rciep" else (0, 0)
        t.write(d + "/current_link_speed", SPEED_STR[cs] + "\n", 0o444)
        t.write(d + "/current_link_width", "%d\n" % cw, 0o444)
        t.write(d + "/max_link_speed", SPEED_STR[ms] + "\n", 0o444)
        t.write(d + "/max_link_width", "%d\n" % mw, 0o444)
        t.write(d + "/aer_dev_correctable", "RxErr 0\nTOTAL_ERR_COR 0\n",
                0o444)
    if f.is_bridge:
        t.write(d + "/secondary_bus_number", "%d\n" % f.secondary, 0o444)
        t.write(d + "/subordinate_bus_number", "%d\n" % f.subordinate, 0o444)
        bus = "%04x:%02x" % (f.domain, f.secondary)
        t.write(d + "/pci_bus/%s/cpuaffinity" % bus, cpumask(host, numa) +
                "\n", 0o444)
        t.write(d + "/pci_bus/%s/cpulistaffinity" % bus, cpulist(host, numa)
                + "\n", 0o444)
        t.write(d + "/pci_bus/%s/rescan" % bus, "", 0o200)
    if f.rom:
        t.write(d + "/rom", rom_image(f) if f.rom_data is None else
                f.rom_data, 0o600)
    if f.cls >> 8 == 0x0300:
        t.write(d + "/boot_vga", "1\n" if f.boot_vga else "0\n", 0o444)
    if f.physfn is not None:
        vfs = [g for g in f.parent.children if g.physfn is f.physfn]
        t.link(d + "/physfn", sysfs_dir(f.physfn))
        t.link(sysfs_dir(f.physfn) + "/virtfn%d" % vfs.index(f), d)
    vfs = [g for g in (f.parent.children if f.parent else [])
           if g.physfn is f]
    if vfs:
        t.write(d + "/sriov_numvfs", "%d\n" % len(vfs))
        t.write(d + "/sriov_totalvfs", "%d\n" % len(vfs), 0o444)
    write_config(t, f, d)
    if f.gid is not None:
        t.link(d + "/iommu_group", "sys/kernel/iommu_groups/%d" % f.gid)
        t.link(d + "/iommu", iommu_unit_dir(host, f))
    if f.driver:
        t.link(d + "/driver", "sys/bus/pci/drivers/" + f.driver)
    t.link("sys/bus/pci/devices/" + f.bdf, d)


def write_config(t, f, d):
    rel = d + "/config"
    if f.hostile == "noconfig":
        return
    if f.hostile == "configdir":
        t.mkdir(rel)
        return
    if f.hostile == "configdangling":
        path = t.p(rel)
        os.symlink("../../../firmware/gone/config", path)
        return
    t.write(rel, build_config(f))


def write_root_complex(t, host, rc):
    d = rc_dir(rc)
    if rc.host_fn is not None:         # vmd_enable_domain(): "domain" link
        t.link(sysfs_dir(rc.host_fn) + "/domain", d)
    bus = "%04x:%02x" % (rc.domain, rc.bus)
    t.write(d + "/uevent", "")
    t.mkdir(d + "/power")
    t.write(d + "/pci_bus/%s/cpuaffinity" % bus, cpumask(host, rc.numa) +
            "\n", 0o444)
    t.write(d + "/pci_bus/%s/cpulistaffinity" % bus, cpulist(host, rc.numa) +
            "\n", 0o444)
    t.write(d + "/pci_bus/%s/rescan" % bus, "", 0o200)


def write_drivers(t, host):
    drivers = {}
    for f in host.functions():
        if f.driver:
            drivers.setdefault(f.driver, []).append(f)
    for m in host.modules:
        for drv, mods in DRIVER_MODULES.items():
            if mods and mods[0] == m:
                drivers.setdefault(drv, [])
    drivers.setdefault("pcieport", [])
    for drv, fns in sorted(drivers.items()):
        dd = "sys/bus/pci/drivers/" + drv
        for name in ("bind", "unbind", "new_id", "remove_id"):
            t.write(dd + "/" + name, "", 0o200)
        t.write(dd + "/uevent", "", 0o200)
        mods = DRIVER_MODULES.get(drv, [drv.replace("-", "_")])
        if mods:
            t.link(dd + "/module", "sys/module/" + mods[0])
        for f in fns:
            t.link(dd + "/" + f.bdf, sysfs_dir(f))
    return drivers


def loaded_modules(host, drivers):
    mods = []
    for drv in drivers:
        for m in DRIVER_MODULES.get(drv, [drv.replace("-", "_")]):
            if m not in mods:
                mods.append(m)
    for m in host.modules:
        if m not in mods:
            mods.append(m)
    for m in host.params:
        if m not in mods:
            mods.append(m)
    return mods


def write_modules(t, host, drivers):
    for m in loaded_modules(host, drivers):
        d = "sys/module/" + m
        t.write(d + "/initstate", "live\n", 0o444)
        t.write(d + "/refcnt", "0\n", 0o444)
        t.write(d + "/coresize", "65536\n", 0o444)
        t.write(d + "/taint", "OE\n" if m.startswith("nvidia") else "\n",
                0o444)
        t.write(d + "/uevent", "", 0o200)
        t.mkdir(d + "/holders")
        t.mkdir(d + "/sections")
        params = dict(DEFAULT_PARAMS.get(m, {}))
        params.update(host.params.get(m, {}))
        for k, v in params.items():
            t.write(d + "/parameters/" + k, v + "\n")
        for drv, mods in DRIVER_MODULES.items():
            if mods and mods[0] == m and drv in drivers:
                t.link(d + "/drivers/pci:" + drv, "sys/bus/pci/drivers/" + drv)


def write_iommu(t, host):
    if not host.iommu:
        t.mkdir("sys/class/iommu")
        return
    units = {}
    for f in host.functions():
        if f.gid is not None:
            units.setdefault(iommu_unit_dir(host, f), []).append(f)
    for rc in host.rcs:            # units exist even when nothing is behind
        unit = rc.iommu_unit or ("dmar0" if host.iommu == "intel" else "ivhd0")
        if host.iommu == "intel":
            units.setdefault("sys/devices/virtual/iommu/" + unit, [])
        else:
            units.setdefault(amd_iommu_dir(host, rc, unit), [])
    for ud, fns in sorted(units.items()):
        name = ud.rsplit("/", 1)[1]
        t.write(ud + "/uevent", "")
        t.mkdir(ud + "/power")
        if host.iommu == "intel":
            t.write(ud + "/intel-iommu/version", "1:0\n", 0o444)
            t.write(ud + "/intel-iommu/cap", "d2008c40660462\n", 0o444)
            t.write(ud + "/intel-iommu/ecap", "f050da\n", 0o444)
            t.write(ud + "/intel-iommu/address", "c5ffc000\n", 0o444)
        else:
            t.write(ud + "/amd-iommu/cap", "0x00190063\n", 0o444)
            t.write(ud + "/amd-iommu/features", "0x25bf732fa2295afe\n", 0o444)
        t.mkdir(ud + "/devices")
        for f in fns:
            t.link(ud + "/devices/" + f.bdf, sysfs_dir(f))
        t.link("sys/class/iommu/" + name, ud)
    groups = {}
    for f in host.functions():
        if f.gid is not None:
            groups.setdefault(f.gid, []).append(f)
    for gid, fns in sorted(groups.items()):
        gd = "sys/kernel/iommu_groups/%d" % gid
        t.mkdir(gd + "/devices")
        for f in fns:
            t.link(gd + "/devices/" + f.bdf, sysfs_dir(f))
        gtype = next((f.gtype for f in fns if f.gtype), host.gtype)
        t.write(gd + "/type", gtype + "\n")
        t.write(gd + "/reserved_regions",
                "0x00000000fee00000 0x00000000feefffff msi\n", 0o444)


def write_dev_vfio(t, host, drivers):
    if "vfio-pci" not in drivers and "vfio_pci" not in host.modules:
        return
    t.write("dev/vfio/vfio", "", 0o666)
    for minor, gid in enumerate(sorted({
            f.gid for f in host.functions()
            if f.driver == "vfio-pci" and f.gid is not None})):
        # the node is a regular file: gpugate's --root stand-in for the
        # character device; the kernel's side is the class "vfio" device
        # with its dynamic major (vfio_group_alloc())
        t.write("dev/vfio/%d" % gid, "", 0o600)
        gd = "sys/devices/virtual/vfio/%d" % gid
        t.write(gd + "/dev", "%d:%d\n" % (VFIO_MAJOR, minor), 0o444)
        t.write(gd + "/uevent", "MAJOR=%d\nMINOR=%d\nDEVNAME=vfio/%d\n" % (
            VFIO_MAJOR, minor, gid))
        t.link("sys/class/vfio/%d" % gid, gd)


def write_proc(t, host):
    cmd = host.raw_cmdline
    if cmd is None:
        cmd = CMDLINE_PREFIX + (" " + host.cmdline if host.cmdline else "")
    t.write("proc/cmdline", cmd + "\n", 0o444)
    if host.bootconfig is not None:
        t.write("proc/bootconfig", host.bootconfig, 0o444)
    t.write("proc/sys/kernel/osrelease", host.osrelease + "\n", 0o444)
    if host.tainted is not None:
        t.write("proc/sys/kernel/tainted", "%d\n" % host.tainted, 0o444)
    t.write("proc/interrupts", interrupts(host), 0o444)


def interrupts(host):
    n = host.ncpus
    prec = 4
    ir = "IR-" if host.ir else ""
    out = [" " * (prec + 8) + "".join("CPU%-8d" % j for j in range(n))]

    def line(irq, counts, chip, hw, trig, name):
        cells = "".join("%10u " % c for c in counts)
        out.append("%*s: %s %8s %*s-%-8s  %s" % (prec, irq, cells, chip, prec,
                                                 hw, trig, name))
    z = [0] * n
    ioapic = [(0, 2, "edge", "timer"), (1, 1, "edge", "i8042"),
              (8, 8, "edge", "rtc0"), (9, 9, "fasteoi", "acpi"),
              (12, 12, "edge", "i8042")]
    for irq, hw, trig, name in ioapic:
        line(irq, [37 if irq == 0 else 0] + z[1:], ir + "IO-APIC", hw, trig,
             name)
    irq = 24
    if host.iommu == "intel":
        for i, unit in enumerate(sorted({rc.iommu_unit or "dmar0"
                                         for rc in host.rcs})):
            line(irq, z, "DMAR-MSI", i, "edge", unit)
            irq += 1
    elif host.iommu == "amd":
        line(irq, z, ir + "PCI-MSI", 2048, "edge", "AMD-Vi")
        irq += 1
    for f in sorted(host.functions(), key=lambda g: (g.domain, g.bus,
                                                     g.devfn)):
        if not f.driver or f.driver == "vfio-pci":
            continue
        hw = (f.domain << 27) | (((f.bus << 8) | f.devfn) << 11)
        name = {"pcieport": "PCIe PME, aerdrv"}.get(f.driver, f.driver)
        if f.driver == "mlx5_core":
            name = "mlx5_async0@pci:%s" % f.bdf
        elif f.driver == "nvme":
            name = "nvme0q0"
        line(irq, [irq % 7] + z[1:], ir + "PCI-MSI", hw, "edge", name)
        irq += 1
    for sym, desc in (("NMI", "Non-maskable interrupts"),
                      ("LOC", "Local timer interrupts"),
                      ("SPU", "Spurious interrupts"),
                      ("PMI", "Performance monitoring interrupts"),
                      ("IWI", "IRQ work interrupts"),
                      ("RES", "Rescheduling interrupts"),
                      ("CAL", "Function call interrupts"),
                      ("TLB", "TLB shootdowns"),
                      ("MCE", "Machine check exceptions"),
                      ("MCP", "Machine check polls")):
        out.append("%*s: %s  %s" % (prec, sym, "".join(
            "%10u " % (1000 + j) for j in range(n)), desc))
    out.append("%*s: %10u" % (prec, "ERR", 0))
    out.append("%*s: %10u" % (prec, "MIS", 0))
    return "\n".join(out) + "\n"


def write_bus_pci(t):
    t.mkdir("sys/bus/pci/devices")
    t.mkdir("sys/bus/pci/drivers")
    t.write("sys/bus/pci/drivers_probe", "", 0o200)
    t.write("sys/bus/pci/drivers_autoprobe", "1\n")
    t.write("sys/bus/pci/rescan", "", 0o200)
    t.write("sys/bus/pci/resource_alignment", "\n")
    t.write("sys/bus/pci/uevent", "", 0o200)
    t.mkdir("sys/bus/pci/slots")


def write_tree(host, root):
    """Write host into the (empty or missing) directory root."""
    layout(host)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    t = Tree(root)
    write_bus_pci(t)
    for rc in host.rcs:
        write_root_complex(t, host, rc)
    for f in host.functions():
        write_function(t, host, f)
        if f.kind in ("rp", "dsp") and f.children:
            t.write("sys/bus/pci/slots/%d/address" % (f.dev * 8 + f.fn + 1),
                    "%04x:%02x:00\n" % (f.domain, f.secondary), 0o444)
    drivers = write_drivers(t, host)
    write_modules(t, host, drivers)
    write_iommu(t, host)
    t.mkdir("sys/kernel/iommu_groups")
    write_dev_vfio(t, host, drivers)
    write_proc(t, host)
    for name, text in sorted(host.modprobe_d.items()):
        t.write("etc/modprobe.d/" + name, text)
    if host.modindex:
        install_modindex(root, host.modindex)
    for fn in host.post:
        fn(root)
    return root
