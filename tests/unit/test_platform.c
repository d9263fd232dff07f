// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for platform.c: lockdown ranks, efivarfs values, the DMAR and
 * IVRS DMA protection flags (and short, truncated or mislabelled tables),
 * the taint flags and /proc/sys/kernel/tainted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "platform.h"

static void lockdown_levels_rank_in_order(void **state)
{
	(void)state;
	assert_int_equal(platform_lockdown_rank("none"), 0);
	assert_int_equal(platform_lockdown_rank("integrity"), 1);
	assert_int_equal(platform_lockdown_rank("confidentiality"), 2);
	assert_int_equal(platform_lockdown_rank("unknown"), -1);
	assert_int_equal(platform_lockdown_rank(""), -1);
}

static void efivar_value_is_the_fifth_byte(void **state)
{
	const uint8_t on[] = { 0x06, 0, 0, 0, 1 }, off[] = { 0x06, 0, 0, 0, 0 };
	const uint8_t odd[] = { 0x06, 0, 0, 0, 2 }, longer[] = { 0x06, 0, 0, 0, 1, 0 };

	(void)state;
	assert_int_equal(platform_efivar_bool(on, sizeof(on)), 1);
	assert_int_equal(platform_efivar_bool(off, sizeof(off)), 0);
	assert_int_equal(platform_efivar_bool(odd, sizeof(odd)), -EINVAL);
	assert_int_equal(platform_efivar_bool(on, 4), -EINVAL);
	assert_int_equal(platform_efivar_bool(longer, sizeof(longer)), -EINVAL);
	assert_int_equal(platform_efivar_bool(on, 0), -EINVAL);
}

/* A 48-byte table header of @sig whose length field says @hdr_len. */
static void table(uint8_t *buf, const char *sig, uint32_t hdr_len)
{
	memset(buf, 0, 64);
	memcpy(buf, sig, 4);
	buf[4] = (uint8_t)hdr_len;
	buf[5] = (uint8_t)(hdr_len >> 8);
}

static void dmar_opt_in_is_flags_bit_2(void **state)
{
	uint8_t buf[64];
	uint32_t flags;
	char why[128];

	(void)state;
	table(buf, "DMAR", 48);
	buf[36] = 0x26; /* host address width */
	buf[37] = 0x05; /* INTR_REMAP | DMA_CTRL_PLATFORM_OPT_IN */
	assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_DMAR, buf, 48, &flags, why, sizeof(why)), 1);
	assert_int_equal(flags, 0x05);
	buf[37] = 0x03; /* INTR_REMAP | X2APIC_OPT_OUT */
	assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_DMAR, buf, 48, &flags, why, sizeof(why)), 0);
	assert_int_equal(flags, 0x03);
}

static void ivrs_dma_remap_is_ivinfo_bit_1(void **state)
{
	uint8_t buf[64];
	uint32_t flags;
	char why[128];

	(void)state;
	table(buf, "IVRS", 48);
	buf[36] = 0x43; /* 0x00203043: EFRSup, DMA remap, GVA size */
	buf[37] = 0x30;
	buf[38] = 0x20;
	assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_IVRS, buf, 48, &flags, why, sizeof(why)), 1);
	assert_int_equal(flags, 0x00203043);
	buf[36] = 0x41; /* 0x00203041: no DMA remap */
	assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_IVRS, buf, 48, &flags, why, sizeof(why)), 0);
	assert_int_equal(flags, 0x00203041);
}

/* QEMU 7.2's q35 tables as the lab guest showed them (tests/trees/real/acpi). */
static void dma_fields_are_described(void **state)
{
	char out[96];

	(void)state;
	platform_acpi_dma_describe(ACPI_DMA_DMAR, 0x01, out, sizeof(out));
	assert_string_equal(out, "DMAR flags 0x01 (INTR_REMAP)");
	platform_acpi_dma_describe(ACPI_DMA_DMAR, 0x07, out, sizeof(out));
	assert_string_equal(out,
			    "DMAR flags 0x07 (INTR_REMAP X2APIC_OPT_OUT DMA_CTRL_PLATFORM_OPT_IN)");
	platform_acpi_dma_describe(ACPI_DMA_DMAR, 0x00, out, sizeof(out));
	assert_string_equal(out, "DMAR flags 0x00 (none)");
	platform_acpi_dma_describe(ACPI_DMA_DMAR, 0x08, out, sizeof(out));
	assert_string_equal(out, "DMAR flags 0x08 (none)");
	platform_acpi_dma_describe(ACPI_DMA_IVRS, 0x00002800, out, sizeof(out));
	assert_string_equal(out, "IVRS IVinfo 0x00002800");
}

static void short_or_truncated_tables_are_invalid(void **state)
{
	uint8_t buf[64];
	uint32_t flags;
	char why[128];

	(void)state;
	table(buf, "DMAR", 48);
	buf[37] = 0x04;
	for (size_t n = 0; n < 48; n++)
		assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_DMAR, buf, n, &flags, why, sizeof(why)),
				 -EINVAL);
	assert_non_null(strstr(why, "shorter than"));
	/* the header says more than was read: a truncated table */
	table(buf, "DMAR", 200);
	buf[37] = 0x04;
	assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_DMAR, buf, 64, &flags, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "header says 200 bytes, the table has 64"));
	/* a header shorter than the fields read */
	table(buf, "DMAR", 40);
	assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_DMAR, buf, 64, &flags, why, sizeof(why)),
			 -EINVAL);
	/* more bytes than the header says */
	table(buf, "DMAR", 48);
	assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_DMAR, buf, 64, &flags, why, sizeof(why)),
			 -EINVAL);
}

static void wrong_signature_is_invalid(void **state)
{
	uint8_t buf[64];
	uint32_t flags;
	char why[128];

	(void)state;
	table(buf, "IVRS", 48);
	buf[37] = 0x04;
	assert_int_equal(platform_acpi_dma_optin(ACPI_DMA_DMAR, buf, 48, &flags, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "signature DMAR"));
}

static void taint_flags_by_letter_and_name(void **state)
{
	(void)state;
	assert_int_equal(platform_taint_find("O")->bit, 12);
	assert_int_equal(platform_taint_find("E")->bit, 13);
	assert_int_equal(platform_taint_find("P")->bit, 0);
	assert_int_equal(platform_taint_find("oot_module")->bit, 12);
	assert_int_equal(platform_taint_find("unsigned_module")->bit, 13);
	assert_int_equal(platform_taint_find("J")->bit, 19);
	assert_null(platform_taint_find("o"));
	assert_null(platform_taint_find("G"));
	assert_null(platform_taint_find("OE"));
	assert_null(platform_taint_find(""));
	for (int b = 0; platform_taint_bit(b); b++)
		assert_int_equal(platform_taint_bit(b)->bit, b);
	assert_null(platform_taint_bit(20));
	assert_null(platform_taint_bit(-1));
}

static void tainted_file_is_one_number(void **state)
{
	uint64_t m = 1;

	(void)state;
	assert_int_equal(platform_taint_parse("0\n", &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(platform_taint_parse("12288\n", &m), 0);
	assert_int_equal(m, 12288);
	assert_int_equal(platform_taint_parse("4096", &m), 0);
	assert_int_equal(m, 4096);
	assert_int_equal(platform_taint_parse("", &m), -EINVAL);
	assert_int_equal(platform_taint_parse("-1\n", &m), -EINVAL);
	assert_int_equal(platform_taint_parse("12 3\n", &m), -EINVAL);
	assert_int_equal(platform_taint_parse("99999999999999999999999\n", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lockdown_levels_rank_in_order),
		cmocka_unit_test(efivar_value_is_the_fifth_byte),
		cmocka_unit_test(dmar_opt_in_is_flags_bit_2),
		cmocka_unit_test(ivrs_dma_remap_is_ivinfo_bit_1),
		cmocka_unit_test(dma_fields_are_described),
		cmocka_unit_test(short_or_truncated_tables_are_invalid),
		cmocka_unit_test(wrong_signature_is_invalid),
		cmocka_unit_test(taint_flags_by_letter_and_name),
		cmocka_unit_test(tainted_file_is_one_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
