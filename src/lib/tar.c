// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tar.c - write ustar archives (POSIX.1-1988 header layout, POSIX.1-2001
 * pax "x" records for long names), byte for byte the same for the same
 * input: no time stamps, no owner names but "root", no modes from disk.
 *
 * A name longer than 100 bytes is split at a '/' into prefix (155) and
 * name (100); when that is impossible, or a link target is longer than
 * 100 bytes, a pax extended header carries "path" or "linkpath" and the
 * ustar fields hold a truncated copy, as POSIX specifies.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tar.h"

#define BLOCK 512

struct ustar {
	char name[100], mode[8], uid[8], gid[8], size[12], mtime[12], chksum[8];
	char typeflag, linkname[100], magic[6], version[2], uname[32], gname[32];
	char devmajor[8], devminor[8], prefix[155], pad[12];
};

_Static_assert(sizeof(struct ustar) == BLOCK, "ustar header is one block");

static int write_all(FILE *out, const void *data, size_t len)
{
	return len && fwrite(data, 1, len, out) != len ? -EIO : 0;
}

/* @len bytes of data, then zeros up to the next block boundary. */
static int write_padded(FILE *out, const void *data, size_t len)
{
	static const char zeros[BLOCK];
	int rc = write_all(out, data, len);

	return rc ? rc : write_all(out, zeros, (BLOCK - len % BLOCK) % BLOCK);
}

/* Split @path into ustar prefix and name; false when it cannot be. */
static bool split_name(struct ustar *h, const char *path)
{
	size_t len = strlen(path);

	if (len <= sizeof(h->name)) {
		memcpy(h->name, path, len);
		return true;
	}
	for (size_t i = len - 1; i > 0; i--) {
		if (path[i] != '/' || i == len - 1 || i > sizeof(h->prefix))
			continue;
		if (len - i - 1 > sizeof(h->name))
			return false; /* further left the name only grows */
		memcpy(h->prefix, path, i);
		memcpy(h->name, path + i + 1, len - i - 1);
		return true;
	}
	return false;
}

/* Append the pax record "LEN key=value\n" to @buf. Returns its length. */
static size_t pax_record(char *buf, size_t cap, const char *key, const char *value)
{
	size_t body = strlen(key) + strlen(value) + 3; /* ' ', '=', '\n' */
	size_t len = body + 1;

	while (len < body + snprintf(NULL, 0, "%zu", len))
		len++;
	return (size_t)snprintf(buf, cap, "%zu %s=%s\n", len, key, value);
}

static void fill_common(struct ustar *h, char type, unsigned int mode, size_t size)
{
	h->typeflag = type;
	snprintf(h->mode, sizeof(h->mode), "%07o", mode);
	snprintf(h->uid, sizeof(h->uid), "%07o", 0);
	snprintf(h->gid, sizeof(h->gid), "%07o", 0);
	snprintf(h->size, sizeof(h->size), "%011llo", (unsigned long long)size);
	snprintf(h->mtime, sizeof(h->mtime), "%011o", 0);
	memcpy(h->magic, "ustar", 6);
	memcpy(h->version, "00", 2);
	snprintf(h->uname, sizeof(h->uname), "root");
	snprintf(h->gname, sizeof(h->gname), "root");
}

static int write_header(FILE *out, struct ustar *h)
{
	unsigned int sum = 0;

	memset(h->chksum, ' ', sizeof(h->chksum));
	for (size_t i = 0; i < BLOCK; i++)
		sum += ((const unsigned char *)h)[i];
	snprintf(h->chksum, sizeof(h->chksum), "%06o", sum);
	h->chksum[7] = ' ';
	return write_all(out, h, BLOCK);
}

/* A pax header for the @path and @target that ustar cannot hold. */
static int write_pax(FILE *out, const char *path, const char *target, bool long_path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char data[8192];
	size_t len = 0;
	struct ustar h = { 0 };
	int rc;

	if (long_path)
		len += pax_record(data, sizeof(data), "path", path);
	if (target && strlen(target) > sizeof(h.linkname))
		len += pax_record(data + len, sizeof(data) - len, "linkpath", target);
	if (len >= sizeof(data))
		return -ENAMETOOLONG;
	snprintf(h.name, sizeof(h.name), "PaxHeader/%.80s", base);
	fill_common(&h, 'x', 0644, len);
	rc = write_header(out, &h);
	return rc ? rc : write_padded(out, data, len);
}

/* Header (and pax header if needed) of one entry. */
static int add_header(FILE *out, const char *path, char type, unsigned int mode, size_t size,
		      const char *target)
{
	struct ustar h = { 0 };
	bool long_path = !split_name(&h, path);
	int rc = 0;

	if (long_path || (target && strlen(target) > sizeof(h.linkname))) {
		rc = write_pax(out, path, target, long_path);
		if (long_path) {
			memset(h.prefix, 0, sizeof(h.prefix));
			memcpy(h.name, path, sizeof(h.name));
		}
	}
	if (target)
		memcpy(h.linkname, target, strnlen(target, sizeof(h.linkname)));
	fill_common(&h, type, mode, size);
	return rc ? rc : write_header(out, &h);
}

int tar_add_dir(FILE *out, const char *path)
{
	char name[4096];

	if ((size_t)snprintf(name, sizeof(name), "%s/", path) >= sizeof(name))
		return -ENAMETOOLONG;
	return add_header(out, name, '5', 0755, 0, NULL);
}

int tar_add_file(FILE *out, const char *path, const void *data, size_t len)
{
	int rc = add_header(out, path, '0', 0644, len, NULL);

	return rc ? rc : write_padded(out, data, len);
}

int tar_add_symlink(FILE *out, const char *path, const char *target)
{
	return add_header(out, path, '2', 0777, 0, target);
}

int tar_finish(FILE *out)
{
	static const char zeros[2 * BLOCK];

	return write_all(out, zeros, sizeof(zeros));
}
