/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fault.h - fault injection for tests. Compiled in only when GPUGATE_FAULT
 * is defined (the separate build/gpugate-fault binary); in the real binary
 * every hook is the constant 0 and no environment variable is read.
 *
 * GPUGATE_FAULT_AT=N      the N-th file or config-space operation fails
 *                         (reads with -EIO, writes with -EPERM)
 * GPUGATE_FAULT_NOSTICK=1 config-space writes report success but change
 *                         nothing (a register that does not take the value)
 * GPUGATE_FAULT_REFUSE=1  config-space writes fail with EPERM, as under
 *                         kernel lockdown (pci_write_config())
 * GPUGATE_FAULT_COUNT=1   print "gpugate-fault: N operations" at exit
 * GPUGATE_FAULT_PAUSE=S   stop (SIGSTOP) at the first open() of a path
 *                         ending in S, until SIGCONT: a deterministic point
 *                         for tests that change the tree mid-run
 */
#ifndef GPUGATE_FAULT_H
#define GPUGATE_FAULT_H

#include <stdbool.h>

enum fault_op { FAULT_READ, FAULT_WRITE };

#ifdef GPUGATE_FAULT
/* Count one operation; returns a negative errno when it is to fail. */
int fault_check(enum fault_op op);
/* True when config writes must be dropped silently. */
bool fault_nostick(void);
/* True when config writes must fail with EPERM. */
bool fault_refuse(void);
/* Stop the process if @path is the GPUGATE_FAULT_PAUSE one (once). */
void fault_pause(const char *path);
#else
static inline int fault_check(enum fault_op op)
{
	(void)op;
	return 0;
}

static inline bool fault_nostick(void)
{
	return false;
}

static inline bool fault_refuse(void)
{
	return false;
}

static inline void fault_pause(const char *path)
{
	(void)path;
}
#endif

#endif
