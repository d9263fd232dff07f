// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforce.c - carry out what the checks found missing.
 *
 * Order matters. The VFIO modules are loaded first, so that binding can
 * succeed. Binding comes before the ATS writes because vfio-pci may reset
 * the function, and a reset restores the ATS state the kernel saved
 * (pci_restore_ats_state()). ACS is written on ports, which no binding
 * touches. Every register write is read back; a value that does not stick
 * (kernel lockdown, a hostile device, a vanished one) is a failed action.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pci/header.h>

#include "enforce.h"
#include "lockdown.h"
#include "modload.h"
#include "pcidev.h"
#include "show.h"
#include "machine.h"
#include "sysroot.h"

/*
 * The fix for a config write that lockdown refused, on this kernel: ATS
 * stays off only with pci=noats; ACS bits come from pci=config_acs= from
 * Linux 6.11 on, and before that only from the kernel's own defaults.
 */
static void lockdown_fix(const struct ctx *c, const struct pdev *d, bool acs, char *buf, size_t len)
{
	char mask[8];

	if (!acs) {
		snprintf(buf, len, "fix: boot with pci=noats");
		return;
	}
	if (kernel_at_least(c->m->kernel, CONFIG_ACS_MAJOR, CONFIG_ACS_MINOR)) {
		acs_mask(c->p, mask);
		snprintf(buf, len, "fix: boot with pci=config_acs=%s@%s (gpugate cmdline: all ports)",
			 mask, d->bdf);
		return;
	}
	snprintf(buf, len, "kernel %s has no pci=config_acs= (%d.%d+): pci=noats gets TB, a firmware-set DT cannot be cleared",
		 c->m->kernel[0] ? c->m->kernel : "unknown", CONFIG_ACS_MAJOR, CONFIG_ACS_MINOR);
}

int enforce_reg(struct ctx *c, struct pdev *d, int pos, uint16_t set, uint16_t clear,
		const char *what, bool dry_run)
{
	char before_s[16], after_s[16];
	uint16_t before, after, back = 0;
	bool wrote, read_ok;
	struct action *a;
	int rc;

	rc = pcidev_read_word(d, pos, &before);
	if (rc) {
		a = report_action(c->r, d->bdf, what, "?", "?", false, dry_run);
		if (a)
			snprintf(a->why, sizeof(a->why), "cannot read config offset 0x%03x", pos);
		return rc;
	}
	after = (uint16_t)((before | set) & ~clear);
	if (after == before)
		return 0;
	snprintf(before_s, sizeof(before_s), "0x%04x", before);
	snprintf(after_s, sizeof(after_s), "0x%04x", after);
	if (dry_run) {
		report_action(c->r, d->bdf, what, before_s, after_s, true, true);
		return 0;
	}
	rc = pcidev_write_word(d, pos, after);
	wrote = !rc;
	read_ok = wrote && !pcidev_read_word(d, pos, &back);
	if (!rc && (!read_ok || back != after))
		rc = -EIO;
	a = report_action(c->r, d->bdf, what, before_s, after_s, !rc, false);
	if (a && rc && wrote && read_ok) {
		snprintf(a->why, sizeof(a->why), "value did not read back (lockdown or device refused)");
		snprintf(a->after + strlen(a->after), sizeof(a->after) - strlen(a->after),
			 " (read 0x%04x)", back);
	} else if (a && rc && !wrote && lockdown_active()) {
		char fix[192];

		lockdown_fix(c, d, pos == d->caps.acs + PCI_ACS_CTRL && d->caps.acs, fix, sizeof(fix));
		snprintf(a->why, sizeof(a->why), LOCKDOWN_REFUSED "%s] refused the write; %s",
			 lockdown_level(), fix);
	} else if (a && rc) {
		snprintf(a->why, sizeof(a->why), "%s", wrote ? "read-back failed (device gone?)" :
			 "write failed (permission, or the device is gone)");
	}
	return rc;
}

int enforce_attr(struct ctx *c, struct pdev *d, const char *attr, const char *value,
		 const char *before, bool dry_run)
{
	char path[128];
	struct action *a;
	int rc = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", d->bdf, attr);
	if (!dry_run)
		rc = sysroot_write(path, value);
	a = report_action(c->r, d->bdf, attr, before, value, !rc, dry_run);
	if (a && rc)
		snprintf(a->why, sizeof(a->why), "write %s: %s", path, strerror(-rc));
	return rc;
}

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

/* The lockdown level decides what a refused write means: it must be known. */
static int lockdown_known(struct ctx *c, bool dry_run)
{
	int rc = lockdown_read(!dry_run);
	struct action *a;

	if (!rc)
		return 0;
	a = report_action(c->r, NULL, "read lockdown", "", "", false, false);
	if (a)
		snprintf(a->why, sizeof(a->why), "/sys/kernel/security/lockdown: %s", strerror(-rc));
	return 1;
}

int enforce_apply(struct ctx *c, bool dry_run)
{
	int bad = lockdown_known(c, dry_run || !machine_may_act());

	/* Under --root no module may reach the running kernel. */
	bad += modules_load(c, dry_run || !machine_may_act());
	bad += bind_fix(c, dry_run);
	if (c->p->acs_fix)
		bad += acs_fix(c, dry_run);
	if (c->p->ats_fix)
		bad += ats_fix(c, dry_run);
	return bad;
}
