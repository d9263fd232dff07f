// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for guardstate.c: the guard state file, strict parse and write. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "guardstate.h"

static struct guard_state s;
static char err[256];

static int parse(const char *text)
{
	err[0] = '\0';
	return guard_state_parse(&s, text, strlen(text), err, sizeof(err));
}

/* @text must be refused with "line @line: ...@why..." */
static void refused(const char *text, int line, const char *why)
{
	char want[32];

	assert_int_equal(parse(text), -EINVAL);
	snprintf(want, sizeof(want), "line %d: ", line);
	if (strncmp(err, want, strlen(want)) || !strstr(err, why))
		fail_msg("%s: wanted \"%s...%s\"", err, want, why);
}

#define HDR GUARD_STATE_HEADER "\n"

static void written_file_parses_back_the_same(void **state)
{
	struct guard_state a = { 0 }, b;
	char buf[GUARD_STATE_MAX], buf2[GUARD_STATE_MAX];
	int n, n2;

	(void)state;
	assert_int_equal(guard_state_add(&a, GUARD_BIND, GUARD_FINDING, 1700000000), 0);
	assert_int_equal(guard_state_add(&a, GUARD_VFIO, GUARD_ERROR, 5), 0);
	a.count[GUARD_ADD][GUARD_OK] = UINT64_MAX;
	n = guard_state_format(&a, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(guard_state_parse(&b, buf, (size_t)n, err, sizeof(err)), 0);
	assert_memory_equal(&a, &b, sizeof(a));
	n2 = guard_state_format(&b, buf2, sizeof(buf2));
	assert_int_equal(n, n2);
	assert_memory_equal(buf, buf2, (size_t)n);
	assert_non_null(strstr(buf, "\ncount bind finding 1\n"));
	assert_non_null(strstr(buf, "\nlast bind 1700000000\n"));
	assert_non_null(strstr(buf, "\ncount add ok 18446744073709551615\n"));
	assert_string_equal(buf + n - 4, "end\n");
}

static void absent_lines_count_zero(void **state)
{
	(void)state;
	assert_int_equal(parse(HDR "count poll fixed 7\nend\n"), 0);
	assert_int_equal(s.count[GUARD_POLL][GUARD_FIXED], 7);
	assert_int_equal(s.count[GUARD_POLL][GUARD_OK], 0);
	assert_int_equal(s.last[GUARD_POLL], 0);
	assert_int_equal(parse(HDR "end\n"), 0);
}

static void file_without_end_is_truncated(void **state)
{
	(void)state;
	refused(HDR "count add ok 1\n", 3, "no end line (truncated)");
	refused(HDR "count add ok 1\nend", 3, "no newline");
	refused(HDR "count add ok 1", 2, "no newline");
	refused("", 1, "no end line");
}

static void bad_header_is_refused(void **state)
{
	(void)state;
	refused("gpugate-guard-state 2\nend\n", 1, "expected");
	refused("end\n", 1, "expected");
	refused(" " HDR "end\n", 1, "expected");
}

static void unknown_kind_or_outcome_is_refused(void **state)
{
	(void)state;
	refused(HDR "count reboot ok 1\nend\n", 2, "unknown kind \"reboot\"");
	refused(HDR "count add maybe 1\nend\n", 2, "unknown outcome \"maybe\"");
	refused(HDR "last reboot 1\nend\n", 2, "unknown kind");
	refused(HDR "total add ok 1\nend\n", 2, "unknown line");
}

static void duplicate_lines_are_refused(void **state)
{
	(void)state;
	refused(HDR "count add ok 1\ncount bind ok 1\ncount add ok 2\nend\n", 4, "given twice");
	refused(HDR "last add 1\nlast add 1\nend\n", 3, "given twice");
}

static void overflow_is_refused(void **state)
{
	(void)state;
	assert_int_equal(parse(HDR "count add ok 18446744073709551615\nend\n"), 0);
	refused(HDR "count add ok 18446744073709551616\nend\n", 2, "overflows");
	refused(HDR "count add ok 99999999999999999999999\nend\n", 2, "overflows");
	assert_int_equal(parse(HDR "last add 9223372036854775807\nend\n"), 0);
	refused(HDR "last add 9223372036854775808\nend\n", 2, "overflows");
}

static void junk_is_refused(void **state)
{
	(void)state;
	refused(HDR "count add ok -1\nend\n", 2, "not a plain decimal");
	refused(HDR "count add ok +1\nend\n", 2, "not a plain decimal");
	refused(HDR "count add ok 01\nend\n", 2, "not a plain decimal");
	refused(HDR "count add ok 0x1\nend\n", 2, "not a plain decimal");
	refused(HDR "count add ok \nend\n", 2, "one space");
	refused(HDR "count  add ok 1\nend\n", 2, "one space");
	refused(HDR "count add ok 1 2\nend\n", 2, "expected \"count");
	refused(HDR "count add ok\nend\n", 2, "expected \"count");
	refused(HDR "last add\nend\n", 2, "expected \"last");
	refused(HDR "\nend\n", 2, "one space");
	refused(HDR "end\n\n", 3, "after the end line");
	refused(HDR "end\ncount add ok 1\n", 3, "after the end line");
	refused(HDR "end now\n", 2, "unknown line");
	refused(HDR "count add ok 1\r\nend\n", 2, "not a plain decimal");
}

static void nul_byte_is_refused(void **state)
{
	static const char text[] = HDR "count add ok 1\0\nend\n";

	(void)state;
	assert_int_equal(guard_state_parse(&s, text, sizeof(text) - 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 2: not a state line");
}

static void add_counts_and_stamps(void **state)
{
	struct guard_state a = { 0 };

	(void)state;
	assert_int_equal(guard_state_add(&a, GUARD_ONCE, GUARD_OK, 10), 0);
	assert_int_equal(guard_state_add(&a, GUARD_ONCE, GUARD_OK, 20), 0);
	assert_int_equal(a.count[GUARD_ONCE][GUARD_OK], 2);
	assert_int_equal(a.last[GUARD_ONCE], 20);
	assert_int_equal(guard_state_add(&a, GUARD_NKINDS, GUARD_OK, 1), -EINVAL);
	assert_int_equal(guard_state_add(&a, GUARD_ONCE, GUARD_NOUTCOMES, 1), -EINVAL);
	assert_int_equal(guard_state_add(&a, GUARD_ONCE, GUARD_OK, -1), -EINVAL);
	a.count[GUARD_ONCE][GUARD_OK] = UINT64_MAX;
	assert_int_equal(guard_state_add(&a, GUARD_ONCE, GUARD_OK, 30), -EOVERFLOW);
	assert_true(a.count[GUARD_ONCE][GUARD_OK] == UINT64_MAX);
	assert_int_equal(a.last[GUARD_ONCE], 20);
}

static void small_buffer_is_enospc(void **state)
{
	struct guard_state a = { 0 };
	char buf[64];

	(void)state;
	assert_int_equal(guard_state_format(&a, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(guard_state_format(&a, buf, 0), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(written_file_parses_back_the_same),
		cmocka_unit_test(absent_lines_count_zero),
		cmocka_unit_test(file_without_end_is_truncated),
		cmocka_unit_test(bad_header_is_refused),
		cmocka_unit_test(unknown_kind_or_outcome_is_refused),
		cmocka_unit_test(duplicate_lines_are_refused),
		cmocka_unit_test(overflow_is_refused),
		cmocka_unit_test(junk_is_refused),
		cmocka_unit_test(nul_byte_is_refused),
		cmocka_unit_test(add_counts_and_stamps),
		cmocka_unit_test(small_buffer_is_enospc),
	};

	return cmocka_run_group_tests_name("guardstate", tests, NULL, NULL);
}
