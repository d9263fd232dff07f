#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""qemu/tpm-stall.py LISTEN UPSTREAM LOG - the lab's TPM that stops answering.

A relay between QEMU's TPM emulator backend (-tpmdev emulator, which talks
to LISTEN) and swtpm's control socket UPSTREAM. QEMU hands swtpm the data
channel as a file descriptor (CMD_SET_DATAFD over the control socket); the
relay puts a socket pair of its own in between and copies both channels.
On SIGUSR1 it stops passing TPM commands on the data channel (they are held,
never answered): the TPM no longer answers, while the control channel goes on
working (locality, cancel, shutdown: QEMU's own side of the device, which a
SIGSTOPped swtpm would stop as well). On SIGUSR2 the held commands go through
(qemu/lab.sh sends it once the gate has failed, so that the kernel's own
TPM2_Shutdown at power-off does not wait out its timeout as well).
Exits when either side closes. Events go to LOG.
"""
import array
import os
import select
import signal
import socket
import sys


def main():
    listen, upstream, logpath = sys.argv[1:4]
    log = open(logpath, "a", buffering=1)
    state = {"stalled": False, "flush": False}

    def stall(*_):
        state["stalled"] = True

    def resume(*_):
        state["stalled"] = False
        state["flush"] = True

    signal.signal(signal.SIGUSR1, stall)
    signal.signal(signal.SIGUSR2, resume)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen)
    srv.listen(1)
    qctrl, _ = srv.accept()
    srv.close()
    sctrl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sctrl.connect(upstream)
    peer = {qctrl: sctrl, sctrl: qctrl}
    qdata = None  # QEMU's end of the data channel
    held = []
    logged = False
    while True:
        if state["stalled"] and not logged:
            log.write("stalled: TPM commands are held from now on\n")
            logged = True
        if state["flush"] and qdata is not None:
            log.write("resumed: %d held command chunk(s) passed on\n" % len(held))
            for chunk in held:
                peer[qdata].sendall(chunk)
            held = []
            state["flush"] = False
            logged = False
        r, _, _ = select.select(list(peer), [], [], 0.1)
        for s in r:
            if s is qctrl:
                msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(4 * 4))
                fds = array.array("i")
                for level, kind, payload in anc:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
                if not msg and not fds:
                    log.write("QEMU closed the control channel\n")
                    return 0
                if fds:
                    qdata = socket.socket(fileno=fds[0])
                    for extra in fds[1:]:
                        os.close(extra)
                    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                    sctrl.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                           array.array("i", [theirs.fileno()]))])
                    theirs.close()
                    peer[qdata] = mine
                    peer[mine] = qdata
                    log.write("data channel relayed\n")
                else:
                    sctrl.sendall(msg)
                continue
            data = s.recv(65536)
            if not data:
                log.write("a channel closed\n")
                return 0
            if s is qdata and state["stalled"]:
                held.append(data)
                log.write("held a TPM command (%d bytes)\n" % len(data))
                continue
            peer[s].sendall(data)


if __name__ == "__main__":
    sys.exit(main())
