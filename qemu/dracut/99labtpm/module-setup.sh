#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Lab-only dracut module (the tpm* image variants, qemu/images.sh): a
# cmdline hook (the stage right before pre-udev, where gpugate's gate runs)
# that prints what the TPM holds before gpugate touches it:
#   LAB-TPM-PRE uptime=S tpm0=yes|no pcr<N>=<hex>|unreadable
# for the PCR N of lab.pcr= (sysfs /sys/class/tpm/tpm0/pcr-sha256/N). With
# lab.tpm=stall it then prints LAB-TPM-STALL-NOW, on which qemu/lab.sh
# stops swtpm (SIGSTOP), waits 3 s for that to happen, and prints
# LAB-TPM-STALL-GO uptime=S: from then on the TPM does not answer, and
# the gate's measurement must fail within the policy's timeout_ms.

check() {
	return 255
}

depends() {
	return 0
}

# shellcheck disable=SC2154 # moddir is set by dracut
install() {
	inst_hook cmdline 99 "$moddir/labtpm.sh"
	inst_multiple sleep
}
