#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tpmdev.c and measfile.c against swtpm and against fake TPMs, in --root trees.

    python3 tests/tpm/test-tpmdev.py BUILD/unit/tpmdev_run

Every case runs tpmdev_run (tests/tpm/tpmdev_run.c) with --root TREE, where
TREE/dev/tpmrm0 (or TREE/dev/tpm0) is either swtpm's unix socket
(`swtpm socket --server type=unixio,...`) or a socket served here by a
fake TPM: one that never answers, answers short, malformed or oversized
responses, asks to retry, or forwards to swtpm while misbehaving. This
machine's /dev/tpm* is never opened: the only device node made is a
/dev/null-like one (mknod c 1 3) inside a temporary tree, which must be
refused.

Expected PCR values are computed here with hashlib (an extend makes a
SHA-256 PCR SHA-256(old || digest), TPM 2.0 Part 1 17.2), and PCRs are read
back a second way with a PCR_Read whose bytes this script builds itself.
Exit 0 when all hold, 1 with a line per failure.
"""
import fcntl
import hashlib
import os
import resource
import signal
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

from tpmtest import free_ports, wait_listening

RUN = None
FAILS = []
EPERM, ENOENT, EIO, EAGAIN, EINVAL, EBADMSG, ELOOP, ETIMEDOUT, ECONNREFUSED = \
    1, 2, 5, 11, 22, 74, 40, 110, 111
EFBIG = 27
RC_RETRY = 0x922


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def run(root, *args, timeout=30):
    """tpmdev_run --root ROOT ARGS: (exit code, stdout lines, seconds)."""
    start = time.monotonic()
    p = subprocess.run([RUN, "--root", root] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout.splitlines(), time.monotonic() - start


def error_of(out):
    """(errno, why) of an "error ERRNO why" line, else (None, '')."""
    for line in out:
        if line.startswith("error "):
            _, num, why = line.split(" ", 2)
            return int(num), why
    return None, ""


def fold(value, digest):
    return hashlib.sha256(value + digest).digest()


def sha(text):
    return hashlib.sha256(text.encode()).digest()


def tree(base, name):
    root = os.path.join(base, name)
    os.makedirs(os.path.join(root, "dev"))
    return root


class Swtpm:
    """swtpm serving raw TPM commands on the unix socket @path."""

    def __init__(self, path, state):
        os.makedirs(state, exist_ok=True)
        self.proc = subprocess.Popen(
            ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
             "--server", "type=unixio,path=" + path,
             "--ctrl", "type=unixio,path=" + os.path.join(state, "ctrl"),
             "--flags", "not-need-init,startup-clear",
             "--log", "file=" + os.path.join(state, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_listening(path)
        except OSError:
            self.__exit__()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise OSError("connection closed")
        data += chunk
    return data


def recv_msg(s):
    head = recv_exact(s, 10)
    return head + recv_exact(s, int.from_bytes(head[2:6], "big") - 10)


def pcr_read_raw(path, pcr):
    """PCR @pcr's SHA-256 value, with this script's own PCR_Read (Part 3 22.4)."""
    bitmap = bytearray(3)
    bitmap[pcr // 8] |= 1 << (pcr % 8)
    cmd = bytes.fromhex("8001" "00000014" "0000017e" "00000001" "000b" "03") + bytes(bitmap)
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(cmd)
        rsp = recv_msg(s)
    # header, updateCounter, TPML_PCR_SELECTION (1 x hash, size 3, bitmap),
    # TPML_DIGEST count 1, TPM2B size 32
    assert rsp[6:10] == bytes(4) and len(rsp) == 10 + 4 + 4 + 2 + 1 + 3 + 4 + 2 + 32, rsp.hex()
    return rsp[-32:]


def error_rsp(rc):
    return bytes.fromhex("8001" "0000000a") + rc.to_bytes(4, "big")


class Fake:
    """A fake TPM on the unix socket @path. @answer(i, cmd, forward) gives
    the bytes to send for the i-th command (None: never answer, then the
    connection stays open; a list: pieces sent with pauses; a tuple
    (bytes, close): close the connection after them), where forward(cmd) is swtpm's response when
    @upstream names swtpm's socket. Counts commands in self.count.

    close() ends the accept thread before it closes the listening socket:
    closing the descriptor under a thread blocked in accept() would leave
    that thread waiting on the descriptor's number, and a signal that
    restarts the call (SIGCHLD of tpmdev_run) makes it accept on whatever
    socket has that number next: the next Fake's, whose connection it would
    then serve with this Fake's answers."""

    def __init__(self, path, answer, upstream=None):
        self.path, self.answer, self.upstream = path, answer, upstream
        self.count, self.conns, self.held, self.sessions = 0, 0, [], []
        self.foreign = []
        self.srv = socket.socket(socket.AF_UNIX)
        self.srv.bind(path)
        self.srv.listen(4)
        self.server = threading.Thread(target=self.serve, daemon=True)
        self.server.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            if conn.getsockname() != self.path:
                self.foreign.append(conn.getsockname())
            self.conns += 1
            t = threading.Thread(target=self.session, args=(conn,), daemon=True)
            self.sessions.append(t)
            t.start()

    def session(self, conn):
        up = None
        if self.upstream:
            up = socket.socket(socket.AF_UNIX)
            up.connect(self.upstream)

        def forward(cmd):
            up.sendall(cmd)
            return recv_msg(up)

        try:
            while True:
                cmd = recv_msg(conn)
                self.count += 1
                rsp = self.answer(self.count, cmd, forward)
                if rsp is None:
                    self.held.append(conn)
                    return
                if isinstance(rsp, list):  # pieces, with a pause between
                    for piece in rsp:
                        conn.sendall(piece)
                        time.sleep(0.002)
                elif isinstance(rsp, tuple):  # (bytes, close afterwards)
                    conn.sendall(rsp[0])
                    if rsp[1]:
                        conn.close()
                        return
                else:
                    conn.sendall(rsp)
        except OSError:
            pass
        finally:
            if up:
                up.close()

    def close(self):
        """Stop accepting (shutdown wakes accept() with EINVAL), wait for the
        threads, then close the sockets. A thread still running, or a
        connection accepted from another socket, is an error of this script."""
        self.srv.shutdown(socket.SHUT_RDWR)
        self.server.join(10)
        for t in self.sessions:
            t.join(10)
        alive = [t for t in [self.server] + self.sessions if t.is_alive()]
        self.srv.close()
        for c in self.held:
            c.close()
        if alive or self.foreign:
            raise RuntimeError("fake TPM %s: %d threads still running, connections from %s"
                               % (self.path, len(alive), self.foreign))


def test_swtpm(base):
    root = tree(base, "swtpm")
    path = os.path.join(root, "dev", "tpmrm0")
    with Swtpm(path, os.path.join(base, "swtpm-state")):
        rc, out, _ = run(root, "open")
        check(rc == 0 and out[0] == "open /dev/tpmrm0 socket", "open: swtpm's socket (%s)" % out)
        rc, out, _ = run(root, "read", 8)
        check((rc, out[0]) == (0, "PCR 8 " + "00" * 32), "PCR 8 reads 0 after Startup (%s)" % out)
        events = ["gpugate policy sha256:" + hashlib.sha256(b"policy").hexdigest(),
                  "gpugate gate pass v1"]
        rc, out, secs = run(root, "extend", 8, *[sha(e).hex() for e in events])
        value, want = bytes(32), []
        for e in events:
            value = fold(value, sha(e))
            want.append("PCR 8 " + value.hex())
        check(rc == 0 and out[:2] == want,
              "two extends of PCR 8 read back SHA-256(old || digest) each (%s, %.2f s)"
              % (out, secs))
        check(out[2:] == ["hung 0 open-after-close 0"], "and the socket is closed (%s)" % out)
        check(pcr_read_raw(path, 8) == value, "this script's PCR_Read agrees on PCR 8")
        rc, out, _ = run(root, "read", 8)
        check(out[0] == "PCR 8 " + value.hex(), "tpmdev_pcr_read agrees on PCR 8 (%s)" % out)

        rc, out, _ = run(root, "extend", 17, sha("x").hex())
        err, why = error_of(out)
        check(rc == 1 and err == EPERM and "TPM_RC_LOCALITY" in why,
              "extend of PCR 17: -EPERM, TPM_RC_LOCALITY (%s)" % out)
        rc, out, _ = run(root, "extend", 24, sha("x").hex())
        check(rc == 1 and error_of(out)[0] == EINVAL, "extend of PCR 24: -EINVAL (%s)" % out)
        test_retry(base, path)
        test_misbehaving_upstream(base, path)


def test_tpm0(base):
    root = tree(base, "tpm0")
    path = os.path.join(root, "dev", "tpm0")
    with Swtpm(path, os.path.join(base, "tpm0-state")):
        rc, out, _ = run(root, "extend", 9, sha("a").hex())
        check(rc == 0 and out[0] == "PCR 9 " + fold(bytes(32), sha("a")).hex(),
              "no tpmrm0: /dev/tpm0 is used (%s)" % out)
        rc, out, _ = run(root, "open")
        check(out[0] == "open /dev/tpm0 socket", "open names /dev/tpm0 (%s)" % out)


def test_unallocated(base):
    """swtpm with the SHA-256 bank dropped (tpm2_pcrallocate, then a reset)."""
    state = os.path.join(base, "nosha256-state")
    os.makedirs(state)
    port, ctrl = free_ports()
    proc = subprocess.Popen(
        ["swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
         "--server", "type=tcp,port=%d,bindaddr=127.0.0.1" % port,
         "--ctrl", "type=tcp,port=%d,bindaddr=127.0.0.1" % ctrl,
         "--flags", "not-need-init,startup-clear"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        p = subprocess.run(["tpm2_pcrallocate", "-T", "swtpm:host=127.0.0.1,port=%d" % port,
                            "sha1:all+sha256:none"], capture_output=True, text=True, timeout=30)
        check(p.returncode == 0, "tpm2_pcrallocate drops the SHA-256 bank " + p.stderr.strip())
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    root = tree(base, "nosha256")
    with Swtpm(os.path.join(root, "dev", "tpmrm0"), state):
        rc, out, _ = run(root, "extend", 8, sha("a").hex())
        err, why = error_of(out)
        check(rc == 1 and err == ENOENT and "not allocated" in why,
              "no SHA-256 bank: extend is -ENOENT (%s)" % out)


def fake_tree(base, name, answer, upstream=None):
    root = tree(base, name)
    return root, Fake(os.path.join(root, "dev", "tpmrm0"), answer, upstream)


def test_fake_close(base):
    """This script's Fake: once closed, no thread of it accepts a connection
    meant for a later socket with the same descriptor number, even when a
    discarded SIGCHLD restarts a blocked accept() (sent here while this
    thread blocks SIGCHLD, so the kernel hands it to another thread)."""
    _, fake = fake_tree(base, "closed-fake", lambda i, cmd, fwd: None)
    time.sleep(0.05)  # its thread is in accept()
    fd = fake.srv.fileno()
    fake.close()
    with socket.socket(socket.AF_UNIX) as srv, socket.socket(socket.AF_UNIX) as c:
        same = srv.fileno() == fd
        srv.bind(os.path.join(base, "after-close.sock"))
        srv.listen(4)
        c.connect(os.path.join(base, "after-close.sock"))
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGCHLD])
        os.kill(os.getpid(), signal.SIGCHLD)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGCHLD])
        time.sleep(0.05)
        srv.settimeout(1)
        try:
            srv.accept()[0].close()
            mine = True
        except socket.timeout:
            mine = False
    check(same and mine and fake.conns == 0,
          "a closed fake TPM takes no connection of the next socket on its descriptor %d "
          "(%s, %d taken)" % (fd, "accepted here" if mine else "gone", fake.conns))


def test_retry(base, upstream):
    """-EAGAIN answers are resent, a bounded number of times, within the timeout."""
    root, fake = fake_tree(base, "retry2",
                           lambda i, cmd, fwd: error_rsp(RC_RETRY) if i <= 2 else fwd(cmd),
                           upstream)
    before = pcr_read_raw(upstream, 10)
    rc, out, _ = run(root, "extend", 10, sha("r").hex())
    check(rc == 0 and out[0] == "PCR 10 " + fold(before, sha("r")).hex() and fake.count == 5,
          "two TPM_RC_RETRY answers, then the extend (%d commands: %s)" % (fake.count, out))
    fake.close()

    root, fake = fake_tree(base, "retry-always", lambda i, cmd, fwd: error_rsp(RC_RETRY))
    rc, out, secs = run(root, "--timeout", 5000, "read", 8)
    err, why = error_of(out)
    check(rc == 1 and err == EAGAIN and "TPM_RC_RETRY" in why and 2 <= fake.count <= 9
          and secs < 6, "TPM_RC_RETRY forever: -EAGAIN after %d commands in %.2f s (%s)"
          % (fake.count, secs, out))
    fake.close()

    root, fake = fake_tree(base, "retry-short", lambda i, cmd, fwd: error_rsp(RC_RETRY))
    rc, out, secs = run(root, "--timeout", 100, "read", 8)
    check(rc == 1 and error_of(out)[0] == EAGAIN and secs < 1.0 and fake.count <= 4,
          "TPM_RC_RETRY with a 100 ms timeout: stops within it (%d commands, %.2f s)"
          % (fake.count, secs))
    fake.close()


def test_misbehaving_upstream(base, upstream):
    """A TPM that says it extended and did not (as an extend into an
    unallocated bank does), and one whose answer arrives in pieces."""
    root, fake = fake_tree(
        base, "noop-extend",
        lambda i, cmd, fwd: (bytes.fromhex("80020000001300000000000000000000010000")
                             if cmd[6:10] == bytes.fromhex("00000182") else fwd(cmd)),
        upstream)
    rc, out, _ = run(root, "extend", 8, sha("n").hex())
    err, why = error_of(out)
    check(rc == 1 and err == EIO and "not SHA-256(before || digest)" in why,
          "an extend that changes nothing fails the read-back (%s)" % out)
    fake.close()

    def pieces(i, cmd, fwd):
        rsp = fwd(cmd)
        return [rsp[k:k + 1] for k in range(len(rsp))]

    root, fake = fake_tree(base, "pieces", pieces, upstream)
    before = pcr_read_raw(upstream, 11)
    rc, out, _ = run(root, "extend", 11, sha("p").hex())
    check(rc == 0 and out[0] == "PCR 11 " + fold(before, sha("p")).hex(),
          "responses arriving a byte at a time are read whole (%s)" % out)
    fake.close()


def test_bad_answers(base):
    extend = "8002000000410000018200000008" + "00" * 51
    root, fake = fake_tree(base, "silent", lambda i, cmd, fwd: None)
    rc, out, secs = run(root, "--timeout", 300, "transact", extend)
    check(rc == 1 and error_of(out)[0] == ETIMEDOUT and 0.3 <= secs < 1.3,
          "a TPM that never answers: -ETIMEDOUT after %.2f s (timeout 0.3 s)" % secs)
    check("hung 1 open-after-close 1" in out, "hung is set and close leaves the fd (%s)" % out)
    fake.close()

    root, fake = fake_tree(base, "silent-extend", lambda i, cmd, fwd: None)
    rc, out, secs = run(root, "--timeout", 300, "extend", 8, sha("s").hex())
    check(rc == 1 and error_of(out)[0] == ETIMEDOUT and secs < 1.3 and fake.count == 1,
          "extend on a silent TPM: -ETIMEDOUT, nothing sent after (%.2f s, %d commands)"
          % (secs, fake.count))
    fake.close()

    cases = [
        ("short", bytes.fromhex("80020000001300000000") + b"\0\0", True,
         EBADMSG, "ended after 12 bytes"),
        ("closed", b"", True, EBADMSG, "ended after 0 bytes"),
        ("half-header", bytes.fromhex("800200"), True, EBADMSG, "ended after 3"),
        ("size-6", bytes.fromhex("80020000000600000000"), False, EBADMSG, "size of 6 bytes"),
        ("size-5000", bytes.fromhex("80020000138800000000"), False, EBADMSG,
         "size of 5000 bytes"),
        ("garbage", bytes.fromhex("c4c40000001300000000") + bytes(9), False, EBADMSG, ""),
    ]
    for name, data, close, want, text in cases:
        root, fake = fake_tree(base, name, lambda i, cmd, fwd, data=data, close=close:
                               (data, close) if i == 1 else None)
        rc, out, secs = run(root, "--timeout", 2000, "extend", 8, sha("g").hex())
        err, why = error_of(out)
        check(rc == 1 and err == want and text in why and secs < 2.0,
              "%s response: errno %s (%s, %.2f s)" % (name, err, why, secs))
        fake.close()


def test_nodes(base):
    rc, out, _ = run(tree(base, "empty"), "open")
    check(rc == 1 and error_of(out)[0] == ENOENT, "empty dev/: -ENOENT (%s)" % out)
    root = os.path.join(base, "nodev")
    os.makedirs(root)
    rc, out, _ = run(root, "open")
    check(rc == 1 and error_of(out)[0] == ENOENT, "no dev/ at all: -ENOENT (%s)" % out)

    # a device node under --root is refused, with no fallback to a tpm0 socket
    root = tree(base, "chardev")
    os.mknod(os.path.join(root, "dev", "tpmrm0"), 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    fake = Fake(os.path.join(root, "dev", "tpm0"), lambda i, cmd, fwd: None)
    rc, out, _ = run(root, "open")
    err, why = error_of(out)
    check(rc == 1 and err == EPERM and "device node" in why and fake.conns == 0,
          "a character device under --root: -EPERM, tpm0 not tried (%s)" % out)
    fake.close()

    root = tree(base, "regular")
    open(os.path.join(root, "dev", "tpmrm0"), "w").close()
    rc, out, _ = run(root, "open")
    check(rc == 1 and error_of(out)[0] == EINVAL and "not a unix socket" in out[0],
          "a regular file as dev/tpmrm0: -EINVAL (%s)" % out)

    root = tree(base, "stale")
    s = socket.socket(socket.AF_UNIX)
    s.bind(os.path.join(root, "dev", "tpmrm0"))
    s.close()
    rc, out, _ = run(root, "open")
    check(rc == 1 and error_of(out)[0] == ECONNREFUSED,
          "a socket nobody listens on: -ECONNREFUSED (%s)" % out)

    root = tree(base, "link-to-null")
    os.symlink("/dev/null", os.path.join(root, "dev", "tpmrm0"))
    rc, out, _ = run(root, "open")
    check(rc == 1 and error_of(out)[0] == EPERM and "symbolic link" in out[0],
          "a link from the tree to a device outside it: -EPERM (%s)" % out)

    # a link to a working simulator socket is refused too: only the tree's own socket
    root = tree(base, "link-to-socket")
    fake = Fake(os.path.join(base, "outside.sock"), lambda i, cmd, fwd: None)
    os.symlink(os.path.join(base, "outside.sock"), os.path.join(root, "dev", "tpmrm0"))
    rc, out, _ = run(root, "open")
    check(rc == 1 and error_of(out)[0] == EPERM and fake.conns == 0,
          "a link to a socket outside the tree: -EPERM, not connected (%s)" % out)
    fake.close()


def test_log(base):
    root = os.path.join(base, "log")
    os.makedirs(root)
    path = os.path.join(root, "run/log/systemd/tpm2-measure.log")
    rc, out, _ = run(root, "log", "\x1erecord 1\n", "\x1erecord 2\n")
    check((rc, out) == (0, ["logged 2"]), "log: two appends (%s)" % out)
    check(open(path).read() == "\x1erecord 1\n\x1erecord 2\n", "the log holds both records")
    check(stat.S_IMODE(os.stat(path).st_mode) == 0o600, "the log is created 0600")
    modes = [stat.S_IMODE(os.stat(os.path.join(root, d)).st_mode)
             for d in ("run", "run/log", "run/log/systemd")]
    check(modes == [0o755] * 3, "its directories are created 0755 (%s)" % [oct(m) for m in modes])
    rc, out, _ = run(root, "log", "\x1erecord 3\n")
    check(rc == 0 and open(path).read().count("\x1e") == 3, "a second run appends")

    # the lock: a holder of LOCK_EX makes the writer wait
    with open(path) as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        p = subprocess.Popen([RUN, "--root", root, "log", "\x1elocked\n"],
                             stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        check(p.poll() is None and "locked" not in open(path).read(),
              "the writer waits while another process holds flock(LOCK_EX)")
        fcntl.flock(f, fcntl.LOCK_UN)
        p.wait(timeout=10)
    check(p.returncode == 0 and open(path).read().endswith("\x1elocked\n"),
          "and appends once the lock is released")

    # a record that cannot be written whole (RLIMIT_FSIZE: the write is
    # short, the resend fails with EFBIG) is an error, not a success
    root = os.path.join(base, "log-full")
    os.makedirs(root)

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20, 20))

    p = subprocess.run([RUN, "--root", root, "log", "\x1e" + "x" * 30 + "\n"],
                       capture_output=True, text=True, timeout=10, preexec_fn=small_files)
    err, why = error_of(p.stdout.splitlines())
    check(p.returncode == 1 and err == EFBIG and "20 of 32 bytes" in why,
          "a record written short: -EFBIG with what was written (%s)" % p.stdout.strip())

    root = os.path.join(base, "log-link")
    os.makedirs(os.path.join(root, "run/log/systemd"))
    target = os.path.join(base, "log-link-target")
    open(target, "w").close()
    os.symlink(target, os.path.join(root, "run/log/systemd/tpm2-measure.log"))
    rc, out, _ = run(root, "log", "x")
    err, why = error_of(out)
    check(rc == 1 and err == ELOOP and "symbolic link" in why and os.path.getsize(target) == 0,
          "a symbolic link as the log: -ELOOP, its target untouched (%s)" % out)

    root = os.path.join(base, "log-fifo")
    os.makedirs(os.path.join(root, "run/log/systemd"))
    os.mkfifo(os.path.join(root, "run/log/systemd/tpm2-measure.log"))
    rc, out, secs = run(root, "log", "x", timeout=10)
    check(rc == 1 and error_of(out)[0] in (EINVAL, 6) and secs < 5,
          "a FIFO as the log: refused without blocking (%s)" % out)

    root = os.path.join(base, "log-notdir")
    os.makedirs(os.path.join(root, "run/log"))
    open(os.path.join(root, "run/log/systemd"), "w").close()
    rc, out, _ = run(root, "log", "x")
    check(rc == 1 and error_of(out)[0] == 20, "run/log/systemd a file: -ENOTDIR (%s)" % out)


def main():
    global RUN
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    RUN = os.path.abspath(sys.argv[1])
    missing = [t for t in ("swtpm", "tpm2_pcrallocate") if not shutil.which(t)]
    if missing:
        print("test-tpmdev: %s not installed (tests/install-deps.sh: swtpm tpm2-tools)"
              % " ".join(missing))
        return 1
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gpugate-tpmdev-") as base:
        test_fake_close(base)
        test_nodes(base)
        test_log(base)
        test_bad_answers(base)
        test_swtpm(base)
        test_tpm0(base)
        test_unallocated(base)
    print("test-tpmdev: %d failures, %.1f s" % (len(FAILS), time.monotonic() - start))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
