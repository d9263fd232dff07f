// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * modules.c - the module fix: load vfio, vfio_iommu_type1 and the policy's
 * driver through libkmod (modload.c), first so that binding can succeed.
 * busybox ignores softdeps, so vfio_iommu_type1 is named. A module whose
 * options the policy forbids vetoes the load. Without the may-act flag
 * (--root, a dump) the loads are only planned: no module may reach the
 * running kernel.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixes.h"
#include "machine.h"
#include "modload.h"

struct veto {
	struct ctx *c;
	const char *top;
	bool dry_run;
};

/* The finding for a module load refused because of @why. */
static void module_refuse(struct veto *v, const char *module, const char *actual, const char *why)
{
	struct finding *f = check_add(v->c, "cmdline.forbidden", NULL, NULL, ST_FAIL);

	snprintf(f->expected, sizeof(f->expected), "no forbidden module option");
	snprintf(f->actual, sizeof(f->actual), "%s", actual);
	finding_msg(f, "refusing to load %s: %s; fix: remove the option from modprobe.d and the kernel command line", module, why);
}

/*
 * Refuse a module whose options (modprobe.d and the command line, as libkmod
 * passes them) the policy forbids. A bare bool option counts as true.
 */
static bool module_step(void *data, const char *module, const struct cmdline *opts)
{
	struct veto *v = data;
	char name[192], why[256];
	bool ok = opts != NULL;

	if (!opts)
		module_refuse(v, module, "options unknown", "libkmod's options for it are longer than gpugate reads");
	for (int i = 0; opts && i < opts->nparams; i++) {
		const struct cmdline_param *o = &opts->params[i];

		snprintf(name, sizeof(name), "%s.%s", module, o->name);
		if (!forbid_matches(v->c->p, name, o->value))
			continue;
		snprintf(why, sizeof(why), "modprobe.d or the kernel command line gives it %s%s%s, which the policy forbids",
			 o->name, o->value ? "=" : "", o->value ? o->value : "");
		module_refuse(v, module, name, why);
		ok = false;
	}
	/* Each probe lists the shared dependencies again: record a module once. */
	for (int i = 0; i < v->c->r->nactions; i++)
		if (!strcmp(v->c->r->actions[i].what, "load module") &&
		    !strcmp(v->c->r->actions[i].after, module))
			return ok;
	report_action(v->c->r, NULL, "load module", "", module, ok, v->dry_run);
	return ok;
}

/* Load the policy driver's modules and vfio_iommu_type1 (busybox ignores softdeps). */
static int modules_load(struct ctx *c, bool dry_run)
{
	char driver[64], why[256];
	const char *mods[] = { "vfio", "vfio_iommu_type1", driver };
	int bad = 0;

	snprintf(driver, sizeof(driver), "%s", c->p->driver);
	for (char *s = driver; *s; s++)
		*s = *s == '-' ? '_' : *s;
	if (!c->kmod_tried) {
		c->kmod_tried = true;
		c->kmod_err = modload_open(&c->kmod, c->m->kernel, why, sizeof(why));
	}
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		struct veto v = { .c = c, .top = mods[i], .dry_run = dry_run };
		int rc = c->kmod_err ? c->kmod_err
				     : modload_probe(c->kmod, mods[i], dry_run, module_step, &v);
		struct action *a;

		if (!rc)
			continue;
		bad++;
		a = report_action(c->r, NULL, "load module", "", mods[i], false, false);
		if (a)
			snprintf(a->why, sizeof(a->why), "%s",
				 c->kmod_err ? "module index unavailable" :
				 modload_load_error() ? modload_load_error() :
				 rc == -EPERM ? "refused: forbidden option" : strerror(-rc));
	}
	return bad;
}

int fix_modules(struct ctx *c, const struct fix *row, const struct write_ctx *w)
{
	(void)row; /* the modules are loaded whatever failed: binding needs them */
	/* Under --root no module may reach the running kernel. */
	return modules_load(c, w->dry_run || !machine_may_act());
}
