// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devs.c - find a function of a model by its address, free a function's
 * group member list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devs.h"

/* -1, 0 or 1 as @a is below, at or above @b. */
static int ucmp(unsigned int a, unsigned int b)
{
	return (a > b) - (a < b);
}

/*
 * m->devs is in numeric order (pcidev.c), which is not the text order once a
 * domain has five digits ("1000:..." sorts after "10000:..." as text): the
 * search compares numbers, and the match the text.
 */
int model_find(const struct model *m, const char *bdf)
{
	unsigned int dom, bus, dev, fn;
	int lo = 0, hi = m->ndevs - 1;

	if (sscanf(bdf, "%x:%x:%x.%u", &dom, &bus, &dev, &fn) != 4)
		return -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct pdev *d = &m->devs[mid];
		int c = ucmp(d->domain, dom) ? ucmp(d->domain, dom)
			: ucmp(d->bus, bus)  ? ucmp(d->bus, bus)
			: ucmp(d->dev, dev)  ? ucmp(d->dev, dev)
					     : ucmp(d->fn, fn);

		if (!c)
			return strcmp(d->bdf, bdf) ? -1 : mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

void model_free_members(struct pdev *d, int n)
{
	for (int i = 0; d->members && i < n; i++)
		free(d->members[i]);
	free(d->members);
	d->members = NULL;
}
