// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modload_decompress.c - drives modload.c's user-space decompression and
 * its decision for tests/modload/test-decompress.py; built static with musl
 * against the same libraries as gpugate.
 *
 *   modload_decompress unpack FORMAT MAX <in >out
 *       exit 0 with the image on stdout, or exit 1 with "-ERRNO why" on
 *       stderr and nothing on stdout
 *   modload_decompress decide FORMAT KERNEL|- ERRNO
 *       prints "user" or "kernel"
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modload.h"

static int unpack(const char *format, const char *max)
{
	size_t cap = 1 << 16, n = 0, len;
	unsigned char *in = malloc(cap);
	void *image;
	char why[256];
	ssize_t got;
	int rc;

	if (!in)
		return 2;
	while ((got = read(0, in + n, cap - n)) > 0) {
		n += (size_t)got;
		if (n == cap && !(in = realloc(in, cap *= 2)))
			return 2;
	}
	if (got < 0)
		return 2;
	rc = modload_decompress(format, in, n, strtoull(max, NULL, 0), &image, &len, why, sizeof(why));
	free(in);
	if (rc) {
		fprintf(stderr, "%d %s\n", rc, why);
		return image ? 3 : 1;
	}
	if (fwrite(image, 1, len, stdout) != len)
		return 2;
	free(image);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "unpack"))
		return unpack(argv[2], argv[3]);
	if (argc == 5 && !strcmp(argv[1], "decide")) {
		const char *kernel = strcmp(argv[3], "-") ? argv[3] : NULL;

		puts(modload_decompress_here(argv[2], kernel, atoi(argv[4])) ? "user" : "kernel");
		return 0;
	}
	fprintf(stderr, "usage: modload_decompress unpack FORMAT MAX | decide FORMAT KERNEL|- ERRNO\n");
	return 2;
}
