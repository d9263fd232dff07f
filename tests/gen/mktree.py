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
"""

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

KVER = "6.1.0-26-amd64"
REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "test-cache"
CMDLINE_PREFIX = ("BOOT_IMAGE=/boot/vmlinuz-%s root=UUID=8c1f6a0e-3d4b-4f7e-"
                  "9a51-2b6c0d9e7f13 ro quiet" % KVER)

# ACS capability / control bits (PCIe r6.0 sec 7.7.8.2)
SV, TB, RR, CR, UF, EC, DT = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
REQ_ACS_FLAGS = SV | RR | CR | UF          # drivers/iommu/iommu.c

# PCIe Capabilities register, Device/Port Type (bits 7:4)
PTYPE = {"ep": 0, "legacy": 1, "rp": 4, "usp": 5, "dsp": 6, "pcie2pci": 7,
         "rciep": 9}
BRIDGE_KINDS = ("rp", "usp", "dsp", "pcie2pci", "pcibridge")

SPEED_STR = {0: "Unknown", 1: "2.5 GT/s PCIe", 2: "5.0 GT/s PCIe",
             3: "8.0 GT/s PCIe", 4: "16.0 GT/s PCIe", 5: "32.0 GT/s PCIe"}

# Extended capability IDs
ECAP_AER, ECAP_VC, ECAP_DSN, ECAP_PB = 0x0001, 0x0002, 0x0003, 0x0004
ECAP_VSEC, ECAP_ACS, ECAP_ARI, ECAP_ATS = 0x000B, 0x000D, 0x000E, 0x000F
ECAP_PRI, ECAP_LTR, ECAP_SECPCI, ECAP_PASID = 0x0013, 0x0018, 0x0019, 0x001B
ECAP_L1SS, ECAP_DLF = 0x001E, 0x0025

NVIDIA_ECAP_OFFSETS = [0x100, 0x258, 0x128, 0x420, 0x600, 0x900, 0xB80,
                       0xC00, 0xC40, 0xC80, 0xD00]

HOSTILE = ("trunc64", "trunc256", "ones", "stdloop", "stdself", "stdptr_low",
           "stdptr_high", "extloop", "extnext_low", "extnext_high",
           "extnext_misaligned", "stdnext_misaligned", "noconfig",
           "configdir", "configdangling")

VFIO_MAJOR = 243                 # alloc_chrdev_region() picks it at boot

# driver name -> modules that are loaded when it is bound
DRIVER_MODULES = {
    "vfio-pci": ["vfio_pci", "vfio_pci_core", "vfio", "vfio_iommu_type1",
                 "vfio_virqfd", "irqbypass"],
    "nouveau": ["nouveau", "drm_display_helper", "ttm", "mxm_wmi"],
    "nvidia": ["nvidia"],
    "snd_hda_intel": ["snd_hda_intel", "snd_hda_codec", "snd_hda_core"],
    "mlx5_core": ["mlx5_core"],
    "nvme": ["nvme", "nvme_core"],
    "e1000e": ["e1000e"],
    "ast": ["ast"],
    "bochs-drm": ["bochs"],
    "pcieport": [],            # built in
    "ioatdma": ["ioatdma"],
    "xhci_hcd": ["xhci_pci", "xhci_hcd"],
    "nvidia-gpu": ["i2c_nvidia_gpu"],
    "vmd": ["vmd"],
}

DEFAULT_PARAMS = {
    "vfio_iommu_type1": {"allow_unsafe_interrupts": "N",
                         "disable_hugepages": "N",
                         "dma_entry_limit": "65535"},
    "vfio": {"enable_unsafe_noiommu_mode": "N"},
    "vfio_pci": {"ids": "", "disable_vga": "N", "disable_idle_d3": "N",
                 "nointxmask": "N", "enable_sriov": "N",
                 "disable_denylist": "N"},
    "nouveau": {"modeset": "-1", "config": "(null)", "runpm": "-1"},
    "nvidia": {"NVreg_OpenRmEnableUnsupportedGpus": "0"},
}

HOST_DRIVER_BLACKLIST = ("# gpugate: host GPU drivers must not bind before "
                         "vfio-pci\n"
                         "blacklist nouveau\nblacklist nvidia\n"
                         "blacklist nvidia_drm\nblacklist nvidia_modeset\n"
                         "blacklist nvidia_uvm\nblacklist nvidiafb\n"
                         "softdep nouveau pre: vfio-pci\n"
                         "softdep nvidia pre: vfio-pci\n")

# fake kernel modules: path under lib/modules/KVER/kernel (or updates/) ->
# the pci aliases the real module declares
FAKE_MODULES = {
    "drivers/gpu/drm/nouveau/nouveau.ko": [
        "pci:v000010DEd*sv*sd*bc03sc*i*", "pci:v000012D2d*sv*sd*bc03sc*i*"],
    "updates/dkms/nvidia.ko": [
        "pci:v000010DEd*sv*sd*bc03sc00i00*", "pci:v000010DEd*sv*sd*bc03sc02i00*"],
    "updates/dkms/nvidia-drm.ko": [],
    "updates/dkms/nvidia-modeset.ko": [],
    "updates/dkms/nvidia-uvm.ko": ["char-major-510-*"],
    "drivers/video/fbdev/nvidia/nvidiafb.ko": [
        "pci:v000010DEd00000040sv*sd*bc*sc*i*",
        "pci:v000010DEd00000041sv*sd*bc*sc*i*"],
    "sound/pci/hda/snd-hda-intel.ko": [
        "pci:v000010DEd*sv*sd*bc04sc03i00*", "pci:v00008086d*sv*sd*bc04sc03i00*",
        "pci:v00001002d*sv*sd*bc04sc03i00*"],
    "drivers/vfio/pci/vfio-pci.ko": ["vfio_pci:v*d*sv*sd*bc*sc*i*"],
    "drivers/vfio/pci/vfio-pci-core.ko": [],
    "drivers/vfio/vfio.ko": ["devname:vfio/vfio", "char-major-10-196"],
    "drivers/vfio/vfio_iommu_type1.ko": [],
    "drivers/virtio/virtio_pci.ko": ["pci:v00001AF4d*sv*sd*bc*sc*i*"],
    "drivers/gpu/drm/tiny/bochs.ko": [
        "pci:v00001234d00001111sv*sd*bc03sc00i00*"],
    "drivers/gpu/drm/ast/ast.ko": ["pci:v00001A03d00002000sv*sd*bc03sc*i*"],
    "drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko": [
        "pci:v000015B3d00001021sv*sd*bc*sc*i*",
        "pci:v000015B3d0000101Dsv*sd*bc*sc*i*"],
    "drivers/nvme/host/nvme.ko": ["pci:v*d*sv*sd*bc01sc08i02*"],
    "drivers/net/ethernet/intel/e1000e/e1000e.ko": [
        "pci:v00008086d000010D3sv*sd*bc*sc*i*"],
    "drivers/dma/ioat/ioatdma.ko": ["pci:v00008086d00000B00sv*sd*bc*sc*i*"],
    "drivers/usb/host/xhci-pci.ko": ["pci:v*d*sv*sd*bc0Csc03i30*"],
    "drivers/i2c/busses/i2c-nvidia-gpu.ko": [
        "pci:v000010DEd*sv*sd*bc0Csc80i00*"],
}


def align(x, a):
    return (x + a - 1) // a * a


# --------------------------------------------------------------- topology --

class Fn:
    """One PCI function. Bridges (kind rp/usp/dsp/pcie2pci/pcibridge) hold
    the functions below them in `children`.

    kind: ep (PCIe endpoint), legacy, rciep, pci (conventional endpoint),
          rp, usp, dsp, pcie2pci, pcibridge (conventional PCI-PCI).
    acs:  None (no ACS capability) or (cap, ctl).
    ats:  None (no ATS capability) or the ATS Control value (0x8000 = on).
    pri, pasid: None or control value.
    hostile: one of HOSTILE.
    group: a label; functions with the same label share an IOMMU group on
           top of the kernel's own grouping.
    gtype: IOMMU group default-domain type for this function's group.
    rom_data: bytes of the `rom` file (default: rom_image(f)) when rom.
    boot_vga: the kernel's boot_vga attribute of a VGA function (0300).
    ari: (a port) ARI Forwarding Enable in Device Control 2 and sysfs
         ari_enabled 1; its children are then one ARI device, function
         8*dev+fn of which sits at dev.fn (Fn(1, 0) is ARI function 8).
    physfn, vbus: an SR-IOV VF of PF `physfn` (a sibling in the same
         children list), on the bus `vbus` above the port's secondary bus
         (pci_iov_virtfn_bus()); its sysfs directory is below the PF's
         parent (pci_iov_add_virtfn()), with physfn/virtfnN links.
    """

    def __init__(self, dev, fn=0, vid=0x8086, did=0x0000, cls=0x088000, *,
                 kind="ep", children=(), svid=None, sdid=None, rev=0x01,
                 driver=None, override=None, acs=None, ats=None, pri=None,
                 pasid=None, profile="generic", bars=None, rom=False,
                 group=None, gtype=None, hostile=None, link=(4, 16),
                 maxlink=None, numa=None, nogroup=False, rom_data=None,
                 boot_vga=False, ari=False, physfn=None, vbus=0):
        self.dev, self.fn = dev, fn
        self.vid, self.did, self.cls = vid, did, cls
        self.kind = kind
        self.children = list(children)
        self.svid = vid if svid is None else svid
        self.sdid = sdid if sdid is not None else (
            0 if kind in BRIDGE_KINDS else did)
        self.rev = rev
        self.driver, self.override = driver, override
        self.acs, self.ats, self.pri, self.pasid = acs, ats, pri, pasid
        self.profile = profile
        self.bars = list(bars) if bars is not None else []
        self.rom = rom
        self.group, self.gtype = group, gtype
        self.hostile = hostile
        self.link = link
        self.maxlink = maxlink or link
        self.numa = numa
        self.nogroup = nogroup
        self.rom_data, self.boot_vga = rom_data, boot_vga
        self.ari = ari              # a port with ARI Forwarding Enable set
        self.physfn, self.vbus = physfn, vbus
        # filled in by layout()
        self.parent = None
        self.domain = self.bus = None
        self.secondary = self.subordinate = None
        self.win32 = self.win64 = None
        self.bar_addr = {}
        self.multifunction = False
        self.slot_funcs = []
        self.path = None
        self.gid = None
        self.irq = 0
        self.rc = None

    @property
    def is_bridge(self):
        return self.kind in BRIDGE_KINDS

    @property
    def is_pcie(self):
        return self.kind not in ("pci", "pcibridge")

    @property
    def bdf(self):
        return "%04x:%02x:%02x.%d" % (self.domain, self.bus, self.dev, self.fn)

    @property
    def devfn(self):
        return (self.dev << 3) | self.fn

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


class RC:
    """A PCI host bridge / root bus: sys/devices/pciDDDD:BB.

    host_fn: the endpoint that creates this root bus (Intel VMD): the bus
    then sits below it in sysfs (.../0000:00:0e.0/pci10000:e0) and every
    function on it reaches the IOMMU with host_fn's requester ID. Such an
    RC must come after the one holding host_fn in Host.rcs."""

    def __init__(self, domain=0, bus=0, devices=(), numa=0,
                 iommu_unit=None, mem32=None, mem64=None, host_fn=None):
        self.domain, self.bus = domain, bus
        self.devices = list(devices)
        self.numa = numa
        self.iommu_unit = iommu_unit
        self.mem32, self.mem64 = mem32, mem64
        self.host_fn = host_fn


class Host:
    """The whole machine.

    iommu: None, "intel" or "amd".   ir: interrupt remapping shown in
    /proc/interrupts.  cmdline: parameters after the BOOT_IMAGE/root prefix.
    modules: extra loaded modules.  params: {module: {param: value}}.
    modprobe_d: {filename: text} (default: the gpugate blacklist).
    bootconfig: text of /proc/bootconfig ("" by default: a kernel built
    with bootconfig, none given; None: no file).
    modindex: build lib/modules/KVER with depmod.  gtype: default group type.
    post: callables(root) run after writing (to break the tree on purpose).
    """

    def __init__(self, rcs, *, iommu="intel", ir=True, cmdline="",
                 modules=(), params=None, modprobe_d=None, modindex=True,
                 gtype="DMA", ncpus=8, post=(), raw_cmdline=None,
                 osrelease=KVER, bootconfig=""):
        self.rcs = list(rcs)
        self.iommu, self.ir = iommu, ir
        self.cmdline = cmdline
        self.raw_cmdline = raw_cmdline
        self.bootconfig = bootconfig  # /proc/bootconfig; None: absent
        self.modules = list(modules)
        self.params = params or {}
        self.modprobe_d = ({"gpugate.conf": HOST_DRIVER_BLACKLIST,
                            "alsa-base.conf":
                            "options snd_hda_intel power_save=1\n"}
                           if modprobe_d is None else modprobe_d)
        self.modindex = modindex
        self.gtype = gtype
        self.ncpus = ncpus
        self.post = list(post)
        self.osrelease = osrelease

    def functions(self):
        for rc in self.rcs:
            for d in rc.devices:
                yield from d.walk()


# ----------------------------------------------------------------- layout --

def layout(host):
    """Assign bus numbers, slot siblings, MMIO windows, IRQs and groups."""
    irq = [24]
    for i, rc in enumerate(host.rcs):
        nxt = [rc.bus + 1]
        _layout_bus(rc, rc.devices, rc.bus, None, nxt)
        m32 = rc.mem32 if rc.mem32 is not None else 0x90000000 + (
            i % 8) * 0x08000000
        m64 = rc.mem64 if rc.mem64 is not None else 0x200000000000 + (
            i * 0x10000000000)
        for d in rc.devices:
            m32, m64 = _alloc(d, m32, m64)
    for f in host.functions():
        f.irq = irq[0] if f.driver else (16 + f.devfn % 4)
        if f.driver:
            irq[0] += 1
    assign_groups(host)


def _layout_bus(rc, devs, bus, parent, nxt):
    slots = {}
    for d in devs:
        d.domain, d.bus, d.parent, d.rc = rc.domain, bus + d.vbus, parent, rc
        nxt[0] = max(nxt[0], d.bus + 1)
        slots.setdefault((d.vbus, d.dev), []).append(d)
    for fns in slots.values():
        fns.sort(key=lambda f: f.fn)
        for f in fns:
            f.slot_funcs = fns
            f.multifunction = len(fns) > 1
    for d in sorted(devs, key=lambda f: f.devfn):
        if d.is_bridge:
            d.secondary = nxt[0]
            nxt[0] += 1
            if nxt[0] > 256:
                raise ValueError("bus numbers exhausted in %04x" % rc.domain)
            _layout_bus(rc, d.children, d.secondary, d, nxt)
            d.subordinate = nxt[0] - 1


def _alloc(f, c32, c64):
    if not f.is_bridge:
        for idx, size, kind in f.bars:
            if kind == "pref64":
                base = align(c64, size)
                c64 = base + size
            else:
                base = align(c32, size)
                c32 = base + size
            f.bar_addr[idx] = base
        if f.rom:
            base = align(c32, 0x80000)
            c32 = base + 0x80000
            f.bar_addr["rom"] = base
        return c32, c64
    s32, s64 = align(c32, 1 << 20), align(c64, 1 << 20)
    c32, c64 = s32, s64
    for ch in sorted(f.children, key=lambda x: x.devfn):
        c32, c64 = _alloc(ch, c32, c64)
    e32, e64 = align(c32, 1 << 20), align(c64, 1 << 20)
    f.win32 = (s32, e32 - 1) if e32 > s32 else None
    f.win64 = (s64, e64 - 1) if e64 > s64 else None
    return e32, e64


def enum_order(host):
    """Kernel scan order: every function of a bus, then each bridge's bus."""
    out = []

    def scan(devs):
        devs = sorted(devs, key=lambda f: f.devfn)
        out.extend(devs)
        for d in devs:
            if d.is_bridge:
                scan(d.children)
    for rc in host.rcs:
        scan(rc.devices)
    return out


def acs_flags_enabled(f, flags):
    """pci_acs_flags_enabled(): missing capability bits count as enabled."""
    if f.acs is None:      # groups were formed at boot, before any damage
        return False
    cap, ctl = f.acs
    flags &= (cap | EC)
    return (ctl & flags) == flags


def acs_enabled(f, flags=REQ_ACS_FLAGS):
    """pci_acs_enabled() without device-specific quirks."""
    if not f.is_pcie:
        return False
    if f.kind in ("pcie2pci",):
        return False
    if f.kind in ("dsp", "rp"):
        return acs_flags_enabled(f, flags)
    if not f.multifunction:
        return True
    return acs_flags_enabled(f, flags)


def acs_path_enabled(f):
    while f is not None:
        if not acs_enabled(f):
            return False
        f = f.parent
    return True


def assign_groups(host):
    if not host.iommu:
        return
    gid_of, groups = {}, []

    def new_group():
        groups.append([])
        return len(groups) - 1

    for f in enum_order(host):
        if f.nogroup:
            continue
        g = _kernel_group(f, gid_of)
        if g is None:
            g = new_group()
        gid_of[id(f)] = g
        f.gid = g
    # explicit merges by label
    label_gid = {}
    remap = {}
    for f in enum_order(host):
        if f.gid is None or f.group is None:
            continue
        g = remap.get(f.gid, f.gid)
        if f.group in label_gid:
            tgt = label_gid[f.group]
            for k, v in list(remap.items()):
                if v == g:
                    remap[k] = tgt
            remap[g] = tgt
        else:
            label_gid[f.group] = g
    used = sorted({remap.get(f.gid, f.gid) for f in host.functions()
                   if f.gid is not None})
    renum = {g: i for i, g in enumerate(used)}
    for f in host.functions():
        if f.gid is not None:
            f.gid = renum[remap.get(f.gid, f.gid)]


def _kernel_group(f, gid_of):
    # pci_for_each_dma_alias() starts at pci_real_dma_dev(): below a VMD that
    # is the VMD endpoint (arch/x86/pci/common.c), whose group it joins
    if f.rc.host_fn is not None:
        return gid_of.get(id(f.rc.host_fn))
    # conventional buses alias to their bridge
    a = f.parent
    while a is not None:
        if a.kind in ("pcie2pci", "pcibridge"):
            return gid_of.get(id(a))
        a = a.parent
    pdev = f
    b = f.parent
    while b is not None:
        if acs_path_enabled(b):
            break
        pdev = b
        if id(b) in gid_of:
            return gid_of[id(b)]
        b = b.parent
    # get_pci_function_alias_group()
    if pdev.multifunction and not acs_enabled(pdev):
        for o in pdev.slot_funcs:
            if o is not pdev and id(o) in gid_of and not acs_enabled(o):
                return gid_of[id(o)]
    return None


# ------------------------------------------------------------ config space --

def w8(c, o, v):
    c[o] = v & 0xff


def w16(c, o, v):
    struct.pack_into("<H", c, o, v & 0xffff)


def w32(c, o, v):
    struct.pack_into("<I", c, o, v & 0xffffffff)


BAR_FLAGS = {"mem32": 0x0, "pref64": 0xc, "io": 0x1}


def build_config(f):
    """Return the bytes of f's `config` file (before hostile mutation)."""
    c = bytearray(4096 if f.is_pcie else 256)
    w16(c, 0x00, f.vid)
    w16(c, 0x02, f.did)
    w16(c, 0x04, 0x0007 if f.is_bridge else 0x0406)
    w16(c, 0x06, 0x0010)
    w8(c, 0x08, f.rev)
    w8(c, 0x09, f.cls & 0xff)
    w8(c, 0x0a, (f.cls >> 8) & 0xff)
    w8(c, 0x0b, (f.cls >> 16) & 0xff)
    hdr = 1 if f.is_bridge else 0
    w8(c, 0x0e, hdr | (0x80 if f.multifunction else 0))
    if f.is_bridge:
        _bridge_header(c, f)
    else:
        _endpoint_header(c, f)
    w8(c, 0x34, 0x40)
    w8(c, 0x3c, f.irq & 0xff)
    w8(c, 0x3d, 0 if f.kind == "rciep" and not f.driver else 1)
    std = _std_caps(c, f)
    ext = _ext_caps(c, f) if f.is_pcie else []
    return bytes(_make_hostile(c, f, std, ext))


def _endpoint_header(c, f):
    for idx, size, kind in f.bars:
        base = f.bar_addr.get(idx, 0)
        w32(c, 0x10 + 4 * idx, (base & 0xfffffff0) | BAR_FLAGS[kind])
        if kind == "pref64":
            w32(c, 0x14 + 4 * idx, base >> 32)
    w16(c, 0x2c, f.svid)
    w16(c, 0x2e, f.sdid)
    if f.rom:
        w32(c, 0x30, f.bar_addr["rom"])     # enable bit clear, as usual


def _bridge_header(c, f):
    w8(c, 0x0c, 0x10)
    w8(c, 0x18, f.bus)
    w8(c, 0x19, f.secondary)
    w8(c, 0x1a, f.subordinate)
    w8(c, 0x1c, 0xf1)                      # I/O window disabled (32-bit)
    w8(c, 0x1d, 0x01)
    if f.win32:
        w16(c, 0x20, (f.win32[0] >> 16) & 0xfff0)
        w16(c, 0x22, (f.win32[1] >> 16) & 0xfff0)
    else:
        w16(c, 0x20, 0xfff0)
        w16(c, 0x22, 0x0000)
    if f.win64:
        w16(c, 0x24, ((f.win64[0] >> 16) & 0xfff0) | 1)
        w16(c, 0x26, ((f.win64[1] >> 16) & 0xfff0) | 1)
        w32(c, 0x28, f.win64[0] >> 32)
        w32(c, 0x2c, f.win64[1] >> 32)
    else:
        w16(c, 0x24, 0xfff1)
        w16(c, 0x26, 0x0001)
    w16(c, 0x3e, 0x0012)


def _std_caps(c, f):
    """PM@40 -> MSI@50 -> [PCIe@70] -> MSI-X@b0 | SSVID@b0. Returns the
    list of (offset, id) in chain order."""
    chain = [(0x40, 0x01), (0x50, 0x05)]
    if f.is_pcie:
        chain.append((0x70, 0x10))
    chain.append((0xb0, 0x0d if f.is_bridge else 0x11))
    for i, (off, cid) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        w8(c, off, cid)
        w8(c, off + 1, nxt)
    w16(c, 0x42, 0x0003)                                     # PM v3
    w16(c, 0x44, 0x0008)                                     # D0, NoSoftRst+
    w16(c, 0x52, 0x0180 | (0x0001 if f.driver else 0))      # 64-bit, masking
    if f.is_pcie:
        _pcie_cap(c, f, 0x70)
    if f.is_bridge:
        w16(c, 0xb4, f.svid)
        w16(c, 0xb6, f.sdid)
    else:
        w16(c, 0xb2, 0x001f)                                 # 32 vectors
        w32(c, 0xb4, 0x00000000)                             # table: BAR0
        w32(c, 0xb8, 0x00002000)                             # PBA: BAR0
    return chain


def _pcie_cap(c, f, o):
    pt = PTYPE[f.kind]
    slot = f.kind in ("rp", "dsp")
    w16(c, o + 2, 0x0002 | (pt << 4) | (0x100 if slot else 0))
    devcap = 0x00008002 | (7 << 6) | (7 << 9) | 0x20
    if f.kind in ("ep", "legacy", "rciep"):
        devcap |= 1 << 28                                      # FLR
    w32(c, o + 4, devcap)
    w16(c, o + 8, 0x2930 if f.kind != "rciep" else 0x0010)
    if f.kind == "rciep":
        w32(c, o + 0x24, 0x00000010)
        return
    ms, mw = f.maxlink
    cs, cw = f.link
    lnkcap = ms | (mw << 4) | (2 << 10) | (7 << 15)
    if slot:
        lnkcap |= 1 << 20                                      # DLLLARC
    port = f.dev if f.kind == "dsp" else (f.dev * 8 + f.fn) & 0xff
    w32(c, o + 0x0c, lnkcap | (port << 24))
    w16(c, o + 0x10, 0x0040 if slot else 0x0000)
    lnksta = cs | (cw << 4) | (0x1000 if slot or f.kind == "usp" else 0)
    if slot and f.children:
        lnksta |= 0x2000                                       # DLActive
    w16(c, o + 0x12, lnksta)
    if slot:
        w32(c, o + 0x14, ((f.dev * 8 + f.fn + 1) << 19) | 0x60)
        w16(c, o + 0x1a, 0x0040 if f.children else 0x0000)     # PresDet
    devcap2 = 0x0070093f if f.kind != "ep" else 0x0071191f
    if f.kind in ("rp", "dsp"):
        devcap2 |= 0x20                                        # ARIFwd
    w32(c, o + 0x24, devcap2)
    if f.ari:
        w16(c, o + 0x28, 0x0020)                              # ARI Fwd Enable
    w32(c, o + 0x2c, ((1 << ms) - 1) << 1)                    # speeds vector
    w16(c, o + 0x30, ms)


def _ecap_body(f, cid):
    """Return the body (bytes after the 4-byte header) of an ext cap."""
    if cid == ECAP_AER:
        b = bytearray(0x44)
        w32(b, 0x08 - 4, 0x00400000)               # uncor mask: none much
        w32(b, 0x0c - 4, 0x00462030)               # uncor severity default
        w32(b, 0x14 - 4, 0x0000e000)               # cor mask
        w32(b, 0x18 - 4, 0x000000a0)               # cap/ctl
        return b
    if cid == ECAP_ACS:
        cap, ctl = f.acs
        vec = 0
        if cap & EC:                    # Egress Control Vector follows
            bits = (cap >> 8) or 256
            vec = (bits + 31) // 32 * 4
        b = bytearray(4 + vec)
        w16(b, 0, cap)
        w16(b, 2, ctl)
        return b
    if cid == ECAP_ATS:
        b = bytearray(4)
        w16(b, 0, 0x0020)                          # page aligned request
        w16(b, 2, f.ats)
        return b
    if cid == ECAP_PRI:
        b = bytearray(12)
        w16(b, 0, f.pri)
        w16(b, 2, 0x0100)                          # stopped
        w32(b, 4, 0x00000200)
        return b
    if cid == ECAP_PASID:
        b = bytearray(4)
        w16(b, 0, 0x1406)                          # exec, priv, 20 bits
        w16(b, 2, f.pasid)
        return b
    if cid == ECAP_DSN:
        b = bytearray(8)
        h = hashlib.sha1(("%x:%x:%d" % (f.vid, f.did, f.dev * 8 + f.fn)
                          ).encode()).digest()
        b[:8] = h[:8]
        return b
    if cid == ECAP_ARI:
        b = bytearray(4)
        nxt = 0
        if f.parent is not None and f.parent.ari:      # next_ari_fn()
            later = sorted(g.devfn for g in f.parent.children
                           if g.devfn > f.devfn)
            nxt = later[0] if later else 0
        elif f.multifunction:
            later = [g.fn for g in f.slot_funcs if g.fn > f.fn]
            nxt = later[0] if later else 0
        w16(b, 0, nxt << 8)
        return b
    if cid == ECAP_VC:
        b = bytearray(0x18)
        w32(b, 0x10, 0x800000ff)                  # VC0 enabled, TC map ff
        return b
    if cid == ECAP_PB:
        return bytearray(0x0c)
    if cid == ECAP_VSEC:
        b = bytearray(0x14)
        w32(b, 0, 0x01810001 if f.vid == 0x10de else 0x01810023)
        return b
    if cid == ECAP_SECPCI:
        return bytearray(8 + 2 * 16)
    if cid == ECAP_L1SS:
        b = bytearray(0x0c)
        w32(b, 0, 0x0028281f)
        return b
    if cid == ECAP_LTR:
        return bytearray(4)
    if cid == ECAP_DLF:
        b = bytearray(8)
        w32(b, 0, 0x80000001)
        return b
    raise ValueError("no body for ext cap %#x" % cid)


PROFILE_ECAPS = {
    "nvidia": [ECAP_VC, ECAP_L1SS, ECAP_PB, ECAP_AER, ECAP_VSEC, ECAP_SECPCI],
    "port": [ECAP_AER, ECAP_SECPCI, ECAP_DLF, ECAP_L1SS],
    "nic": [ECAP_AER, ECAP_DSN, ECAP_ARI, ECAP_SECPCI],
    "nvme": [ECAP_AER, ECAP_DSN, ECAP_SECPCI, ECAP_L1SS],
    "generic": [ECAP_AER, ECAP_DSN],
    "uncore": [ECAP_VSEC],
    "none": [],
}


def _ext_caps(c, f):
    """Lay out extended capabilities; returns [(offset, id)] in chain order."""
    ids = list(PROFILE_ECAPS[f.profile])
    if f.acs is not None:
        ids.append(ECAP_ACS)
    if f.ats is not None:
        ids.append(ECAP_ATS)
    if f.pri is not None:
        ids.append(ECAP_PRI)
    if f.pasid is not None:
        ids.append(ECAP_PASID)
    if not ids:
        return []
    bodies = [_ecap_body(f, i) for i in ids]
    if f.profile == "nvidia":
        offs = NVIDIA_ECAP_OFFSETS[:len(ids)]
    else:
        offs, o = [], 0x100
        for b in bodies:
            offs.append(o)
            o = align(o + 4 + len(b), 8)
    used = []
    for off, b in zip(offs, bodies):
        end = off + 4 + len(b)
        assert end <= 0x1000, "ext cap beyond 4 KiB"
        for s, e in used:
            assert end <= s or off >= e, "overlapping ext caps in %s" % f.bdf
        used.append((off, end))
        c[off + 4:end] = b
    chain = list(zip(offs, ids))
    for i, (off, cid) in enumerate(chain):
        nxt = chain[i + 1][0] if i + 1 < len(chain) else 0
        ver = 2 if cid == ECAP_AER else 1
        w32(c, off, cid | (ver << 16) | (nxt << 20))
    return chain


def _set_ext_next(c, off, nxt):
    h = struct.unpack_from("<I", c, off)[0]
    w32(c, off, (h & 0x000fffff) | ((nxt & 0xfff) << 20))


def _make_hostile(c, f, std, ext):
    h = f.hostile
    if h is None or h in ("noconfig", "configdir", "configdangling"):
        return c
    if h == "trunc64":
        return c[:64]
    if h == "trunc256":
        return c[:256]
    if h == "ones":
        return b"\xff" * len(c)
    if h == "stdloop":            # MSI -> PM: PCIe cap never reached
        w8(c, std[1][0] + 1, std[0][0])
    elif h == "stdself":          # MSI -> MSI
        w8(c, std[1][0] + 1, std[1][0])
    elif h == "stdnext_misaligned":   # MSI -> PCIe|2: masked, still valid
        w8(c, std[1][0] + 1, std[2][0] | 0x2)
    elif h == "stdptr_low":       # capabilities pointer into the header
        w8(c, 0x34, 0x20)
    elif h == "stdptr_high":      # MSI -> 0xfe, masked to 0xfc: a "PCIe
        # cap" at 0xfc whose registers run past the 256-byte header
        w8(c, std[1][0] + 1, 0xfe)
        w8(c, 0xfc, 0x10)
        w8(c, 0xfd, 0x00)
    elif h == "extloop":          # 3rd ext cap points back to the 2nd
        assert len(ext) >= 4, "extloop needs >= 4 ext caps"
        _set_ext_next(c, ext[2][0], ext[1][0])
    elif h == "extnext_low":      # next into standard config space
        _set_ext_next(c, ext[1][0], 0x0c0)
    elif h == "extnext_high":     # next -> 0xffe, masked to 0xffc: an ATS
        # header in the last dword, whose registers lie past the space
        _set_ext_next(c, ext[1][0], 0xffe)
        w32(c, 0xffc, 0x0001000f)
    elif h == "extnext_misaligned":
        # low two bits are reserved and must be masked (PCIe r6.0
        # 7.6.3; PCI_EXT_CAP_NEXT() masks with 0xffc): the masked pointer
        # is the real next capability, so this is NOT an error.
        _set_ext_next(c, ext[1][0], ext[2][0] | 0x2)
    else:
        raise ValueError("unknown hostile variant %r" % h)
    return c


# ------------------------------------------------------------- tree write --

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


# ------------------------------------------------------------ module index --

def _modinfo_c(relpath, aliases):
    name = Path(relpath).name[:-3].replace("-", "_")
    fields = ["license=GPL" if not name.startswith("nvidia") else
              "license=NVIDIA", "description=gpugate test stand-in for %s"
              % name, "author=gpugate tests"]
    fields += ["alias=" + a for a in aliases]
    fields += ["depends=", "retpoline=Y", "name=" + name,
               "vermagic=%s SMP preempt mod_unload modversions " % KVER]
    s = "".join(x.replace("\\", "\\\\").replace('"', '\\"') + "\\0"
                for x in fields)
    return ('static const char __attribute__((section(".modinfo"), used, '
            'aligned(1))) gpugate_modinfo[] = "%s";\n' % s)


MODINDEX_LAYOUT = 2          # bump when the layout code below changes


def modindex_dir(modules=None):
    """Build (once) lib/modules/KVER for the given fake modules with the
    real depmod; return its path inside the cache."""
    mods = FAKE_MODULES if modules in (None, True) else {
        k: v for k, v in FAKE_MODULES.items()
        if Path(k).name[:-3].replace("-", "_") in modules}
    key = hashlib.sha256(repr((MODINDEX_LAYOUT, KVER, sorted(mods.items())))
                         .encode()).hexdigest()[:16]
    out = CACHE / ("kmod-" + key)
    if (out / "lib/modules" / KVER / "modules.alias.bin").exists():
        return out / "lib/modules" / KVER
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="kmod-", dir=CACHE))
    kdir = tmp / "lib/modules" / KVER
    for rel, aliases in sorted(mods.items()):
        # DKMS modules live in updates/dkms, in-tree ones under kernel/
        ko = kdir / rel if rel.startswith("updates/") else kdir / "kernel" / rel
        ko.parent.mkdir(parents=True, exist_ok=True)
        src = tmp / "m.c"
        src.write_text(_modinfo_c(rel, aliases))
        subprocess.run(["gcc", "-c", "-O0", "-o", str(ko), str(src)],
                       check=True)
        src.unlink()
    (kdir / "modules.order").write_text(
        "".join("kernel/%s\n" % r for r in sorted(mods)
                if not r.startswith("updates/")))
    (kdir / "modules.builtin").write_text(
        "kernel/drivers/pci/pcie/portdrv.ko\n")
    (kdir / "modules.builtin.modinfo").write_bytes(
        b"portdrv.file=drivers/pci/pcie/portdrv\0")
    depmod = shutil.which("depmod") or "/usr/sbin/depmod"
    subprocess.run([depmod, "-b", str(tmp), KVER], check=True)
    if not (kdir / "modules.alias.bin").exists():
        raise RuntimeError("depmod did not produce modules.alias.bin")
    try:
        os.rename(tmp, out)
    except OSError:                       # built concurrently: keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
    return out / "lib/modules" / KVER


def install_modindex(root, modules):
    src = modindex_dir(modules)
    shutil.copytree(src, Path(root) / "lib/modules" / KVER, symlinks=True)


# ---------------------------------------------------------- device makers --
# Realistic IDs; all keyword arguments pass through to Fn.

def h100(dev=0, fn=0, **kw):
    """NVIDIA H100 SXM5 (10de:2330, 3D controller 0302)."""
    a = dict(svid=0x10de, sdid=0x16c1, rev=0xa1, profile="nvidia", ats=0x0000,
             bars=[(0, 16 << 20, "mem32"), (1, 128 << 30, "pref64"),
                   (3, 32 << 20, "pref64")], rom=True, link=(5, 16),
             driver="vfio-pci", override="vfio-pci")
    a.update(kw)
    return Fn(dev, fn, 0x10de, 0x2330, 0x030200, **a)


def rtx_a6000(dev=0, fn=0, **kw):
    """NVIDIA RTX A6000 (10de:2230, VGA 0300) - function 0 of a 2-fn card."""
    a = dict(svid=0x10de, sdid=0x1459, rev=0xa1, profile="nvidia",
             bars=[(0, 16 << 20, "mem32"), (1, 256 << 20, "pref64"),
                   (3, 32 << 20, "pref64")], rom=True, link=(4, 16),
             driver="vfio-pci", override="vfio-pci")
    a.update(kw)
    return Fn(dev, fn, 0x10de, 0x2230, 0x030000, **a)


def nv_audio(dev=0, fn=1, **kw):
    """GA102 HD Audio (10de:1aef, 0403)."""
    a = dict(svid=0x10de, sdid=0x1459, rev=0xa1, profile="generic",
             bars=[(0, 16 << 10, "mem32")], link=(4, 16),
             driver="vfio-pci", override="vfio-pci")
    a.update(kw)
    return Fn(dev, fn, 0x10de, 0x1aef, 0x040300, **a)


def turing_card(dev=0, per_fn=None):
    """RTX 2080 Ti: VGA 10de:1e04, audio 10f7, USB xHCI 1ad6 (0c0330),
    USB-C UCSI 1ad7 (0c8000) - four functions, all companions.
    per_fn: per-function overrides {fn: {...}}."""
    base = dict(svid=0x10de, sdid=0x12fa, rev=0xa1, link=(3, 16),
                driver="vfio-pci", override="vfio-pci")
    spec = [(0x1e04, 0x030000, dict(profile="nvidia", rom=True, bars=[
                (0, 16 << 20, "mem32"), (1, 256 << 20, "pref64"),
                (3, 32 << 20, "pref64")])),
            (0x10f7, 0x040300, dict(bars=[(0, 16 << 10, "mem32")])),
            (0x1ad6, 0x0c0330, dict(bars=[(0, 256 << 10, "pref64")])),
            (0x1ad7, 0x0c8000, dict(bars=[(0, 4 << 10, "mem32")]))]
    out = []
    for fn, (did, cls, extra) in enumerate(spec):
        a = dict(base)
        a.update(extra)
        a.update((per_fn or {}).get(fn, {}))
        out.append(Fn(dev, fn, 0x10de, did, cls, **a))
    return out


def nvswitch(dev=0, fn=0, **kw):
    """NVSwitch (10de:22a3, bridge-other 0680)."""
    a = dict(svid=0x10de, sdid=0x1796, rev=0xa1, profile="generic",
             bars=[(0, 32 << 20, "mem32")], link=(4, 2), driver=None)
    a.update(kw)
    return Fn(dev, fn, 0x10de, 0x22a3, 0x068000, **a)


def cx7(dev=0, fn=0, **kw):
    """Mellanox ConnectX-7 (15b3:1021, Ethernet 0200)."""
    a = dict(svid=0x15b3, sdid=0x0041, rev=0x00, profile="nic",
             bars=[(0, 32 << 20, "pref64")], rom=False, link=(5, 16),
             driver="mlx5_core")
    a.update(kw)
    return Fn(dev, fn, 0x15b3, 0x1021, 0x020000, **a)


def pm1733(dev=0, fn=0, **kw):
    """Samsung PM1733 NVMe (144d:a824, 0108 prog-if 02)."""
    a = dict(svid=0x144d, sdid=0xa801, rev=0x00, profile="nvme",
             bars=[(0, 32 << 10, "pref64")], link=(4, 4), driver="nvme")
    a.update(kw)
    return Fn(dev, fn, 0x144d, 0xa824, 0x010802, **a)


def e1000(dev=0, fn=0, **kw):
    """Intel 82574L (8086:10d3) - also usable as conventional PCI."""
    a = dict(svid=0x8086, sdid=0x0000, rev=0x00, profile="generic",
             bars=[(0, 128 << 10, "mem32")], link=(1, 1), driver="e1000e")
    a.update(kw)
    return Fn(dev, fn, 0x8086, 0x10d3, 0x020000, **a)


def ast(dev=0, fn=0, **kw):
    """ASPEED AST2600 BMC VGA (1a03:2000, 0300)."""
    a = dict(svid=0x1a03, sdid=0x2000, rev=0x52, profile="none",
             kind="legacy", bars=[(0, 64 << 20, "mem32"),
                                  (1, 256 << 10, "mem32")], link=(1, 1),
             driver="ast")
    a.update(kw)
    return Fn(dev, fn, 0x1a03, 0x2000, 0x030000, **a)


ACS_OK = (0x005f, 0x001f)        # cap SV TB RR CR UF DT; ctl SV TB RR CR UF


def rp(dev, fn=0, children=(), acs=ACS_OK, **kw):
    """Intel Sapphire Rapids PCIe root port (8086:352a)."""
    a = dict(kind="rp", profile="port", driver="pcieport", link=(5, 16),
             rev=0x04)
    a.update(kw)
    return Fn(dev, fn, a.pop("vid", 0x8086), a.pop("did", 0x352a), 0x060400,
              children=children, acs=acs, **a)


def amd_rp(dev, fn=0, children=(), acs=ACS_OK, **kw):
    """AMD GPP bridge / root port (1022:1483)."""
    a = dict(kind="rp", profile="port", driver="pcieport", link=(4, 16),
             rev=0x00)
    a.update(kw)
    return Fn(dev, fn, 0x1022, 0x1483, 0x060400, children=children, acs=acs,
              **a)


def switch(dev, dsps, vid=0x1000, did=0xc010, usp_kw=None):
    """A PCIe switch: upstream port at `dev` with downstream ports `dsps`
    (a list of Fn made with dsp())."""
    a = dict(kind="usp", profile="port", driver="pcieport", link=(4, 16),
             rev=0xb0)
    a.update(usp_kw or {})
    return Fn(dev, 0, vid, did, 0x060400, children=dsps, **a)


def dsp(dev, children=(), acs=ACS_OK, vid=0x1000, did=0xc010, **kw):
    a = dict(kind="dsp", profile="port", driver="pcieport", link=(4, 16),
             rev=0xb0)
    a.update(kw)
    return Fn(dev, 0, vid, did, 0x060400, children=children, acs=acs, **a)


def host_bridge(dev=0, fn=0, **kw):
    """Ice Lake/SPR Memory Map/VT-d (8086:09a2), an RCiEP at 00.0."""
    a = dict(kind="rciep", profile="uncore", rev=0x04)
    a.update(kw)
    return Fn(dev, fn, 0x8086, 0x09a2, 0x088000, **a)


def uncore(dev, fn, did, cls=0x088000, **kw):
    a = dict(kind="rciep", profile="uncore", rev=0x04)
    a.update(kw)
    return Fn(dev, fn, 0x8086, did, cls, **a)


def vmd(dev=0x0e, did=0x28c0, **kw):
    """Intel VMD (Ice Lake-SP, 8086:28c0): an RCiEP, class 0104 (RAID),
    bound to the vmd driver; give it an RC(..., host_fn=it)."""
    a = dict(kind="rciep", profile="none", rev=0x04, driver="vmd",
             bars=[(0, 32 << 20, "pref64"), (2, 32 << 20, "mem32"),
                   (4, 1 << 20, "pref64")])
    a.update(kw)
    return Fn(dev, 0, 0x8086, did, 0x010400, **a)


def amd_root(**kw):
    """AMD root complex 00:00.0 and IOMMU 00:00.2 (no group)."""
    return [Fn(0, 0, 0x1022, 0x1480, 0x060000, kind="rciep", profile="none",
               **kw),
            Fn(0, 2, 0x1022, 0x1481, 0x080600, kind="rciep", profile="none",
               nogroup=True)]


# ------------------------------------------------------------- big trees ---

def big_host(n):
    """About n functions: domains of 4 switches x 12 DSPs each with an
    endpoint, plus uncore RCiEPs (for benchmarks, not for the suite)."""
    rcs, count, dom = [], 0, 0
    while count < n:
        devs = [host_bridge()]
        count += 1
        port = 1
        while count < n and port <= 4:
            ds = []
            for k in range(12):
                ep = (h100(dev=0) if (k % 6) == 0 else
                      cx7(dev=0) if k % 2 else pm1733(dev=0))
                ds.append(dsp(k, children=[ep]))
                count += 2
            devs.append(rp(port, children=[switch(0, ds)]))
            count += 2
            port += 1
        for s in range(8, 32):
            for fn in range(8):
                if count >= n:
                    break
                devs.append(uncore(s, fn, 0x3240 + fn))
                count += 1
        rcs.append(RC(domain=dom, bus=0, devices=devs, numa=dom % 2))
        dom += 1
    return Host(rcs, cmdline="intel_iommu=on iommu.strict=1 pci=noats")


# --------------------------------------------------------------------- CLI --

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
