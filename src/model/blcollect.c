// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blcollect.c - collect a baseline from the host (docs/baseline.md).
 *
 * Lines are grouped per protected function (its device line, the ports on
 * its path root first, its ROM), followed by the peers (every other
 * function under a root bus that holds a protected function: what could
 * reach it peer-to-peer) and by every other NVIDIA function, each in PCI
 * address order. Two baselines of an unchanged host are identical, and a
 * change is a small diff.
 *
 * The IDs and places come from the model; the subsystem IDs, revisions and
 * link speeds and widths from sysfs attributes; the ports' config space
 * through model_config(); the ROMs through rom.c. model_build() calls
 * baseline_model_collect() when the policy has a [baseline] file, so that
 * baseline.topology and baseline.rom compare only what the model holds;
 * `gpugate baseline` calls baseline_collect() itself.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "model.h"
#include "source.h"
#include "sysroot.h"

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

/* ---- the model's baseline ------------------------------------------- */

int baseline_side_collect(struct bl_side *s, struct model *m, const struct policy *p, int what)
{
	s->taken = true;
	s->rc = baseline_collect(&s->b, m, p, what, s->err, sizeof(s->err));
	return s->rc;
}

void baseline_model_collect(struct model *m, const struct policy *p)
{
	struct bl_side *file;

	if (!p->baseline_file[0] || !m->src->live) /* a dump: the checks skip */
		return;
	m->bl = calloc(1, sizeof(*m->bl));
	if (!m->bl)
		return;
	file = &m->bl->file;
	file->taken = true;
	file->rc = baseline_load(&file->b, p->baseline_file, file->err, sizeof(file->err));
	if (file->rc)
		return;
	baseline_side_collect(&m->bl->topology, m, p, BL_TOPOLOGY);
	baseline_side_collect(&m->bl->roms, m, p, BL_ROMS);
}

void baseline_model_free(struct model *m)
{
	if (!m->bl)
		return;
	baseline_free(&m->bl->file.b);
	baseline_free(&m->bl->topology.b);
	baseline_free(&m->bl->roms.b);
	free(m->bl);
	m->bl = NULL;
}
