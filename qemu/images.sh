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
#                       qemu/guest/root-init.sh, and gpugate with the
#                       poweroff policy (root-init prints `gpugate cmdline`)
#   root-udev.ext4      the guard scenarios' root disk (ROOT=udev):
#                       root.ext4's plus systemd-udevd with the installed
#                       rules, /sbin/init = qemu/guest/guard-init.sh
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
#   compressed the poweroff image with the VFIO modules compressed as a
#              distribution kernel ships them (.ko.xz; vfio-pci .ko.zst)
#              and depmod run again: on 6.1, which cannot decompress
#              modules, gpugate must decompress them itself
#   unsigned   the compressed image with vfio-pci's signature cut off
#              before it was compressed
#   truncated  the compressed image with vfio-pci.ko.zst cut to half its
#              size after depmod
#   auditmode  qemu/policies/audit-mode.conf  [gate] mode = audit
#   auditcrash the auditmode image with /usr/sbin/gpugate a script that
#              kills itself with SIGSEGV
#   systemd    the poweroff image with systemd as the initramfs' init
#              (dracut's systemd, systemd-initrd and dracut-systemd modules)
#              instead of busybox; systemdnobin: without /usr/sbin/gpugate
#   busybox    the poweroff image without the labsh module: /bin/sh and
#              switch_root are busybox's (the report stays behind in the
#              initramfs' /run)
#   takebaseline  poweroff, plus the lab-only labbaseline module
#              (qemu/dracut/99labbaseline): prints `gpugate baseline` on the
#              console and powers off
#   tpm        qemu/policies/tpm.conf ([tpm] measure = required), a plain
#              busybox dracut image (no labsh: the pre-pivot hook carries
#              /run past busybox's switch_root) plus the lab-only labtpm
#              module (qemu/dracut/99labtpm: prints PCR N before the gate,
#              stalls for the TPM to be stopped on lab.tpm=stall)
#   tpmtimeout the tpm image with qemu/policies/tpm-timeout.conf
#              (timeout_ms = 1000)
#   tpmaudit   the tpm image with qemu/policies/tpm-audit.conf
#              (audit-allowed.conf plus measure = required)
#   tpmsystemd the systemd image with tpm.conf and labtpm
#   guard      qemu/policies/guard.conf: poweroff.conf without the
#              pci=noats requirement (guard-ats boots without it)
#   lockreq    qemu/policies/lockdown-required.conf: poweroff.conf with
#              [platform] require_lockdown = integrity
#   barreq     qemu/policies/bars-required.conf: poweroff.conf that also
#              protects pci-testdev (1b36:0005) and sets [devices]
#              require_bars = yes
#   postreq    qemu/policies/posture-required.conf: poweroff.conf with
#              [platform] require_dma_protection, require_secureboot and
#              forbid_taint
#   root-udev  not an initramfs: root-udev.ext4, the guard scenarios' root
#              disk (systemd-udevd with the installed rules, guard-init.sh)
#   itpoweroff, itnobinary, itlate, itdrift, itklibc, itklibcnobin, itemergency, ittpm
#              initramfs-tools images made by mkinitramfs, see qemu/itools.sh
#   takesnapshot  poweroff, plus the lab-only labsnapshot module
#              (qemu/dracut/99labsnapshot): prints `gpugate snapshot` on the
#              console and powers off; built only by qemu/take-snapshot.sh
#   baseline   poweroff.conf plus "[baseline] file = $LAB/baseline/baseline",
#              a baseline taken by booting takebaseline on the rom_a machine
#              (qemu/baseline/take-baseline.conf); retaken only when its
#              inputs change. Also makes $LAB/rom/gpu-{a,b}.rom.
set -euo pipefail
# shellcheck source=qemu/common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=qemu/itools.sh
. "$QEMU_DIR/itools.sh"

VARIANTS=(poweroff halt audit auditmode auditcrash reboot emergency protectnic drift nobinary compressed unsigned truncated busybox takebaseline baseline hostonly systemd systemdnobin
	tpm tpmtimeout tpmaudit tpmsystemd guard lockreq barreq postreq
	"${ITOOLS_VARIANTS[@]}")

# Kept lean (QEMU-FINDINGS §7): the modules a root on virtio-blk needs,
# plus the stand-in GPUs' host drivers, so that udev WOULD load them.
DRACUT_MODULES="base busybox udev-rules kernel-modules rootfs-block gpugate"
DRACUT_DRIVERS="virtio_pci virtio_blk ext4 virtio_gpu bochs pvpanic_mmio"

policy_of() {
	case "$1" in
	poweroff | nobinary | compressed | unsigned | truncated | busybox | drift | takebaseline | takesnapshot | hostonly | systemd | systemdnobin) echo "$QEMU_DIR/policies/poweroff.conf" ;;
	baseline) echo "$BASELINE_DIR/policy.conf" ;;
	halt) echo "$REPO/config/policy-qemu.conf" ;;
	audit) echo "$QEMU_DIR/policies/audit-allowed.conf" ;;
	auditmode | auditcrash) echo "$QEMU_DIR/policies/audit-mode.conf" ;;
	reboot | emergency) echo "$QEMU_DIR/policies/$1.conf" ;;
	itemergency) echo "$QEMU_DIR/policies/emergency.conf" ;;
	tpm | tpmsystemd | ittpm) echo "$QEMU_DIR/policies/tpm.conf" ;;
	tpmtimeout) echo "$QEMU_DIR/policies/tpm-timeout.conf" ;;
	tpmaudit) echo "$QEMU_DIR/policies/tpm-audit.conf" ;;
	protectnic) echo "$QEMU_DIR/policies/protect-nic.conf" ;;
	guard) echo "$QEMU_DIR/policies/guard.conf" ;;
	lockreq) echo "$QEMU_DIR/policies/lockdown-required.conf" ;;
	barreq) echo "$QEMU_DIR/policies/bars-required.conf" ;;
	postreq) echo "$QEMU_DIR/policies/posture-required.conf" ;;
	it*) echo "$QEMU_DIR/policies/poweroff.conf" ;;
	*) die "unknown image variant '$1' (${VARIANTS[*]})" ;;
	esac
}

# labsh (qemu/dracut/99labsh): dash as /bin/sh and util-linux switch_root,
# so that /run and the gate's report reach the real root as on a Debian
# host. Every variant but busybox, systemd and the tpm ones has it.
modules_of() {
	case "$1" in
	busybox) echo "$DRACUT_MODULES" ;;
	# systemd as PID 1 of the initramfs, as dracut builds it on a Debian
	# host with systemd: dracut-pre-udev.service runs the pre-udev hooks
	# (Before=systemd-udevd.service); no busybox, no labsh
	systemd) echo "${DRACUT_MODULES/busybox/systemd systemd-initrd dracut-systemd}" ;;
	tpmsystemd) echo "${DRACUT_MODULES/busybox/systemd systemd-initrd dracut-systemd} labtpm" ;;
	# plain busybox (as the busybox variant) plus labtpm
	tpm | tpmtimeout | tpmaudit) echo "$DRACUT_MODULES labtpm" ;;
	drift) echo "$DRACUT_MODULES labsh labdrift" ;;
	takebaseline) echo "$DRACUT_MODULES labsh labbaseline" ;;
	takesnapshot) echo "$DRACUT_MODULES labsh labsnapshot" ;;
	*) echo "$DRACUT_MODULES labsh" ;;
	esac
}

# The hostonly variant is built as a host's own initramfs is (dracut
# --hostonly): 90gpugate must still bring the VFIO modules and its
# modprobe.d file, which dracut copies from the host only in this mode.
hostonly_of() {
	if [ "$1" = hostonly ]; then echo --hostonly; else echo --no-hostonly; fi
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
		if [ "$variant" = baseline ]; then cat "$BASELINE_DIR/baseline"; fi
		if is_itools "$variant"; then itools_inputs; fi
	} | sha256sum | cut -c1-16
}

# The image a no-binary variant is made from (empty for the others).
without_binary_of() {
	case "$1" in
	nobinary) echo poweroff ;;
	systemdnobin) echo systemd ;;
	itnobinary) echo itpoweroff ;;
	itklibcnobin) echo itklibc ;;
	esac
}

# compress_modules IN OUT [unsigned|truncated]: IN with the VFIO modules and their dependencies
# compressed as kbuild does (scripts/Makefile.modinst: xz --check=crc32
# --lzma2=dict=1MiB up to 6.1; zstd -T0), vfio-pci as .ko.zst, the others
# as .ko.xz, and the module index rebuilt for the new names. "unsigned":
# vfio-pci.ko's appended signature is cut off first; "truncated":
# vfio-pci.ko.zst is cut to half its size after depmod read it.
compress_modules() {
	local in=$1 out=$2 dir=$LAB/tmp/compressed kver mods f
	kver=$(lab_kver)
	log "${out##*/}: ${in##*/} with .ko.xz/.ko.zst VFIO modules"
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && cpio -id --quiet <"$in")
	mods=$dir/usr/lib/modules/$kver
	for f in "$mods"/kernel/drivers/vfio/*.ko "$mods"/kernel/drivers/vfio/pci/*.ko \
		"$mods"/kernel/virt/lib/irqbypass.ko; do
		[ -f "$f" ] || die "compressed: no $f"
		if [ "${3:-}" = unsigned ] && [ "${f##*/}" = vfio-pci.ko ]; then
			unsign_module "$f"
		fi
		case ${f##*/} in
		vfio-pci.ko) zstd -q -T0 --rm "$f" ;;
		*) xz --check=crc32 --lzma2=dict=1MiB "$f" ;;
		esac
	done
	depmod -b "$dir/usr" "$kver"
	grep -q 'vfio-pci\.ko\.zst:.*vfio-pci-core\.ko\.xz' "$mods/modules.dep" ||
		die "compressed: depmod did not index the compressed modules"
	if [ "${3:-}" = truncated ]; then
		f=$mods/kernel/drivers/vfio/pci/vfio-pci.ko.zst
		truncate -s $(($(stat -c %s "$f") / 2)) "$f"
	fi
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
	rm -rf "$dir"
	mv "$out.tmp" "$out"
}

# unsign_module FILE: cut the signature off a signed module (the image,
# then the signature, a 12-byte struct module_signature whose last four
# bytes are the signature's length, big-endian, then the 28-byte magic).
unsign_module() {
	python3 - "$1" <<'PY'
import struct, sys
path = sys.argv[1]
data = open(path, "rb").read()
magic = b"~Module signature appended~\n"
if not data.endswith(magic):
    sys.exit(f"{path}: not signed")
sig_len = struct.unpack(">I", data[-len(magic) - 4:-len(magic)])[0]
open(path, "wb").write(data[:-len(magic) - 12 - sig_len])
PY
}

# The image a crashing-binary variant is made from (empty for the others).
crashing_binary_of() {
	case "$1" in
	auditcrash) echo auditmode ;;
	esac
}

build_initrd() {
	local variant=$1 kver=$2 out=$IMAGES/initrd-$1.img policy hash base
	policy=$(policy_of "$variant")
	if [ "$variant" = baseline ]; then
		take_baseline "$kver"
	fi
	hash=$(inputs_hash "$variant" "$kver")
	up_to_date "$out" "$hash" && return 0
	base=$(without_binary_of "$variant")
	if [ -n "$base" ]; then
		build_initrd "$base" "$kver"
		strip_binary "$IMAGES/initrd-$base.img" "$out"
	elif [ "$variant" = compressed ] || [ "$variant" = unsigned ] || [ "$variant" = truncated ]; then
		build_initrd poweroff "$kver"
		compress_modules "$IMAGES/initrd-poweroff.img" "$out" "$variant"
	elif [ -n "$(crashing_binary_of "$variant")" ]; then
		base=$(crashing_binary_of "$variant")
		build_initrd "$base" "$kver"
		strip_binary "$IMAGES/initrd-$base.img" "$out" crash
	elif is_itools "$variant"; then
		build_itools_initrd "$variant" "$kver" "$policy" "$out.tmp"
		check_initrd "$out.tmp" "$variant"
		mv "$out.tmp" "$out"
	else
		log "dracut: initrd-$variant.img (policy $policy)"
		mkdir -p "$LAB/tmp"
		GPUGATE_BINARY=$STAGE/usr/sbin/gpugate GPUGATE_POLICY=$policy \
			GPUGATE_LAB_KCONFIG=$KERNEL_ROOT/boot/config-$kver \
			dracutbasedir=$LAB/dracutbase \
			dracut --quiet --force "$(hostonly_of "$variant")" --no-hostonly-cmdline \
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
	local img=$1 variant=$2 list f files
	# usr-merged or not: compare without the usr/ and var/ prefixes
	list=$(cpio -it --quiet <"$img" | sed -E 's,^(usr|var)/,,')
	files="sbin/gpugate etc/gpugate/policy.conf etc/gpugate/hook.conf etc/modprobe.d/gpugate.conf
		lib/gpugate-lib.sh lib/dracut/hooks/pre-udev/00-gpugate-pre-udev.sh
		lib/dracut/hooks/pre-pivot/99-gpugate-pre-pivot.sh"
	if is_itools "$variant"; then
		files=$(itools_files)
	fi
	for f in $files; do
		grep -qx "${f#usr/}" <<<"$list" || die "initrd-$variant: $f missing"
	done
	# a module built into the kernel (6.12: virtio_pci) needs no file
	list=$(tr '-' '_' <<<"$list"$'\n'"$(cat "$KERNEL_ROOT/lib/modules/$(lab_kver)/modules.builtin")")
	for f in vfio vfio_iommu_type1 vfio_pci virtio_gpu bochs virtio_pci virtio_blk pvpanic_mmio; do
		grep -q "/$f\.ko" <<<"$list" || die "initrd-$variant: module $f missing"
	done
	if is_itools "$variant"; then
		itools_check_order "$img" "$variant"
	fi
}

# The same image without the gpugate binary: the hooks must stop the boot.
# strip_binary IN OUT [crash]: IN without /usr/sbin/gpugate, or with
# "crash": with a script in its place that dies of SIGSEGV.
strip_binary() {
	local in=$1 out=$2 dir=$LAB/tmp/nobinary
	log "${out##*/}: ${in##*/} without /usr/sbin/gpugate${3:+ (a crashing script instead)}"
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && cpio -id --quiet <"$in")
	rm "$dir/usr/sbin/gpugate"
	if [ "${3:-}" = crash ]; then
		printf '#!/bin/sh\nkill -SEGV $$\n' >"$dir/usr/sbin/gpugate"
		chmod 0755 "$dir/usr/sbin/gpugate"
	fi
	(cd "$dir" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
	rm -rf "$dir"
	mv "$out.tmp" "$out"
}

# Two 2 KiB expansion ROM images for the stand-in GPU (romfile=): a 0x55AA
# header, an init entry point that is a far return (0xcb), a "PCIR" data
# structure (1af4:1050, class 0380, 4 x 512 bytes, last image), padding.
# Enough for the kernel's pci_get_rom_size(), so sysfs `rom` reads the
# whole image. gpu-b.rom differs from gpu-a.rom in one byte (0x40: 'A'/'B').
# No checksum byte: SeaBIOS does not run an image whose sum is not 0.
make_roms() {
	mkdir -p "$LAB/rom"
	python3 - "$LAB/rom" <<'PY'
import struct, sys, os
for v in "ab":
    rom = bytearray(2048)
    rom[0:4] = b"\x55\xaa\x04\xcb"
    struct.pack_into("<H", rom, 0x18, 0x20)
    rom[0x20:0x38] = b"PCIR" + struct.pack("<HHHHB3sHHBBH", 0x1af4, 0x1050, 0, 0x18, 0,
                                           bytes([0x00, 0x80, 0x03]), 4, 0, 0, 0x80, 0)
    rom[0x40] = ord(v.upper())
    rom[0x41:0x41 + 24] = b" gpugate lab stand-in ROM"[:24]
    path = os.path.join(sys.argv[1], "gpu-%s.rom" % v)
    try:
        if open(path, "rb").read() == bytes(rom):
            continue
    except OSError:
        pass
    open(path + ".tmp", "wb").write(rom)
    os.replace(path + ".tmp", path)
PY
}

# The baseline of the rom_a machine, taken in the guest: boot the
# takebaseline variant (qemu/baseline/take-baseline.conf), cut the
# "LAB-BASELINE " lines out of the serial log into $BASELINE_DIR/baseline,
# and write the policy that pins it. module-setup.sh installs the file the
# policy names at the same path, so the path is one of the build host:
# $BASELINE_DIR/baseline, not /etc/gpugate/baseline (which would copy the
# build host's own file). Retaken only when its inputs change.
take_baseline() {
	local kver=$1 take=$QEMU_DIR/baseline/take-baseline.conf hash log n want
	make_roms
	mkdir -p "$BASELINE_DIR"
	{
		cat "$QEMU_DIR/policies/poweroff.conf"
		printf '\n[baseline]\nfile = %s\n' "$BASELINE_DIR/baseline"
	} >"$BASELINE_DIR/policy.conf.tmp"
	mv "$BASELINE_DIR/policy.conf.tmp" "$BASELINE_DIR/policy.conf"
	build_initrd takebaseline "$kver"
	hash=$({
		cat "$IMAGES/initrd-takebaseline.img.hash" "$LAB/rom/gpu-a.rom" "$take" \
			"$QEMU_DIR/topologies.sh" "$QEMU_DIR/lab.sh" "$LAB/vmlinux-$kver" "$IMAGES/root.ext4.hash"
		# the machine itself: QEMU's version and bochs-display's default ROM
		qemu-system-x86_64 --version
		cat /usr/share/seabios/vgabios-bochs-display.bin 2>/dev/null || true
	} | sha256sum | cut -c1-16)
	if [ -s "$BASELINE_DIR/baseline" ] && [ "$(cat "$BASELINE_DIR/baseline.hash" 2>/dev/null)" = "$hash" ]; then
		return 0
	fi
	log "taking the baseline: booting $take"
	"$QEMU_DIR/lab.sh" -q -n "$take" >&2 || die "take-baseline failed: $RUNS/take-baseline/serial.log"
	log=$RUNS/take-baseline/serial.log
	tr -d '\r' <"$log" | sed -n 's/^LAB-BASELINE //p' >"$BASELINE_DIR/baseline.tmp"
	want=$(tr -d '\r' <"$log" | sed -n 's/^LAB-BASELINE-END rc=0 lines=\([0-9]*\)$/\1/p')
	n=$(wc -l <"$BASELINE_DIR/baseline.tmp")
	if [ -z "$want" ] || [ "$n" -ne "$want" ]; then
		die "take-baseline: $n baseline lines in $log, the guest printed ${want:-?}"
	fi
	grep -q '^rom 0000:01:00.0 sha256=' "$BASELINE_DIR/baseline.tmp" ||
		die "take-baseline: no ROM hash for 0000:01:00.0 in $log"
	mv "$BASELINE_DIR/baseline.tmp" "$BASELINE_DIR/baseline"
	echo "$hash" >"$BASELINE_DIR/baseline.hash"
	log "baseline: $n lines in $BASELINE_DIR/baseline"
}

# up_to_date OUT HASH: OUT was built from inputs whose hash is HASH
up_to_date() { [ -s "$1" ] && [ "$(cat "$1.hash" 2>/dev/null)" = "$2" ]; }

# rootfs_base DIR: what every root disk holds: static busybox with its
# applets, gpugate, root-init.sh as /sbin/init.lab and an os-release.
rootfs_base() {
	local dir=$1 applet
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc/gpugate}
	install -m 0755 "$STAGE/usr/sbin/gpugate" "$dir/usr/sbin/gpugate"
	install -m 0755 "$LAB/busybox" "$dir/bin/busybox"
	"$LAB/busybox" --list-full | while read -r applet; do
		[ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
	done
	install -m 0755 "$QEMU_DIR/guest/root-init.sh" "$dir/sbin/init.lab"
	# systemd's switch-root (the systemd variant) only enters an OS tree
	printf 'ID=gpugate-lab\nNAME="gpugate lab root"\n' >"$dir/etc/os-release"
}

# mkext4 DIR OUT SIZE HASH: DIR as an ext4 image (mke2fs -d), then DIR goes
mkext4() {
	rm -f "$2.tmp"
	truncate -s "$3" "$2.tmp"
	mke2fs -q -t ext4 -L labroot -d "$1" "$2.tmp"
	rm -rf "$1"
	mv "$2.tmp" "$2"
	echo "$4" >"$2.hash"
}

build_rootfs() {
	local out=$IMAGES/root.ext4 dir=$LAB/tmp/rootfs hash
	hash=$(cat "$LAB/busybox" "$QEMU_DIR/guest/root-init.sh" "$0" "$STAGE/usr/sbin/gpugate" \
		"$QEMU_DIR/policies/poweroff.conf" | sha256sum | cut -c1-16)
	up_to_date "$out" "$hash" && return 0
	log "root.ext4: busybox + root-init.sh + gpugate (for \`gpugate cmdline\`)"
	rootfs_base "$dir"
	install -m 0644 "$QEMU_DIR/policies/poweroff.conf" "$dir/etc/gpugate/policy.conf"
	ln -sf init.lab "$dir/sbin/init"
	mkext4 "$dir" "$out" 32M "$hash"
}

# The modules the udev root loads by hand (the stand-in GPUs' host
# drivers, bochs-drm on both kernels and virtio-pci where it is a module)
# with their dependencies, decompressed (busybox insmod hands the file to
# the kernel as it is), and their modules.dep.
UDEV_ROOT_MODULES="bochs virtio_pci"
udev_root_modules() {
	local dir=$1 kver=$2 m f rel
	local src=$KERNEL_ROOT/lib/modules/$kver
	for m in $UDEV_ROOT_MODULES; do
		modprobe -d "$KERNEL_ROOT" -S "$kver" --show-depends "$m" 2>/dev/null |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | sort -u | while read -r f; do
		rel=${f#"$src"/}
		[ "$rel" != "$f" ] || die "root-udev: module $f is not under $src"
		mkdir -p "$dir/lib/modules/$kver/${rel%/*}"
		case $f in
		*.ko.xz) xz -dc "$f" >"$dir/lib/modules/$kver/${rel%.xz}" ;;
		*.ko.zst) zstd -qdc "$f" >"$dir/lib/modules/$kver/${rel%.zst}" ;;
		*.ko) cp "$f" "$dir/lib/modules/$kver/$rel" ;;
		*) die "root-udev: unexpected module file $f" ;;
		esac
	done
	cp "$src"/modules.order "$src"/modules.builtin* "$dir/lib/modules/$kver/"
	depmod -b "$dir" "$kver"
	grep -q '/bochs\.ko:' "$dir/lib/modules/$kver/modules.dep" || die "root-udev: bochs.ko not indexed"
}

# copy_with_libs FILE DIR: FILE and the shared libraries ldd names, at
# their own paths under DIR
copy_with_libs() {
	local f
	install -D -m 0755 "$1" "$2$1"
	ldd "$1" | sed -n 's,.*=> \(/[^ ]*\) .*,\1,p; s,^[[:space:]]*\(/[^ ]*\) .*,\1,p' | sort -u |
		while read -r f; do
			install -D -m 0755 "$(readlink -f "$f")" "$2$f"
		done
}

# root-udev.ext4: the root of the guard scenarios. The common base, plus
# Debian's systemd-udevd and udevadm (the host's udev package: one
# multi-call binary) with their libraries, the rules `make install`
# installed (69-gpugate.rules) and nothing else in /lib/udev/rules.d (no
# module autoloading: the scenario loads the host driver itself), the
# modprobe.d file `gpugate modprobe` writes, the host drivers' modules,
# vfio-attach (qemu/guest/vfio-attach.c, gcc -static), the lab's guard
# policy (guest: /etc/gpugate/guard-base.conf, to which guard-init.sh adds
# the scenario's [guard] keys) and qemu/guest/guard-init.sh as /sbin/init.
build_rootfs_udev() {
	local out=$IMAGES/root-udev.ext4 dir=$LAB/tmp/rootfs-udev hash kver=$1
	local rules=$STAGE/usr/lib/udev/rules.d/69-gpugate.rules udevadm
	udevadm=$(readlink -f /usr/bin/udevadm)
	[ -s "$rules" ] || die "root-udev: make install did not install $rules"
	hash=$(cat "$LAB/busybox" "$QEMU_DIR"/guest/{root-init.sh,guard-init.sh,vfio-attach.c} "$0" \
		"$STAGE/usr/sbin/gpugate" "$rules" "$QEMU_DIR/policies/guard.conf" "$udevadm" \
		"$LAB/vmlinux-$kver" | sha256sum | cut -c1-16)
	up_to_date "$out" "$hash" && return 0
	log "root-udev.ext4: the root disk plus systemd-udevd, 69-gpugate.rules, guard-init.sh"
	rootfs_base "$dir"
	install -m 0644 "$QEMU_DIR/policies/guard.conf" "$dir/etc/gpugate/guard-base.conf"
	install -m 0644 "$QEMU_DIR/policies/guard.conf" "$dir/etc/gpugate/policy.conf"
	mkdir -p "$dir/etc/modprobe.d"
	"$STAGE/usr/sbin/gpugate" -p "$QEMU_DIR/policies/guard.conf" modprobe >"$dir/etc/modprobe.d/gpugate.conf"
	install -m 0755 "$QEMU_DIR/guest/guard-init.sh" "$dir/sbin/guard-init"
	ln -sf guard-init "$dir/sbin/init"
	copy_with_libs "$udevadm" "$dir"
	# the root's /bin and /usr/bin are directories: udevadm in both
	local d
	for d in /bin/udevadm /usr/bin/udevadm; do
		[ "$d" = "$udevadm" ] || ln -sf "$udevadm" "$dir$d"
	done
	mkdir -p "$dir/lib/systemd" "$dir/lib/udev/rules.d" "$dir/etc/udev" \
		"$dir/var/lib/prometheus/node-exporter" "$dir/var/lib/gpugate"
	ln -sf "$udevadm" "$dir/lib/systemd/systemd-udevd"
	install -m 0644 "$rules" "$dir/lib/udev/rules.d/69-gpugate.rules"
	gcc -static -O2 -Wall -Wextra -Werror -o "$dir/usr/bin/vfio-attach" "$QEMU_DIR/guest/vfio-attach.c"
	udev_root_modules "$dir" "$kver"
	mkext4 "$dir" "$out" 128M "$hash"
}

main() {
	local kver v
	kver=$(lab_kver)
	mkdir -p "$IMAGES"
	stage_install
	dracut_base
	build_rootfs
	if [ $# -eq 0 ]; then
		set -- "${VARIANTS[@]}" root-udev
	fi
	for v in "$@"; do
		case $v in
		root-udev) build_rootfs_udev "$kver" ;;
		*) build_initrd "$v" "$kver" ;;
		esac
	done
}

main "$@"
