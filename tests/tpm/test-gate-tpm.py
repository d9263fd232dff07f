#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The measured gate end to end: build/gpugate under --root, swtpm as the TPM.

    python3 tests/tpm/test-gate-tpm.py

Each case copies a generated tree (tests/trees/scenarios.py, the cache of
tests/run-trees.py), writes a policy with [tpm] into it, serves
TREE/dev/tpmrm0 with `swtpm socket --server type=unixio` (or a socket that
never answers, or nothing), runs `gpugate --root TREE gate` and then
`gate --verify`, and checks:

- the PCR, read here with a TPM2_PCR_Read whose bytes this script builds,
  equals the fold computed here with hashlib of the events the contract
  names (SHA-256 of each string, v = SHA-256(v || digest) from 32 zeros),
  and the report's tpm.value;
- after gate and gate --verify it equals `gpugate pcr -p POLICY`, and
  `gpugate pcr --log` of the tree's tpm2-measure.log gives the same value;
- a failing tree gives the fail sequence's value and never the pass value;
- required without a TPM fails tpm.measure and stops (would halt); on
  without a TPM warns and the gate passes; a TPM that never answers fails
  within the policy's timeout; --dry-run and measure = off extend nothing;
- `gpugate pcr` of config/policy.conf of b8dd513 (tests/tpm/
  policy-b8dd513.conf) is the worked value of the contract.

This machine's TPM is never opened: every gate runs with --root.
Exit 0 when all hold, 1 with a line per failure.
"""
import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import gpugate_test as gt  # noqa: E402
from gpugate_test import mktree  # noqa: E402
from tpmtest import wait_listening  # noqa: E402

GPUGATE = os.environ.get("GPUGATE", str(REPO / "build" / "gpugate"))
WORKED = "fe2d5881866ba4a2aac2fef74a7d041fd5d8b1cb507db4aa0f1108a88f235797"
LOG = "run/log/systemd/tpm2-measure.log"
FAILS = []


def check(cond, what, detail=""):
    """Print ok or FAIL for @what; @detail only when it failed."""
    print(("ok   " if cond else "FAIL ") + what + ("" if cond or not detail else ": %s" % detail))
    if not cond:
        FAILS.append(what)


def fold(events, v=bytes(32)):
    for e in events:
        v = hashlib.sha256(v + hashlib.sha256(e.encode()).digest()).digest()
    return v.hex()


def policy_event(path):
    return "gpugate policy sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()


def gg(*args, timeout=60):
    start = time.monotonic()
    p = subprocess.run([GPUGATE] + [str(a) for a in args], capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - start


class Swtpm:
    """swtpm serving raw TPM commands on ROOT/dev/tpmrm0."""

    def __init__(self, root, state):
        self.path = os.path.join(root, "dev", "tpmrm0")
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        os.makedirs(state, exist_ok=True)
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
             "--server", "type=unixio,path=" + self.path,
             "--ctrl", "type=unixio,path=" + os.path.join(state, "ctrl"),
             "--flags", "not-need-init,startup-clear"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(self.path)

    def pcr(self, n):
        """TPM2_PCR_Read of PCR @n, SHA-256 bank, built here (Part 3 22.4)."""
        sel = bytearray(3)
        sel[n // 8] |= 1 << (n % 8)
        body = (0x17E).to_bytes(4, "big") + (1).to_bytes(4, "big") + \
            (0x000B).to_bytes(2, "big") + bytes([3]) + bytes(sel)
        cmd = (0x8001).to_bytes(2, "big") + (10 + len(body) - 4).to_bytes(4, "big") + body
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.path)
            s.sendall(cmd)
            rsp = b""
            while len(rsp) < 10 or len(rsp) < int.from_bytes(rsp[2:6], "big"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                rsp += chunk
        rc = int.from_bytes(rsp[6:10], "big")
        if rc:
            raise OSError("PCR_Read: TPM rc 0x%x" % rc)
        return rsp[-32:].hex()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Mute:
    """A TPM that accepts and never answers."""

    def __init__(self, root):
        self.path = os.path.join(root, "dev", "tpmrm0")
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.s = socket.socket(socket.AF_UNIX)
        self.s.bind(self.path)
        self.s.listen(8)
        self.conns = []
        self.server = threading.Thread(target=self.serve, daemon=True)
        self.server.start()

    def serve(self):
        try:
            while True:
                self.conns.append(self.s.accept()[0])
        except OSError:
            pass

    def stop(self):
        """Stop accepting first: a thread still in accept() on a closed
        descriptor would, restarted by a signal, accept on whatever socket
        takes that number next (tests/tpm/test-tpmdev.py, test_fake_close)."""
        self.s.shutdown(socket.SHUT_RDWR)
        self.server.join(10)
        if self.server.is_alive():
            raise RuntimeError("mute TPM %s: its accept thread still runs" % self.path)
        self.s.close()
        for c in self.conns:
            c.close()


class Case:
    """A scratch copy of scenario @name's tree with @policy in it."""

    def __init__(self, base, cache, scenarios, name, policy):
        self.dir = Path(tempfile.mkdtemp(prefix="tpm.", dir=base))
        self.root = self.dir / "root"
        shutil.copytree(gt.pristine(scenarios[name], cache), self.root, symlinks=True)
        self.pol = self.root / "etc/gpugate/policy.conf"
        self.pol.parent.mkdir(parents=True, exist_ok=True)
        self.pol.write_text(policy)
        self.tpm = None

    def swtpm(self):
        self.tpm = Swtpm(str(self.root), str(self.dir / "state"))
        return self.tpm

    def gate(self, *args, timeout=60):
        return gg("--root", self.root, "-p", self.pol, "-q", *args, "gate", timeout=timeout)

    def report(self):
        try:
            return json.loads((self.root / "run/gpugate/report.json").read_text())
        except (OSError, ValueError):
            return {}

    def finding(self, cid="tpm.measure"):
        for c in self.report().get("checks", []):
            if c["id"] == cid:
                return c
        return {}

    def log(self):
        return self.root / LOG

    def done(self):
        if self.tpm:
            self.tpm.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


REQUIRED = "[tpm]\nmeasure = required\n"


def pass_tree(mk):
    c = mk("intel_single_gpu_pass", REQUIRED)
    try:
        tpm = c.swtpm()
        check(tpm.pcr(8) == "00" * 32, "pass: PCR 8 is zero before the gate")
        rc, _, err, _ = c.gate()
        after_gate = fold([policy_event(c.pol), "gpugate gate pass v1"])
        pcr = tpm.pcr(8)
        check(rc == 0, "pass: gate exits 0", "%d: %s" % (rc, err.strip()[-200:]))
        check(pcr == after_gate, "pass: PCR 8 after gate is the fold of policy, gate pass")
        t = c.report().get("tpm", {})
        check(t.get("value") == pcr and t.get("measured") is True and
              t.get("device") == "/dev/tpmrm0" and t.get("measure") == "required",
              "pass: the report's tpm object has the value read back", t)
        check(c.finding().get("status") == "pass" and pcr in c.finding().get("message", ""),
              "pass: tpm.measure passes and names the value")
        rc, _, err, _ = c.gate("--verify")
        rc2, want, err2, _ = gg("-p", c.pol, "pcr")
        pcr = tpm.pcr(8)
        check(rc == 0 and rc2 == 0, "pass: gate --verify and pcr exit 0", err + err2)
        check(pcr == want.strip() == fold([policy_event(c.pol), "gpugate gate pass v1",
                                           "gpugate verify pass v1"]),
              "pass: after gate --verify PCR 8 equals `gpugate pcr -p`", pcr)
        check(c.report().get("tpm", {}).get("events") == ["gpugate verify pass v1"],
              "pass: gate --verify extends only its verdict word")
        rc, out, err, _ = gg("-p", c.pol, "pcr", "--log", c.log())
        check(rc == 0 and out.strip() == pcr and "3 records for PCR 8" in err,
              "pass: the log replays to the PCR", (rc, out, err))
        st = os.stat(c.log())
        check(stat.S_IMODE(st.st_mode) == 0o600 and
              stat.S_IMODE(os.stat(c.log().parent).st_mode) == 0o755,
              "pass: the log is 0600 in a 0755 directory")
        recs = c.log().read_text().split("\x1e")[1:]
        check(recs and recs[-1] == '{"pcr":8,"digests":[{"hashAlg":"sha256","digest":"%s"}],'
              '"content_type":"gpugate","content":{"string":"gpugate verify pass v1"}}\n'
              % hashlib.sha256(b"gpugate verify pass v1").hexdigest(),
              "pass: the last record is exactly the contract's shape")
    finally:
        c.done()


def baseline_tree(mk):
    c = mk("intel_single_gpu_pass", REQUIRED)
    try:
        bl = c.dir / "baseline"
        rc, _, err, _ = gg("--root", c.root, "-p", c.pol, "baseline", "-o", bl)
        check(rc == 0, "baseline: gpugate baseline writes one", err.strip()[-200:])
        c.pol.write_text(REQUIRED + "[baseline]\nfile = %s\n" % bl)
        tpm = c.swtpm()
        rc, _, err, _ = c.gate()
        rcv, _, _, _ = c.gate("--verify")
        _, want, _, _ = gg("-p", c.pol, "pcr")
        bev = "gpugate baseline sha256:" + hashlib.sha256(bl.read_bytes()).hexdigest()
        pcr = tpm.pcr(8)
        check(rc == 0 and rcv == 0, "baseline: gate and --verify pass", err.strip()[-200:])
        check(pcr == want.strip() == fold([policy_event(c.pol), bev, "gpugate gate pass v1",
                                           "gpugate verify pass v1"]),
              "baseline: the baseline's digest is the second event, and pcr agrees")
    finally:
        c.done()


def fail_tree(mk):
    c = mk("rp_no_acs_cap", REQUIRED)
    try:
        tpm = c.swtpm()
        rc, _, err, _ = c.gate()
        pcr = tpm.pcr(8)
        _, passv, _, _ = gg("-p", c.pol, "pcr")
        check(rc == 1 and "would sync and call reboot(RB_HALT_SYSTEM)" in err,
              "fail: gate exits 1 and would halt")
        check(pcr == fold([policy_event(c.pol), "gpugate gate fail v1"]),
              "fail: PCR 8 is the fold of policy, gate fail")
        word = err.find('with "gpugate gate fail v1"')
        check(0 <= word < err.find("would sync"), "fail: the fail word is extended before the stop",
              err)
        c.gate("--verify")
        pcr = tpm.pcr(8)
        check(pcr == fold([policy_event(c.pol), "gpugate gate fail v1",
                           "gpugate verify fail v1"]) and pcr != passv.strip(),
              "fail: after --verify the PCR holds the fail sequence, never the pass value")
        check(c.finding().get("status") == "pass",
              "fail: tpm.measure passes (the failure was measured)")
    finally:
        c.done()


def no_tpm(mk):
    c = mk("intel_single_gpu_pass", REQUIRED)
    try:
        rc, _, err, _ = c.gate()
        f = c.finding()
        check(rc == 1 and f.get("status") == "fail" and f.get("actual") == "no TPM" and
              "GATE FAILED tpm.measure" in err and "would sync" in err,
              "required, no TPM: tpm.measure fails, the gate would halt", f)
        check(not c.log().exists(), "required, no TPM: no event log is created")
    finally:
        c.done()
    c = mk("intel_single_gpu_pass", "[tpm]\nmeasure = on\n")
    try:
        rc, _, err, _ = c.gate()
        check(rc == 0 and c.finding().get("status") == "warn" and
              c.report().get("result") == "pass",
              "on, no TPM: tpm.measure warns and the gate passes")
    finally:
        c.done()


def mute_tpm(mk):
    c = mk("intel_single_gpu_pass", REQUIRED + "timeout_ms = 300\n")
    mute = Mute(str(c.root))
    try:
        rc, _, err, secs = c.gate(timeout=30)
        f = c.finding()
        check(rc == 1 and f.get("status") == "fail" and "no answer within 300 ms" in
              f.get("message", "") and "would sync" in err,
              "mute TPM: tpm.measure fails and the gate would halt", f.get("message"))
        check(secs < 2.0, "mute TPM: the gate ends %.2f s after it started (timeout 0.3 s)" % secs)
        check(err.count("gpugate: tpm: cannot extend") == 1 and "timed out: nothing more" in err,
              "mute TPM: nothing more is sent after the timeout", err)
    finally:
        mute.stop()
        c.done()


def nothing_extended(mk):
    c = mk("intel_single_gpu_pass", REQUIRED)
    try:
        tpm = c.swtpm()
        rc, _, err, _ = gg("--root", c.root, "-p", c.pol, "-n", "-f", "json", "gate")
        pcr = tpm.pcr(8)
        check(rc == 0 and pcr == "00" * 32 and not c.log().exists(),
              "--dry-run: nothing extended, no log", err.strip()[-200:])
        rc, out, err, _ = gg("--root", c.root, "-p", c.pol, "-f", "json", "-n", "gate")
        t = [x for x in json.loads(out)["checks"] if x["id"] == "tpm.measure"]
        check(t and t[0]["status"] == "skip" and "--dry-run" in t[0]["message"],
              "--dry-run: tpm.measure skips saying why")
        c.pol.write_text("")
        rc, _, _, _ = c.gate()
        check(rc == 0 and tpm.pcr(8) == "00" * 32 and c.finding().get("status") == "skip",
              "measure = off: nothing extended, tpm.measure skips")
        rep = c.report().get("tpm")
        check(rep == {"measure": "off", "pcr": 8, "measured": False,
                      "skip": "[tpm] measure = off", "device": None, "events": [],
                      "value": None, "error": None},
              "measure = off: the report's tpm object says so", rep)
    finally:
        c.done()


def pcr_command(base):
    rc, out, err, _ = gg("-p", HERE / "policy-b8dd513.conf", "pcr")
    check(rc == 0 and out == WORKED + "\n", "pcr: the contract's worked value", out)
    bad = Path(base) / "bad.log"
    bad.write_text('\x1e{"pcr":8,"digests":[{"hashAlg":"sha256","digest":"%s"}],'
                   '"content_type":"gpugate","content":{"string":"gpugate gate pass v1"}}\n'
                   % ("00" * 32))
    rc, out, err, _ = gg("-p", HERE / "policy-b8dd513.conf", "pcr", "--log", bad)
    check(rc == 1 and not out and "record 1" in err,
          "pcr --log: a record whose digest is not its string's: exit 1 naming it", err)
    rc, out, err, _ = gg("-p", HERE / "policy-b8dd513.conf", "pcr", "--log", Path(base) / "none")
    check(rc == 3 and not out, "pcr --log: a missing log: exit 3")
    rc, _, err, _ = gg("-p", HERE / "policy-b8dd513.conf", "--log", bad, "check")
    check(rc == 2 and "check does not take --log" in err, "--log with another command: exit 2")


def main():
    if not shutil.which("swtpm"):
        print("FAIL swtpm is not installed (tests/install-deps.sh)")
        return 1
    base = tempfile.mkdtemp(prefix="gpugate-tpmgate-", dir=gt.scratch_base())
    cache = gt.tree_cache()
    scenarios = {s.name: s for s in mktree.load_scenarios()}

    def mk(name, policy):
        return Case(base, cache, scenarios, name, policy)

    start = time.monotonic()
    try:
        for t in (pass_tree, baseline_tree, fail_tree, no_tpm, mute_tpm, nothing_extended):
            t(mk)
        pcr_command(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print("test-gate-tpm: %d failures, %.1f s" % (len(FAILS), time.monotonic() - start))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
