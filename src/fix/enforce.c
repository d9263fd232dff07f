// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforce.c - carry out what the checks found missing: the fix table.
 *
 * Order matters. The VFIO modules are loaded first, so that binding can
 * succeed. Binding comes before the ATS writes because vfio-pci may reset
 * the function, and a reset restores the ATS state the kernel saved
 * (pci_restore_ats_state()). ACS is written on ports, which no binding
 * touches. Every write is read back (write.c); a value that does not stick
 * (kernel lockdown, a hostile device, a vanished one) is a failed action.
 */
#include <stdio.h>
#include <string.h>

#include "enforce.h"
#include "fixes.h"
#include "lockdown.h"
#include "machine.h"

#define ON(field) offsetof(struct policy, field)

/* Walked in order by enforce_apply: each row's switch, then its fix. */
static const struct fix fixes[] = {
	{ { "bind.vfio", NULL }, FIX_ALWAYS, ENFORCE_BIND, fix_modules },
	{ { "bind.vfio", NULL }, FIX_ALWAYS, ENFORCE_BIND, fix_bind },
	{ { "acs.path", "acs.peers", "acs.enhanced", NULL }, ON(acs_fix), ENFORCE_ACS_ATS, fix_acs },
	{ { "ats.disabled", NULL }, ON(ats_fix), ENFORCE_ACS_ATS, fix_ats },
};

bool fix_repairs(const struct fix *row, const char *id)
{
	for (int i = 0; row->ids[i]; i++)
		if (!strcmp(row->ids[i], id))
			return true;
	return false;
}

const char *enforce_fix_id(size_t i)
{
	for (size_t r = 0; r < sizeof(fixes) / sizeof(fixes[0]); r++)
		for (int k = 0; fixes[r].ids[k]; k++)
			if (!i--)
				return fixes[r].ids[k];
	return NULL;
}

/* Does the policy turn @row on, and is it in @scope (0: every row)? */
static bool fix_enabled(const struct fix *row, const struct policy *p, unsigned int scope)
{
	if (scope && !(row->scope & scope))
		return false;
	return row->on == FIX_ALWAYS || *(const bool *)((const char *)p + row->on);
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

int enforce_apply(struct ctx *c, bool dry_run, unsigned int scope)
{
	const struct write_ctx w = { .r = c->r, .kernel = c->m->kernel, .p = c->p, .dry_run = dry_run };
	int bad = lockdown_known(c, dry_run || !machine_may_act());

	for (size_t i = 0; i < sizeof(fixes) / sizeof(fixes[0]); i++)
		if (fix_enabled(&fixes[i], c->p, scope))
			bad += fixes[i].run(c, &fixes[i], &w);
	return bad;
}
