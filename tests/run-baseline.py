#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Test `gpugate baseline`, the baseline.* checks and `gpugate snapshot`.

Every test builds generated sysfs trees (tests/gen/mktree.py), runs the
real binary with --root on them, and asserts on its exit status, its
output and the JSON report:

  - a baseline taken with --root and pinned with [baseline] file passes;
    a changed ROM byte, a changed device ID, an added or removed function
    fail exactly baseline.rom / baseline.topology, naming what differs;
  - the boot VGA ROM is flagged "shadow", a ROM of a function bound to a
    host driver is "skipped", a malformed or missing baseline is
    undetermined (exit 3) with file:line;
  - a snapshot of several scenarios, unpacked, gives the same `check -f
    json` output (and the same baseline) as the tree it was taken from,
    is deterministic, and holds only files gpugate reads.

Prints "ok NAME" or "FAIL NAME: reason" per test, then "N passed, M
failed"; exits 1 if anything failed.

    tests/run-baseline.py [-k SUBSTRING] [-j N] [--keep]

Env: GPUGATE (binary, default build/gpugate).
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE / "gen"))
sys.path.insert(0, str(HERE / "trees"))
import mktree  # noqa: E402
import scenarios  # noqa: E402
from mktree import cx7, dsp, e1000, h100, nv_audio, pm1733, rp, rtx_a6000  # noqa: E402,E501

BINARY = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
TIMEOUT = 120
GPU = "0000:01:00.0"


class Fail(Exception):
    pass


def check(cond, fmt, *args):
    if not cond:
        raise Fail(fmt % args if args else fmt)


class Work:
    """A scratch directory with trees, policies and baselines."""

    def __init__(self, base, name):
        self.dir = Path(tempfile.mkdtemp(prefix=name + ".", dir=base))

    def tree(self, host, name="root"):
        root = self.dir / name
        mktree.write_tree(host, root)
        return root

    def policy(self, baseline=None, extra="", name="policy.conf"):
        p = self.dir / name
        text = extra
        if baseline is not None:
            text += "[baseline]\nfile = %s\n" % baseline
        p.write_text(text)
        return p

    def gpugate(self, root, policy, *args):
        cmd = [BINARY, "--root", str(root), "-p", str(policy), *map(str, args)]
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        check(r.returncode >= 0, "%s killed by signal %d", " ".join(cmd),
              -r.returncode)
        return r

    def take(self, root, name="baseline.txt"):
        """`gpugate baseline -o FILE` on root; returns the file."""
        out = self.dir / name
        r = self.gpugate(root, self.policy(name="take.conf"), "-o", out,
                         "baseline")
        check(r.returncode == 0, "baseline exit %d: %s", r.returncode,
              r.stderr.strip()[-300:])
        return out

    def report(self, root, baseline, want_exit, extra=""):
        """check -f json with the baseline pinned; returns the report."""
        r = self.gpugate(root, self.policy(baseline, extra), "-f", "json",
                         "check")
        check(r.returncode == want_exit, "check exit %d, expected %d: %s",
              r.returncode, want_exit, summary(r.stdout) or r.stderr[-300:])
        return json.loads(r.stdout)


def summary(out):
    try:
        rep = json.loads(out)
    except ValueError:
        return out[:300]
    return "; ".join("%s %s %s: %s" % (c["status"], c["id"], c.get("device"),
                                       c.get("message", "")[:120])
                     for c in rep["checks"] if c["status"] == "fail")


def findings(rep, cid, status=None):
    return [c for c in rep["checks"] if c["id"] == cid and
            (status is None or c["status"] == status)]


def failing_ids(rep):
    return {c["id"] for c in rep["checks"] if c["status"] == "fail"}


def dev_dir(root, bdf=GPU):
    return Path(os.path.realpath(root / "sys/bus/pci/devices" / bdf))


def set_device_id(root, bdf, did):
    """Change a function's device ID as the kernel would show it."""
    d = dev_dir(root, bdf)
    (d / "device").write_text("0x%04x\n" % did)
    cfg = bytearray((d / "config").read_bytes())
    cfg[2:4] = did.to_bytes(2, "little")
    (d / "config").write_bytes(bytes(cfg))


# ------------------------------------------------------------------ tests --

def test_baseline_round_trip_passes(w):
    root = w.tree(scenarios.base())
    bl = w.take(root)
    text = bl.read_text()
    rom = (dev_dir(root) / "rom").read_bytes()
    want = [
        "device %s vendor=10de device=2330 subvendor=10de subdevice=16c1 "
        "revision=a1 class=0302 link=32.0GT/s,x16" % GPU,
        "port %s 0000:00:01.0 vendor=8086 device=352a revision=04 "
        "type=root-port link=32.0GT/s,x16" % GPU,
        "rom %s sha256=%s" % (GPU, hashlib.sha256(rom).hexdigest()),
        "peer 0000:02:00.0 vendor=15b3 device=1021 class=0200",
    ]
    lines = text.splitlines()
    for line in want:
        check(line in lines, "baseline lacks %r:\n%s", line, text)
    check(lines[0].startswith("#") and "kernel " + mktree.KVER in lines[1],
          "header comment lacks version/kernel: %r", lines[:2])
    rep = w.report(root, bl, 0)
    for cid in ("baseline.topology", "baseline.rom"):
        check(findings(rep, cid, "pass") and not findings(rep, cid, "fail"),
              "%s did not pass: %s", cid, findings(rep, cid))


def test_baseline_with_vmd_domain_addresses_round_trips(w):
    """Addresses of a 5-digit domain (Intel VMD) are written and read back:
    GPU outside the domain (its peers are inside), then inside."""
    root = w.tree(scenarios.vmd_host(), "outside")
    bl = w.take(root)
    lines = bl.read_text().splitlines()
    peer = "peer 10000:e1:00.0 vendor=144d device=a824 class=0108"
    check(peer in lines, "baseline lacks %r:\n%s", peer, "\n".join(lines))
    rep = w.report(root, bl, 0)
    for cid in ("baseline.topology", "baseline.rom"):
        check(findings(rep, cid, "pass") and not findings(rep, cid, "fail"),
              "%s did not pass: %s", cid, findings(rep, cid))
    root = w.tree(scenarios.vmd_host(True), "inside")
    bl = w.take(root, "inside.txt")
    gpu = "10000:e2:00.0"
    lines = bl.read_text().splitlines()
    check(any(x.startswith("port %s 10000:e0:01.0 " % gpu) for x in lines),
          "no port line for the VMD root port:\n%s", "\n".join(lines))
    rep = w.report(root, bl, 1)
    check(failing_ids(rep) == {"group.isolated", "acs.path"},
          "failing: %s", failing_ids(rep))
    check(findings(rep, "baseline.topology", "pass"), "topology: %s",
          findings(rep, "baseline.topology"))


def test_baseline_stdout_equals_file_and_is_deterministic(w):
    root = w.tree(scenarios.switch_host())
    bl = w.take(root)
    r1 = w.gpugate(root, w.policy(), "baseline")
    r2 = w.gpugate(root, w.policy(), "baseline")
    check(r1.returncode == 0 and r1.stdout == r2.stdout,
          "two baselines differ or failed: %s", r1.stderr)
    check(r1.stdout == bl.read_text(), "stdout differs from -o FILE")
    gpu = "0000:03:00.0"
    ports = [ln.split()[2] for ln in r1.stdout.splitlines()
             if ln.startswith("port %s " % gpu)]
    check(ports == ["0000:00:01.0", "0000:01:00.0", "0000:02:00.0"],
          "ports not in path order (root first): %s", ports)
    types = re.findall(r"type=(\S+)", r1.stdout)
    check(types[:3] == ["root-port", "upstream-port", "downstream-port"],
          "port types %s", types)


def test_rom_byte_changed_fails_baseline_rom(w):
    root = w.tree(scenarios.base())
    bl = w.take(root)
    rom = dev_dir(root) / "rom"
    data = bytearray(rom.read_bytes())
    data[0x100] ^= 0x01
    rom.write_bytes(bytes(data))
    rep = w.report(root, bl, 1)
    check(failing_ids(rep) == {"baseline.rom"}, "failing ids %s",
          failing_ids(rep))
    f = findings(rep, "baseline.rom", "fail")[0]
    check(f["device"] == GPU and "changed" in f["message"] and
          f["actual"] == "sha256=" + hashlib.sha256(data).hexdigest(),
          "finding %s", f)
    check(findings(rep, "baseline.topology", "pass"), "topology not pass")


def test_device_id_changed_fails_topology_only(w):
    root = w.tree(scenarios.base())
    bl = w.take(root)
    set_device_id(root, GPU, 0x2331)
    rep = w.report(root, bl, 1)
    check(failing_ids(rep) == {"baseline.topology"}, "failing ids %s",
          failing_ids(rep))
    fs = findings(rep, "baseline.topology", "fail")
    check(len(fs) == 1 and fs[0]["expected"] == "device=2330" and
          fs[0]["actual"] == "device=2331" and fs[0]["device"] == GPU and
          "2330 -> 2331" in fs[0]["message"], "findings %s", fs)
    check(findings(rep, "baseline.rom", "pass"), "rom not pass")


def test_device_added_under_gpu_switch_fails_topology(w):
    before = w.tree(scenarios.switch_host(), "before")
    bl = w.take(before)
    after = w.tree(scenarios.switch_host(
        extra_dsps=[dsp(2, children=[pm1733()])]), "after")
    rep = w.report(after, bl, 1)
    check(failing_ids(rep) == {"baseline.topology"}, "failing ids %s",
          failing_ids(rep))
    # the new DSP takes bus 5, so the BMC's bridge and VGA move to 6 and 7
    fs = findings(rep, "baseline.topology")
    added = [f for f in fs if f["device"] == "0000:02:02.0"]
    check(added and added[0]["message"].startswith("added: ") and
          all(f["status"] == "fail" for f in fs), "findings %s", fs)


def test_device_added_under_root_complex_fails_topology(w):
    before = w.tree(scenarios.base(), "before")
    bl = w.take(before)
    after = w.tree(scenarios.base(extra=[rp(0x1e, children=[e1000()])]),
                   "after")
    rep = w.report(after, bl, 1)
    check(failing_ids(rep) == {"baseline.topology"}, "failing ids %s",
          failing_ids(rep))
    got = sorted(f["device"] for f in findings(rep, "baseline.topology"))
    check(got == ["0000:00:1e.0", "0000:05:00.0"], "findings %s", got)


def test_device_removed_fails_topology(w):
    before = w.tree(scenarios.base(extra=[rp(0x1e, children=[e1000()])]),
                    "before")
    bl = w.take(before)
    after = w.tree(scenarios.base(), "after")
    rep = w.report(after, bl, 1)
    fs = findings(rep, "baseline.topology", "fail")
    check(failing_ids(rep) == {"baseline.topology"} and
          sorted(f["device"] for f in fs) == ["0000:00:1e.0", "0000:05:00.0"]
          and all("missing" in f["message"] and f["actual"] == "absent"
                  for f in fs), "findings %s", fs)


def test_protected_gpu_removed_fails_topology_and_rom(w):
    def host(second):
        return mktree.Host([mktree.RC(0, 0, [
            mktree.host_bridge(), rp(1, children=[h100()]),
            rp(2, children=[h100()] if second else []),
            rp(3, children=[cx7()]), *scenarios.uncore_slot()])],
            cmdline=scenarios.CMD_OK)
    before = w.tree(host(True), "before")
    bl = w.take(before)
    after = w.tree(host(False), "after")
    rep = w.report(after, bl, 1)
    check(failing_ids(rep) == {"baseline.topology", "baseline.rom"},
          "failing ids %s", failing_ids(rep))
    topo = {(f["device"], f["port"]) for f in
            findings(rep, "baseline.topology", "fail")}
    check(("0000:02:00.0", None) in topo and
          ("0000:02:00.0", "0000:00:02.0") in topo, "topology %s", topo)
    rom = findings(rep, "baseline.rom", "fail")
    check(len(rom) == 1 and rom[0]["device"] == "0000:02:00.0", "rom %s", rom)


def test_nvswitch_listed_as_nvidia_lines(w):
    root = w.tree(scenarios.hgx_host(nvsw=True))
    text = w.gpugate(root, w.policy(), "baseline").stdout
    nv = [ln for ln in text.splitlines() if ln.startswith("nvidia ")]
    check(len(nv) == 4 and all(ln.endswith("vendor=10de device=22a3 "
                                           "class=0680") for ln in nv),
          "nvidia lines %s", nv)
    check(text.count("\nrom ") == 8 and text.count("\ndevice ") == 8,
          "expected 8 GPUs with ROMs")


def test_boot_vga_rom_is_flagged_shadow(w):
    root = w.tree(scenarios.base(gpu=rtx_a6000(boot_vga=True)))
    r = w.gpugate(root, w.policy(), "baseline")
    check(r.returncode == 0, "exit %d", r.returncode)
    check("rom %s shadow\n" % GPU in r.stdout, "no shadow line:\n%s",
          r.stdout)
    check("shadow" in r.stderr and GPU in r.stderr, "no warning: %r",
          r.stderr)
    bl = w.take(root)
    rep = w.report(root, bl, 1)
    f = findings(rep, "baseline.rom", "fail")
    check(len(f) == 1 and f[0]["actual"] == "shadow" and
          "boot VGA" in f[0]["message"], "findings %s", f)
    check(failing_ids(rep) == {"baseline.rom"}, "failing %s",
          failing_ids(rep))


def test_not_boot_vga_rom_is_hashed(w):
    root = w.tree(scenarios.base(gpu=rtx_a6000(boot_vga=False)))
    text = w.gpugate(root, w.policy(), "baseline").stdout
    check(re.search(r"^rom %s sha256=[0-9a-f]{64}$" % GPU, text, re.M),
          "rom not hashed:\n%s", text)


def test_rom_of_host_bound_gpu_is_skipped_and_fails(w):
    root = w.tree(scenarios.base(gpu_kw=dict(driver="nouveau",
                                             override=None)))
    text = w.gpugate(root, w.policy(), "baseline").stdout
    check("rom %s skipped (bound to nouveau)\n" % GPU in text, "text:\n%s",
          text)
    bl = w.take(root)
    rep = w.report(root, bl, 1)
    f = findings(rep, "baseline.rom", "fail")
    check(len(f) == 1 and "nouveau" in f[0]["message"], "findings %s", f)


def test_rom_of_gpu_in_use_is_not_read_and_warns(w):
    root = w.tree(scenarios.base())
    bl = w.take(root)
    rom = dev_dir(root) / "rom"
    rom.write_bytes(b"changed while a guest runs")
    (dev_dir(root) / "enable").write_text("1\n")
    text = w.gpugate(root, w.policy(), "baseline").stdout
    check("rom %s skipped (in use)\n" % GPU in text, "text:\n%s", text)
    rep = w.report(root, bl, 0)
    f = findings(rep, "baseline.rom")
    check(len(f) == 1 and f[0]["status"] == "warn" and
          "in use" in f[0]["message"], "findings %s", f)
    (dev_dir(root) / "enable").write_text("0\n")
    w.report(root, bl, 1)


def test_companion_without_rom_is_none_and_passes(w):
    root = w.tree(scenarios.mf_card(nv_audio(0, 1)))
    bl = w.take(root)
    check("rom 0000:01:00.1 none\n" in bl.read_text(), "no 'none' line")
    rep = w.report(root, bl, 0)
    check(len(findings(rep, "baseline.rom", "pass")) == 2, "rom findings %s",
          findings(rep, "baseline.rom"))


def test_unreadable_rom_is_undetermined(w):
    root = w.tree(scenarios.base())
    bl = w.take(root)
    rom = dev_dir(root) / "rom"
    rom.unlink()
    rom.mkdir()
    r = w.gpugate(root, w.policy(), "baseline")
    check(r.returncode == 0 and "rom %s unreadable (" % GPU in r.stdout,
          "baseline %d:\n%s", r.returncode, r.stdout)
    rep = w.report(root, bl, 3)
    f = findings(rep, "baseline.rom", "fail")
    check(len(f) == 1 and f[0]["actual"] == "unknown", "findings %s", f)


MALFORMED = [
    ("unknown line type", "# c\n\nbogus 0000:01:00.0 x=1\n", 3),
    ("bad hex", "device 0000:01:00.0 vendor=10DE device=2330 subvendor=10de "
     "subdevice=16c1 revision=a1 class=0302 link=none\n", 1),
    ("missing key", "peer 0000:02:00.0 vendor=15b3 class=0200\n", 1),
    ("repeated key", "peer 0000:02:00.0 vendor=15b3 vendor=15b3 device=1021"
     " class=0200\n", 1),
    ("unknown key", "nvidia 0000:02:00.0 vendor=10de device=22a3 class=0680"
     " colour=green\n", 1),
    ("bad address", "rom 0000:01:00 none\n", 1),
    ("bad rom state", "\nrom 0000:01:00.0 sha256=1234\n", 2),
    ("duplicate line", "rom 0000:01:00.0 none\n# x\nrom 0000:01:00.0 "
     "shadow\n", 3),
    ("port without port", "port 0000:01:00.0 vendor=8086\n", 1),
]


def test_malformed_baseline_is_undetermined_with_file_line(w):
    root = w.tree(scenarios.base())
    for i, (what, text, line) in enumerate(MALFORMED):
        bl = w.dir / ("bad%d.txt" % i)
        bl.write_text(text)
        rep = w.report(root, bl, 3)
        for cid in ("baseline.topology", "baseline.rom"):
            f = findings(rep, cid)
            check(len(f) == 1 and f[0]["actual"] == "unknown" and
                  "%s:%d:" % (bl, line) in f[0]["message"],
                  "%s: %s: %s", what, cid, f)
        check(failing_ids(rep) == {"baseline.topology", "baseline.rom"},
              "%s: failing ids %s", what, failing_ids(rep))


def test_missing_baseline_file_is_undetermined(w):
    root = w.tree(scenarios.base())
    rep = w.report(root, w.dir / "nonexistent.txt", 3)
    f = findings(rep, "baseline.topology")
    check(f and "No such file" in f[0]["message"], "findings %s", f)


def test_baseline_path_is_not_under_root(w):
    root = w.tree(scenarios.base())
    rel = "/etc/gpugate/gpugate-test-%d.baseline" % os.getpid()
    check(not os.path.exists(rel), "%s exists on this machine", rel)
    bl = w.take(root)
    (root / rel[1:]).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(bl, root / rel[1:])
    w.report(root, rel, 3)


def test_hand_edited_baseline_with_comments_passes(w):
    root = w.tree(scenarios.switch_host())
    bl = w.take(root)
    lines = [ln for ln in bl.read_text().splitlines() if ln[:1] != "#"]
    edited = "# reviewed by ops\n\n" + "\n".join(
        "  " + ln + "  " for ln in reversed(lines)) + "\n# end\n"
    bl.write_text(edited)
    w.report(root, bl, 0)


def test_no_baseline_configured_skips(w):
    root = w.tree(scenarios.base())
    rep = w.report(root, None, 0)
    for cid in ("baseline.topology", "baseline.rom"):
        check([f["status"] for f in findings(rep, cid)] == ["skip"],
              "%s: %s", cid, findings(rep, cid))


# --------------------------------------------------------------- snapshot --

SNAPSHOT_SCENARIOS = ["intel_single_gpu_pass", "amd_single_gpu_pass",
                      "vmd_domain_nvme_gpu_outside_pass",
                      "vmd_domain_gpu_inside_shares_group",
                      "rp_acs_ctl_001d", "gpu_bound_to_nouveau",
                      "gpu_config_extloop", "gpu_config_configdir",
                      "gpu_config_configdangling", "gpu_config_trunc64",
                      "hgx_nvswitch", "nested_switch_pass",
                      "mf_gpu_audio_pass", "pcie_to_pci_bridge_gpu_nic",
                      "no_module_index", "missing_proc_cmdline",
                      "cmdline_allow_unsafe_interrupts",
                      "nouveau_loaded_gpu_on_vfio"]

# Files in a generated tree that gpugate never reads: none may be captured.
NOT_READ = {"numa_node", "local_cpus", "local_cpulist", "msi_bus",
            "remove", "rescan", "reset", "uevent", "power_state",
            "reset_method", "max_link_speed", "max_link_width",
            "reserved_regions", "drivers_probe", "subsystem",
            "initstate", "refcnt", "taint", "cpuaffinity", "aer_dev_correctable"}


def normalise(text, root):
    """@text with @root as ROOT and without the report's time (docs/report.md)."""
    text = re.sub(r'"time":"[^"]*"', '"time":null', text, count=1)
    return text.replace(str(root), "ROOT")


def tar_problems(tar_path, src, sc_host):
    with tarfile.open(tar_path) as t:
        members = t.getmembers()
    probs = []
    names = [m.name.rstrip("/") for m in members]
    if names != sorted(names) or len(set(names)) != len(names):
        probs.append("entries not sorted or repeated")
    for m in members:
        if m.mtime or m.uid or m.gid:
            probs.append("%s: mtime/uid/gid not 0" % m.name)
        if not os.path.lexists(src / m.name):
            probs.append("%s: not in the source tree" % m.name)
        base = m.name.rstrip("/").rsplit("/", 1)[-1]
        parent = (["", ""] + m.name.rstrip("/").split("/"))[-2]
        if base in NOT_READ or base.endswith(".ko") or \
                "/drivers/" in m.name or "/resource0" in m.name or \
                (base == "iommu" and m.issym() and
                 re.match(r"[0-9a-f]{4}:", parent)):
            probs.append("%s: gpugate never reads it" % m.name)
    want = ["sys/bus/pci/devices/" + f.bdf for f in sc_host.functions()]
    want += ["proc/cmdline", "proc/interrupts", "proc/sys/kernel/osrelease"]
    for f in sc_host.functions():
        if f.rom and f.vid == 0x10de and f.driver == "vfio-pci":
            want.append(os.path.relpath(dev_dir(src, f.bdf), src) + "/rom")
    for n in want:
        if os.path.lexists(src / n) and n not in names:
            probs.append("%s: missing from the tar" % n)
    return probs[:4]


def snapshot_round_trip(w, name):
    sc = next(s for s in mktree.load_scenarios() if s.name == name)
    src = w.tree(sc.build(), "src")
    pol = w.policy(extra=sc.policy_text())
    tar1, tar2 = w.dir / "a.tar", w.dir / "b.tar"
    for t in (tar1, tar2):
        r = w.gpugate(src, pol, "snapshot", t)
        check(r.returncode == 0, "snapshot exit %d: %s", r.returncode,
              r.stderr.strip()[-300:])
    check(tar1.read_bytes() == tar2.read_bytes(), "snapshot not deterministic")
    host = sc.build()
    mktree.layout(host)
    probs = tar_problems(tar1, src, host)
    check(not probs, "; ".join(probs))
    dst = w.dir / "dst"
    dst.mkdir()
    subprocess.run(["tar", "-xf", str(tar1), "-C", str(dst)], check=True)
    for cmd in (["-f", "json", "check"], ["baseline"], ["show"]):
        a = w.gpugate(src, pol, *cmd)
        b = w.gpugate(dst, pol, *cmd)
        check(a.returncode == b.returncode, "%s: exit %d on the tree, %d on "
              "the snapshot", cmd[-1], a.returncode, b.returncode)
        check(normalise(a.stdout, src) == normalise(b.stdout, dst),
              "%s output differs: %s", cmd[-1],
              first_diff(normalise(a.stdout, src), normalise(b.stdout, dst)))
    check(a.returncode == sc.exit or cmd[-1] != "check", "unexpected exit")


def first_diff(a, b):
    for x, y in zip(a.splitlines(), b.splitlines()):
        if x != y:
            return "%r != %r" % (x[:160], y[:160])
    return "lengths %d/%d" % (len(a), len(b))


def test_snapshot_of_unreadable_file_fails_and_writes_nothing(w):
    root = w.tree(scenarios.base())
    os.unlink(root / "proc/interrupts")
    os.mkfifo(root / "proc/interrupts")
    out = w.dir / "x.tar"
    r = w.gpugate(root, w.policy(), "snapshot", out)
    check(r.returncode == 3 and "proc/interrupts" in r.stderr,
          "exit %d: %s", r.returncode, r.stderr)
    check(not out.exists() and not Path(str(out) + ".tmp").exists(),
          "output left behind")


def test_snapshot_usage_needs_output_file(w):
    root = w.tree(scenarios.base())
    r = w.gpugate(root, w.policy(), "snapshot")
    check(r.returncode == 2, "exit %d", r.returncode)


TESTS = [(n[5:], f) for n, f in sorted(globals().items())
         if n.startswith("test_")]
TESTS += [("snapshot_round_trip_" + s, (lambda w, s=s:
                                        snapshot_round_trip(w, s)))
          for s in SNAPSHOT_SCENARIOS]


def run_one(name, fn, base, keep):
    w = Work(base, name)
    try:
        fn(w)
        probs = None
    except Fail as e:
        probs = str(e)
    except Exception:                                  # noqa: BLE001
        probs = "error: " + traceback.format_exc().strip().splitlines()[-1]
    if not keep:
        shutil.rmtree(w.dir, ignore_errors=True)
    return probs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-k", default="", help="only tests containing this")
    ap.add_argument("-j", type=int, default=min(8, os.cpu_count() or 1))
    ap.add_argument("--keep", action="store_true", help="keep the trees")
    a = ap.parse_args()
    tests = [(n, f) for n, f in TESTS if a.k in n]
    mktree.modindex_dir()
    base = Path(tempfile.mkdtemp(prefix="gpugate-baseline-"))
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max(1, a.j)) as ex:
        futs = [ex.submit(run_one, n, f, base, a.keep) for n, f in tests]
        for (name, _), fut in zip(tests, futs):
            probs = fut.result()
            if probs:
                failed += 1
                print("FAIL %s: %s" % (name, probs))
            else:
                passed += 1
                print("ok %s" % name)
            sys.stdout.flush()
    if a.keep:
        print("kept %s" % base, file=sys.stderr)
    else:
        shutil.rmtree(base, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main())
