# SPDX-License-Identifier: GPL-2.0-or-later
"""Scenario table for tests/run-trees.py and tests/gen/mktree.py.

Each Scenario names a topology (a function returning a mktree.Host), the
policy text (empty = the built-in default NVIDIA policy), and the verdict
gpugate must reach with `check`: exit code, and the EXACT set of check ids
whose status is "fail" (every other check must be pass, warn or skip;
baseline.* is ignored because no baseline is configured).

Topology conventions (default "base" host, Intel, domain 0000):
  00:00.0  host bridge (RCiEP)           00:0d.0-3 uncore RCiEPs (one group)
  00:01.0  root port -> 01:00.0 GPU (H100 10de:2330, class 0302, vfio-pci)
  00:03.0  root port -> 02:00.0 NIC (ConnectX-7, mlx5_core)
  00:1c.0  root port -> 03:00.0 ASPEED PCIe-to-PCI bridge -> 04:00.0 AST VGA
A scenario that changes one thing says so in its description; the rest of
the host is the passing baseline, so exactly the named checks fail.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gen"))

from mktree import (ACS_OK, CMDLINE_PREFIX, KVER, Fn, Host, RC,  # noqa: E402
                    ACS_ENH, ACSX_DSP_BLOCK, ACSX_DSP_REDIR, ACSX_IB,
                    ACSX_URR, ACSX_USP_REDIR, amd_rp, amd_root, ast,
                    cx7, dsp, e1000, h100, host_bridge, nv_audio, nvswitch,
                    pm1733, rp, rtx_a6000, switch, switchtec_mgmt,
                    turing_card, uncore, vmd)

CMD_OK = "intel_iommu=on iommu.strict=1 pci=noats"
CMD_AMD_OK = "iommu.strict=1 pci=noats"

COMPANION_CLASSES = {0x0300, 0x0302, 0x0380, 0x0403, 0x0c03, 0x0c80}
DEFAULT_MATCH = {0x0300, 0x0302, 0x0380}


class Scenario:
    """exit: expected exit code. fails: exact set of failing check ids, or
    None when only exit/result are asserted (state that cannot be
    determined). protected: "auto" (default policy: computed from the
    topology), an explicit list of BDFs, a function of the host returning
    one, or None (not asserted).
    stderr: a regex that must match stderr (policy errors: file:line).
    messages: {check id: regex} that the message of one of the id's
    findings must match."""

    def __init__(self, name, build, *, exit=0, fails=(), policy="",
                 protected="auto", stderr=None, desc="", bench=False,
                 policy_file=None, repeat=False, messages=None):
        self.name, self.build = name, build
        self.exit = exit
        self.fails = None if fails is None else set(fails)
        self.policy = policy
        self.policy_file = policy_file
        self.protected = protected
        self.stderr = stderr
        self.desc = desc
        self.bench = bench
        self.repeat = repeat          # run twice, outputs must be identical
        self.messages = messages or {}

    def policy_text(self):
        if self.policy_file is not None:
            p = Path(__file__).resolve().parents[2] / self.policy_file
            return p.read_text() if p.exists() else None
        return self.policy

    def expected_protected(self, host):
        """Protected BDFs under the default [devices] policy, the list
        given, or what the function given returns for the host."""
        if callable(self.protected):
            return self.protected(host)
        if self.protected != "auto":
            return self.protected
        out = set()
        for f in host.functions():
            if f.vid == 0x10de and (f.cls >> 8) in DEFAULT_MATCH:
                out.add(f.bdf)
                for g in f.slot_funcs:
                    if (g.cls >> 8) in COMPANION_CLASSES:
                        out.add(g.bdf)
        return sorted(out)


# ------------------------------------------------------------- topologies --

def uncore_slot():
    return [uncore(0x0d, fn, 0x3450 + fn) for fn in range(4)]


def bmc_vga(dev=0x1c, **ast_kw):
    """PCH root port -> ASPEED PCIe-to-PCI bridge -> AST VGA (conventional)."""
    vga = ast(0, kind="pci", **ast_kw)
    br = Fn(0, 0, 0x1a03, 0x1150, 0x060400, kind="pcie2pci", profile="none",
            rev=0x06, link=(1, 1), children=[vga])
    return rp(dev, did=0x1bbc, rev=0x09, link=(1, 1), children=[br])


def base(gpu_kw=None, rp_kw=None, nic_kw=None, extra=(), gpu=None, **host_kw):
    """The passing single-GPU Intel host; keyword tweaks change one part."""
    gpu = gpu if gpu is not None else h100(**(gpu_kw or {}))
    rk = dict(rp_kw or {})
    devs = [host_bridge(),
            rp(1, children=[gpu], **rk),
            rp(3, children=[cx7(**(nic_kw or {}))]),
            *uncore_slot(),
            bmc_vga(),
            *extra]
    h = dict(cmdline=CMD_OK)
    all_rp_acs = host_kw.pop("all_rp_acs", False)
    h.update(host_kw)
    host = Host([RC(0, 0, devs)], **h)
    if all_rp_acs is not False:
        for f in host.functions():
            if f.kind == "rp":
                f.acs = all_rp_acs
    return host


def amd_base(**host_kw):
    dummy = Fn(1, 0, 0x1022, 0x1482, 0x060000, kind="pci", profile="none")
    dummy3 = Fn(3, 0, 0x1022, 0x1482, 0x060000, kind="pci", profile="none")
    devs = [*amd_root(),
            dummy, amd_rp(1, 1, children=[h100()]),
            dummy3, amd_rp(3, 1, children=[cx7()])]
    h = dict(cmdline=CMD_AMD_OK, iommu="amd")
    h.update(host_kw)
    return Host([RC(0, 0, devs)], **h)


def no_iommu_host(cmdline):
    """No IOMMU: no groups, vfio-pci probe fails (-22) so the GPU stays
    driverless with driver_override set, the kernel leaves ACS off and
    there is no interrupt remapping."""
    return base(gpu_kw=dict(driver=None), all_rp_acs=(0x005f, 0x0000),
                iommu=None, ir=False, cmdline=cmdline,
                modules=["vfio_pci", "vfio", "vfio_pci_core",
                         "vfio_iommu_type1"])


def mf_card(second, **host_kw):
    """A two-function card on 00:01.0's bus: RTX A6000 + `second`."""
    return Host(
        [RC(0, 0, [host_bridge(),
                   rp(1, children=[rtx_a6000(0, 0), second]),
                   rp(3, children=[cx7()]), *uncore_slot(), bmc_vga()])],
        cmdline=CMD_OK, **host_kw)


def switch_host(dsp_gpu=None, dsp_nic=None, rp_acs=ACS_OK, extra_dsps=(),
                **host_kw):
    """Root port -> Broadcom switch -> DSP 0 (GPU) and DSP 1 (NIC)."""
    d0 = dict(acs=ACS_OK)
    d0.update(dsp_gpu or {})
    d1 = dict(acs=ACS_OK)
    d1.update(dsp_nic or {})
    sw = switch(0, [dsp(0, children=[h100()], **d0),
                    dsp(1, children=[cx7()], **d1), *extra_dsps])
    devs = [host_bridge(), rp(1, children=[sw], acs=rp_acs), *uncore_slot(),
            bmc_vga()]
    h = dict(cmdline=CMD_OK)
    h.update(host_kw)
    return Host([RC(0, 0, devs)], **h)


ACSX_POLICY = "[acs]\nrequire_enhanced = IB DSP USP URR\n"
ACSX_ALL_CTL = ACSX_IB | ACSX_DSP_REDIR | ACSX_USP_REDIR | ACSX_URR


def acsx_switch_host(ctl=ACSX_ALL_CTL):
    """switch_host() whose GPU DSP advertises ACS Enhanced with the
    enhanced control bits @ctl and has a memory BAR of its own."""
    return switch_host(dsp_gpu=dict(
        acs=(ACS_OK[0] | ACS_ENH, ACS_OK[1] | ctl),
        bars=[(0, 1 << 20, "mem32")]))


def rp_mf_host(peer_acs):
    """Root ports 00:01.0 (GPU) and 00:01.1 (NIC) are functions of one
    multifunction slot."""
    devs = [host_bridge(), rp(1, 0, children=[h100()]),
            rp(1, 1, children=[cx7()], acs=peer_acs), *uncore_slot(),
            bmc_vga()]
    return Host([RC(0, 0, devs)], cmdline=CMD_OK)


def pci_bridge_host():
    """00:01.0 -> PCIe-to-PCI bridge (ASM1083) -> conventional NVIDIA VGA
    (10de:0a65, GT 210 PCI) at 02:01.0 and an e1000 at 02:02.0. The
    kernel aliases both to the bridge: one group {bridge, GPU, NIC}."""
    gpu = Fn(1, 0, 0x10de, 0x0a65, 0x030000, kind="pci", svid=0x1043,
             sdid=0x8354, rev=0xa2, bars=[(0, 16 << 20, "mem32")],
             driver="vfio-pci", override="vfio-pci", rom=True)
    nic = e1000(2, kind="pci")
    br = Fn(0, 0, 0x1b21, 0x1080, 0x060400, kind="pcie2pci", profile="none",
            rev=0x04, link=(1, 1), children=[gpu, nic])
    devs = [host_bridge(), rp(1, children=[br]), *uncore_slot()]
    return Host([RC(0, 0, devs)], cmdline=CMD_OK)


def rciep_host():
    gpu = h100(5, kind="rciep", link=(0, 0))
    devs = [host_bridge(), gpu, rp(3, children=[cx7()]), *uncore_slot(),
            bmc_vga()]
    return Host([RC(0, 0, devs)], cmdline=CMD_OK)


def nested_switch_host(upper_peer_acs=ACS_OK):
    """RP -> switch A (DSP 0 -> switch B -> DSP 0 -> GPU; DSP 1 -> NIC)."""
    inner = switch(0, [dsp(0, children=[h100()]),
                       dsp(1, children=[pm1733()])], did=0xc030)
    outer = switch(0, [dsp(0, children=[inner]),
                       dsp(1, children=[cx7()], acs=upper_peer_acs)])
    devs = [host_bridge(), rp(1, children=[outer]), *uncore_slot(),
            bmc_vga()]
    return Host([RC(0, 0, devs)], cmdline=CMD_OK)


def two_gpu_host(second_rp_acs):
    devs = [host_bridge(), rp(1, children=[h100()]),
            rp(2, children=[h100()], acs=second_rp_acs),
            rp(3, children=[cx7()]), *uncore_slot(), bmc_vga()]
    return Host([RC(0, 0, devs)], cmdline=CMD_OK)


def turing_host(fn_kw=None, **host_kw):
    devs = [host_bridge(), rp(1, children=turing_card(0, fn_kw)),
            rp(3, children=[cx7()]), *uncore_slot(), bmc_vga()]
    h = dict(cmdline=CMD_OK, modules=["i2c_nvidia_gpu", "xhci_pci"])
    h.update(host_kw)
    return Host([RC(0, 0, devs)], **h)


def vmd_host(gpu_in_vmd=False, nvme_rp_acs=ACS_OK):
    """An Intel VMD at 00:0e.0 that owns PCI domain 10000 (bus e0, as
    VMD_FEAT_HAS_BUS_RESTRICTIONS puts it): root ports 10000:e0:00.0 and
    :02.0 with NVMe drives, and, with gpu_in_vmd, the GPU below root port
    10000:e0:01.0 instead of 0000:00:01.0. Every function of the domain
    shares the VMD's IOMMU group (pci_real_dma_dev())."""
    v = vmd()
    inside = [rp(0, children=[pm1733()], acs=nvme_rp_acs),
              rp(2, children=[pm1733()])]
    if gpu_in_vmd:
        inside.append(rp(1, children=[h100()]))
    devs = [host_bridge(), rp(3, children=[cx7()]), v, *uncore_slot(),
            bmc_vga()]
    if not gpu_in_vmd:
        devs.append(rp(1, children=[h100()]))
    return Host([RC(0, 0, devs), RC(0x10000, 0xe0, inside, host_fn=v)],
                cmdline=CMD_OK)


def _peer_rp(ctl):
    h = base()
    for f in h.functions():
        if f.kind == "rp" and f.dev == 3:
            f.acs = (0x005f, ctl)
    return h


def _peer_rp_other_bus():
    """GPU on pci0000:00; a NIC under a no-ACS root port of pci0000:80."""
    h = base()
    h.rcs.append(RC(0, 0x80, [rp(1, children=[cx7()], acs=None)], numa=1,
                    iommu_unit="dmar1"))
    return h


def gpu_group_label_host():
    """Two H100 on separate root ports that firmware/quirks put in one
    IOMMU group (explicit merge)."""
    devs = [host_bridge(), rp(1, children=[h100(group="pair")]),
            rp(2, children=[h100(group="pair")]), rp(3, children=[cx7()]),
            *uncore_slot(), bmc_vga()]
    return Host([RC(0, 0, devs)], cmdline=CMD_OK)


def no_nvidia_host():
    devs = [host_bridge(), rp(3, children=[cx7()]), *uncore_slot(), bmc_vga()]
    return Host([RC(0, 0, devs)], cmdline=CMD_OK)


def rm(rel):
    """A post hook removing a path from the built tree."""
    def hook(root):
        import shutil
        p = Path(root) / rel
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()
    return hook


def put(rel, text):
    """A post hook writing @text (str, or bytes as they are) to a path of
    the built tree."""
    def hook(root):
        p = Path(root) / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return hook


# Issue 17: the ways a command line can say more than gpugate used to read.
CMD_FULL = CMDLINE_PREFIX + " " + CMD_OK
UNSAFE = ("pcie_acs_override=downstream,multifunction intel_iommu=off "
          "vfio_iommu_type1.allow_unsafe_interrupts=1")
CMDLINE_UNKNOWN = {"cmdline.iommu", "cmdline.identity", "cmdline.strict",
                   "cmdline.noats", "cmdline.forbidden", "iommu.irq_remap"}
NO_BOOTCONFIG = "# CONFIG_BOOT_CONFIG is not set\n"
BOOTCONFIG_EARLY = 'kernel.pci = "noats"\nkernel.iommu.strict = "1"\n'


def forbidden(name, words, desc=""):
    """The base host with @words appended: only cmdline.forbidden fails."""
    return Scenario(name, lambda: base(cmdline=CMD_OK + " " + words),
                    exit=1, fails={"cmdline.forbidden"}, desc=desc)


def filler(total):
    """CMD_FULL padded with harmless words to exactly @total bytes."""
    pad = total - len(CMD_FULL) - 1
    word = "filler=" + "x" * 56
    words = " ".join([word] * (pad // (len(word) + 1)))
    return CMD_FULL + " " + words + "x" * (pad - len(words))


def rm_devnode_of_gpu(root):
    grp = (Path(root) / "sys/bus/pci/devices/0000:01:00.0/iommu_group"
           ).resolve().name
    (Path(root) / "dev/vfio" / grp).unlink()


# ---------------------------------------------------------------- HGX host --

PEX_ACS = (0x087f, 0x001f)  # PEX89xxx-like: EC with an 8-port vector


def hgx_socket(domain_bus, numa, units, first_rp_dev=2, nvsw=False,
               gpu_kw=None, bmc=False, pex_kw=None, extra=()):
    """One CPU socket: main root bus with host bridge, CBDMA, two root
    ports each with a Broadcom PEX switch (2 GPU + NVMe + NIC [+ NVSwitch]),
    and two uncore-only root buses. pex_kw: the switch ports' IDs and links
    (default: PEX880xx 1000:c010, Gen4 x16); extra: more functions on the
    main root bus."""
    main_bus, unc1, unc2 = domain_bus
    pk = dict(pex_kw or {})

    def sw():
        ds = [dsp(0, children=[h100(**(gpu_kw or {}))], acs=PEX_ACS, **pk),
              dsp(1, children=[h100(**(gpu_kw or {}))], acs=PEX_ACS, **pk),
              dsp(2, children=[pm1733()], acs=PEX_ACS, **pk),
              dsp(3, children=[cx7()], acs=PEX_ACS, **pk)]
        if nvsw:
            ds.append(dsp(4, children=[nvswitch()], link=(4, 2), acs=PEX_ACS))
        usp = {"link": pk["link"]} if "link" in pk else None
        return switch(0, ds, did=pk.get("did", 0xc010), usp_kw=usp)
    devs = [host_bridge(0, 0), uncore(0, 1, 0x09a3), uncore(0, 2, 0x09a4),
            uncore(0, 4, 0x0998)]
    devs += [uncore(1, fn, 0x0b00, driver="ioatdma") for fn in range(8)]
    devs += [rp(first_rp_dev, children=[sw()]),
             rp(first_rp_dev + 2, children=[sw()])]
    devs += list(extra)
    if bmc:
        devs.append(bmc_vga())
    rcs = [RC(0, main_bus, devs, numa=numa, iommu_unit=units[0])]
    for k, bus in enumerate((unc1, unc2)):
        udevs = []
        for dev in range(0, 0x1e):
            nf = (1, 2, 3, 8)[dev % 4] if dev % 5 else 1
            for fn in range(nf):
                udevs.append(uncore(dev, fn, 0x3240 + ((dev * 8 + fn) % 0x30),
                                    cls=0x088000 if dev % 3 else 0x110100))
        rcs.append(RC(0, bus, udevs, numa=numa, iommu_unit=units[1 + k]))
    return rcs


def hgx_host(nvsw=False, gpu_kw=None):
    rcs = (hgx_socket((0x00, 0x7e, 0x7f), 0, ("dmar0", "dmar1", "dmar2"),
                      nvsw=nvsw, bmc=True)
           + hgx_socket((0x80, 0xfe, 0xff), 1, ("dmar3", "dmar4", "dmar5"),
                        nvsw=nvsw, gpu_kw=gpu_kw))
    return Host(rcs, cmdline=CMD_OK + " intel_iommu=sm_on", ncpus=16)


def hgx_one_gpu_ats():
    h = hgx_host()
    gpus = [f for f in h.functions() if f.did == 0x2330]
    gpus[5].ats = 0x8000
    return h


# The Switchtec PM41028 ports: ACS as the kernel leaves it with pci=noats
# (SV TB RR CR UF set), every capability bit but EC and DT. What the HGX
# firmware advertises is not public. The upstream port is multifunction
# (its management endpoint is function 1), so the kernel wants ACS there
# too (pci_acs_enabled(), PCIe r6.0 sec 6.12.1.2): without it the four
# NVSwitches and the endpoint share one group, as on the HGX H200 of
# bigstack-oss/cubecos#259 (hgx_h100_whole_node_group_shared).
PMC_ACS = (0x001f, 0x001f)
NVSW_VFIO = dict(driver="vfio-pci", override="vfio-pci")


def pmc_nvswitch_port(dev, nvsw_kw, acs=PMC_ACS):
    """Root port -> Microchip Switchtec PM41028 (11f8:4128) upstream port
    (function 0, Gen3 x2 trained, Gen4 x16 capable) with its management
    endpoint (function 1) -> four downstream ports, one NVSwitch each
    (10de:22a3, class 0680). @acs: of every switch port (None: none)."""
    ds = [dsp(k, children=[nvswitch(**nvsw_kw[k])], vid=0x11f8, did=0x4128,
              link=(4, 2), acs=acs) for k in range(4)]
    usp = switch(0, ds, vid=0x11f8, did=0x4128,
                 usp_kw=dict(link=(3, 2), maxlink=(4, 16), acs=acs))
    return rp(dev, children=[usp, switchtec_mgmt()], link=(3, 2),
              maxlink=(5, 16))


def hgx_h100_host(gpu_kw=None, nvsw_kw=None, pmc_acs=PMC_ACS):
    """An HGX H100 8-GPU node (DGX H100-like), 2 sockets.

    Per socket two Sapphire Rapids root ports, each with a Broadcom PEX890xx
    Gen5 switch (1000:c030, "PEX890xx PCIe Gen 5 Switch" in pci.ids; a real
    H100 host's `lspci` in fastfetch-cli/fastfetch#1658 shows one, rev b0)
    holding 2 H100 SXM5 (10de:2330, 0302, Gen5 x16), an NVMe and a
    ConnectX-7. The four H100 NVSwitches (10de:22a3, class 0680: "GH100
    [H100 NVSwitch]" on an HGX H200 node in bigstack-oss/cubecos#259, buses
    05-08 on socket 0, driver nvidia-nvswitch) sit behind a Microchip
    Switchtec PM41028 (11f8:4128; its management endpoint, subsystem
    10de:1643, class 0580, upstream link Gen3 x2 of Gen4 x16, per an HGX
    H100 audit note at git.mchus.pro/reanimator/bee) on a root port of
    their own. Every function is on vfio-pci.
    gpu_kw, nvsw_kw: {index: Fn keywords} for GPU 0-7 (address order) and
    NVSwitch 0-3."""
    gpu_kw, nvsw_kw = gpu_kw or {}, nvsw_kw or {}
    nk = [dict(NVSW_VFIO, **nvsw_kw.get(k, {})) for k in range(4)]
    pex = dict(did=0xc030, link=(5, 16))
    rcs = (hgx_socket((0x00, 0x7e, 0x7f), 0, ("dmar0", "dmar1", "dmar2"),
                      first_rp_dev=3, bmc=True, pex_kw=pex,
                      extra=[pmc_nvswitch_port(2, nk, pmc_acs)])
           + hgx_socket((0x80, 0xfe, 0xff), 1, ("dmar3", "dmar4", "dmar5"),
                        pex_kw=pex))
    host = Host(rcs, cmdline=CMD_OK + " intel_iommu=sm_on", ncpus=16)
    gpus = [f for f in host.functions() if f.did == 0x2330]
    for k, kw in gpu_kw.items():
        for name, val in kw.items():
            setattr(gpus[k], name, val)
    return host


def nvidia_nodes(host):
    """The BDFs whole-node protects with WHOLE_NODE_MATCH: every NVIDIA
    GPU and NVSwitch function."""
    return sorted(f.bdf for f in host.functions() if f.vid == 0x10de and
                  (f.cls >> 8) in DEFAULT_MATCH | {0x0680})


WHOLE_NODE = "[nvlink]\nforbid_nvswitch = whole-node\n"
WHOLE_NODE_MATCH = (WHOLE_NODE + "[devices]\n"
                    "match = 10de:*:0300 10de:*:0302 10de:*:0380 10de:*:0680\n")


def whole_node_bdfs(skip):
    """A whole-node policy that lists the NVSwitches by address, all but
    the NVSwitch at @skip, and matches the GPUs by class."""
    listed = " ".join(b for b in HGX_NVSWITCHES if b != skip)
    return (WHOLE_NODE + "[devices]\nmatch = 10de:*:0302\nbdf = %s\n"
            % listed)


# Where hgx_h100_host() puts the NVSwitches (socket 0, root port 00:02.0).
HGX_NVSWITCHES = ("0000:03:00.0", "0000:04:00.0", "0000:05:00.0",
                  "0000:06:00.0")
# and the GPUs, in address order (hgx_h100_host()'s gpu_kw indexes)
HGX_GPUS = ("0000:09:00.0", "0000:0a:00.0", "0000:0f:00.0", "0000:10:00.0",
            "0000:83:00.0", "0000:84:00.0", "0000:89:00.0", "0000:8a:00.0")
UNBOUND = dict(driver=None, override=None)


def whole_node_gpu_bdfs(skip):
    """A whole-node policy that matches the NVSwitches by class and lists
    the GPUs by address, all but the GPU at @skip."""
    listed = " ".join(b for b in HGX_GPUS if b != skip)
    return (WHOLE_NODE + "[devices]\nmatch = 10de:*:0680\nbdf = %s\n"
            % listed)


def without(bdf):
    """nvidia_nodes() less @bdf: the protected list of a policy that
    leaves @bdf out."""
    return lambda host: [b for b in nvidia_nodes(host) if b != bdf]


def hgx_h100_nvswitch_in_gpu_group():
    """NVSwitch 0 and GPU 0 in one IOMMU group (as if a port between them
    lacked ACS): both protected, but on two cards."""
    h = hgx_h100_host()
    nvsw = [f for f in h.functions() if f.did == 0x22a3]
    gpus = [f for f in h.functions() if f.did == 0x2330]
    nvsw[0].group = gpus[0].group = "nvsw-gpu"
    return h


def nvswitch_on_gpu_card():
    """The single-GPU host with an NVSwitch function beside the GPU
    (01:00.1, one card, one group: the slot has no ACS), on vfio-pci."""
    h = base()
    gpu_port = next(f for f in h.functions() if f.kind == "rp" and
                    f.children and f.children[0].did == 0x2330)
    gpu_port.children.append(nvswitch(0, 1, **NVSW_VFIO))
    return h


# --------------------------------------------------------------- scenarios --

S = Scenario
BAD = ("iommu.active", "iommu.domain", "iommu.irq_remap", "group.isolated",
       "acs.path", "acs.peers", "bind.vfio")
HOSTILE_GPU = ("trunc64", "trunc256", "ones", "stdloop", "stdself",
               "stdptr_low", "stdptr_high", "extloop", "extnext_low",
               "extnext_high", "noconfig", "configdir", "configdangling")

SCENARIOS = [
    # ---- passing baselines
    S("intel_single_gpu_pass", lambda: base(),
      desc="H100 on its own root port, vfio-pci, ACS 0x001f, ATS off"),
    S("amd_single_gpu_pass", lambda: amd_base(),
      desc="AMD host (ivhd0 under 00:00.2), dummy host bridge functions "
           "beside the GPP bridges"),
    S("cmdline_pci_realloc_noats_pass",
      lambda: base(cmdline="intel_iommu=on iommu.strict=1 pci=realloc,noats"),
      desc="noats inside a comma list"),
    S("cmdline_noats_in_earlier_pci_pass",
      lambda: base(cmdline="intel_iommu=on pci=noats iommu.strict=1 "
                           "pci=realloc"),
      desc="the kernel processes every pci= occurrence"),
    S("cmdline_harmless_params_pass",
      lambda: base(cmdline="intel_iommu=on,sm_on iommu.strict=y pci=noats "
                           "modprobe.blacklist=nouveau rd.driver.blacklist="
                           "nouveau vfio_iommu_type1.allow_unsafe_interrupts=0"
                           " vfio-pci.ids=10de:2330"),
      desc="sm_on, strict=y, an explicit =0 for the unsafe parameter"),
    S("extnext_misaligned_masked_pass",
      lambda: base(gpu_kw=dict(hostile="extnext_misaligned")),
      desc="ext next pointer with reserved low bits set: must be masked "
           "(PCIe spec, PCI_EXT_CAP_NEXT), not an error"),
    S("gpu_without_ats_cap_pass", lambda: base(gpu_kw=dict(ats=None))),
    S("gpu_ats_pri_pasid_all_off_pass",
      lambda: base(gpu_kw=dict(ats=0x0000, pri=0x0000, pasid=0x0000))),
    S("index_without_host_drivers_pass",
      lambda: base(modprobe_d={},
                   modindex=["vfio_pci", "vfio", "mlx5_core", "nvme", "ast",
                             "snd_hda_intel", "vfio_iommu_type1"]),
      desc="no blacklist needed: nothing in lib/modules matches the GPU"),
    S("unrelated_nic_config_all_ones_pass",
      lambda: base(nic_kw=dict(hostile="ones")),
      desc="a device the checks do not need may be broken"),
    S("unrelated_nic_config_missing_pass",
      lambda: base(nic_kw=dict(hostile="noconfig"))),

    # ---- kernel command line
    S("cmdline_intel_iommu_off", lambda: no_iommu_host(
        "intel_iommu=off iommu.strict=1 pci=noats"), exit=1,
      fails={"cmdline.iommu", *BAD},
      desc="realistic: no IOMMU, vfio-pci probe failed, ACS off on every "
           "root port, no IR"),
    S("cmdline_iommu_off_only", lambda: base(
        cmdline="intel_iommu=on iommu.strict=1 pci=noats iommu=off"),
      exit=1, fails={"cmdline.iommu"},
      desc="command line only; live state as if it had been ignored"),
    S("cmdline_amd_iommu_off_only", lambda: base(
        cmdline=CMD_OK + " amd_iommu=off"), exit=1, fails={"cmdline.iommu"}),
    S("cmdline_iommu_pt", lambda: base(
        cmdline=CMD_OK + " iommu=pt", gtype="identity"), exit=1,
      fails={"cmdline.identity", "iommu.domain"}),
    S("cmdline_iommu_passthrough_1", lambda: base(
        cmdline=CMD_OK + " iommu.passthrough=1", gtype="identity"), exit=1,
      fails={"cmdline.identity", "iommu.domain"}),
    S("cmdline_no_strict_lazy_domains", lambda: base(
        cmdline="intel_iommu=on pci=noats", gtype="DMA-FQ"), exit=1,
      fails={"cmdline.strict", "iommu.domain"}),
    S("cmdline_strict_0", lambda: base(
        cmdline="intel_iommu=on iommu.strict=0 pci=noats", gtype="DMA-FQ"),
      exit=1, fails={"cmdline.strict", "iommu.domain"}),
    S("cmdline_strict_last_occurrence_wins", lambda: base(
        cmdline="intel_iommu=on iommu.strict=1 pci=noats iommu.strict=0",
        gtype="DMA-FQ"), exit=1, fails={"cmdline.strict", "iommu.domain"},
      desc="early params are applied in order: the last one wins"),
    S("cmdline_no_noats_realistic", lambda: base(
        cmdline="intel_iommu=on iommu.strict=1",
        rp_kw=dict(acs=(0x005f, 0x001d)), gpu_kw=dict(ats=0x8000)),
      exit=1, fails={"cmdline.noats", "acs.path", "ats.disabled"},
      desc="without noats the kernel leaves TB off and ATS gets enabled"),
    S("cmdline_pci_realloc_without_noats", lambda: base(
        cmdline="intel_iommu=on iommu.strict=1 pci=realloc,nocrs"),
      exit=1, fails={"cmdline.noats"},
      desc="state as left by gpugate enforce; only the cmdline is wrong"),
    S("cmdline_pcie_acs_override", lambda: base(
        cmdline=CMD_OK + " pcie_acs_override=downstream,multifunction"),
      exit=1, fails={"cmdline.forbidden"}),
    S("cmdline_allow_unsafe_interrupts", lambda: base(
        cmdline=CMD_OK + " vfio_iommu_type1.allow_unsafe_interrupts=1",
        params={"vfio_iommu_type1": {"allow_unsafe_interrupts": "Y"}}),
      exit=1, fails={"cmdline.forbidden"}),
    S("cmdline_allow_unsafe_interrupts_dashes_on", lambda: base(
        cmdline=CMD_OK + " vfio-iommu-type1.allow-unsafe-interrupts=on",
        params={"vfio_iommu_type1": {"allow_unsafe_interrupts": "Y"}}),
      exit=1, fails={"cmdline.forbidden"},
      desc="'-' == '_' in names (parameq), 'on' is a true bool"),
    S("cmdline_unsafe_noiommu_mode", lambda: base(
        cmdline=CMD_OK + " vfio.enable_unsafe_noiommu_mode=Y",
        params={"vfio": {"enable_unsafe_noiommu_mode": "Y"}}),
      exit=1, fails={"cmdline.forbidden"}),
    S("cmdline_intremap_off", lambda: base(
        cmdline=CMD_OK + " intremap=off", ir=False), exit=1,
      fails={"cmdline.forbidden", "iommu.irq_remap"}),
    S("cmdline_intremap_nosid_off", lambda: base(
        cmdline=CMD_OK + " intremap=nosid,off", ir=False), exit=1,
      fails={"cmdline.forbidden", "iommu.irq_remap"}),
    S("cmdline_nointremap", lambda: base(
        cmdline=CMD_OK + " nointremap", ir=False), exit=1,
      fails={"iommu.irq_remap"},
      desc="nointremap is not in [cmdline] forbid; irq_remap catches it"),

    # ---- issue 17: read the line as the kernel and libkmod do
    S("cmdline_newline_hides_nothing", lambda: base(
        raw_cmdline=CMD_FULL + "\n" + UNSAFE), exit=1,
      fails={"cmdline.iommu", "cmdline.forbidden"},
      desc="item 1: a newline is white space to next_arg() and libkmod"),
    S("cmdline_over_4095_bytes", lambda: base(
        raw_cmdline=filler(4500) + " " + UNSAFE), exit=3,
      fails=CMDLINE_UNKNOWN,
      desc="item 2: libkmod reads 4095 bytes: a longer line is unknown"),
    S("cmdline_exactly_4095_bytes_pass", lambda: base(
        raw_cmdline=filler(4095)),
      desc="item 2: 4095 bytes and the newline still fit"),
    forbidden("cmdline_after_dashes_unsafe_interrupts",
              "-- vfio_iommu_type1.allow_unsafe_interrupts=1",
              "item 3: kmod 30 applies module options after '--'"),
    forbidden("cmdline_after_dashes_iommufd",
              "-- iommufd.allow_unsafe_interrupts=1"),
    S("cmdline_after_dashes_kernel_param_pass", lambda: base(
        cmdline=CMD_OK + " -- pcie_acs_override=downstream intremap=off"),
      desc="item 3: the kernel gives words after '--' to init"),
    forbidden("cmdline_bare_allow_unsafe_interrupts",
              "vfio_iommu_type1.allow_unsafe_interrupts",
              "item 4: param_set_bool() takes a bare bool as true"),
    forbidden("cmdline_bare_iommufd_unsafe",
              "iommufd.allow_unsafe_interrupts"),
    forbidden("cmdline_bare_noiommu_mode", "vfio.enable_unsafe_noiommu_mode"),
    S("cmdline_intel_iommu_offx", lambda: base(
        cmdline=CMD_OK + " intel_iommu=offx"), exit=1,
      fails={"cmdline.iommu"},
      desc="item 5: intel_iommu_setup() compares with strncmp()"),
    S("cmdline_iommu_ptx", lambda: base(cmdline=CMD_OK + " iommu=ptx"),
      exit=1, fails={"cmdline.identity"}, desc="item 5: iommu_setup()"),
    S("cmdline_amd_iommu_offx", lambda: base(
        cmdline=CMD_OK + " amd_iommu=offx"), exit=1,
      fails={"cmdline.iommu"}),
    S("cmdline_intremap_offx", lambda: base(
        cmdline=CMD_OK + " intremap=offx"), exit=1,
      fails={"cmdline.forbidden", "iommu.irq_remap"},
      desc="item 5: setup_irqremap()"),
    forbidden("cmdline_intremap_nosid", "intremap=nosid",
              "item 6: no source-ID check, MSIs can be spoofed"),
    S("cmdline_intremap_nopost_pass", lambda: base(
        cmdline=CMD_OK + " intremap=no_x2apic_optout,nopost"),
      desc="item 6: remapping and source-ID checks stay on"),
    S("bootconfig_early_params_not_applied", lambda: base(
        raw_cmdline="pci=noats iommu.strict=1 " + CMDLINE_PREFIX +
        " intel_iommu=on", bootconfig=BOOTCONFIG_EARLY), exit=1,
      fails={"cmdline.noats", "cmdline.strict"},
      desc="item 7: parse_early_param() reads boot_command_line only"),
    S("bootconfig_setup_param_applies_pass", lambda: base(
        raw_cmdline="intel_iommu=on " + CMDLINE_PREFIX +
        " iommu.strict=1 pci=noats",
        bootconfig='kernel.intel_iommu = "on"\n'),
      desc="item 7: __setup() parameters from bootconfig do apply"),
    S("bootconfig_mismatch", lambda: base(bootconfig=BOOTCONFIG_EARLY),
      exit=3, fails=CMDLINE_UNKNOWN,
      desc="item 7: /proc/bootconfig does not match the line"),
    S("bootconfig_absent_unknown", lambda: base(bootconfig=None), exit=3,
      fails=CMDLINE_UNKNOWN,
      desc="item 7: no /proc/bootconfig and no kernel config in the tree"),
    S("bootconfig_absent_not_built_pass", lambda: base(
        bootconfig=None, post=[put("boot/config-" + KVER, NO_BOOTCONFIG)]),
      desc="item 7: the kernel's config says bootconfig is not built in"),

    # ---- live IOMMU state
    S("no_iommu_firmware_off", lambda: no_iommu_host(CMD_OK), exit=1,
      fails=set(BAD),
      desc="VT-d off in firmware: no DMAR, empty /sys/class/iommu"),
    S("no_irq_remapping", lambda: base(ir=False), exit=1,
      fails={"iommu.irq_remap"}),
    S("group_type_identity_runtime", lambda: base(
        gpu_kw=dict(gtype="identity")), exit=1, fails={"iommu.domain"}),
    S("group_type_dma_fq_runtime", lambda: base(
        gpu_kw=dict(gtype="DMA-FQ")), exit=1, fails={"iommu.domain"}),
    S("runtime_allow_unsafe_interrupts_Y", lambda: base(
        params={"vfio_iommu_type1": {"allow_unsafe_interrupts": "Y"}}),
      exit=1, fails={"cmdline.forbidden"},
      desc="flipped through /sys/module/.../parameters after boot"),
    S("runtime_unsafe_noiommu_mode_Y", lambda: base(
        params={"vfio": {"enable_unsafe_noiommu_mode": "Y"}}),
      exit=1, fails={"cmdline.forbidden"}),

    # ---- groups and multifunction slots
    S("mf_gpu_audio_pass", lambda: mf_card(nv_audio(0, 1)),
      desc="RTX A6000 + HD audio (companion 0403) in one group, both vfio"),
    S("mf_gpu_audio_on_snd_hda_intel", lambda: mf_card(
        nv_audio(0, 1, driver="snd_hda_intel", override=None)), exit=1,
      fails={"bind.vfio"}, desc="a companion is protected too"),
    S("mf_gpu_nic_no_acs", lambda: mf_card(cx7(0, 1, link=(4, 16))),
      exit=1, fails={"group.isolated", "card.functions", "acs.peers"},
      desc="QEMU 'mf': GPU fn0 + NIC fn1, no ACS: one group"),
    S("mf_gpu_nic_with_acs_host_driver", lambda: mf_card(
        cx7(0, 1, link=(4, 16), acs=(0x000c, 0x000c))), exit=1,
      fails={"card.functions"},
      desc="NIC function has ACS RR CR: kernel splits the groups, but the "
           "NIC is on mlx5_core: the card can DMA with its requester ID "
           "into the host's mlx5 mappings"),
    S("mf_gpu_nic_acs_dt", lambda: mf_card(
        cx7(0, 1, link=(4, 16), acs=(0x004c, 0x004c))), exit=1,
      fails={"acs.peers", "card.functions"},
      desc="DT on the foreign function"),
    S("second_gpu_in_group", gpu_group_label_host, exit=1,
      fails={"group.isolated"},
      desc="two H100 in different slots share a group"),
    S("pcie_to_pci_bridge_gpu_nic", pci_bridge_host, exit=1,
      fails={"group.isolated", "acs.path"},
      desc="QEMU 'pcibridge': conventional GPU (256-byte config is "
           "legitimate there) behind a PCIe-to-PCI bridge"),
    S("rciep_gpu_pass", rciep_host,
      desc="GPU integrated on the root bus: no ports on the path"),

    # ---- ACS on the path and on peers
    S("switch_gpu_nic_all_acs_pass", lambda: switch_host()),
    S("switch_empty_peer_dsp_without_acs_pass", lambda: switch_host(
        extra_dsps=[dsp(2, acs=(0x005f, 0x0000))]),
      desc="a peer DSP with nothing below it is not a P2P source"),
    S("switch_peer_dsp_acs_ctl_0", lambda: switch_host(
        dsp_nic=dict(acs=(0x005f, 0x0000))), exit=1, fails={"acs.peers"},
      desc="kernel still isolates the GPU; the NIC can P2P into it"),
    S("switch_peer_dsp_no_acs_cap", lambda: switch_host(
        dsp_nic=dict(acs=None)), exit=1, fails={"acs.peers"}),
    S("switch_dsp_on_path_no_acs_cap", lambda: switch_host(
        dsp_gpu=dict(acs=None)), exit=1, fails={"acs.path"},
      desc="QEMU xio3130: group {DSP, GPU} is fine, the path is not"),
    S("switch_no_acs_anywhere", lambda: switch_host(
        rp_acs=None, dsp_gpu=dict(acs=None), dsp_nic=dict(acs=None)),
      exit=1, fails={"group.isolated", "acs.path", "acs.peers"},
      desc="QEMU 'switch-noacs': everything in one group"),
    S("switch_under_rp_without_acs", lambda: switch_host(rp_acs=None),
      exit=1, fails={"group.isolated", "acs.path"},
      desc="pci_acs_path_enabled() walks to the root: no-ACS root port "
           "merges the whole switch"),
    S("rp_acs_ctl_001d", lambda: base(rp_kw=dict(acs=(0x005f, 0x001d))),
      exit=1, fails={"acs.path"}, desc="TB missing"),
    S("rp_acs_ctl_005f_dt", lambda: base(rp_kw=dict(acs=(0x005f, 0x005f))),
      exit=1, fails={"acs.path"}, desc="DT set"),
    S("rp_no_acs_cap", lambda: base(rp_kw=dict(acs=None)), exit=1,
      fails={"acs.path"}, desc="group {root port, GPU}: bridge only"),
    S("rp_acs_cap_lacks_tb", lambda: base(rp_kw=dict(acs=(0x005d, 0x001d))),
      exit=1, fails={"acs.path"}),
    S("rp_multifunction_peer_without_acs", lambda: rp_mf_host(None),
      exit=1, fails={"acs.peers"}),
    S("rp_multifunction_both_acs_pass", lambda: rp_mf_host(ACS_OK)),

    # ---- ATS
    S("gpu_ats_enabled", lambda: base(gpu_kw=dict(ats=0x8000)), exit=1,
      fails={"ats.disabled"}),

    # ---- binding and host drivers
    S("gpu_bound_to_nouveau", lambda: base(
        gpu_kw=dict(driver="nouveau", override=None), modprobe_d={}),
      exit=1, fails={"bind.vfio", "driver.host"}),
    S("gpu_unbound", lambda: base(gpu_kw=dict(driver=None)), exit=1,
      fails={"bind.vfio"}),
    S("gpu_vfio_without_dev_node", lambda: base(post=[rm_devnode_of_gpu]),
      exit=1, fails={"bind.vfio"}),
    S("nouveau_loaded_gpu_on_vfio", lambda: base(modules=["nouveau"]),
      exit=1, fails={"driver.host"}),
    S("nvidia_drm_loaded", lambda: base(modules=["nvidia_drm"]), exit=1,
      fails={"driver.host"}),
    S("no_blacklist_alias_resolves_nouveau", lambda: base(modprobe_d={}),
      exit=1, fails={"driver.host"}),
    S("blacklist_only_nouveau_nvidia_resolves", lambda: base(
        modprobe_d={"gpugate.conf": "blacklist nouveau\n"}), exit=1,
      fails={"driver.host"}, desc="nvidia.ko aliases bc03sc02i00"),
    S("blacklist_in_ignored_file", lambda: base(
        modprobe_d={"gpugate.conf.dpkg-old": "blacklist nouveau\n"
                     "blacklist nvidia\n"}), exit=1, fails={"driver.host"},
      desc="modprobe reads only *.conf in modprobe.d"),
    S("blacklist_on_tree_kernel_cmdline_pass", lambda: base(
        modprobe_d={}, cmdline=CMD_OK + " modprobe.blacklist=nouveau,nvidia"),
      desc="no modprobe.d blacklist, but the tree's /proc/cmdline has "
           "modprobe.blacklist=: libkmod must read the tree's command line "
           "(the real one of the auditing machine has none)"),
    S("no_module_index", lambda: base(modindex=False), exit=3,
      fails={"driver.host"}, protected=None,
      desc="lib/modules/KVER missing: cannot tell what would bind (exit 3)"),

    # ---- NVSwitch, no devices
    S("nvswitch_present", lambda: base(
        extra=[rp(5, children=[nvswitch()])]), exit=1,
      fails={"nvlink.nvswitch"}),
    S("no_matching_device", lambda: no_nvidia_host(), exit=1,
      fails={"devices.none"}, desc="only an ASPEED VGA (1a03) and a NIC"),
    S("no_matching_device_allow_none", lambda: no_nvidia_host(),
      policy="[devices]\nallow_none = yes\n"),

    # ---- HGX-like hosts
    S("hgx_pass", lambda: hgx_host(), repeat=True,
      desc="2 sockets, 6 root buses, 4 PEX switches x (2 GPU, NVMe, NIC), "
           "300+ functions"),
    S("hgx_nvswitch", lambda: hgx_host(nvsw=True), exit=1, repeat=True,
      fails={"nvlink.nvswitch"}, desc="4 NVSwitch functions 10de:22a3"),
    S("hgx_one_gpu_ats_enabled", hgx_one_gpu_ats, exit=1,
      fails={"ats.disabled"}),
    S("hgx_h100_whole_node_pass", lambda: hgx_h100_host(),
      policy=WHOLE_NODE_MATCH, protected=nvidia_nodes, repeat=True,
      desc="HGX H100: 8 GPUs behind 4 PEX890xx, 4 NVSwitches behind a "
           "Switchtec PM41028; all matched and on vfio-pci"),
    S("hgx_h100_whole_node_shipped_config", lambda: hgx_h100_host(),
      policy_file="config/policy-hgx-whole-node.conf",
      protected=nvidia_nodes,
      desc="config/policy-hgx-whole-node.conf passes the same node"),
    S("hgx_h100_whole_node_nvswitch_host_driver", lambda: hgx_h100_host(
        nvsw_kw={2: dict(driver="nvidia-nvswitch", override=None)}),
      policy=WHOLE_NODE_MATCH, protected=nvidia_nodes, exit=1,
      fails={"nvlink.nvswitch", "bind.vfio", "driver.host"},
      desc="NVSwitch 2 on nvidia-nvswitch (nvidia.ko's NVSwitch driver): "
           "whole-node names it, bind.vfio fails for it (protected, not on "
           "vfio-pci) and driver.host for the loaded nvidia module"),
    S("hgx_h100_whole_node_nvswitch_unmatched", lambda: hgx_h100_host(
        nvsw_kw={3: UNBOUND}),
      policy=whole_node_bdfs(HGX_NVSWITCHES[3]),
      protected=without(HGX_NVSWITCHES[3]), exit=1,
      fails={"nvlink.nvswitch"},
      desc="the bdf list leaves NVSwitch 3 out (unbound, as gpugate "
           "leaves what it does not protect): only whole-node sees it, no "
           "other check looks at an unprotected function"),
    S("hgx_h100_whole_node_gpu_host_driver", lambda: hgx_h100_host(
        gpu_kw={5: dict(driver="nvidia", override=None)}),
      policy=WHOLE_NODE_MATCH, protected=nvidia_nodes, exit=1,
      fails={"nvlink.nvswitch", "bind.vfio", "driver.host"},
      desc="GPU 5 on nvidia: whole-node names it, bind.vfio fails for it "
           "and driver.host for the loaded nvidia module"),
    S("hgx_h100_whole_node_gpu_unmatched", lambda: hgx_h100_host(
        gpu_kw={6: UNBOUND}),
      policy=whole_node_gpu_bdfs(HGX_GPUS[6]),
      protected=without(HGX_GPUS[6]), exit=1, fails={"nvlink.nvswitch"},
      desc="the bdf list leaves GPU 6 out (unbound): only whole-node sees "
           "it"),
    S("hgx_h100_whole_node_group_shared", lambda: hgx_h100_host(
        pmc_acs=None),
      policy=WHOLE_NODE_MATCH, protected=nvidia_nodes, exit=1,
      fails={"group.isolated", "acs.path", "acs.peers"},
      desc="the PM41028 ports have no ACS: the four NVSwitches and the "
           "switch's management endpoint share one group (as on "
           "bigstack-oss/cubecos#259). whole-node passes, but group "
           "isolation is not relaxed: each NVSwitch is its own card"),
    S("hgx_h100_whole_node_nvswitch_in_gpu_group",
      hgx_h100_nvswitch_in_gpu_group,
      policy=WHOLE_NODE_MATCH, protected=nvidia_nodes, exit=1,
      fails={"group.isolated"},
      desc="NVSwitch 0 shares GPU 0's group: protected, but another card, "
           "so an intruder for the GPU and the GPU one for it"),
    S("hgx_h100_default_policy", lambda: hgx_h100_host(), exit=1,
      fails={"nvlink.nvswitch"},
      desc="forbid_nvswitch = yes (the default) fails the 4 NVSwitches "
           "whatever they are bound to"),
    S("hgx_h100_nvswitch_allowed", lambda: hgx_h100_host(),
      policy="[nvlink]\nforbid_nvswitch = no\n"),
    S("nvswitch_in_gpu_group_unprotected", nvswitch_on_gpu_card, policy="[nvlink]\nforbid_nvswitch = no\n", exit=1,
      fails={"group.isolated", "acs.peers"},
      desc="an NVSwitch function in the GPU's slot, not protected (0680 "
           "is no companion class): an endpoint in the GPU's group, never "
           "a bridge, and a foreign function of the card without ACS "
           "(acs.peers; card.functions passes: it is on vfio-pci)"),
    S("nvswitch_in_gpu_group_same_card", nvswitch_on_gpu_card, policy=WHOLE_NODE_MATCH, protected=nvidia_nodes,
      desc="the same NVSwitch matched by whole-node's match list: a "
           "protected function of the GPU's card, so no intruder"),

    # ---- incomplete trees (exit 3)
    S("missing_sys_bus_pci", lambda: base(post=[rm("sys/bus/pci")]),
      exit=3, fails=None, protected=None),
    S("missing_proc_cmdline", lambda: base(post=[rm("proc/cmdline")]),
      exit=3, fails=None, protected=None),

    # ---- policy variants
    S("policy_acs_require_without_tb", lambda: base(
        rp_kw=dict(acs=(0x005f, 0x001d))),
      policy="[acs]\nrequire = SV RR CR UF\n"),
    S("policy_noats_not_required", lambda: base(
        cmdline="intel_iommu=on iommu.strict=1"),
      policy="[cmdline]\nrequire_noats = no\n"),
    S("policy_nvswitch_allowed", lambda: base(
        extra=[rp(5, children=[nvswitch()])]),
      policy="[nvlink]\nforbid_nvswitch = no\n"),
    S("policy_match_vga_only", lambda: base(), exit=1,
      fails={"devices.none"}, protected=[],
      policy="[devices]\nmatch = 10de:*:0300\n"),
    S("policy_explicit_bdf", lambda: base(),
      protected=["0000:01:00.0"],
      policy="[devices]\nmatch = 10de:*:0300\nbdf = 0000:01:00.0\n"),
    S("policy_shipped_config", lambda: base(),
      policy_file="config/policy.conf",
      desc="the shipped config/policy.conf checks as the default policy "
           "(it differs only in [gate] mode, which check does not use)"),
    S("policy_expect_met", lambda: mf_card(nv_audio(0, 1)),
      policy="[devices]\nexpect = 1\n",
      desc="one GPU expected, one present (its audio function aside)"),
    S("policy_expect_companions_do_not_count",
      lambda: mf_card(nv_audio(0, 1)), exit=1, fails={"devices.expect"},
      policy="[devices]\nexpect = 2\n",
      desc="two protected functions, but one GPU: a GPU that fell off the "
           "bus is not hidden by its neighbour's audio function"),
    S("policy_unknown_key", lambda: base(), exit=2, fails=None,
      protected=None, stderr=r"policy\.conf:2\b",
      policy="[gate]\nmodee = enforce\n"),
    S("policy_unknown_section", lambda: base(), exit=2, fails=None,
      protected=None, stderr=r"policy\.conf:3\b",
      policy="[gate]\nmode = audit\n[gpu]\nmatch = 10de:*:0302\n"),
    S("policy_duplicate_key", lambda: base(), exit=2, fails=None,
      protected=None, stderr=r"policy\.conf:4\b",
      policy="# comment\n[devices]\nallow_none = no\nallow_none = yes\n"),
    S("policy_bad_value", lambda: base(), exit=2, fails=None,
      protected=None, stderr=r"policy\.conf:2\b",
      policy="[gate]\nmode = maybe\n"),
    S("policy_bad_acs_bit", lambda: base(), exit=2, fails=None,
      protected=None, stderr=r"policy\.conf:2\b",
      policy="[acs]\nrequire = SV TB RR CR XX\n"),

    # ---- more topologies
    S("stdnext_misaligned_masked_pass",
      lambda: base(gpu_kw=dict(hostile="stdnext_misaligned")),
      desc="std cap next pointer with reserved low bits set (PCI 3.0 "
           "6.7: software must mask them): not an error"),
    S("cmdline_quoted_and_lookalike_params_pass", lambda: base(
        cmdline=CMD_OK + ' dyndbg="file drivers/iommu/* +p" '
        'acpi_osi="!Windows 2012" iommu.passthrough=0 intremap=on '
        'nvidia.NVreg_EnableGpuFirmware=0 pcie_aspm=off')),
    S("gpu_vfio_by_ids_without_override_pass", lambda: base(
        gpu_kw=dict(override=None), cmdline=CMD_OK + " vfio-pci.ids="
        "10de:2330", params={"vfio_pci": {"ids": "10de:2330"}})),
    S("turing_four_function_card_pass", lambda: turing_host(),
      desc="VGA + audio + USB xHCI (0c03) + UCSI (0c80), all companions; "
           "i2c_nvidia_gpu loaded is not a host GPU driver"),
    S("turing_usb_on_xhci", lambda: turing_host(
        {2: dict(driver="xhci_hcd", override=None),
         3: dict(driver="nvidia-gpu", override=None)}), exit=1,
      fails={"bind.vfio"}),
    S("nested_switch_pass", lambda: nested_switch_host()),
    S("nested_switch_upper_peer_dsp_no_acs", lambda: nested_switch_host(
        None), exit=1, fails={"acs.peers"},
      desc="every switch on the path counts, not only the nearest"),
    S("two_gpus_one_root_port_001d", lambda: two_gpu_host(
        (0x005f, 0x001d)), exit=1, fails={"acs.path", "acs.peers"},
      desc="path of GPU 2, and a peer root port of GPU 1"),
    S("peer_root_port_acs_ctl_0", lambda: _peer_rp(0x0000), exit=1,
      fails={"acs.peers"},
      desc="NIC's root port on the same root bus without RR: the root "
           "complex may route its P2P to the GPU (PCIe 6.12.1.1)"),
    S("peer_root_port_other_root_bus_pass", lambda: _peer_rp_other_bus(),
      desc="a no-ACS root port under another host bridge is not a peer"),
    S("peer_root_port_empty_without_acs_pass", lambda: base(
        extra=[rp(7, acs=(0x005f, 0x0000))]),
      desc="an empty root port is no P2P source"),
    S("rp_acs_cap_lacks_uf_warn", lambda: base(
        rp_kw=dict(acs=(0x000f, 0x000f))),
      desc="UF/RR/CR are optional for a root port (PCIe 6.12.1.1; the "
           "kernel masks by the cap too): warn, not fail"),
    S("mf_audio_config_trunc256", lambda: mf_card(
        nv_audio(0, 1, hostile="trunc256")), exit=3,
      fails={"access.config", "ats.disabled"},
      desc="a companion is protected: its config is needed"),
    S("mf_nic_config_extloop", lambda: mf_card(
        cx7(0, 1, link=(4, 16), acs=(0x000c, 0x000c), hostile="extloop")),
      exit=3, fails={"access.config", "acs.peers", "card.functions"},
      desc="the foreign function's ACS is needed and unreadable"),

    # ---- Intel VMD: 5-digit PCI domain below an endpoint
    S("vmd_domain_nvme_gpu_outside_pass", lambda: vmd_host(),
      desc="NVMe drives in VMD domain 10000 (sysfs .../0000:00:0e.0/"
           "pci10000:e0/10000:e0:00.0/10000:e1:00.0), GPU on 00:01.0: the "
           "5-digit addresses resolve and nothing fails"),
    S("vmd_domain_gpu_inside_shares_group", lambda: vmd_host(True),
      exit=1, fails={"group.isolated", "acs.path"},
      desc="GPU below a VMD root port: it shares the VMD's IOMMU group "
           "with the VMD and the NVMe drives, and the VMD endpoint on its "
           "path cannot be isolated by ACS"),
    S("vmd_domain_gpu_inside_peer_port_no_acs", lambda: vmd_host(
        True, nvme_rp_acs=(0x005f, 0x0000)), exit=1,
      fails={"group.isolated", "acs.path", "acs.peers"},
      desc="as above, and the NVMe's root port inside the VMD domain has "
           "ACS off: a peer of the GPU's VMD root port"),

    # ---- ACS Enhanced (acs.enhanced, [acs] require_enhanced)
    S("acs_enhanced_switch_dsp_all_pass", lambda: acsx_switch_host(),
      policy=ACSX_POLICY,
      desc="GPU's DSP advertises ACS Enhanced, has a BAR, all four set; "
           "the root port does not advertise it (not applicable)"),
    S("acs_enhanced_switch_dsp_urr_missing", lambda: acsx_switch_host(
        ACSX_ALL_CTL & ~ACSX_URR), policy=ACSX_POLICY, exit=1,
      fails={"acs.enhanced"}),
    S("acs_enhanced_switch_dsp_mt_reserved", lambda: acsx_switch_host(
        ACSX_ALL_CTL | ACSX_DSP_BLOCK), policy=ACSX_POLICY, exit=1,
      fails={"acs.enhanced"}, desc="DSP Memory Target Access 11: reserved"),
    S("acs_enhanced_switch_dsp_blocking_pass", lambda: acsx_switch_host(
        ACSX_ALL_CTL & ~ACSX_DSP_REDIR | ACSX_DSP_BLOCK), policy=ACSX_POLICY,
      desc="DSP Memory Target Access 01 (blocking) is not direct"),
    S("acs_enhanced_not_advertised_pass", lambda: switch_host(),
      policy=ACSX_POLICY,
      desc="no port advertises ACS Enhanced: nothing applies, pass"),
    S("acs_enhanced_not_required_skips", lambda: acsx_switch_host(0),
      desc="default policy: acs.enhanced is off whatever the ports say"),
    S("acs_enhanced_root_port_ib_dsp_pass", lambda: base(rp_kw=dict(
        acs=(ACS_OK[0] | ACS_ENH, ACS_OK[1] | ACSX_IB | ACSX_DSP_REDIR),
        bars=[(0, 1 << 20, "mem32")])), policy=ACSX_POLICY,
      desc="a root port: only IB and DSP apply, USP and URR do not"),
    S("acs_enhanced_root_port_no_ib", lambda: base(rp_kw=dict(
        acs=(ACS_OK[0] | ACS_ENH, ACS_OK[1] | ACSX_DSP_REDIR),
        bars=[(0, 1 << 20, "mem32")])), policy=ACSX_POLICY, exit=1,
      fails={"acs.enhanced"}),
    S("acs_enhanced_rootport_config_extloop", lambda: base(
        rp_kw=dict(hostile="extloop")), policy=ACSX_POLICY, exit=3,
      fails={"access.config", "acs.path", "acs.peers", "acs.enhanced"}),
    S("policy_bad_acs_enhanced_control", lambda: base(), exit=2, fails=None,
      protected=None,
      policy="[acs]\nrequire_enhanced = IB RR\n",
      stderr=r"policy\.conf:2: require_enhanced: unknown ACS Enhanced "
             r"control 'RR' \(IB DSP USP URR\)"),

    # ---- benchmark only (not run by default)
    S("bench_10k_functions", lambda: __import__("mktree").big_host(10000),
      bench=True, desc="10,000 functions across several domains"),
]

# ---- hostile config space
for _h in HOSTILE_GPU:
    SCENARIOS.append(S(
        "gpu_config_" + _h, (lambda h=_h: base(gpu_kw=dict(hostile=h))),
        exit=3, fails={"access.config", "ats.disabled"},
        desc="protected function's config is hostile/unreadable: ATS state "
             "unknown is a failure"))
for _h in ("extloop", "trunc256", "ones", "configdangling"):
    SCENARIOS.append(S(
        "rootport_config_" + _h, (lambda h=_h: base(rp_kw=dict(hostile=h))),
        exit=3, fails={"access.config", "acs.path", "acs.peers"}))
SCENARIOS.append(S(
    "switch_peer_dsp_config_extloop",
    lambda: switch_host(dsp_nic=dict(hostile="extloop")), exit=3,
    fails={"access.config", "acs.peers"}))


# ---- issue 17 part B: functions of the GPU's card, and small leniencies

def ari_card(*others, ari=True):
    """00:01.0 has ARI Forwarding on; below it one ARI device: the H100 as
    function 0 (01:00.0) and `others`, e.g. Fn(1, 0) = ARI function 8 at
    01:01.0 (next_fn() walks the ARI Next Function Number)."""
    return Host(
        [RC(0, 0, [host_bridge(), rp(1, children=[h100(), *others], ari=ari),
                   rp(3, children=[cx7()]), *uncore_slot(), bmc_vga()])],
        cmdline=CMD_OK)


def relink_gpu_driver(name):
    """A post hook: the GPU's driver link names driver @name instead."""
    def hook(root):
        r = Path(root)
        drv = r / "sys/bus/pci/drivers"
        (drv / "vfio-pci").rename(drv / name)
        link = r / "sys/bus/pci/devices/0000:01:00.0"
        d = link.resolve() / "driver"
        d.unlink()
        d.symlink_to(os.path.relpath(drv / name, d.parent))
    return hook


def gpu_group_sysfs_gone(root):
    """/dev/vfio/N stays a regular file, but the kernel has no VFIO group N."""
    grp = (Path(root) / "sys/bus/pci/devices/0000:01:00.0/iommu_group"
           ).resolve().name
    (Path(root) / "sys/class/vfio" / grp).unlink()


def plain_msi_line(root):
    """One device's MSI is not remapped while the others are."""
    p = Path(root) / "proc/interrupts"
    lines = p.read_text().split("\n")
    i = next(k for k, x in enumerate(lines) if "mlx5_async0" in x)
    lines[i] = lines[i].replace(" IR-PCI-MSI", "    PCI-MSI")
    p.write_text("\n".join(lines))


def pseudo_bridge_endpoint():
    """A type 0 (endpoint) header whose class code says 0609 (PCI-to-PCI
    bridge, semi-transparent), in the GPU's IOMMU group."""
    return rp(5, children=[Fn(0, 0, 0x1234, 0x0609, 0x060900, kind="ep",
                               profile="generic", group="gpu")])


import os  # noqa: E402

SCENARIOS += [
    S("ari_fn8_nic_host_driver", lambda: ari_card(
        cx7(1, 0, acs=(0x000c, 0x000c))), exit=1, fails={"card.functions"},
      protected=["0000:01:00.0"],
      desc="ARI card: function 8 (01:01.0) is a NIC on mlx5_core with ACS; "
           "it is a function of the GPU's card, not another slot"),
    S("ari_fn8_nic_no_acs", lambda: ari_card(cx7(1, 0)), exit=1,
      fails={"card.functions", "acs.peers"}, protected=["0000:01:00.0"],
      desc="ARI function 8 without ACS: the kernel groups it apart "
           "(get_pci_function_alias_group() compares PCI_SLOT), yet it "
           "can reach the GPU inside the device"),
    S("ari_fn8_audio_companion_on_host_driver", lambda: ari_card(
        nv_audio(1, 0, driver="snd_hda_intel", override=None)), exit=1,
      fails={"bind.vfio"}, protected=["0000:01:00.0", "0000:01:01.0"],
      desc="ARI function 8 is the card's HD audio: a companion, so it "
           "must be on vfio-pci"),
    S("ari_fn8_audio_companion_pass", lambda: ari_card(nv_audio(1, 0)),
      protected=["0000:01:00.0", "0000:01:01.0"],
      desc="ARI function 8 (HD audio) protected with the GPU"),
    S("mf_gpu_nic_with_acs_nic_on_vfio_pass", lambda: mf_card(
        cx7(0, 1, link=(4, 16), acs=(0x000c, 0x000c), driver="vfio-pci")),
      desc="the card's NIC function is quarantined on vfio-pci"),
    S("mf_gpu_nic_with_acs_nic_unbound_pass", lambda: mf_card(
        cx7(0, 1, link=(4, 16), acs=(0x000c, 0x000c), driver=None)),
      desc="the card's NIC function has no driver: no host DMA mappings"),
    S("gpu_driver_named_vfio_underscore_pci", lambda: base(
        post=[relink_gpu_driver("vfio_pci")]), exit=1, fails={"bind.vfio"},
      desc="a driver named vfio_pci is not vfio-pci: driver names are "
           "exact (driver_override matches with strcmp)"),
    S("gpu_vfio_node_without_kernel_group", lambda: base(
        post=[gpu_group_sysfs_gone]), exit=1, fails={"bind.vfio"},
      desc="/dev/vfio/N is a regular file and /sys/class/vfio/N is absent: "
           "no VFIO group device"),
    S("irq_one_plain_msi_line", lambda: base(post=[plain_msi_line]), exit=1,
      fails={"iommu.irq_remap"},
      desc="IR- chips, but the NIC's MSI goes through a plain PCI-MSI "
           "chip"),
    S("group_endpoint_with_bridge_class", lambda: base(
        gpu_kw=dict(group="gpu"), extra=[pseudo_bridge_endpoint()]),
      exit=1, fails={"group.isolated"},
      desc="an endpoint (header type 0) claiming class 0609 shares the "
           "GPU's group: it is no bridge (pci_is_bridge())"),
]


def sriov_card(pf_driver):
    """00:01.0 -> an SR-IOV card: PF 01:00.0 (1002:7460, processing
    accelerator 1200, on `pf_driver`) and its VF 02:00.0 (1002:7461,
    display 0380, on vfio-pci) on the virtual bus 02 that
    pci_iov_virtfn_bus() gives it, below the same port in sysfs."""
    pf = Fn(0, 0, 0x1002, 0x7460, 0x120000, profile="nic", driver=pf_driver,
            acs=(0x000c, 0x000c))
    vf = Fn(0, 0, 0x1002, 0x7461, 0x038000, profile="generic", physfn=pf,
            vbus=1, driver="vfio-pci", override="vfio-pci")
    return Host(
        [RC(0, 0, [host_bridge(), rp(1, children=[pf, vf]),
                   rp(3, children=[cx7()]), *uncore_slot(), bmc_vga()])],
        cmdline=CMD_OK)


SRIOV_POLICY = "[devices]\nmatch = 1002:7461:0380\n"

SCENARIOS += [
    S("sriov_vf_protected_pf_on_host_driver", lambda: sriov_card("gim"),
      exit=1, fails={"card.functions"}, policy=SRIOV_POLICY,
      protected=["0000:02:00.0"],
      desc="the protected VF's PF is on a host driver: the card can use "
           "the PF's requester ID; the PF is a function of the VF's card "
           "though it sits on another bus"),
    S("sriov_vf_protected_pf_unbound_pass", lambda: sriov_card(None),
      policy=SRIOV_POLICY, protected=["0000:02:00.0"],
      desc="the same card with the PF unbound"),
]


# ---- Issue 15: platform posture (platform.*), each switched on by its policy key
EFI_GUID = "8be4df61-93ca-11d2-aa0d-e39d2f8b6a8c"
LOCKDOWN = "sys/kernel/security/lockdown"


def efivar(name, value):
    """efivarfs's file of a one-byte UEFI global variable: attributes
    (NV|BS|RT = 0x06, little endian u32), then the value."""
    return put("sys/firmware/efi/efivars/%s-%s" % (name, EFI_GUID),
                     bytes([0x06, 0, 0, 0, value]))


def acpi_table(sig, body, length=None):
    """ACPI table @sig: the 36-byte header (its length field @length, the
    real length by default), then the 12 bytes @body."""
    n = 36 + len(body) if length is None else length
    hdr = sig.encode() + n.to_bytes(4, "little") + bytes([1, 0]) + \
        b"GPUGTE" + b"GPUGATE " + bytes(4) + b"TEST" + bytes(4)
    return put("sys/firmware/acpi/tables/" + sig, hdr + body)


def dmar(flags, length=None):
    """DMAR: host address width 46 (0x2d), @flags, 10 reserved bytes."""
    return acpi_table("DMAR", bytes([0x2d, flags]) + bytes(10), length)


def ivrs(ivinfo):
    """IVRS: the 32-bit IVinfo, 8 reserved bytes."""
    return acpi_table("IVRS", ivinfo.to_bytes(4, "little") + bytes(8))


# The ACPI tables QEMU 7.2 builds for q35 with its Intel and AMD vIOMMU,
# as the lab guest showed them (tests/trees/README.md, "Captured trees").
REAL_ACPI = Path(__file__).resolve().parent / "real" / "acpi"


def real_table(sig, name):
    """ACPI table @sig with the bytes of the capture real/acpi/@name."""
    return put("sys/firmware/acpi/tables/" + sig, (REAL_ACPI / name).read_bytes())


QEMU_DMAR = "q35-intel-iommu-qemu-7.2-DMAR.bin"
QEMU_IVRS = "q35-amd-iommu-qemu-7.2-IVRS.bin"


def lab_platform_policy():
    """The [platform] section of the lab's postreq image policy."""
    text = (Path(__file__).resolve().parents[2]
            / "qemu/policies/posture-required.conf").read_text()
    return text[text.index("[platform]"):]


# What the lab's stop-platform-posture scenarios print for these tables.
MSG_QEMU_DMAR = {"platform.dma_protection":
                 r"\(DMAR flags 0x01 \(INTR_REMAP\): DMA_CTRL_PLATFORM_OPT_IN clear\)"}
MSG_QEMU_IVRS = {"platform.dma_protection":
                 r"\(IVRS IVinfo 0x00002800: DMA remap \(bit 1\) clear\)"}
MSG_NO_EFI = {"platform.secureboot":
              r"/sys/firmware/efi: .*\(not booted through UEFI, e\.g\. legacy BIOS\)"}

P_LOCK = "[platform]\nrequire_lockdown = integrity\n"
P_SB = "[platform]\nrequire_secureboot = yes\n"
P_DMA = "[platform]\nrequire_dma_protection = yes\n"
P_TAINT = "[platform]\nforbid_taint = O E\n"
SB_ON = [efivar("SecureBoot", 1), efivar("SetupMode", 0)]

SCENARIOS += [
    S("platform_lockdown_pass",
      lambda: base(post=[put(LOCKDOWN, "none integrity [confidentiality]\n")]),
      policy=P_LOCK, desc="confidentiality is at least integrity"),
    S("platform_lockdown_below_fails",
      lambda: base(post=[put(LOCKDOWN, "[none] integrity confidentiality\n")]),
      policy=P_LOCK, exit=1, fails={"platform.lockdown"}),
    S("platform_lockdown_absent_unknown", lambda: base(), policy=P_LOCK,
      exit=3, fails={"platform.lockdown"},
      desc="no securityfs lockdown file in the tree: undetermined"),
    S("platform_secureboot_pass", lambda: base(post=SB_ON), policy=P_SB),
    S("platform_secureboot_disabled_fails",
      lambda: base(post=[efivar("SecureBoot", 0), efivar("SetupMode", 0)]),
      policy=P_SB, exit=1, fails={"platform.secureboot"}),
    S("platform_secureboot_setup_mode_fails",
      lambda: base(post=[efivar("SecureBoot", 1), efivar("SetupMode", 1)]),
      policy=P_SB, exit=1, fails={"platform.secureboot"}),
    S("platform_secureboot_legacy_bios_unknown", lambda: base(), policy=P_SB,
      exit=3, fails={"platform.secureboot"},
      desc="no /sys/firmware/efi: legacy BIOS, never a pass"),
    S("platform_secureboot_bad_variable_unknown",
      lambda: base(post=[put("sys/firmware/efi/efivars/SecureBoot-"
                                   + EFI_GUID, b"\x06\x00\x00")]),
      policy=P_SB, exit=3, fails={"platform.secureboot"}),
    S("platform_dma_protection_dmar_pass", lambda: base(post=[dmar(0x05)]),
      policy=P_DMA, desc="DMAR flags INTR_REMAP | DMA_CTRL_PLATFORM_OPT_IN"),
    S("platform_dma_protection_dmar_clear_fails",
      lambda: base(post=[dmar(0x01)]), policy=P_DMA, exit=1,
      fails={"platform.dma_protection"}),
    S("platform_dma_protection_ivrs_pass",
      lambda: amd_base(post=[ivrs(0x00203043)]), policy=P_DMA,
      desc="AMD: IVinfo bit 1 (DMA remap support)"),
    S("platform_dma_protection_ivrs_clear_fails",
      lambda: amd_base(post=[ivrs(0x00203041)]), policy=P_DMA, exit=1,
      fails={"platform.dma_protection"}),
    S("platform_dma_protection_qemu_dmar_fails",
      lambda: base(post=[real_table("DMAR", QEMU_DMAR)]), policy=P_DMA,
      exit=1, fails={"platform.dma_protection"}, messages=MSG_QEMU_DMAR,
      desc="QEMU 7.2's q35 DMAR as the lab guest read it: flags 0x01"),
    S("platform_dma_protection_qemu_ivrs_fails",
      lambda: amd_base(post=[real_table("IVRS", QEMU_IVRS)]), policy=P_DMA,
      exit=1, fails={"platform.dma_protection"}, messages=MSG_QEMU_IVRS,
      desc="QEMU 7.2's q35 IVRS as the lab guest read it: IVinfo 0x00002800"),
    S("platform_posture_qemu_intel_lab",
      lambda: base(tainted=0, post=[real_table("DMAR", QEMU_DMAR)]),
      policy=lab_platform_policy(), exit=3,
      fails={"platform.dma_protection", "platform.secureboot"},
      messages=dict(MSG_QEMU_DMAR, **MSG_NO_EFI),
      desc="lab stop-platform-posture: its DMAR, no EFI, tainted 0"),
    S("platform_posture_qemu_amd_lab",
      lambda: amd_base(tainted=0, post=[real_table("IVRS", QEMU_IVRS)]),
      policy=lab_platform_policy(), exit=3,
      fails={"platform.dma_protection", "platform.secureboot"},
      messages=dict(MSG_QEMU_IVRS, **MSG_NO_EFI),
      desc="lab stop-platform-posture-amd: its IVRS, no EFI, tainted 0"),
    S("platform_dma_protection_truncated_unknown",
      lambda: base(post=[dmar(0x05, length=200)]), policy=P_DMA, exit=3,
      fails={"platform.dma_protection"},
      desc="the header says 200 bytes, the file has 48"),
    S("platform_dma_protection_absent_unknown", lambda: base(),
      policy=P_DMA, exit=3, fails={"platform.dma_protection"}),
    S("platform_taint_pass", lambda: base(tainted=1 | 1 << 9), policy=P_TAINT,
      desc="P and W are not forbidden"),
    S("platform_taint_oot_fails", lambda: base(tainted=1 << 12 | 1 << 13),
      policy=P_TAINT, exit=1, fails={"platform.taint"}),
    S("platform_taint_absent_unknown", lambda: base(tainted=None),
      policy=P_TAINT, exit=3, fails={"platform.taint"}),
]


# ---- Issue 15: BAR assignment (bar.assigned, [devices] require_bars)
P_BARS = "[devices]\nrequire_bars = yes\n"
GPU_RES = "sys/bus/pci/devices/0000:01:00.0/resource"
# An H100 80GB HBM3 (10de:2330, subsystem 10de:16c1) as a published config
# dump of an HGX board shows it: BAR 0, 2 and 4 all 64-bit prefetchable,
# 16M, 128G and 32M by the addresses' spacing (h100() has the PCIe card's
# layout: BAR 0 32-bit, BAR 1 and BAR 3 64-bit).
H100_SXM_BARS = [(0, 16 << 20, "pref64"), (2, 128 << 30, "pref64"),
                 (4, 32 << 20, "pref64")]


def resource_line(rel, idx, start, end, flags):
    """A post hook replacing line @idx of the `resource` file @rel (read
    only, as sysfs makes it) with what the kernel prints for a BAR."""
    def hook(root):
        p = (Path(root) / rel).resolve()
        lines = p.read_text().splitlines(True)
        lines[idx] = "0x%016x 0x%016x 0x%016x\n" % (start, end, flags)
        p.unlink()
        p.write_text("".join(lines))
        p.chmod(0o444)
    return hook


SCENARIOS += [
    S("bar_assigned_pass", lambda: base(), policy=P_BARS,
      desc="the H100's BAR0 (16M), BAR1 (128G) and BAR3 (32M) have resources"),
    # What Debian's 6.1 and 6.12 showed for a 64-bit prefetchable BAR that
    # found no room (qemu/scenarios/stop-bar-unassigned.conf): the line
    # reset to zeros by reset_resource(), the BAR register left as the
    # firmware programmed it.
    S("bar_pref64_reset_fails",
      lambda: base(post=[resource_line(GPU_RES, 1, 0, 0, 0)]),
      policy=P_BARS, exit=1, fails={"bar.assigned"},
      desc="BAR1 reset to 0 0 0: the register's type bits say 64-bit "
           "prefetchable, so it is implemented and unassigned"),
    S("bar_pref64_unset_fails",
      lambda: base(post=[resource_line(GPU_RES, 1, 0, (128 << 30) - 1,
                                       0x2014220c)]),
      policy=P_BARS, exit=1, fails={"bar.assigned"},
      desc="BAR1 sized but never placed: start 0, IORESOURCE_UNSET"),
    S("bar_h100_sxm_pass", lambda: base(gpu_kw=dict(bars=H100_SXM_BARS)),
      policy=P_BARS, desc="the H100 SXM5 layout: three 64-bit BARs"),
    S("bar_h100_sxm_bar2_reset_fails",
      lambda: base(gpu_kw=dict(bars=H100_SXM_BARS),
                   post=[resource_line(GPU_RES, 2, 0, 0, 0)]),
      policy=P_BARS, exit=1, fails={"bar.assigned"},
      desc="the H100 SXM5 layout with its 128G BAR 2 reset to 0 0 0"),
    S("bar_resource_unreadable_unknown", lambda: base(post=[rm(GPU_RES)]),
      policy=P_BARS, exit=3, fails={"bar.assigned"}),
    S("bar_resource_directory_unknown",
      lambda: base(post=[rm(GPU_RES), put(GPU_RES + "/x", "")]),
      policy=P_BARS, exit=3, fails={"bar.assigned"},
      desc="`resource` is a directory: not a regular file, never opened"),
    S("bar_resource_short_unknown",
      lambda: base(post=[rm(GPU_RES), put(GPU_RES, "0x0 0x0 0x0\n")]),
      policy=P_BARS, exit=3, fails={"bar.assigned"},
      desc="a `resource` file of one line: the six BAR lines are not there"),
]
