// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blcheck.c - baseline.topology and baseline.rom: does the host still look
 * like the baseline pinned with [baseline] file?
 *
 * Both compare what the model holds (m->bl, baseline.h): the file and the
 * host's side that model_build() collected for each check, the topology
 * without ROMs for the one, the ROMs without topology for the other. They
 * read nothing themselves. Every difference is one finding naming what differs. A file
 * that cannot be read or parsed, or a host side that cannot be read, is
 * undetermined: a baseline that cannot be compared never passes.
 */
#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "checks.h"

#define FIX_NEW "fix: if the change is intended, review it and take a new baseline (gpugate baseline -o FILE)"

/* A finding of @id about the function (and port) of @e. */
static struct finding *finding_for(struct ctx *c, const char *id, const struct bl_entry *e,
				   enum status st)
{
	struct finding *f = check_add(c, id, NULL, NULL, st);

	snprintf(f->device, sizeof(f->device), "%s", e->bdf);
	snprintf(f->port, sizeof(f->port), "%s", e->port);
	return f;
}

/*
 * The file's baseline (@want) and the host's side the model collected for
 * @what (@have). Returns false after adding an undetermined finding. (The
 * check table skips both checks when no baseline is configured.)
 */
static bool baseline_pair(struct ctx *c, const char *id, int what, const struct baseline **want,
			  const struct baseline **have)
{
	const struct bl_model *bl = c->m->bl;
	const char *file = c->p->baseline_file;
	const struct bl_side *side = NULL;
	char why[640];
	struct finding *f;

	if (bl)
		side = what == BL_TOPOLOGY ? &bl->topology : &bl->roms;
	if (!bl || !bl->file.taken) {
		snprintf(why, sizeof(why), "cannot use the baseline: %s: not loaded (out of memory)",
			 file);
	} else if (bl->file.rc) {
		snprintf(why, sizeof(why), "cannot use the baseline: %s", bl->file.err);
	} else if (!side->taken || side->rc) {
		snprintf(why, sizeof(why), "cannot read what the baseline pins: %s",
			 side->taken ? side->err : "not collected");
	} else {
		*want = &bl->file.b;
		*have = &side->b;
		return true;
	}
	f = check_add(c, id, NULL, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "match %s", file);
	finding_unknown(f, why);
	return false;
}

/* "protected function 0000:17:00.0 (10de:2330)" and the like. */
static void describe(const struct bl_entry *e, char *buf, size_t len)
{
	const char *v = e->val[0], *d = e->val[1];

	if (e->kind == BL_DEVICE)
		snprintf(buf, len, "protected function %s (%s:%s)", e->bdf, v, d);
	else if (e->kind == BL_PORT)
		snprintf(buf, len, "port %s (%s:%s) on the path of %s", e->port, v, d, e->bdf);
	else if (e->kind == BL_PEER)
		snprintf(buf, len, "function %s (%s:%s, class %s) under a protected root bus", e->bdf,
			 v, d, e->val[2]);
	else
		snprintf(buf, len, "NVIDIA function %s (%s:%s, class %s)", e->bdf, v, d, e->val[2]);
}

static int topo_missing(struct ctx *c, const struct bl_entry *w)
{
	struct finding *f = finding_for(c, "baseline.topology", w, ST_FAIL);
	char what[128];

	describe(w, what, sizeof(what));
	snprintf(f->expected, sizeof(f->expected), "%s %s%s%s present", baseline_kind_name(w->kind),
		 w->bdf, w->port[0] ? " " : "", w->port);
	snprintf(f->actual, sizeof(f->actual), "absent");
	finding_msg(f, "missing: %s, in the baseline at %s:%d, is gone; fix: find out why (failed, moved or removed card, firmware change); if intended, take a new baseline",
		    what, c->p->baseline_file, w->line);
	return 1;
}

static int topo_added(struct ctx *c, const struct bl_entry *h)
{
	struct finding *f = finding_for(c, "baseline.topology", h, ST_FAIL);
	char what[128];

	describe(h, what, sizeof(what));
	snprintf(f->expected, sizeof(f->expected), "no %s %s%s%s", baseline_kind_name(h->kind),
		 h->bdf, h->port[0] ? " " : "", h->port);
	snprintf(f->actual, sizeof(f->actual), "present");
	finding_msg(f, "added: %s is not in the baseline %s; " FIX_NEW, what,
		    c->p->baseline_file);
	return 1;
}

/* One finding per field of @w that @h has changed. */
static int topo_changed(struct ctx *c, const struct bl_entry *w, const struct bl_entry *h)
{
	char what[128];
	int n = 0;

	describe(w, what, sizeof(what));
	for (int i = 0; baseline_key(w->kind, i); i++) {
		const char *key = baseline_key(w->kind, i);
		struct finding *f;

		if (!strcmp(w->val[i], h->val[i]))
			continue;
		n++;
		f = finding_for(c, "baseline.topology", h, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "%s=%s", key, w->val[i]);
		snprintf(f->actual, sizeof(f->actual), "%s=%s", key, h->val[i]);
		finding_msg(f, "changed: %s: %s %s -> %s since the baseline (%s:%d); " FIX_NEW, what,
			    key, w->val[i], h->val[i], c->p->baseline_file, w->line);
	}
	return n;
}

void check_baseline_topology(struct ctx *c)
{
	const char *id = "baseline.topology";
	const struct baseline *want, *have;
	struct finding *f;
	int diffs = 0, lines = 0;

	if (!baseline_pair(c, id, BL_TOPOLOGY, &want, &have))
		return;
	for (int i = 0; i < want->n; i++) {
		const struct bl_entry *w = &want->e[i], *h = baseline_find(have, w);

		if (w->kind == BL_ROM)
			continue;
		lines++;
		diffs += h ? topo_changed(c, w, h) : topo_missing(c, w);
	}
	for (int i = 0; i < have->n; i++)
		if (have->e[i].kind != BL_ROM && !baseline_find(want, &have->e[i]))
			diffs += topo_added(c, &have->e[i]);
	if (!diffs) {
		f = check_add(c, id, NULL, NULL, ST_PASS);
		snprintf(f->expected, sizeof(f->expected), "match %s", c->p->baseline_file);
		snprintf(f->actual, sizeof(f->actual), "%d lines match", lines);
		finding_msg(f, "functions, IDs, paths and links match the baseline %s (%d lines)",
			    c->p->baseline_file, lines);
	}
}

/* The message of a ROM that could be compared (hashed or absent). */
static void rom_verdict(struct ctx *c, struct finding *f, const struct bl_entry *w,
			const struct bl_entry *h)
{
	if (w->rom.state == h->rom.state &&
	    (h->rom.state == ROM_NONE || !strcmp(w->rom.sha256, h->rom.sha256))) {
		f->status = ST_PASS;
		finding_msg(f, "%s", h->rom.state == ROM_NONE ? "no ROM, as in the baseline"
							      : "ROM image matches the baseline");
	} else if (w->rom.state == ROM_HASH && h->rom.state == ROM_HASH) {
		finding_msg(f, "ROM of %s changed since the baseline (%s:%d): the firmware image is not the one reviewed; fix: find out who flashed it; if intended, take a new baseline",
			    h->bdf, c->p->baseline_file, w->line);
	} else {
		finding_msg(f, "ROM of %s is %s now, not as in the baseline (%s:%d); " FIX_NEW,
			    h->bdf, f->actual, c->p->baseline_file, w->line);
	}
}

static void rom_compare(struct ctx *c, const struct bl_entry *w, const struct bl_entry *h)
{
	struct finding *f = finding_for(c, "baseline.rom", h, ST_FAIL);
	char why[200];

	rom_format(&w->rom, f->expected, sizeof(f->expected));
	rom_format(&h->rom, f->actual, sizeof(f->actual));
	switch (h->rom.state) {
	case ROM_UNREADABLE:
		snprintf(why, sizeof(why), "cannot read the ROM of %s: %s", h->bdf, h->rom.why);
		finding_unknown(f, why);
		break;
	case ROM_SHADOW:
		finding_msg(f, "%s is the boot VGA device: the kernel serves the shadow copy of its ROM, so the ROM on the card cannot be verified; fix: make another adapter the boot display in the firmware setup",
			    h->bdf);
		break;
	case ROM_SKIPPED:
		finding_msg(f, "ROM of %s not read: the function is bound to %s, not %s; fix: gpugate enforce binds it first",
			    h->bdf, h->rom.why, c->p->driver);
		break;
	case ROM_BUSY:
		/* Not unknown by accident: left alone on purpose; the gate checks it at boot. */
		f->status = ST_WARN;
		finding_msg(f, "ROM of %s not read: the function is in use (sysfs enable is not 0) and enabling its ROM BAR could disturb the guest; the boot gate verifies it while idle",
			    h->bdf);
		break;
	default:
		rom_verdict(c, f, w, h);
		break;
	}
}

static void rom_unpaired(struct ctx *c, const struct bl_entry *e, bool in_baseline)
{
	struct finding *f = finding_for(c, "baseline.rom", e, ST_FAIL);

	if (in_baseline) {
		rom_format(&e->rom, f->expected, sizeof(f->expected));
		snprintf(f->actual, sizeof(f->actual), "not a protected function");
		finding_msg(f, "the baseline (%s:%d) pins the ROM of %s, which is gone or no longer protected; " FIX_NEW,
			    c->p->baseline_file, e->line, e->bdf);
		return;
	}
	snprintf(f->expected, sizeof(f->expected), "a rom line for %s", e->bdf);
	rom_format(&e->rom, f->actual, sizeof(f->actual));
	finding_msg(f, "protected function %s has no ROM line in the baseline %s; " FIX_NEW, e->bdf,
		    c->p->baseline_file);
}

void check_baseline_rom(struct ctx *c)
{
	const char *id = "baseline.rom";
	const struct baseline *want, *have;
	int roms = 0;

	if (!baseline_pair(c, id, BL_ROMS, &want, &have))
		return;
	for (int i = 0; i < want->n; i++) {
		const struct bl_entry *w = &want->e[i], *h = baseline_find(have, w);

		if (w->kind != BL_ROM)
			continue;
		roms++;
		if (h)
			rom_compare(c, w, h);
		else
			rom_unpaired(c, w, true);
	}
	for (int i = 0; i < have->n; i++, roms++)
		if (!baseline_find(want, &have->e[i]))
			rom_unpaired(c, &have->e[i], false);
	if (!roms)
		finding_msg(check_add(c, id, NULL, NULL, ST_PASS),
			    "no protected function and no ROM in the baseline %s", c->p->baseline_file);
}
