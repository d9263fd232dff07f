/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * measfile.h - systemd's userspace measurement log,
 * /run/log/systemd/tpm2-measure.log (JSON-SEQ, RFC 7464; the records are
 * formatted by parse/measlog.h). A writer holds flock(LOCK_EX) on the file
 * across the extend and the append, as systemd-pcrextend does.
 */
#ifndef GPUGATE_MEASFILE_H
#define GPUGATE_MEASFILE_H

#include <stddef.h>

/*
 * Open (creating it and /run/log/systemd as needed, sysroot-prefixed,
 * O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC|O_NOFOLLOW, 0600) and flock(LOCK_EX)
 * the event log. fd or -errno with a reason.
 */
int measfile_lock(char *why, size_t whylen);

/* Append @len bytes with one write (retrying short writes); 0 or -errno. */
int measfile_append(int fd, const char *rec, size_t len, char *why, size_t whylen);

/* Unlock and close. */
void measfile_unlock(int fd);

#endif
