# SPDX-License-Identifier: GPL-2.0-or-later
"""Device makers with realistic IDs (all keyword arguments pass through
to Fn), and big trees for benchmarks."""

from .topology import Fn, Host, RC

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


def switchtec_mgmt(dev=0, fn=1, **kw):
    """Microchip Switchtec PM41028 PSX management endpoint (11f8:4128,
    memory controller 0580, subsystem 10de:1643) beside the switch's
    upstream port on an HGX H100 baseboard: no driver, never enabled."""
    a = dict(svid=0x10de, sdid=0x1643, rev=0x00, profile="generic",
             bars=[(0, 4 << 20, "pref64")], link=(3, 2), maxlink=(4, 16))
    a.update(kw)
    return Fn(dev, fn, 0x11f8, 0x4128, 0x058000, **a)


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
