# SPDX-License-Identifier: GPL-2.0-or-later
"""kcaps.py - the Linux 6.1 kernel's capability lookups, restated in Python
from the kernel source (not from gpugate's caps.c), for the hostile-input
property and differential tests (tests/run-hostile.py).

`cfg` is a function's configuration space exactly as the kernel exposes
it: the bytes of its sysfs `config` file (whose length is dev->cfg_size)
or the bytes an lspci dump holds. A read past the end fails, and the
kernel gives up on a failed read.

drivers/pci/pci.c:
  __pci_bus_find_cap_start()  the standard list exists only when Status
      (0x06) bit 4, Capabilities List, is set; it starts at 0x34 for
      header types 0 and 1, at 0x14 for CardBus (2), none otherwise.
  __pci_find_next_cap_ttl()   read the start pointer; while ttl
      (PCI_FIND_CAP_TTL = 48) lasts: stop below 0x40, mask the two low
      (reserved) bits, stop at an ID of 0xff, return on a match, follow
      the next pointer.
  pci_find_next_ext_capability()  nothing unless dev->cfg_size > 256; the
      header at 0x100 being 0 means no capabilities; ttl (4096 - 256) / 8
      = 480; return the first match; next = PCI_EXT_CAP_NEXT(header) =
      (header >> 20) & 0xffc; stop when it is below 0x100.
drivers/pci/probe.c:
  pci_cfg_space_size()        4096 bytes only for a host bridge (class
      0x0600), a PCI Express function, or PCI-X with the 266 or 533 MHz
      status bits (in the first PCI-X capability), and only when
      pci_cfg_space_size_ext() sees a 0x100 dword that is not all ones
      and not an alias of the header. Decided once, at enumeration.
"""

CAP_ID_PCIX = 0x07
CAP_ID_EXP = 0x10
EXT_ID = {"ACS": 0x000D, "ATS": 0x000F, "PRI": 0x0013, "PASID": 0x001B}
# The Enable bit of each translation capability: (register offset, bit).
ENABLE = {"ATS": (0x06, 0x8000), "PRI": (0x04, 0x0001), "PASID": (0x06, 0x0001)}
PCI_FIND_CAP_TTL = 48
EXT_TTL = (4096 - 256) // 8


def read(cfg, pos, n):
    """Little-endian read of n bytes at pos; None past the end."""
    if pos < 0 or pos + n > len(cfg):
        return None
    return int.from_bytes(bytes(cfg[pos:pos + n]), "little")


def cap_start(cfg):
    status, hdr = read(cfg, 0x06, 2), read(cfg, 0x0E, 1)
    if status is None or hdr is None or not status & 0x10:
        return 0
    return {0: 0x34, 1: 0x34, 2: 0x14}.get(hdr & 0x7F, 0)


def find_capability(cfg, cap):
    """pci_find_capability(): offset, or 0."""
    start = cap_start(cfg)
    pos = read(cfg, start, 1) if start else None
    if pos is None:
        return 0
    for _ in range(PCI_FIND_CAP_TTL):
        if pos < 0x40:
            break
        pos &= ~3
        ent = read(cfg, pos, 2)
        if ent is None or ent & 0xFF == 0xFF:
            break
        if ent & 0xFF == cap:
            return pos
        pos = ent >> 8
    return 0


def find_ext_capability(cfg, cap):
    """pci_find_ext_capability(): offset, or 0."""
    if len(cfg) <= 256:
        return 0
    pos, header = 256, read(cfg, 256, 4)
    if not header:
        return 0
    for _ in range(EXT_TTL):
        if header & 0xFFFF == cap:
            return pos
        pos = (header >> 20) & 0xFFC
        if pos < 256:
            break
        header = read(cfg, pos, 4)
        if header is None:
            break
    return 0


def found(cfg):
    """What the kernel finds: {"PCIe": off, "ACS": off, "ATS": ..., ...}."""
    res = {"PCIe": find_capability(cfg, CAP_ID_EXP)}
    for name, cid in EXT_ID.items():
        res[name] = find_ext_capability(cfg, cid)
    return res


def pcie_type(cfg):
    """Device/Port Type of the PCIe capability the kernel finds, or None."""
    pos = find_capability(cfg, CAP_ID_EXP)
    flags = read(cfg, pos + 2, 2) if pos else None
    return None if flags is None else (flags >> 4) & 0xF


def enabled_translation(cfg):
    """Names of the ATS/PRI/PASID capabilities the kernel finds enabled."""
    out = []
    for name, (reg, bit) in ENABLE.items():
        pos = find_ext_capability(cfg, EXT_ID[name])
        val = read(cfg, pos + reg, 2) if pos else None
        if val is not None and val & bit:
            out.append(name)
    return out


def acs_regs(cfg):
    """(cap, ctl) of the ACS capability the kernel finds, or None."""
    pos = find_ext_capability(cfg, EXT_ID["ACS"])
    cap, ctl = (read(cfg, pos + 4, 2), read(cfg, pos + 6, 2)) if pos else (None, None)
    return None if cap is None or ctl is None else (cap, ctl)


# ---------------------------------------------------------------------------
# Where gpugate is deliberately stricter than the kernel (docs/checks.md,
# "Capability discovery"): it reports the function undetermined instead of
# answering. Restated from that documentation, each rule a case where the
# kernel's answer exists but cannot be trusted or is not fully readable.

def _std_anomaly(cfg):
    """A standard list that does not end with a next pointer of 0."""
    start = cap_start(cfg)
    if not start:
        return None
    pos, seen = cfg[start] & ~3, set()
    pcie = pcix = None
    while pos:
        if pos < 0x40:
            return "standard pointer 0x%02x below 0x40" % pos
        if pos in seen:
            return "standard list loops at 0x%02x" % pos
        seen.add(pos)
        cid = cfg[pos]
        if cid == 0xFF:
            return "standard capability ID 0xff at 0x%02x" % pos
        if cid == CAP_ID_EXP and pcie is None:
            pcie = pos
            size = 0x0C if read(cfg, pos + 2, 2) & 0xF == 1 else 0x2C
            if pos + size > 256:
                return "PCIe capability at 0x%02x runs past 0x100" % pos
        if cid == CAP_ID_PCIX and pcix is None:
            pcix = pos
        pos = cfg[pos + 1] & ~3
    return None


def _pcix_mode2(cfg):
    pos = find_capability(cfg, CAP_ID_PCIX)
    status = read(cfg, pos + 4, 4) if pos and pos + 8 <= 256 else None
    return bool(status and status & 0xC0000000)


def _ext_anomaly(cfg):
    """An extended list that gpugate refuses to read an answer from."""
    if len(cfg) < 4096:
        return "extended space cut short at %d bytes" % len(cfg)
    header = read(cfg, 256, 4)
    if header == 0:
        return None
    if header == 0xFFFFFFFF:
        return "extended space reads all ones"
    if header == read(cfg, 0, 4):
        return "extended space aliases the header"
    pos, seen, ids, n = 256, set(), set(), 0
    while pos:
        n += 1
        if n > EXT_TTL:
            return "extended list longer than %d entries" % EXT_TTL
        if pos < 256:
            return "extended pointer 0x%03x below 0x100" % pos
        if pos in seen:
            return "extended list loops at 0x%03x" % pos
        seen.add(pos)
        header = read(cfg, pos, 4)
        cid = header & 0xFFFF
        if cid in EXT_ID.values():
            if cid in ids:
                return "duplicate extended capability 0x%04x" % cid
            ids.add(cid)
            if pos + 8 > len(cfg):
                return "extended capability at 0x%03x truncated" % pos
        pos = (header >> 20) & 0xFFC
    return None


def strict_refusal(cfg):
    """Why gpugate must report this config space undetermined, or None."""
    if len(cfg) < 256:
        return "config space is %d bytes" % len(cfg)
    if read(cfg, 0, 4) == 0xFFFFFFFF:
        return "config space reads all ones"
    if cfg[0x0E] & 0x7F > 2:
        return "unknown header type"
    why = _std_anomaly(cfg)
    if why:
        return why
    pcie = find_capability(cfg, CAP_ID_EXP)
    if len(cfg) == 256:
        return "PCIe function without extended space" if pcie else None
    why = _ext_anomaly(cfg)
    if why:
        return why
    if read(cfg, 0x0A, 2) == 0x0600:
        return None
    if not read(cfg, 0x06, 2) & 0x10:
        return "Capabilities List bit clear with extended space"
    if not pcie and not _pcix_mode2(cfg):
        return "no PCIe capability with extended space"
    return None
