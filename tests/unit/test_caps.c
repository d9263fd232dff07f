// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for caps.c: bounded capability walks over hostile config. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pci/header.h>

#include "caps.h"

static uint8_t cfg[CFG_SPACE_EXT];
static struct caps caps;
static char why[256];

static void put16(int pos, uint16_t v)
{
	cfg[pos] = (uint8_t)v;
	cfg[pos + 1] = (uint8_t)(v >> 8);
}

static void put32(int pos, uint32_t v)
{
	put16(pos, (uint16_t)v);
	put16(pos + 2, (uint16_t)(v >> 16));
}

/* A PCIe function of @type: PM cap at 0x40, PCIe cap at 0x60. */
static void pcie_function(int type)
{
	memset(cfg, 0, sizeof(cfg));
	put32(0, 0x233010de);
	put16(PCI_STATUS, PCI_STATUS_CAP_LIST);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	cfg[0x40] = PCI_CAP_ID_PM;
	cfg[0x41] = 0x60;
	cfg[0x60] = PCI_CAP_ID_EXP;
	cfg[0x61] = 0;
	put16(0x60 + PCI_EXP_FLAGS, (uint16_t)(2 | type << 4));
}

static void ext(int pos, uint16_t id, int next)
{
	put32(pos, (uint32_t)id | 1u << 16 | (uint32_t)next << 20);
}

static int parse(size_t len)
{
	why[0] = '\0';
	return caps_parse(cfg, len, &caps, why, sizeof(why));
}

static void finds_acs_and_ats_in_nvidia_order(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	ext(0x100, PCI_EXT_CAP_ID_AER, 0x258);
	ext(0x258, PCI_EXT_CAP_ID_ATS, 0x128);
	ext(0x128, PCI_EXT_CAP_ID_ACS, 0x420);
	ext(0x420, PCI_EXT_CAP_ID_PASID, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	assert_int_equal(caps.pcie, 0x60);
	assert_int_equal(caps.pcie_type, PCI_EXP_TYPE_ENDPOINT);
	assert_int_equal(caps.ats, 0x258);
	assert_int_equal(caps.acs, 0x128);
	assert_int_equal(caps.pasid, 0x420);
	assert_int_equal(caps.pri, 0);
}

static void root_port_type(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ROOT_PORT);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	assert_int_equal(caps.pcie_type, PCI_EXP_TYPE_ROOT_PORT);
	assert_int_equal(caps.acs, 0);
}

static void short_config_is_not_absent_caps(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	ext(0x100, PCI_EXT_CAP_ID_ACS, 0);
	assert_int_equal(parse(CFG_SPACE_STD), -ENODATA);
	assert_non_null(strstr(why, "cannot read extended config space"));
	assert_int_equal(parse(64), -ENODATA);
	assert_int_equal(parse(32), -ENODATA);
}

static void all_ones_is_an_error(void **state)
{
	(void)state;
	memset(cfg, 0xff, sizeof(cfg));
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "all ones"));
}

static void standard_loop_is_detected(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	cfg[0x61] = 0x40;
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "loops"));
}

static void extended_loop_is_detected(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	ext(0x100, PCI_EXT_CAP_ID_AER, 0x200);
	ext(0x200, PCI_EXT_CAP_ID_VC, 0x100);
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "loops"));
}

static void pointers_out_of_range_are_errors(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	cfg[PCI_CAPABILITY_LIST] = 0x20;
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	ext(0x100, PCI_EXT_CAP_ID_AER, 0x0c0);
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
}

static void reserved_pointer_bits_are_masked(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	cfg[PCI_CAPABILITY_LIST] = 0x43; /* PM cap at 0x40, low bits reserved */
	ext(0x100, PCI_EXT_CAP_ID_AER, 0x202);
	ext(0x200, PCI_EXT_CAP_ID_ACS, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	assert_int_equal(caps.pcie, 0x60);
	assert_int_equal(caps.acs, 0x200);
}

static void capability_past_the_end_is_an_error(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	ext(0x100, PCI_EXT_CAP_ID_AER, 0xffc);
	ext(0xffc, PCI_EXT_CAP_ID_ACS, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "truncated"));
}

static void duplicate_acs_is_an_error(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_DOWNSTREAM);
	ext(0x100, PCI_EXT_CAP_ID_ACS, 0x200);
	ext(0x200, PCI_EXT_CAP_ID_ACS, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "duplicate"));
}

static void aliased_extended_space_is_an_error(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	memcpy(cfg + 0x100, cfg, 0x100);
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "aliases"));
}

static void late_pcie_v1_capability_fits(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	cfg[0x41] = 0xe0; /* an 82574L-like v1 capability at 0xe0 */
	cfg[0xe0] = PCI_CAP_ID_EXP;
	cfg[0xe1] = 0;
	put16(0xe0 + PCI_EXP_FLAGS, 1);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	assert_int_equal(caps.pcie, 0xe0);
	put16(0xe0 + PCI_EXP_FLAGS, 2); /* a v2 structure cannot start there */
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
}

static void conventional_device_has_no_extended_walk(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	cfg[0x41] = 0; /* drop the PCIe capability */
	assert_int_equal(parse(CFG_SPACE_STD), 0);
	assert_int_equal(caps.pcie_type, -1);
}

static void long_chain_terminates(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	/* every dword of the extended space chained: the longest legal list */
	for (int pos = 0x100; pos < 0xffc; pos += 4)
		ext(pos, 0x0000, pos + 4);
	ext(0xffc, 0x0000, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_acs_and_ats_in_nvidia_order),
		cmocka_unit_test(root_port_type),
		cmocka_unit_test(short_config_is_not_absent_caps),
		cmocka_unit_test(all_ones_is_an_error),
		cmocka_unit_test(standard_loop_is_detected),
		cmocka_unit_test(extended_loop_is_detected),
		cmocka_unit_test(pointers_out_of_range_are_errors),
		cmocka_unit_test(reserved_pointer_bits_are_masked),
		cmocka_unit_test(capability_past_the_end_is_an_error),
		cmocka_unit_test(duplicate_acs_is_an_error),
		cmocka_unit_test(aliased_extended_space_is_an_error),
		cmocka_unit_test(late_pcie_v1_capability_fits),
		cmocka_unit_test(conventional_device_has_no_extended_walk),
		cmocka_unit_test(long_chain_terminates),
	};

	return cmocka_run_group_tests_name("caps", tests, NULL, NULL);
}
