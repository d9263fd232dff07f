// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fault.c - the fault-injection counter behind fault.h. Empty unless the
 * binary is built with -DGPUGATE_FAULT (make build/gpugate-fault).
 */
#include "fault.h"

#ifdef GPUGATE_FAULT
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long ops;
static long fail_at = -1;
static bool ready;

static void fault_report(void)
{
	fprintf(stderr, "gpugate-fault: %ld operations\n", ops);
}

static void fault_init(void)
{
	const char *at = getenv("GPUGATE_FAULT_AT");

	ready = true;
	if (at)
		fail_at = strtol(at, NULL, 10);
	if (getenv("GPUGATE_FAULT_COUNT"))
		atexit(fault_report);
}

int fault_check(enum fault_op op)
{
	if (!ready)
		fault_init();
	if (++ops != fail_at)
		return 0;
	return op == FAULT_WRITE ? -EPERM : -EIO;
}

bool fault_nostick(void)
{
	return getenv("GPUGATE_FAULT_NOSTICK") != NULL;
}

bool fault_refuse(void)
{
	return getenv("GPUGATE_FAULT_REFUSE") != NULL;
}

void fault_pause(const char *path)
{
	static bool paused;
	const char *want = getenv("GPUGATE_FAULT_PAUSE");
	size_t n = path ? strlen(path) : 0, w = want ? strlen(want) : 0;

	if (paused || !w || n < w || strcmp(path + n - w, want))
		return;
	paused = true;
	raise(SIGSTOP);
}
#else
/* ISO C forbids an empty translation unit. */
typedef int fault_unused;
#endif
