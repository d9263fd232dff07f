// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guardmetrics.c - count one runtime-guard event: under the state file's
 * lock, read [guard] state, add the event, replace the state file, and
 * rewrite the [guard] metrics textfile from it (still under the lock, so
 * that the textfile never goes back to an older count).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guardfile.h"
#include "guardmetrics.h"
#include "guardprom.h"

/*
 * The state under the lock: read (or restart, said on stderr), count,
 * store. Returns 0 or -errno.
 */
static int record_state(const char *state, struct guard_state *s, enum guard_kind k,
			enum guard_outcome o, time_t when)
{
	char why[160] = "";
	int rc = guardfile_load(state, s, why, sizeof(why));

	if (rc == GUARDFILE_RESET)
		fprintf(stderr, "gpugate-guard: state %s did not parse (%s): kept as %s.bad, counting restarts\n",
			state, why, state);
	if (rc < 0)
		return rc;
	rc = guard_state_add(s, k, o, (int64_t)when);
	return rc ? rc : guardfile_store(state, s);
}

/*
 * The textfile from @s. Returns 0, 1 when its directory does not exist,
 * or -errno (said on stderr: the caller takes -errno for the state's).
 */
static int record_textfile(const char *path, const struct guard_state *s)
{
	int rc;

	if (!path[0])
		return 0;
	rc = guardprom_write(path, s);
	if (rc == -ENOENT)
		return 1;
	if (rc)
		fprintf(stderr, "gpugate-guard: cannot write metrics %s: %s\n", path, strerror(-rc));
	return rc;
}

int guard_metrics_record(const struct policy *p, enum guard_kind k, enum guard_outcome o,
			 time_t when)
{
	struct guard_state s;
	int lock = guardfile_lock(p->guard_state), rc;

	if (lock < 0)
		return lock;
	rc = record_state(p->guard_state, &s, k, o, when);
	if (!rc)
		rc = record_textfile(p->guard_metrics, &s);
	guardfile_unlock(lock);
	return rc;
}
