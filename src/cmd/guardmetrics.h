/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guardmetrics.h - the runtime guard's counters: [guard] state holds them,
 * [guard] metrics is the Prometheus textfile made from them.
 */
#ifndef GPUGATE_GUARDMETRICS_H
#define GPUGATE_GUARDMETRICS_H

#include <time.h>

#include "guardev.h"
#include "policy.h"

/*
 * Count one event in [guard] state (under a lock, replaced by rename) and
 * write the [guard] metrics textfile from it. Returns 0; 1 when the state
 * was written and the textfile was not because its directory does not
 * exist (no node-exporter); -errno when the state could not be written
 * (nothing counted; the caller logs it) or the textfile could not be
 * written for another reason (state written; said on stderr here, as is a
 * state file that did not parse and was kept as STATE.bad).
 */
int guard_metrics_record(const struct policy *p, enum guard_kind k, enum guard_outcome o,
			 time_t when);

#endif
