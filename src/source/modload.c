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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <libkmod.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

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
 * plain file and calls finit_module() on its descriptor; this one decides
 * who decompresses it:
 *
 * - the kernel, by default: finit_module() with MODULE_INIT_COMPRESSED_FILE
 *   (CONFIG_MODULE_DECOMPRESS, Linux 5.17+);
 * - gpugate itself, with liblzma, libzstd or zlib, when the kernel cannot:
 *   its /sys/module/compression (kernel/module/decompress.c, 5.17+, with
 *   CONFIG_MODULE_DECOMPRESS and sysfs) names another format, or, where
 *   that file is absent, finit_module() refused the flag: EINVAL below
 *   5.17 (an unknown flag), EOPNOTSUPP without CONFIG_MODULE_DECOMPRESS
 *   (the kernel's module_decompress() then returns it), ENOSYS without
 *   finit_module(). The whole image is then handed to init_module().
 *
 * Either way the kernel checks the signature: distributions sign the .ko,
 * then compress it, so the signature is inside the payload, and
 * load_module() checks it on the decompressed image for both system calls.
 * A corrupt or truncated file, a decompression error or an image over
 * MODULE_IMAGE_MAX loads nothing: the reason is kept for
 * modload_load_error().
 *
 * The flag's value is the kernel's, include/uapi/linux/module.h (musl
 * ships no kernel headers).
 */
#define MODULE_INIT_COMPRESSED_FILE 4

/*
 * The most a module file or its decompressed image may take. The largest
 * module of Debian 12's 6.12 kernel, amdgpu, is 29,305,335 bytes
 * decompressed (`xz -dc amdgpu.ko.xz | wc -c`).
 */
#define MODULE_IMAGE_MAX ((size_t)256 << 20)

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

bool modload_decompress_here(const char *format, const char *kernel, int err)
{
	if (kernel)
		return strcmp(kernel, format) != 0;
	return err == EOPNOTSUPP || err == EINVAL || err == ENOSYS;
}

/* A buffer that doubles up to @max bytes: 0, or -EFBIG past @max. */
static int grow(unsigned char **buf, size_t *size, size_t max)
{
	size_t want = *size < max / 2 ? *size * 2 : max;
	unsigned char *p;

	if (*size >= max)
		return -EFBIG;
	p = realloc(*buf, want);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*size = want;
	return 0;
}

static int unxz(const unsigned char *in, size_t inlen, unsigned char **out, size_t *size,
		size_t *outlen, size_t max, char *why, size_t whylen)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret r;
	int rc = 0;

	/* 64 MiB of decoder memory: kernels use 1-2 MiB dictionaries. */
	r = lzma_stream_decoder(&s, 64u << 20, LZMA_CONCATENATED);
	if (r != LZMA_OK)
		return r == LZMA_MEM_ERROR ? -ENOMEM : -EIO;
	s.next_in = in;
	s.avail_in = inlen;
	do {
		if (s.total_out == *size && (rc = grow(out, size, max)))
			break;
		s.next_out = *out + s.total_out;
		s.avail_out = *size - s.total_out;
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK);
	if (!rc && r != LZMA_STREAM_END) {
		rc = r == LZMA_MEM_ERROR || r == LZMA_MEMLIMIT_ERROR ? -ENOMEM : -EBADMSG;
		snprintf(why, whylen, "liblzma error %d%s", (int)r,
			 r == LZMA_BUF_ERROR ? " (truncated)" : r == LZMA_DATA_ERROR ? " (corrupt data)" :
			 r == LZMA_FORMAT_ERROR ? " (not .xz)" : "");
	}
	*outlen = s.total_out;
	lzma_end(&s);
	return rc;
}

static int unzstd(const unsigned char *in, size_t inlen, unsigned char **out, size_t *size,
		  size_t *outlen, size_t max, char *why, size_t whylen)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, inlen, 0 };
	ZSTD_outBuffer ob = { NULL, 0, 0 };
	size_t r = 1;
	int rc = 0;

	if (!d)
		return -ENOMEM;
	/* Until the last frame ends (r == 0) with all input read. */
	while (r != 0 || ib.pos < ib.size) {
		if (ob.pos == *size && (rc = grow(out, size, max)))
			break;
		ob.dst = *out;
		ob.size = *size;
		r = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(r)) {
			rc = -EBADMSG;
			snprintf(why, whylen, "libzstd error %d (corrupt data)", (int)ZSTD_getErrorCode(r));
			break;
		}
		if (r != 0 && ib.pos == ib.size && ob.pos < ob.size) {
			rc = -EBADMSG;
			snprintf(why, whylen, "libzstd: the data ends inside a frame (truncated)");
			break;
		}
	}
	*outlen = ob.pos;
	ZSTD_freeDCtx(d);
	return rc;
}

static int gunzip(const unsigned char *in, size_t inlen, unsigned char **out, size_t *size,
		  size_t *outlen, size_t max, char *why, size_t whylen)
{
	z_stream z = { 0 };
	int r, rc = 0;

	if (inlen > UINT_MAX)
		return -EFBIG;
	/* 16 + 15: a gzip member, its CRC-32 and length checked. */
	if (inflateInit2(&z, 16 + 15) != Z_OK)
		return -ENOMEM;
	z.next_in = (unsigned char *)in;
	z.avail_in = (unsigned int)inlen;
	do {
		if (z.total_out == *size && (rc = grow(out, size, max)))
			break;
		z.next_out = *out + z.total_out;
		z.avail_out = (unsigned int)(*size - z.total_out > UINT_MAX ? UINT_MAX : *size - z.total_out);
		r = inflate(&z, Z_NO_FLUSH);
	} while (r == Z_OK || (r == Z_BUF_ERROR && z.avail_out == 0));
	if (!rc && (r != Z_STREAM_END || z.avail_in)) {
		rc = r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
		snprintf(why, whylen, "zlib error %d%s", r,
			 r == Z_BUF_ERROR ? " (truncated)" : r == Z_STREAM_END ? " (data after the gzip member)" :
			 " (corrupt data)");
	}
	*outlen = z.total_out;
	inflateEnd(&z);
	return rc;
}

int modload_decompress(const char *format, const void *in, size_t inlen, size_t max,
		       void **image, size_t *len, char *why, size_t whylen)
{
	size_t size = inlen < max / 4 ? inlen * 4 : max;
	unsigned char *out;
	int rc;

	*image = NULL;
	*len = 0;
	snprintf(why, whylen, "%s", strerror(ENOMEM));
	if (size < 4096)
		size = max < 4096 ? max : 4096;
	out = malloc(size);
	if (!out)
		return -ENOMEM;
	if (!strcmp(format, "xz"))
		rc = unxz(in, inlen, &out, &size, len, max, why, whylen);
	else if (!strcmp(format, "zstd"))
		rc = unzstd(in, inlen, &out, &size, len, max, why, whylen);
	else if (!strcmp(format, "gzip"))
		rc = gunzip(in, inlen, &out, &size, len, max, why, whylen);
	else
		rc = -EPROTONOSUPPORT;
	if (rc == -EFBIG)
		snprintf(why, whylen, "it decompresses to more than %zu bytes", max);
	else if (rc == -EPROTONOSUPPORT)
		snprintf(why, whylen, "no decompressor for %s", format);
	if (rc) {
		free(out);
		*len = 0;
		return rc;
	}
	*image = out;
	return 0;
}

/* The whole file behind @fd, at most @max bytes: 0 or -errno. */
static int read_module(int fd, size_t max, unsigned char **buf, size_t *len)
{
	struct stat st;
	unsigned char *p;
	size_t n = 0;
	ssize_t got;

	if (fstat(fd, &st))
		return -errno;
	if (st.st_size < 0 || (unsigned long long)st.st_size > max)
		return -EFBIG;
	p = malloc((size_t)st.st_size + 1);
	if (!p)
		return -ENOMEM;
	/* one byte more than fstat said: a file that grew is refused */
	while ((got = pread(fd, p + n, (size_t)st.st_size + 1 - n, (off_t)n)) > 0)
		n += (size_t)got;
	if (got < 0 || n != (size_t)st.st_size) {
		int err = got < 0 ? errno : EIO;

		free(p);
		return -err;
	}
	*buf = p;
	*len = n;
	return 0;
}

/*
 * Decompress the module behind @fd in user space and init_module() it.
 * Returns 0, or -1 with errno set and load_why written.
 */
static int load_decompressed(int fd, const struct compression *c, const char *uargs)
{
	unsigned char *file = NULL;
	void *image = NULL;
	size_t flen = 0, ilen = 0;
	char why[160];
	int rc, err;

	rc = read_module(fd, MODULE_IMAGE_MAX, &file, &flen);
	if (rc) {
		snprintf(load_why, sizeof(load_why), "cannot read the %s module to decompress it: %s; nothing was loaded",
			 c->name, strerror(-rc));
		errno = -rc;
		return -1;
	}
	rc = modload_decompress(c->name, file, flen, MODULE_IMAGE_MAX, &image, &ilen, why, sizeof(why));
	free(file);
	if (rc) {
		snprintf(load_why, sizeof(load_why),
			 "gpugate cannot decompress this %s module (the kernel cannot either): %s; nothing was loaded",
			 c->name, why);
		errno = -rc;
		return -1;
	}
	rc = (int)syscall(SYS_init_module, image, (unsigned long)ilen, uargs);
	err = errno;
	free(image);
	if (!rc)
		return 0;
	if (err == EPERM || err == EKEYREJECTED)
		snprintf(
		    load_why, sizeof(load_why),
		    "the kernel refused the module decompressed by gpugate: %s (under lockdown or module.sig_enforce=1 a module needs a valid signature)",
		    strerror(err));
	else
		snprintf(load_why, sizeof(load_why), "the kernel refused the %s module decompressed by gpugate: %s",
			 c->name, strerror(err));
	errno = err;
	return -1;
}

/* Keep why the kernel refused a module file (@err: its errno). */
static void note_refusal(int err)
{
	if (err == EPERM || err == EKEYREJECTED)
		snprintf(
		    load_why, sizeof(load_why),
		    "the kernel refused the module: %s (under lockdown or module.sig_enforce=1 a module needs a valid signature)",
		    strerror(err));
}

/* libkmod's module loader (see above). Returns 0, or -1 with errno set. */
int finit_module(int fd, const char *uargs, int flags)
{
	const struct compression *c = module_compression(fd);
	char kernel[32];
	const char *known = NULL;
	long rc;
	int err;

	if (!machine_may_act()) {
		errno = EPERM;
		return -1;
	}
	if (c) {
		/* /sys/module/compression names the one format it decompresses. */
		if (!sysroot_read_line("/sys/module/compression", kernel, sizeof(kernel)) && *kernel)
			known = kernel;
		if (modload_decompress_here(c->name, known, 0))
			return load_decompressed(fd, c, uargs);
		flags |= MODULE_INIT_COMPRESSED_FILE;
	}
	rc = syscall(SYS_finit_module, fd, uargs, flags);
	if (!rc)
		return 0;
	err = errno;
	if (c && modload_decompress_here(c->name, known, err))
		return load_decompressed(fd, c, uargs);
	note_refusal(err);
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
