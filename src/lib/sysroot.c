// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysroot.c - the single place that turns a system path into a real one.
 *
 * Modelled on util-linux lib/path.c (ul_path_set_prefix): a prefix set once
 * from --root is prepended to every path. There is no fallback: a file that
 * is missing under the prefix is missing, and the caller reports it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "machine.h"
#include "sysroot.h"

static char prefix[PATH_MAX];

int sysroot_set(const char *dir)
{
	struct stat st;
	size_t n;

	prefix[0] = '\0';
	if (!dir || !*dir)
		return 0;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n >= sizeof(prefix) - 256)
		return -ENAMETOOLONG;
	memcpy(prefix, dir, n);
	prefix[n] = '\0';
	if (!strcmp(prefix, "/"))
		prefix[0] = '\0';
	return 0;
}

const char *sysroot_prefix(void)
{
	return prefix;
}

bool sysroot_is_redirected(void)
{
	return prefix[0] != '\0';
}

int sysroot_path(char *buf, size_t len, const char *path)
{
	int n = snprintf(buf, len, "%s%s", prefix, path);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The real path of @path in @real, after counting one @op for fault injection. */
static int real_path(char real[PATH_MAX], const char *path, enum fault_op op)
{
	int err = sysroot_path(real, PATH_MAX, path);

	return err ? err : fault_check(op);
}

/*
 * A write below a --root tree changes only the tree; any other write changes
 * this machine and needs its flag (machine.h). Returns 0 or -EPERM.
 */
static int may_write(void)
{
	return prefix[0] || machine_may_act() ? 0 : -EPERM;
}

/* sysfs attributes and /proc files are regular files; anything else is refused. */
static int regular_only(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	return S_ISREG(st.st_mode) ? 0 : S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
}

int sysroot_regular(const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	int err = sysroot_path(real, sizeof(real), path);

	if (err)
		return err;
	if (stat(real, &st) < 0)
		return -errno;
	return S_ISREG(st.st_mode) ? 0 : S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
}

ssize_t sysroot_read(const char *path, void *buf, size_t len)
{
	char real[PATH_MAX];
	size_t got = 0;
	int fd, err = real_path(real, path, FAULT_READ);

	if (err)
		return err;
	/*
	 * O_NONBLOCK: a FIFO planted in a --root tree must not block the open.
	 * openat(), not open(): regular_only() below does __wrap_open's check.
	 */
	fd = openat(AT_FDCWD, real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = regular_only(fd);
	if (err) {
		close(fd);
		return err;
	}
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			close(fd);
			return err;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

int sysroot_read_line(const char *path, char *buf, size_t len)
{
	ssize_t n = sysroot_read(path, buf, len - 1);
	char *nl;

	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	else if ((size_t)n == len - 1)
		return -ENOSPC;
	return 0;
}

/* Terminate the @n bytes readlink() put in @buf of @len. Returns 0 or -errno. */
static int link_done(ssize_t n, char *buf, size_t len)
{
	if (n < 0)
		return -errno;
	if ((size_t)n == len - 1)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

int sysroot_readlink(const char *path, char *buf, size_t len)
{
	char real[PATH_MAX];
	int err = real_path(real, path, FAULT_READ);

	if (err)
		return err;
	return link_done(readlink(real, buf, len - 1), buf, len);
}

int sysroot_open_dir(const char *path)
{
	char real[PATH_MAX];
	int fd, err = real_path(real, path, FAULT_READ);

	if (err)
		return err;
	fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int sysroot_readlinkat(int dirfd, const char *name, char *buf, size_t len)
{
	int err = fault_check(FAULT_READ);

	if (err)
		return err;
	return link_done(readlinkat(dirfd, name, buf, len - 1), buf, len);
}

int sysroot_link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	const char *base;
	int err = sysroot_readlink(path, target, sizeof(target));

	if (err)
		return err;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (!*base || strlen(base) >= len)
		return -EINVAL;
	strcpy(buf, base);
	return 0;
}

int sysroot_exists(const char *path)
{
	char real[PATH_MAX];
	struct stat st;
	int err = real_path(real, path, FAULT_READ);

	if (err)
		return err;
	return lstat(real, &st) < 0 ? -errno : 0;
}

FILE *sysroot_fopen(const char *path, const char *mode)
{
	char real[PATH_MAX];
	int err = real_path(real, path, mode[0] == 'r' ? FAULT_READ : FAULT_WRITE);

	if (!err && mode[0] == 'r')
		err = sysroot_regular(path);
	else if (!err)
		err = may_write();
	if (err) {
		errno = -err;
		return NULL;
	}
	return fopen(real, mode);
}

/* Write all of @data to @fd and close it. Returns 0 or -errno. */
static int write_close(int fd, const void *data, size_t len, bool sync)
{
	ssize_t n = write(fd, data, len);
	int err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;

	if (sync && fsync(fd) < 0 && !err && errno != EINVAL)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	return err;
}

int sysroot_write(const char *path, const char *data)
{
	char real[PATH_MAX];
	size_t len = strlen(data);
	int fd, err = real_path(real, path, FAULT_WRITE);

	if (!err)
		err = may_write();
	if (err)
		return err;
	fd = open(real, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write_close(fd, data, len, false);
}

/* mkdir -p for the directories above @real (a full path). */
static int make_parents(char *real)
{
	for (char *s = strchr(real + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(real, 0755) < 0 && errno != EEXIST) {
			int err = -errno;

			*s = '/';
			return err;
		}
		*s = '/';
	}
	return 0;
}

/*
 * The real path of @path, which is to be written, in @real: counted for
 * fault injection, allowed (may_write), and with its missing parent
 * directories made when @make_dirs. Returns 0 or -errno.
 */
static int write_path(char real[PATH_MAX], const char *path, bool make_dirs)
{
	int err = real_path(real, path, FAULT_WRITE);

	if (!err)
		err = may_write();
	if (!err && make_dirs)
		err = make_parents(real);
	return err;
}

int sysroot_write_file(const char *path, const void *data, size_t len)
{
	char real[PATH_MAX];
	int fd, err = write_path(real, path, true);

	if (err)
		return err;
	fd = open(real, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	return write_close(fd, data, len, true);
}

/* fsync() the directory that holds @real, so that a rename in it is on disk. */
static int sync_parent(char *real)
{
	char *slash = strrchr(real, '/');
	int fd, err = 0;

	if (!slash || slash == real)
		return 0;
	*slash = '\0';
	fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*slash = '/';
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		err = -errno;
	close(fd);
	return err;
}

int sysroot_replace_file(const char *path, const void *data, size_t len, bool make_dirs)
{
	char real[PATH_MAX], tmp[PATH_MAX + 8];
	int fd, err = write_path(real, path, make_dirs);

	if (err)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.tmp", real);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	err = write_close(fd, data, len, true);
	if (!err && rename(tmp, real) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		return err;
	}
	return sync_parent(real);
}

int sysroot_lock(const char *path)
{
	char real[PATH_MAX];
	int fd, err = write_path(real, path, true);

	if (err)
		return err;
	fd = open(real, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int sysroot_rename(const char *from, const char *to)
{
	char real_from[PATH_MAX], real_to[PATH_MAX];
	int err = write_path(real_from, from, false);

	if (!err)
		err = sysroot_path(real_to, sizeof(real_to), to);
	if (err)
		return err;
	return rename(real_from, real_to) < 0 ? -errno : sync_parent(real_to);
}

static int no_dot(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/*
 * Paths of the running kernel that libkmod opens by their absolute name
 * rather than below the directories kmod_new() is given: /proc/cmdline
 * (kmod_config_parse_kcmdline(), run by every kmod_new(): modprobe.blacklist=
 * and MODULE.PARAM= on the kernel command line), and the module state in
 * /sys/module/NAME and /proc/modules (libkmod-module.c).
 */
static bool kernel_state_path(const char *path)
{
	return !strcmp(path, "/proc/cmdline") || !strcmp(path, "/proc/modules") ||
	       !strcmp(path, "/sys/module") || !strncmp(path, "/sys/module/", 12);
}

/* @path is a file of the tree's sysfs (DIR/sys/...), as libpci opens them. */
static bool tree_sysfs_path(const char *path)
{
	size_t n = strlen(prefix);

	return !strncmp(path, prefix, n) && !strncmp(path + n, "/sys/", 5);
}

/* fstat() of @fd shows a FIFO, socket or device node: nothing sysfs or procfs holds. */
static bool special_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/*
 * Open @real, a file of a --root tree: O_NONBLOCK, so that a FIFO planted
 * there cannot block (as in sysroot_read()), and a FIFO, socket or device
 * node is refused with EINVAL, so that a reader such as libpci fails instead
 * of reading nothing as a value.
 */
static int open_in_tree(const char *real, int flags, unsigned int mode)
{
	int fd = openat(AT_FDCWD, real, flags | O_NONBLOCK, mode);

	if (fd >= 0 && special_file(fd)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static int sysroot_open(const char *path, int flags, unsigned int mode)
{
	char real[PATH_MAX];

	fault_pause(path);
	if (!sysroot_is_redirected() || !path)
		return openat(AT_FDCWD, path, flags, mode);
	if (tree_sysfs_path(path))
		return open_in_tree(path, flags, mode);
	if (!kernel_state_path(path))
		return openat(AT_FDCWD, path, flags, mode);
	if (sysroot_path(real, sizeof(real), path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open_in_tree(real, flags, mode);
}

#ifndef O_TMPFILE
#define O_TMPFILE 0
#endif
/* open()'s optional third argument, present with O_CREAT or O_TMPFILE. */
#define OPEN_NEEDS_MODE(flags)                                                                     \
	(((flags)&O_CREAT) || (O_TMPFILE && ((flags)&O_TMPFILE) == O_TMPFILE))
#define OPEN_MODE(flags, mode)                                                                     \
	do {                                                                                       \
		if (OPEN_NEEDS_MODE(flags)) {                                                      \
			va_list ap;                                                                \
                                                                                                   \
			va_start(ap, flags);                                                       \
			mode = va_arg(ap, unsigned int);                                           \
			va_end(ap);                                                                \
		}                                                                                  \
	} while (0)

int __wrap_open(const char *path, int flags, ...)
{
	unsigned int mode = 0;

	OPEN_MODE(flags, mode);
	return sysroot_open(path, flags, mode);
}

int __wrap_open64(const char *path, int flags, ...)
{
	unsigned int mode = 0;

	OPEN_MODE(flags, mode);
	return sysroot_open(path, flags, mode);
}

int sysroot_scandir(const char *path, struct dirent ***list)
{
	char real[PATH_MAX];
	int n, err = real_path(real, path, FAULT_READ);

	if (err)
		return err;
	n = scandir(real, list, no_dot, alphasort);
	return n < 0 ? -errno : n;
}
