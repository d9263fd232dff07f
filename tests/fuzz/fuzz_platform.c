// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_platform.c - libFuzzer target for the platform posture parsers
 * (platform.h): the DMAR / IVRS DMA protection bit, the efivarfs value and
 * /proc/sys/kernel/tainted.
 *
 * The first input byte picks the table (DMAR or IVRS); the rest is the
 * table, copied into a heap block of exactly its size so that
 * AddressSanitizer sees any read past it. Each input is parsed as it came
 * and again with its signature and length field set to match, so that the
 * bytes reach the flags. Beyond memory safety the target checks the
 * contract: a result is 1, 0 or -EINVAL with a reason, and a result other
 * than -EINVAL comes only from a table whose header length equals its size.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void one(enum acpi_dma_table t, const uint8_t *data, size_t len)
{
	uint8_t *buf = malloc(len ? len : 1);
	char why[128] = "", field[96];
	uint32_t flags;
	int rc;

	if (!buf)
		return;
	memcpy(buf, data, len);
	rc = platform_acpi_dma_optin(t, buf, len, &flags, why, sizeof(why));
	if (rc != 0 && rc != 1 && rc != -EINVAL)
		abort();
	if (rc == -EINVAL && !why[0])
		abort();
	if (rc >= 0 && (len < 48 || le32(buf + 4) != len))
		abort();
	if (rc >= 0) {
		/* the field the bit came from, and a description that names it */
		if ((t == ACPI_DMA_DMAR ? buf[37] : le32(buf + 36)) != flags)
			abort();
		platform_acpi_dma_describe(t, flags, field, sizeof(field));
		if (strncmp(field, t == ACPI_DMA_DMAR ? "DMAR flags 0x" : "IVRS IVinfo 0x", 13))
			abort();
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum acpi_dma_table t;
	uint8_t *fixed;
	char *text;
	uint64_t mask;

	if (!size)
		return 0;
	t = data[0] & 1 ? ACPI_DMA_IVRS : ACPI_DMA_DMAR;
	one(t, data + 1, size - 1);
	fixed = malloc(size);
	if (fixed && size - 1 >= 8) {
		memcpy(fixed, data + 1, size - 1);
		memcpy(fixed, t == ACPI_DMA_DMAR ? "DMAR" : "IVRS", 4);
		for (int i = 0; i < 4; i++)
			fixed[4 + i] = (uint8_t)((size - 1) >> (8 * i));
		one(t, fixed, size - 1);
	}
	free(fixed);
	if (platform_efivar_bool(data + 1, size - 1) > 1)
		abort();
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (!platform_taint_parse(text, &mask) && !(text[0] >= '0' && text[0] <= '9'))
		abort();
	free(text);
	return 0;
}
