// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check-ids: print the id of every check in gpugate's check table, one a
 * line, in table order, read through the table's own accessor check_id()
 * (checks.h). The Python suites take the list of checks from here
 * (tests/lib/gpugate_test.py table_ids()), not from a copy kept by hand.
 * It fails when the fix table (enforce.c) names an id the check table has
 * not, so every suite that lists the checks stops on such a row.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "enforce.h"

/* Is @id in the check table? */
static int is_check(const char *id)
{
	for (int i = 0; check_id(i); i++)
		if (!strcmp(check_id(i), id))
			return 1;
	return 0;
}

int main(void)
{
	int i, bad = 0;

	for (size_t k = 0; enforce_fix_id(k); k++)
		if (!is_check(enforce_fix_id(k))) {
			fprintf(stderr, "check-ids: the fix table names %s, which is no check\n",
				enforce_fix_id(k));
			bad = 1;
		}
	for (i = 0; check_id(i); i++)
		printf("%s\n", check_id(i));
	return i > 0 && !bad && fflush(stdout) == 0 ? 0 : 1;
}
