#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""`gpugate guard daemon` on generated sysfs trees (--root), in the background.

Each test copies the tree of intel_single_gpu_pass (one GPU on vfio-pci,
ATS off, its root port's ACS set), writes a policy, starts the daemon and
acts on the tree while it runs; the daemon's stderr lines are what is
observed ("gpugate-guard: KIND host: OUTCOME: ..."), and the counts in the
[guard] state file (ROOT/var/lib/gpugate/guard.state) must agree with them.

  dynid_at_start           the vfio-pci new_id of the default policy's
                           match entries written before the start run
                           (not with dynid = no)
  ats_flip_fixed           the GPU's ATS Enable set in its config file: a
                           poll run within POLL_BOUND, outcome fixed, and
                           the bit reads 0 again (fix = yes, mode enforce)
  acs_clear_reported       the root port's ACS Control cleared: a poll run
                           that reports it (fix = no): the word stays
  acs_enhanced_flip_fixed  the root port made to advertise ACS Enhanced
                           with IB on; IB cleared alone: a poll run that
                           names the word and fixes it ([acs]
                           require_enhanced = IB), the bit set again
  audit_readonly_no_write  ATS set in audit-readonly mode with fix = yes: a
                           poll run with outcome finding, and no byte of
                           the tree changes but the flip
  vfio_open_recheck        ROOT/dev/vfio/N created, opened and closed: a
                           vfio run, not before vfio_recheck_ms
  vfio_dir_created_later   ROOT/dev/vfio made after the start: its node's
                           open is seen all the same
  no_poll_no_vfio          poll_ms = 0, vfio_watch = no: a flip goes unseen
  sigterm_exit_0           SIGTERM and SIGINT: exit 0 within a second
  enable_no_exits          [guard] enable = no: exit 0 at once, nothing
                           written

Prints "ok NAME" or "FAIL NAME: reason", then a summary; exit 1 on any
failure. Env: GPUGATE (default build/gpugate).
"""

import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import gpugate_test as gt  # noqa: E402
from gpugate_test import mktree  # noqa: E402

BIN = gt.binary()
GPU = "0000:01:00.0"
PORT = "0000:00:01.0"
POLL_BOUND = 3.0  # seconds from a flip to the run's line (poll_ms 100)
ATS_ENABLE = 0x8000
ACS_ENHANCED, ACSX_IB = 0x0080, 0x0080  # ACS Capability bit 7, ACS Control bit 7
failures = []


def ext_cap(cfg, cap_id):
    """Offset of extended capability cap_id in config file cfg."""
    b = cfg.read_bytes()
    off = 0x100
    for _ in range(64):
        if not off:
            break
        h = struct.unpack_from("<I", b, off)[0]
        if h & 0xFFFF == cap_id:
            return off
        off = h >> 20
    raise AssertionError("capability %#x not in %s" % (cap_id, cfg))


def ctrl_word(root, bdf, cap_id):
    cfg = root / "sys/bus/pci/devices" / bdf / "config"
    return cfg, ext_cap(cfg, cap_id) + 6


def read_word(cfg, pos):
    with open(cfg, "rb") as f:
        f.seek(pos)
        return struct.unpack("<H", f.read(2))[0]


def write_word(cfg, pos, val):
    """In place, as a device's register changes (the daemon keeps the file open)."""
    with open(cfg, "r+b") as f:
        f.seek(pos)
        f.write(struct.pack("<H", val))


class Daemon:
    def __init__(self, root, policy):
        self.err = open(root.parent / "stderr", "w+")
        (root.parent / "policy.conf").write_text(policy)
        self.p = subprocess.Popen([BIN, "--root", str(root), "-p", str(root.parent / "policy.conf"),
                                   "guard", "daemon"], stdout=subprocess.DEVNULL, stderr=self.err)

    def text(self):
        self.err.seek(0)
        return self.err.read()

    def wait_line(self, needle, bound, after=0):
        """Seconds until a stderr line after char `after` holds needle, or None."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < bound:
            if needle in self.text()[after:]:
                return time.monotonic() - t0
            if self.p.poll() is not None:
                return None
            time.sleep(0.02)
        return None

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            return self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None


def policy(mode="enforce", fix="yes", poll_ms=100, extra=""):
    return ("[gate]\nmode = %s\n[guard]\nfix = %s\npoll_ms = %d\nvfio_recheck_ms = 500\n%s"
            % (mode, fix, poll_ms, extra))


def started(d):
    if d.wait_line("start host:", 10) is None:
        raise AssertionError("no start run: %s" % d.text())


def t_ats_flip_fixed(root):
    cfg, pos = ctrl_word(root, GPU, 0x000F)
    d = Daemon(root, policy())
    started(d)
    mark = len(d.text())
    write_word(cfg, pos, read_word(cfg, pos) | ATS_ENABLE)
    if d.wait_line("poll host: fixed", POLL_BOUND, mark) is None:
        raise AssertionError("no fixed poll run within %.1f s: %s" % (POLL_BOUND, d.text()))
    if read_word(cfg, pos) & ATS_ENABLE:
        raise AssertionError("ATS Enable still set after the fix")
    # the fix itself is a change: one more run sees it hold, then no more
    if d.wait_line("poll host: ok", POLL_BOUND, mark) is None:
        raise AssertionError("no run after the fix: %s" % d.text())
    time.sleep(0.5)
    if d.text().count("poll host:") != 2:
        raise AssertionError("runs go on after the fix held: %s" % d.text())
    assert d.stop() == 0, "exit status after SIGTERM"
    c = counts(root)
    if (c.get(("start", "ok")), c.get(("poll", "fixed")), c.get(("poll", "ok"))) != (1, 1, 1):
        raise AssertionError("state counts start/ok, poll/fixed, poll/ok: %s" % c)
    if "ATS Control of %s: 0x0000, now 0x8000" % GPU not in d.text():
        raise AssertionError("the change is not named: %s" % d.text())


def t_acs_enhanced_flip_fixed(root):
    """The poll compares the whole ACS Control word: I/O Request Blocking
    (ACS Enhanced, bit 7) cleared alone is a change, and with [acs]
    require_enhanced = IB the run fails acs.enhanced and sets it again."""
    cfg, pos = ctrl_word(root, PORT, 0x000D)
    write_word(cfg, pos - 2, read_word(cfg, pos - 2) | ACS_ENHANCED)
    write_word(cfg, pos, read_word(cfg, pos) | ACSX_IB)
    on = read_word(cfg, pos)
    d = Daemon(root, policy(extra="[acs]\nrequire_enhanced = IB\n"))
    started(d)
    mark = len(d.text())
    write_word(cfg, pos, on & ~ACSX_IB)
    if d.wait_line("poll host: fixed", POLL_BOUND, mark) is None:
        raise AssertionError("no fixed poll run within %.1f s: %s" % (POLL_BOUND, d.text()))
    if read_word(cfg, pos) != on:
        raise AssertionError("ACS Control 0x%04x after the fix, expected 0x%04x"
                             % (read_word(cfg, pos), on))
    if "ACS Control of %s: 0x%04x, now 0x%04x" % (PORT, on, on & ~ACSX_IB) not in d.text():
        raise AssertionError("the change is not named: %s" % d.text())
    assert d.stop() == 0, "exit status after SIGTERM"


def counts(root):
    """{(kind, outcome): n} from the [guard] state file (0 when absent)."""
    st = root / "var/lib/gpugate/guard.state"
    out = {}
    for line in st.read_text().splitlines() if st.exists() else []:
        w = line.split()
        if len(w) == 4 and w[0] == "count":
            out[(w[1], w[2])] = int(w[3])
    return out


def t_dynid_at_start(root):
    new_id = root / "sys/bus/pci/drivers/vfio-pci/new_id"
    for dynid, want in (("no", b""), ("yes", b"10de ffffffff")):
        new_id.write_bytes(b"")
        d = Daemon(root, policy(extra="dynid = %s\n" % dynid))
        started(d)
        assert d.stop() == 0, "exit status after SIGTERM"
        got = new_id.read_bytes()
        if not got.startswith(want) or (not want and got):
            raise AssertionError("dynid = %s: new_id holds %r" % (dynid, got))


def t_acs_clear_reported(root):
    cfg, pos = ctrl_word(root, PORT, 0x000D)
    d = Daemon(root, policy(fix="no"))
    started(d)
    mark = len(d.text())
    write_word(cfg, pos, 0)
    if d.wait_line("poll host: finding", POLL_BOUND, mark) is None:
        raise AssertionError("no poll finding within %.1f s: %s" % (POLL_BOUND, d.text()))
    if read_word(cfg, pos) != 0:
        raise AssertionError("ACS Control written with fix = no")
    if "ACS Control of %s" % PORT not in d.text():
        raise AssertionError("the change is not named: %s" % d.text())
    time.sleep(0.5)  # the new snapshot holds the cleared word: no run per poll
    if d.text().count("poll host:") != 1:
        raise AssertionError("the same change ran the guard again: %s" % d.text())
    assert d.stop() == 0, "exit status after SIGTERM"


def t_audit_readonly_no_write(root):
    cfg, pos = ctrl_word(root, GPU, 0x000F)
    # before the start: a snapshot reads the tree's /dev/vfio nodes (a vfio event)
    before = gt.snapshot(root)
    d = Daemon(root, policy(mode="audit-readonly"))
    started(d)
    mark = len(d.text())
    write_word(cfg, pos, read_word(cfg, pos) | ATS_ENABLE)
    if d.wait_line("poll host: finding", POLL_BOUND, mark) is None:
        raise AssertionError("no poll finding within %.1f s: %s" % (POLL_BOUND, d.text()))
    assert d.stop() == 0, "exit status after SIGTERM"
    if not read_word(cfg, pos) & ATS_ENABLE:
        raise AssertionError("ATS Enable cleared in audit-readonly mode")
    after = gt.snapshot(root)
    # the event counts are not a write to the host
    diff = [k for k in set(before) | set(after) if before.get(k) != after.get(k)
            and not k.endswith(GPU + "/config") and k.split("/")[0] != "var"]
    if diff:
        raise AssertionError("audit-readonly wrote: %s" % diff)


def vfio_touch(node):
    node.write_bytes(b"")  # created, opened for writing, closed
    with open(node, "rb"):
        pass


def t_vfio_open_recheck(root):
    d = Daemon(root, policy(poll_ms=0))
    started(d)
    mark = len(d.text())
    t0 = time.monotonic()
    vfio_touch(root / "dev/vfio/77")
    t = d.wait_line("vfio host:", 5, mark)
    if t is None:
        raise AssertionError("no vfio run: %s" % d.text())
    for _ in range(50):  # the count is stored after the line is written
        if counts(root).get(("vfio", "ok"), 0) >= 1:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("state counts no vfio/ok: %s" % counts(root))
    if time.monotonic() - t0 < 0.45:
        raise AssertionError("vfio run %.2f s after the open, before vfio_recheck_ms" % t)
    assert d.stop() == 0, "exit status after SIGTERM"


def t_vfio_dir_created_later(root):
    shutil.rmtree(root / "dev/vfio")
    d = Daemon(root, policy(poll_ms=0))
    started(d)
    mark = len(d.text())
    (root / "dev/vfio").mkdir()
    time.sleep(0.2)
    vfio_touch(root / "dev/vfio/5")
    if d.wait_line("vfio host:", 5, mark) is None:
        raise AssertionError("no vfio run: %s" % d.text())
    assert d.stop() == 0, "exit status after SIGTERM"


def t_no_poll_no_vfio(root):
    cfg, pos = ctrl_word(root, GPU, 0x000F)
    d = Daemon(root, policy(poll_ms=0, extra="vfio_watch = no\n"))
    started(d)
    write_word(cfg, pos, read_word(cfg, pos) | ATS_ENABLE)
    vfio_touch(root / "dev/vfio/77")
    time.sleep(1.0)
    if "poll host:" in d.text() or "vfio host:" in d.text():
        raise AssertionError("a run with poll and watch off: %s" % d.text())
    assert d.stop() == 0, "exit status after SIGTERM"


def t_sigterm_exit_0(root):
    for sig in (signal.SIGTERM, signal.SIGINT):
        d = Daemon(root, policy())
        started(d)
        t0 = time.monotonic()
        rc = d.stop(sig)
        if rc != 0 or time.monotonic() - t0 > 1.0:
            raise AssertionError("%s: exit %s after %.2f s" % (sig.name, rc, time.monotonic() - t0))


def t_enable_no_exits(root):
    before = gt.snapshot(root)
    (root.parent / "policy.conf").write_text(policy(extra="enable = no\n"))
    t0 = time.monotonic()
    r = subprocess.run([BIN, "--root", str(root), "-p", str(root.parent / "policy.conf"),
                        "guard", "daemon"], capture_output=True, text=True, timeout=10)
    if r.returncode != 0 or time.monotonic() - t0 > 2.0:
        raise AssertionError("exit %d after %.2f s: %s" % (r.returncode, time.monotonic() - t0, r.stderr))
    if "off" not in r.stderr:
        raise AssertionError("does not say the guard is off: %s" % r.stderr)
    diff = gt.tree_diff(before, gt.snapshot(root))
    if diff:
        raise AssertionError("wrote: %s" % diff)


TESTS = [(n[2:], f) for n, f in sorted(globals().items()) if n.startswith("t_")]


def main():
    sc = next(s for s in mktree.load_scenarios() if s.name == "intel_single_gpu_pass")
    src = gt.pristine(sc, gt.tree_cache())
    only = sys.argv[1] if len(sys.argv) > 1 else ""
    for name, fn in TESTS:
        if only not in name:
            continue
        tmp = Path(tempfile.mkdtemp(prefix="gpugate-guardd-", dir=gt.scratch_base()))
        root = tmp / "root"
        shutil.copytree(src, root, symlinks=True)
        try:
            fn(root)
            print("ok", name)
        except Exception as e:  # noqa: BLE001 -- a test's failure, whatever it is
            failures.append(name)
            print("FAIL %s: %s" % (name, e))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    n = sum(1 for name, _ in TESTS if only in name)
    print("guard daemon: %d passed, %d failed" % (n - len(failures), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
