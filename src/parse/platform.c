// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * platform.c - the platform posture files, parsed without I/O
 * (platform.h). Every parser checks the length it was given before it
 * reads a byte.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flags.h"
#include "platform.h"

const char *const platform_lockdown_words[] = { "none", "integrity", "confidentiality", NULL };

int platform_lockdown_rank(const char *level)
{
	for (int i = 0; platform_lockdown_words[i]; i++)
		if (!strcmp(level, platform_lockdown_words[i]))
			return i;
	return -1;
}

int platform_efivar_bool(const uint8_t *buf, size_t len)
{
	if (len != 5 || buf[4] > 1)
		return -EINVAL;
	return buf[4];
}

/* ACPI table header (36 bytes), then 12 bytes of the DMAR or IVRS header. */
#define ACPI_HDR_LEN 36
#define ACPI_DMA_HDR_LEN 48

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int platform_acpi_dma_optin(enum acpi_dma_table t, const uint8_t *buf, size_t len,
			    uint32_t *flags, char *why, size_t wlen)
{
	const char *sig = t == ACPI_DMA_DMAR ? "DMAR" : "IVRS";
	uint32_t hdr_len;

	if (len < ACPI_DMA_HDR_LEN) {
		snprintf(why, wlen, "%s table is %zu bytes, shorter than its %d-byte header", sig,
			 len, ACPI_DMA_HDR_LEN);
		return -EINVAL;
	}
	if (memcmp(buf, sig, 4)) {
		snprintf(why, wlen, "table does not start with the signature %s", sig);
		return -EINVAL;
	}
	hdr_len = le32(buf + 4);
	if (hdr_len < ACPI_DMA_HDR_LEN || hdr_len != len) {
		snprintf(why, wlen, "%s header says %u bytes, the table has %zu", sig,
			 (unsigned)hdr_len, len);
		return -EINVAL;
	}
	if (t == ACPI_DMA_DMAR) {
		*flags = buf[ACPI_HDR_LEN + 1];
		return (int)(*flags >> 2) & 1;
	}
	*flags = le32(buf + ACPI_HDR_LEN);
	return (int)(*flags >> 1) & 1;
}

void platform_acpi_dma_describe(enum acpi_dma_table t, uint32_t flags, char *out, size_t olen)
{
	static const struct flag_name dmar_bits[] = {
		{ "INTR_REMAP", 1u << 0 },
		{ "X2APIC_OPT_OUT", 1u << 1 },
		{ "DMA_CTRL_PLATFORM_OPT_IN", 1u << 2 },
	};
	char names[64];

	if (t == ACPI_DMA_IVRS) {
		snprintf(out, olen, "IVRS IVinfo 0x%08x", (unsigned)flags);
		return;
	}
	snprintf(out, olen, "DMAR flags 0x%02x (%s)", (unsigned)flags,
		 flag_names(dmar_bits, sizeof(dmar_bits) / sizeof(dmar_bits[0]), flags, names,
			    sizeof(names)));
}

static const struct taint_flag taints[] = {
	{ 0, 'P', "proprietary_module", "proprietary module loaded" },
	{ 1, 'F', "forced_module", "module force loaded" },
	{ 2, 'S', "cpu_out_of_spec", "out of specification system" },
	{ 3, 'R', "forced_rmmod", "module force unloaded" },
	{ 4, 'M', "machine_check", "machine check exception" },
	{ 5, 'B', "bad_page", "bad page referenced" },
	{ 6, 'U', "user", "taint requested by user space" },
	{ 7, 'D', "die", "kernel died (oops or BUG)" },
	{ 8, 'A', "overridden_acpi_table", "ACPI table overridden" },
	{ 9, 'W', "warn", "kernel warning" },
	{ 10, 'C', "crap", "staging driver loaded" },
	{ 11, 'I', "firmware_workaround", "platform firmware bug worked around" },
	{ 12, 'O', "oot_module", "out-of-tree module loaded" },
	{ 13, 'E', "unsigned_module", "unsigned module loaded" },
	{ 14, 'L', "softlockup", "soft lockup" },
	{ 15, 'K', "livepatch", "kernel live patched" },
	{ 16, 'X', "aux", "auxiliary (distribution) taint" },
	{ 17, 'T', "randstruct", "built with the struct randomization plugin" },
	{ 18, 'N', "test", "in-kernel test run" },
	{ 19, 'J', "fwctl", "fwctl mutating debug operation" },
};

#define NTAINTS (sizeof(taints) / sizeof(taints[0]))

const struct taint_flag *platform_taint_find(const char *word)
{
	for (size_t i = 0; i < NTAINTS; i++)
		if ((word[0] == taints[i].letter && !word[1]) || !strcmp(word, taints[i].name))
			return &taints[i];
	return NULL;
}

const struct taint_flag *platform_taint_bit(int bit)
{
	return bit >= 0 && (size_t)bit < NTAINTS ? &taints[bit] : NULL;
}

int platform_taint_parse(const char *text, uint64_t *mask)
{
	uint64_t v = 0;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '\n')
		p++;
	if (*p)
		return -EINVAL;
	*mask = v;
	return 0;
}
