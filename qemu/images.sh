#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/images.sh [VARIANT...] - build the lab's boot images into
# build/qemu/images/ (cached by a hash of their inputs):
#
#   initrd-VARIANT.img  a dracut 059 initramfs with our 90gpugate module,
#                       from `make install DESTDIR=build/qemu/stage`, built
#                       with a private dracutbasedir; the host's
#                       /usr/lib/dracut and /etc/dracut.conf* stay untouched
#   (GPUGATE_LAB_BINARY=FILE boots a candidate binary instead of build/gpugate)
#   root.ext4           the root disk: static busybox, /sbin/init =
#                       qemu/guest/root-init.sh
#
# Variants (no argument: all of them):
#   poweroff   qemu/policies/poweroff.conf   lab policy, on_failure = poweroff
#   halt       config/policy-qemu.conf       lab policy as shipped (on_failure = halt)
#   audit      qemu/policies/audit-allowed.conf  rd.gpugate=audit allowed
#   reboot     qemu/policies/reboot.conf     on_failure = reboot
#   emergency  qemu/policies/emergency.conf  on_failure = emergency
#   protectnic qemu/policies/protect-nic.conf  also protects 0000:03:00.0 by bdf
#   drift      poweroff, plus the lab-only labdrift module (qemu/dracut/99labdrift)
#              that can undo the gate's work before the pre-pivot check
#   nobinary   the poweroff image with /usr/sbin/gpugate deleted
#   busybox    the poweroff image without the labsh module: /bin/sh and
#              switch_root are busybox's (the report stays behind in the
#              initramfs' /run)
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"

VARIANTS=(poweroff halt audit reboot emergency protectnic drift nobinary busybox)

# Kept lean (QEMU-FINDINGS §7): the modules a root on virtio-blk needs,
# plus the stand-in GPUs' host drivers, so that udev WOULD load them.
DRACUT_MODULES="base busybox udev-rules kernel-modules rootfs-block gpugate"
DRACUT_DRIVERS="virtio_pci virtio_blk ext4 virtio_gpu bochs pvpanic_mmio"

policy_of() {
	case "$1" in
	poweroff | nobinary | busybox | drift) echo "$QEMU_DIR/policies/poweroff.conf" ;;
	halt) echo "$REPO/config/policy-qemu.conf" ;;
	audit) echo "$QEMU_DIR/policies/audit-allowed.conf" ;;
	reboot | emergency) echo "$QEMU_DIR/policies/$1.conf" ;;
	protectnic) echo "$QEMU_DIR/policies/protect-nic.conf" ;;
	*) die "unknown image variant '$1' (${VARIANTS[*]})" ;;
	esac
}

# labsh (qemu/dracut/99labsh): dash as /bin/sh and util-linux switch_root,
# so that /run and the gate's report reach the real root as on a Debian
# host. Every variant but busybox has it.
modules_of() {
	case "$1" in
	busybox) echo "$DRACUT_MODULES" ;;
	drift) echo "$DRACUT_MODULES labsh labdrift" ;;
	*) echo "$DRACUT_MODULES labsh" ;;
	esac
}

# gpugate and the dracut module exactly as a package would install them.
stage_install() {
	log "make install DESTDIR=$STAGE"
	rm -rf "$STAGE"
	make -s -C "$REPO" all >&2
	make -s -C "$REPO" install DESTDIR="$STAGE" PREFIX=/usr >/dev/null
	[ -x "$STAGE/usr/sbin/gpugate" ] || die "make install did not install usr/sbin/gpugate"
	if [ -n "${GPUGATE_LAB_BINARY:-}" ]; then
		log "using GPUGATE_LAB_BINARY=$GPUGATE_LAB_BINARY instead of build/gpugate"
		install -m 0755 "$GPUGATE_LAB_BINARY" "$STAGE/usr/sbin/gpugate"
	fi
}

# A dracutbasedir of our own: symlinks to the host's dracut, plus 90gpugate.
dracut_base() {
	local base=$LAB/dracutbase e
	rm -rf "$base"
	mkdir -p "$base/modules.d"
	for e in /usr/lib/dracut/*; do
		[ "${e##*/}" = modules.d ] && continue
		ln -s "$e" "$base/${e##*/}"
	done
	for e in /usr/lib/dracut/modules.d/*; do
		ln -s "$e" "$base/modules.d/${e##*/}"
	done
	ln -s "$STAGE/usr/lib/dracut/modules.d/90gpugate" "$base/modules.d/90gpugate"
	for e in "$QEMU_DIR"/dracut/*; do
		ln -s "$e" "$base/modules.d/${e##*/}"
	done
	mkdir -p "$LAB/empty-confdir"
}

# Hash of everything an image depends on.
inputs_hash() {
	local variant=$1 kver=$2
	{
		echo "$variant $kver $(modules_of "$variant") $DRACUT_DRIVERS"
		dpkg-query -W -f='${Version}\n' dracut-core busybox-static
		cat "$STAGE/usr/sbin/gpugate" "$STAGE/usr/lib/dracut/modules.d/90gpugate/"* \
			"$(policy_of "$variant")" "$0" "$QEMU_DIR/common.sh" \
			"$QEMU_DIR"/dracut/*/*
	} | sha256sum | cut -c1-16
}

build_initrd() {
	local variant=$1 kver=$2 out=$IMAGES/initrd-$1.img policy hash
	policy=$(policy_of "$variant")
	hash=$(inputs_hash "$variant" "$kver")
	if [ -s "$out" ] && [ "$(cat "$out.hash" 2>/dev/null)" = "$hash" ]; then
		return 0
	fi
	if [ "$variant" = nobinary ]; then
		build_initrd poweroff "$kver"
		strip_binary "$IMAGES/initrd-poweroff.img" "$out"
	else
		log "dracut: initrd-$variant.img (policy $policy)"
		mkdir -p "$LAB/tmp"
		GPUGATE_BINARY=$STAGE/usr/sbin/gpugate GPUGATE_POLICY=$policy \
			dracutbasedir=$LAB/dracutbase \
			dracut --quiet --force --no-hostonly --no-hostonly-cmdline \
			--kver "$kver" --kmoddir "$KERNEL_ROOT/lib/modules/$kver" \
			--conf /dev/null --confdir "$LAB/empty-confdir" --tmpdir "$LAB/tmp" \
			--modules "$(modules_of "$variant")" --drivers "$DRACUT_DRIVERS" \
			--force-drivers pvpanic_mmio --no-early-microcode --no-compress \
			"$out.tmp" >&2
		check_initrd "$out.tmp" "$variant"
		mv "$out.tmp" "$out"
	fi
	echo "$hash" >"$out.hash"
}

# The image must hold what the lab relies on; a silent dracut omission
# would otherwise show up as a confusing boot.
check_initrd() {
	local img=$1 variant=$2 list f
	# usr-merged or not: compare without the usr/ and var/ prefixes
	list=$(cpio -it --quiet <"$img" | sed -E 's,^(usr|var)/,,')
	for f in sbin/gpugate etc/gpugate/policy.conf etc/modprobe.d/gpugate.conf \
		lib/gpugate-lib.sh lib/dracut/hooks/pre-udev/00-gpugate-pre-udev.sh \
		lib/dracut/hooks/pre-pivot/99-gpugate-pre-pivot.sh; do
		grep -qx "$f" <<<"$list" || die "initrd-$variant: $f missing"
	done
	list=$(tr '-' '_' <<<"$list")
	for f in vfio vfio_iommu_type1 vfio_pci virtio_gpu bochs virtio_pci virtio_blk pvpanic_mmio; do
		grep -q "/$f\.ko" <<<"$list" || die "initrd-$variant: module $f missing"
	done
}

# The same image without the gpugate binary: the hooks must stop the boot.
strip_binary() {
	local in=$1 out=$2 dir=$LAB/tmp/nobinary
	log "initrd-nobinary.img: initrd-poweroff.img without /usr/sbin/gpugate"
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && cpio -id --quiet <"$in")
	rm "$dir/usr/sbin/gpugate"
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
	rm -rf "$dir"
	mv "$out.tmp" "$out"
}

build_rootfs() {
	local out=$IMAGES/root.ext4 dir=$LAB/tmp/rootfs hash
	hash=$(cat "$LAB/busybox" "$QEMU_DIR/guest/root-init.sh" "$0" | sha256sum | cut -c1-16)
	if [ -s "$out" ] && [ "$(cat "$out.hash" 2>/dev/null)" = "$hash" ]; then
		return 0
	fi
	log "root.ext4: busybox + root-init.sh"
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc}
	install -m 0755 "$LAB/busybox" "$dir/bin/busybox"
	"$LAB/busybox" --list-full | while read -r applet; do
		[ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
	done
	install -m 0755 "$QEMU_DIR/guest/root-init.sh" "$dir/sbin/init.lab"
	ln -sf init.lab "$dir/sbin/init"
	rm -f "$out.tmp"
	truncate -s 32M "$out.tmp"
	mke2fs -q -t ext4 -L labroot -d "$dir" "$out.tmp"
	rm -rf "$dir"
	mv "$out.tmp" "$out"
	echo "$hash" >"$out.hash"
}

main() {
	local kver v
	kver=$(lab_kver)
	mkdir -p "$IMAGES"
	stage_install
	dracut_base
	build_rootfs
	if [ $# -eq 0 ]; then
		set -- "${VARIANTS[@]}"
	fi
	for v in "$@"; do
		build_initrd "$v" "$kver"
	done
}

main "$@"
