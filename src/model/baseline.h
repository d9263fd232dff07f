/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * baseline.h - the pinned picture of a host's GPUs (docs/baseline.md): the
 * protected functions and their IDs, the ports on their paths to the root
 * complex, their expansion ROM hashes, every other function under the same
 * root buses, and every other NVIDIA function.
 *
 *   baseline.c    the lines, their keys and index, the text form
 *   blcollect.c   collected from the host (the model, sysfs, rom.c)
 *   blfile.c      read back from the [baseline] file
 *
 * When the policy has a [baseline] file, model_build() loads it and
 * collects the host's side into the model (struct bl_model); blcheck.c
 * compares the two without reading anything.
 */
#ifndef GPUGATE_BASELINE_H
#define GPUGATE_BASELINE_H

#include <stdio.h>

#include "gpugate.h"
#include "rom.h"

enum bl_kind { BL_DEVICE, BL_PORT, BL_ROM, BL_PEER, BL_NVIDIA, BL_NKINDS };

#define BL_FIELDS 7
#define BL_VALUE_LEN 32

/* One line of a baseline. */
struct bl_entry {
	enum bl_kind kind;
	char bdf[BDF_LEN];		      /* the function the line is about */
	char port[BDF_LEN];		      /* BL_PORT: the port; else "" */
	char val[BL_FIELDS][BL_VALUE_LEN];    /* in baseline_key() order */
	struct rom_info rom;		      /* BL_ROM */
	int line;			      /* line in the file, 0 if collected */
};

struct baseline {
	struct bl_entry *e; /* in file (or output) order */
	int n, cap;
	struct bl_entry **sorted; /* by kind, bdf, port: for baseline_find */
	char kernel[128];
};

/* A baseline with how taking it went. */
struct bl_side {
	struct baseline b;
	bool taken;    /* loaded or collected (the fixture may set it by hand) */
	int rc;	       /* 0, or -errno with the reason in err */
	char err[512];
};

/*
 * What the baseline checks compare: the [baseline] file and, only when it
 * loaded, the host's side collected as each check needs it (topology
 * without ROMs, ROMs without topology).
 */
struct bl_model {
	struct bl_side file, topology, roms;
};

/* What baseline_collect takes. */
#define BL_TOPOLOGY 1
#define BL_ROMS 2

/*
 * Collect @m's baseline into @b: with BL_TOPOLOGY every line but the ROMs,
 * with BL_ROMS the ROM of each protected function (rom.c: on a live system
 * this WRITES the rom attributes). Reads config space of the path ports.
 * Returns 0, or -errno with "BDF: reason" in @err when something a line
 * needs cannot be read.
 */
int baseline_collect(struct baseline *b, struct model *m, const struct policy *p, int what,
		     char *err, size_t errlen);

/*
 * model_build(): when @p has a [baseline] file and the model is of the
 * live host (or a --root tree), load the file into a new m->bl and, when it
 * loaded, collect the host's topology and ROMs (each as baseline_collect()
 * with BL_TOPOLOGY, then BL_ROMS). m->bl stays NULL otherwise, or when out
 * of memory.
 */
void baseline_model_collect(struct model *m, const struct policy *p);

/* Collect @what into @s (taken, rc and err set). Returns s->rc. */
int baseline_side_collect(struct bl_side *s, struct model *m, const struct policy *p, int what);

/* Free m->bl. */
void baseline_model_free(struct model *m);

/* Write @b as text: a header comment, then its lines in order. */
void baseline_write(FILE *out, const struct baseline *b);

/*
 * Read the baseline file @path (a path of the real system, not under
 * --root) into @b. Returns 0, or -errno with "path:line: reason" (or
 * "path: reason") in @err for an unreadable or malformed file.
 */
int baseline_load(struct baseline *b, const char *path, char *err, size_t errlen);

/* Parse @text (named @file in messages). Same returns as baseline_load. */
int baseline_parse(struct baseline *b, const char *file, const char *text, char *err,
		   size_t errlen);

/* Append an entry to @b; returns it zeroed but for these fields, or NULL. */
struct bl_entry *baseline_add(struct baseline *b, enum bl_kind kind, const char *bdf,
			      const char *port);

/*
 * Build @b's lookup index. Returns 0, -ENOMEM, or -EEXIST when two entries
 * share kind, bdf and port (then dup[0] is the earlier, dup[1] the later).
 */
int baseline_index(struct baseline *b, const struct bl_entry *dup[2]);

/* The entry of @b with @key's kind, bdf and port, or NULL (needs the index). */
const struct bl_entry *baseline_find(const struct baseline *b, const struct bl_entry *key);

/* The name of field @i of @kind, NULL past the last. */
const char *baseline_key(enum bl_kind kind, int i);

/* "device", "port", "rom", "peer", "nvidia". */
const char *baseline_kind_name(enum bl_kind kind);

void baseline_free(struct baseline *b);

#endif
