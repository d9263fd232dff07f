// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for kparam.c: kernel release comparison, pci=config_acs= mask. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pci/header.h>

#include "kparam.h"

static void release_at_or_above_is_at_least(void **state)
{
	(void)state;
	assert_true(kernel_at_least("6.11.0", 6, 11));
	assert_true(kernel_at_least("6.12.117+deb12-amd64", 6, 11));
	assert_true(kernel_at_least("7.0-rc1", 6, 11));
}

static void release_below_is_not_at_least(void **state)
{
	(void)state;
	assert_false(kernel_at_least("6.10.14", 6, 11));
	assert_false(kernel_at_least("6.1.0-56-amd64", 6, 11));
	assert_false(kernel_at_least("5.14.0-503.el9.x86_64", 6, 11));
}

static void unparsable_release_is_not_at_least(void **state)
{
	(void)state;
	assert_false(kernel_at_least("", 6, 11));
	assert_false(kernel_at_least("6", 6, 0));
	assert_false(kernel_at_least("linux-6.12", 6, 11));
}

/* The default policy: SV TB RR CR UF required, DT forbidden, EC and the rest kept. */
static void default_acs_bits_make_the_documented_mask(void **state)
{
	struct policy p;
	char mask[8];

	(void)state;
	memset(&p, 0, sizeof(p));
	p.acs_require = PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_BLOCK | PCI_ACS_CTRL_REQ_RED |
			PCI_ACS_CTRL_CMPLT_RED | PCI_ACS_CTRL_FORWARD;
	p.acs_forbid = PCI_ACS_CTRL_TRANS;
	acs_mask(&p, mask);
	assert_string_equal(mask, "0x11111");
}

/* Bits the kernel sets itself (SV RR CR UF) are never left at 'x'; forbid wins. */
static void kernel_set_bits_are_never_kept(void **state)
{
	struct policy p;
	char mask[8];

	(void)state;
	memset(&p, 0, sizeof(p));
	acs_mask(&p, mask);
	assert_string_equal(mask, "xx111x1");
	p.acs_require = PCI_ACS_CTRL_EGRESS;
	p.acs_forbid = PCI_ACS_CTRL_REQ_RED;
	acs_mask(&p, mask);
	assert_string_equal(mask, "x1110x1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(release_at_or_above_is_at_least),
	    cmocka_unit_test(release_below_is_not_at_least),
	    cmocka_unit_test(unparsable_release_is_not_at_least),
	    cmocka_unit_test(default_acs_bits_make_the_documented_mask),
	    cmocka_unit_test(kernel_set_bits_are_never_kept),
	};

	return cmocka_run_group_tests_name("kparam", tests, NULL, NULL);
}
