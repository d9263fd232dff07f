// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * live.c - the live state of a hand-built model (live.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "live.h"

struct pdev_live *fx_live(struct pdev *d)
{
	if (!d->live)
		d->live = calloc(1, sizeof(*d->live));
	if (!d->live)
		fx_fail(__FILE__, __LINE__, "out of memory");
	return d->live;
}

void fx_modalias_hit(struct pdev *d, const char *name, bool blacklisted)
{
	struct pdev_live *l = fx_live(d);
	struct modalias_hit *hits;

	if (l->nmods < 0 || l->nmods == MODALIAS_MAX_HITS)
		fx_fail(__FILE__, __LINE__, "%s: lookup failed, or too many hits", d->bdf);
	hits = realloc(l->mods, (size_t)(l->nmods + 1) * sizeof(*hits));
	if (!hits)
		fx_fail(__FILE__, __LINE__, "out of memory");
	l->mods = hits;
	snprintf(hits[l->nmods].name, sizeof(hits[0].name), "%s", name);
	hits[l->nmods++].blacklisted = blacklisted;
}

void fx_host_module(struct fx *x, const char *name, int err)
{
	for (int i = 0; i < x->p.nhost_drivers; i++) {
		if (strcmp(x->m.hostmods[i].name, name))
			continue;
		x->m.hostmods[i].err = err;
		return;
	}
	fx_fail(__FILE__, __LINE__, "%s is none of the policy's host drivers", name);
}

void fx_live_function(struct pdev *d)
{
	struct pdev_live *l = fx_live(d);

	snprintf(l->type, sizeof(l->type), "DMA");
	l->vfio_read = true;
	snprintf(l->vfio_dev, sizeof(l->vfio_dev), "242:0");
	l->vfio_dev_ok = true;
	l->vfio_major = l->node_major = 242;
	l->vfio_minor = l->node_minor = 0;
	l->vfio_kind = VFIO_NODE_CHR;
	l->res_read = true; /* a resource file listing no BAR */
	snprintf(d->override, sizeof(d->override), "vfio-pci");
}

void fx_live_host(struct fx *x)
{
	snprintf(x->m.iommus, sizeof(x->m.iommus), "dmar0");
	x->m.irq.remapped = true;
	for (int i = 0; i < x->p.nhost_drivers; i++) {
		struct hostmod *h = &x->m.hostmods[i];

		snprintf(h->name, sizeof(h->name), "%s", x->p.host_drivers[i]);
		for (char *s = h->name; *s; s++)
			*s = *s == '-' ? '_' : *s;
		h->err = -ENOENT;
	}
	fx_live_function(fx_get(x, FX_GPU));
	fx_live_function(fx_get(x, FX_AUDIO));
}

struct fx *fx_live_new(const char *policy)
{
	struct fx *x = fx_new();

	if (policy)
		fx_policy(x, policy);
	fx_switch_host(x);
	fx_live_host(x);
	return x;
}

void fx_boot_report(struct fx *x, const char *line, int err)
{
	x->m.boot.read = true;
	x->m.boot.root = "";
	x->m.boot.err = line ? 0 : err;
	if (line)
		boot_report_parse(&x->m.boot, line);
}

void fx_run_check(struct fx *x)
{
	fx_run(x);
	check_gate_boot(&x->c);
	checks_sort(&x->c);
}
