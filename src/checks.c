// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * checks.c - the table of checks, the walk over it, and the small checks
 * that need no file of their own (NVSwitch, access, device count).
 */
#include <errno.h>
#include <string.h>

#include "checks.h"
#include "model.h"
#include "source.h"

enum scope { SCOPE_HOST, SCOPE_FUNCTION, SCOPE_CARD };

struct check {
	const char *id;
	enum scope scope;
	void (*run)(struct ctx *c, struct pdev *d);
	const char *live; /* live host state it reads, which an lspci dump lacks */
};

/*
 * Every check, in the order findings are reported. A check whose fourth
 * column names live host state is skipped, saying so, on an lspci dump;
 * NULL: it reads only config space and the device list.
 */
static const struct check table[] = {
	{ "cmdline.iommu", SCOPE_HOST, check_cmdline_iommu, "/proc/cmdline" },
	{ "cmdline.identity", SCOPE_HOST, check_cmdline_identity, "/proc/cmdline" },
	{ "cmdline.strict", SCOPE_HOST, check_cmdline_strict, "/proc/cmdline" },
	{ "cmdline.noats", SCOPE_HOST, check_cmdline_noats, "/proc/cmdline" },
	{ "cmdline.forbidden", SCOPE_HOST, check_cmdline_forbidden, "/proc/cmdline and /sys/module" },
	{ "iommu.active", SCOPE_HOST, check_iommu_active, "/sys/class/iommu" },
	{ "iommu.domain", SCOPE_FUNCTION, check_iommu_domain, "/sys/kernel/iommu_groups" },
	{ "iommu.irq_remap", SCOPE_HOST, check_iommu_irq_remap, "/proc/interrupts" },
	{ "group.isolated", SCOPE_FUNCTION, check_group_isolated, "/sys/kernel/iommu_groups" },
	{ "card.functions", SCOPE_CARD, check_card_functions, "driver links" },
	{ "acs.path", SCOPE_CARD, check_acs_path, NULL },
	{ "acs.peers", SCOPE_CARD, check_acs_peers, NULL },
	{ "ats.disabled", SCOPE_FUNCTION, check_ats_disabled, NULL },
	{ "bind.vfio", SCOPE_FUNCTION, check_bind_vfio, "driver links and /dev/vfio" },
	{ "driver.host", SCOPE_HOST, check_driver_host, "/sys/module and the module index" },
	{ "nvlink.nvswitch", SCOPE_HOST, check_nvlink_nvswitch, NULL },
	{ "baseline.topology", SCOPE_HOST, check_baseline_topology, "the sysfs tree" },
	{ "baseline.rom", SCOPE_HOST, check_baseline_rom, "the ROM images in sysfs" },
	{ "devices.none", SCOPE_HOST, check_devices_none, NULL },
	{ "devices.expect", SCOPE_HOST, check_devices_expect, NULL },
	/* Last: it reports what every check before it failed to read. */
	{ "access.config", SCOPE_HOST, check_access_config, NULL },
};

#define NCHECKS ((int)(sizeof(table) / sizeof(table[0])))

const char *check_id(int i)
{
	return i >= 0 && i < NCHECKS ? table[i].id : NULL;
}

struct finding *check_add(struct ctx *c, const char *id, const struct pdev *d,
			  const struct pdev *port, enum status st)
{
	struct finding *f = report_add(c->r, id, d ? d->bdf : NULL, port ? port->bdf : NULL, st);

	if (f)
		return f;
	c->oom = true;
	memset(&c->scratch, 0, sizeof(c->scratch));
	return &c->scratch;
}

bool check_config(struct ctx *c, const char *id, const struct pdev *owner, struct pdev *d)
{
	char why[200];

	if (!model_config(d))
		return true;
	snprintf(why, sizeof(why), "cannot read config space of %s: %s", d->bdf, d->cfg_why);
	finding_unknown(check_add(c, id, owner, owner == d ? NULL : d, ST_FAIL), why);
	return false;
}

bool check_has_group(struct ctx *c, const char *id, const struct pdev *d, const char *expected)
{
	struct finding *f;

	if (d->group >= 0)
		return true;
	f = check_add(c, id, d, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "%s", expected);
	snprintf(f->actual, sizeof(f->actual), "no IOMMU group");
	finding_msg(f, "function is in no IOMMU group, so no IOMMU translates its DMA; fix: enable the IOMMU");
	return false;
}

void checks_sort(struct ctx *c)
{
	const char *order[NCHECKS];

	for (int i = 0; i < NCHECKS; i++)
		order[i] = table[i].id;
	report_sort(c->r, order, NCHECKS);
}

/* @k needs the live host and the model comes from an lspci dump. */
static void skip_live(struct ctx *c, const struct check *k)
{
	finding_msg(check_add(c, k->id, NULL, NULL, ST_SKIP),
		    "not available from an lspci dump: it reads %s of the live host", k->live);
}

void checks_run(struct ctx *c)
{
	for (int i = 0; i < NCHECKS; i++) {
		const struct check *k = &table[i];

		if (k->live && !c->m->src->live) {
			skip_live(c, k);
			continue;
		}
		if (k->scope == SCOPE_HOST) {
			k->run(c, NULL);
			continue;
		}
		for (int j = 0; j < c->m->ndevs; j++) {
			struct pdev *d = &c->m->devs[j];

			if (k->scope == SCOPE_FUNCTION ? pdev_protected(d)
						       : pdev_protected(d) && model_is_card_leader(c->m, d))
				k->run(c, d);
		}
	}
	checks_sort(c);
}

void check_nvlink_nvswitch(struct ctx *c, struct pdev *unused)
{
	const char *id = "nvlink.nvswitch";
	int found = 0;

	(void)unused;
	if (!c->p->forbid_nvswitch) {
		finding_msg(check_add(c, id, NULL, NULL, ST_SKIP), "policy allows NVSwitch");
		return;
	}
	for (int i = 0; i < c->m->ndevs; i++) {
		struct pdev *d = &c->m->devs[i];
		struct finding *f;

		if (d->ident_err || d->vendor != 0x10de || d->class != 0x0680)
			continue;
		found++;
		f = check_add(c, id, d, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "no NVSwitch function");
		snprintf(f->actual, sizeof(f->actual), "10de:%04x class 0680", d->device);
		finding_msg(f, "NVSwitch present: NVLink peer-to-peer between GPUs bypasses the IOMMU; fix: pass the whole HGX board to one tenant with a fabric manager policy, or set [nvlink] forbid_nvswitch = no knowingly");
	}
	if (!found)
		finding_msg(check_add(c, id, NULL, NULL, ST_PASS), "no NVSwitch function (10de, class 0680)");
}

/* Report one access problem of @d; returns 1 if there was one. */
static int access_one(struct ctx *c, struct pdev *d)
{
	const char *id = "access.config";
	char why[240];

	if (d->ident_err)
		snprintf(why, sizeof(why), "cannot read IDs or class: %s", d->ident_why);
	else if (d->cfg_loaded && d->cfg_err)
		snprintf(why, sizeof(why), "%s", d->cfg_why);
	else if (d->path_err)
		snprintf(why, sizeof(why), "cannot resolve its place in the device tree: %s",
			 d->path_why[0] ? d->path_why : strerror(-d->path_err));
	else if (d->group_err)
		snprintf(why, sizeof(why), "cannot read iommu_group link: %s",
			 strerror(-d->group_err));
	else if (d->driver_err)
		snprintf(why, sizeof(why), "cannot read driver link: %s", strerror(-d->driver_err));
	else if (d->override_err)
		snprintf(why, sizeof(why), "cannot read driver_override: %s",
			 strerror(-d->override_err));
	else
		return 0;
	finding_unknown(check_add(c, id, d, NULL, ST_FAIL), why);
	return 1;
}

void check_access_config(struct ctx *c, struct pdev *unused)
{
	int bad = 0, read = 0;

	(void)unused;
	for (int i = 0; i < c->m->ndevs; i++) {
		bad += access_one(c, &c->m->devs[i]);
		read += c->m->devs[i].cfg_loaded;
	}
	if (!bad)
		finding_msg(check_add(c, "access.config", NULL, NULL, ST_PASS),
			    "%d config spaces read and parsed, %d functions scanned", read,
			    c->m->ndevs);
}

void check_devices_none(struct ctx *c, struct pdev *unused)
{
	const char *id = "devices.none";
	int n = 0, missing = 0;
	struct finding *f;

	(void)unused;
	for (int i = 0; i < c->p->nbdf; i++) {
		if (model_find(c->m, c->p->bdf[i]) >= 0)
			continue;
		missing++;
		f = check_add(c, id, NULL, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "%s present", c->p->bdf[i]);
		snprintf(f->actual, sizeof(f->actual), "absent");
		finding_msg(f, "policy lists %s in [devices] bdf but no such function exists", c->p->bdf[i]);
	}
	for (int i = 0; i < c->m->ndevs; i++)
		n += pdev_protected(&c->m->devs[i]);
	if (missing)
		return;
	f = check_add(c, id, NULL, NULL, n || c->p->allow_none ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), c->p->allow_none ? "any number" : "at least 1");
	snprintf(f->actual, sizeof(f->actual), "%d protected function%s", n, n == 1 ? "" : "s");
	if (n)
		finding_msg(f, "%d function%s protected", n, n == 1 ? "" : "s");
	else if (c->p->allow_none)
		finding_msg(f, "no function matches the policy, and [devices] allow_none = yes");
	else
		finding_msg(f, "no function matches [devices] match or bdf: nothing would be protected; fix: correct the match list, or set allow_none = yes on hosts without GPUs");
}

/*
 * [devices] expect = N: at least N matched functions (companions do not
 * count), so that a GPU that fell off the bus fails the host. No finding
 * when the policy does not set it.
 */
void check_devices_expect(struct ctx *c, struct pdev *unused)
{
	int n = 0, want = c->p->expect;
	struct finding *f;

	(void)unused;
	if (!want)
		return;
	for (int i = 0; i < c->m->ndevs; i++)
		n += c->m->devs[i].matched;
	f = check_add(c, "devices.expect", NULL, NULL, n >= want ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "at least %d matched", want);
	snprintf(f->actual, sizeof(f->actual), "%d matched", n);
	if (n >= want)
		finding_msg(f, "%d functions match [devices] match or bdf, the policy expects %d", n, want);
	else
		finding_msg(f, "only %d of the %d GPUs the policy expects are present (functions matched by [devices] match or bdf; companions do not count); fix: find the missing GPU (lspci; dmesg for a link down or a device that fell off the bus), or correct [devices] expect",
			    n, want);
}
