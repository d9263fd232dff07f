# SPDX-License-Identifier: GPL-2.0-or-later
"""Config space built byte by byte: headers, capabilities, extended
capabilities, and the hostile variants."""

import hashlib
import struct

from .topology import (EC, ECAP_ACS, ECAP_AER, ECAP_ARI, ECAP_ATS, ECAP_DLF,
    ECAP_DSN, ECAP_L1SS, ECAP_LTR, ECAP_PASID, ECAP_PB,
    ECAP_PRI, ECAP_SECPCI, ECAP_VC, ECAP_VSEC,
    NVIDIA_ECAP_OFFSETS, PTYPE, align)


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


def _bars(c, f):
    for idx, size, kind in f.bars:
        base = f.bar_addr.get(idx, 0)
        w32(c, 0x10 + 4 * idx, (base & 0xfffffff0) | BAR_FLAGS[kind])
        if kind == "pref64":
            w32(c, 0x14 + 4 * idx, base >> 32)


def _endpoint_header(c, f):
    _bars(c, f)
    w16(c, 0x2c, f.svid)
    w16(c, 0x2e, f.sdid)
    if f.rom:
        w32(c, 0x30, f.bar_addr["rom"])     # enable bit clear, as usual


def _bridge_header(c, f):
    _bars(c, f)                            # BAR0/BAR1 only (type 1)
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
