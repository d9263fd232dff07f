/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hex.h - hex arguments and output of the tests/tpm command-line programs.
 */
#ifndef GPUGATE_TESTS_TPM_HEX_H
#define GPUGATE_TESTS_TPM_HEX_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Decode @hex into at most @max bytes of @out. The byte count, or -1. */
static int unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex);
	unsigned int v;

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}

/* Print @n bytes of @p in lowercase hex and a newline. */
static void puthex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
	printf("\n");
}

#endif
