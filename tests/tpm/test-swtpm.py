#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tpm2.c against a real TPM: Debian's swtpm (libtpms), over its TCP socket.

    python3 tests/tpm/test-swtpm.py BUILD/unit/tpm2_wire

Starts `swtpm socket --tpm2` on two free loopback ports with a fresh state
directory, sends the command bytes that tpm2_wire prints (tpm2.c's
builders) and hands the raw responses back to tpm2_wire to judge (tpm2.c's
parsers). The expected values are computed here, independently, with
hashlib: after TPM2_PCR_Extend(pcr, d) a SHA-256 PCR holds
SHA-256(old || d) (TPM 2.0 Part 1 17.2). Then
tpm2_pcrread (tpm2-tools) through the swtpm TCTI reads every PCR back a
second way. swtpm, swtpm-tools and tpm2-tools are required
(tests/install-deps.sh).

Covers: TPM_RC_INITIALIZE before TPM2_Startup; the values PCR 16 (0s) and
PCR 17 (all ff) hold after Startup(CLEAR); chains of extends on PCRs 9,
15, 16 and 23, each read back; TPM_RC_LOCALITY when locality 0 extends
PCR 17..22. Exit 0 when all hold, 1 with a line per failure.
"""
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from tpmtest import free_ports

WIRE = None
FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def wire(*args):
    p = subprocess.run([WIRE] + [str(a) for a in args], capture_output=True, text=True)
    return p.returncode, p.stdout.strip()


class Tpm:
    """One connection to swtpm's data channel: raw TPM commands."""

    def __init__(self, port):
        deadline = time.monotonic() + 10
        while True:
            try:
                self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def send(self, cmd):
        self.s.sendall(cmd)
        head = self.recv(10)
        size = int.from_bytes(head[2:6], "big")
        return head + self.recv(max(0, size - 10))

    def recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.s.recv(n - len(data))
            if not chunk:
                raise OSError("swtpm closed the connection")
            data += chunk
        return data


def startup_clear():
    # TPM2_Startup(TPM_SU_CLEAR), Part 3 9.3: the test's own bytes
    return bytes.fromhex("80010000000c00000144" "0000")


def extend(tpm, pcr, digest):
    rc, cmd = wire("extend", pcr, digest.hex())
    assert rc == 0, cmd
    return wire("extend-rsp", tpm.send(bytes.fromhex(cmd)).hex())


def read(tpm, pcr):
    rc, cmd = wire("read", pcr)
    assert rc == 0, cmd
    return wire("read-rsp", pcr, tpm.send(bytes.fromhex(cmd)).hex())


def pcrread_tools(port, pcr):
    """The PCR's value as tpm2-tools reads it."""
    p = subprocess.run(["tpm2_pcrread", "-T", "swtpm:host=127.0.0.1,port=%d" % port,
                        "sha256:%d" % pcr], capture_output=True, text=True, timeout=30)
    for line in p.stdout.splitlines():
        k, _, v = line.strip().partition(":")
        if k.strip() == str(pcr):
            return v.strip().lower().removeprefix("0x")
    return "tpm2_pcrread failed: " + p.stderr.strip()


def run(tpm, want):
    rc, out = extend(tpm, 16, bytes(32))
    check(rc == 1 and out.startswith("%d 0x100 " % 5) and "TPM_RC_INITIALIZE" in out,
          "extend before TPM2_Startup: TPM_RC_INITIALIZE, -EIO (%s)" % out)
    check(tpm.send(startup_clear()) == bytes.fromhex("80010000000a00000000"),
          "TPM2_Startup(CLEAR) succeeds")
    check(read(tpm, 16) == (0, "00" * 32), "PCR 16 is 0 after Startup(CLEAR)")
    check(read(tpm, 17) == (0, "ff" * 32), "PCR 17 is all ff after Startup(CLEAR)")

    for pcr in (9, 15, 16, 23):
        rc, old = read(tpm, pcr)
        check(rc == 0 and len(old) == 64, "PCR %d reads (%s)" % (pcr, old))
        value = bytes.fromhex(old)
        for i in range(3):
            digest = hashlib.sha256(b"gpugate test %d %d" % (pcr, i)).digest()
            rc, out = extend(tpm, pcr, digest)
            check((rc, out) == (0, "ok"), "extend PCR %d #%d: %s" % (pcr, i, out))
            value = hashlib.sha256(value + digest).digest()
            check(read(tpm, pcr) == (0, value.hex()),
                  "PCR %d after extend #%d is SHA-256(old || digest)" % (pcr, i))
        want[pcr] = value.hex()

    for pcr in range(17, 23):
        rc, out = extend(tpm, pcr, bytes(32))
        check(rc == 1 and out.startswith("%d 0x907 " % 1) and "TPM_RC_LOCALITY" in out,
              "extend PCR %d from locality 0: TPM_RC_LOCALITY, -EPERM (%s)" % (pcr, out))
    check(read(tpm, 17) == (0, "ff" * 32), "PCR 17 unchanged by the refused extends")


def unallocated(port, ctrl):
    """Without a SHA-256 bank, PCR_Read answers no value (-ENOENT) and
    PCR_Extend of a SHA-256 digest succeeds doing nothing: a caller must
    read the PCR back (or check the bank) to know it measured anything."""
    p = subprocess.run(["tpm2_pcrallocate", "-T", "swtpm:host=127.0.0.1,port=%d" % port,
                        "sha1:all+sha256:none"], capture_output=True, text=True, timeout=30)
    check(p.returncode == 0, "tpm2_pcrallocate drops the SHA-256 bank " + p.stderr.strip())
    # a TPM reset (CMD_INIT on the control channel) makes the allocation take effect
    p = subprocess.run(["swtpm_ioctl", "--tcp", "127.0.0.1:%d" % ctrl, "-i"],
                       capture_output=True, text=True, timeout=30)
    check(p.returncode == 0, "swtpm_ioctl -i resets the TPM " + p.stderr.strip())
    tpm = Tpm(port)
    check(tpm.send(startup_clear()) == bytes.fromhex("80010000000a00000000"),
          "TPM2_Startup(CLEAR) after the reset")
    rc, out = read(tpm, 16)
    check(rc == 1 and out.startswith("%d 0x0 " % 2) and "not allocated" in out,
          "PCR_Read of an unallocated bank: -ENOENT (%s)" % out)
    rc, out = extend(tpm, 16, bytes(32))
    check((rc, out) == (0, "ok"), "PCR_Extend into an unallocated bank succeeds (%s)" % out)
    rc, out = read(tpm, 16)
    check(rc == 1 and "not allocated" in out, "and the bank stays absent (%s)" % out)
    tpm.s.close()


def main():
    global WIRE
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    WIRE = os.path.abspath(sys.argv[1])
    missing = [t for t in ("swtpm", "swtpm_ioctl", "tpm2_pcrread", "tpm2_pcrallocate")
               if not shutil.which(t)]
    if missing:
        print("test-swtpm: %s not installed (tests/install-deps.sh: swtpm swtpm-tools "
              "tpm2-tools)" % " ".join(missing))
        return 1
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gpugate-swtpm-") as state:
        port, ctrl = free_ports()
        # not-need-init: the TPM answers without the control channel's
        # CMD_INIT, so TPM2_Startup is this test's to send (or not)
        proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
             "--server", "type=tcp,port=%d,bindaddr=127.0.0.1" % port,
             "--ctrl", "type=tcp,port=%d,bindaddr=127.0.0.1" % ctrl,
             "--flags", "not-need-init", "--log", "file=" + os.path.join(state, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            tpm, want = Tpm(port), {}
            run(tpm, want)
            # swtpm serves one connection at a time: tpm2-tools comes after
            tpm.s.close()
            for pcr, value in sorted(want.items()):
                tools = pcrread_tools(port, pcr)
                check(tools == value, "tpm2_pcrread agrees on PCR %d (%s)" % (pcr, tools))
            unallocated(port, ctrl)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print("test-swtpm: %d failures, %.1f s" % (len(FAILS), time.monotonic() - start))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
