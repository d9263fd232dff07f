/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * posture.h - read the platform posture files (the kernel lockdown level,
 * UEFI Secure Boot, the ACPI DMA protection table, the kernel taint mask)
 * through the sysroot into the model, for the platform.* checks.
 */
#ifndef GPUGATE_POSTURE_H
#define GPUGATE_POSTURE_H

#include "gpugate.h"

#define EFI_GLOBAL_GUID "8be4df61-93ca-11d2-aa0d-e39d2f8b6a8c"
#define EFIVAR_SECUREBOOT "/sys/firmware/efi/efivars/SecureBoot-" EFI_GLOBAL_GUID
#define EFIVAR_SETUPMODE "/sys/firmware/efi/efivars/SetupMode-" EFI_GLOBAL_GUID
#define ACPI_TABLE_DMAR "/sys/firmware/acpi/tables/DMAR"
#define ACPI_TABLE_IVRS "/sys/firmware/acpi/tables/IVRS"
#define PROC_TAINTED "/proc/sys/kernel/tainted"

/* Read into @ps what the platform.* checks that @p turns on read, and only that. */
void posture_read(struct platform_state *ps, const struct policy *p);

#endif
