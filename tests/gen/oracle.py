#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Reference model of `gpugate --root DIR -p POLICY --format json check`.

Reads only the tree (never the scenario objects), so running the suite with
GPUGATE=tests/gen/oracle.py shows that every tree really encodes the verdict
its scenario expects under the check semantics of docs and SPEC. It is a
test aid, not the product: no enforce, no libpci/libkmod, text module index.

Exit: 0 pass, 1 fail, 2 usage/policy error, 3 undetermined.
"""

import fnmatch
import json
import os
import re
import shlex
import sys
from pathlib import Path

BITS = {"SV": 0x01, "TB": 0x02, "RR": 0x04, "CR": 0x08, "UF": 0x10,
        "EC": 0x20, "DT": 0x40}
TRUE = {"1", "y", "Y", "on", "t", "T"}

POLICY = {
    "gate": {"mode": ("enforce", {"enforce", "audit"}),
             "on_failure": ("halt", {"halt", "poweroff", "reboot",
                                     "emergency"}),
             "allow_cmdline_override": ("no", "bool"),
             "report": ("/run/gpugate/report.json", "path")},
    "devices": {"match": ("10de:*:0300 10de:*:0302 10de:*:0380", "match"),
                "bdf": ("", "bdf"),
                "companions": ("slot", {"slot", "none"}),
                "companion_classes": ("0300 0302 0380 0403 0c03 0c80",
                                      "classes"),
                "allow_none": ("no", "bool")},
    "iommu": {"require_strict": ("yes", "bool"),
              "forbid_identity": ("yes", "bool"),
              "require_irq_remapping": ("yes", "bool")},
    "cmdline": {"require_noats": ("yes", "bool"),
                "forbid": ("pcie_acs_override "
                           "vfio_iommu_type1.allow_unsafe_interrupts=1 "
                           "vfio.enable_unsafe_noiommu_mode=1 intremap=off",
                           "words")},
    "acs": {"require": ("SV TB RR CR UF", "acs"), "forbid": ("DT", "acs"),
            "fix": ("yes", "bool")},
    "ats": {"require_disabled": ("yes", "bool"), "fix": ("yes", "bool")},
    "binding": {"driver": ("vfio-pci", "word"),
                "host_drivers": ("nouveau nvidia nvidia_drm nvidia_modeset "
                                 "nvidia_uvm nvidiafb", "words"),
                "require_blacklisted": ("yes", "bool")},
    "nvlink": {"forbid_nvswitch": ("yes", "bool")},
    "baseline": {"file": ("", "path")},
}


class PolicyError(Exception):
    pass


def valid(kind, v):
    words = v.split()
    if isinstance(kind, set):
        return v in kind
    if kind == "bool":
        return v in ("yes", "no")
    if kind == "match":
        return all(re.fullmatch(r"([0-9a-f]{4}|\*):([0-9a-f]{4}|\*):"
                                r"([0-9a-f]{4}|\*)", w) for w in words)
    if kind == "bdf":
        return all(re.fullmatch(r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]",
                                w) for w in words)
    if kind == "classes":
        return all(re.fullmatch(r"[0-9a-f]{4}", w) for w in words)
    if kind == "acs":
        return all(w in BITS for w in words)
    return True


def load_policy(path):
    pol = {s: {k: d for k, (d, _) in keys.items()}
           for s, keys in POLICY.items()}
    seen, sec = set(), None
    try:
        lines = Path(path).read_text().splitlines()
    except OSError as e:
        raise PolicyError("%s: %s" % (path, e.strerror))
    for n, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[(\w+)\]", line)
        if m:
            sec = m.group(1)
            if sec not in POLICY:
                raise PolicyError("%s:%d: unknown section [%s]" % (path, n,
                                                                    sec))
            continue
        k, eq, v = line.partition("=")
        k, v = k.strip(), v.strip()
        if not eq or sec is None or k not in POLICY[sec]:
            raise PolicyError("%s:%d: unknown key %r" % (path, n, k))
        if (sec, k) in seen:
            raise PolicyError("%s:%d: duplicate key %r" % (path, n, k))
        seen.add((sec, k))
        if not valid(POLICY[sec][k][1], v):
            raise PolicyError("%s:%d: bad value %r for %s" % (path, n, v, k))
        pol[sec][k] = v
    return pol


class Undetermined(Exception):
    pass


class Cfg:
    """Strictly validated config space: caps {id: off}, ecaps {id: off}."""

    def __init__(self, path, pcie_expected=True):
        try:
            self.b = Path(path).read_bytes()
        except OSError as e:
            raise Undetermined("cannot read config: %s" % e.strerror)
        b = self.b
        if len(b) < 64:
            raise Undetermined("config is %d bytes" % len(b))
        if b[:4] == b"\xff\xff\xff\xff":
            raise Undetermined("config reads all-ones")
        self.caps, self.ecaps = {}, {}
        if len(b) >= 0x40 and b[6] & 0x10:
            if len(b) < 256:
                raise Undetermined("config too short for capabilities")
            self._std()
        self.ptype = None
        if 0x10 in self.caps:
            self.ptype = (self.u16(self.caps[0x10] + 2) >> 4) & 0xf
            if len(b) < 4096:
                raise Undetermined("cannot read extended config space "
                                   "(%d bytes)" % len(b))
            self._ext()

    def u16(self, o):
        return int.from_bytes(self.b[o:o + 2], "little")

    def u32(self, o):
        return int.from_bytes(self.b[o:o + 4], "little")

    def _std(self):
        raw, seen = self.b[0x34], set()
        while raw:
            if raw < 0x40 or raw > 0xfc:
                raise Undetermined("capability pointer %#x out of range" % raw)
            p = raw & 0xfc
            if p in seen or len(seen) > 48:
                raise Undetermined("capability list loops at %#x" % p)
            seen.add(p)
            cid = self.b[p]
            if cid == 0x10 and p + 0x3c > 0x100:
                raise Undetermined("PCIe capability at %#x overruns" % p)
            self.caps.setdefault(cid, p)
            raw = self.b[p + 1]

    def _ext(self):
        p, seen = 0x100, set()
        while p:
            h = self.u32(p)
            if h == 0 and p == 0x100:
                return
            if h == 0xffffffff:
                raise Undetermined("extended header all-ones at %#x" % p)
            if p in seen or len(seen) > 960:
                raise Undetermined("extended capability list loops at %#x"
                                   % p)
            seen.add(p)
            self.ecaps.setdefault(h & 0xffff, p)
            raw = h >> 20
            if raw and (raw < 0x100 or raw > 0xffc):
                raise Undetermined("extended next %#x out of range" % raw)
            p = raw & 0xffc


class Tree:
    def __init__(self, root):
        self.root = Path(root)

    def p(self, rel):
        return self.root / rel

    def read(self, rel):
        return self.p(rel).read_text().strip()


def cmdline_params(text):
    out = []
    for w in shlex.split(text):
        k, eq, v = w.partition("=")
        out.append((k.replace("-", "_"), v if eq else None))
    return out


def last(params, key):
    vals = [v for k, v in params if k == key]
    return vals[-1] if vals else None


def values(params, key):
    out = []
    for k, v in params:
        if k == key and v is not None:
            out += v.split(",")
    return out


class Check:
    def __init__(self):
        self.items = []

    def add(self, cid, ok, dev=None, msg="", port=None):
        self.items.append({"id": cid, "device": dev, "port": port,
                           "status": "pass" if ok else "fail",
                           "message": msg})


def main(argv):
    args = {"root": "/", "policy": "/etc/gpugate/policy.conf"}
    it = iter(argv)
    cmd = None
    for a in it:
        if a in ("-r", "--root"):
            args["root"] = next(it)
        elif a in ("-p", "--policy"):
            args["policy"] = next(it)
        elif a in ("-f", "--format"):
            next(it)
        else:
            cmd = a
    if cmd != "check":
        print("oracle: only 'check'", file=sys.stderr)
        return 2
    try:
        pol = load_policy(args["policy"])
    except PolicyError as e:
        print("gpugate: %s" % e, file=sys.stderr)
        return 2
    rep = {"gpugate": "oracle", "mode": "check", "checks": [], "actions": [],
           "devices": []}
    undetermined = []
    try:
        audit(Tree(args["root"]), pol, rep, undetermined)
    except Undetermined as e:
        undetermined.append(str(e))
    fails = any(c["status"] == "fail" for c in rep["checks"])
    rep["result"] = "error" if undetermined else "fail" if fails else "pass"
    print(json.dumps(rep, indent=1))
    return 3 if undetermined else 1 if fails else 0


def audit(t, pol, rep, undetermined):
    ck = Check()
    rep["checks"] = ck.items
    try:
        cmd = t.read("proc/cmdline")
    except OSError:
        raise Undetermined("cannot read proc/cmdline")
    rep["cmdline"] = cmd
    params = cmdline_params(cmd)
    audit_cmdline(t, pol, params, ck)
    devdir = t.p("sys/bus/pci/devices")
    if not devdir.is_dir():
        raise Undetermined("no sys/bus/pci/devices")
    fns = {}
    for e in sorted(os.listdir(devdir)):
        real = os.path.realpath(devdir / e)
        chain = [c for c in Path(real).parts if re.fullmatch(
            r"[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]", c)]
        fns[e] = {"bdf": e, "dir": Path(real), "path": chain[:-1],
                  "vid": int(t.read("sys/bus/pci/devices/%s/vendor" % e), 16),
                  "did": int(t.read("sys/bus/pci/devices/%s/device" % e), 16),
                  "cls": int(t.read("sys/bus/pci/devices/%s/class" % e), 16)}
    prot = select(fns, pol)
    cfg_cache = {}

    def cfg(bdf):
        if bdf not in cfg_cache:
            try:
                cfg_cache[bdf] = Cfg(fns[bdf]["dir"] / "config")
            except Undetermined as e:
                cfg_cache[bdf] = e
        c = cfg_cache[bdf]
        if isinstance(c, Undetermined):
            ck.add("access.config", False, bdf, str(c))
            undetermined.append(bdf)
            return None
        return c

    audit_iommu(t, pol, params, prot, fns, ck)
    if not prot and pol["devices"]["allow_none"] != "yes":
        ck.add("devices.none", False, msg="no device matches the policy")
    for b in prot:
        audit_device(t, pol, b, fns, prot, cfg, ck, rep)
    nv = [b for b, f in fns.items() if f["vid"] == 0x10de and
          f["cls"] >> 8 == 0x0680]
    if pol["nvlink"]["forbid_nvswitch"] == "yes":
        ck.add("nvlink.nvswitch", not nv, msg=" ".join(nv))
    audit_drivers(t, pol, prot, fns, ck, undetermined)
    ck.add("baseline.topology", True)
    ck.items[-1]["status"] = "skip"


def select(fns, pol):
    pats = [w.split(":") for w in pol["devices"]["match"].split()]
    comp = {int(c, 16) for c in pol["devices"]["companion_classes"].split()}
    out = set(pol["devices"]["bdf"].split()) & set(fns)
    for b, f in fns.items():
        for v, d, c in pats:
            if ((v == "*" or int(v, 16) == f["vid"]) and
                    (d == "*" or int(d, 16) == f["did"]) and
                    (c == "*" or int(c, 16) == f["cls"] >> 8)):
                out.add(b)
    if pol["devices"]["companions"] == "slot":
        for b in list(out):
            for o, f in fns.items():
                if o[:-1] == b[:-1] and f["cls"] >> 8 in comp:
                    out.add(o)
    return sorted(out)


def audit_cmdline(t, pol, params, ck):
    off = any("off" in values(params, k) for k in
              ("intel_iommu", "amd_iommu", "iommu"))
    ck.add("cmdline.iommu", not off)
    if pol["iommu"]["forbid_identity"] == "yes":
        ident = "pt" in values(params, "iommu") or (
            last(params, "iommu.passthrough") in TRUE)
        ck.add("cmdline.identity", not ident)
    if pol["iommu"]["require_strict"] == "yes":
        ck.add("cmdline.strict", last(params, "iommu.strict") in TRUE)
    if pol["cmdline"]["require_noats"] == "yes":
        ck.add("cmdline.noats", "noats" in values(params, "pci"))
    bad = []
    for w in pol["cmdline"]["forbid"].split():
        k, eq, v = w.partition("=")
        k = k.replace("-", "_")
        for pk, pv in params:
            if pk != k:
                continue
            if not eq:
                bad.append(pk)
            elif v in TRUE and pv in TRUE:
                bad.append(w)
            elif pv is not None and v in pv.split(","):
                bad.append(w)
    for mod, par in (("vfio_iommu_type1", "allow_unsafe_interrupts"),
                     ("vfio", "enable_unsafe_noiommu_mode")):
        try:
            if t.read("sys/module/%s/parameters/%s" % (mod, par)) in TRUE:
                bad.append("%s.%s=Y (live)" % (mod, par))
        except OSError:
            pass
    ck.add("cmdline.forbidden", not bad, msg=" ".join(bad))


def group_of(fns, b):
    link = fns[b]["dir"] / "iommu_group"
    if not os.path.islink(link):
        return None
    return Path(os.path.realpath(link))


def audit_iommu(t, pol, params, prot, fns, ck):
    ci = t.p("sys/class/iommu")
    units = os.listdir(ci) if ci.is_dir() else []
    nogrp = [b for b in prot if group_of(fns, b) is None]
    ck.add("iommu.active", bool(units) and not nogrp, msg=" ".join(nogrp))
    for b in prot:
        g = group_of(fns, b)
        try:
            typ = (g / "type").read_text().strip() if g else None
        except OSError:
            typ = None
        ok = typ is not None
        if typ == "identity" and pol["iommu"]["forbid_identity"] == "yes":
            ok = False
        if typ == "DMA-FQ" and pol["iommu"]["require_strict"] == "yes":
            ok = False
        if typ not in ("DMA", "DMA-FQ", "identity"):
            ok = False
        ck.add("iommu.domain", ok, b, "type %s" % typ)
    if pol["iommu"]["require_irq_remapping"] == "yes":
        try:
            irq = t.read("proc/interrupts")
        except OSError:
            irq = ""
        ir = re.search(r"\sIR-(PCI-MSI|IO-APIC)", irq) is not None
        off = "off" in values(params, "intremap") or any(
            k == "nointremap" for k, _ in params)
        ck.add("iommu.irq_remap", ir and not off)


def is_bridge_class(f):
    return f["cls"] >> 8 in (0x0604, 0x0609)


def has_children(fns, b):
    return any(b in f["path"] for f in fns.values())


def acs_ok(c, req, forbid):
    """Required bits set in ctl; a bit the cap lacks is acceptable only where
    PCIe makes it optional (root ports: RR CR UF; functions: all)."""
    if c is None or 0x0d not in c.ecaps:
        return False
    o = c.ecaps[0x0d]
    cap, ctl = c.u16(o + 4), c.u16(o + 6)
    mandatory = {6: 0x1f, 4: 0x03}.get(c.ptype, 0)
    if req & mandatory & ~cap:
        return False
    return (ctl & req & cap) == (req & cap) and not (ctl & forbid)


def audit_device(t, pol, b, fns, prot, cfg, ck, rep):
    f = fns[b]
    comp = {int(c, 16) for c in pol["devices"]["companion_classes"].split()}
    req = sum(BITS[x] for x in pol["acs"]["require"].split())
    forbid = sum(BITS[x] for x in pol["acs"]["forbid"].split())
    g = group_of(fns, b)
    rep["devices"].append({"bdf": b, "id": "%04x:%04x" % (f["vid"], f["did"]),
                           "class": "%04x" % (f["cls"] >> 8),
                           "group": int(g.name) if g else None,
                           "path": f["path"]})
    # group.isolated
    if g is None:
        ck.add("group.isolated", False, b, "no IOMMU group")
    else:
        bad = []
        for m in sorted(os.listdir(g / "devices")):
            mf = fns.get(m)
            if m == b or mf is None:
                continue
            if is_bridge_class(mf):
                continue
            if m[:-1] == b[:-1] and mf["cls"] >> 8 in comp:
                continue
            bad.append(m)
        ck.add("group.isolated", not bad, b, " ".join(bad))
    # acs.path and acs.peers
    c_self = cfg(b)
    path_ok, peers_ok = True, True
    for a in f["path"]:
        ca = cfg(a)
        if ca is None:
            path_ok = False
            peers_ok = False        # its type, so its peers, unknown
            continue
        if 0x10 not in ca.caps or ca.ptype == 7:
            path_ok = False                     # conventional / PCIe-to-PCI
            continue
        if ca.ptype not in (4, 6):
            continue
        if not acs_ok(ca, req, forbid):
            path_ok = False
        sibs = []
        if ca.ptype == 6:
            up = fns[a]["path"][-1] if fns[a]["path"] else None
            sibs = [o for o, of in fns.items() if o != a and of["path"] and
                    of["path"][-1] == up and len(of["path"]) ==
                    len(fns[a]["path"])]
        else:                   # root ports on the same root bus
            sibs = [o for o, of in fns.items() if o != a and not of["path"]
                    and o[:7] == a[:7] and is_bridge_class(of)]
        for s in sibs:
            if not has_children(fns, s):
                continue
            cs = cfg(s)
            if cs is None or not acs_ok(cs, req, forbid):
                peers_ok = False
    for o, of in fns.items():
        if o[:-1] != b[:-1] or o == b or of["cls"] >> 8 in comp:
            continue
        co = cfg(o)
        if co is None or not acs_ok(co, BITS["RR"] | BITS["CR"], BITS["DT"]):
            peers_ok = False
    ck.add("acs.path", path_ok, b)
    ck.add("acs.peers", peers_ok, b)
    # ats.disabled
    if pol["ats"]["require_disabled"] == "yes":
        ok = c_self is not None
        if ok and 0x0f in c_self.ecaps:
            ok = not (c_self.u16(c_self.ecaps[0x0f] + 6) & 0x8000)
        ck.add("ats.disabled", ok, b)
    # bind.vfio
    drv_link = f["dir"] / "driver"
    drv = os.path.basename(os.readlink(drv_link)) if os.path.islink(
        drv_link) else None
    node = g is not None and t.p("dev/vfio/%s" % g.name).exists()
    rep["devices"][-1]["driver"] = drv
    ck.add("bind.vfio", drv == pol["binding"]["driver"] and node, b,
           "driver %s" % drv)


def audit_drivers(t, pol, prot, fns, ck, undetermined):
    hosts = {h.replace("-", "_") for h in
             pol["binding"]["host_drivers"].split()}
    loaded = [h for h in sorted(hosts) if t.p("sys/module/" + h).is_dir()]
    bad = list(loaded)
    try:
        kver = t.read("proc/sys/kernel/osrelease")
        aliases = t.p("lib/modules/%s/modules.alias" % kver).read_text()
    except OSError:
        ck.add("driver.host", False, msg="no module index")
        undetermined.append("module index")
        return
    table = []
    for line in aliases.splitlines():
        w = line.split()
        if len(w) == 3 and w[0] == "alias":
            table.append((w[1], w[2]))
    black = set()
    md = t.p("etc/modprobe.d")
    if md.is_dir():
        for n in sorted(os.listdir(md)):
            if not n.endswith(".conf"):
                continue
            for line in (md / n).read_text().splitlines():
                w = line.split()
                if len(w) >= 2 and w[0] == "blacklist":
                    black.add(w[1].replace("-", "_"))
                if len(w) >= 3 and w[0] == "alias":
                    table.append((w[1], w[2]))
    for b in prot:
        ma = (fns[b]["dir"] / "modalias").read_text().strip()
        for pat, mod in table:
            mod = mod.replace("-", "_")
            if fnmatch.fnmatchcase(ma, pat) and mod in hosts and \
                    mod not in black:
                bad.append("%s->%s" % (b, mod))
    ck.add("driver.host", not bad, msg=" ".join(bad))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
