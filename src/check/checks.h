/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * checks.h - the check table and what every check function may use.
 *
 * A check is one row of checks.c's table: its stable id, whether it runs
 * once for the host, once per protected function or once per protected card,
 * and the function that turns the model into findings. Check functions only
 * read the model and add findings; they never print or write.
 */
#ifndef GPUGATE_CHECKS_H
#define GPUGATE_CHECKS_H

#include "gpugate.h"
#include "report.h"

struct modload;

struct ctx {
	struct model *m;
	const struct policy *p;
	struct report *r;
	struct modload *kmod; /* enforce's module index: the model's, handed over (gate.c) */
	int kmod_err;
	bool kmod_tried;
	bool oom;
	struct finding scratch; /* target of findings when memory ran out */
};

/*
 * Add a finding for check @id on protected function @d (NULL: the host)
 * through @port (NULL: none). Never returns NULL.
 */
struct finding *check_add(struct ctx *c, const char *id, const struct pdev *d,
			  const struct pdev *port, enum status st);

/*
 * Checks read only the config spaces model_build loaded. If @d's is not
 * loaded (a bug), add an undetermined finding for @id on @owner naming @d
 * and return false.
 */
bool check_loaded(struct ctx *c, const char *id, const struct pdev *owner, const struct pdev *d);

/*
 * @d's config space, loaded and parsed, for check @id. When it is not
 * loaded or could not be read, add an undetermined finding for @id on
 * @owner naming @d and return false.
 */
bool check_config(struct ctx *c, const char *id, const struct pdev *owner, const struct pdev *d);

/*
 * If protected @d has no IOMMU group, add a failed finding for @id (which
 * expected @expected) and return false.
 */
bool check_has_group(struct ctx *c, const char *id, const struct pdev *d, const char *expected);

/*
 * If the kernel command line could not be read, add an undetermined finding
 * for @id and return false.
 */
bool check_cmdline_read(struct ctx *c, const char *id);

/* Run every check in table order and sort the findings. */
void checks_run(struct ctx *c);

/* Sort c->r's findings: host first, then by device, table order, port. */
void checks_sort(struct ctx *c);

/* The id of the @i-th check in table order, NULL past the end. */
const char *check_id(int i);

/*
 * The checks, one file per id prefix. A host check runs once; a function
 * or card check runs once per protected function or card leader @d.
 */

/* cmdline.c */
void check_cmdline_iommu(struct ctx *c);
void check_cmdline_identity(struct ctx *c);
void check_cmdline_strict(struct ctx *c);
void check_cmdline_forbidden(struct ctx *c);
void check_cmdline_noats(struct ctx *c);

/*
 * Does the policy forbid parameter @name with @value (NULL: a bare word, which
 * a bool parameter takes as true)?
 */
bool forbid_matches(const struct policy *p, const char *name, const char *value);

/* iommu.c */
void check_iommu_active(struct ctx *c);
void check_iommu_domain(struct ctx *c, struct pdev *d);
void check_iommu_irq_remap(struct ctx *c);

/* group.c */
void check_group_isolated(struct ctx *c, struct pdev *d);

/* card.c */
void check_card_functions(struct ctx *c, struct pdev *d);

/* acs.c */
void check_acs_path(struct ctx *c, struct pdev *d);
void check_acs_peers(struct ctx *c, struct pdev *d);
void check_acs_enhanced(struct ctx *c, struct pdev *d);

/* ats.c */
void check_ats_disabled(struct ctx *c, struct pdev *d);

/* bar.c */
void check_bar_assigned(struct ctx *c, struct pdev *d);

/* bind.c */
void check_bind_vfio(struct ctx *c, struct pdev *d);

/* driver.c */
void check_driver_host(struct ctx *c);

/* blcheck.c */
void check_baseline_topology(struct ctx *c);
void check_baseline_rom(struct ctx *c);

/* nvlink.c */
void check_nvlink_nvswitch(struct ctx *c);

/* platform.c */
void check_platform_lockdown(struct ctx *c);
void check_platform_secureboot(struct ctx *c);
void check_platform_dma_protection(struct ctx *c);
void check_platform_taint(struct ctx *c);

/* devices.c */
void check_devices_none(struct ctx *c);
void check_devices_expect(struct ctx *c);

/* tpm.c: over r->tpm, which gate fills (cmd/measure.c) before judging it again */
void check_tpm_measure(struct ctx *c);

/* access.c */
void check_access_config(struct ctx *c);

/*
 * An access.config finding for what a run could not do outside the checks
 * (the scan, the hostname, writing the report): undetermined, for the host,
 * saying @why.
 */
void check_access_failed(struct ctx *c, const char *why);

/* gate.c: gate.boot, over m->boot (`check` only; not in the table) */
void check_gate_boot(struct ctx *c);

#endif
