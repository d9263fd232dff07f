#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/grub-probe-iso.sh --device DEV --target=T - grub-probe's answers for
# the lab's GRUB ISO (qemu/grub.sh), which is not a block device on the
# build host: no partition map, no abstraction, iso9660, no hint. Any
# other question fails, so 10_linux cannot silently get a made-up answer.
t=
for a in "$@"; do
	case $a in --target=*) t=${a#--target=} ;; esac
done
case $t in
partmap | abstraction | compatibility_hint) exit 0 ;;
fs) echo iso9660 ;;
*)
	echo "grub-probe-iso: no answer for --target=$t" >&2
	exit 1
	;;
esac
