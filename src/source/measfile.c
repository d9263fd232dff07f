// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * measfile.c - the userspace measurement log systemd keeps,
 * /run/log/systemd/tpm2-measure.log (systemd-pcrextend(8), Files): one
 * JSON-SEQ record per extend, appended after the extend, with
 * flock(LOCK_EX) held across both so that a reader (pcrlock takes LOCK_SH)
 * never sees a PCR ahead of its log. The file and its directories are
 * created when absent (Debian 12's systemd 252 never creates them). A
 * symbolic link in the file's place is refused (O_NOFOLLOW), and so is
 * anything but a regular file. Sysroot-prefixed: under --root the tree's
 * copy is written; on the live system only when gpugate may act on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine.h"
#include "measfile.h"
#include "measlog.h"
#include "sysroot.h"
#include "why.h"


/* The directories above MEASLOG_PATH, outermost first. */
static const char *const log_dirs[] = { "/run", "/run/log", "/run/log/systemd" };

/* mkdir (0755) each of log_dirs that is missing. 0 or -errno. */
static int make_dirs(char *why, size_t whylen)
{
	char real[PATH_MAX];

	for (size_t i = 0; i < sizeof(log_dirs) / sizeof(log_dirs[0]); i++) {
		if (sysroot_path(real, sizeof(real), log_dirs[i]))
			return why_fail(why, whylen, -ENAMETOOLONG, "%s: path too long",
					log_dirs[i]);
		if (mkdir(real, 0755) < 0 && errno != EEXIST)
			return why_fail(why, whylen, -errno, "cannot create %s: %s", real,
					strerror(errno));
	}
	return 0;
}

/* Open the log file (O_NONBLOCK: a FIFO in its place must not block). */
static int open_log(const char *real, char *why, size_t whylen)
{
	struct stat st;
	int fd, err;

	fd = openat(AT_FDCWD, real,
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0 && errno == ELOOP)
		return why_fail(why, whylen, -ELOOP, "%s is a symbolic link: refused", real);
	if (fd < 0)
		return why_fail(why, whylen, -errno, "cannot open %s: %s", real, strerror(errno));
	if (fstat(fd, &st) < 0) {
		err = -errno;
		close(fd);
		return why_fail(why, whylen, err, "%s: fstat: %s", real, strerror(-err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return why_fail(why, whylen, -EINVAL, "%s is not a regular file", real);
	}
	return fd;
}

int measfile_lock(char *why, size_t whylen)
{
	char real[PATH_MAX];
	int fd, err;

	if (!sysroot_is_redirected() && !machine_may_act())
		return why_fail(why, whylen, -EPERM,
				"writing %s of this machine is not allowed in this run",
				MEASLOG_PATH);
	if (sysroot_path(real, sizeof(real), MEASLOG_PATH))
		return why_fail(why, whylen, -ENAMETOOLONG, "%s: path too long", MEASLOG_PATH);
	err = make_dirs(why, whylen);
	if (err)
		return err;
	fd = open_log(real, why, whylen);
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(fd);
		return why_fail(why, whylen, err, "cannot lock %s: %s", real, strerror(-err));
	}
	return fd;
}

int measfile_append(int fd, const char *rec, size_t len, char *why, size_t whylen)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, rec + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return why_fail(why, whylen, -errno,
					"cannot append to %s: %s (%zu of %zu bytes written)",
					MEASLOG_PATH, strerror(errno), done, len);
		if (n == 0)
			return why_fail(
			    why, whylen, -EIO,
			    "cannot append to %s: nothing written (%zu of %zu bytes written)",
			    MEASLOG_PATH, done, len);
		done += (size_t)n;
	}
	return 0;
}

void measfile_unlock(int fd)
{
	if (fd < 0)
		return;
	flock(fd, LOCK_UN);
	close(fd);
}
