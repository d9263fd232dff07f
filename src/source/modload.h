/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * modload.h - kernel module lookups (and, for enforce, loading) through
 * libkmod. modload.c is the only file that includes <libkmod.h>.
 */
#ifndef GPUGATE_MODLOAD_H
#define GPUGATE_MODLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "cmdline.h"
#include "gpugate.h" /* struct modalias_hit */

struct modload;

/*
 * Open libkmod on the sysroot's /lib/modules/@kver and modprobe.d
 * directories, and load its indexes. Touches no hardware. Returns 0 or
 * -errno with a reason in @why (a missing index is an error: without it no
 * alias can be resolved).
 */
int modload_open(struct modload **out, const char *kver, char *why, size_t whylen);

/*
 * Resolve the modalias @alias as modprobe would, and mark the modules that
 * the modprobe.d blacklist filters out. Returns the number of hits stored
 * (at most @max), or -errno.
 */
int modload_resolve(struct modload *ml, const char *alias, struct modalias_hit *hits, int max);

/*
 * Load @name with its dependencies and softdeps as modprobe would, ignoring
 * "install" commands. With @dry_run nothing is inserted: libkmod only
 * reports the modules it would load. @step is called for each module in
 * load order, before anything is inserted, with the options libkmod will
 * pass (modprobe.d, then the kernel command line) split as the module's
 * parse_args() splits them (cmdline_parse_options()), or NULL when they do
 * not fit; if it returns false for any, nothing is loaded. Returns 0,
 * -EPERM when vetoed, or -errno from the kernel. Touches the running kernel
 * unless @dry_run.
 */
int modload_probe(struct modload *ml, const char *name, bool dry_run,
		  bool (*step)(void *data, const char *module, const struct cmdline *options),
		  void *data);

/*
 * Why the kernel refused a module in the last modload_probe(), when gpugate
 * knows more than the errno (a compressed module the kernel cannot
 * decompress; a signature lockdown requires). NULL otherwise.
 */
const char *modload_load_error(void);

/*
 * Compressed modules (modload.c): should gpugate decompress a @format
 * ("xz", "zstd", "gzip") module itself? @kernel: what
 * /sys/module/compression says the kernel decompresses, NULL when that file
 * is absent; @err: 0 before finit_module() is tried, else its errno.
 */
bool modload_decompress_here(const char *format, const char *kernel, int err);

/*
 * Decompress @inlen bytes of @format into a malloc'ed *@image of *@len
 * bytes, at most @max. Returns 0, or -EBADMSG (corrupt, truncated, trailing
 * data), -EFBIG (over @max), -ENOMEM, -EPROTONOSUPPORT (unknown @format),
 * with *@image NULL and the reason in @why.
 */
int modload_decompress(const char *format, const void *in, size_t inlen, size_t max,
		       void **image, size_t *len, char *why, size_t whylen);

void modload_close(struct modload *ml);

/* libkmod's version as built in. */
const char *modload_version(void);

#endif
