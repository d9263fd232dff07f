/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guardstate.h - the runtime guard's state file ([guard] state): how many
 * events of each kind had each outcome, and when each kind last happened.
 * Strict parser and writer of its text format (docs/design.md, "The guard
 * state file"). Pure: no I/O.
 */
#ifndef GPUGATE_GUARDSTATE_H
#define GPUGATE_GUARDSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "guardev.h"

/* The first line of every state file. */
#define GUARD_STATE_HEADER "gpugate-guard-state 1"

/* Longest state file read; one written is about 1.5 KB. */
#define GUARD_STATE_MAX 16384

struct guard_state {
	uint64_t count[GUARD_NKINDS][GUARD_NOUTCOMES];
	int64_t last[GUARD_NKINDS]; /* Unix time of the last event, 0: never */
};

/*
 * Parse the @len bytes of @text into @s (zeroed first; a line that is not
 * there counts 0). Returns 0, or -EINVAL with "line N: why" in @err: a bad
 * header, an unknown line, kind or outcome, a number that is not plain
 * decimal or overflows, a line given twice, a missing "end" line
 * (truncated) or anything after it.
 */
int guard_state_parse(struct guard_state *s, const char *text, size_t len, char *err,
		      size_t errlen);

/*
 * Write @s as a state file into @buf (every count and last line, zeros
 * included, then "end"). Returns the length, or -ENOSPC when @len is too
 * small.
 */
int guard_state_format(const struct guard_state *s, char *buf, size_t len);

/*
 * Count one event of @k with outcome @o at Unix time @when. Returns 0,
 * -EINVAL (kind, outcome or time out of range) or -EOVERFLOW (the count is
 * at its maximum: not counted).
 */
int guard_state_add(struct guard_state *s, enum guard_kind k, enum guard_outcome o,
		    int64_t when);

#endif
