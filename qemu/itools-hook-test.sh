#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/itools-hook-test.sh - the initramfs-tools hook fails the image build
# (mkinitramfs exits non-zero and writes no image) when the initramfs would
# not hold a working gate: the policy is missing or does not parse, the
# baseline it names is missing, the binary is missing or not executable.
# Uses the lab's mkinitramfs namespace (qemu/itools.sh) and guest kernel;
# run after qemu/fetch.sh and qemu/images.sh (make qemu-test does both).
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=qemu/itools.sh
. "$QEMU_DIR/itools.sh"

kver=$(lab_kver)
[ -x "$STAGE/usr/sbin/gpugate" ] || die "no $STAGE: run qemu/images.sh first"
work=$LAB/tmp/itools-hook-test
rm -rf "$work"
mkdir -p "$work"
pass=0 fail=0

# case NAME WANT(ok|fail) POLICY BINARY [STDERR-REGEX]
case_() {
	local name=$1 want=$2 policy=$3 binary=$4 re=${5:-} got out=$work/$1.img
	if itools_mkinitramfs itpoweroff "$kver" "$policy" "$binary" "$out" >"$work/$name.log" 2>&1; then
		got=ok
	else
		got=fail
	fi
	if [ "$got" = fail ] && [ -s "$out" ]; then
		got="fail, but an image was written"
	fi
	if [ "$got" = "$want" ] && { [ -z "$re" ] || grep -Eq "$re" "$work/$name.log"; }; then
		echo "ok itools-hook $name"
		pass=$((pass + 1))
	else
		echo "FAIL itools-hook $name: mkinitramfs $got (want $want${re:+, stderr /$re/}); log $work/$name.log"
		tail -n 5 "$work/$name.log" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

good=$QEMU_DIR/policies/poweroff.conf
printf '[gate]\non_failure = sideways\n' >"$work/bad.conf"
{ cat "$good"; printf '\n[baseline]\nfile = %s\n' "$work/no-such-baseline"; } >"$work/nobaseline.conf"
install -m 0644 "$STAGE/usr/sbin/gpugate" "$work/gpugate-noexec"

case_ good_policy ok "$good" "$STAGE/usr/sbin/gpugate"
case_ policy_missing fail "$work/no-such.conf" "$STAGE/usr/sbin/gpugate" 'E: gpugate: .*no-such\.conf is missing'
case_ policy_invalid fail "$work/bad.conf" "$STAGE/usr/sbin/gpugate" 'E: gpugate: cannot generate the modprobe\.d blacklist'
case_ baseline_missing fail "$work/nobaseline.conf" "$STAGE/usr/sbin/gpugate" 'E: gpugate: cannot copy .*no-such-baseline'
case_ binary_missing fail "$good" "$work/no-such-gpugate" 'E: gpugate: .*no-such-gpugate is missing or not executable'
case_ binary_not_executable fail "$good" "$work/gpugate-noexec" 'E: gpugate: .*gpugate-noexec is missing or not executable'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && rm -rf "$work"
[ "$fail" -eq 0 ]
