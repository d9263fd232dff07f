// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * driver.c - driver.host: which host GPU drivers could grab the protected
 * functions.
 *
 * A host GPU driver that is loaded, or that udev would load for a protected
 * function because its modalias resolves to it and no modprobe.d blacklist
 * stops it, is a path for the host to take the GPU (and the tenant's
 * firmware to talk to a host driver). Which modules are loaded and what
 * each modalias resolves to are in the model (the sysfs source's state
 * hook looks them up).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

static bool is_host_driver(const struct policy *p, const char *name)
{
	for (int i = 0; i < p->nhost_drivers; i++)
		if (cmdline_name_eq(p->host_drivers[i], name))
			return true;
	return false;
}

/* Host GPU drivers loaded in the running kernel. Returns how many. */
static int loaded_host_drivers(struct ctx *c)
{
	int hits = 0;

	for (int i = 0; i < c->p->nhost_drivers; i++) {
		const struct hostmod *h = &c->m->hostmods[i];
		char path[128], why[256];
		struct finding *f;

		if (h->err == -ENOENT)
			continue;
		hits++;
		f = check_add(c, "driver.host", NULL, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "%s not loaded", h->name);
		if (h->err) { /* unknown is not "not loaded" */
			snprintf(path, sizeof(path), "/sys/module/%s", h->name);
			snprintf(why, sizeof(why), "cannot tell whether host GPU driver %s is loaded: %s: %s",
				 h->name, path, strerror(-h->err));
			finding_unknown(f, why);
			continue;
		}
		snprintf(f->actual, sizeof(f->actual), "%s loaded", h->name);
		finding_msg(f, "host GPU driver %s is loaded: it can bind the GPUs and lets their firmware talk to the host; fix: blacklist it in the initramfs (gpugate's initramfs hook puts the file from `gpugate modprobe` there), rebuild the initramfs and reboot", h->name);
	}
	return hits;
}

/* Which host drivers would udev load for @d? Returns findings added. */
static int alias_host_drivers(struct ctx *c, struct pdev *d)
{
	const struct pdev_live *l = d->live;
	int bad = 0;

	if (!l || l->nmods < 0) {
		finding_unknown(check_add(c, "driver.host", d, NULL, ST_FAIL),
				l ? l->mods_why : "cannot look up its modalias: out of memory");
		return 1;
	}
	for (int i = 0; i < l->nmods && i < MODALIAS_MAX_HITS; i++) {
		const struct modalias_hit *hit = &l->mods[i];
		struct finding *f;

		if (!is_host_driver(c->p, hit->name) || hit->blacklisted)
			continue;
		bad++;
		f = check_add(c, "driver.host", d, NULL, c->p->require_blacklisted ? ST_FAIL : ST_WARN);
		snprintf(f->expected, sizeof(f->expected), "%s blacklisted", hit->name);
		snprintf(f->actual, sizeof(f->actual), "modalias resolves to %s", hit->name);
		finding_msg(f, "udev would load host driver %s for this function; fix: 'blacklist %s' in modprobe.d of the initramfs (gpugate's initramfs hook installs it: rebuild the initramfs)",
			    hit->name, hit->name);
	}
	return bad;
}

void check_driver_host(struct ctx *c)
{
	int bad = loaded_host_drivers(c);

	for (int i = 0; i < c->m->ndevs; i++)
		if (pdev_protected(&c->m->devs[i]))
			bad += alias_host_drivers(c, &c->m->devs[i]);
	if (!bad)
		finding_msg(check_add(c, "driver.host", NULL, NULL, ST_PASS),
			    "no host GPU driver loaded or loadable for a protected function");
}
