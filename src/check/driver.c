// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * driver.c - driver.host: which host GPU drivers could grab the protected
 * functions.
 *
 * A host GPU driver that is loaded, or that udev would load for a protected
 * function because its modalias resolves to it and no modprobe.d blacklist
 * stops it, is a path for the host to take the GPU (and the tenant's
 * firmware to talk to a host driver).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "modload.h"
#include "sysroot.h"

#define MAX_HITS 16 /* modules one modalias may resolve to that are reported */

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
		char path[128], name[64], why[256];
		struct finding *f;
		int rc;

		snprintf(name, sizeof(name), "%s", c->p->host_drivers[i]);
		for (char *s = name; *s; s++)
			*s = *s == '-' ? '_' : *s;
		snprintf(path, sizeof(path), "/sys/module/%s", name);
		rc = sysroot_exists(path);
		if (rc == -ENOENT)
			continue;
		hits++;
		f = check_add(c, "driver.host", NULL, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "%s not loaded", name);
		if (rc) { /* unknown is not "not loaded" */
			snprintf(why, sizeof(why), "cannot tell whether host GPU driver %s is loaded: %s: %s",
				 name, path, strerror(-rc));
			finding_unknown(f, why);
			continue;
		}
		snprintf(f->actual, sizeof(f->actual), "%s loaded", name);
		finding_msg(f, "host GPU driver %s is loaded: it can bind the GPUs and lets their firmware talk to the host; fix: blacklist it in the initramfs (gpugate's initramfs hook puts the file from `gpugate modprobe` there), rebuild the initramfs and reboot", name);
	}
	return hits;
}

static int kmod_ready(struct ctx *c, char *why, size_t len)
{
	if (!c->kmod_tried) {
		c->kmod_tried = true;
		c->kmod_err = modload_open(&c->kmod, c->m->kernel, why, len);
	} else if (c->kmod_err) {
		snprintf(why, len, "module index unavailable");
	}
	return c->kmod_err;
}

/* Which host drivers would udev load for @d? Returns findings added. */
static int alias_host_drivers(struct ctx *c, struct pdev *d)
{
	char path[96], alias[256], why[256];
	struct modalias_hit hits[MAX_HITS];
	int n, bad = 0, rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/modalias", d->bdf);
	rc = sysroot_read_line(path, alias, sizeof(alias));
	if (!rc)
		rc = kmod_ready(c, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "cannot read %s: %s", path, strerror(-rc));
	n = rc ? rc : modload_resolve(c->kmod, alias, hits, MAX_HITS);
	if (n < 0) {
		if (!rc)
			snprintf(why, sizeof(why), "cannot resolve %s: %s", alias, strerror(-n));
		finding_unknown(check_add(c, "driver.host", d, NULL, ST_FAIL), why);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct finding *f;

		if (!is_host_driver(c->p, hits[i].name) || hits[i].blacklisted)
			continue;
		bad++;
		f = check_add(c, "driver.host", d, NULL, c->p->require_blacklisted ? ST_FAIL : ST_WARN);
		snprintf(f->expected, sizeof(f->expected), "%s blacklisted", hits[i].name);
		snprintf(f->actual, sizeof(f->actual), "modalias resolves to %s", hits[i].name);
		finding_msg(f, "udev would load host driver %s for this function; fix: 'blacklist %s' in modprobe.d of the initramfs (gpugate's initramfs hook installs it: rebuild the initramfs)",
			    hits[i].name, hits[i].name);
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
