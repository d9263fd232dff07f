// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flags.c - named flag bits as policy words (flags.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flags.h"

const char *flag_names(const struct flag_name *t, size_t n, unsigned int bits, char *buf,
		       size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (!(bits & t[i].bit))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
					 used ? " " : "", t[i].name);
	}
	if (!used)
		snprintf(buf, len, "none");
	return buf;
}

int flag_find(const struct flag_name *t, size_t n, const char *w, unsigned int *bit)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(w, t[i].name)) {
			*bit = t[i].bit;
			return 0;
		}
	}
	return -EINVAL;
}

int flag_parse(const struct flag_name *t, size_t n, char *val, unsigned int *bits, const char **bad)
{
	unsigned int bit;

	*bits = 0;
	for (char *save = NULL, *w = strtok_r(val, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		if (flag_find(t, n, w, &bit)) {
			*bad = w;
			return -EINVAL;
		}
		*bits |= bit;
	}
	return 0;
}
