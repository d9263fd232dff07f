// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * check-ids: print the id of every check in gpugate's check table, one a
 * line, in table order, read through the table's own accessor check_id()
 * (checks.h). The Python suites take the list of checks from here
 * (tests/lib/gpugate_test.py table_ids()), not from a copy kept by hand.
 */
#include <stdio.h>

#include "checks.h"

int main(void)
{
	int i;

	for (i = 0; check_id(i); i++)
		printf("%s\n", check_id(i));
	return i > 0 && fflush(stdout) == 0 ? 0 : 1;
}
