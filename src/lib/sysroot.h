/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sysroot.h - every file gpugate reads or writes under /sys, /proc, /dev,
 * /lib/modules and /etc/modprobe.d goes through here, so that --root DIR
 * redirects all of it and nothing can fall back to the real system.
 * Paths passed in are the absolute paths of a live system ("/sys/...").
 */
#ifndef GPUGATE_SYSROOT_H
#define GPUGATE_SYSROOT_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Set the prefix; NULL or "" means the live system. Returns 0 or -errno. */
int sysroot_set(const char *dir);

/* The prefix, "" for the live system. */
const char *sysroot_prefix(void);

/* True when a --root prefix is in force. */
bool sysroot_is_redirected(void);

/* Build the real path for @path in @buf. Returns 0 or -ENAMETOOLONG. */
int sysroot_path(char *buf, size_t len, const char *path);

/* Read up to @len bytes of @path into @buf. Returns the count or -errno. */
ssize_t sysroot_read(const char *path, void *buf, size_t len);

/*
 * Read the first line of the text file @path into @buf, without the newline.
 * Returns 0 or -errno (-ENOSPC when the line does not fit).
 */
int sysroot_read_line(const char *path, char *buf, size_t len);

/*
 * 0 when @path (links followed) is a regular file, as every sysfs attribute
 * and /proc file is; -EISDIR, -EINVAL (FIFO, device...) or -errno otherwise.
 */
int sysroot_regular(const char *path);

/* readlink() of @path into @buf, NUL-terminated. Returns 0 or -errno. */
int sysroot_readlink(const char *path, char *buf, size_t len);

/*
 * Open directory @path for sysroot_readlinkat() (O_DIRECTORY: a FIFO or
 * file fails at once).
 * Returns the descriptor, which the caller closes, or -errno.
 */
int sysroot_open_dir(const char *path);

/*
 * readlink() of @name in the directory @dirfd from sysroot_open_dir(),
 * NUL-terminated: the kernel looks up one name instead of the whole path.
 * Returns 0 or -errno.
 */
int sysroot_readlinkat(int dirfd, const char *name, char *buf, size_t len);

/* The last component of the link target of @path. Returns 0 or -errno. */
int sysroot_link_name(const char *path, char *buf, size_t len);

/* 0 if @path exists (without following a final link), else -errno. */
int sysroot_exists(const char *path);

/*
 * Write @data to the existing file @path (a sysfs attribute: never
 * created). Returns 0 or -errno; a short write is -EIO.
 */
int sysroot_write(const char *path, const char *data);

/*
 * Create or replace the regular file @path with @len bytes of @data,
 * creating missing parent directories (mode 0755). Returns 0 or -errno.
 */
int sysroot_write_file(const char *path, const void *data, size_t len);

/*
 * Replace the regular file @path with @len bytes of @data so that a reader
 * sees the old or the new file, never a part: write PATH.tmp, fsync it,
 * rename it over @path, fsync the directory. @make_dirs: create missing
 * parent directories (0755); without it a missing directory is -ENOENT.
 * A concurrent writer of the same @path must hold a lock (sysroot_lock()):
 * the temporary name is fixed. Returns 0 or -errno.
 */
int sysroot_replace_file(const char *path, const void *data, size_t len, bool make_dirs);

/*
 * Open the lock file @path (created 0644 with its missing parent
 * directories) and take an exclusive flock() on it, waiting for it.
 * Returns the descriptor, whose close() releases the lock, or -errno.
 */
int sysroot_lock(const char *path);

/* rename() @from to @to, both under the prefix. Returns 0 or -errno. */
int sysroot_rename(const char *from, const char *to);

/* fopen() under the prefix; NULL with errno set on failure. */
#include <stdio.h>
FILE *sysroot_fopen(const char *path, const char *mode);

/*
 * The entries of directory @path except "." names, sorted (alphasort).
 * Returns the count and a malloc'd list in *@list (free each entry and the
 * list), or -errno.
 */
int sysroot_scandir(const char *path, struct dirent ***list);


/*
 * The program's open() and open64() (linked with -Wl,--wrap=open,
 * --wrap=open64, see Makefile; glibc's libkmod calls open64). Under --root:
 * libkmod's opens of /proc/cmdline, /proc/modules and /sys/module/... are
 * redirected below DIR, and every open of a file of DIR/sys (libpci's
 * vendor, class, config...) or of those redirected paths is non-blocking
 * and refuses a FIFO, socket or device node (EINVAL). Every other open()
 * passes through unchanged. Returns a descriptor, or -1 with errno set.
 */
int __wrap_open(const char *path, int flags, ...);
int __wrap_open64(const char *path, int flags, ...);

#endif
