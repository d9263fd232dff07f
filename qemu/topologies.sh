# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# qemu/topologies.sh - the PCIe topologies the scenarios boot (sourced by
# lab.sh). topo_NAME prints QEMU arguments, one per line. The root disk's
# port (addr 0x1c) is added by lab.sh. Bus numbers in the comments are
# what the guest sees (checked in the serial logs).
#
# The stand-in GPUs: virtio-gpu-pci (1af4:1050, class 0380) with an ATS
# capability (ats=on; needs disable-legacy and iommu_platform to be a
# PCIe endpoint that uses the IOMMU) and bochs-display (1234:1111, class
# 0380, no ATS capability). pcie-root-port has ACS (cap 0x005f).

# 00:10.0 rp1 -> 01:00.0 virtio-gpu     00:11.0 rp2 -> 02:00.0 bochs-display
topo_basic() {
	printf '%s\n' \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x10 \
		-device virtio-gpu-pci,bus=rp1,ats=on,iommu_platform=on,disable-legacy=on \
		-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x11 \
		-device bochs-display,bus=rp2
}

# A GPU card with an audio function: 01:00.0 virtio-gpu + 01:00.1 HD audio
# (ich9-intel-hda, 8086:293e, class 0403, a companion class).
topo_mf_hda() {
	printf '%s\n' \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x10 \
		-device virtio-gpu-pci,bus=rp1,addr=0x0.0,multifunction=on,ats=on,iommu_platform=on,disable-legacy=on \
		-device ich9-intel-hda,bus=rp1,addr=0x0.1
}

# The GPU's slot carries a NIC (e1000e, class 0200): a foreign endpoint in
# the GPU's IOMMU group (no ACS between functions of a QEMU device).
topo_mf_nic() {
	printf '%s\n' \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x10 \
		-device virtio-gpu-pci,bus=rp1,addr=0x0.0,multifunction=on,ats=on,iommu_platform=on,disable-legacy=on \
		-device e1000e,bus=rp1,addr=0x0.1
}

# A PCIe switch under a root port: 00:10.0 rp1 -> 01:00.0 x3130 upstream
# -> 02:00.0 / 02:01.0 xio3130 downstream -> 03:00.0 GPU, 04:00.0 NIC.
# QEMU's switch ports have no ACS capability, so peer-to-peer between
# the GPU and the NIC is not redirected to the IOMMU: acs.path must fail.
# (The groups alone look fine: {02:00.0, 03:00.0}.)
topo_switch() {
	printf '%s\n' \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x10 \
		-device x3130-upstream,id=up1,bus=rp1 \
		-device xio3130-downstream,id=ds1,bus=up1,chassis=11,slot=0 \
		-device xio3130-downstream,id=ds2,bus=up1,chassis=12,slot=0 \
		-device virtio-gpu-pci,bus=ds1,ats=on,iommu_platform=on,disable-legacy=on \
		-device e1000e,bus=ds2
}

# topo_basic plus an Intel 82574L NIC (e1000e; its PCI Express capability
# is version 1, at 0xe0) on a third root port: an ordinary host NIC, not
# in the GPUs' slots or groups.
topo_basic_nic() {
	topo_basic
	printf '%s\n' \
		-device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,addr=0x12 \
		-device e1000e,bus=rp3
}

# The baseline scenarios (images.sh makes the ROM files, docs/baseline.md):
# topo_basic with a ROM image of our own on the virtio-gpu (romfile=):
# gpu-a.rom (the one the baseline was taken with) or gpu-b.rom (one byte
# different). topo_rom_a_nic adds a root port with an e1000e under the
# same root complex (pci0000:00): 00:12.0 -> 03:00.0, the root disk moves
# from 03:00.0 to 04:00.0.
topo_rom() {
	printf '%s\n' \
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x10 \
		-device "virtio-gpu-pci,bus=rp1,ats=on,iommu_platform=on,disable-legacy=on,romfile=$LAB/rom/gpu-$1.rom" \
		-device pcie-root-port,id=rp2,bus=pcie.0,chassis=2,addr=0x11 \
		-device bochs-display,bus=rp2
}
topo_rom_a() { topo_rom a; }
topo_rom_b() { topo_rom b; }
topo_rom_a_nic() {
	topo_rom a
	printf '%s\n' \
		-device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,addr=0x12 \
		-device e1000e,bus=rp3
}

# topo_basic plus a pci-testdev (1b36:0005, class 00ff, conventional PCI)
# on a third root port whose 64-bit prefetchable BAR 2 is 1 TiB
# (membar=1T): beyond the guest's 40 physical address bits (-cpu qemu64),
# so SeaBIOS's address for it is outside what the kernel may use ("host
# bridge window ... ignored, not CPU addressable"), and the kernel finds no
# room for it either ("BAR 2 [mem size 0x10000000000 64bit pref]: can't
# assign; no space", then "failed to assign"). Both kernels then show
# BAR 2's line of `resource` as 0 0 0 (qemu/README.md).
topo_bar_unassigned() {
	topo_basic
	printf '%s\n' \
		-device pcie-root-port,id=rp3,bus=pcie.0,chassis=3,addr=0x12 \
		-device pci-testdev,bus=rp3,membar=1T
}
