#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/bench/qemu-boot.sh OUTDIR BOOTS - initramfs size and boot time with
# and without the gpugate dracut module, in the QEMU lab (qemu/).
#
# Builds three initramfs images the way qemu/images.sh builds the lab's
# (same dracut modules, drivers and options, read from images.sh; policy
# qemu/policies/poweroff.conf; a private dracutbasedir; nothing on the host
# is touched) into OUTDIR:
#   gate      the lab image: dracut module 90gpugate (pre-udev `gpugate gate`,
#             pre-pivot `gpugate gate --verify`)
#   vfio-ids  no gpugate; the usual way to hand GPUs to VFIO without it:
#             vfio modules in the image, rd.driver.pre=vfio-pci,vfio_iommu_type1
#             (busybox modprobe ignores vfio's softdep on vfio_iommu_type1,
#             which the gate loads and VFIO users need), vfio-pci.ids= and
#             modprobe.blacklist= of the host drivers on the command line
#             (the same drivers end up bound, and udev loads no host GPU
#             driver, as with the gate's modprobe.d file)
#   plain     no gpugate, no VFIO: udev binds virtio-gpu/bochs as on any host
# and boots each BOOTS times, interleaved, with the pass-intel scenario's
# machine (q35, Intel vIOMMU, virtio-gpu with ATS + bochs-display on their
# own root ports) and command line. The boot time is the guest's uptime when
# the root file system's init runs (LAB-ROOT-INIT in the serial log).
#
# The guest clock runs on instruction count, 2 ns per guest instruction
# (-icount shift=1), so that the load of the build host does not change how
# long the guest's work takes in guest time, and with sleep=on: when the
# guest is idle, its clock advances with real time. The earlier sleep=off
# made the boots unrepeatable: with it QEMU jumps the guest clock to the
# next timer deadline whenever the vCPU idles (softmmu/icount.c,
# icount_start_warp_timer), also while it waits for a virtio-blk request
# that QEMU's I/O thread has not completed yet, so each root-disk read that
# lost that race in real time cost the guest anything from 4 ms to tens of
# seconds (docs/benchmarks.md). BENCH_ICOUNT overrides the -icount value.
#
# A bench-only dracut module (tests/bench/dracut/98benchmark) logs markers
# right before and after gpugate's pre-udev and pre-pivot hooks, in every
# image. One more image, gate-trace (the gate image plus the bench-only
# module tests/bench/dracut/97benchtrace), is booted once after the measured
# boots: it records gpugate's system calls and module loads in the pre-udev
# hook with the kernel's trace events and prints them, for the breakdown of
# the gate's time (not used for any boot time).
#
# Prints lines "kver KVER", "size VARIANT RAW GZIP ZSTD", "files VARIANT N",
# "boot VARIANT N ROOT RUN_INIT UDEV_START UDEV_END PIVOT_START PIVOT_END
# VDA MOUNT WALL" (guest uptimes in seconds, "none" when absent; VDA: the
# root disk detected, MOUNT: ext4 mounted; WALL: real seconds of the boot)
# and "trace LOGFILE" for tests/bench/bench.py.
# Needs the lab's kernel (qemu/fetch.sh) and root disk (qemu/images.sh);
# fetches/builds them when missing.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=qemu/common.sh
. "$REPO/qemu/common.sh"
# shellcheck source=qemu/topologies.sh
. "$QEMU_DIR/topologies.sh"
# shellcheck source=qemu/itools.sh
. "$QEMU_DIR/itools.sh"

OUT=$1
BOOTS=${2:-5}
ICOUNT=${BENCH_ICOUNT:-shift=1,sleep=on}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

[ -s "$LAB/kver" ] || "$QEMU_DIR/fetch.sh" >&2
KVER=$(lab_kver)
echo "kver $KVER"
[ -s "$IMAGES/root.ext4" ] || "$QEMU_DIR/images.sh" poweroff >&2

# The lab's dracut settings, from images.sh itself.
DRACUT_MODULES=$(sed -n 's/^DRACUT_MODULES="\(.*\)"$/\1/p' "$QEMU_DIR/images.sh")
DRACUT_DRIVERS=$(sed -n 's/^DRACUT_DRIVERS="\(.*\)"$/\1/p' "$QEMU_DIR/images.sh")
if [ -z "$DRACUT_MODULES" ] || [ -z "$DRACUT_DRIVERS" ]; then
	die "cannot read DRACUT_MODULES/DRIVERS from qemu/images.sh"
fi
NOGATE_MODULES=$(tr ' ' '\n' <<<"$DRACUT_MODULES labsh benchmark" | grep -vx gpugate | tr '\n' ' ')
POLICY=$QEMU_DIR/policies/poweroff.conf

STAGE_B=$OUT/stage
rm -rf "$STAGE_B"
make -s -C "$REPO" install DESTDIR="$STAGE_B" PREFIX=/usr >/dev/null

BASE=$OUT/dracutbase
rm -rf "$BASE"
mkdir -p "$BASE/modules.d" "$OUT/empty-confdir" "$OUT/tmp"
for e in /usr/lib/dracut/*; do
	[ "${e##*/}" = modules.d ] || ln -s "$e" "$BASE/${e##*/}"
done
for e in /usr/lib/dracut/modules.d/*; do
	ln -s "$e" "$BASE/modules.d/${e##*/}"
done
ln -s "$STAGE_B/usr/lib/dracut/modules.d/90gpugate" "$BASE/modules.d/90gpugate"
ln -s "$QEMU_DIR/dracut/99labsh" "$BASE/modules.d/99labsh"
ln -s "$REPO/tests/bench/dracut/98benchmark" "$BASE/modules.d/98benchmark"
ln -s "$REPO/tests/bench/dracut/97benchtrace" "$BASE/modules.d/97benchtrace"

build() { # VARIANT MODULES EXTRA-DRIVERS [nosize]
	GPUGATE_BINARY=$STAGE_B/usr/sbin/gpugate GPUGATE_POLICY=$POLICY \
		dracutbasedir=$BASE \
		dracut --quiet --force --no-hostonly --no-hostonly-cmdline \
		--kver "$KVER" --kmoddir "$KERNEL_ROOT/lib/modules/$KVER" \
		--conf /dev/null --confdir "$OUT/empty-confdir" --tmpdir "$OUT/tmp" \
		--modules "$2" --drivers "$DRACUT_DRIVERS $3" \
		--force-drivers pvpanic_mmio --no-early-microcode --no-compress \
		"$OUT/initrd-$1.img" >&2
	[ "${4:-}" = nosize ] && return 0
	local raw gz zs=-
	raw=$(stat -c %s "$OUT/initrd-$1.img")
	gz=$(gzip -9 -c "$OUT/initrd-$1.img" | wc -c)
	if command -v zstd >/dev/null; then
		zs=$(zstd -19 -q -c "$OUT/initrd-$1.img" | wc -c)
	fi
	echo "size $1 $raw $gz $zs"
	cpio -it --quiet <"$OUT/initrd-$1.img" | LC_ALL=C sort >"$OUT/files-$1.txt"
	echo "files $1 $(wc -l <"$OUT/files-$1.txt")"
}
log "building initramfs images in $OUT"
build gate "$DRACUT_MODULES labsh benchmark" ""
build vfio-ids "$NOGATE_MODULES" "vfio vfio_iommu_type1 vfio_pci"
build plain "$NOGATE_MODULES" ""
build gate-trace "$DRACUT_MODULES labsh benchmark benchtrace" "" nosize
comm -23 "$OUT/files-gate.txt" "$OUT/files-vfio-ids.txt" >"$OUT/files-added-by-gpugate.txt"

# initramfs-tools (BENCH_ITOOLS=0: skip): itgate is the lab's own
# initrd-itpoweroff.img (qemu/images.sh, mkinitramfs); itplain and
# itvfio-ids are made by the same mkinitramfs call from the same share and
# configuration minus gpugate's hook and boot scripts; itvfio-ids also lists
# vfio, vfio_iommu_type1 and vfio_pci in the configuration's modules file
# (what a Debian VFIO host without gpugate puts in
# /etc/initramfs-tools/modules) and boots with vfio-ids' command line.
it_build() { # VARIANT [EXTRA-MODULES...]
	local v=$1 d=$OUT/$1
	shift
	rm -rf "$d" "$OUT/initrd-$v.img.gz"
	mkdir -p "$d"
	cp -a "$LAB/itshare" "$d/share"
	cp -a "$LAB/itconf/itpoweroff" "$d/conf"
	rm -f "$d/share/hooks/gpugate" "$d/share/scripts/gpugate-lib.sh" \
		"$d/share/scripts/init-top/gpugate" "$d/share/scripts/init-bottom/gpugate"
	if grep -rqs gpugate "$d/conf" || find "$d/share" -name '*gpugate*' | grep -q .; then
		die "$v: gpugate files left in the share or configuration"
	fi
	for m in "$@"; do echo "$m" >>"$d/conf/modules"; done
	log "mkinitramfs: initrd-$v.img (itpoweroff without gpugate${*:+, modules += $*})"
	itools_mkinitramfs_in "$d/share" "$d/conf" "$OUT/initrd-$v.img.gz" "$KVER" >&2 ||
		die "mkinitramfs failed for $v"
	gzip -dc "$OUT/initrd-$v.img.gz" >"$OUT/initrd-$v.img"
	rm -f "$OUT/initrd-$v.img.gz"
	if cpio -it --quiet <"$OUT/initrd-$v.img" | grep -q gpugate; then
		die "initrd-$v.img contains gpugate files"
	fi
}
ITOOLS=()
if [ "${BENCH_ITOOLS:-1}" = 1 ] && command -v mkinitramfs >/dev/null && command -v unshare >/dev/null; then
	"$QEMU_DIR/images.sh" itpoweroff >&2
	cp "$IMAGES/initrd-itpoweroff.img" "$OUT/initrd-itgate.img"
	it_build itvfio-ids vfio vfio_iommu_type1 vfio_pci
	it_build itplain
	for v in itgate itvfio-ids itplain; do
		echo "size $v $(stat -c %s "$OUT/initrd-$v.img") $(gzip -9 -c "$OUT/initrd-$v.img" | wc -c) -"
		cpio -it --quiet <"$OUT/initrd-$v.img" | LC_ALL=C sort >"$OUT/files-$v.txt"
		echo "files $v $(wc -l <"$OUT/files-$v.txt")"
	done
	ITOOLS=(itgate itvfio-ids itplain)
fi

# The pass-intel scenario's machine and command line (qemu/lab.sh).
# shellcheck source=/dev/null
. "$QEMU_DIR/scenarios/pass-intel.conf"
mapfile -t TOPOLOGY < <("topo_$TOPO")
CMD="console=ttyS0,115200 root=/dev/vda rootfstype=ext4 rw panic=-1 $CMDLINE"
CMD+=" lab.verify=${VERIFY// /,} lab.ats=${ATS// /,}"

boot() { # VARIANT N
	local v=$1 n=$2 log=$OUT/serial-$1-$2.log extra="" root init t0 t1
	case $v in
	vfio-ids) extra=" rd.driver.pre=vfio-pci,vfio_iommu_type1 vfio-pci.ids=1af4:1050,1234:1111 modprobe.blacklist=virtio_gpu,bochs" ;;
	itvfio-ids) extra=" vfio-pci.ids=1af4:1050,1234:1111 modprobe.blacklist=virtio_gpu,bochs" ;;
	esac
	t0=$(date +%s%N)
	timeout 300 qemu-system-x86_64 -accel tcg -icount "$ICOUNT" -cpu qemu64 -smp 1 -m 768 -nodefaults \
		-display none -monitor none -no-reboot -serial "file:$log" \
		-machine q35,kernel-irqchip=split \
		-device intel-iommu,intremap=on,device-iotlb=on,caching-mode=on \
		-kernel "$LAB/vmlinux-$KVER" -initrd "$OUT/initrd-$v.img" -append "$CMD$extra" \
		-device pvpanic -action panic=exit-failure "${TOPOLOGY[@]}" \
		-device pcie-root-port,id=rpdisk,bus=pcie.0,chassis=30,addr=0x1c \
		-drive "if=none,id=rootdisk,file=$IMAGES/root.ext4,format=raw,snapshot=on" \
		-device virtio-blk-pci,drive=rootdisk,bus=rpdisk </dev/null 2>"$log.err" || true
	t1=$(date +%s%N)
	root=$(sed -n 's/.*LAB-ROOT-INIT reached real root, uptime=\([0-9.]*\).*/\1/p' "$log" | head -n 1)
	init=$(stamp "$log" 'Run /init as init process')
	echo "boot $v $n ${root:-none} ${init:-none} $(stamp "$log" 'BENCH-MARK pre-udev-start')" \
		"$(stamp "$log" 'BENCH-MARK pre-udev-end') $(stamp "$log" 'BENCH-MARK pre-pivot-start')" \
		"$(stamp "$log" 'BENCH-MARK pre-pivot-end') $(stamp "$log" '[vda]')" \
		"$(stamp "$log" 'EXT4-fs (vda): mounted') $(((t1 - t0) / 1000000000)).$(printf %03d $(((t1 - t0) / 1000000 % 1000)))"
}

# The kernel timestamp of the first log line containing TEXT, or "none".
stamp() {
	local t
	t=$(grep -a -F "$2" "$1" | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p' | head -n 1)
	echo "${t:-none}"
}
log "booting each image $BOOTS times, interleaved (-icount $ICOUNT)"
VARIANTS=(gate vfio-ids plain "${ITOOLS[@]}")
for ((i = 1; i <= BOOTS; i++)); do
	# the order rotates from round to round, so no image always follows the same one
	for ((j = 0; j < ${#VARIANTS[@]}; j++)); do
		boot "${VARIANTS[(i + j) % ${#VARIANTS[@]}]}" "$i"
	done
done
if [ "$BOOTS" -gt 0 ]; then
	log "one boot of gate-trace (where the pre-udev gate spends its time)"
	boot gate-trace 1 >/dev/null
	echo "trace $OUT/serial-gate-trace-1.log"
fi
