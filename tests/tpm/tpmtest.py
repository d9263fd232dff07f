# SPDX-License-Identifier: GPL-2.0-or-later
"""What the tests in tests/tpm/ share."""
import socket
import time


def free_ports():
    """Two free consecutive loopback ports: the swtpm TCTI takes the
    control channel at the data port + 1."""
    for _ in range(100):
        with socket.socket() as a, socket.socket() as b:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port, port + 1
    raise OSError("no two free consecutive ports")


def listening(path):
    """Whether a unix socket bound to @path is listening (/proc/net/unix:
    Flags has __SO_ACCEPTCON, 0x10000)."""
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            fields = line.split()
            if len(fields) == 8 and fields[7] == path and int(fields[3], 16) & 0x10000:
                return True
    return False


def wait_listening(path):
    """Until the unix socket @path listens. Its file appears at bind(), before
    listen(), and a connect in between is refused; a connect to test it
    would queue on swtpm, which takes one client at a time (backlog 1)."""
    deadline = time.monotonic() + 10
    while not listening(path):
        if time.monotonic() > deadline:
            raise OSError("%s does not listen" % path)
        time.sleep(0.02)
