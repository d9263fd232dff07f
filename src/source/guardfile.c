// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guardfile.c - the runtime guard's state file on disk. Every event is a
 * read-modify-write of the whole file under an exclusive flock() of
 * STATE.lock (udev runs `gpugate guard event` for many devices at once,
 * and the daemon counts too), and the file is replaced by rename, so a
 * crash leaves the old file or the new one. A file that does not parse is
 * kept aside as STATE.bad rather than overwritten or trusted.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guardfile.h"
#include "sysroot.h"

/* @state with @suffix appended, in @buf. Returns 0 or -ENAMETOOLONG. */
static int side_path(char *buf, size_t len, const char *state, const char *suffix)
{
	int n = snprintf(buf, len, "%s%s", state, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int guardfile_lock(const char *state)
{
	char path[PATH_MAX];
	int err = side_path(path, sizeof(path), state, ".lock");

	return err ? err : sysroot_lock(path);
}

void guardfile_unlock(int fd)
{
	close(fd);
}

int guardfile_load(const char *state, struct guard_state *s, char *why, size_t len)
{
	static char text[GUARD_STATE_MAX + 1];
	char bad[PATH_MAX];
	ssize_t n = sysroot_read(state, text, sizeof(text));
	int err;

	memset(s, 0, sizeof(*s));
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;
	if ((size_t)n > GUARD_STATE_MAX)
		snprintf(why, len, "larger than %d bytes", GUARD_STATE_MAX);
	else if (!guard_state_parse(s, text, (size_t)n, why, len))
		return 0;
	memset(s, 0, sizeof(*s));
	err = side_path(bad, sizeof(bad), state, ".bad");
	if (!err)
		err = sysroot_rename(state, bad);
	return err ? err : GUARDFILE_RESET;
}

int guardfile_store(const char *state, const struct guard_state *s)
{
	char text[GUARD_STATE_MAX];
	int n = guard_state_format(s, text, sizeof(text));

	if (n < 0)
		return n;
	return sysroot_replace_file(state, text, (size_t)n, true);
}
