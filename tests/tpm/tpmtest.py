# SPDX-License-Identifier: GPL-2.0-or-later
"""What the tests in tests/tpm/ share."""
import socket


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
