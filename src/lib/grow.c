// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * grow.c - append one zeroed element to a growing array.
 */
#include <stdlib.h>
#include <string.h>

#include "grow.h"

void *grow_one(void *arr, int *n, int *cap, size_t size, int first)
{
	void **p = arr;
	char *e;

	if (*n == *cap) {
		int c = *cap ? *cap * 2 : first;
		void *np = realloc(*p, (size_t)c * size);

		if (!np)
			return NULL;
		*p = np;
		*cap = c;
	}
	e = (char *)*p + (size_t)(*n)++ * size;
	memset(e, 0, size);
	return e;
}
