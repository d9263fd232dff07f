/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * platform.h - the platform posture files the platform.* checks read,
 * parsed without I/O: the kernel lockdown level's rank, a UEFI variable's
 * value byte (efivarfs), the pre-boot DMA protection flag of the ACPI DMAR
 * (Intel) or IVRS (AMD) table, and the kernel taint flags.
 */
#ifndef GPUGATE_PLATFORM_H
#define GPUGATE_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The lockdown levels in order of strength (security/lockdown/lockdown.c:
 * LOCKDOWN_NONE < LOCKDOWN_INTEGRITY_MAX < LOCKDOWN_CONFIDENTIALITY_MAX).
 * platform_lockdown_rank() gives a level's index here, -1 for any other word.
 */
extern const char *const platform_lockdown_words[];
int platform_lockdown_rank(const char *level);

/*
 * A one-byte UEFI variable as efivarfs shows it: 4 attribute bytes, then
 * the value (SecureBoot, SetupMode: 1 or 0). Returns the value, or -EINVAL
 * when @len is not 5 or the value is neither 0 nor 1.
 */
int platform_efivar_bool(const uint8_t *buf, size_t len);

/* The ACPI tables that say whether the firmware opted in to DMA protection. */
enum acpi_dma_table { ACPI_DMA_DMAR, ACPI_DMA_IVRS };

/*
 * Does the ACPI table @buf of @len bytes (the file under
 * /sys/firmware/acpi/tables) say the platform protected DMA before boot?
 * DMAR: Flags (offset 37) bit 2, DMA_CTRL_PLATFORM_OPT_IN (struct
 * acpi_table_dmar, dmar_platform_optin()). IVRS: IVinfo (offset 36, 32
 * bits) bit 1, DMA remap support (IOMMU_IVINFO_DMA_REMAP, amd/init.c).
 * The table must carry table @t's signature, and its header's length field
 * must cover the 48 bytes read and equal @len. Returns 1 (opted in) or 0
 * (not), with the field the bit is in (DMAR Flags, IVRS IVinfo) in @flags,
 * or -EINVAL with the reason in @why.
 */
int platform_acpi_dma_optin(enum acpi_dma_table t, const uint8_t *buf, size_t len,
			    uint32_t *flags, char *why, size_t wlen);

/*
 * Table @t's field @flags as a report shows it: "DMAR flags 0x01
 * (INTR_REMAP)", each DMAR flag bit named (include/acpi/actbl1.h:
 * INTR_REMAP, X2APIC_OPT_OUT, DMA_CTRL_PLATFORM_OPT_IN), or "IVRS IVinfo
 * 0x00002800".
 */
void platform_acpi_dma_describe(enum acpi_dma_table t, uint32_t flags, char *out, size_t olen);

/* A kernel taint flag (Documentation/admin-guide/tainted-kernels.rst). */
struct taint_flag {
	int bit;
	char letter;
	const char *name; /* the kernel's TAINT_ name, lower case, without TAINT_ */
	const char *what;
};

/*
 * The flag named @word: its letter ("O") or name ("oot_module"), case
 * sensitive for letters as the kernel prints them. NULL when none.
 */
const struct taint_flag *platform_taint_find(const char *word);

/* The flag of bit @bit, NULL for a bit the kernel does not define here. */
const struct taint_flag *platform_taint_bit(int bit);

/*
 * /proc/sys/kernel/tainted: one unsigned decimal number and an optional
 * newline. Returns 0 with the mask in @mask, or -EINVAL.
 */
int platform_taint_parse(const char *text, uint64_t *mask);

#endif
