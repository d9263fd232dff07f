// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline.c - the cmdline.* checks: the kernel command line asks for an
 * IOMMU in translating, strict mode (cmdline.iommu, cmdline.identity,
 * cmdline.strict), for no ATS (cmdline.noats), and holds nothing the policy
 * forbids (cmdline.forbidden). Parameter semantics follow
 * intel_iommu_setup(), iommu_setup() (arch/x86/kernel/pci-dma.c),
 * iommu_set_def_domain_type() and iommu_dma_setup() in drivers/iommu, and
 * pci_setup() for noats.
 *
 * cmdline.forbidden: an entry is "name" (forbidden with any value) or "name=value". Values
 * compare as the kernel would read them: booleans by kstrtobool(), so "1",
 * "y" and "on" are one value, and comma lists item by item, so
 * intremap=nosid,off holds "off". For module parameters ("module.param")
 * the value in force at run time, /sys/module/MODULE/parameters/PARAM, is
 * checked too: modprobe.d options and writes to sysfs do not show on the
 * command line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "checks.h"

/* 1 or 0 when @s is a whole boolean word, else -1. */
static int bool_word(const char *s)
{
	static const char *const words[] = { "1", "y", "yes", "on", "true",
					     "0", "n", "no", "off", "false" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcasecmp(s, words[i]))
			return i < 5;
	return -1;
}

/*
 * Does the value @have of parameter @name mean the forbidden value @want?
 * A bare word (@have NULL) means true: param_set_bool() takes a bare bool
 * parameter as "y", and other parameter types reject it. Module and core
 * parameters ("module.param") that are booleans are read by kstrtobool(),
 * which looks at the first character(s) only: "t", "Y", "yes" and "1" are
 * all true. Other values compare item by item, each item by prefix, as the
 * kernel's list handlers (setup_irqremap(), intel_iommu_setup()...) do.
 */
static bool value_means(const char *name, const char *have, const char *want)
{
	if (!have)
		return bool_word(want) == 1;
	if (bool_word(want) >= 0 && strchr(name, '.') && cmdline_bool(have) >= 0)
		return cmdline_bool(have) == bool_word(want);
	if (bool_word(want) >= 0 && bool_word(have) >= 0)
		return bool_word(want) == bool_word(have);
	if (!*want)
		return !*have;
	for (const char *p = have; *p; p += strcspn(p, ",")) {
		while (*p == ',')
			p++;
		if (cmdline_item_is(p, want))
			return true;
	}
	return false;
}

static void forbid_report(struct ctx *c, const char *entry, const struct cmdline_param *prm,
			  const char *where)
{
	const char *eq = prm->value ? "=" : "", *v = prm->value ? prm->value : "";
	struct finding *f = check_add(c, "cmdline.forbidden", NULL, NULL, ST_FAIL);

	snprintf(f->expected, sizeof(f->expected), "no %s", entry);
	snprintf(f->actual, sizeof(f->actual), "%s%s%s", prm->name, eq, v);
	finding_msg(f, "forbidden parameter %s weakens isolation; fix: remove %s%s%s", where,
		    prm->name, eq, v);
}

/* Is @prm, from libkmod's view, also in the kernel's view of the line? */
static bool in_kernel_view(const struct cmdline *cl, const struct cmdline_param *prm)
{
	for (int i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *k = &cl->params[i];

		if (cmdline_name_eq(k->name, prm->name) && !k->value == !prm->value &&
		    (!k->value || !strcmp(k->value, prm->value)))
			return true;
	}
	return false;
}

/*
 * Report every occurrence of @entry on the command line; returns the count.
 * The kernel applies its parameters (a built-in module's too); libkmod gives
 * "module.param" words to the module when it loads, "--" or not.
 */
static int forbid_cmdline(struct ctx *c, const char *entry, const char *name, const char *want)
{
	static const char kmod_view[] =
		"on the command line (libkmod passes it to the module, also after \"--\")";
	const struct cmdline *cl = &c->m->cmdline;
	int hits = 0;

	for (int i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *prm = &cl->params[i];

		if (!cmdline_name_eq(prm->name, name) ||
		    (want && !value_means(name, prm->value, want)))
			continue;
		hits++;
		forbid_report(c, entry, prm, "on the command line");
	}
	for (int i = 0; strchr(name, '.') && i < cl->nmodparams; i++) {
		const struct cmdline_param *prm = &cl->modparams[i];

		if (!cmdline_name_eq(prm->name, name) ||
		    (want && !value_means(name, prm->value, want)) || in_kernel_view(cl, prm))
			continue;
		hits++;
		forbid_report(c, entry, prm, kmod_view);
	}
	return hits;
}

/*
 * Check the live value of a module parameter "module.param" (model_build
 * read it into @mp); 1 if forbidden.
 */
static int forbid_runtime(struct ctx *c, const char *entry, const char *name, const char *want,
			  const struct modparam *mp)
{
	char val[128];
	struct finding *f;

	if (!mp->read || mp->err == -ENOENT)
		return 0; /* module not loaded or parameter absent: nothing in force */
	if (mp->err) {
		snprintf(val, sizeof(val), "cannot read %s: %s", mp->path, strerror(-mp->err));
		finding_unknown(check_add(c, "cmdline.forbidden", NULL, NULL, ST_FAIL), val);
		return 1;
	}
	if (!value_means(name, mp->val, want))
		return 0;
	f = check_add(c, "cmdline.forbidden", NULL, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "no %s", entry);
	snprintf(f->actual, sizeof(f->actual), "%s=%s at run time", name, mp->val);
	finding_msg(f, "module parameter %s is %s in the running kernel (modprobe.d or sysfs); fix: remove the option and reload the module, or reboot", name, mp->val);
	return 1;
}

bool forbid_matches(const struct policy *p, const char *name, const char *value)
{
	for (int i = 0; i < p->nforbid; i++) {
		char fname[sizeof(p->forbid[0])];
		char *feq;

		snprintf(fname, sizeof(fname), "%s", p->forbid[i]);
		feq = strchr(fname, '=');
		if (feq)
			*feq++ = '\0';
		if (!cmdline_name_eq(fname, name))
			continue;
		if (!feq || value_means(name, value, feq))
			return true;
	}
	return false;
}

void check_cmdline_forbidden(struct ctx *c)
{
	int hits = 0;
	struct finding *f;

	if (c->m->cmdline_err) {
		finding_unknown(check_add(c, "cmdline.forbidden", NULL, NULL, ST_FAIL),
				c->m->cmdline_why);
		return;
	}
	for (int i = 0; i < c->p->nforbid; i++) {
		char name[sizeof(c->p->forbid[0])];
		const char *entry = c->p->forbid[i];
		char *eq;

		snprintf(name, sizeof(name), "%s", entry);
		eq = strchr(name, '=');
		if (eq)
			*eq = '\0';
		hits += forbid_cmdline(c, entry, name, eq ? eq + 1 : NULL);
		hits += forbid_runtime(c, entry, name, eq ? eq + 1 : NULL, &c->m->forbid_rt[i]);
	}
	if (hits)
		return;
	f = check_add(c, "cmdline.forbidden", NULL, NULL, ST_PASS);
	finding_msg(f, "none of the %d forbidden parameters is in force", c->p->nforbid);
}

void check_cmdline_iommu(struct ctx *c)
{
	static const char *const intel[] = { "on", "off" };
	const struct cmdline *cl = &c->m->cmdline;
	const char *off = NULL;
	struct finding *f;

	if (!check_cmdline_read(c, "cmdline.iommu"))
		return;
	if (cmdline_last_of(cl, "intel_iommu", intel, 2) == 1)
		off = "intel_iommu=off";
	else if (cmdline_has_item(cl, "amd_iommu", "off"))
		off = "amd_iommu=off";
	else if (cmdline_has_item(cl, "iommu", "off"))
		off = "iommu=off"; /* iommu_setup(): no later item clears no_iommu */
	f = check_add(c, "cmdline.iommu", NULL, NULL, off ? ST_FAIL : ST_PASS);
	snprintf(f->expected, sizeof(f->expected), "IOMMU not disabled on the command line");
	snprintf(f->actual, sizeof(f->actual), "%s", off ? off : "not disabled");
	if (off)
		finding_msg(f, "%s turns DMA remapping off; fix: remove it and boot with intel_iommu=on (Intel) or without amd_iommu=off (AMD)", off);
	else
		finding_msg(f, "no parameter disables the IOMMU");
}

void check_cmdline_identity(struct ctx *c)
{
	const struct cmdline *cl = &c->m->cmdline;
	const char *pt = NULL;
	struct finding *f;

	if (!check_cmdline_read(c, "cmdline.identity"))
		return;
	/* iommu=pt and iommu.passthrough= are early params: the last one wins. */
	for (int i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *prm = &cl->params[i];
		static const char *const items[] = { "pt", "nopt" };
		int k;

		if (cmdline_name_eq(prm->name, "iommu.passthrough") && cmdline_bool(prm->value) >= 0) {
			pt = cmdline_bool(prm->value) ? "iommu.passthrough=1" : NULL;
			continue;
		}
		if (!cmdline_name_eq(prm->name, "iommu"))
			continue;
		k = cmdline_param_last_of(prm, items, 2);
		if (k >= 0)
			pt = k == 0 ? "iommu=pt" : NULL;
	}
	f = check_add(c, "cmdline.identity", NULL, NULL, pt ? ST_FAIL : ST_PASS);
	snprintf(f->expected, sizeof(f->expected), "translated (DMA) default domains");
	snprintf(f->actual, sizeof(f->actual), "%s", pt ? pt : "no passthrough parameter");
	if (pt)
		finding_msg(f, "%s gives devices identity (passthrough) domains: host DMA is not translated; fix: remove it", pt);
	else
		finding_msg(f, "no parameter asks for passthrough domains");
}

void check_cmdline_strict(struct ctx *c)
{
	const struct cmdline *cl = &c->m->cmdline;
	const char *how = NULL;
	struct finding *f;

	if (!check_cmdline_read(c, "cmdline.strict"))
		return;
	/* Deprecated spellings still set strict mode (iommu_set_dma_strict()). */
	for (int i = 0; i < cl->nparams; i++) {
		static const char *const strict[] = { "strict" }, *const fullflush[] = { "fullflush" };
		const struct cmdline_param *prm = &cl->params[i];

		/* early_param(): parse_early_param() never sees bootconfig's keys */
		if (cmdline_name_eq(prm->name, "iommu.strict") && cmdline_bool(prm->value) >= 0 &&
		    !prm->bootconfig)
			how = cmdline_bool(prm->value) ? "iommu.strict=1" : NULL;
		else if (cmdline_name_eq(prm->name, "intel_iommu") &&
			 cmdline_param_last_of(prm, strict, 1) == 0)
			how = "intel_iommu=strict";
		else if (cmdline_name_eq(prm->name, "amd_iommu") &&
			 cmdline_param_last_of(prm, fullflush, 1) == 0)
			how = "amd_iommu=fullflush";
	}
	f = check_add(c, "cmdline.strict", NULL, NULL, how ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "iommu.strict=1");
	if (how)
		snprintf(f->actual, sizeof(f->actual), "%s", how);
	else if (cmdline_has(cl, "iommu.strict"))
		snprintf(f->actual, sizeof(f->actual), "iommu.strict=%s%s",
			 cmdline_last(cl, "iommu.strict") ? cmdline_last(cl, "iommu.strict") : "",
			 cmdline_early_has(cl, "iommu.strict") ? "" : " from bootconfig, not applied");
	else
		snprintf(f->actual, sizeof(f->actual), "absent");
	if (how)
		finding_msg(f, "IOTLB invalidation is synchronous");
	else
		finding_msg(f, "without iommu.strict=1 the kernel may defer IOTLB invalidation (DMA-FQ), leaving freed pages reachable by DMA for a while; fix: add iommu.strict=1");
}


void check_cmdline_noats(struct ctx *c)
{
	const char *id = "cmdline.noats";
	struct finding *f;
	bool noats;

	if (c->m->cmdline_err) {
		finding_unknown(check_add(c, id, NULL, NULL, ST_FAIL), c->m->cmdline_why);
		return;
	}
	noats = cmdline_early_has_item(&c->m->cmdline, "pci", "noats"); /* early_param */
	f = check_add(c, id, NULL, NULL, noats ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "pci=noats");
	if (noats)
		snprintf(f->actual, sizeof(f->actual), "pci=noats");
	else if (cmdline_has_item(&c->m->cmdline, "pci", "noats"))
		snprintf(f->actual, sizeof(f->actual), "pci=noats from bootconfig, not applied");
	else
		snprintf(f->actual, sizeof(f->actual), "absent");
	if (noats)
		finding_msg(f, "the kernel will not enable ATS on any device");
	else
		finding_msg(f, "without pci=noats the IOMMU driver re-enables ATS when VFIO attaches a device, so a cleared ATS Enable does not last; fix: add pci=noats");
}
