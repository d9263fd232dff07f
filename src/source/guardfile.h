/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guardfile.h - the runtime guard's state file ([guard] state) on disk,
 * below the sysroot: taken under a lock, read, and replaced whole.
 */
#ifndef GPUGATE_GUARDFILE_H
#define GPUGATE_GUARDFILE_H

#include <stddef.h>

#include "guardstate.h"

/* guardfile_load(): the file did not parse; it is now STATE.bad. */
#define GUARDFILE_RESET 1

/*
 * Take the lock of the state file @state: an exclusive flock() of
 * STATE.lock, creating it and the state's directory (0755). Waits for
 * another holder. Returns the descriptor for guardfile_unlock(), or -errno.
 */
int guardfile_lock(const char *state);

/* Release the lock taken by guardfile_lock(). */
void guardfile_unlock(int fd);

/*
 * Read the state file @state into @s; a missing file is all zeros. A file
 * that does not parse (guardstate.h) is renamed to STATE.bad and @s starts
 * at zero: returns GUARDFILE_RESET with the parser's reason in @why.
 * Returns 0, GUARDFILE_RESET or -errno (unreadable, or the rename failed).
 * Call with the lock held.
 */
int guardfile_load(const char *state, struct guard_state *s, char *why, size_t len);

/*
 * Replace the state file @state with @s (temporary file, fsync, rename).
 * Call with the lock held. Returns 0 or -errno.
 */
int guardfile_store(const char *state, const struct guard_state *s);

#endif
