# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this file
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/common.sh - paths and helpers shared by the lab scripts (sourced).

QEMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$QEMU_DIR/.." && pwd)
# The guest kernel series: Debian 12's linux-image-amd64 (6.1) or
# linux-image-6.12-amd64 (6.12). Each has its own lab directory.
KSERIES=${GPUGATE_KERNEL:-6.1}
case $KSERIES in
6.1) LAB=${GPUGATE_LAB:-$REPO/build/qemu} ;;
6.12) LAB=${GPUGATE_LAB:-$REPO/build/qemu-6.12} ;;
*)
	printf '%s\n' "lab: error: GPUGATE_KERNEL=$KSERIES: use 6.1 or 6.12" >&2
	exit 1
	;;
esac
KERNEL_ROOT=$LAB/kernel    # the unpacked linux-image package
STAGE=$LAB/stage           # make install DESTDIR=
IMAGES=$LAB/images         # initramfs per variant, root disk
RUNS=$LAB/runs             # one directory per scenario run
BASELINE_DIR=$LAB/baseline # the baseline the "baseline" image pins

log() { printf '%s\n' "lab: $*" >&2; }
die() {
	printf '%s\n' "lab: error: $*" >&2
	exit 1
}

# The guest kernel release fetch.sh settled on.
lab_kver() {
	[ -s "$LAB/kver" ] || die "no guest kernel yet: run qemu/fetch.sh"
	cat "$LAB/kver"
}

# The initramfs variants some scenarios boot (their IMAGE=, default
# poweroff), and root-R for a scenario with ROOT=R (its root disk image).
images_of() {
	local name img root
	for name in "$@"; do
		img=$(sed -n 's/^IMAGE=\([a-z]*\).*/\1/p' "$QEMU_DIR/scenarios/$name.conf")
		echo "${img:-poweroff}"
		root=$(sed -n 's/^ROOT=\([a-z]*\).*/\1/p' "$QEMU_DIR/scenarios/$name.conf")
		[ -z "$root" ] || echo "root-$root"
	done | sort -u
}

# Is scenario NAME booted on this kernel series? (KERNELS= in its file;
# default both.)
scenario_on_kernel() {
	local k
	k=$(sed -n 's/^KERNELS="\([^"]*\)".*/\1/p' "$QEMU_DIR/scenarios/$1.conf")
	case " ${k:-6.1 6.12} " in *" $KSERIES "*) return 0 ;; esac
	return 1
}
