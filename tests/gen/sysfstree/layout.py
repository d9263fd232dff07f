# SPDX-License-Identifier: GPL-2.0-or-later
"""Bus numbers, bridge windows and BARs assigned like a BIOS would, and
IOMMU groups computed like the kernel's pci_device_group()."""

from .topology import EC, REQ_ACS_FLAGS, align


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


def _alloc_bars(f, c32, c64):
    for idx, size, kind in f.bars:
        if kind == "pref64":
            base = align(c64, size)
            c64 = base + size
        else:
            base = align(c32, size)
            c32 = base + size
        f.bar_addr[idx] = base
    return c32, c64


def _alloc(f, c32, c64):
    # A bridge's own BARs (a switch port's, type-1 BAR0/BAR1) come from
    # its parent's window, before the window it forwards.
    c32, c64 = _alloc_bars(f, c32, c64)
    if not f.is_bridge:
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
