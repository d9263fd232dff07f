// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modload.c - the bridge to libkmod.
 *
 * libkmod is pointed at the sysroot: kmod_new() gets DIR/lib/modules/KVER
 * and the modprobe.d directories under DIR. What libkmod opens by absolute
 * path, /proc/cmdline (modprobe.blacklist= and module options given on it)
 * and /sys/module (module state), reaches DIR through sysroot.c's
 * __wrap_open (the binary is linked with -Wl,--wrap=open): under --root the
 * snapshot's command line is vetted, never the auditing machine's.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libkmod.h>

#include "modload.h"
#include "machine.h"
#include "sysroot.h"

#ifndef LIBKMOD_VERSION
#define LIBKMOD_VERSION "unknown"
#endif

struct modload {
	struct kmod_ctx *ctx;
};

/*
 * Compressed modules. libkmod is built without decompressors
 * (src/deps/kmod-config.h), so it opens a .ko.xz, .ko.zst or .ko.gz as a
 * plain file and calls finit_module() on its descriptor. This
 * finit_module() recognises the compression by its magic and passes
 * MODULE_INIT_COMPRESSED_FILE: the kernel decompresses the file itself
 * (CONFIG_MODULE_DECOMPRESS, Linux 5.17+) and checks the signature inside
 * it, which lockdown requires. A kernel that cannot decompress that format
 * refuses the file, and nothing else is tried: the reason is kept for
 * modload_load_error().
 *
 * The flag's value is the kernel's, include/uapi/linux/module.h (musl
 * ships no kernel headers).
 */
#define MODULE_INIT_COMPRESSED_FILE 4

struct compression {
	const char *name;
	unsigned char magic[6];
	size_t len;
};

static const struct compression compressions[] = {
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
	{ "gzip", { 0x1f, 0x8b }, 2 },
};

static char load_why[256];

static const struct compression *module_compression(int fd)
{
	unsigned char head[6];
	ssize_t n = pread(fd, head, sizeof(head), 0);

	for (size_t i = 0; i < sizeof(compressions) / sizeof(compressions[0]); i++)
		if (n >= (ssize_t)compressions[i].len &&
		    !memcmp(head, compressions[i].magic, compressions[i].len))
			return &compressions[i];
	return NULL;
}

/* Keep why the kernel refused a module file (@err: its errno). */
static void note_refusal(const struct compression *c, int err)
{
	char kernel[32];

	if (err == EPERM || err == EKEYREJECTED) {
		snprintf(
		    load_why, sizeof(load_why),
		    "the kernel refused the module: %s (under lockdown or module.sig_enforce=1 a module needs a valid signature)",
		    strerror(err));
		return;
	}
	if (!c || (err != EINVAL && err != EOPNOTSUPP && err != ENOSYS))
		return;
	/* /sys/module/compression names the one format it decompresses (6.4+). */
	if (sysroot_read_line("/sys/module/compression", kernel, sizeof(kernel)) || !*kernel)
		snprintf(kernel, sizeof(kernel), "none");
	snprintf(
	    load_why, sizeof(load_why),
	    "the kernel cannot decompress this %s module (%s; it decompresses: %s); fix: a kernel with CONFIG_MODULE_DECOMPRESS for %s, or uncompressed modules in the initramfs",
	    c->name, strerror(err), kernel, c->name);
}

/* libkmod's module loader (see above). Returns 0, or -1 with errno set. */
int finit_module(int fd, const char *uargs, int flags)
{
	const struct compression *c = module_compression(fd);
	long rc;
	int err;

	if (!machine_may_act()) {
		errno = EPERM;
		return -1;
	}
	if (c)
		flags |= MODULE_INIT_COMPRESSED_FILE;
	rc = syscall(SYS_finit_module, fd, uargs, flags);
	if (!rc)
		return 0;
	err = errno;
	note_refusal(c, err);
	/* ENOSYS would make libkmod retry with init_module() on the raw bytes. */
	errno = c && err == ENOSYS ? EOPNOTSUPP : err;
	return -1;
}

const char *modload_load_error(void)
{
	return load_why[0] ? load_why : NULL;
}

static void modload_quiet(void *data, int priority, const char *file, int line,
			  const char *fn, const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

int modload_open(struct modload **out, const char *kver, char *why, size_t whylen)
{
	static const char *const dirs[] = { "/etc/modprobe.d", "/run/modprobe.d",
					    "/usr/local/lib/modprobe.d", "/lib/modprobe.d" };
	char paths[4][PATH_MAX], moddir[PATH_MAX], rel[PATH_MAX];
	const char *cfg[5];
	struct modload *ml;
	int rc;

	*out = NULL;
	if (!kver || !*kver) {
		snprintf(why, whylen, "kernel release unknown (/proc/sys/kernel/osrelease)");
		return -ENOENT;
	}
	snprintf(rel, sizeof(rel), "/lib/modules/%s", kver);
	if (sysroot_path(moddir, sizeof(moddir), rel))
		return -ENAMETOOLONG;
	for (int i = 0; i < 4; i++) {
		if (sysroot_path(paths[i], sizeof(paths[i]), dirs[i]))
			return -ENAMETOOLONG;
		cfg[i] = paths[i];
	}
	cfg[4] = NULL;
	ml = calloc(1, sizeof(*ml));
	if (!ml)
		return -ENOMEM;
	ml->ctx = kmod_new(moddir, cfg);
	if (!ml->ctx) {
		free(ml);
		snprintf(why, whylen, "libkmod cannot start on %s", moddir);
		return -ENOMEM;
	}
	kmod_set_log_fn(ml->ctx, modload_quiet, NULL);
	rc = kmod_load_resources(ml->ctx);
	if (rc) {
		snprintf(why, whylen, "cannot load the module index in %s (modules.dep.bin, modules.alias.bin...): %s",
			 moddir, strerror(rc < 0 ? -rc : rc));
		modload_close(ml);
		return rc < 0 ? rc : -EIO;
	}
	*out = ml;
	return 0;
}

/* Is @mod in the list @filtered? */
static bool in_list(struct kmod_list *filtered, struct kmod_module *mod)
{
	struct kmod_list *l;

	kmod_list_foreach(l, filtered) {
		struct kmod_module *m = kmod_module_get_module(l);
		bool same = m == mod;

		kmod_module_unref(m);
		if (same)
			return true;
	}
	return false;
}

int modload_resolve(struct modload *ml, const char *alias, struct modalias_hit *hits, int max)
{
	struct kmod_list *list = NULL, *filtered = NULL, *l;
	int n = 0, rc;

	rc = kmod_module_new_from_lookup(ml->ctx, alias, &list);
	if (rc < 0)
		return rc;
	rc = kmod_module_apply_filter(ml->ctx, KMOD_FILTER_BLACKLIST, list, &filtered);
	if (rc < 0) {
		kmod_module_unref_list(list);
		return rc;
	}
	kmod_list_foreach(l, list) {
		struct kmod_module *mod = kmod_module_get_module(l);

		if (n < max) {
			snprintf(hits[n].name, sizeof(hits[n].name), "%s", kmod_module_get_name(mod));
			hits[n].blacklisted = !in_list(filtered, mod);
			n++;
		}
		kmod_module_unref(mod);
	}
	kmod_module_unref_list(filtered);
	kmod_module_unref_list(list);
	return n;
}

struct probe_walk {
	bool (*step)(void *data, const char *module, const struct cmdline *options);
	void *data;
	bool vetoed;
};

static struct probe_walk *walk_now;

/*
 * libkmod's print_action callback: one module of the probe list, with the
 * option string kmod_module_get_options() built for it.
 */
static void probe_step(struct kmod_module *m, bool install, const char *options)
{
	static struct cmdline opts;
	int rc;

	(void)install;
	if (!walk_now)
		return;
	rc = cmdline_parse_options(&opts, options ? options : "");
	if (!walk_now->step(walk_now->data, kmod_module_get_name(m), rc ? NULL : &opts))
		walk_now->vetoed = true;
}

int modload_probe(struct modload *ml, const char *name, bool dry_run,
		  bool (*step)(void *data, const char *module, const struct cmdline *options),
		  void *data)
{
	struct probe_walk w = { .step = step, .data = data };
	struct kmod_module *mod = NULL;
	int rc, flags = KMOD_PROBE_IGNORE_COMMAND;

	load_why[0] = '\0';
	rc = kmod_module_new_from_name(ml->ctx, name, &mod);
	if (rc < 0)
		return rc;
	/* First a dry run: the whole list is vetted before anything loads. */
	walk_now = &w;
	rc = kmod_module_probe_insert_module(mod, flags | KMOD_PROBE_DRY_RUN | KMOD_PROBE_IGNORE_LOADED,
					     NULL, NULL, NULL, probe_step);
	walk_now = NULL;
	if (rc >= 0 && w.vetoed)
		rc = -EPERM;
	if (rc >= 0 && !dry_run && !machine_may_act())
		rc = -EPERM;
	if (rc >= 0 && !dry_run)
		rc = kmod_module_probe_insert_module(mod, flags, NULL, NULL, NULL, NULL);
	kmod_module_unref(mod);
	return rc > 0 ? -EIO : rc;
}

void modload_close(struct modload *ml)
{
	if (!ml)
		return;
	kmod_unref(ml->ctx);
	free(ml);
}

const char *modload_version(void)
{
	return LIBKMOD_VERSION;
}
