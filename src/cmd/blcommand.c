// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blcommand.c - `gpugate baseline`: collect the host's baseline
 * (blcollect.c) and write it as text (docs/baseline.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "blcommand.h"
#include "model.h"

/* Say on stderr which ROMs a comparison will not be able to verify. */
static void warn_roms(const struct baseline *b)
{
	char rom[160];

	for (int i = 0; i < b->n; i++) {
		const struct bl_entry *e = &b->e[i];

		if (e->kind != BL_ROM || e->rom.state == ROM_HASH || e->rom.state == ROM_NONE)
			continue;
		rom_format(&e->rom, rom, sizeof(rom));
		fprintf(stderr, "gpugate: warning: ROM of %s: %s: baseline.rom will fail for it\n",
			e->bdf, rom);
	}
}

/* Write @b to @path through PATH.tmp and rename(2), or to stdout. */
static int write_out(const struct baseline *b, const char *path)
{
	char tmp[4096];
	FILE *f = stdout;
	int rc = 0;

	if (path) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		f = fopen(tmp, "w");
		if (!f)
			rc = -errno;
	}
	if (f) {
		baseline_write(f, b);
		if (fflush(f) || ferror(f))
			rc = -EIO;
		if (path && fclose(f) && !rc)
			rc = -EIO;
		if (path && !rc && rename(tmp, path))
			rc = -errno;
		if (path && rc)
			unlink(tmp);
	}
	if (rc)
		fprintf(stderr, "gpugate: cannot write the baseline to %s: %s\n",
			path ? path : "stdout", strerror(-rc));
	return rc;
}

int baseline_command(const struct policy *p, const char *out_path)
{
	struct baseline b = { 0 };
	struct policy plain = *p;
	struct model m;
	char err[512];
	int rc;

	plain.baseline_file[0] = '\0'; /* collected once, below, not by the model too */
	rc = model_build_or_say(&m, &plain);

	if (!rc) {
		rc = baseline_collect(&b, &m, p, BL_TOPOLOGY | BL_ROMS, err, sizeof(err));
		if (rc)
			fprintf(stderr, "gpugate: cannot take a baseline: %s\n", err);
		else
			warn_roms(&b);
		if (!rc)
			rc = write_out(&b, out_path);
	}
	baseline_free(&b);
	model_free(&m);
	return rc;
}
