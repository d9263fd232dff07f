#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""run-hostile.py - hostile config spaces against the real binary (issue 16).

    tests/run-hostile.py                    # the CI run: fixed seed, fixed count
    tests/run-hostile.py --seed N --cases M # another run; a failure prints
                                            # the seed and case to replay
    tests/run-hostile.py --case K           # only case K of that seed

Sources, all real: the functions of every `-xxxx` dump in shared/realdata
(REPO/../shared, as CI provides it) and the sysfs trees captured from lab
boots in tests/trees/real/ (Debian's 6.1 kernel, q35, Intel vIOMMU, a
virtio-gpu with ATS at 0x100; qemu/take-snapshot.sh).

Each case takes one source, protects one endpoint by address, mutates the
config space of that endpoint or of a port on its path, and runs
`gpugate -v -f json check` on it: as a --root tree (the config file
rewritten, its length the exposed size) and, for every source, as an
--lspci-dump (the bytes present). Mutation classes: flipped bytes
anywhere; broken standard pointers and the Status bit; random extended
chains; truncation; an ATS, PRI or PASID that is enabled and then hidden.

Checked on every case (invariants, not golden answers):
  - exit status 0..3, no signal, no hang (timeout);
  - no protected function passes ats.disabled, and the run does not exit 0,
    while an ATS, PRI or PASID capability that the kernel would find
    (tests/gen/kcaps.py) has its Enable bit set;
  - no acs.path finding through a port passes, and the run does not exit
    0, while that port has an ACS capability the kernel would find with a
    required (and implemented) control bit clear;
  - differential: for every config space gpugate read (-v prints what it
    found: "gpugate: config BDF: N bytes, PCIe ..., ACS ..., ATS ..."),
    the size is the bytes given, and either kcaps.strict_refusal() names
    a documented stricter-than-kernel case and gpugate reports that
    function undetermined, or gpugate is not undetermined and found the
    PCIe, ACS, ATS, PRI and PASID capabilities exactly where the kernel's
    lookups do.
Prints one line per failing case and "N cases (seed S): P passed, F
failed"; exits 1 on any failure.
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REALDATA = REPO.parent / "shared" / "realdata"
TREES = HERE / "trees" / "real"
sys.path.insert(0, str(HERE / "gen"))
import kcaps  # noqa: E402

BIN = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
SEED = 16
CASES = 240
TIMEOUT = 20
ACS_REQ = 0x001F  # SV TB RR CR UF, the policy below
POLICY = """[devices]
bdf = {bdf}
companions = none
[acs]
require = SV TB RR CR UF
forbid = DT
"""
DESC_RE = re.compile(
    r"^gpugate: config (\S+): (\d+) bytes, PCIe 0x([0-9a-f]+) \([^)]*\), "
    r"ACS 0x([0-9a-f]+), ATS 0x([0-9a-f]+), PRI 0x([0-9a-f]+), "
    r"PASID 0x([0-9a-f]+)(; undetermined: .*)?$")
PROT_RE = re.compile(r"^gpugate: protected (\S+) ")


# ---------------------------------------------------------------- sources --

class Source:
    """A host: functions (bdf -> bytearray) and each function's parent."""

    def __init__(self, name, fns, parent, tree=None, paths=None):
        self.name, self.fns, self.parent = name, fns, parent
        self.tree, self.paths = tree, paths or {}

    def path_ports(self, bdf):
        out, p = [], self.parent.get(bdf)
        while p:
            out.append(p)
            p = self.parent.get(p)
        return out

    def endpoints(self):
        return [b for b, c in sorted(self.fns.items()) if c[0x0E] & 0x7F == 0]


def bdf_full(b):
    return b if b.count(":") == 2 else "0000:" + b


def parse_dump(text):
    """Functions of lspci -xxxx output: header line, then "off: xx ..." lines."""
    fns, cur = {}, None
    for line in text.splitlines():
        m = re.match(r"^((?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) ", line)
        if m:
            cur = bdf_full(m.group(1))
            fns[cur] = bytearray()
            continue
        m = re.match(r"^([0-9a-f]{2,3}): ((?:[0-9a-f]{2} ?){1,16})$", line.strip())
        if m and cur is not None:
            off = int(m.group(1), 16)
            data = bytes(int(x, 16) for x in m.group(2).split())
            buf = fns[cur]
            if len(buf) < off:
                buf.extend(b"\xff" * (off - len(buf)))
            buf[off:off + len(data)] = data
    return {b: c for b, c in fns.items() if len(c) >= 64}


def dump_parents(fns):
    """Parent of each function from the bridges' bus numbers (PCI-PCI 3.2.5.3-5)."""
    sec = {}
    for b, c in fns.items():
        if c[0x0E] & 0x7F == 1:
            sec[(b[:-8], c[0x19])] = b
    parent = {}
    for b in fns:
        dom, bus = b[:-8], int(b[-7:-5], 16)
        if (dom, bus) in sec and sec[(dom, bus)] != b:
            parent[b] = sec[(dom, bus)]
    return parent


def load_realdata():
    out = []
    for f in sorted(REALDATA.glob("*-xxxx*")):
        fns = parse_dump(f.read_text(errors="replace"))
        if fns:
            out.append(Source(f.name, fns, dump_parents(fns)))
    return out


def load_tree(tgz, scratch):
    root = Path(tempfile.mkdtemp(prefix="tree-", dir=scratch))
    with tarfile.open(tgz) as t:
        t.extractall(root)
    devs = root / "sys" / "bus" / "pci" / "devices"
    fns, parent, paths = {}, {}, {}
    for link in sorted(devs.iterdir()):
        real = Path(os.path.realpath(link))
        paths[link.name] = real / "config"
        fns[link.name] = bytearray((real / "config").read_bytes())
        up = real.parent.name
        if re.match(r"^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$", up):
            parent[link.name] = up
    return Source(tgz.name, fns, parent, tree=root, paths=paths)


# -------------------------------------------------------------- mutations --

def std_caps(c):
    """Offsets of the standard list as written (at most 48)."""
    out, pos = [], c[0x34] & ~3 if len(c) > 0x34 else 0
    while 0x40 <= pos <= 0xFC and pos not in out and len(out) < 48 and pos + 1 < len(c):
        out.append(pos)
        pos = c[pos + 1] & ~3
    return out


def ext_caps(c):
    out, pos = [], 256
    while 256 <= pos <= 0xFFC and pos not in out and pos + 4 <= len(c) and len(out) < 480:
        h = kcaps.read(c, pos, 4)
        if not h:
            break
        out.append(pos)
        pos = (h >> 20) & 0xFFC
    return out


def put32(c, pos, v):
    if pos + 4 <= len(c):
        c[pos:pos + 4] = v.to_bytes(4, "little")


def m_flip(rng, c):
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(c))
        c[i] = c[i] ^ (1 << rng.randrange(8)) if rng.random() < 0.5 else rng.randrange(256)
    return "flip"


def m_std(rng, c):
    what = rng.choice(["status", "ptr", "next", "id", "fill"])
    caps = std_caps(c)
    if what == "status":
        c[0x06] ^= 0x10
    elif what == "ptr":
        c[0x34] = rng.randrange(256)
    elif what in ("next", "id") and caps:
        pos = rng.choice(caps)
        c[pos + (1 if what == "next" else 0)] = rng.choice(
            [0, 0xFF, 0x3F, 0x40, rng.randrange(256), c[0x34]])
    elif what == "fill":
        fillv = rng.choice([0, 0xFF])
        for i in range(0x40, min(256, len(c))):
            c[i] = fillv
    return "std-" + what


def m_ext(rng, c):
    if len(c) < 4096:
        return m_flip(rng, c)
    ids = [0x000F, 0x0013, 0x001B, 0x000D, 0x0001, 0x0010, rng.randrange(0x10000)]
    slots = sorted(rng.sample(range(0x100, 0x1000, 4), rng.randint(1, 12)))
    if rng.random() < 0.5 and 0x100 not in slots:
        slots[0] = 0x100
    for i, pos in enumerate(slots):
        nxt = slots[i + 1] if i + 1 < len(slots) else 0
        r = rng.random()
        if r < 0.1:
            nxt = rng.choice(slots)  # loop
        elif r < 0.2:
            nxt = rng.randrange(0x1000) & ~3  # anywhere, maybe below 0x100
        elif r < 0.25:
            nxt |= rng.randrange(1, 4)  # reserved low bits
        cid = rng.choice(ids)
        put32(c, pos, cid | rng.randrange(16) << 16 | nxt << 20)
        if rng.random() < 0.5:
            put32(c, pos + 4, rng.choice([0x80000000, 0x00010000, 0x00000001,
                                          0x001F0000, rng.randrange(1 << 32)]))
    return "ext-chain"


def m_trunc(rng, c):
    n = rng.choice([64, 128, 255, 256, 257, 260, rng.randrange(257, 4096), 4092])
    n = min(n, len(c))
    del c[n:]
    return "trunc-%d" % n


def m_hidden(rng, c):
    """Enable ATS/PRI/PASID (add one if needed), then hide the extended space."""
    if len(c) < 4096:
        return m_flip(rng, c)
    name = rng.choice(["ATS", "PRI", "PASID"])
    pos = kcaps.find_ext_capability(c, kcaps.EXT_ID[name])
    if not pos:
        tail = ext_caps(c)
        pos = rng.randrange(0x800, 0xFF0, 8)
        if tail:
            last = tail[-1]
            h = kcaps.read(c, last, 4)
            put32(c, last, (h & 0xFFFFF) | pos << 20)
        else:
            pos = 0x100
        put32(c, pos, kcaps.EXT_ID[name] | 1 << 16)
        put32(c, pos + 4, 0)
    reg, bit = kcaps.ENABLE[name]
    v = kcaps.read(c, pos + reg, 2) | bit
    c[pos + reg:pos + reg + 2] = v.to_bytes(2, "little")
    hide = m_std(rng, c)
    return "hidden-%s-%s" % (name, hide)


def m_acs(rng, c):
    """A port's ACS control with a required bit cleared, maybe hidden too."""
    pos = kcaps.find_ext_capability(c, kcaps.EXT_ID["ACS"])
    if pos:
        ctl = kcaps.read(c, pos + 6, 2) & ~(1 << rng.randrange(5))
        c[pos + 6:pos + 8] = ctl.to_bytes(2, "little")
    tag = m_std(rng, c) if rng.random() < 0.6 else "visible"
    return "acs-clear-" + tag


MUTATIONS = [m_flip, m_std, m_ext, m_trunc, m_hidden]


# --------------------------------------------------------------- running --

def write_dump(path, fns):
    lines = []
    for b, c in sorted(fns.items()):
        lines.append("%s Device" % b)
        for off in range(0, len(c), 16):
            chunk = c[off:off + 16]
            lines.append("%02x: %s" % (off, " ".join("%02x" % x for x in chunk)))
        lines.append("")
    path.write_text("\n".join(lines) + "\n")


def run(args, policy_path):
    cmd = [BIN, "-p", str(policy_path), "-v", "-f", "json", *args, "check"]
    t = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, "timeout after %d s" % TIMEOUT, 0
    return p, None, time.monotonic() - t


def judge(p, fns, src, target):
    """Invariant and differential failures of one run, as strings."""
    errs = []
    if p.returncode < 0 or p.returncode > 3:
        return ["exit status %d" % p.returncode]
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        return ["no JSON report (exit %d): %s" % (p.returncode, p.stderr[-300:])]
    findings = rep.get("checks", [])
    protected = [m.group(1) for m in map(PROT_RE.match, p.stderr.splitlines()) if m]
    for d in protected:
        if d not in fns:
            continue
        en = kcaps.enabled_translation(fns[d])
        ats = [f for f in findings if f["id"] == "ats.disabled" and f["device"] == d]
        if en and (p.returncode == 0 or any(f["status"] == "pass" for f in ats)):
            errs.append("%s: %s enabled (kernel finds it), yet exit %d, ats.disabled %s"
                        % (d, "+".join(en), p.returncode, [f["status"] for f in ats]))
        for port in src.path_ports(d):
            errs += acs_violation(port, fns.get(port), d, findings, p.returncode)
    for m in map(DESC_RE.match, p.stderr.splitlines()):
        if m:
            errs += differ(m, fns)
    return errs


def acs_violation(port, cfg, d, findings, rc):
    regs = kcaps.acs_regs(cfg) if cfg else None
    if not regs:
        return []
    cap, ctl = regs
    missing = ACS_REQ & cap & ~ctl
    if not missing:
        return []
    fs = [f for f in findings if f["id"] == "acs.path" and f["device"] == d and
          f.get("port") == port]
    if rc == 0 or any(f["status"] in ("pass", "warn") for f in fs):
        return ["%s: port %s ACS ctl 0x%04x lacks 0x%04x, yet exit %d, acs.path %s"
                % (d, port, ctl, missing, rc, [f["status"] for f in fs])]
    return []


def differ(m, fns):
    bdf, size = m.group(1), int(m.group(2))
    got = dict(zip(("PCIe", "ACS", "ATS", "PRI", "PASID"),
                   (int(m.group(i), 16) for i in range(3, 8))))
    undetermined = m.group(8) is not None
    cfg = fns.get(bdf)
    if cfg is None:
        return ["%s: gpugate read a function the input does not have" % bdf]
    if size != len(cfg) and not (len(cfg) < 256 and size < len(cfg) and undetermined):
        # below 256 bytes libpci reads whole blocks only: 64 of 64..255
        return ["%s: gpugate read %d bytes, the input has %d" % (bdf, size, len(cfg))]
    why = kcaps.strict_refusal(cfg)
    if why:
        return [] if undetermined else [
            "%s: %s, yet gpugate answered %s" % (bdf, why, got)]
    if undetermined:
        return ["%s: gpugate undetermined (%s), the kernel's rules answer %s"
                % (bdf, m.group(8)[16:], kcaps.found(cfg))]
    want = kcaps.found(cfg)
    if got != want:
        return ["%s: gpugate found %s, the kernel %s" % (bdf, got, want)]
    return []


def one_case(rng, k, sources, scratch):
    src = rng.choice(sources + [s for s in sources if s.tree] * 2)  # the lab tree: 1 in 3
    targets = src.endpoints()
    if not targets:
        return src.name, "no endpoint", []
    big = [b for b in targets if len(src.fns[b]) == 4096]
    target = rng.choice(big if big and rng.random() < 0.75 else targets)
    ports = src.path_ports(target)
    victim = target if not ports or rng.random() < 0.75 else rng.choice(ports)
    fns = {b: bytearray(c) for b, c in src.fns.items()}
    mut = m_acs if victim != target and rng.random() < 0.5 else rng.choice(MUTATIONS)
    tag = "%s %s:%s" % (victim, mut.__name__[2:], mut(rng, fns[victim]))
    pol = scratch / "policy.conf"
    pol.write_text(POLICY.format(bdf=target))
    errs = []
    dump = scratch / "dump.txt"
    write_dump(dump, fns)
    for where, args in (("dump", ["--lspci-dump", str(dump)]),
                        ("tree", ["--root", str(src.tree)]) if src.tree else (None, None)):
        if not where:
            continue
        if where == "tree":
            src.paths[victim].write_bytes(bytes(fns[victim]))
        try:
            p, err, _ = run(args, pol)
            errs += ["%s: %s" % (where, e) for e in ([err] if err else judge(p, fns, src, target))]
        finally:
            if where == "tree":
                src.paths[victim].write_bytes(bytes(src.fns[victim]))
    return src.name, tag, errs


def named_cases(scratch, sources):
    """The captured tree passes; the three reproductions of issue 16 on it: exit 3, named."""
    trees = [s for s in sources if s.tree]
    if not trees:
        return ["no captured tree in %s" % TREES]
    src, bdf = trees[0], "0000:01:00.0"
    cases = {"status-bit-cleared": (0x06, lambda v: v & ~0x10,
                                    "Capabilities List bit clear"),
             "pointer-0x34=0x61": (0x34, lambda v: 0x61, "no PCI Express capability"),
             "byte-0xb5-changed": (0xB5, lambda v: 0x00, "no PCI Express capability")}
    errs = []
    pol = scratch / "policy.conf"
    pol.write_text(POLICY.format(bdf=bdf))
    # the control: the tree as the kernel left it holds the policy, so the
    # exit 3 below comes from the mutation alone
    p, err, _ = run(["--root", str(src.tree)], pol)
    if err or p.returncode != 0:
        errs.append("pristine captured tree: exit %s, want 0" % (err or p.returncode))
    else:
        print("ok pristine captured tree: exit 0")
    for name, (off, fn, want) in cases.items():
        c = bytearray(src.fns[bdf])
        c[0x107] |= 0x80  # ATS Enable, ATS at 0x100
        c[off] = fn(c[off])
        src.paths[bdf].write_bytes(bytes(c))
        try:
            p, err, _ = run(["--root", str(src.tree)], pol)
        finally:
            src.paths[bdf].write_bytes(bytes(src.fns[bdf]))
        if err or p.returncode != 3:
            errs.append("%s: exit %s, want 3" % (name, err or p.returncode))
            continue
        rep = json.loads(p.stdout)
        acc = [f for f in rep["checks"] if f["id"] == "access.config" and
               f["device"] == bdf and want in f.get("message", "")]
        if not acc:
            errs.append("%s: no access.config finding naming '%s'" % (name, want))
        print("ok %s: exit 3, access.config: %s" % (name, acc[0]["message"] if acc else "?"))
    return errs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--cases", type=int, default=CASES)
    ap.add_argument("--case", type=int, help="run only this case of the seed")
    a = ap.parse_args()
    if not REALDATA.is_dir():
        print("FAIL %s is missing (expected REPO/../shared/realdata)" % REALDATA)
        return 1
    print("run-hostile: seed %d, %d cases (replay: tests/run-hostile.py --seed %d --case K)"
          % (a.seed, a.cases, a.seed))
    t0 = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="gpugate-hostile-"))
    try:
        sources = load_realdata() + [load_tree(t, scratch) for t in sorted(TREES.glob("*.tar.gz"))]
        failed = named_cases(scratch, sources)
        for e in failed:
            print("FAIL named: %s" % e)
        rng, classes, bad = random.Random(a.seed), {}, len(failed)
        for k in range(a.cases):
            state = rng.random()
            if a.case is not None and k != a.case:
                continue
            name, tag, errs = one_case(random.Random(state), k, sources, scratch)
            kind = tag.split(" ")[-1].split(":")[0]
            classes[kind] = classes.get(kind, 0) + 1
            for e in errs:
                print("FAIL case %d (%s, %s): %s" % (k, name, tag, e))
            bad += bool(errs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    n = a.cases if a.case is None else 1
    print("run-hostile: %d cases (seed %d; %s) in %.1f s: %d passed, %d failed"
          % (n + 4, a.seed, ", ".join("%s %d" % kv for kv in sorted(classes.items())),
             time.monotonic() - t0, n + 4 - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
