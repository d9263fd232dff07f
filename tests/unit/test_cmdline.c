// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for cmdline.c: splitting and querying like the kernel does. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmdline.h"

static struct cmdline cl;

static void parse(const char *s)
{
	assert_int_equal(cmdline_parse(&cl, s), 0);
}

static void splits_on_whitespace_and_equals(void **state)
{
	(void)state;
	parse("  ro root=/dev/vda\tquiet  intel_iommu=on\n");
	assert_int_equal(cl.nparams, 4);
	assert_string_equal(cl.params[1].name, "root");
	assert_string_equal(cl.params[1].value, "/dev/vda");
	assert_null(cl.params[0].value);
	assert_string_equal(cmdline_last(&cl, "intel_iommu"), "on");
}

static void quoted_value_keeps_spaces(void **state)
{
	(void)state;
	parse("dyndbg=\"file drivers/pci/pci.c +p\" pci=noats");
	assert_int_equal(cl.nparams, 2);
	assert_string_equal(cl.params[0].value, "file drivers/pci/pci.c +p");
	assert_true(cmdline_has_item(&cl, "pci", "noats"));
}

static void quoted_whole_argument(void **state)
{
	(void)state;
	parse("\"iommu.strict=1\" x");
	assert_string_equal(cmdline_last(&cl, "iommu.strict"), "1");
}

static void dash_equals_underscore(void **state)
{
	(void)state;
	parse("vfio-iommu-type1.allow-unsafe-interrupts=1");
	assert_true(cmdline_has(&cl, "vfio_iommu_type1.allow_unsafe_interrupts"));
	assert_true(cmdline_name_eq("pcie-acs-override", "pcie_acs_override"));
	assert_false(cmdline_name_eq("pcie_acs", "pcie_acs_override"));
}

static void last_occurrence_wins(void **state)
{
	(void)state;
	parse("iommu.strict=0 iommu.strict=1");
	assert_string_equal(cmdline_last(&cl, "iommu.strict"), "1");
	parse("iommu.strict=1 iommu.strict=0");
	assert_string_equal(cmdline_last(&cl, "iommu.strict"), "0");
}

static void comma_list_items(void **state)
{
	static const char *const onoff[] = { "on", "off" };

	(void)state;
	parse("pci=realloc,noats intel_iommu=on,sm_on");
	assert_true(cmdline_has_item(&cl, "pci", "noats"));
	assert_false(cmdline_has_item(&cl, "pci", "noat"));
	assert_false(cmdline_has_item(&cl, "pci", "realloc,noats"));
	assert_int_equal(cmdline_last_of(&cl, "intel_iommu", onoff, 2), 0);
	parse("intel_iommu=on,sm_on intel_iommu=sm_off,off");
	assert_int_equal(cmdline_last_of(&cl, "intel_iommu", onoff, 2), 1);
	parse("intel_iommu=off,on");
	assert_int_equal(cmdline_last_of(&cl, "intel_iommu", onoff, 2), 0);
}

static void every_pci_occurrence_counts(void **state)
{
	(void)state;
	parse("pci=noats pci=realloc");
	assert_true(cmdline_has_item(&cl, "pci", "noats"));
}

static void double_dash_ends_kernel_args(void **state)
{
	(void)state;
	parse("ro -- pci=noats");
	assert_int_equal(cl.nparams, 1);
	assert_false(cmdline_has_item(&cl, "pci", "noats"));
}

static void kstrtobool_semantics(void **state)
{
	(void)state;
	assert_int_equal(cmdline_bool("1"), 1);
	assert_int_equal(cmdline_bool("Y"), 1);
	assert_int_equal(cmdline_bool("on"), 1);
	assert_int_equal(cmdline_bool("off"), 0);
	assert_int_equal(cmdline_bool("0"), 0);
	assert_int_equal(cmdline_bool("N"), 0);
	assert_int_equal(cmdline_bool("o"), -1);
	assert_int_equal(cmdline_bool(""), -1);
	assert_int_equal(cmdline_bool(NULL), -1);
	assert_int_equal(cmdline_bool("2"), -1);
}

/*
 * Found by tests/fuzz/fuzz_cmdline's comparison with the kernel's splitting
 * (tests/fuzz/regressions/cmdline/). The kernel's isspace() is true for
 * 0xa0, so a no-break space pasted into the command line hid a forbidden
 * parameter from gpugate while the kernel applied it.
 */
static void no_break_space_separates_like_the_kernel(void **state)
{
	(void)state;
	parse("quiet\xa0pcie_acs_override=downstream");
	assert_int_equal(cl.nparams, 2);
	assert_string_equal(cmdline_last(&cl, "pcie_acs_override"), "downstream");
	parse("quiet\xc2\xa0pcie_acs_override=downstream,multifunction");
	assert_int_equal(cl.nparams, 2);
	assert_string_equal(cl.params[0].name, "quiet\xc2");
	assert_true(cmdline_has(&cl, "pcie_acs_override"));
}

static void quotes_and_equals_like_next_arg(void **state)
{
	(void)state;
	parse("=ntel_iommu=on"); /* a leading '=' is part of the name */
	assert_int_equal(cl.nparams, 1);
	assert_string_equal(cl.params[0].name, "=ntel_iommu");
	assert_string_equal(cl.params[0].value, "on");
	parse("\"a=\"b\"\""); /* both quoted: next_arg() keeps one quote */
	assert_string_equal(cl.params[0].name, "a");
	assert_string_equal(cl.params[0].value, "b\"");
	parse("\"--\" iommu=pt"); /* parse_args() stops at a quoted "--" too */
	assert_int_equal(cl.nparams, 0);
	assert_false(cmdline_has(&cl, "iommu"));
}

static void overlong_line_is_an_error(void **state)
{
	static char big[8192];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	assert_int_equal(cmdline_parse(&cl, big), -E2BIG);
}

static void too_many_params_is_an_error(void **state)
{
	static char many[2048];

	(void)state;
	for (int i = 0; i < 300; i++)
		strcat(many, "a ");
	assert_int_equal(cmdline_parse(&cl, many), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(splits_on_whitespace_and_equals),
		cmocka_unit_test(quoted_value_keeps_spaces),
		cmocka_unit_test(quoted_whole_argument),
		cmocka_unit_test(dash_equals_underscore),
		cmocka_unit_test(last_occurrence_wins),
		cmocka_unit_test(comma_list_items),
		cmocka_unit_test(every_pci_occurrence_counts),
		cmocka_unit_test(double_dash_ends_kernel_args),
		cmocka_unit_test(kstrtobool_semantics),
		cmocka_unit_test(no_break_space_separates_like_the_kernel),
		cmocka_unit_test(quotes_and_equals_like_next_arg),
		cmocka_unit_test(overlong_line_is_an_error),
		cmocka_unit_test(too_many_params_is_an_error),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
