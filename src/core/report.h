/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * report.h - collect findings and actions and decide the verdict
 * (output/print.h prints them).
 */
#ifndef GPUGATE_REPORT_H
#define GPUGATE_REPORT_H

#include "gpugate.h"

/* Verdicts, in the order of their exit status. */
enum verdict { VERDICT_PASS = 0, VERDICT_FAIL = 1, VERDICT_ERROR = 3 };

/*
 * Append a finding for check @id on @device (NULL or "" for the host) and
 * @port (NULL or ""). Returns it zeroed but for these fields, or NULL when
 * memory ran out (the report then fails as an error).
 */
struct finding *report_add(struct report *r, const char *id, const char *device,
			   const char *port, enum status st);

/*
 * Record an action on @device: @what changed @before into @after. @dry_run:
 * it was only planned. Returns it, or NULL when memory ran out.
 */
struct action *report_action(struct report *r, const char *device, const char *what,
			     const char *before, const char *after, bool ok, bool dry_run);

/* printf into the finding's message. */
void finding_msg(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Mark @f failed because its input could not be read (exit status 3). */
void finding_unknown(struct finding *f, const char *why);

/* Remove every finding of check @id (a check judged again). */
void report_drop(struct report *r, const char *id);

/* Sort findings: host findings first, then by device, check order, port. */
void report_sort(struct report *r, const char *const *order, int norder);

/* The verdict: error if any finding is undetermined, else fail if any fails. */
enum verdict report_verdict(const struct report *r);

const char *report_verdict_name(enum verdict v);

void report_free(struct report *r);

#endif
