/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdline.h - the kernel command line, split the way the kernel splits it
 * (kernel/params.c next_arg(), parameq()). Pure: no I/O.
 */
#ifndef GPUGATE_CMDLINE_H
#define GPUGATE_CMDLINE_H

#include <stdbool.h>

#define CMDLINE_MAX_PARAMS 256

struct cmdline_param {
	char *name;  /* '-' folded to '_', as parameq() compares */
	char *value; /* NULL for a bare word, "" for "name=" */
};

struct cmdline {
	char buf[4096];
	struct cmdline_param params[CMDLINE_MAX_PARAMS];
	int nparams;
};

/*
 * Split @text into @cl. Arguments after a lone "--" belong to init and are
 * dropped, as the kernel does. Returns 0, or -E2BIG when the line does not
 * fit (the caller must treat the line as unknown).
 */
int cmdline_parse(struct cmdline *cl, const char *text);

/* The value of the last occurrence of @name, NULL if absent or bare. */
const char *cmdline_last(const struct cmdline *cl, const char *name);

/* True when @name occurs at all, with or without a value. */
bool cmdline_has(const struct cmdline *cl, const char *name);

/*
 * True when any occurrence of @name carries @item in its comma-separated
 * value (pci=realloc,noats has "noats"). The kernel applies every
 * occurrence of such a parameter in order.
 */
bool cmdline_has_item(const struct cmdline *cl, const char *name, const char *item);

/*
 * Walk the items of every occurrence of @name in order and return the index
 * in @items[] of the last one that appears, or -1. This is how "last one
 * wins" is decided for parameters such as intel_iommu=on,...,off.
 */
int cmdline_last_of(const struct cmdline *cl, const char *name, const char *const *items,
		    int nitems);

/*
 * Parse a boolean the way the kernel's kstrtobool() does. Returns 1, 0, or
 * -1 when @s is not a boolean.
 */
int cmdline_bool(const char *s);

/* Compare parameter names the way parameq() does ('-' equals '_'). */
bool cmdline_name_eq(const char *a, const char *b);

#endif
