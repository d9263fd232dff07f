#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/take-snapshot.sh OUT.tar.gz - boot qemu/snapshot/take-snapshot.conf
# (the basic machine: Intel vIOMMU, a virtio-gpu with ATS at 0x100, Debian's
# 6.1 kernel), let the lab-only labsnapshot hook print `gpugate snapshot` on
# the console, and write that tar, gzipped, to OUT.tar.gz after checking
# its sha256 against the one the guest printed. Not part of `make
# qemu-test`: it makes tests/trees/real/ (see tests/trees/README.md).
# A second argument boots another snapshot scenario instead
# (qemu/snapshot/take-snapshot-amd.conf: the AMD vIOMMU).
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || [ $# -eq 2 ] || die "usage: qemu/take-snapshot.sh OUT.tar.gz [SCENARIO.conf]"
out=$1
conf=${2:-$QEMU_DIR/snapshot/take-snapshot.conf}
name=$(basename "$conf" .conf)
"$QEMU_DIR/lab.sh" -q "$conf" >&2 || die "$name failed: $RUNS/$name/serial.log"
log=$RUNS/$name/serial.log
want=$(tr -d '\r' <"$log" | sed -n 's/^LAB-SNAPSHOT-END rc=0 sha256=\([0-9a-f]*\).*/\1/p')
[ -n "$want" ] || die "no LAB-SNAPSHOT-END rc=0 in $log"
tr -d '\r' <"$log" | sed -n 's/^LAB-SNAPSHOT //p' | base64 -d >"$out.tmp"
got=$(gzip -dc "$out.tmp" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || die "snapshot sha256 $got, the guest printed $want"
mv "$out.tmp" "$out"
log "wrote $out ($(stat -c %s "$out") bytes, tar sha256 $got)"
