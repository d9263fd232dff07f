# SPDX-License-Identifier: GPL-2.0-or-later
"""The topology a tree is made from: constants of the PCI and kernel
layouts, the fake module list, and the Fn / RC / Host classes."""

from pathlib import Path

KVER = "6.1.0-26-amd64"
REPO = Path(__file__).resolve().parents[3]
CACHE = REPO / "build" / "test-cache"
CMDLINE_PREFIX = ("BOOT_IMAGE=/boot/vmlinuz-%s root=UUID=8c1f6a0e-3d4b-4f7e-"
                  "9a51-2b6c0d9e7f13 ro quiet" % KVER)

# ACS capability / control bits (PCIe r6.0 sec 7.7.8.2)
SV, TB, RR, CR, UF, EC, DT = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40
REQ_ACS_FLAGS = SV | RR | CR | UF          # drivers/iommu/iommu.c
# ACS Enhanced (PCIe 5.0 ECN): capability bit 7, and the control bits:
# I/O Request Blocking, DSP and USP Memory Target Access Control (2-bit
# fields: 00 direct, 01 blocking, 10 redirect, 11 reserved), Unclaimed
# Request Redirect. A port carries them in Fn(acs=(cap, ctl)).
ACS_ENH = 0x0080
ACSX_IB, ACSX_URR = 0x0080, 0x1000
ACSX_DSP_BLOCK, ACSX_DSP_REDIR = 0x0100, 0x0200
ACSX_USP_BLOCK, ACSX_USP_REDIR = 0x0400, 0x0800

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
    # nvidia.ko registers a second PCI driver for NVSwitch functions, named
    # NVSWITCH_DRIVER_NAME "nvidia-nvswitch" (open-gpu-kernel-modules,
    # nvswitch export header): the driver link reads nvidia-nvswitch, the
    # module is nvidia
    "nvidia-nvswitch": ["nvidia"],
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
        "pci:v000010DEd*sv*sd*bc03sc00i00*", "pci:v000010DEd*sv*sd*bc03sc02i00*",
        "pci:v000010DEd*sv*sd*bc06sc80i00*"],
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
    acs:  None (no ACS capability) or (cap, ctl), 16-bit words: ACS_ENH
          and the ACSX_* control bits for ACS Enhanced.
    bars: [(index, size, kind)], kind mem32, pref64 or io; a bridge has
          BAR0 and BAR1 only (ACS DSP Memory Target Access applies to a
          port with a memory BAR).
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
    tainted: /proc/sys/kernel/tainted (the taint bit mask; None: no file).
    post: callables(root) run after writing (to break the tree on purpose).
    """

    def __init__(self, rcs, *, iommu="intel", ir=True, cmdline="",
                 modules=(), params=None, modprobe_d=None, modindex=True,
                 gtype="DMA", ncpus=8, post=(), raw_cmdline=None,
                 osrelease=KVER, bootconfig="", tainted=0):
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
        self.tainted = tainted

    def functions(self):
        for rc in self.rcs:
            for d in rc.devices:
                yield from d.walk()
