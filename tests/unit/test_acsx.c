// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for acsx.c: the ACS Enhanced controls, their decode, applicability and fix bits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pci/header.h>

#include "acsx.h"

#define DSP(v) ((uint16_t)((v) << ACSX_CTRL_DSP_MT_SHIFT))
#define USP(v) ((uint16_t)((v) << ACSX_CTRL_USP_MT_SHIFT))

/* PCIe ACS Control: bit 7 IB, bits 9:8 DSP, 11:10 USP, bit 12 URR (kernel-facts §9). */
static void control_bits_are_where_the_spec_puts_them(void **state)
{
	(void)state;
	assert_int_equal(ACSX_CAP_ENHANCED, 1 << 7);
	assert_int_equal(ACSX_CTRL_IB, 1 << 7);
	assert_int_equal(ACSX_CTRL_DSP_MT, 3 << 8);
	assert_int_equal(ACSX_CTRL_USP_MT, 3 << 10);
	assert_int_equal(ACSX_CTRL_URR, 1 << 12);
	assert_int_equal(ACSX_CTRL_BITS & 0x7f, 0); /* none of the seven older bits */
}

static void describe_decodes_each_field(void **state)
{
	char buf[48];

	(void)state;
	assert_string_equal(acsx_describe(0x001f, buf, sizeof(buf)),
			    "IB- DSP:direct USP:direct URR-");
	assert_string_equal(
	    acsx_describe(ACSX_CTRL_IB | DSP(1) | USP(2) | ACSX_CTRL_URR, buf, sizeof(buf)),
	    "IB+ DSP:blocking USP:redirect URR+");
	assert_string_equal(acsx_describe(DSP(3) | USP(3), buf, sizeof(buf)),
			    "IB- DSP:reserved USP:reserved URR-");
}

static void names_parse_and_format(void **state)
{
	char good[] = "URR\tUSP  IB", bad[] = "IB RR URR", lower[] = "ib";
	unsigned int set = 0;
	const char *word = NULL;
	char buf[32];

	(void)state;
	assert_int_equal(acsx_parse(good, &set, &word), 0);
	assert_int_equal(set, ACSX_IB | ACSX_USP | ACSX_URR);
	assert_int_equal(acsx_parse(bad, &set, &word), -EINVAL);
	assert_string_equal(word, "RR");
	assert_int_equal(acsx_parse(lower, &set, &word), -EINVAL);
	assert_string_equal(acsx_names(ACSX_ALL, buf, sizeof(buf)), "IB DSP USP URR");
	assert_string_equal(acsx_names(ACSX_URR | ACSX_IB, buf, sizeof(buf)), "IB URR");
	assert_string_equal(acsx_names(0, buf, sizeof(buf)), "none");
}

static void root_port_gets_ib_and_dsp_only(void **state)
{
	(void)state;
	assert_int_equal(acsx_applies(PCI_EXP_TYPE_ROOT_PORT, true), ACSX_IB | ACSX_DSP);
	assert_int_equal(acsx_applies(PCI_EXP_TYPE_ROOT_PORT, false), ACSX_IB);
	assert_int_equal(acsx_applies(PCI_EXP_TYPE_DOWNSTREAM, true), ACSX_ALL);
	assert_int_equal(acsx_applies(PCI_EXP_TYPE_DOWNSTREAM, false), ACSX_ALL & ~ACSX_DSP);
	assert_int_equal(acsx_applies(PCI_EXP_TYPE_UPSTREAM, true), 0);
	assert_int_equal(acsx_applies(PCI_EXP_TYPE_ENDPOINT, true), 0);
}

/* Memory target access: blocking or redirect meets it; direct and reserved do not. */
static void unmet_judges_each_value(void **state)
{
	(void)state;
	assert_int_equal(acsx_unmet(0, ACSX_ALL), ACSX_ALL);
	assert_int_equal(acsx_unmet(ACSX_CTRL_IB | DSP(1) | USP(2) | ACSX_CTRL_URR, ACSX_ALL), 0);
	assert_int_equal(acsx_unmet(ACSX_CTRL_IB | DSP(3) | USP(2) | ACSX_CTRL_URR, ACSX_ALL),
			 ACSX_DSP);
	assert_int_equal(acsx_unmet(DSP(2), ACSX_DSP | ACSX_IB), ACSX_IB);
	assert_int_equal(acsx_unmet(0, 0), 0); /* nothing wanted, nothing unmet */
}

/* The fix writes redirect (10) into a field, from direct and from reserved alike. */
static void fix_bits_write_redirect(void **state)
{
	uint16_t set, clear, after;

	(void)state;
	after = acsx_fix_bits(0x001f | DSP(3), ACSX_ALL, &set, &clear);
	assert_int_equal(after, 0x001f | ACSX_CTRL_IB | DSP(2) | USP(2) | ACSX_CTRL_URR);
	assert_int_equal(acsx_unmet(after, ACSX_ALL), 0);
	assert_int_equal(clear & 0x7f, 0); /* never touches SV..DT */
	after = acsx_fix_bits(0x001f, ACSX_URR, &set, &clear);
	assert_int_equal(set, ACSX_CTRL_URR);
	assert_int_equal(clear, 0);
	assert_int_equal(after, 0x001f | ACSX_CTRL_URR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(control_bits_are_where_the_spec_puts_them),
	    cmocka_unit_test(describe_decodes_each_field),
	    cmocka_unit_test(names_parse_and_format),
	    cmocka_unit_test(root_port_gets_ib_and_dsp_only),
	    cmocka_unit_test(unmet_judges_each_value),
	    cmocka_unit_test(fix_bits_write_redirect),
	};

	return cmocka_run_group_tests_name("acsx", tests, NULL, NULL);
}
