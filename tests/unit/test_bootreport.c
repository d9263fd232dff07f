// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for bootreport.c: the header line of a boot's gate report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bootreport.h"

static void enforcing_gate_that_passed(void **state)
{
	struct boot_report b = { 0 };

	(void)state;
	boot_report_parse(&b, "{\"version\":1,\"mode\":\"gate\",\"policy_mode\":\"enforce\","
			      "\"override\":\"none\",\"enforcing\":true,\"result\":\"pass\",\"checks\":[");
	assert_true(b.gate);
	assert_true(b.enforcing);
	assert_string_equal(b.policy_mode, "enforce");
	assert_string_equal(b.override, "none");
	assert_string_equal(b.result, "pass");
}

static void audit_gate_that_failed(void **state)
{
	struct boot_report b = { 0 };

	(void)state;
	boot_report_parse(&b, "{\"mode\":\"gate\",\"policy_mode\":\"audit\",\"override\":\"audit\","
			      "\"enforcing\":false,\"result\":\"fail\"}");
	assert_true(b.gate);
	assert_false(b.enforcing);
	assert_string_equal(b.policy_mode, "audit");
	assert_string_equal(b.override, "audit");
	assert_string_equal(b.result, "fail");
}

/* A check report, or text that is no report: not a gate, values unknown. */
static void not_a_gate_report(void **state)
{
	struct boot_report b = { 0 };

	(void)state;
	boot_report_parse(&b, "{\"mode\":\"check\",\"enforcing\":true,\"result\":\"pass\"}");
	assert_false(b.gate);
	assert_true(b.enforcing);
	assert_string_equal(b.policy_mode, "unknown");
	boot_report_parse(&b, "garbage \"result\":\"pass");
	assert_false(b.gate);
	assert_false(b.enforcing);
	assert_string_equal(b.result, "unknown"); /* no closing quote */
	assert_string_equal(b.override, "unknown");
}

/* A value longer than its field is cut, never overrun. */
static void long_values_are_cut(void **state)
{
	struct boot_report b = { 0 };
	char line[256];

	(void)state;
	snprintf(line, sizeof(line), "{\"mode\":\"gate\",\"result\":\"%s\"}",
		 "passpasspasspasspasspasspasspass");
	boot_report_parse(&b, line);
	assert_int_equal(strlen(b.result), sizeof(b.result) - 1);
	assert_memory_equal(b.result, "passpasspasspass", sizeof(b.result) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(enforcing_gate_that_passed),
	    cmocka_unit_test(audit_gate_that_failed),
	    cmocka_unit_test(not_a_gate_report),
	    cmocka_unit_test(long_values_are_cut),
	};

	return cmocka_run_group_tests_name("bootreport", tests, NULL, NULL);
}
