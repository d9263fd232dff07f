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
	/* 480 entries: the longest list pci_find_next_ext_capability() walks */
	for (int pos = 0x100; pos < 0x100 + 479 * 4; pos += 4)
		ext(pos, 0x0000, pos + 4);
	ext(0x100 + 479 * 4, PCI_EXT_CAP_ID_ATS, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	assert_int_equal(caps.ats, 0x100 + 479 * 4);
	/* one more and the kernel would give up before the last entry */
	ext(0x100 + 479 * 4, 0x0000, 0x100 + 480 * 4);
	ext(0x100 + 480 * 4, PCI_EXT_CAP_ID_ATS, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "longer than 480"));
}

/* Each way of hiding an enabled ATS from issue 16: the extended walk still runs. */
static void hidden_capabilities_are_errors(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	ext(0x100, PCI_EXT_CAP_ID_ATS, 0);
	put16(PCI_STATUS, 0); /* Capabilities List bit cleared */
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "Capabilities List bit clear"));
	assert_int_equal(caps.ats, 0x100);
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	ext(0x100, PCI_EXT_CAP_ID_ATS, 0);
	cfg[0x41] = 0; /* the list ends before the PCIe capability */
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "no PCI Express capability"));
	assert_int_equal(caps.ats, 0x100);
	cfg[0x41] = 0x61; /* a next pointer into nothing: 0x60 masked, ID 0 */
	cfg[0x60] = 0;
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "no PCI Express capability"));
	cfg[0x41] = 0x30; /* a next pointer below 0x40 */
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "outside")); /* the first reason is kept */
	assert_int_equal(caps.ats, 0x100);	 /* and the extended list walked */
}

static void capability_id_ff_ends_nothing_cleanly(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	cfg[0x40] = 0xff; /* __pci_find_next_cap_ttl() stops here */
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
	assert_non_null(strstr(why, "ID 0xff"));
}

/* pci_cfg_space_size(): host bridges and PCI-X Mode 2 get 4096 bytes too. */
static void extended_space_without_pcie(void **state)
{
	(void)state;
	memset(cfg, 0, sizeof(cfg));
	put32(0, 0x29c08086); /* a q35 host bridge: no capabilities at all */
	put16(PCI_CLASS_DEVICE, PCI_CLASS_BRIDGE_HOST);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	ext(0x100, PCI_EXT_CAP_ID_ATS, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	assert_int_equal(caps.ats, 0x100);
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	cfg[0x60] = PCI_CAP_ID_PCIX;
	put32(0x64, PCI_PCIX_STATUS_266MHZ);
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	put32(0x64, 0);
	assert_int_equal(parse(CFG_SPACE_EXT), -EIO);
}

static void cut_extended_space(void **state)
{
	(void)state;
	pcie_function(PCI_EXP_TYPE_ENDPOINT);
	ext(0x100, PCI_EXT_CAP_ID_AER, 0x200);
	ext(0x200, PCI_EXT_CAP_ID_ATS, 0);
	assert_int_equal(parse(0x200), -ENODATA);
	assert_int_equal(parse(0x208), -ENODATA); /* the rest might hold more */
	assert_non_null(strstr(why, "cut short"));
	assert_int_equal(parse(CFG_SPACE_EXT), 0);
	assert_int_equal(caps.ats, 0x200);
	put16(PCI_STATUS, 0);
	assert_int_equal(parse(64), -ENODATA); /* 64 bytes cannot tell */
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
	    cmocka_unit_test(hidden_capabilities_are_errors),
	    cmocka_unit_test(capability_id_ff_ends_nothing_cleanly),
	    cmocka_unit_test(extended_space_without_pcie),
	    cmocka_unit_test(cut_extended_space),
	};

	return cmocka_run_group_tests_name("caps", tests, NULL, NULL);
}
