#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/bootconfig-kernel.sh - build a 6.1 kernel with CONFIG_BOOT_CONFIG
# and boot it with bootconfig keys, to measure which of them the kernel
# applies (docs/kernel-facts.md §6). Debian 12's kernels are all built
# without CONFIG_BOOT_CONFIG, so the lab's own kernels cannot do this.
#
#   qemu/bootconfig-kernel.sh build          # kernel + tools/bootconfig
#   qemu/bootconfig-kernel.sh boot CASE [OUT.tar.gz]
#   qemu/bootconfig-kernel.sh all            # build, then boot every case
#
# build: unpacks /usr/src/linux-source-6.1.tar.xz (Debian's
# linux-source-6.1; qemu/install-deps.sh), `make tinyconfig` merged with
# qemu/bootconfig/lab.config, `nice -n 19 make vmlinux`, and the
# bootconfig tool of the same tree. The time it took is written to
# DIR/build-seconds.
# boot: CASE is qemu/bootconfig/CASE.conf (CMDLINE: the boot loader's
# line; BOOTCONFIG: the bootconfig text, appended to the initramfs with
# `bootconfig -a`). The initramfs is a static busybox, build/gpugate,
# qemu/policies/poweroff.conf and qemu/bootconfig/init.sh as /init. The
# machine is the lab's basic one (q35, Intel vIOMMU with device-iotlb, a
# virtio-gpu with ATS), without the lab's caching-mode=on: with it the
# 6.1 Intel driver forces strict mode ("IOMMU batching disallowed due to
# virtualization"), and iommu.strict would make no visible difference. The LAB-FACT lines of the console (what the kernel
# applied) go to DIR/runs/CASE/facts, the guest's `gpugate check` to
# DIR/runs/CASE/check.json, and with OUT.tar.gz the guest's `gpugate
# snapshot` (its sha256 checked) is written there (tests/trees/real/).
#
# DIR is $GPUGATE_BOOTCFG_DIR, default build/bootcfg-kernel. Not part of
# `make test`: the build takes minutes (qemu/README.md).
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=qemu/topologies.sh
. "$QEMU_DIR/topologies.sh"

DIR=${GPUGATE_BOOTCFG_DIR:-$REPO/build/bootcfg-kernel}
TARBALL=/usr/src/linux-source-6.1.tar.xz
SRC=$DIR/linux-source-6.1
OBJ=$DIR/obj
FRAGMENT=$QEMU_DIR/bootconfig/lab.config
TIMEOUT=${GPUGATE_LAB_TIMEOUT:-300}

usage() {
	echo "usage: qemu/bootconfig-kernel.sh build | boot CASE [OUT.tar.gz] | all" >&2
	exit 2
}

build() {
	local t0 k line
	[ -f "$TARBALL" ] || die "no $TARBALL: apt-get install linux-source-6.1 (qemu/install-deps.sh)"
	mkdir -p "$DIR"
	if [ ! -f "$SRC/Makefile" ]; then
		log "unpacking $TARBALL into $DIR"
		tar -C "$DIR" -xf "$TARBALL"
	fi
	t0=$(date +%s)
	mkdir -p "$OBJ"
	make -s -C "$SRC" O="$OBJ" tinyconfig >/dev/null
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" "$FRAGMENT" >"$DIR/merge.log"
	make -s -C "$SRC" O="$OBJ" olddefconfig >/dev/null
	# every line of the fragment must have survived olddefconfig
	while IFS= read -r line; do
		case $line in
		CONFIG_*) k=${line%%=*} ;;
		"# CONFIG_"*" is not set") k=${line#\# } k=${k%% *} ;;
		*) continue ;;
		esac
		grep -qxF -- "$line" "$OBJ/.config" ||
			die "$k: wanted '$line', .config has '$(grep -E "^$k=|^# $k is not set" "$OBJ/.config" || echo nothing)'"
	done <"$FRAGMENT"
	log "building vmlinux in $OBJ (log: $DIR/build.log)"
	nice -n 19 make -C "$SRC" O="$OBJ" -j"$(nproc)" vmlinux >"$DIR/build.log" 2>&1 ||
		die "kernel build failed: $DIR/build.log"
	nice -n 19 make -C "$SRC/tools/bootconfig" >>"$DIR/build.log" 2>&1 ||
		die "tools/bootconfig build failed: $DIR/build.log"
	echo $(($(date +%s) - t0)) >"$DIR/build-seconds"
	log "built $OBJ/vmlinux and $SRC/tools/bootconfig/bootconfig in $(cat "$DIR/build-seconds") s"
}

# The initramfs of CASE: busybox, gpugate, the policy, /init; then the
# bootconfig (if any) appended by the kernel's own tool.
make_initrd() {
	local out=$1 bconf=$2 root
	root=$(mktemp -d)
	mkdir -p "$root/bin" "$root/usr/sbin" "$root/etc/gpugate"
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh" # the interpreter of /init
	cp "$REPO/build/gpugate" "$root/usr/sbin/gpugate"
	cp "$QEMU_DIR/policies/poweroff.conf" "$root/etc/gpugate/policy.conf"
	install -m 755 "$QEMU_DIR/bootconfig/init.sh" "$root/init"
	# the kernel has every driver built in: an empty module index
	mkdir -p "$root/lib/modules/$KREL"
	: >"$root/lib/modules/$KREL/modules.order"
	: >"$root/lib/modules/$KREL/modules.builtin"
	: >"$root/lib/modules/$KREL/modules.builtin.modinfo"
	depmod -b "$root" "$KREL"
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out"
	rm -rf "$root"
	if [ -n "$bconf" ]; then
		"$SRC/tools/bootconfig/bootconfig" -a "$bconf" "$out" >/dev/null
		"$SRC/tools/bootconfig/bootconfig" "$out" >/dev/null # reads it back
	fi
}

boot_case() {
	local name=$1 out=${2:-} conf run log pid t0 rc=""
	local DESC="" CMDLINE="" BOOTCONFIG=""
	conf=$QEMU_DIR/bootconfig/$name.conf
	[ -f "$conf" ] || die "no case $name ($conf)"
	# shellcheck source=/dev/null
	. "$conf"
	if [ ! -x "$OBJ/vmlinux" ] || [ ! -x "$SRC/tools/bootconfig/bootconfig" ]; then
		die "no kernel in $OBJ: run qemu/bootconfig-kernel.sh build"
	fi
	[ -x "$REPO/build/gpugate" ] || die "no build/gpugate: run make"
	KREL=$(cat "$OBJ/include/config/kernel.release")
	[ -x /bin/busybox ] || die "no /bin/busybox: apt-get install busybox-static"
	run=$DIR/runs/$name
	rm -rf "$run"
	mkdir -p "$run"
	if [ -n "$BOOTCONFIG" ]; then
		printf '%s\n' "$BOOTCONFIG" >"$run/bootconfig.txt"
		make_initrd "$run/initrd" "$run/bootconfig.txt"
	else
		make_initrd "$run/initrd" ""
	fi
	log "$name: $DESC"
	log "$name: boot loader's line: $CMDLINE"
	log="$run/serial.log"
	mapfile -t topo < <(topo_basic)
	# shellcheck disable=SC2054 # commas inside QEMU option values
	local qemu=(qemu-system-x86_64 -accel tcg -cpu qemu64 -smp 1 -m 768 -nodefaults
		-display none -monitor none -no-reboot -serial "file:$log"
		-machine q35,kernel-irqchip=split
		-device intel-iommu,intremap=on,device-iotlb=on
		-kernel "$OBJ/vmlinux" -initrd "$run/initrd"
		-append "console=ttyS0,115200 panic=-1 no_timer_check $CMDLINE"
		-device pvpanic -action panic=exit-failure "${topo[@]}")
	printf '%q ' "${qemu[@]}" >"$run/cmd"
	t0=$(date +%s)
	"${qemu[@]}" </dev/null 2>"$run/qemu.err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if [ $(($(date +%s) - t0)) -ge "$TIMEOUT" ]; then
			kill "$pid" 2>/dev/null || true
			rc=124
			break
		fi
		sleep 1
	done
	if [ -z "$rc" ]; then
		wait "$pid" && rc=0 || rc=$?
	else
		wait "$pid" 2>/dev/null || true
	fi
	[ "$rc" = 0 ] || die "$name: QEMU ended with status $rc after $(($(date +%s) - t0)) s ($log, $run/qemu.err)"
	log "$name: booted and powered off in $(($(date +%s) - t0)) s"
	tr -d '\r' <"$log" >"$run/serial.txt"
	sed -n 's/^LAB-FACT //p' "$run/serial.txt" >"$run/facts"
	sed -n 's/^LAB-CHECK //p' "$run/serial.txt" >"$run/check.json"
	grep -q '^LAB-CHECK-END rc=' "$run/serial.txt" || die "$name: no LAB-CHECK-END in $log"
	grep -E 'Default domain type|TLB invalidation policy|ATS is disabled|bootconfig|Kernel command line|DMAR-IR: Enabled' \
		"$run/serial.txt" | sed -n 's/^LAB-DMESG //p' >"$run/dmesg-facts"
	cat "$run/facts" "$run/dmesg-facts"
	sed -n 's/^\(LAB-CHECK-END .*\)/\1/p' "$run/serial.txt"
	if [ -n "$out" ]; then
		local want got
		want=$(sed -n 's/^LAB-SNAPSHOT-END rc=0 sha256=\([0-9a-f]*\).*/\1/p' "$run/serial.txt")
		[ -n "$want" ] || die "$name: no LAB-SNAPSHOT-END rc=0 in $log"
		sed -n 's/^LAB-SNAPSHOT //p' "$run/serial.txt" | base64 -d >"$out.tmp"
		got=$(gzip -dc "$out.tmp" | sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || die "$name: snapshot sha256 $got, the guest printed $want"
		mv "$out.tmp" "$out"
		log "$name: wrote $out ($(stat -c %s "$out") bytes)"
	fi
}

case ${1:-} in
build)
	[ $# -eq 1 ] || usage
	build
	;;
boot)
	if [ $# -lt 2 ] || [ $# -gt 3 ]; then usage; fi
	boot_case "$2" "${3:-}"
	;;
all)
	[ $# -eq 1 ] || usage
	build
	for c in "$QEMU_DIR"/bootconfig/*.conf; do
		c=${c##*/}
		boot_case "${c%.conf}"
	done
	;;
*) usage ;;
esac
