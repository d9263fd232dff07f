# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/grub.sh - a GRUB boot of the lab (sourced by lab.sh for scenarios
# with BOOT=grub): the kernel command line goes through /etc/default/grub,
# Debian's /etc/grub.d/10_linux (what update-grub runs) and GRUB's own
# parser, as on a host, instead of QEMU's -append.
#
# grub_iso NAME KVER CMDLINE INITRD sets GRUB_ISO to a BIOS-bootable ISO
# (grub-mkrescue, i386-pc) under $LAB/grub/NAME/ holding:
#   default-grub  GRUB_CMDLINE_LINUX="CMDLINE", every word with a ';' in
#                 single quotes: the quoting `gpugate cmdline` prints
#   10_linux.cfg  what /etc/grub.d/10_linux prints from it, run in a private
#                 mount namespace with the lab's vmlinuz and INITRD in a
#                 tmpfs on /boot (a host with a /boot partition: the ISO's
#                 root holds them, GRUB_DEVICE_BOOT is the CD)
#   iso/boot/grub/grub.cfg  a header (serial console, no menu wait, the
#                 load_video function 00_header defines) + 10_linux.cfg,
#                 passed by grub-script-check
# 10_linux asks grub-probe how GRUB reaches the device holding /boot; the
# answer for the ISO (iso9660, no partition map, no UUID: GRUB_DISABLE_UUID)
# comes from qemu/grub-probe-iso.sh, since grub-probe only probes a block
# device. The kernel line (root=, ro and the arguments) is 10_linux's own.

# The words of $1 as GRUB_CMDLINE_LINUX's value: a word with ';' in single
# quotes (GRUB_QUOTE=no, the negative scenario: as they are).
grub_cmdline_value() {
	local w out=""
	local -a words
	read -ra words <<<"$1"
	for w in "${words[@]}"; do
		case ${GRUB_QUOTE:-yes}:$w in
		yes:*\;*) out+=" '$w'" ;;
		*) out+=" $w" ;;
		esac
	done
	printf '%s\n' "${out# }"
}

# 10_linux run as update-grub runs it, on DIR/default-grub and DIR/boot; stdout.
grub_10_linux() {
	local dir=$1
	# shellcheck disable=SC2016 # the inner bash expands them
	unshare -m bash -euc '
		mount --make-rprivate /
		mount -t tmpfs lab-grub-boot /boot
		cp "$1/boot/"* /boot/
		set -a
		. "$1/default-grub"
		GRUB_DEVICE=/dev/vda GRUB_DEVICE_UUID= GRUB_DEVICE_PARTUUID=
		GRUB_DEVICE_BOOT=/dev/sr0 GRUB_DEVICE_BOOT_UUID= GRUB_FS=ext2
		GRUB_DISABLE_LINUX_UUID=true GRUB_DISABLE_UUID=true GRUB_DISABLE_RECOVERY=true
		GRUB_DISTRIBUTOR=Debian grub_probe=$2 pkgdatadir=/usr/share/grub
		set +a
		exec /etc/grub.d/10_linux
	' grub10 "$dir" "$QEMU_DIR/grub-probe-iso.sh"
}

grub_iso() {
	local kver=$2 cmdline=$3 initrd=$4 dir=$LAB/grub/$1 hash
	local vmlinuz=$KERNEL_ROOT/boot/vmlinuz-$kver
	command -v grub-mkrescue >/dev/null || die "grub-mkrescue missing: run qemu/install-deps.sh"
	[ -x /etc/grub.d/10_linux ] || die "/etc/grub.d/10_linux missing: run qemu/install-deps.sh"
	[ -f "$vmlinuz" ] || die "no $vmlinuz: run qemu/fetch.sh"
	GRUB_ISO=$dir/grub.iso
	hash=$( (printf '%s\n' "${GRUB_QUOTE:-yes}" "$cmdline"; cat "$QEMU_DIR/grub.sh" "$QEMU_DIR/grub-probe-iso.sh" \
		/etc/grub.d/10_linux "$vmlinuz" "$initrd") | sha256sum | cut -d' ' -f1)
	if [ -s "$GRUB_ISO" ] && [ "$(cat "$dir/hash" 2>/dev/null)" = "$hash" ]; then
		return 0
	fi
	log "grub: $GRUB_ISO (10_linux, grub-script-check, grub-mkrescue)"
	rm -rf "$dir"
	mkdir -p "$dir/boot" "$dir/iso/boot/grub"
	printf 'GRUB_CMDLINE_LINUX="%s"\n' "$(grub_cmdline_value "$cmdline")" >"$dir/default-grub"
	cp "$vmlinuz" "$dir/boot/vmlinuz-$kver"
	cp "$initrd" "$dir/boot/initrd.img-$kver"
	grub_10_linux "$dir" >"$dir/10_linux.cfg" 2>"$dir/10_linux.err" ||
		die "grub: /etc/grub.d/10_linux failed: $(cat "$dir/10_linux.err")"
	grep -q "^[[:space:]]*linux[[:space:]]*/vmlinuz-$kver " "$dir/10_linux.cfg" ||
		die "grub: no linux line for $kver in $dir/10_linux.cfg"
	{
		# what the lab takes of 00_header: the console, no menu wait, and
		# load_video, which 10_linux's entries call
		printf '%s\n' 'serial --unit=0 --speed=115200' 'terminal_input serial' \
			'terminal_output serial' 'set timeout=0' 'set default=0' \
			'function load_video {' '	insmod all_video' '}'
		cat "$dir/10_linux.cfg"
	} >"$dir/iso/boot/grub/grub.cfg"
	grub-script-check "$dir/iso/boot/grub/grub.cfg" ||
		die "grub: grub-script-check refuses $dir/iso/boot/grub/grub.cfg"
	mv "$dir/boot/vmlinuz-$kver" "$dir/boot/initrd.img-$kver" "$dir/iso/"
	grub-mkrescue -o "$GRUB_ISO" "$dir/iso" >"$dir/mkrescue.log" 2>&1 ||
		die "grub: grub-mkrescue failed: $(tail -n 5 "$dir/mkrescue.log")"
	echo "$hash" >"$dir/hash"
}
