// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guard_record.c - guard_metrics_record() on the command line, linked as
 * gpugate is, for tests/prom/test-guard-metrics.py. --root TREE is
 * required: the state and textfile paths of POLICY ([guard] state and
 * metrics) are below TREE.
 *
 *   guard_record --root TREE -p POLICY [-n COUNT] [-t WHEN] KIND OUTCOME
 *
 * Records COUNT (default 1) events of KIND with OUTCOME at Unix time WHEN
 * (default now), one guard_metrics_record() each, and prints "rc N" with
 * the last return value. Exit 0 when every call returned 0 or 1, else 1;
 * 2 on a usage or policy error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guardmetrics.h"
#include "sysroot.h"

static int usage(void)
{
	fprintf(stderr, "usage: guard_record --root TREE -p POLICY [-n COUNT] [-t WHEN] KIND OUTCOME\n");
	return 2;
}

static int name_index(const char *name, const char *(*fn)(int), int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name, fn(i)))
			return i;
	return -1;
}

static const char *kind_name(int k)
{
	return guard_kind_name((enum guard_kind)k);
}

static const char *outcome_name(int o)
{
	return guard_outcome_name((enum guard_outcome)o);
}

int main(int argc, char **argv)
{
	const char *root = NULL, *policy = NULL;
	long count = 1;
	time_t when = time(NULL);
	struct policy p;
	char err[512];
	int i, k, o, rc = 0;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--root"))
			root = argv[i + 1];
		else if (!strcmp(argv[i], "-p"))
			policy = argv[i + 1];
		else if (!strcmp(argv[i], "-n"))
			count = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-t"))
			when = (time_t)strtoll(argv[i + 1], NULL, 10);
		else
			return usage();
	}
	if (!root || !*root || !policy || argc - i != 2 || count < 1)
		return usage();
	k = name_index(argv[i], kind_name, GUARD_NKINDS);
	o = name_index(argv[i + 1], outcome_name, GUARD_NOUTCOMES);
	if (k < 0 || o < 0 || sysroot_set(root))
		return usage();
	policy_defaults(&p);
	if (policy_load(&p, policy, err, sizeof(err))) {
		fprintf(stderr, "guard_record: %s\n", err);
		return 2;
	}
	for (long n = 0; n < count && rc >= 0; n++)
		rc = guard_metrics_record(&p, (enum guard_kind)k, (enum guard_outcome)o, when);
	printf("rc %d\n", rc);
	return rc < 0;
}
