#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`gpugate guard event|once` on generated sysfs trees (tests/gen/mktree.py).

Each test builds a tree, writes a policy, snapshots every file, runs the
binary with --root and checks the exit status, stderr and the exact files
that changed. A tree has no kernel: a write to drivers_probe or unbind
binds nothing, so a probe is never seen to take here. Where the guard's
success path needs a bound driver, the test makes the tree's driver link
vfio-pci before the run (the state a won probe leaves); the tests of
probing and unbinding check what was written and that the guard reports
that the function is still not on vfio-pci (exit 3), which is what it
must say when a probe does not take. The lab's QEMU scenarios
(qemu/README.md) prove the binding on a real kernel.

    tests/guard/test-guard-event.py [-k SUBSTRING]
Env: GPUGATE (default build/gpugate).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
MKTREE = REPO / "tests" / "gen" / "mktree.py"
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
GPU, AUDIO, AST = "0000:01:00.0", "0000:01:00.1", "0000:04:00.0"
ONE, MF = "intel_single_gpu_pass", "mf_gpu_audio_on_snd_hda_intel"
CACHE = {}
WORK = []  # the one scratch directory of this run, removed when it ends


def work():
    if not WORK:
        WORK.append(Path(tempfile.mkdtemp(prefix="gpugate-guard-event-",
                                          dir=SCRATCH)))
    return WORK[0]


def tree(scenario):
    """A fresh copy of scenario's tree (built once per run)."""
    if scenario not in CACHE:
        d = Path(tempfile.mkdtemp(prefix="src-", dir=work()))
        subprocess.run([sys.executable, str(MKTREE), scenario, str(d / "t")],
                       check=True, stdout=subprocess.DEVNULL)
        CACHE[scenario] = d
    dst = Path(tempfile.mkdtemp(prefix="t-", dir=work())) / "t"
    shutil.copytree(CACHE[scenario] / "t", dst, symlinks=True)
    return dst


def dev(root, bdf):
    return root / "sys/bus/pci/devices" / bdf


def snapshot(root):
    out = {}
    for dirpath, dirs, files in os.walk(root):
        for n in dirs + files:
            p = Path(dirpath) / n
            rel = str(p.relative_to(root))
            if rel == "etc/gpugate/policy.conf" or rel.startswith("var/lib/gpugate/"):
                continue  # the test writes the policy; the metrics state is checked apart
            if p.is_symlink():
                out[rel] = "link:" + os.readlink(p)
            elif p.is_file():
                out[rel] = p.read_bytes()
    return out


def changed(before, after):
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def run(root, policy, *args):
    pol = root / "etc/gpugate/policy.conf"
    pol.write_text(pol.read_text() + "\n" + policy)
    p = subprocess.run([BIN, "-r", str(root), "-p", str(pol)] + list(args),
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def unlink_driver(root, bdf):
    (dev(root, bdf) / "driver").unlink()


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


def guarded(scenario, policy, *args, prep=None):
    """Run gpugate on a fresh tree of scenario (prepared by prep(root));
    return the root, exit status, stdout, stderr and the files changed."""
    root = tree(scenario)
    if prep:
        prep(root)
    s0 = snapshot(root)
    rc, out, err = run(root, policy, *args)
    return root, rc, out, err, changed(s0, snapshot(root))


def ends(names, *suffixes):
    """Every changed path ends with one of suffixes, and each suffix is there."""
    for s in suffixes:
        if not any(n.endswith(s) for n in names):
            return False
    return all(any(n.endswith(s) for s in suffixes) for n in names)


def override(root, bdf):
    return (dev(root, bdf) / "driver_override").read_bytes()


def probe_file(root):
    return (root / "sys/bus/pci/drivers_probe").read_bytes()


GUARD = "[guard]\nmetrics =\n"


def t_unprotected_add_is_silent():
    root, rc, out, err, names = guarded(ONE, GUARD, "guard", "event", "add", AST)
    expect(rc == 0, "rc %d" % rc)
    expect(names == [], "changed %s" % names)
    expect(out == "" and "full check" not in err, "a full run happened: %r" % err)


def no_override(root, bdf):
    (dev(root, bdf) / "driver_override").write_text("(null)\n")


def t_protected_add_bound_writes_override():
    root, rc, out, err, names = guarded(ONE, GUARD, "guard", "event", "add", GPU,
                                        prep=lambda r: no_override(r, GPU))
    expect(rc == 0, "rc %d: %s" % (rc, err))
    expect(override(root, GPU).startswith(b"vfio-pci"), "override %r" % override(root, GPU))
    expect(ends(names, "0000:01:00.0/driver_override"), "changed %s" % names)
    expect("gpugate-guard: add 0000:01:00.0: ok" in err, err)


def t_protected_add_unbound_probes():
    root, rc, out, err, names = guarded(
        ONE, GUARD, "guard", "event", "add", GPU,
        prep=lambda r: (unlink_driver(r, GPU), no_override(r, GPU)))
    expect(override(root, GPU).startswith(b"vfio-pci"), "override not written")
    expect(probe_file(root) == GPU.encode(), "drivers_probe %r" % probe_file(root))
    expect(ends(names, "driver_override", "drivers_probe"), "changed %s" % names)
    # no kernel binds it: the guard must say so, never 0
    expect(rc == 1, "rc %d (the probe cannot take in a tree): %s" % (rc, err))
    expect("guard.bind" in err and "no driver" in err, err)


def t_companion_add_overrides_and_reports_host_driver():
    root, rc, out, err, names = guarded(MF, GUARD, "guard", "event", "add", AUDIO)
    expect(override(root, AUDIO).startswith(b"vfio-pci"), "companion override not written")
    expect(ends(names, "0000:01:00.1/driver_override"), "changed %s" % names)
    expect(rc == 1 and "guard.bind" in err and "snd_hda_intel" in err, "rc %d: %s" % (rc, err))


def t_bind_report_writes_nothing():
    root, rc, out, err, names = guarded(MF, GUARD, "guard", "event", "bind", AUDIO)
    expect(rc == 1, "rc %d" % rc)
    expect(names == [], "changed %s" % names)
    expect("gpugate-guard: bind 0000:01:00.1: finding: guard.bind" in err, err)
    state = root / "var/lib/gpugate/guard.state"
    expect(state.exists() and "bind" in state.read_text(), "event not recorded in %s" % state)


def t_bind_unbind_repairs():
    root, rc, out, err, names = guarded(MF, GUARD + "bind = unbind\n",
                                        "guard", "event", "bind", AUDIO)
    unbind = root / "sys/bus/pci/drivers/snd_hda_intel/unbind"
    expect(unbind.read_bytes() == AUDIO.encode(), "unbind %r" % unbind.read_bytes())
    expect(override(root, AUDIO).startswith(b"vfio-pci"), "override not written")
    expect(probe_file(root) == AUDIO.encode(), "drivers_probe %r" % probe_file(root))
    expect(ends(names, "driver_override", "drivers_probe", "snd_hda_intel/unbind"),
           "changed %s" % names)
    expect(rc == 3 and "repair failed" in err, "rc %d (probe cannot take): %s" % (rc, err))


def t_audit_readonly_writes_nothing():
    for verb in ("add", "bind"):
        root, rc, out, err, names = guarded(
            "mf_gpu_audio_on_snd_hda_intel",
            "[gate]\nmode = audit-readonly\n" + GUARD + "bind = unbind\nfix = yes\n",
            "guard", "event", verb, AUDIO)
        expect(names == [], "%s changed %s" % (verb, names))
        expect(rc == 1, "%s rc %d" % (verb, rc))


def t_enable_no_does_nothing():
    root, rc, out, err, names = guarded(MF,
                                        GUARD + "enable = no\nbind = unbind\n",
                                        "guard", "event", "bind", AUDIO)
    expect(rc == 0 and names == [] and "guard is off" in err, "rc %d %s %s" % (rc, names, err))


def t_dry_run_writes_nothing():
    root, rc, out, err, names = guarded(MF, GUARD + "bind = unbind\n",
                                        "guard", "-n", "event", "bind", AUDIO)
    expect(names == [], "changed %s" % names)
    expect("would write 0000:01:00.1 driver/unbind" in err, err)
    expect(rc == 1, "rc %d" % rc)


def t_override_not_read_back_fails():
    root = tree(ONE)
    (dev(root, GPU) / "driver_override").write_text("(null) and more text\n")
    rc, out, err = run(root, GUARD, "guard", "event", "add", GPU)
    expect(rc == 3, "rc %d: %s" % (rc, err))
    expect("after writing" in err, err)


def ats_fails(root):
    p = subprocess.run([BIN, "-r", str(root), "-p", str(root / "etc/gpugate/policy.conf"),
                        "-q", "check"], capture_output=True, text=True)
    return "ats.disabled" in p.stdout


def t_change_fix_clears_ats():
    root, rc, out, err, names = guarded("gpu_ats_enabled", GUARD + "fix = yes\n",
                                        "guard", "event", "change", GPU,
                                        prep=lambda r: expect(ats_fails(r), "tree has ATS off"))
    expect(rc == 0, "rc %d: %s" % (rc, err))
    expect(not ats_fails(root), "ATS still enabled")
    expect(len(names) == 1 and names[0].endswith("0000:01:00.0/config"), "changed %s" % names)
    expect("gpugate-guard: change 0000:01:00.0: fixed" in err, err)


def t_change_nofix_reports():
    root, rc, out, err, names = guarded("gpu_ats_enabled", GUARD, "guard", "event", "change", GPU)
    expect(rc == 1 and names == [], "rc %d changed %s" % (rc, names))
    expect("[guard] fix = no" in err, err)


def t_once_fixes_and_kmsg():
    root = tree("gpu_ats_enabled")
    (root / "dev/kmsg").write_text("")
    rc, out, err = run(root, GUARD + "fix = yes\n", "guard", "once")
    expect(rc == 0, "rc %d: %s" % (rc, err))
    expect(not ats_fails(root), "ATS still enabled")
    kmsg = (root / "dev/kmsg").read_text()
    expect(kmsg.startswith("<6>gpugate-guard: once host: fixed"), "kmsg %r" % kmsg)


def t_no_kmsg_in_tree_creates_none():
    root = tree(MF)
    rc, out, err = run(root, GUARD, "guard", "event", "bind", AUDIO)
    expect(not (root / "dev/kmsg").exists(), "dev/kmsg created")
    expect(rc == 1, "rc %d" % rc)


def t_bind_kmsg_warning():
    root = tree(MF)
    (root / "dev/kmsg").write_text("")
    run(root, GUARD, "guard", "event", "bind", AUDIO)
    kmsg = (root / "dev/kmsg").read_text()
    expect(kmsg.startswith("<4>gpugate-guard: bind 0000:01:00.1: finding: guard.bind"), kmsg)


def modprobe(policy):
    with tempfile.NamedTemporaryFile("w", suffix=".conf", dir=SCRATCH) as f:
        f.write(policy)
        f.flush()
        p = subprocess.run([BIN, "-p", f.name, "modprobe"], capture_output=True, text=True)
    ids = [l for l in p.stdout.splitlines() if l.startswith("options vfio_pci")]
    return p.returncode, ids


def t_modprobe_vfio_pci_ids():
    enf = "[gate]\nmode = enforce\n[devices]\nmatch = "
    rc, ids = modprobe(enf + "10de:2330:* 1002:*:* *:*:0302\n")
    expect(rc == 0 and ids == ["options vfio_pci ids=10de:2330:ffffffff:ffffffff:000000:000000,"
                               "1002:ffffffff:ffffffff:ffffffff:000000:000000,"
                               "ffffffff:ffffffff:ffffffff:ffffffff:030200:ffff00"],
           "%d %s" % (rc, ids))
    rc, ids = modprobe(enf.replace("enforce", "audit-readonly") + "10de:*:0300\n")
    expect(rc == 0 and ids == [], "audit-readonly: %d %s" % (rc, ids))
    rc, ids = modprobe(enf + "*:*:*\n")
    expect(rc == 3 and ids == [], "match-all: %d %s" % (rc, ids))
    # vfio_pci's ids[1024] holds 1023 characters: 24 entries of 41 and commas (1007) fit, 25 do not
    rc, ids = modprobe(enf + " ".join("10de:%04x:0300" % i for i in range(24)) + "\n")
    expect(rc == 0 and len(ids[0]) - len("options vfio_pci ids=") == 24 * 42 - 1, "24: %d" % rc)
    rc, ids = modprobe(enf + " ".join("10de:%04x:0300" % i for i in range(25)) + "\n")
    expect(rc == 3 and ids == [], "25 entries: %d %s" % (rc, ids))


def t_usage():
    root = tree(ONE)
    for args in (["guard"], ["guard", "event", "add", "1:0.0"], ["guard", "event", "eat", GPU],
                 ["guard", "-f", "json", "once"]):
        rc, out, err = run(root, "", *args)
        expect(rc == 2, "%s rc %d" % (args, rc))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", default="")
    a = ap.parse_args()
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("t_") and a.k in n]
    bad = 0
    try:
        for name, f in tests:
            try:
                f()
                print("ok %s" % name[2:])
            except Fail as e:
                bad += 1
                print("FAIL %s: %s" % (name[2:], e))
    finally:
        for d in WORK:
            shutil.rmtree(d, ignore_errors=True)
    print("%d passed, %d failed" % (len(tests) - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
