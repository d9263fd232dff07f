#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/itools-hook-test.sh - the initramfs-tools hook fails the image build
# (mkinitramfs exits non-zero and writes no image) when the initramfs would
# not hold a working gate: the policy is missing or does not parse, the
# baseline it names is missing, the binary is missing or not executable;
# and when its pre-flight `gpugate check` fails on the target host and the
# image would enforce ([gate] preflight = refuse). The dracut module
# refuses the same way (dracut exits non-zero, no image).
# Uses the lab's mkinitramfs namespace (qemu/itools.sh), dracutbasedir and
# guest kernel; run after qemu/fetch.sh and qemu/images.sh (make qemu-test
# does both). The target host of the pre-flight is an empty --root tree
# (GPUGATE_PREFLIGHT_ROOT): `check` there exits 3, never reading this
# machine's /sys.
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

# verdict TOOL NAME WANT GOT IMAGE [LOG-REGEX]: judge and count one case
verdict() {
	local tool=$1 name=$2 want=$3 got=$4 out=$5 re=${6:-}
	if [ "$got" = fail ] && [ -s "$out" ]; then
		got="fail, but an image was written"
	fi
	if [ "$got" = "$want" ] && { [ -z "$re" ] || grep -Eq "$re" "$work/$name.log"; }; then
		echo "ok $tool $name"
		pass=$((pass + 1))
	else
		echo "FAIL $tool $name: $got (want $want${re:+, log /$re/}); log $work/$name.log"
		tail -n 5 "$work/$name.log" | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

# case NAME WANT(ok|fail) POLICY BINARY [STDERR-REGEX]
case_() {
	local name=$1 want=$2 policy=$3 binary=$4 got=ok out=$work/$1.img
	itools_mkinitramfs itpoweroff "$kver" "$policy" "$binary" "$out" >"$work/$name.log" 2>&1 || got=fail
	verdict itools-hook "$name" "$want" "$got" "$out" "${5:-}"
}

good=$QEMU_DIR/policies/poweroff.conf
printf '[gate]\non_failure = sideways\n' >"$work/bad.conf"
{ cat "$good"; printf '\n[baseline]\nfile = %s\n' "$work/no-such-baseline"; } >"$work/nobaseline.conf"
install -m 0644 "$STAGE/usr/sbin/gpugate" "$work/gpugate-noexec"

case_ good_policy ok "$good" "$STAGE/usr/sbin/gpugate"
case_ policy_missing fail "$work/no-such.conf" "$STAGE/usr/sbin/gpugate" 'E: gpugate: .*no-such\.conf is missing'
case_ policy_invalid fail "$work/bad.conf" "$STAGE/usr/sbin/gpugate" 'E: gpugate: cannot read the policy .*bad\.conf'
case_ baseline_missing fail "$work/nobaseline.conf" "$STAGE/usr/sbin/gpugate" 'E: gpugate: cannot copy .*no-such-baseline'
case_ binary_missing fail "$good" "$work/no-such-gpugate" 'E: gpugate: .*no-such-gpugate is missing or not executable'
case_ binary_not_executable fail "$good" "$work/gpugate-noexec" 'E: gpugate: .*gpugate-noexec is missing or not executable'

# Pre-flight: an enforcing policy whose check fails on the target refuses
# the image; preflight = warn builds it, loudly; an audit policy builds it.
mkdir -p "$work/emptyroot"
sed 's/^preflight = off.*/preflight = refuse/' "$good" >"$work/refuse.conf"
sed 's/^preflight = off.*/preflight = warn/' "$good" >"$work/warn.conf"
sed 's/^preflight = off.*/preflight = refuse\nmode = audit/' "$good" >"$work/audit.conf"
export GPUGATE_PREFLIGHT_ROOT=$work/emptyroot
case_ preflight_refused fail "$work/refuse.conf" "$STAGE/usr/sbin/gpugate" \
	'E: gpugate: pre-flight check failed: not building an image that would stop this host'
case_ preflight_warn_builds ok "$work/warn.conf" "$STAGE/usr/sbin/gpugate" 'THIS IMAGE WILL STOP THE BOOT'
case_ preflight_audit_builds ok "$work/audit.conf" "$STAGE/usr/sbin/gpugate" \
	'runs in audit mode and will not stop the boot'

# The dracut module: install() ends dracut itself (dracut ignores what
# install() returns), so no image is written.
dracut_case() { # NAME WANT(ok|fail) POLICY REGEX
	local name=$1 want=$2 policy=$3 got=ok out=$work/$1.img
	GPUGATE_BINARY=$STAGE/usr/sbin/gpugate GPUGATE_POLICY=$policy dracutbasedir=$LAB/dracutbase \
		dracut --force --no-hostonly --kver "$kver" --kmoddir "$KERNEL_ROOT/lib/modules/$kver" \
		--conf /dev/null --confdir "$LAB/empty-confdir" --tmpdir "$work" \
		--modules "base busybox gpugate" --no-early-microcode --no-compress "$out" \
		>"$work/$name.log" 2>&1 || got=fail
	verdict dracut-module "$name" "$want" "$got" "$out" "$4"
}
dracut_case preflight_refused fail "$work/refuse.conf" 'gpugate: pre-flight check failed: not building'
dracut_case preflight_warn_builds ok "$work/warn.conf" 'THIS IMAGE WILL STOP THE BOOT'
unset GPUGATE_PREFLIGHT_ROOT

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && rm -rf "$work"
[ "$fail" -eq 0 ]
