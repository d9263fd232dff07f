// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gate.c - gate.boot: did this boot's gate enforce, and did the policy
 * hold? `check` runs it after boot, over the first line of the report the
 * gate left (m->boot, read by model_read_boot_report); no report is a
 * warning. It also says in the report what it found (r->boot).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

/* gate.boot from the header of a boot report that was read. */
static void boot_judge(struct ctx *c, struct finding *f)
{
	const struct boot_report *b = &c->m->boot;

	snprintf(f->expected, sizeof(f->expected), "enforcing, result pass");
	snprintf(f->actual, sizeof(f->actual), "%s, mode %s, override %s, result %s",
		 b->enforcing ? "enforcing" : "not enforcing", b->policy_mode, b->override,
		 b->result);
	if (!b->gate) {
		finding_unknown(f, "the boot report is not a gate report");
		return;
	}
	f->status = b->enforcing && !strcmp(b->result, "pass") ? ST_PASS : ST_WARN;
	c->r->boot.enforcing = b->enforcing;
	c->r->boot.pass = !strcmp(b->result, "pass");
	if (f->status == ST_PASS)
		finding_msg(f, "the gate enforced the policy at boot and it held (%s)", c->p->report);
	else
		finding_msg(f, "this boot did not enforce the policy (%s); fix: when the audit reports pass, set [gate] mode = enforce, drop rd.gpugate= from the command line and rebuild the initramfs (docs/operations.md)",
			    c->p->report);
}

void check_gate_boot(struct ctx *c)
{
	const struct boot_report *b = &c->m->boot;
	const char *root = b->root ? b->root : "";
	struct finding *f;

	f = check_add(c, "gate.boot", NULL, NULL, ST_WARN);
	if (!b->read) {
		finding_unknown(f, "the boot report was not read");
		return;
	}
	c->r->boot.checked = true;
	c->r->boot.present = b->err != -ENOENT;
	if (b->err == -ENOENT) {
		snprintf(f->expected, sizeof(f->expected), "a boot report");
		snprintf(f->actual, sizeof(f->actual), "none");
		finding_msg(f, "no boot report at %s%s: the gate did not run at this boot, or /run did not reach the root; fix: install the gate into the initramfs (update-initramfs -u, or dracut -f) and reboot",
			    root, c->p->report);
	} else if (b->err) {
		char why[POLICY_PATH_LEN + 64];

		snprintf(why, sizeof(why), "cannot read the boot report %s%s: %s", root,
			 c->p->report, strerror(-b->err));
		finding_unknown(f, why);
	} else {
		boot_judge(c, f);
	}
}
