// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gate.c - check, enforce and gate runs: scan, check, act, scan again.
 *
 * The gate is what the initramfs runs before udev can load a host GPU
 * driver. When the policy does not hold it stops the machine itself
 * (sync, then reboot(2)): measured with dracut 059, a hook's "die" without
 * rd.shell=0 drops to a root shell, emergency_shell with rd.shell=0
 * continues the boot, and halt/poweroff without -f are ignored by the
 * initramfs init. So the decision cannot be left to dracut.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "enforce.h"
#include "gate.h"
#include "lockdown.h"
#include "model.h"
#include "machine.h"
#include "measure.h"
#include "source.h"
#include "run.h"
#include "sysroot.h"

/*
 * `check` after boot: gate.boot over the report this boot's gate left.
 */
static void check_boot_report(struct run *x, const struct policy *p)
{
	if (x->failed || (x->m.src && !x->m.src->live))
		return;
	model_read_boot_report(&x->m, p->report);
	check_gate_boot(&x->c);
	checks_sort(&x->c);
}

enum verdict run_check(const struct run_opts *o)
{
	struct run *x = run_new(o->policy, "check");
	enum verdict v;

	if (x)
		check_boot_report(x, o->policy);
	v = run_finish(o, x);

	run_free(x);
	return v;
}


enum verdict run_enforce(const struct run_opts *o)
{
	struct run *x;
	enum verdict v;

	/* Before the scan: the level is read once, and platform.lockdown reads it there. */
	lockdown_read(!o->dry_run);
	x = run_new(o->policy, "enforce");
	if (x)
		x = run_enforce_on(o, x, "enforce", 0);
	v = run_finish(o, x);
	run_free(x);
	return v;
}


/* Is stderr already the console (as in an initramfs hook)? Then once is enough. */
static bool stderr_is_console(void)
{
	struct stat a, b;

	if (sysroot_is_redirected() || fstat(STDERR_FILENO, &a) || stat("/dev/console", &b))
		return false;
	return S_ISCHR(a.st_mode) && S_ISCHR(b.st_mode) && a.st_rdev == b.st_rdev;
}

/*
 * Print @text (whole lines) on stderr and, when @loud, on the console and
 * as critical kmsg records: under systemd stderr goes to the journal, whose
 * copy to the console may come after the machine stopped.
 */
static void announce(const char *text, bool loud)
{
	char *kmsg = NULL;
	size_t klen = 0;
	FILE *k;

	fputs(text, stderr);
	if (!loud)
		return;
	if (!stderr_is_console())
		run_append_lines("/dev/console", text);
	k = open_memstream(&kmsg, &klen);
	if (!k)
		return; /* stderr and the console carry the lines */
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		int n = (int)(nl ? nl - line + 1 : (long)strlen(line));

		fprintf(k, "<2>%.*s", n, line);
		line += n;
	}
	fclose(k);
	run_append_lines("/dev/kmsg", kmsg);
	free(kmsg);
}

/* One banner line per failed check, on stderr, and unless @dry_run the console and kmsg. */
static void banner(const struct run *x, bool dry_run)
{
	char *text = NULL;
	size_t len = 0;
	FILE *t = open_memstream(&text, &len);

	if (!t) {
		fprintf(stderr, "gpugate: GATE FAILED (out of memory for the banner)\n");
		return;
	}
	for (int i = 0; i < x->r.nfindings; i++) {
		const struct finding *f = &x->r.findings[i];

		if (f->status != ST_FAIL)
			continue;
		fprintf(t, "gpugate: GATE FAILED %s %s%s%s: %s\n", f->id, f->device[0] ? f->device : "host",
			f->port[0] ? " port " : "", f->port, f->message);
	}
	for (int i = 0; i < x->r.nactions; i++)
		if (!x->r.actions[i].ok && !x->r.actions[i].dry_run)
			fprintf(t, "gpugate: GATE FAILED action %s %s%s%s: %s\n",
				x->r.actions[i].device[0] ? x->r.actions[i].device : "host",
				x->r.actions[i].what, x->r.actions[i].device[0] ? "" : " -> ",
				x->r.actions[i].device[0] ? "" : x->r.actions[i].after, x->r.actions[i].why);
	fclose(t);
	announce(text, !dry_run);
	free(text);
}

enum override { OVR_NONE, OVR_AUDIT, OVR_OFF };

/* rd.gpugate= from the command line, honoured only when the policy allows. */
static enum override cmdline_override(const struct run *x, const struct policy *p)
{
	const char *v = x->failed ? NULL : cmdline_last(&x->m.cmdline, "rd.gpugate");
	enum override o = OVR_NONE;

	if (!v)
		return OVR_NONE;
	if (!strcmp(v, "audit"))
		o = OVR_AUDIT;
	else if (!strcmp(v, "off"))
		o = OVR_OFF;
	if (o == OVR_NONE) {
		fprintf(stderr, "gpugate: warning: rd.gpugate=%s is not audit or off: ignored\n", v);
		return OVR_NONE;
	}
	if (!p->allow_cmdline_override) {
		fprintf(stderr, "gpugate: warning: rd.gpugate=%s ignored: the policy does not allow a command-line override ([gate] allow_cmdline_override = no)\n", v);
		return OVR_NONE;
	}
	fprintf(stderr, "gpugate: rd.gpugate=%s honoured (allowed by the policy)\n", v);
	return o;
}

static const struct {
	const char *name;
	int cmd;
} stops[] = {
	[FAIL_HALT] = { "halt", RB_HALT_SYSTEM },
	[FAIL_POWEROFF] = { "poweroff", RB_POWER_OFF },
	[FAIL_REBOOT] = { "reboot", RB_AUTOBOOT },
	[FAIL_EMERGENCY] = { "emergency", 0 },
};

/* Carry out on_failure. Returns only when it could not (or must not) stop. */
static void stop_machine(const struct run_opts *o)
{
	enum on_failure how = o->policy->on_failure;
	char line[64];

	if (how == FAIL_EMERGENCY) {
		fprintf(stderr, "gpugate: on_failure=emergency: exiting non-zero; the hook decides\n");
		return;
	}
	if (o->dry_run || !machine_may_act()) {
		fprintf(stderr, "gpugate: on_failure=%s: would sync and call reboot(%s) (not done: %s)\n",
			stops[how].name, how == FAIL_HALT ? "RB_HALT_SYSTEM" : how == FAIL_POWEROFF ? "RB_POWER_OFF" : "RB_AUTOBOOT",
			o->dry_run ? "--dry-run" : "--root");
		return;
	}
	snprintf(line, sizeof(line), "gpugate: on_failure=%s: stopping the machine\n", stops[how].name);
	announce(line, true);
	sync();
	reboot(stops[how].cmd);
	fprintf(stderr, "gpugate: reboot(%s) failed: %s\n", stops[how].name, strerror(errno));
}

/* The report could not be written: a finding, so the banner names it. */
static enum verdict report_unwritten(struct run *x, const char *path)
{
	char why[POLICY_PATH_LEN + 64];

	snprintf(why, sizeof(why), "cannot write the report to %s%s", sysroot_prefix(), path);
	check_access_failed(&x->c, why);
	return VERDICT_ERROR;
}

static const char *const override_names[] = { "none", "audit", "off" };

/*
 * Does this gate run change the host? Not with --verify, not in
 * audit-readonly, not when rd.gpugate=off is honoured: an override only
 * ever takes actions away.
 */
static bool gate_acts(const struct run_opts *o, enum override ovr)
{
	return !o->verify && ovr != OVR_OFF && o->policy->mode != MODE_AUDIT_READONLY;
}

/* Say in the report how this gate ran; returns whether a failure stops the machine. */
static bool gate_label(struct run *x, const struct policy *p, enum override ovr)
{
	x->r.override = override_names[ovr];
	x->r.enforcing = p->mode == MODE_ENFORCE && ovr == OVR_NONE;
	if (ovr == OVR_OFF)
		fprintf(stderr, "gpugate: gate disabled by rd.gpugate=off: checking only, the boot continues\n");
	else if (ovr == OVR_AUDIT)
		fprintf(stderr, "gpugate: audit mode: the boot continues whatever the result (rd.gpugate=audit)\n");
	else if (!x->r.enforcing)
		fprintf(stderr, "gpugate: %s mode: the boot continues whatever the result\n",
			x->r.policy_mode);
	return x->r.enforcing;
}

/*
 * Measure the verdict the checks and fixes decided (measure.c), then judge
 * tpm.measure on what was measured: with [tpm] measure = required a
 * measurement that failed fails the gate.
 */
static void gate_measure(const struct run_opts *o, struct run *x)
{
	measure_gate(&x->ms, o->policy, o->verify, o->dry_run, run_verdict(x) == VERDICT_PASS,
		     &x->r.tpm);
	report_drop(&x->r, "tpm.measure");
	check_tpm_measure(&x->c);
	checks_sort(&x->c);
}

enum verdict run_gate(const struct run_opts *o, bool *boot_goes_on)
{
	struct run *x;
	enum override ovr;
	enum verdict v;

	*boot_goes_on = false;
	/* In an initramfs only the gate may mount securityfs for the level;
	 * an unreadable level fails enforce (lockdown_known()). The level is
	 * read once: before the scan, whose platform.lockdown reads it too. */
	lockdown_read(!o->dry_run && machine_may_act());
	x = run_new(o->policy, "gate");
	if (!x)
		return VERDICT_ERROR;
	ovr = cmdline_override(x, o->policy);
	if (gate_acts(o, ovr))
		x = run_enforce_on(o, x, "gate", 0);
	gate_label(x, o->policy, ovr);
	gate_measure(o, x);
	v = run_finish(o, x);
	if (o->dry_run)
		fprintf(stderr, "gpugate: --dry-run: would write the report to %s%s\n",
			sysroot_prefix(), o->policy->report);
	else if (run_write_report(x, o->policy->report, true))
		v = report_unwritten(x, o->policy->report);
	if (v != VERDICT_PASS)
		measure_fail_late(&x->ms, &x->r.tpm);
	if (v == VERDICT_PASS)
		fprintf(stderr, "gpugate: gate%s: policy holds\n", o->verify ? " --verify" : "");
	if (v != VERDICT_PASS) {
		banner(x, o->dry_run);
		if (!x->r.enforcing) {
			fprintf(stderr, "gpugate: audit mode: the boot continues although the policy does not hold\n");
			*boot_goes_on = true;
			run_free(x);
			return v;
		}
		stop_machine(o);
	}
	run_free(x);
	return v;
}
