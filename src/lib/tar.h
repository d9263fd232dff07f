/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tar.h - a minimal, deterministic POSIX tar writer (ustar, with a pax
 * extended header only for a name or link target too long for ustar):
 * directories, regular files and symbolic links, owner 0:0 "root", mtime
 * 0, fixed modes. The caller decides the order of the entries.
 */
#ifndef GPUGATE_TAR_H
#define GPUGATE_TAR_H

#include <stddef.h>
#include <stdio.h>

/* Each returns 0 or -errno (-EIO on a write error). Paths are relative. */
int tar_add_dir(FILE *out, const char *path);
int tar_add_file(FILE *out, const char *path, const void *data, size_t len);
int tar_add_symlink(FILE *out, const char *path, const char *target);

/* Write the end-of-archive marker (two zero blocks). */
int tar_finish(FILE *out);

#endif
