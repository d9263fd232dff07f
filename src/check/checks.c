// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * checks.c - the table of checks, the walk over it, and what every check
 * uses to add its findings. The checks are in one file per id prefix.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "checks.h"
#include "model.h"

enum scope { SCOPE_HOST, SCOPE_FUNCTION, SCOPE_CARD };

struct check {
	const char *id;
	enum scope scope;
	void (*host)(struct ctx *c);		    /* SCOPE_HOST */
	void (*dev)(struct ctx *c, struct pdev *d); /* SCOPE_FUNCTION, SCOPE_CARD */
	const char *live; /* live host state it reads, which an lspci dump lacks */
	size_t on;	  /* ON(field): the policy switch, when .off is set */
	bool on_int;	  /* the switch is an int (on when not 0), not a bool or string */
	const char *off;  /* the skip message when that switch is off */
};

/*
 * The policy switch of a check: the check runs when struct policy's @field
 * is a bool that is true, a string that is not empty (its first byte), or,
 * with .on_int, an int that is not 0.
 */
#define ON(field) offsetof(struct policy, field)

/*
 * Every check, in the order findings are reported. A check whose fourth
 * column names live host state is skipped, saying so, on an lspci dump;
 * NULL: it reads only config space and the device list. A check with a
 * policy switch (.on) is skipped with the message .off when it is off.
 */
static const struct check table[] = {
	{ .id = "cmdline.iommu", .scope = SCOPE_HOST, .host = check_cmdline_iommu,
	  .live = "/proc/cmdline" },
	{ .id = "cmdline.identity", .scope = SCOPE_HOST, .host = check_cmdline_identity,
	  .live = "/proc/cmdline",
	  .on = ON(forbid_identity), .off = "policy allows identity domains" },
	{ .id = "cmdline.strict", .scope = SCOPE_HOST, .host = check_cmdline_strict,
	  .live = "/proc/cmdline",
	  .on = ON(require_strict), .off = "policy does not require strict invalidation" },
	{ .id = "cmdline.noats", .scope = SCOPE_HOST, .host = check_cmdline_noats,
	  .live = "/proc/cmdline",
	  .on = ON(require_noats), .off = "policy does not require pci=noats" },
	{ .id = "cmdline.forbidden", .scope = SCOPE_HOST, .host = check_cmdline_forbidden,
	  .live = "/proc/cmdline and /sys/module" },
	{ .id = "iommu.active", .scope = SCOPE_HOST, .host = check_iommu_active,
	  .live = "/sys/class/iommu" },
	{ .id = "iommu.domain", .scope = SCOPE_FUNCTION, .dev = check_iommu_domain,
	  .live = "/sys/kernel/iommu_groups" },
	{ .id = "iommu.irq_remap", .scope = SCOPE_HOST, .host = check_iommu_irq_remap,
	  .live = "/proc/interrupts",
	  .on = ON(require_irq_remapping), .off = "policy does not require interrupt remapping" },
	{ .id = "group.isolated", .scope = SCOPE_FUNCTION, .dev = check_group_isolated,
	  .live = "/sys/kernel/iommu_groups" },
	{ .id = "card.functions", .scope = SCOPE_CARD, .dev = check_card_functions,
	  .live = "driver links" },
	{ .id = "acs.path", .scope = SCOPE_CARD, .dev = check_acs_path },
	{ .id = "acs.peers", .scope = SCOPE_CARD, .dev = check_acs_peers },
	{ .id = "acs.enhanced", .scope = SCOPE_CARD, .dev = check_acs_enhanced,
	  .on = ON(acs_enhanced), .off = "policy requires no ACS Enhanced control" },
	{ .id = "ats.disabled", .scope = SCOPE_FUNCTION, .dev = check_ats_disabled,
	  .on = ON(ats_require_disabled), .off = "policy does not require ATS off" },
	{ .id = "bar.assigned", .scope = SCOPE_FUNCTION, .dev = check_bar_assigned,
	  .live = "the resource files in sysfs",
	  .on = ON(require_bars), .off = "policy does not require assigned BARs" },
	{ .id = "bind.vfio", .scope = SCOPE_FUNCTION, .dev = check_bind_vfio,
	  .live = "driver links and /dev/vfio" },
	{ .id = "driver.host", .scope = SCOPE_HOST, .host = check_driver_host,
	  .live = "/sys/module and the module index" },
	{ .id = "nvlink.nvswitch", .scope = SCOPE_HOST, .host = check_nvlink_nvswitch,
	  .on = ON(forbid_nvswitch), .on_int = true, .off = "policy allows NVSwitch" },
	{ .id = "baseline.topology", .scope = SCOPE_HOST, .host = check_baseline_topology,
	  .live = "the sysfs tree",
	  .on = ON(baseline_file), .off = "no baseline configured ([baseline] file is empty)" },
	{ .id = "baseline.rom", .scope = SCOPE_HOST, .host = check_baseline_rom,
	  .live = "the ROM images in sysfs",
	  .on = ON(baseline_file), .off = "no baseline configured ([baseline] file is empty)" },
	{ .id = "platform.lockdown", .scope = SCOPE_HOST, .host = check_platform_lockdown,
	  .live = "/sys/kernel/security/lockdown",
	  .on = ON(require_lockdown), .on_int = true,
	  .off = "policy does not require a lockdown level" },
	{ .id = "platform.secureboot", .scope = SCOPE_HOST, .host = check_platform_secureboot,
	  .live = "/sys/firmware/efi/efivars",
	  .on = ON(require_secureboot), .off = "policy does not require Secure Boot" },
	{ .id = "platform.dma_protection", .scope = SCOPE_HOST, .host = check_platform_dma_protection,
	  .live = "/sys/firmware/acpi/tables",
	  .on = ON(require_dma_protection), .off = "policy does not require pre-boot DMA protection" },
	{ .id = "platform.taint", .scope = SCOPE_HOST, .host = check_platform_taint,
	  .live = "/proc/sys/kernel/tainted",
	  .on = ON(nforbid_taint), .on_int = true,
	  .off = "policy forbids no taint flag" },
	{ .id = "devices.none", .scope = SCOPE_HOST, .host = check_devices_none },
	{ .id = "devices.expect", .scope = SCOPE_HOST, .host = check_devices_expect },
	/* After every check whose verdict it measures (`gate` judges it again). */
	{ .id = "tpm.measure", .scope = SCOPE_HOST, .host = check_tpm_measure },
	/* Last: it reports what every check before it failed to read. */
	{ .id = "access.config", .scope = SCOPE_HOST, .host = check_access_config },
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

/* Is @k's policy switch on (see ON)? */
static bool switched_on(const struct check *k, const struct policy *p)
{
	const char *field = (const char *)p + k->on;
	int n;

	if (!k->on_int)
		return *field != 0;
	memcpy(&n, field, sizeof(n));
	return n != 0;
}

/* Run @k on @d (NULL: the host), or say that the policy turns it off. */
static void run_one(struct ctx *c, const struct check *k, struct pdev *d)
{
	if (k->off && !switched_on(k, c->p))
		finding_msg(check_add(c, k->id, d, NULL, ST_SKIP), "%s", k->off);
	else if (d)
		k->dev(c, d);
	else
		k->host(c);
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
			run_one(c, k, NULL);
			continue;
		}
		for (int j = 0; j < c->m->ndevs; j++) {
			struct pdev *d = &c->m->devs[j];

			if (k->scope == SCOPE_FUNCTION ? pdev_protected(d)
						       : pdev_protected(d) && model_is_card_leader(c->m, d))
				run_one(c, k, d);
		}
	}
	checks_sort(c);
}
