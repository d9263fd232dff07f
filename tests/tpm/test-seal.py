#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The sealing recipe of docs/attestation.md, run against Debian's swtpm.

    python3 tests/tpm/test-seal.py BUILD/gpugate POLICY

A secret is sealed with tpm2-tools (tpm2_createpolicy --policy-pcr,
tpm2_create) to the PCR value that `gpugate pcr -p POLICY` prints, and a
second secret to that value together with a boot-chain PCR (9, standing in
for the EFI stub's initrd measurement). Then, after a simulated reboot
each (TPM2_Shutdown, swtpm_ioctl -i, TPM2_Startup(CLEAR)), the event
strings of docs/attestation.md are extended with tpm2_pcrextend, one
extend per event, and tpm2_unseal must:
  - pass sequence, expected boot chain: unseal both secrets;
  - fail sequence: refuse both (TPM_RC_POLICY_FAIL), and still refuse
    after the pass words are extended on top of it;
  - the gate skipped (nothing extended into the PCR): refuse;
  - pass sequence after another initrd's measurement: the PCR-only secret
    unseals (why a verifier pins the boot chain too), the other is refused.
A last reboot extends two grub-like events before the pass sequence: the
shell fold of docs/attestation.md ("Grub hosts"), run as written there,
must give the PCR from grub's value, and from 0 what `gpugate pcr` gives.
For tests/tpm/policy-b8dd513.conf the pass and fail values the page
quotes must be the ones measured here.
After the pass and the fail sequence a verifier's check by hand runs too:
tpm2_quote with a fresh attestation key (tpm2_createek, tpm2_createak) and
nonce, tpm2_checkquote without a TPM; the verified PCR values must be the
pinned ones after a pass and the fail value after a fail. The pass and fail
values are also computed here, independently, with hashlib, and each PCR is
read back with tpm2_pcrread.

swtpm runs on two free loopback ports with a fresh state directory; every
tpm2-tools command is pointed at it with -T (never this machine's TPM).
swtpm has no resource manager: tpm2_flushcontext frees the transient
slots and sessions between steps. Exit 0 when all hold, 1 with a line
per failure.
"""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tpmtest import free_ports

FAILS = []
DOC = Path(__file__).resolve().parents[2] / "docs" / "attestation.md"
TOOLS = ("swtpm", "swtpm_ioctl", "tpm2_startup", "tpm2_shutdown", "tpm2_pcrextend", "tpm2_pcrread",
         "tpm2_createpolicy", "tpm2_createprimary", "tpm2_create", "tpm2_load",
         "tpm2_unseal", "tpm2_flushcontext", "tpm2_createek", "tpm2_createak",
         "tpm2_quote", "tpm2_checkquote")
BOOT_PCR = 9
INITRD = hashlib.sha256(b"the initrd image the verifier expects").digest()
OTHER_INITRD = hashlib.sha256(b"an initrd without gpugate").digest()


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def fold(strings, value=bytes(32)):
    """The PCR after extending SHA-256(s) for each s, from @value."""
    for s in strings:
        value = hashlib.sha256(value + hashlib.sha256(s.encode()).digest()).digest()
    return value


class Tpm:
    def __init__(self, state, work):
        self.state, self.work = state, work
        self.port, _ = free_ports()
        self.tcti = "swtpm:host=127.0.0.1,port=%d" % self.port
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
             "--server", "type=tcp,port=%d,bindaddr=127.0.0.1" % self.port,
             "--ctrl", "type=tcp,port=%d,bindaddr=127.0.0.1" % (self.port + 1),
             "--flags", "not-need-init", "--log", "file=" + os.path.join(state, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def tool(self, *args, ok=True):
        """Run a tpm2-tools command against this swtpm; (rc, stdout, stderr)."""
        env = dict(os.environ, TPM2TOOLS_TCTI=self.tcti)
        p = subprocess.run([args[0], "-T", self.tcti] + [str(a) for a in args[1:]],
                           capture_output=True, text=True, timeout=30, env=env)
        if ok and p.returncode != 0:
            raise RuntimeError("%s: %s" % (" ".join(args), p.stderr.strip()))
        return p.returncode, p.stdout, p.stderr

    def flush(self):
        """Free the transient objects and the sessions."""
        self.tool("tpm2_flushcontext", "-t", "-s")

    def power_cycle(self):
        """An orderly reboot: TPM2_Shutdown(CLEAR), TPM2_Init (swtpm's
        CMD_INIT), TPM2_Startup(CLEAR): every PCR 0-15 back to its start
        value, the seeds kept. (Without the Shutdown, each reset after a
        use of the primary key counts as an authorization failure: swtpm
        locks out after 3.)"""
        self.tool("tpm2_shutdown", "-c")
        p = subprocess.run(["swtpm_ioctl", "--tcp", "127.0.0.1:%d" % (self.port + 1), "-i"],
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError("swtpm_ioctl -i: " + p.stderr.strip())
        self.tool("tpm2_startup", "-c")
        self.primary()

    def primary(self):
        """The storage primary key, derived again from the owner seed after
        each reset (a saved transient context does not survive one); its
        context is saved to prim.ctx for tpm2_create and tpm2_load."""
        self.tool("tpm2_createprimary", "-Q", "-C", "o", "-G", "ecc", "-c", os.path.join(self.work, "prim.ctx"))
        self.flush()

    def extend(self, pcr, strings):
        """One TPM2_PCR_Extend per string, in order (one tpm2_pcrextend
        run sends one command per argument)."""
        self.tool("tpm2_pcrextend", *["%d:sha256=%s" % (pcr, hashlib.sha256(s.encode()).hexdigest())
                                      for s in strings])

    def extend_digest(self, pcr, digest):
        self.tool("tpm2_pcrextend", "%d:sha256=%s" % (pcr, digest.hex()))

    def pcr(self, pcr):
        _, out, _ = self.tool("tpm2_pcrread", "sha256:%d" % pcr)
        m = re.search(r"^\s*%d\s*:\s*0x([0-9A-Fa-f]{64})\s*$" % pcr, out, re.M)
        return m.group(1).lower() if m else "unreadable: " + out.strip()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def seal(tpm, d, name, pcrs, values, secret):
    """Seal @secret to SHA-256 PCRs @pcrs holding @values (computed
    offline: tpm2_createpolicy -f takes the values, in PCR order)."""
    with open(os.path.join(d, name + ".pcrs"), "wb") as f:
        f.write(b"".join(values))
    with open(os.path.join(d, name + ".secret"), "w") as f:
        f.write(secret)
    sel = "sha256:" + ",".join(str(p) for p in pcrs)
    tpm.tool("tpm2_createpolicy", "--policy-pcr", "-l", sel, "-f", os.path.join(d, name + ".pcrs"),
             "-L", os.path.join(d, name + ".policy"))
    tpm.tool("tpm2_create", "-Q", "-C", os.path.join(d, "prim.ctx"), "-L", os.path.join(d, name + ".policy"),
             "-i", os.path.join(d, name + ".secret"), "-u", os.path.join(d, name + ".pub"),
             "-r", os.path.join(d, name + ".priv"))
    tpm.flush()
    return sel


def unseal(tpm, d, name, sel):
    """(secret or None, stderr)."""
    tpm.tool("tpm2_load", "-Q", "-C", os.path.join(d, "prim.ctx"), "-u", os.path.join(d, name + ".pub"),
             "-r", os.path.join(d, name + ".priv"), "-c", os.path.join(d, name + ".ctx"))
    rc, out, err = tpm.tool("tpm2_unseal", "-c", os.path.join(d, name + ".ctx"), "-p", "pcr:" + sel, ok=False)
    tpm.flush()
    return (out if rc == 0 else None), err


def unsealed(result, secret):
    if result[0] != secret:
        print("     tpm2_unseal: %r %s" % (result[0], result[1].strip()))
    return result[0] == secret


def refused(result):
    """Refused by the PCR policy: TPM_RC_POLICY_FAIL on session 1 (0x99d),
    not some other error."""
    secret, err = result
    if secret is not None or "0x0000099d" not in err.lower():
        print("     tpm2_unseal: %r %s" % (secret, err.strip()))
    return secret is None and "0x0000099d" in err.lower()


def quote(tpm, d, pcrs):
    """A verifier's check by hand: quote @pcrs (SHA-256) with a fresh
    attestation key and nonce, verify it with tpm2_checkquote, and return
    {pcr: hex} from the verified quote (None when it does not verify)."""
    ctx = lambda n: os.path.join(d, n)
    nonce = os.urandom(16).hex()
    sel = "sha256:" + ",".join(str(p) for p in pcrs)
    tpm.tool("tpm2_createek", "-c", ctx("ek.ctx"), "-G", "ecc", "-u", ctx("ek.pub"))
    tpm.tool("tpm2_createak", "-C", ctx("ek.ctx"), "-c", ctx("ak.ctx"), "-G", "ecc", "-g", "sha256",
             "-s", "ecdsa", "-u", ctx("ak.pem"), "-f", "pem", "-n", ctx("ak.name"))
    tpm.flush()
    tpm.tool("tpm2_quote", "-c", ctx("ak.ctx"), "-l", sel, "-q", nonce, "-m", ctx("q.msg"),
             "-s", ctx("q.sig"), "-o", ctx("q.pcrs"), "-g", "sha256")
    tpm.flush()
    # the verifier's side: no TPM, only the AK's public key
    check_quote = lambda n: subprocess.run(
        ["tpm2_checkquote", "-u", ctx("ak.pem"), "-m", ctx("q.msg"), "-s", ctx("q.sig"),
         "-f", ctx("q.pcrs"), "-g", "sha256", "-q", n], capture_output=True, text=True, timeout=30)
    p = check_quote(nonce)
    if p.returncode != 0:
        print("     tpm2_checkquote: " + p.stderr.strip())
        return None
    # the nonce is checked: another one must not verify
    if check_quote(nonce[:-1] + ("0" if nonce[-1] != "0" else "1")).returncode == 0:
        print("     tpm2_checkquote accepted another nonce")
        return None
    out = p.stdout
    return {int(n): v.lower() for n, v in re.findall(r"^\s*(\d+)\s*:\s*0x([0-9A-Fa-f]{64})\s*$", out, re.M)}


def doc_fold(policy, start):
    """Run the shell fold of docs/attestation.md ("Grub hosts") as written
    there, from PCR value @start (hex), on a copy of @policy named
    policy.conf; its output, or an error text."""
    lines = DOC.read_text().splitlines()
    try:
        first = next(i for i, l in enumerate(lines) if l.strip() == "extend() {  # extend VALUE_HEX DIGEST_HEX: prints the new value")
        last = next(i for i in range(first, len(lines)) if lines[i].strip() == 'echo "$v"')
    except StopIteration:
        return "the fold is not in " + str(DOC)
    indent = len(lines[first]) - len(lines[first].lstrip())
    script = "\n".join(l[indent:] for l in lines[first:last + 1]) + "\n"
    with tempfile.TemporaryDirectory(prefix="gpugate-fold-") as d:
        shutil.copyfile(policy, os.path.join(d, "policy.conf"))
        p = subprocess.run(["bash", "-c", script], cwd=d, capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, GRUB_PCR8=start))
    return p.stdout.strip() if p.returncode == 0 else "bash: exit %d %s" % (p.returncode, p.stderr.strip())


def pass_value(gpugate, policy):
    p = subprocess.run([gpugate, "pcr", "-p", policy], capture_output=True, text=True, timeout=30)
    out = p.stdout.strip()
    if p.returncode != 0 or not re.fullmatch(r"[0-9a-f]{64}", out):
        raise RuntimeError("gpugate pcr -p %s: exit %d, %r %s" % (policy, p.returncode, out, p.stderr.strip()))
    return out


def policy_value(gpugate, policy, key):
    """What `gpugate policy KEY` says for @policy."""
    p = subprocess.run([gpugate, "-p", policy, "policy", key], capture_output=True, text=True, timeout=30)
    m = re.fullmatch(re.escape(key) + r"=(.*)", p.stdout.strip())
    if p.returncode != 0 or not m:
        raise RuntimeError("gpugate policy %s: exit %d, %r" % (key, p.returncode, p.stdout))
    return m.group(1)


def run(tpm, d, gpugate, policy):
    pcr = int(policy_value(gpugate, policy, "tpm.pcr"))
    with open(policy, "rb") as f:
        first = ["gpugate policy sha256:" + hashlib.sha256(f.read()).hexdigest()]
    baseline = policy_value(gpugate, policy, "baseline.file")
    if baseline:
        with open(baseline, "rb") as f:
            first.append("gpugate baseline sha256:" + hashlib.sha256(f.read()).hexdigest())
    passing = first + ["gpugate gate pass v1", "gpugate verify pass v1"]
    failing = first + ["gpugate gate fail v1", "gpugate verify fail v1"]
    want = pass_value(gpugate, policy)
    check(want == fold(passing).hex(), "gpugate pcr -p %s prints the fold of the pass sequence (%s)"
          % (os.path.basename(policy), want))
    if os.path.basename(policy) == "policy-b8dd513.conf":
        text = DOC.read_text()
        check(want in text and fold(failing).hex() in text,
              "attestation.md gives this policy's pass and fail values as measured here")
    # the fold in the doc names the policy only; a baseline is an added line there
    grub_doc = not baseline
    if grub_doc:
        check(doc_fold(policy, "00" * 32) == want, "the shell fold of attestation.md from 0 gives the same value")
    boot = hashlib.sha256(bytes(32) + INITRD).digest()

    tpm.primary()
    gate_only = seal(tpm, d, "gate", [pcr], [bytes.fromhex(want)], "fleet credential")
    both = seal(tpm, d, "both", sorted([pcr, BOOT_PCR]),
                [bytes.fromhex(want), boot] if pcr < BOOT_PCR else [boot, bytes.fromhex(want)],
                "disk key")

    # 1. the expected initrd, then a passing gate and verify
    tpm.power_cycle()
    tpm.extend_digest(BOOT_PCR, INITRD)
    tpm.extend(pcr, passing)
    check(tpm.pcr(pcr) == want, "pass sequence: PCR %d reads what gpugate pcr printed" % pcr)
    check(quote(tpm, d, sorted([pcr, BOOT_PCR])) == {pcr: want, BOOT_PCR: boot.hex()},
          "pass sequence: a verified quote holds the pinned PCR %d and %d values" % (pcr, BOOT_PCR))
    check(unsealed(unseal(tpm, d, "gate", gate_only), "fleet credential"),
          "pass sequence: the PCR %d secret unseals" % pcr)
    check(unsealed(unseal(tpm, d, "both", both), "disk key"),
          "pass sequence and the expected initrd: the PCR %d+%d secret unseals" % (pcr, BOOT_PCR))

    # 2. a failing gate; a fail word cannot be undone
    tpm.power_cycle()
    tpm.extend_digest(BOOT_PCR, INITRD)
    tpm.extend(pcr, failing)
    value = tpm.pcr(pcr)
    check(value == fold(failing).hex() and value != want, "fail sequence: PCR %d holds the fail value (%s)"
          % (pcr, value))
    check(refused(unseal(tpm, d, "gate", gate_only)), "fail sequence: unseal refused (TPM_RC_POLICY_FAIL)")
    got = quote(tpm, d, [pcr])
    check(got is not None and got.get(pcr) == fold(failing).hex(),
          "fail sequence: a verified quote holds the fail value, not the pinned one")
    check(refused(unseal(tpm, d, "both", both)), "fail sequence: the PCR %d+%d secret refused" % (pcr, BOOT_PCR))
    tpm.extend(pcr, passing[1:])
    check(tpm.pcr(pcr) == fold(failing + passing[1:]).hex(), "fail then pass words: PCR %d folded them" % pcr)
    check(refused(unseal(tpm, d, "gate", gate_only)), "fail then pass words: unseal still refused")

    # 3. the gate never ran (a host booted without it)
    tpm.power_cycle()
    tpm.extend_digest(BOOT_PCR, INITRD)
    check(tpm.pcr(pcr) == "00" * 32, "gate skipped: PCR %d is still 0" % pcr)
    check(refused(unseal(tpm, d, "gate", gate_only)), "gate skipped: unseal refused")

    # 4. another initrd that extends the same strings from user space
    tpm.power_cycle()
    tpm.extend_digest(BOOT_PCR, OTHER_INITRD)
    tpm.extend(pcr, passing)
    check(unsealed(unseal(tpm, d, "gate", gate_only), "fleet credential"),
          "other initrd replaying the pass strings: the PCR %d-only secret unseals (pin the boot chain too)" % pcr)
    check(refused(unseal(tpm, d, "both", both)),
          "other initrd replaying the pass strings: the PCR %d+%d secret refused" % (pcr, BOOT_PCR))

    # 5. a grub host: grub's events come first in the PCR
    tpm.power_cycle()
    grub = ["grub_cmd: linux /vmlinuz root=/dev/sda1 intel_iommu=on", "kernel_cmdline: /vmlinuz root=/dev/sda1 intel_iommu=on"]
    tpm.extend(pcr, grub)
    tpm.extend(pcr, passing)
    value = tpm.pcr(pcr)
    check(value == fold(grub + passing).hex() and value != want,
          "grub host: PCR %d holds grub's events, then the pass sequence (%s)" % (pcr, value))
    if grub_doc:
        check(doc_fold(policy, fold(grub).hex()) == value,
              "grub host: the shell fold of attestation.md from grub's value gives PCR %d" % pcr)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    gpugate, policy = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    missing = [t for t in TOOLS if not shutil.which(t)]
    if missing:
        print("test-seal: %s not installed (tests/install-deps.sh: swtpm swtpm-tools tpm2-tools)"
              % " ".join(missing))
        return 1
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gpugate-seal-") as d:
        state = os.path.join(d, "state")
        os.mkdir(state)
        tpm = Tpm(state, d)
        try:
            tpm.tool("tpm2_startup", "-c")
            run(tpm, d, gpugate, policy)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            check(False, "test-seal: %s" % e)
        finally:
            tpm.stop()
    print("test-seal: %d failures, %.1f s" % (len(FAILS), time.monotonic() - start))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
