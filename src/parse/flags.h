/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flags.h - sets of named flag bits as policy words: "SV TB RR" for ACS
 * control bits, "IB URR" for ACS Enhanced controls. A table maps each name
 * to its bit; these functions format a set, find a name and parse a list.
 * Pure functions of their arguments.
 */
#ifndef GPUGATE_FLAGS_H
#define GPUGATE_FLAGS_H

#include <stddef.h>

struct flag_name {
	const char *name;
	unsigned int bit;
};

/* The names of the bits of @bits in table @t of @n, in table order, space-separated, into @buf; "none" when none. */
const char *flag_names(const struct flag_name *t, size_t n, unsigned int bits, char *buf,
		       size_t len);

/* The bit named @w (exact, case-sensitive) into @bit: 0, or -EINVAL. */
int flag_find(const struct flag_name *t, size_t n, const char *w, unsigned int *bit);

/*
 * Parse the words of @val (split in place at spaces and tabs) as names of
 * @t into @bits. Returns 0, or -EINVAL with the first unknown word in @bad.
 */
int flag_parse(const struct flag_name *t, size_t n, char *val, unsigned int *bits,
	       const char **bad);

#endif
