// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_guardstate.c - libFuzzer target for guard_state_parse(): arbitrary
 * bytes as a [guard] state file, copied into a heap block of exactly its
 * size (ASan sees any read past the end: the parser takes a length, not a
 * NUL-terminated string).
 *
 * Invariants checked: the result is 0 or -EINVAL; an error message is
 * NUL-terminated and starts with "line N: "; after success the state
 * written by guard_state_format() parses back to the same state and is
 * written again to the same bytes (parse -> write -> parse round trip),
 * and counting one more event either works or, at the maximum, reports
 * -EOVERFLOW and changes nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guardstate.h"

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static void check_round_trip(const struct guard_state *s)
{
	static char buf[GUARD_STATE_MAX], buf2[GUARD_STATE_MAX];
	struct guard_state back, more = *s;
	char err[128];
	int n, n2;

	n = guard_state_format(s, buf, sizeof(buf));
	if (n <= 0 || guard_state_parse(&back, buf, (size_t)n, err, sizeof(err)))
		abort();
	if (memcmp(s, &back, sizeof(back)))
		abort();
	n2 = guard_state_format(&back, buf2, sizeof(buf2));
	if (n2 != n || memcmp(buf, buf2, (size_t)n))
		abort();
	if (guard_state_add(&more, GUARD_BIND, GUARD_FINDING, 1) == 0) {
		if (more.count[GUARD_BIND][GUARD_FINDING] != s->count[GUARD_BIND][GUARD_FINDING] + 1)
			abort();
	} else if (s->count[GUARD_BIND][GUARD_FINDING] != UINT64_MAX ||
		   memcmp(&more, s, sizeof(more))) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1), err[256];
	struct guard_state s;
	int rc;

	if (!text)
		abort();
	memcpy(text, data, size);
	memset(err, 0x55, sizeof(err));
	rc = guard_state_parse(&s, text, size, err, sizeof(err));
	free(text);
	if (rc == 0)
		check_round_trip(&s);
	else if (rc != -EINVAL || !TERMINATED(err) || strncmp(err, "line ", 5) ||
		 !strstr(err, ": "))
		abort();
	return 0;
}
