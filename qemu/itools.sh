# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/itools.sh - initramfs-tools images for the lab (sourced by images.sh).
#
# The image is made by Debian's own mkinitramfs (initramfs-tools-core) with
# the hook and boot scripts that `make install` put under $STAGE, for the
# guest kernel in $KERNEL_ROOT, without touching the build host: mkinitramfs
# only reads /usr/share/initramfs-tools, /lib/modules/KVER, /boot/config-KVER
# and /etc/modprobe.d, so it runs in a private mount namespace where
#   /usr/share/initramfs-tools  is $LAB/itshare: the files of the packages the
#                               lab relies on (below) plus $STAGE's gpugate
#                               files, and nothing other packages of the
#                               build host may have added
#   /usr/lib (/lib)             is an overlay of $KERNEL_ROOT/lib on the
#                               host's, which adds modules/KVER
#   /boot                       is $KERNEL_ROOT/boot (config-KVER)
#   /etc/modprobe.d             is an empty directory
# The configuration directory (-d) is $LAB/itconf/VARIANT: MODULES=list with
# the root disk's modules, busybox, gzip, the stand-in GPUs' host drivers
# (virtio_gpu, bochs) added by a lab hook so that udev WOULD load them, and
# per variant:
#   itpoweroff  qemu/policies/poweroff.conf
#   itnobinary  itpoweroff without /usr/sbin/gpugate
#   itlate      init-top/gpugate with PREREQ="udev": the gate runs after
#               udev has started, which its guard must refuse
#   itklibc     itpoweroff with BUSYBOX=n: /bin/sh, poweroff and sleep are
#               klibc's (a host without busybox)
#   itklibcnobin  itklibc without /usr/sbin/gpugate
#   itemergency qemu/policies/emergency.conf: the script's root shell
#   ittpm       qemu/policies/tpm.conf ([tpm] measure = required)
#   itdrift     a lab init-bottom script (qemu/dracut/99labdrift/labdrift.sh,
#               run before gpugate's, which waits for udev's) that undoes the
#               gate's work when asked by lab.drift=
# The image is unpacked to a plain cpio (the kernel takes it uncompressed),
# so that check_initrd and strip_binary read it as they read dracut's.

ITOOLS_VARIANTS=(itpoweroff itnobinary itlate itdrift itklibc itklibcnobin itemergency ittpm)
ITOOLS_PACKAGES="initramfs-tools-core udev klibc-utils busybox-static kmod"
ITOOLS_MODULES="virtio_pci virtio_blk ext4 pvpanic_mmio"

is_itools() {
	case "$1" in it*) return 0 ;; esac
	return 1
}

# Everything an initramfs-tools image depends on besides the policy and
# the binary (images.sh hashes those).
itools_inputs() {
	dpkg-query -W -f='${Package} ${Version}\n' $ITOOLS_PACKAGES
	cat "$QEMU_DIR/itools.sh" "$QEMU_DIR/dracut/99labdrift/labdrift.sh"
	find "$STAGE/usr/share/initramfs-tools" -type f | LC_ALL=C sort | xargs cat
}

# $LAB/itshare: the packages' own files, then ours.
itools_share() {
	local share=$LAB/itshare f
	rm -rf "$share"
	mkdir -p "$share"
	# shellcheck disable=SC2086 # a list of package names
	dpkg -L $ITOOLS_PACKAGES | grep '^/usr/share/initramfs-tools/' | while read -r f; do
		[ -f "$f" ] && [ ! -L "$f" ] || continue
		install -D -m "$(stat -c %a "$f")" "$f" "$share/${f#/usr/share/initramfs-tools/}"
	done
	[ -x "$share/hooks/udev" ] && [ -x "$share/scripts/init-top/udev" ] && [ -f "$share/init" ] ||
		die "itshare: initramfs-tools-core or udev's initramfs files are missing (qemu/install-deps.sh)"
	cp -a "$STAGE/usr/share/initramfs-tools/." "$share/"
	[ -x "$share/hooks/gpugate" ] || die "make install did not install the initramfs-tools hook"
}

# $LAB/itconf/VARIANT, the -d directory of mkinitramfs.
itools_conf() {
	local variant=$1 conf=$LAB/itconf/$1 m busybox=y
	[ "$variant" = itklibc ] && busybox=n
	rm -rf "$conf"
	mkdir -p "$conf/conf.d" "$conf/hooks" "$conf/scripts"
	cat >"$conf/initramfs.conf" <<-EOF
		MODULES=list
		BUSYBOX=$busybox
		KEYMAP=n
		COMPRESS=gzip
		DEVICE=
		NFSROOT=auto
		RUNSIZE=10%
		FSTYPE=ext4
	EOF
	for m in $ITOOLS_MODULES; do echo "$m"; done >"$conf/modules"
	cat >"$conf/hooks/labdrivers" <<-'EOF'
		#!/bin/sh
		# lab: the stand-in GPUs' host drivers, for udev to load by modalias
		[ "$1" = prereqs ] && exit 0
		. /usr/share/initramfs-tools/hook-functions
		manual_add_modules virtio_gpu bochs
	EOF
	chmod 0755 "$conf/hooks/labdrivers"
	case "$variant" in
	itlate)
		mkdir -p "$conf/scripts/init-top"
		sed 's/^PREREQ=""$/PREREQ="udev"/' "$STAGE/usr/share/initramfs-tools/scripts/init-top/gpugate" \
			>"$conf/scripts/init-top/gpugate"
		grep -q '^PREREQ="udev"$' "$conf/scripts/init-top/gpugate" ||
			die "itlate: cannot make init-top/gpugate depend on udev"
		chmod 0755 "$conf/scripts/init-top/gpugate"
		;;
	itdrift)
		mkdir -p "$conf/scripts/init-bottom"
		{
			printf '#!/bin/sh\n# lab: labdrift.sh as an init-bottom script\n'
			printf '[ "$1" = prereqs ] && exit 0\n'
			cat "$QEMU_DIR/dracut/99labdrift/labdrift.sh"
		} >"$conf/scripts/init-bottom/labdrift"
		chmod 0755 "$conf/scripts/init-bottom/labdrift"
		;;
	esac
}

# itools_mkinitramfs_in SHARE CONF OUT KVER: run mkinitramfs -d CONF in its
# namespace, with SHARE as /usr/share/initramfs-tools (GPUGATE_BINARY and
# GPUGATE_POLICY from the environment, for our hook); its exit status (a
# failing hook fails it). tests/bench/qemu-boot.sh uses it too.
itools_mkinitramfs_in() {
	local empty=$LAB/tmp/empty-modprobe.d
	command -v mkinitramfs >/dev/null || die "mkinitramfs missing: run qemu/install-deps.sh"
	mkdir -p "$empty"
	# shellcheck disable=SC2016 # the inner bash expands them
	unshare -m bash -euc '
		mount --make-rprivate /
		mount --bind "$1" /usr/share/initramfs-tools
		mount -t overlay lab-modules -o "lowerdir=$2:/usr/lib" /usr/lib
		mount --bind "$3" /boot
		mount --bind "$4" /etc/modprobe.d
		exec mkinitramfs -d "$5" -o "$6" "$7"
	' itools "$1" "$KERNEL_ROOT/lib" "$KERNEL_ROOT/boot" "$empty" "$2" "$3" "$4"
}

# itools_mkinitramfs VARIANT KVER POLICY BINARY OUT: the lab's share and
# VARIANT's configuration, then mkinitramfs; its exit status.
itools_mkinitramfs() {
	local variant=$1 kver=$2 policy=$3 binary=$4 out=$5
	command -v mkinitramfs >/dev/null || die "mkinitramfs missing: run qemu/install-deps.sh"
	itools_share
	itools_conf "$variant"
	GPUGATE_BINARY=$binary GPUGATE_POLICY=$policy \
		itools_mkinitramfs_in "$LAB/itshare" "$LAB/itconf/$variant" "$out" "$kver"
}

# build_itools_initrd VARIANT KVER POLICY OUT
build_itools_initrd() {
	local variant=$1 kver=$2 policy=$3 out=$4
	log "mkinitramfs: initrd-$variant.img (policy $policy)"
	rm -f "$out.gz"
	itools_mkinitramfs "$variant" "$kver" "$policy" "$STAGE/usr/sbin/gpugate" "$out.gz" >&2 ||
		die "mkinitramfs failed for initrd-$variant.img"
	gzip -dc "$out.gz" >"$out"
	rm -f "$out.gz"
}

# What an initramfs-tools image must hold (paths without usr/).
itools_files() {
	echo sbin/gpugate etc/gpugate/policy.conf etc/gpugate/hook.conf etc/modprobe.d/gpugate.conf \
		scripts/gpugate-lib.sh scripts/init-top/gpugate scripts/init-bottom/gpugate \
		scripts/init-top/ORDER scripts/init-bottom/ORDER
}

# The line of script NAME in an ORDER file of the image (0: not there).
itools_order_line() {
	local img=$1 order=$2 name=$3 n
	n=$(cpio -i --quiet --to-stdout "$order" <"$img" |
		grep -n "^/${order%ORDER}$name \"" | cut -d: -f1)
	echo "${n:-0}"
}

# mkinitramfs orders the boot scripts by their PREREQ (tsort): the gate
# must come before udev in init-top (after it only in itlate, whose guard
# is under test) and after udev in init-bottom.
itools_check_order() {
	local img=$1 variant=$2 gate udev
	gate=$(itools_order_line "$img" scripts/init-top/ORDER gpugate)
	udev=$(itools_order_line "$img" scripts/init-top/ORDER udev)
	[ "$gate" -gt 0 ] && [ "$udev" -gt 0 ] || die "initrd-$variant: init-top ORDER lacks gpugate or udev"
	if [ "$variant" = itlate ]; then
		[ "$gate" -gt "$udev" ] || die "initrd-$variant: init-top/gpugate is not after udev"
	else
		[ "$gate" -lt "$udev" ] || die "initrd-$variant: init-top/gpugate does not run before udev"
	fi
	gate=$(itools_order_line "$img" scripts/init-bottom/ORDER gpugate)
	udev=$(itools_order_line "$img" scripts/init-bottom/ORDER udev)
	[ "$gate" -gt "$udev" ] && [ "$udev" -gt 0 ] ||
		die "initrd-$variant: init-bottom/gpugate does not run after udev"
}
