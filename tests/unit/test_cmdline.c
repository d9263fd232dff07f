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
	assert_true(cmdline_has_item(&cl, "pci", "noat")); /* strncmp prefix */
	assert_false(cmdline_has_item(&cl, "pci", "noatsx"));
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

/* Issue 17 item 1: a newline is white space to the kernel and to libkmod. */
static void newline_separates(void **state)
{
	(void)state;
	parse("intel_iommu=on\npcie_acs_override=downstream\n"
	      "vfio_iommu_type1.allow_unsafe_interrupts=1\n");
	assert_int_equal(cl.nparams, 3);
	assert_true(cmdline_has(&cl, "pcie_acs_override"));
	assert_int_equal(cl.nmodparams, 1);
	assert_string_equal(cl.modparams[0].name, "vfio_iommu_type1.allow_unsafe_interrupts");
	assert_string_equal(cl.modparams[0].value, "1");
}

/* Issue 17 item 2: libkmod reads 4095 bytes; the final newline is free. */
static void length_limit_is_4095_bytes(void **state)
{
	static char line[CMDLINE_SIZE + 2];

	(void)state;
	memset(line, 'a', CMDLINE_SIZE - 1);
	line[CMDLINE_SIZE - 1] = '\n';
	assert_int_equal(cmdline_parse(&cl, line), 0);
	line[CMDLINE_SIZE - 1] = 'a';
	assert_int_equal(cmdline_parse(&cl, line), -E2BIG);
	assert_int_equal(cl.nparams, 0);
}

/* Issue 17 item 3: the kernel stops at "--", libkmod does not. */
static void kmod_reads_past_double_dash(void **state)
{
	(void)state;
	parse("ro -- vfio_iommu_type1.allow_unsafe_interrupts=1 iommufd.allow-unsafe-interrupts");
	assert_int_equal(cl.nparams, 1);
	assert_int_equal(cl.nmodparams, 2);
	assert_string_equal(cl.modparams[0].name, "vfio_iommu_type1.allow_unsafe_interrupts");
	assert_string_equal(cl.modparams[1].name, "iommufd.allow_unsafe_interrupts");
	assert_null(cl.modparams[1].value); /* item 4: a bare bool option */
}

/* libkmod's view: quotes, re-quoting, and no modname for '=' words. */
static void kmod_view_like_kcmdline(void **state)
{
	(void)state;
	parse("\"vfio.x=a b\" pci=noats vfio.y=\"c d\" a.b.c=1 x=y.z=1 modprobe.blacklist=nouveau");
	assert_int_equal(cl.nmodparams, 2);
	assert_string_equal(cl.modparams[0].name, "vfio.x");
	assert_string_equal(cl.modparams[0].value, "a b");
	assert_string_equal(cl.modparams[1].name, "vfio.y");
	assert_string_equal(cl.modparams[1].value, "c d");
	/* the module's parse_args() splits at 0xa0, which libkmod does not */
	parse("vfio.a=1\xa0"
	      "allow_unsafe_interrupts=1");
	assert_int_equal(cl.nmodparams, 2);
	assert_string_equal(cl.modparams[1].name, "vfio.allow_unsafe_interrupts");
}

/* Issue 17 item 5: list items compare by prefix, as strncmp() does. */
static void items_by_prefix(void **state)
{
	static const char *const onoff[] = { "on", "off" };

	(void)state;
	parse("intel_iommu=offx iommu=ptx,,nopt intremap=nosidx");
	assert_int_equal(cmdline_last_of(&cl, "intel_iommu", onoff, 2), 1);
	assert_true(cmdline_has_item(&cl, "iommu", "pt"));
	assert_true(cmdline_has_item(&cl, "intremap", "nosid"));
	assert_true(cmdline_item_is("offx", "off"));
	assert_false(cmdline_item_is("of", "off"));
	assert_false(cmdline_item_is("x", ""));
}

/* Issue 17 item 7: bootconfig's kernel.* keys lead the line. */
static void bootconfig_marks_leading_params(void **state)
{
	(void)state;
	parse("pci=noats iommu.strict=1 foo=\"a b\" pci=realloc intel_iommu=on");
	assert_int_equal(cmdline_mark_bootconfig(&cl, "ftrace.x = \"1\"\nkernel.pci = \"noats\"\n"
						"kernel.iommu.strict = \"1\"\nkernel.foo = \"a b\"\n"
						"# Parameters from bootloader:\n# pci=realloc\n"), 0);
	assert_true(cl.params[0].bootconfig && cl.params[1].bootconfig && cl.params[2].bootconfig);
	assert_false(cl.params[3].bootconfig);
	assert_true(cmdline_has_item(&cl, "pci", "noats"));
	assert_false(cmdline_early_has_item(&cl, "pci", "noats"));
	parse("pci=noats pci=realloc");
	assert_int_equal(cmdline_mark_bootconfig(&cl, "kernel.pci = \"noats\", \"realloc\"\n"), 0);
	assert_true(cl.params[1].bootconfig);
	parse("iommu.strict=1");
	assert_int_equal(cmdline_mark_bootconfig(&cl, "kernel.pci = \"noats\"\n"), -EINVAL);
	assert_int_equal(cmdline_mark_bootconfig(&cl, "kernel.pci = noats\n"), -EINVAL);
	assert_int_equal(cmdline_mark_bootconfig(&cl, ""), 0);
}

/* A module's option string, as modload.c hands it over. */
static void options_split_like_parse_args(void **state)
{
	(void)state;
	assert_int_equal(cmdline_parse_options(&cl, "allow_unsafe_interrupts x=\"1 2\" -- y=1"), 0);
	assert_int_equal(cl.nparams, 2);
	assert_null(cl.params[0].value);
	assert_string_equal(cl.params[1].value, "1 2");
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
		cmocka_unit_test(newline_separates),
		cmocka_unit_test(length_limit_is_4095_bytes),
		cmocka_unit_test(kmod_reads_past_double_dash),
		cmocka_unit_test(kmod_view_like_kcmdline),
		cmocka_unit_test(items_by_prefix),
		cmocka_unit_test(bootconfig_marks_leading_params),
		cmocka_unit_test(options_split_like_parse_args),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
