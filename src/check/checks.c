// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * checks.c - the table of checks, the walk over it, and what every check
 * uses to add its findings. The checks are in one file per id prefix.
 */
#include <errno.h>
#include <string.h>

#include "checks.h"
#include "model.h"

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

bool check_loaded(struct ctx *c, const char *id, const struct pdev *owner, const struct pdev *d)
{
	char why[200];

	if (d->cfg_loaded)
		return true;
	snprintf(why, sizeof(why), "the model did not load the config space of %s (a gpugate bug)",
		 d->bdf);
	finding_unknown(check_add(c, id, owner, owner == d ? NULL : d, ST_FAIL), why);
	return false;
}

bool check_config(struct ctx *c, const char *id, const struct pdev *owner, const struct pdev *d)
{
	char why[200];

	if (!check_loaded(c, id, owner, d))
		return false;
	if (!d->cfg_err)
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

bool check_cmdline_read(struct ctx *c, const char *id)
{
	if (!c->m->cmdline_err)
		return true;
	finding_unknown(check_add(c, id, NULL, NULL, ST_FAIL), c->m->cmdline_why);
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

		if (k->live && !model_is_live(c->m)) {
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
