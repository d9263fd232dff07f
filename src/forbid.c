// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * forbid.c - cmdline.forbidden: parameters that the policy forbids.
 *
 * An entry is "name" (forbidden with any value) or "name=value". Values
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

void check_cmdline_forbidden(struct ctx *c, struct pdev *unused)
{
	int hits = 0;
	struct finding *f;

	(void)unused;
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
