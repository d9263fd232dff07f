// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * baseline.c - the baseline as data (docs/baseline.md): its lines, their
 * keys, the lookup index, and the text form `gpugate baseline` writes.
 * Nothing here reads the system: blcollect.c fills a baseline from the
 * host, blfile.c from a file, and blcheck.c compares the two.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "grow.h"

static const char *const kind_names[BL_NKINDS] = { "device", "port", "rom", "peer", "nvidia" };

static const char *const keys[BL_NKINDS][BL_FIELDS + 1] = {
	[BL_DEVICE] = { "vendor", "device", "subvendor", "subdevice", "revision", "class", "link" },
	[BL_PORT] = { "vendor", "device", "revision", "type", "link" },
	[BL_PEER] = { "vendor", "device", "class" },
	[BL_NVIDIA] = { "vendor", "device", "class" },
};

const char *baseline_kind_name(enum bl_kind kind)
{
	return kind_names[kind];
}

const char *baseline_key(enum bl_kind kind, int i)
{
	return i >= 0 && i < BL_FIELDS ? keys[kind][i] : NULL;
}

struct bl_entry *baseline_add(struct baseline *b, enum bl_kind kind, const char *bdf,
			      const char *port)
{
	struct bl_entry *e = grow_one(&b->e, &b->n, &b->cap, sizeof(*e), 64);

	if (!e)
		return NULL;
	e->kind = kind;
	snprintf(e->bdf, sizeof(e->bdf), "%s", bdf);
	snprintf(e->port, sizeof(e->port), "%s", port ? port : "");
	return e;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct bl_entry *x = *(const struct bl_entry *const *)a;
	const struct bl_entry *y = *(const struct bl_entry *const *)b;
	int c;

	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	c = strcmp(x->bdf, y->bdf);
	return c ? c : strcmp(x->port, y->port);
}

int baseline_index(struct baseline *b, const struct bl_entry *dup[2])
{
	free(b->sorted);
	b->sorted = malloc(((size_t)b->n + 1) * sizeof(*b->sorted));
	if (!b->sorted)
		return -ENOMEM;
	for (int i = 0; i < b->n; i++)
		b->sorted[i] = &b->e[i];
	qsort(b->sorted, (size_t)b->n, sizeof(*b->sorted), entry_cmp);
	for (int i = 1; i < b->n; i++) {
		if (entry_cmp(&b->sorted[i - 1], &b->sorted[i]))
			continue;
		bool later = b->sorted[i - 1]->line > b->sorted[i]->line;

		dup[0] = b->sorted[i - 1 + later];
		dup[1] = b->sorted[i - later];
		return -EEXIST;
	}
	return 0;
}

const struct bl_entry *baseline_find(const struct baseline *b, const struct bl_entry *key)
{
	struct bl_entry *const *hit;

	if (!b->sorted)
		return NULL;
	hit = bsearch(&key, b->sorted, (size_t)b->n, sizeof(*b->sorted), entry_cmp);
	return hit ? *hit : NULL;
}

void baseline_free(struct baseline *b)
{
	free(b->e);
	free(b->sorted);
	memset(b, 0, sizeof(*b));
}

/* ---- writing ---------------------------------------------------------- */

static void write_entry(FILE *out, const struct bl_entry *e)
{
	char rom[160];

	fprintf(out, "%s %s", kind_names[e->kind], e->bdf);
	if (e->kind == BL_PORT)
		fprintf(out, " %s", e->port);
	if (e->kind == BL_ROM) {
		rom_format(&e->rom, rom, sizeof(rom));
		fprintf(out, " %s\n", rom);
		return;
	}
	for (int i = 0; keys[e->kind][i]; i++)
		fprintf(out, " %s=%s", keys[e->kind][i], e->val[i]);
	fputc('\n', out);
}

void baseline_write(FILE *out, const struct baseline *b)
{
	fprintf(out, "# gpugate baseline, format 1 (docs/baseline.md)\n");
	fprintf(out, "# taken by gpugate %s on kernel %s\n", GPUGATE_VERSION,
		b->kernel[0] ? b->kernel : "unknown");
	for (int i = 0; i < b->n; i++)
		write_entry(out, &b->e[i]);
}
