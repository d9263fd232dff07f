#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The guard daemon's register poll, its CPU cost (docs/benchmarks.md):
# the daemon on a --root tree (no VFIO watch, no dynamic ids), its
# utime+stime from /proc/PID/stat over 30 s of polling after the start run.
#   tests/bench/guard-poll.sh ROOT [POLL_MS]     (from the repository top)
set -eu
root=$1 poll=${2:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '[guard]\npoll_ms = %s\nvfio_watch = no\ndynid = no\n' "$poll" >"$tmp/policy.conf"
build/gpugate --root "$root" -p "$tmp/policy.conf" -v guard daemon >/dev/null 2>"$tmp/err" &
pid=$!
until grep -q 'start host' "$tmp/err"; do sleep 0.2; done
sleep 1
t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep 30
t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
kill "$pid"
wait "$pid"
grep -o 'watching [0-9]* registers and links' "$tmp/err"
echo "poll_ms=$poll: $((t1 - t0)) ticks of 1/$(getconf CLK_TCK) s CPU in 30 s"
