#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Run `gpugate --lspci-dump FILE` on real and generated lspci dumps.

Real dumps: every file of shared/realdata (beside the repository: CI has a
read-only copy of shared/ next to the clone, resolved as REPO/../shared)
that holds config hex is audited and its findings are asserted; each test
says what the file shows. Derived dumps (a real file cut to -xxx or -x
length, filtered, or with one capability rewritten) cover what no public
dump shows. shared/ missing is a failure, never a skip: CI provides it.

Generated dumps: for a set of tests/trees scenarios, the tree is built with
tests/gen/mktree.py, dumped with the real lspci

    lspci -A linux-sysfs -O sysfs.path=TREE/sys/bus/pci -D [-vvv] -xxxx

and `--lspci-dump` must reach the same acs.path, acs.peers, acs.enhanced
and ats.disabled findings (device, port, status, found value) as `--root` on
the same tree.

Prints "ok NAME" or "FAIL NAME: reason" per test, then "N passed, M
failed"; exits 1 on any failure.

    tests/run-lspci-dump.py [-k SUBSTRING] [--list]

Env: GPUGATE (binary, default build/gpugate).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REALDATA = REPO.parent / "shared" / "realdata"
sys.path.insert(0, str(HERE / "gen"))
sys.path.insert(0, str(HERE / "report"))
import report_schema  # noqa: E402  (every report is validated)
import mktree  # noqa: E402

BIN = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
TIMEOUT = 60
# Checks that read live host state: skipped on a dump, never passed.
LIVE_IDS = {"cmdline.iommu", "cmdline.identity", "cmdline.strict",
            "cmdline.noats", "cmdline.forbidden", "iommu.active",
            "iommu.domain", "iommu.irq_remap", "group.isolated",
            "card.functions", "bind.vfio",
            "driver.host", "baseline.topology", "baseline.rom"}
# Checks a dump can answer.
DUMP_IDS = {"acs.path", "acs.peers", "acs.enhanced", "ats.disabled",
            "nvlink.nvswitch", "devices.none", "access.config"}
COMPARED = ("acs.path", "acs.peers", "acs.enhanced", "ats.disabled")
EXT_UNREADABLE = "cannot read extended config space"

TESTS = []


def scratch_base():
    """/dev/shm when writable (trees are many small files), else tmp."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return str(shm)
    return None


class Failure(Exception):
    pass


def test(fn):
    TESTS.append(fn)
    return fn


def need(cond, what):
    if not cond:
        raise Failure(what)


# ------------------------------------------------------------ running --

class Run:
    """One gpugate run: exit code, stdout (parsed when JSON), stderr."""

    def __init__(self, rc, out, err, rep):
        self.rc, self.out, self.err, self.rep = rc, out, err, rep

    def checks(self, cid=None, device=None, port=None):
        out = []
        for c in self.rep["checks"] if self.rep else []:
            if cid is not None and c["id"] != cid:
                continue
            if device is not None and c.get("device") != device:
                continue
            if port is not None and c.get("port") != port:
                continue
            out.append(c)
        return out

    def one(self, cid, device=None, port=None):
        got = self.checks(cid, device, port)
        need(len(got) == 1, "expected one %s finding for %s%s, got %d: %s" % (
            cid, device or "host", " port %s" % port if port else "",
            len(got), [c["message"][:80] for c in got]))
        return got[0]

    def failing(self):
        return {c["id"] for c in self.checks() if c["status"] == "fail"}

    def devices(self):
        return [d["bdf"] for d in self.rep["devices"]]


def gpugate(args, policy="", command="check", fmt="json"):
    """Run gpugate with @policy text (empty: built-in defaults)."""
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as pol:
        pol.write(policy)
        pol.flush()
        cmd = [BIN, "-p", pol.name, *args]
        if fmt:
            cmd += ["-f", fmt]
        r = subprocess.run(cmd + [command], capture_output=True, text=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    rep = None
    if fmt == "json" and r.returncode != 2:
        try:
            rep = report_schema.loads(r.stdout)
        except ValueError as e:
            raise Failure("stdout is not JSON (%s): %r; stderr %r" % (
                e, r.stdout[:200], r.stderr[-200:]))
    need(r.returncode >= 0, "killed by signal %d" % -r.returncode)
    return Run(r.returncode, r.stdout, r.stderr, rep)


def dump_run(path, policy="", command="check", fmt="json"):
    return gpugate(["--lspci-dump", str(path)], policy, command, fmt)


def expect_exit(run, code):
    need(run.rc == code, "exit %d, expected %d; stderr %r" % (
        run.rc, code, run.err[-300:]))
    if run.rep is not None:
        want = {0: "pass", 1: "fail", 3: "error"}[code]
        need(run.rep["result"] == want, "result %r, expected %r" % (
            run.rep["result"], want))


def expect_live_skipped(run):
    """Every live-state check is one host-level skip naming the dump."""
    for cid in sorted(LIVE_IDS):
        f = run.one(cid)
        need(f["status"] == "skip" and f.get("device") is None,
             "%s is %s on a dump, expected a host-level skip" % (
                 cid, f["status"]))
        need("not available from an lspci dump" in f["message"],
             "%s skip does not say why: %r" % (cid, f["message"]))


def undetermined(f):
    return f["status"] == "fail" and f["actual"] == "unknown"


def expect_unknown(f, text):
    need(undetermined(f), "%s %s%s is %s/%r, expected undetermined" % (
        f["id"], f.get("device"), " port %s" % f["port"] if f.get("port")
        else "", f["status"], f["actual"]))
    need(text in f["message"], "%s message lacks %r: %r" % (
        f["id"], text, f["message"]))


def expect_ext_unknown(run, gpu, port=None):
    """A dump cut to 256 bytes: the GPU's ACS path and ATS are undetermined
    (extended config space unreadable), and no ACS/ATS value is claimed."""
    expect_exit(run, 3)
    if port:
        expect_unknown(run.one("acs.path", gpu, port), EXT_UNREADABLE)
    expect_unknown(run.one("ats.disabled", gpu), EXT_UNREADABLE)
    expect_never_off(run)


def expect_never_off(run):
    """No ACS/ATS finding claims a value: all of them are unknown."""
    for c in run.checks():
        if c["id"] not in COMPARED:
            continue
        if c["id"] == "acs.enhanced" and c["status"] == "skip":
            continue            # off in the policy: it claims no value
        need(undetermined(c), "%s %s port %s is %s/%r: a short dump must "
             "leave ACS/ATS unknown, never off or absent" % (
                 c["id"], c.get("device"), c.get("port"), c["status"],
                 c["actual"]))


# --------------------------------------------------------- dump text --

HEADER = re.compile(r"^(?:([0-9a-f]{4}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-7]) ")
HEXLINE = re.compile(r"^([0-9a-f]{2,3}): ((?:[0-9a-f]{2} ?)+)$")


def records(text):
    """Split dump text into [bdf or None, [lines]] blocks, in order."""
    out = [[None, []]]
    for line in text.split("\n"):
        m = HEADER.match(line)
        if m:
            out.append([(m.group(1) or "0000") + ":%s:%s.%s" % m.groups()[1:],
                        []])
        out[-1][1].append(line)
    return out


def join(recs):
    return "\n".join(line for _, lines in recs for line in lines)


def keep_records(text, pred):
    """Keep the text before the first record and the records pred likes."""
    return join([r for r in records(text) if r[0] is None or pred(r[0])])


def truncate(text, nbytes):
    """Drop every hex line at or past @nbytes (as -xxx or -x would)."""
    out = []
    for line in text.split("\n"):
        m = HEXLINE.match(line)
        if m and int(m.group(1), 16) >= nbytes:
            continue
        out.append(line)
    return "\n".join(out)


def config_of(text, bdf):
    """The config bytes of @bdf's record."""
    for rbdf, lines in records(text):
        if rbdf != bdf:
            continue
        data = bytearray()
        for line in lines:
            m = HEXLINE.match(line)
            if m:
                off = int(m.group(1), 16)
                vals = bytes.fromhex(m.group(2))
                data[len(data):] = bytes(max(0, off + len(vals) - len(data)))
                data[off:off + len(vals)] = vals
        return data
    raise Failure("no record %s in the dump" % bdf)


def patch(text, bdf, offset, new):
    """Overwrite bytes @new at @offset in @bdf's hex lines."""
    recs = records(text)
    for rec in recs:
        if rec[0] != bdf:
            continue
        for i, line in enumerate(rec[1]):
            m = HEXLINE.match(line)
            if not m:
                continue
            base = int(m.group(1), 16)
            vals = bytearray(bytes.fromhex(m.group(2)))
            for k, b in enumerate(new):
                if base <= offset + k < base + len(vals):
                    vals[offset + k - base] = b
            rec[1][i] = "%s: %s" % (m.group(1), " ".join(
                "%02x" % b for b in vals))
        return join(recs)
    raise Failure("no record %s in the dump" % bdf)


def ext_caps(cfg):
    """[(offset, id)] of the extended capability list, in walk order."""
    out, pos, seen = [], 0x100, set()
    while pos and pos not in seen and pos + 4 <= len(cfg):
        seen.add(pos)
        hdr = int.from_bytes(cfg[pos:pos + 4], "little")
        out.append((pos, hdr & 0xffff))
        pos = (hdr >> 20) & 0xffc
    return out


# ------------------------------------------------------------ realdata --

def real(prefix):
    need(REALDATA.is_dir(), "%s is missing: the real lspci dumps come from "
         "shared/ beside the repository (CI provides it)" % REALDATA)
    got = sorted(REALDATA.glob(prefix + "*"))
    need(len(got) == 1, "expected one %s* in %s, found %d" % (
        prefix, REALDATA, len(got)))
    return got[0]


class Scratch:
    """A temporary directory for derived dumps."""

    def __enter__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="gpugate-lspci-dump-",
                                         dir=scratch_base()))
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        p = self.dir / name
        p.write_text(text)
        return p


AER_ROOT = "pciutils-test-cap-aer-root_"
LNKCAP2 = "pciutils-test-cap-exp-lnkcap2_"
PASID_PRI = "pciutils-test-cap-pasid-pri_"
PRI_PASID = "pciutils-test-pri-pasid_"
BROKEN = "pciutils-test-broken-ecaps_"
DPC = "pciutils-test-cap-dpc_"
PLX = "supermicro-sys-4028gr-tr_"
NO_HEX = ("dell-poweredge-13g_", "dell-poweredge-c4140_",
          "supermicro-as-4124gs-tnr_")
CONNECTX = "[devices]\nmatch = 15b3:*:0200\n"


@test
def shared_realdata_present():
    """CI has shared/ beside the clone; without it the real dumps are lost."""
    need(REALDATA.is_dir(), "%s is missing (expected REPO/../shared/realdata)"
         % REALDATA)
    need(any(REALDATA.glob("pciutils-test-*")), "no pciutils-test-* in %s" %
         REALDATA)


@test
def aer_root_rootport_acs_001f_protects_connectx():
    """Haswell-E root port 00:02.0, ACS at 0x110 with ctl 0x001f (SV TB RR
    CR UF), above a ConnectX-3 Pro (15b3:1007, class 0200) on bus 03.
    Protecting the NIC, every check a dump can answer passes and every
    live-state check is skipped, saying why."""
    r = dump_run(real(AER_ROOT), CONNECTX)
    expect_exit(r, 0)
    f = r.one("acs.path", "0000:03:00.0", "0000:00:02.0")
    need(f["status"] == "pass" and f["actual"] == "ctl 0x001f",
         "acs.path on the root port: %s %r" % (f["status"], f["actual"]))
    need(r.one("acs.peers", "0000:03:00.0")["status"] == "pass",
         "acs.peers does not pass")
    f = r.one("ats.disabled", "0000:03:00.0")
    need(f["status"] == "pass" and f["actual"] == "no ATS capability",
         "ats.disabled: %s %r" % (f["status"], f["actual"]))
    need(r.one("access.config")["status"] == "pass", "access.config fails")
    expect_live_skipped(r)
    need(r.devices() == ["0000:03:00.0"], "devices %s" % r.devices())
    need(r.rep["devices"][0]["path"] == ["0000:00:02.0"],
         "path %s, expected the root port" % r.rep["devices"][0]["path"])
    need(r.rep["devices"][0]["group"] is None, "a dump has no IOMMU group")


@test
def aer_root_default_policy_protects_nothing():
    """No NVIDIA function in the file: devices.none is the only failure."""
    r = dump_run(real(AER_ROOT))
    expect_exit(r, 1)
    need(r.failing() == {"devices.none"}, "failing %s" % r.failing())


@test
def lnkcap2_mx150_under_rootport_acs_off_fails():
    """Lenovo laptop: root port 00:1c.0 (ACS cap 0x000f, ctl 0x0000) above
    an NVIDIA GP108M MX150 (10de:1d10, class 0302, default policy). acs.path
    fails on the root port. The file also holds a Thunderbolt 3 downstream
    port 08:00.0 (bus 08) without the port above it, which could be a peer
    of 00:1c.0: acs.peers and access.config are undetermined (exit 3)."""
    r = dump_run(real(LNKCAP2))
    expect_exit(r, 3)
    f = r.one("acs.path", "0000:02:00.0", "0000:00:1c.0")
    need(f["status"] == "fail" and not undetermined(f) and
         f["actual"].startswith("ctl 0x0000 (cap 0x000f)"),
         "acs.path: %s %r" % (f["status"], f["actual"]))
    expect_unknown(r.one("acs.peers", "0000:02:00.0"), "0000:08:00.0")
    expect_unknown(r.one("access.config", "0000:08:00.0"),
                   "downstream port on bus 08, which no bridge in the dump "
                   "leads to")
    f = r.one("ats.disabled", "0000:02:00.0")
    need(f["status"] == "pass", "ats.disabled on the MX150: %s" % f["status"])
    expect_live_skipped(r)


@test
def lnkcap2_without_thunderbolt_records_fails_on_acs_only():
    """The same file without the two Thunderbolt records: nothing is lost,
    and acs.path is the only failure (exit 1)."""
    with Scratch() as s:
        p = s.write("lnkcap2-gpu.txt", keep_records(
            real(LNKCAP2).read_text(),
            lambda b: b in ("0000:00:1c.0", "0000:02:00.0")))
        r = dump_run(p)
    expect_exit(r, 1)
    need(r.failing() == {"acs.path"}, "failing %s" % r.failing())
    need(r.one("acs.peers", "0000:02:00.0")["status"] == "pass",
         "acs.peers does not pass")


@test
def lnkcap2_nvidia_ext_caps_walked_past_descending_pointer():
    """The MX150's extended capabilities are not in ascending order
    (0x100 0x250 0x258 0x128 0x420 ...). Turning the first capability
    reached by a descending pointer into an ATS capability with Enable set
    must make ats.disabled fail: the walk follows next pointers down."""
    text = real(LNKCAP2).read_text()
    chain = ext_caps(config_of(text, "0000:02:00.0"))
    need([o for o, _ in chain][:4] == [0x100, 0x250, 0x258, 0x128],
         "MX150 ext caps %s" % ["%x" % o for o, _ in chain])
    down = next(o for (p, _), (o, _) in zip(chain, chain[1:]) if o < p)
    hdr = int.from_bytes(config_of(text, "0000:02:00.0")[down:down + 4],
                         "little")
    ats = (hdr & 0xfff00000) | (1 << 16) | 0x000f
    text = patch(text, "0000:02:00.0", down, ats.to_bytes(4, "little"))
    text = patch(text, "0000:02:00.0", down + 6, b"\x00\x80")
    with Scratch() as s:
        r = dump_run(s.write("lnkcap2-ats.txt", text))
    f = r.one("ats.disabled", "0000:02:00.0")
    need(f["status"] == "fail" and f["actual"].startswith("ATS enabled"),
         "ats.disabled with ATS at 0x%x: %s %r" % (down, f["status"],
                                                   f["actual"]))


@test
def pasid_pri_skylake_igpu_ats_enabled_fails():
    """Skylake integrated graphics 00:02.0 (8086:1916, a root complex
    integrated endpoint on bus 00): ATS at 0x200 with ATSCtl 0x8000."""
    r = dump_run(real(PASID_PRI), "[devices]\nmatch = 8086:*:0300\n")
    expect_exit(r, 1)
    need(r.failing() == {"ats.disabled"}, "failing %s" % r.failing())
    f = r.one("ats.disabled", "0000:00:02.0")
    need(f["actual"].startswith("ATS enabled"), "found %r" % f["actual"])
    f = r.one("acs.path", "0000:00:02.0")
    need(f["status"] == "pass" and "no bridge" in f["message"],
         "acs.path of an integrated endpoint: %s %r" % (f["status"],
                                                       f["message"]))
    expect_live_skipped(r)


@test
def pri_pasid_dsa_ats_and_pasid_enabled_fails():
    """Intel DSA 6a:01.0 (8086:0b25, class 0880, integrated endpoint on root
    bus 6a): ATS at 0x220 enabled, PASID enabled."""
    r = dump_run(real(PRI_PASID), "[devices]\nmatch = 8086:0b25:*\n")
    expect_exit(r, 1)
    need(r.failing() == {"ats.disabled"}, "failing %s" % r.failing())
    f = r.one("ats.disabled", "0000:6a:01.0")
    need("ATS enabled" in f["actual"] and "PASID enabled" in f["actual"],
         "found %r" % f["actual"])


@test
def broken_ecaps_rs690_not_needed_by_default_policy():
    """ATI RS690 host bridge 00:00.0, whose bytes 0x100-0xfff mirror the
    header. Nothing protects it, so its config space is never parsed."""
    r = dump_run(real(BROKEN))
    expect_exit(r, 1)
    need(r.failing() == {"devices.none"}, "failing %s" % r.failing())
    need(r.one("access.config")["status"] == "pass", "access.config fails")


@test
def broken_ecaps_rs690_aliased_host_bridge_is_undetermined():
    """Protected (1002:7911:0600), the RS690 host bridge has no Capabilities
    List bit (Status 0x2220), but the dump holds 4096 bytes, and a host
    bridge is one of the functions the kernel sizes at 4096
    (pci_cfg_space_size()). So the extended space is walked, whatever the
    standard list says (issue 16), and its aliasing of the header is an
    error, never "no ATS capability"."""
    r = dump_run(real(BROKEN), "[devices]\nmatch = 1002:7911:0600\n")
    expect_exit(r, 3)
    expect_unknown(r.one("access.config", "0000:00:00.0"),
                   "aliases the header (0x79111002)")


@test
def broken_ecaps_aliased_ext_space_of_pcie_function_is_error():
    """The same bytes with the Capabilities List bit set and the capability
    at 0xc4 turned into a PCIe one (integrated endpoint): now the extended
    space is needed, and its aliasing of the header is an error."""
    text = real(BROKEN).read_text()
    text = patch(text, "0000:00:00.0", 0x06, b"\x30\x22")
    text = patch(text, "0000:00:00.0", 0xc4, b"\x10\x00\x92\x00")
    with Scratch() as s:
        r = dump_run(s.write("rs690-pcie.txt", text),
                     "[devices]\nmatch = 1002:7911:0600\n")
    expect_exit(r, 3)
    expect_unknown(r.one("access.config", "0000:00:00.0"),
                   "aliases the header (0x79111002)")
    expect_unknown(r.one("ats.disabled", "0000:00:00.0"), "aliases the header")


@test
def supermicro_plx_256_byte_dump_leaves_acs_ats_unknown():
    """nvidia-bug-report of a SYS-4028GR-TR: 4 GTX 1080 Ti (10de:1b06) and
    their audio functions behind two PLX PEX 8747 switches, dumped with
    -xxx (256 bytes), followed by `lspci -t` and `lspci -nn` lines. The
    DSPs list ACS at [f24], beyond the dump: ACS and ATS are unknown
    (exit 3), never off or absent. The -nn lines add functions without a
    config header (unknown identity), and the root ports above the
    switches are among them, so the upstream ports sit on no known bus."""
    r = dump_run(real(PLX))
    expect_exit(r, 3)
    gpus = ["0000:%02x:00.0" % b for b in (4, 5, 8, 9)]
    need(r.devices() == sorted(gpus + [g[:-1] + "1" for g in gpus]),
         "protected %s" % r.devices())
    for g in gpus:
        expect_unknown(r.one("acs.path", g), EXT_UNREADABLE)
        expect_unknown(r.one("ats.disabled", g), EXT_UNREADABLE)
        expect_unknown(r.one("acs.peers", g), "0000:02:00.0")
    expect_never_off(r)
    lost = r.one("access.config", "0000:00:02.0")
    expect_unknown(lost, "without its config header")
    v = dump_run(real(PLX), command="show", fmt=None)
    expect_exit(v, 0)
    need(re.search(r"0000:03:08\.0 .*config unreadable: " + EXT_UNREADABLE,
                   v.out), "show does not call DSP 03:08.0's ACS unknown")
    need("upstream port on bus 02, which no bridge in the dump leads to"
         in v.out, "show does not say the root port above 02:00.0 is lost")


@test
def supermicro_plx_hex_sections_only_still_lose_root_ports():
    """Only the two `lspci -d ... -v -xxx` sections: the PLX upstream ports
    (bus 02 and 06) need a root port, which the -d filter left out."""
    text = real(PLX).read_text()
    text = text.split("/usr/bin/lspci -t")[0]
    with Scratch() as s:
        r = dump_run(s.write("plx-hex.txt", text))
    expect_exit(r, 3)
    need(not any("without its config header" in c["message"]
                 for c in r.checks()), "list lines left in the cut file")
    expect_unknown(r.one("acs.peers", "0000:04:00.0"), "0000:02:00.0")
    expect_never_off(r)


@test
def cap_dpc_plx_downstream_port_256_bytes():
    """pciutils cap-dpc: PLX downstream port 05:01.0 (10b5:9716) with ACS at
    [f24]; the file holds -vvv text and a 256-byte hex dump (the README
    calls it -vvv only). Protected, its ATS is unknown and its place lost
    (a downstream port needs an upstream port above it)."""
    r = dump_run(real(DPC), "[devices]\nmatch = 10b5:9716:0604\n")
    expect_exit(r, 3)
    expect_unknown(r.one("ats.disabled", "0000:05:01.0"), EXT_UNREADABLE)
    expect_unknown(r.one("acs.path", "0000:05:01.0"), "cannot resolve")
    expect_never_off(r)


@test
def vvv_text_without_hex_is_undetermined():
    """The Dell 13G, Dell C4140 and Supermicro AS-4124GS files are -vvv(nn)
    text only: no config bytes, so nothing can be audited (exit 3)."""
    for prefix in NO_HEX:
        r = dump_run(real(prefix))
        expect_exit(r, 3)
        expect_unknown(r.one("access.config"), "no config bytes")
        need("not lspci -x output" in r.err, "stderr %r" % r.err[-200:])


# ------------------------------------------- derived from cap-aer-root --

@test
def aer_root_cut_to_256_bytes_acs_unknown():
    """-xxx of the same host: the root port's ACS at 0x110 is unknown."""
    with Scratch() as s:
        r = dump_run(s.write("aer-256.txt", truncate(
            real(AER_ROOT).read_text(), 0x100)), CONNECTX)
    expect_ext_unknown(r, "0000:03:00.0", "0000:00:02.0")


@test
def aer_root_cut_to_64_bytes_acs_unknown():
    """-x of the same host: no capability list at all, all unknown."""
    with Scratch() as s:
        r = dump_run(s.write("aer-64.txt", truncate(
            real(AER_ROOT).read_text(), 0x40)), CONNECTX)
    expect_exit(r, 3)
    for c in r.checks("acs.path") + r.checks("ats.disabled"):
        expect_unknown(c, "capabilities need 256")
    need(r.checks("acs.path"), "no acs.path finding")
    expect_never_off(r)


@test
def aer_root_endpoint_alone_has_no_known_path():
    """Filtered to the NIC (as `lspci -d 15b3: -xxxx` would): an endpoint on
    a bus no bridge leads to has lost its root port; acs.path must not pass
    it as an integrated endpoint."""
    with Scratch() as s:
        r = dump_run(s.write("nic-only.txt", keep_records(
            real(AER_ROOT).read_text(), lambda b: b == "0000:03:00.0")),
            CONNECTX)
    expect_exit(r, 3)
    expect_unknown(r.one("acs.path", "0000:03:00.0"), "cannot resolve")
    expect_unknown(r.one("access.config", "0000:03:00.0"),
                   "endpoint on bus 03, which no bridge in the dump leads to")


@test
def aer_root_bus_inside_range_without_its_bridge():
    """The root port's range widened to buses 03-05 and the NIC moved to bus
    04: bus 04 lies behind 00:02.0, but no bridge leads to it."""
    text = real(AER_ROOT).read_text()
    text = patch(text, "0000:00:02.0", 0x1a, b"\x05")
    text = text.replace("\n03:00.0 ", "\n04:00.0 ")
    with Scratch() as s:
        r = dump_run(s.write("hole.txt", text), CONNECTX)
    expect_exit(r, 3)
    expect_unknown(r.one("access.config", "0000:04:00.0"),
                   "bus 04 is behind 0000:00:02.0 (buses 03-05)")


@test
def list_line_of_dumped_function_is_merged():
    """An `lspci -nn` line for a function the file dumps adds nothing; one
    for a function it does not dump is a function of unknown identity."""
    text = real(AER_ROOT).read_text().rstrip("\n")
    nn = "03:00.0 Ethernet controller [0200]: Mellanox [15b3:1007]\n"
    with Scratch() as s:
        r = dump_run(s.write("merged.txt", text + "\n\n" + nn), CONNECTX)
        expect_exit(r, 0)
        extra = "00:1f.0 ISA bridge [0601]: Intel [8086:8d44]\n"
        r = dump_run(s.write("extra.txt", text + "\n\n" + nn + extra),
                     CONNECTX)
    expect_exit(r, 3)
    expect_unknown(r.one("access.config", "0000:00:1f.0"),
                   "without its config header")
    need(r.one("acs.path", "0000:03:00.0")["status"] == "pass",
         "acs.path no longer passes")


@test
def two_dumps_of_one_function_are_an_error():
    text = real(AER_ROOT).read_text()
    nic = keep_records(text, lambda b: b == "0000:03:00.0")
    with Scratch() as s:
        r = dump_run(s.write("twice.txt", text.rstrip("\n") + "\n\n" + nic),
                     CONNECTX)
    expect_exit(r, 3)
    expect_unknown(r.one("access.config", "0000:03:00.0"),
                   "more than one config dump")


@test
def crlf_line_endings_read_alike():
    with Scratch() as s:
        r = dump_run(s.write("crlf.txt", real(AER_ROOT).read_text().replace(
            "\n", "\r\n")), CONNECTX)
    expect_exit(r, 0)


def expect_line_refused(new, why):
    """The AER root dump with its "10: " line starting @new instead: the
    scan fails, access.config is undetermined with @why and names the
    file."""
    text = real(AER_ROOT).read_text().replace("\n10: ", new, 1)
    with Scratch() as s:
        p = s.write("damaged.txt", text)
        r = dump_run(p, CONNECTX)
    expect_exit(r, 3)
    expect_unknown(r.one("access.config"), why)
    need(str(p) in r.one("access.config")["message"], "file not named")


@test
def malformed_hex_line_is_undetermined():
    """libpci's dump reader rejects a broken hex line: the scan fails and
    the run is undetermined, naming the file."""
    expect_line_refused("\n10: 0 ", "Malformed line")


@test
def offset_beyond_config_space_is_undetermined():
    """A hex line offset of 80000000 or more is negative in libpci 3.9's
    reader, which then writes before its buffer (a crash, or silent heap
    damage): gpugate refuses any offset of 4096 or more before libpci reads
    the file, naming file and line (found by fuzz_dump)."""
    expect_line_refused("\nffffff00: ", "config offset ffffff00 is beyond")


# ----------------------------------------------------------- commands --

@test
def lspci_dump_refuses_root_and_writing_commands():
    """--root and --lspci-dump exclude each other; enforce, gate, baseline
    and snapshot need the live system: all exit 2."""
    p = real(AER_ROOT)
    r = gpugate(["--lspci-dump", str(p), "--root", "/"], fmt=None)
    need(r.rc == 2 and "mutually exclusive" in r.err, "--root: %d %r" % (
        r.rc, r.err))
    for cmd in ("enforce", "gate", "baseline"):
        r = gpugate(["--lspci-dump", str(p)], command=cmd, fmt=None)
        need(r.rc == 2 and "cannot run on an lspci dump" in r.err,
             "%s: exit %d %r" % (cmd, r.rc, r.err))
    with Scratch() as s:
        r = gpugate(["--lspci-dump", str(p), "snapshot"],
                    command=str(s.dir / "o.tar"), fmt=None)
        need(r.rc == 2, "snapshot: exit %d %r" % (r.rc, r.err))
        need(not (s.dir / "o.tar").exists(), "snapshot wrote a file")
    r = gpugate(["--lspci-dump", "/nonexistent/dump.txt"], fmt=None)
    need(r.rc == 2 and "No such file" in r.err, "missing file: %d %r" % (
        r.rc, r.err))
    r = gpugate(["--lspci-dump", str(REALDATA)], fmt=None)
    need(r.rc == 2, "a directory: exit %d" % r.rc)


@test
def show_and_cmdline_work_on_a_dump():
    """show prints the path with ACS from the dump and no invented group or
    driver; cmdline names the root port for pci=config_acs= and no IOMMU
    parameter of the auditing machine."""
    v = dump_run(real(LNKCAP2), command="show", fmt=None)
    expect_exit(v, 0)
    need("0000:00:1c.0  root port" in v.out and "ctl 0x0000" in v.out,
         "show lacks the root port's ACS: %r" % v.out)
    need("group: unknown (not in an lspci dump)" in v.out and
         "driver unknown" in v.out, "show invents group or driver")
    c = dump_run(real(LNKCAP2), command="cmdline", fmt=None)
    expect_exit(c, 0)
    lines = c.out.splitlines()
    need(lines and "intel_iommu" not in lines[0], "cmdline %r" % c.out)
    need(any(re.match(r"pci=config_acs=[01x]{7}@0000:00:1c\.0$", ln)
             for ln in lines), "no config_acs for 00:1c.0: %r" % c.out)


# ---------------------------------------------------- generated trees --

# tests/trees scenarios whose tree lspci can dump whole.
SAME_SCENARIOS = [
    "intel_single_gpu_pass", "amd_single_gpu_pass", "rp_acs_ctl_001d",
    "rp_acs_ctl_005f_dt", "rp_no_acs_cap", "rp_acs_cap_lacks_tb",
    "rp_acs_cap_lacks_uf_warn", "switch_gpu_nic_all_acs_pass",
    "switch_empty_peer_dsp_without_acs_pass", "switch_peer_dsp_acs_ctl_0",
    "switch_peer_dsp_no_acs_cap", "switch_dsp_on_path_no_acs_cap",
    "switch_no_acs_anywhere", "switch_under_rp_without_acs",
    "nested_switch_pass", "nested_switch_upper_peer_dsp_no_acs",
    "gpu_ats_enabled", "gpu_ats_pri_pasid_all_off_pass", "hgx_pass",
    "hgx_nvswitch", "hgx_one_gpu_ats_enabled", "mf_gpu_audio_pass",
    "mf_gpu_nic_no_acs", "mf_gpu_nic_acs_dt", "pcie_to_pci_bridge_gpu_nic",
    "rciep_gpu_pass", "rp_multifunction_peer_without_acs",
    "peer_root_port_acs_ctl_0", "peer_root_port_other_root_bus_pass",
    "two_gpus_one_root_port_001d", "turing_four_function_card_pass",
    "gpu_config_trunc256", "switch_peer_dsp_config_extloop",
    "acs_enhanced_switch_dsp_all_pass", "acs_enhanced_switch_dsp_urr_missing",
    "acs_enhanced_switch_dsp_mt_reserved", "acs_enhanced_root_port_ib_dsp_pass",
    "acs_enhanced_root_port_no_ib",
]


def scenario(name):
    for sc in mktree.load_scenarios():
        if sc.name == name:
            return sc
    raise Failure("no scenario %r in tests/trees/scenarios.py" % name)


def lspci_dump(root, *args):
    need(shutil.which("lspci"), "lspci not found (install pciutils; "
         "tests/install-deps.sh does)")
    r = subprocess.run(["lspci", "-A", "linux-sysfs", "-O",
                        "sysfs.path=%s/sys/bus/pci" % root, "-D", *args],
                       capture_output=True, text=True, timeout=TIMEOUT)
    need(r.returncode == 0 and r.stdout, "lspci failed: %r" % r.stderr)
    return r.stdout


def compared(run):
    return sorted((c["id"], c.get("device"), c.get("port"), c["status"],
                   c["actual"]) for c in run.checks() if c["id"] in COMPARED)


def verdict(run, ids):
    """Exit status from the findings of @ids alone."""
    cs = [c for c in run.checks() if c["id"] in ids]
    if any(undetermined(c) for c in cs):
        return 3
    return 1 if any(c["status"] == "fail" for c in cs) else 0


class Tree:
    """A scenario's tree, its policy, and dumps of it."""

    def __init__(self, name):
        self.sc = scenario(name)
        self.dir = Path(tempfile.mkdtemp(prefix="gpugate-lspci-dump-",
                                         dir=scratch_base()))
        self.root = self.dir / "root"
        self.policy = mktree.build_scenario(self.sc, self.root).read_text()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)

    def dump(self, *args):
        p = self.dir / ("dump%s.txt" % "".join(args).replace(" ", ""))
        p.write_text(lspci_dump(self.root, *args))
        return p

    def live(self):
        return gpugate(["--root", str(self.root)], self.policy)


def live_and_dump(name):
    """--root and `lspci -xxxx` runs of scenario @name's tree."""
    with Tree(name) as t:
        return t.live(), dump_run(t.dump("-xxxx"), t.policy)


def same_as_root(name, vvv):
    with Tree(name) as t:
        a = t.live()
        b = dump_run(t.dump(*(["-vvv"] if vvv else []), "-xxxx"), t.policy)
    ka, kb = compared(a), compared(b)
    need(ka, "--root reported no acs/ats finding")
    diff = ["root only %s" % (x,) for x in ka if x not in kb] + \
        ["dump only %s" % (x,) for x in kb if x not in ka]
    need(not diff, "; ".join(diff[:4]))
    need(b.failing() - LIVE_IDS == a.failing() & DUMP_IDS,
         "failing ids: dump %s, root %s" % (sorted(b.failing()),
                                            sorted(a.failing())))
    need(b.rc == verdict(a, DUMP_IDS), "dump exit %d, root's config-space "
         "checks say %d" % (b.rc, verdict(a, DUMP_IDS)))
    expect_live_skipped(b)
    need(b.devices() == a.devices(), "protected %s vs %s" % (
        b.devices(), a.devices()))


def make_same_test(name, vvv):
    def fn():
        same_as_root(name, vvv)
    fn.__name__ = "tree_%s_same_as_root" % name
    fn.__doc__ = "`lspci %s-xxxx` of tree %s: the same ACS/ATS findings " \
        "as --root." % ("-vvv " if vvv else "", name)
    return fn


for _i, _name in enumerate(SAME_SCENARIOS):
    test(make_same_test(_name, _i % 2 == 0))


@test
def tree_unrelated_nic_all_ones_unknown_identity():
    """Where the dump knows less than sysfs: a NIC whose config reads all
    ones has IDs in sysfs, but none in a dump (the IDs are config bytes).
    The ACS/ATS findings stay those of --root; access.config adds an
    undetermined identity, so the dump run exits 3 where --root passes."""
    a, b = live_and_dump("unrelated_nic_config_all_ones_pass")
    expect_exit(a, 0)
    expect_exit(b, 3)
    need(compared(a) == compared(b), "ACS/ATS findings differ")
    expect_unknown(b.one("access.config", "0000:02:00.0"), "all ones")


@test
def tree_xxx_dump_leaves_acs_ats_unknown():
    """`lspci -xxx` (256 bytes) of the passing host: no ACS or ATS value."""
    with Tree("intel_single_gpu_pass") as t:
        dump = t.dump("-xxx")
        r = dump_run(dump, t.policy)
        enh = dump_run(dump, t.policy + "\n[acs]\nrequire_enhanced = IB\n")
    expect_ext_unknown(r, "0000:01:00.0", "0000:00:01.0")
    # with the check on, the ACS Enhanced bits are unknown too
    expect_unknown(enh.one("acs.enhanced", "0000:01:00.0", "0000:00:01.0"),
                   EXT_UNREADABLE)
    expect_never_off(enh)


@test
def tree_x_dump_leaves_acs_ats_unknown():
    """`lspci -x` (64 bytes) of the passing host: no capability at all."""
    with Tree("intel_single_gpu_pass") as t:
        r = dump_run(t.dump("-x"), t.policy)
    expect_exit(r, 3)
    expect_unknown(r.one("ats.disabled", "0000:01:00.0"),
                   "capabilities need 256")
    need(r.checks("acs.path"), "no acs.path finding")
    expect_never_off(r)


@test
def tree_gpu_only_dump_is_not_a_pass():
    """`lspci -d 10de: -xxxx` of the passing host: the GPU without its root
    port must not pass as an integrated endpoint."""
    with Tree("intel_single_gpu_pass") as t:
        r = dump_run(t.dump("-d", "10de:", "-xxxx"), t.policy)
    expect_exit(r, 3)
    expect_unknown(r.one("acs.path", "0000:01:00.0"), "cannot resolve")
    expect_unknown(r.one("access.config", "0000:01:00.0"), "endpoint on bus 01")


@test
def tree_vmd_domain_gpu_in_dump_fails_acs_path():
    """An Intel VMD domain (10000) in a dump: the VMD endpoint above it is
    not visible (no sysfs path, no bridge leads to bus e0), so a GPU inside
    must fail acs.path naming the domain, never pass; with the GPU outside
    the domain (NVMe drives inside) the dump passes, as --root does."""
    _, r = live_and_dump("vmd_domain_gpu_inside_shares_group")
    expect_exit(r, 1)
    f = [c for c in r.checks("acs.path", "10000:e2:00.0")
         if c["status"] == "fail"]
    need(len(f) == 1 and "domain 10000" in f[0]["message"],
         "acs.path %r" % f)
    need(r.failing() == {"acs.path"}, "failing %s" % sorted(r.failing()))
    a, b = live_and_dump("vmd_domain_nvme_gpu_outside_pass")
    expect_exit(a, 0)
    expect_exit(b, 0)
    need(compared(a) == compared(b), "ACS/ATS findings differ")


def drop_line(text, bdf, offset):
    """Delete the hex line of @bdf's record that holds config @offset."""
    recs = records(text)
    for rec in recs:
        if rec[0] != bdf:
            continue
        keep = [x for x in rec[1] if not (HEXLINE.match(x) and int(
            HEXLINE.match(x).group(1), 16) == offset & ~15)]
        need(len(keep) == len(rec[1]) - 1, "no hex line %03x in %s" % (
            offset & ~15, bdf))
        rec[1] = keep
        return join(recs)
    raise Failure("no record %s in the dump" % bdf)


def gpu_ats(text):
    gpu = "0000:01:00.0"
    ats = [off for off, cid in ext_caps(config_of(text, gpu)) if cid == 0x0f]
    need(len(ats) == 1, "the GPU has no ATS capability in the dump")
    return ats[0]


def derived_run(name, change):
    """`lspci -xxxx` of scenario @name's tree, rewritten by change(text),
    audited with the scenario's policy."""
    with Tree(name) as t:
        p = t.dir / "derived.txt"
        p.write_text(change(t.dump("-xxxx").read_text()))
        return dump_run(p, t.policy)


@test
def tree_gpu_ats_line_missing_is_undetermined():
    """The GPU's hex line holding its ATS capability deleted: libpci fills
    the hole with ff, the walk would end at the all-ones header's next
    pointer and report "no ATS capability". It must be undetermined."""
    got = {}

    def cut(text):
        got["ats"] = gpu_ats(text)
        return drop_line(text, "0000:01:00.0", got["ats"])
    r = derived_run("intel_single_gpu_pass", cut)
    expect_exit(r, 3)
    expect_unknown(r.one("ats.disabled", "0000:01:00.0"),
                   "no line for config offset 0x%03x" % (got["ats"] & ~15))
    expect_unknown(r.one("access.config", "0000:01:00.0"),
                   "libpci reads the hole")


@test
def tree_gpu_ats_header_all_ones_is_undetermined():
    """The line is there, but the ATS capability's header reads ffffffff
    (a failed read when the dump was taken): undetermined, not absent."""
    got = {}

    def ones(text):
        got["ats"] = gpu_ats(text)
        return patch(text, "0000:01:00.0", got["ats"], b"\xff" * 4)
    r = derived_run("intel_single_gpu_pass", ones)
    expect_exit(r, 3)
    expect_unknown(r.one("ats.disabled", "0000:01:00.0"),
                   "registers at 0x%03x read all ones" % got["ats"])


@test
def tree_switch_peer_port_and_its_nic_cut_is_undetermined():
    """The NIC's downstream port 02:01.0 and the NIC 04:00.0 cut from the
    dump: bus 04 lies in the switch's range 02-04 with nothing on it and no
    port leading to it. The lost port could be a peer without ACS."""
    r = derived_run("switch_gpu_nic_all_acs_pass", lambda text: keep_records(
        text, lambda b: b not in ("0000:02:01.0", "0000:04:00.0")))
    expect_exit(r, 3)
    expect_unknown(r.one("access.config", "0000:01:00.0"),
                   "bus 04 in its range 02-04")
    expect_unknown(r.one("acs.peers", "0000:03:00.0"), "0000:01:00.0")


@test
def tree_hotplug_reserved_buses_below_a_leaf_port_pass():
    """Spare buses below a port with no bridge under it (a hotplug
    reservation) are no gap: the passing host with the GPU's root port
    range widened from 01 to 01-08 still passes."""
    r = derived_run("intel_single_gpu_pass", lambda text: patch(
        text, "0000:00:01.0", 0x1a, b"\x08"))
    expect_exit(r, 0)


@test
def show_lists_ari_functions_of_the_card():
    """ARI function 8 (01:01.0, HD audio) of the GPU's card: `show` lists
    it as a companion on the card, with ARI forwarding on at the port."""
    with Tree("ari_fn8_audio_companion_pass") as t:
        r = dump_run(t.dump("-xxxx"), t.policy, command="show", fmt=None)
    expect_exit(r, 0)
    need("card: every function below 0000:00:01.0 (ARI forwarding on)"
         in r.out, "no card line with ARI: %r" % r.out[:600])
    need(re.search(r"0000:01:01\.0  10de:1aef class 0403  companion", r.out),
         "ARI function 8 not listed as a companion: %r" % r.out[:600])


# ---------------------------------------------------------------- main --

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="only tests containing this")
    ap.add_argument("--list", action="store_true", help="list and exit")
    a = ap.parse_args()
    tests = [t for t in TESTS if a.k in t.__name__]
    if a.list:
        for t in tests:
            print("%-56s %s" % (t.__name__, (t.__doc__ or "").split("\n")[0]))
        return 0
    passed = failed = 0
    for t in tests:
        try:
            t()
        except Failure as e:
            failed += 1
            print("FAIL %s: %s" % (t.__name__, e))
        except (OSError, subprocess.SubprocessError, ValueError,
                KeyError) as e:
            failed += 1
            print("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e))
        else:
            passed += 1
            print("ok %s" % t.__name__)
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main())
