// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * baseline.c - take a baseline from the model and write it as text.
 *
 * Lines are grouped per protected function (its device line, the ports on
 * its path root first, its ROM), followed by the peers (every other
 * function under a root bus that holds a protected function: what could
 * reach it peer-to-peer) and by every other NVIDIA function, each in PCI
 * address order. Two baselines of an unchanged host are identical, and a
 * change is a small diff. docs/baseline.md describes the format.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "baseline.h"
#include "model.h"
#include "sysroot.h"

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
	struct bl_entry *e;

	if (b->n == b->cap) {
		int cap = b->cap ? b->cap * 2 : 64;
		struct bl_entry *ne = realloc(b->e, (size_t)cap * sizeof(*ne));

		if (!ne)
			return NULL;
		b->e = ne;
		b->cap = cap;
	}
	e = &b->e[b->n++];
	memset(e, 0, sizeof(*e));
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

/* ---- collecting ------------------------------------------------------- */

/* Read the one-line attribute @attr of @d. Returns 0 or -errno. */
static int read_attr(const struct pdev *d, const char *attr, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", d->bdf, attr);
	return sysroot_read_line(path, buf, len);
}

/* A "0x10de" attribute as @width lowercase hex digits into @out. */
static int hex_attr(const struct pdev *d, const char *attr, int width, char *out, char *err,
		    size_t errlen)
{
	char buf[32], *end;
	unsigned long v = 0;
	int rc = read_attr(d, attr, buf, sizeof(buf));

	if (!rc) {
		v = strtoul(buf, &end, 16);
		if (end == buf || *end || v >> (4 * width))
			rc = -EINVAL;
	}
	if (rc) {
		snprintf(err, errlen, "%s: cannot read %s: %s", d->bdf, attr, strerror(-rc));
		return rc;
	}
	snprintf(out, BL_VALUE_LEN, "%0*lx", width, v);
	return 0;
}

/* "16.0GT/s,x16" from current_link_speed/width; "none" without a link. */
static int link_text(const struct pdev *d, char *out, char *err, size_t errlen)
{
	char speed[64], width[16];
	int rs = read_attr(d, "current_link_speed", speed, sizeof(speed));
	int rw = read_attr(d, "current_link_width", width, sizeof(width));
	const char *gt;

	if (rs == -ENOENT && rw == -ENOENT) {
		snprintf(out, BL_VALUE_LEN, "none");
		return 0;
	}
	if (rs || rw) {
		snprintf(err, errlen, "%s: cannot read current_link_%s: %s", d->bdf,
			 rs ? "speed" : "width", strerror(-(rs ? rs : rw)));
		return rs ? rs : rw;
	}
	if (!width[0] || strspn(width, "0123456789") != strlen(width))
		snprintf(width, sizeof(width), "?");
	gt = strstr(speed, " GT/s");
	if (gt && gt - speed < 8 && (size_t)(gt - speed) == strspn(speed, "0123456789."))
		snprintf(out, BL_VALUE_LEN, "%.*sGT/s,x%s", (int)(gt - speed), speed, width);
	else
		snprintf(out, BL_VALUE_LEN, "unknown,x%s", width);
	return 0;
}

/* caps_type_name() as one lowercase word: "root-port", "conventional-pci". */
static void type_text(const struct pdev *d, char *out)
{
	const char *name = caps_type_name(d->caps.pcie_type);
	size_t i;

	for (i = 0; name[i] && i < BL_VALUE_LEN - 1; i++)
		out[i] = name[i] == ' ' ? '-' : (char)tolower((unsigned char)name[i]);
	out[i] = '\0';
}

static int add_device(struct baseline *b, const struct pdev *d, char *err, size_t errlen)
{
	struct bl_entry *e = baseline_add(b, BL_DEVICE, d->bdf, NULL);
	int rc;

	if (!e)
		return -ENOMEM;
	snprintf(e->val[0], BL_VALUE_LEN, "%04x", d->vendor);
	snprintf(e->val[1], BL_VALUE_LEN, "%04x", d->device);
	snprintf(e->val[5], BL_VALUE_LEN, "%04x", (unsigned int)d->class);
	rc = hex_attr(d, "subsystem_vendor", 4, e->val[2], err, errlen);
	if (!rc)
		rc = hex_attr(d, "subsystem_device", 4, e->val[3], err, errlen);
	if (!rc)
		rc = hex_attr(d, "revision", 2, e->val[4], err, errlen);
	return rc ? rc : link_text(d, e->val[6], err, errlen);
}

static int add_port(struct baseline *b, const struct pdev *d, struct pdev *port, char *err,
		    size_t errlen)
{
	struct bl_entry *e = baseline_add(b, BL_PORT, d->bdf, port->bdf);
	int rc;

	if (!e)
		return -ENOMEM;
	rc = model_config(port);
	if (rc) {
		snprintf(err, errlen, "%s: cannot read config space: %s", port->bdf, port->cfg_why);
		return rc;
	}
	if (port->ident_err) {
		snprintf(err, errlen, "%s: cannot read IDs: %s", port->bdf, port->ident_why);
		return port->ident_err;
	}
	snprintf(e->val[0], BL_VALUE_LEN, "%04x", port->vendor);
	snprintf(e->val[1], BL_VALUE_LEN, "%04x", port->device);
	type_text(port, e->val[3]);
	rc = hex_attr(port, "revision", 2, e->val[2], err, errlen);
	return rc ? rc : link_text(port, e->val[4], err, errlen);
}

/* @d's IDs or place in the tree are unknown: say which. Returns the error. */
static int place_err(const struct pdev *d, char *err, size_t errlen)
{
	if (d->ident_err)
		snprintf(err, errlen, "%s: cannot read IDs or class: %s", d->bdf, d->ident_why);
	else
		snprintf(err, errlen, "%s: cannot resolve its place in the device tree: %s",
			 d->bdf, strerror(-d->path_err));
	return d->ident_err ? d->ident_err : d->path_err;
}

/* Device line, path ports and ROM (as @what asks) of protected @d. */
static int add_protected(struct baseline *b, struct model *m, const struct policy *p,
			 const struct pdev *d, int what, char *err, size_t errlen)
{
	int rc = 0;

	if ((what & BL_TOPOLOGY) && (d->ident_err || d->path_err))
		return place_err(d, err, errlen);
	if (what & BL_TOPOLOGY) {
		rc = add_device(b, d, err, errlen);
		for (int i = 0; !rc && i < d->path_len; i++)
			rc = add_port(b, d, &m->devs[d->path[i]], err, errlen);
	}
	if (!rc && (what & BL_ROMS)) {
		struct bl_entry *e = baseline_add(b, BL_ROM, d->bdf, NULL);

		rc = e ? rom_load(d, p->driver, &e->rom, NULL, NULL) : -ENOMEM;
	}
	return rc;
}

/* domain:bus of the root bus above @d, as one number. */
static unsigned int root_key(const struct model *m, const struct pdev *d)
{
	const struct pdev *r = d->path_len ? &m->devs[d->path[0]] : d;

	return r->domain << 8 | r->bus;
}

/*
 * The @kind line (peer or NVIDIA) of unprotected @d, if it is one. @near:
 * @d is under a root bus that holds a protected function.
 */
static int add_other(struct baseline *b, const struct pdev *d, enum bl_kind kind, bool near,
		     char *err, size_t errlen)
{
	struct bl_entry *e;

	if (d->ident_err || d->path_err)
		return place_err(d, err, errlen);
	if (kind != (d->vendor == 0x10de ? BL_NVIDIA : BL_PEER) || (kind == BL_PEER && !near))
		return 0;
	e = baseline_add(b, kind, d->bdf, NULL);
	if (!e)
		return -ENOMEM;
	snprintf(e->val[0], BL_VALUE_LEN, "%04x", d->vendor);
	snprintf(e->val[1], BL_VALUE_LEN, "%04x", d->device);
	snprintf(e->val[2], BL_VALUE_LEN, "%04x", (unsigned int)d->class);
	return 0;
}

/* Is root bus @key in @roots? */
static bool root_listed(const unsigned int *roots, int n, unsigned int key)
{
	for (int i = 0; i < n; i++)
		if (roots[i] == key)
			return true;
	return false;
}

/* Peers, then NVIDIA functions: every function not protected nor on a path. */
static int add_others(struct baseline *b, const struct model *m, char *err, size_t errlen)
{
	bool *skip = calloc((size_t)m->ndevs + 1, sizeof(*skip));
	unsigned int *roots = calloc((size_t)m->ndevs + 1, sizeof(*roots));
	int nroots = 0, rc = skip && roots ? 0 : -ENOMEM;

	for (int i = 0; !rc && i < m->ndevs; i++) {
		const struct pdev *d = &m->devs[i];

		if (!pdev_protected(d) || d->path_err)
			continue;
		skip[i] = true;
		for (int k = 0; k < d->path_len; k++)
			skip[d->path[k]] = true;
		if (!root_listed(roots, nroots, root_key(m, d)))
			roots[nroots++] = root_key(m, d);
	}
	for (int pass = 0; !rc && pass < 2; pass++) {
		for (int i = 0; !rc && i < m->ndevs; i++) {
			const struct pdev *d = &m->devs[i];
			bool near = !d->path_err && root_listed(roots, nroots, root_key(m, d));

			if (!skip[i])
				rc = add_other(b, d, pass ? BL_NVIDIA : BL_PEER, near, err, errlen);
		}
	}
	free(skip);
	free(roots);
	return rc;
}

int baseline_collect(struct baseline *b, struct model *m, const struct policy *p, int what,
		     char *err, size_t errlen)
{
	const struct bl_entry *dup[2];
	int rc = 0;

	memset(b, 0, sizeof(*b));
	snprintf(b->kernel, sizeof(b->kernel), "%s", m->kernel);
	for (int i = 0; !rc && i < m->ndevs; i++)
		if (pdev_protected(&m->devs[i]))
			rc = add_protected(b, m, p, &m->devs[i], what, err, errlen);
	if (!rc && (what & BL_TOPOLOGY))
		rc = add_others(b, m, err, errlen);
	if (!rc)
		rc = baseline_index(b, dup) == -ENOMEM ? -ENOMEM : 0;
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
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
	struct model m;
	char err[512];
	int rc = model_build_or_say(&m, p);

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
