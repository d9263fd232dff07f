/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * run.h - one run of the checks, and the enforce step over it: scan the
 * host into a model, check it into a report, carry out the fixes, scan and
 * check again. check, enforce and gate (gate.c) and the runtime guard
 * (guard.c) are built from these.
 */
#ifndef GPUGATE_RUN_H
#define GPUGATE_RUN_H

#include <stdbool.h>

#include "checks.h"
#include "gate.h"
#include "measure.h"
#include "model.h"

struct run {
	struct model m;
	struct report r;
	struct ctx c;
	bool failed; /* the scan itself failed: nothing is known */
	struct measure ms; /* gate: the TPM it measured into (measure.c) */
};

/*
 * Scan and check under the policy @p; the report's mode is @mode. Returns
 * the run (failed set when nothing could be scanned), or NULL out of
 * memory. Reads only.
 */
struct run *run_new(const struct policy *p, const char *mode);

void run_free(struct run *x);

/* The verdict of @x: error when @x is NULL, its scan failed or memory ran out. */
enum verdict run_verdict(const struct run *x);

/*
 * Carry out the fixes within @scope (enforce.h; 0: all) that @b's findings
 * call for, then scan and check again, the fixed findings marked so.
 * Returns the run whose verdict counts (@b itself for a dry run or a failed
 * scan); @b is freed when it is not returned. WRITES HARDWARE unless
 * o->dry_run.
 */
struct run *run_enforce_on(const struct run_opts *o, struct run *b, const char *mode,
			   unsigned int scope);

/* Write the JSON report of @x to @path (through the sysroot when @in_root). Returns 0 or -errno. */
int run_write_report(const struct run *x, const char *path, bool in_root);

/* Print @x as @o asks (and -o); returns the final verdict. */
enum verdict run_finish(const struct run_opts *o, const struct run *x);

/*
 * Append each line of @text to @path (console or kmsg, through the
 * sysroot) with a write() of its own. A file that cannot be opened is
 * skipped: the callers print the same lines on stderr.
 */
void run_append_lines(const char *path, const char *text);

#endif
