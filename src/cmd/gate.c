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

#include "caps.h"
#include "checks.h"
#include "enforce.h"
#include "gate.h"
#include "lockdown.h"
#include "model.h"
#include "modload.h"
#include "machine.h"
#include "measure.h"
#include "source.h"
#include "sysroot.h"

struct run {
	struct model m;
	struct report r;
	struct ctx c;
	bool failed; /* the scan itself failed: nothing is known */
	struct measure ms; /* gate: the TPM it measured into (measure.c) */
};

/*
 * The report names its host. Absent (a tree or snapshot without it): null.
 * Unreadable: the run is undetermined, as for any read that fails.
 */
static void run_hostname(struct run *x)
{
	char why[96];
	int rc = sysroot_read_line("/proc/sys/kernel/hostname", x->r.hostname,
				   sizeof(x->r.hostname));

	if (!rc)
		return;
	x->r.hostname[0] = '\0';
	if (rc == -ENOENT)
		return;
	snprintf(why, sizeof(why), "cannot read /proc/sys/kernel/hostname: %s", strerror(-rc));
	check_access_failed(&x->c, why);
	checks_sort(&x->c);
}

static struct run *run_new(const struct policy *p, const char *mode)
{
	struct run *x = calloc(1, sizeof(*x));
	char err[512];

	if (!x) {
		fprintf(stderr, "gpugate: out of memory\n");
		return NULL;
	}
	x->r.mode = mode;
	x->r.policy_mode = policy_mode_name(p->mode);
	x->r.override = "none";
	x->r.started = (long long)time(NULL);
	x->r.policy_sha256 = p->sha256[0] ? p->sha256 : NULL;
	x->r.tpm.measure = policy_measure_name(p->tpm_measure);
	x->r.tpm.pcr = p->tpm_pcr;
	x->c = (struct ctx){ .m = &x->m, .p = p, .r = &x->r };
	x->ms.dev.fd = -1;
	if (model_build(&x->m, p, err, sizeof(err))) {
		char why[700];

		snprintf(why, sizeof(why), "cannot scan PCI devices%s%s: %s",
			 sysroot_is_redirected() ? " under " : "", sysroot_prefix(), err);
		fprintf(stderr, "gpugate: %s\n", why);
		check_access_failed(&x->c, why);
		x->failed = true;
		return x;
	}
	/* enforce loads modules through the module index driver.host's lookups opened */
	x->c.kmod = x->m.kmod;
	x->c.kmod_err = x->m.kmod_err;
	x->c.kmod_tried = x->m.kmod_tried;
	x->m.kmod = NULL;
	checks_run(&x->c);
	run_hostname(x);
	return x;
}

/* -v: the capabilities found in each config space the checks read. */
static void describe_config(const struct model *m)
{
	char caps[128];

	for (int i = 0; i < m->ndevs; i++) {
		const struct pdev *d = &m->devs[i];

		if (!d->cfg_loaded)
			continue;
		caps_describe(caps, sizeof(caps), &d->caps);
		fprintf(stderr, "gpugate: config %s: %zu bytes, %s%s%s\n", d->bdf, d->cfg_len, caps,
			d->cfg_err ? "; undetermined: " : "", d->cfg_err ? d->cfg_why : "");
	}
}

/* -v: what was scanned, under which root, and what the policy protects. */
static void run_describe(const struct run_opts *o, const struct run *x)
{
	int n = 0;

	if (!o->verbose || !x || x->failed)
		return;
	fprintf(stderr, "gpugate: %s: %d functions scanned under %s, kernel %s, IOMMUs: %s\n",
		x->r.mode, x->m.ndevs, sysroot_is_redirected() ? sysroot_prefix() : "/",
		x->m.kernel[0] ? x->m.kernel : "unknown", x->m.iommus[0] ? x->m.iommus : "none");
	for (int i = 0; i < x->m.ndevs; i++) {
		const struct pdev *d = &x->m.devs[i];

		if (!pdev_protected(d))
			continue;
		n++;
		fprintf(stderr, "gpugate: protected %s %04x:%04x class %04x (%s), group %d, driver %s\n",
			d->bdf, d->vendor, d->device, (unsigned int)d->class,
			d->matched ? "matched" : "companion", d->group, d->driver[0] ? d->driver : "none");
	}
	fprintf(stderr, "gpugate: %d protected function%s\n", n, n == 1 ? "" : "s");
	describe_config(&x->m);
}

static void run_free(struct run *x)
{
	if (!x)
		return;
	measure_close(&x->ms);
	modload_close(x->c.kmod);
	report_free(&x->r);
	model_free(&x->m);
	free(x);
}

static enum verdict run_verdict(const struct run *x)
{
	return !x || x->failed || x->c.oom ? VERDICT_ERROR : report_verdict(&x->r);
}

/* Render the JSON report of @x into a malloc'd string. */
static char *report_json(const struct run *x, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	report_print(f, &x->r, &x->m, FMT_JSON, false);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Write the JSON report to @path (through the sysroot when @in_root). */
static int write_report(const struct run *x, const char *path, bool in_root)
{
	size_t len = 0;
	char *json = report_json(x, &len);
	int rc = -ENOMEM;
	FILE *f;

	if (json && in_root) {
		rc = sysroot_write_file(path, json, len);
	} else if (json) {
		f = fopen(path, "w");
		rc = f ? 0 : -errno;
		if (f && (fwrite(json, 1, len, f) != len || fflush(f)))
			rc = -EIO;
		if (f && fclose(f) && !rc)
			rc = -EIO;
	}
	free(json);
	if (rc)
		fprintf(stderr, "gpugate: cannot write report %s%s: %s\n",
			in_root ? sysroot_prefix() : "", path, strerror(-rc));
	return rc;
}

/* Print @x as asked and write -o; returns the final verdict. */
static enum verdict run_finish(const struct run_opts *o, const struct run *x)
{
	enum verdict v = run_verdict(x);

	if (!x)
		return VERDICT_ERROR;
	run_describe(o, x);
	report_print(stdout, &x->r, &x->m, o->format, o->quiet);
	if (o->report && write_report(x, o->report, false))
		v = VERDICT_ERROR;
	return v;
}

/*
 * `check` after boot: gate.boot over the report this boot's gate left.
 */
static void check_boot_report(struct run *x, const struct policy *p)
{
	if (x->failed || (x->m.src && !x->m.src->live))
		return;
	model_read_boot_report(&x->m, p->report);
	check_gate_boot(&x->c, NULL);
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

static bool same_finding(const struct finding *a, const struct finding *b)
{
	return !strcmp(a->id, b->id) && !strcmp(a->device, b->device) &&
	       !strcmp(a->port, b->port);
}

/*
 * A finding that failed in the first @nbefore findings of @before (the check
 * before the actions) and passes after them was fixed.
 */
static void mark_fixed(struct report *after, const struct report *before, int nbefore)
{
	for (int i = 0; i < after->nfindings; i++) {
		struct finding *f = &after->findings[i];

		if (f->status != ST_PASS)
			continue;
		for (int k = 0; k < nbefore; k++) {
			if (before->findings[k].status == ST_FAIL && !before->findings[k].undetermined &&
			    same_finding(f, &before->findings[k])) {
				f->status = ST_FIXED;
				break;
			}
		}
	}
}

/* Findings @from[first..] that the actions themselves raised (a refused module). */
static void copy_findings(struct report *to, const struct report *from, int first)
{
	for (int i = first; i < from->nfindings; i++) {
		const struct finding *f = &from->findings[i];
		struct finding *n = report_add(to, f->id, f->device, f->port, f->status);

		if (n)
			*n = *f;
	}
}

/*
 * Copy the undetermined findings of the check before the actions (the first
 * @n of @from). Enforce could not act on what it could not read, so the run
 * stays undetermined even when the check after the actions reads
 * everything. Returns false when out of memory.
 */
static bool copy_unknown(struct report *to, const struct report *from, int n)
{
	for (int i = 0; i < n; i++) {
		const struct finding *f = &from->findings[i];
		struct finding *c;

		if (!f->undetermined)
			continue;
		c = report_add(to, f->id, f->device, f->port, f->status);
		if (!c)
			return false;
		*c = *f;
		snprintf(c->message, sizeof(c->message), "before enforce: %s", f->message);
	}
	return true;
}

static void copy_actions(struct report *to, const struct report *from)
{
	for (int i = 0; i < from->nactions; i++) {
		const struct action *a = &from->actions[i];
		struct action *n = report_action(to, a->device, a->what, a->before, a->after, a->ok,
						 a->dry_run);

		if (n)
			snprintf(n->why, sizeof(n->why), "%s", a->why);
	}
}

/*
 * An ACS or ATS check still failing where lockdown refused the config
 * write says so, with the action's fix for this kernel.
 */
static void name_lockdown(struct report *r)
{
	for (int i = 0; i < r->nactions; i++) {
		const struct action *a = &r->actions[i];

		if (a->ok || strncmp(a->why, LOCKDOWN_REFUSED, strlen(LOCKDOWN_REFUSED)))
			continue;
		for (int k = 0; k < r->nfindings; k++) {
			struct finding *f = &r->findings[k];
			const char *on = f->port[0] ? f->port : f->device;

			if (f->status == ST_FAIL && strcmp(on, a->device) == 0 &&
			    (!strncmp(f->id, "acs.", 4) || !strncmp(f->id, "ats.", 4)))
				snprintf(f->message, sizeof(f->message), "not fixed: %s", a->why);
		}
	}
}

/*
 * Carry out the actions @b's findings call for, then scan and check again.
 * Returns the run whose verdict counts (@b itself for a dry run).
 */
static struct run *enforce_on(const struct run_opts *o, struct run *b, const char *mode)
{
	struct run *a;
	int checked;

	if (b->failed)
		return b;
	checked = b->r.nfindings;
	enforce_apply(&b->c, o->dry_run);
	if (o->dry_run) {
		checks_sort(&b->c);
		return b;
	}
	a = run_new(o->policy, mode);
	if (!a)
		return b;
	copy_actions(&a->r, &b->r);
	mark_fixed(&a->r, &b->r, checked);
	if (!copy_unknown(&a->r, &b->r, checked))
		a->c.oom = true;
	copy_findings(&a->r, &b->r, checked);
	name_lockdown(&a->r);
	checks_sort(&a->c);
	run_free(b);
	return a;
}

enum verdict run_enforce(const struct run_opts *o)
{
	struct run *x = run_new(o->policy, "enforce");
	enum verdict v;

	if (x)
		x = enforce_on(o, x, "enforce");
	v = run_finish(o, x);
	run_free(x);
	return v;
}

/*
 * Append each line of @text to @path (console or kmsg) with a write() of
 * its own: /dev/kmsg makes one record of each write (devkmsg_write()) and
 * reads the "<N>" level only at its start.
 */
static void banner_to(const char *path, const char *text)
{
	FILE *f = sysroot_fopen(path, "a");

	if (!f)
		return; /* stderr carries the same lines */
	while (*text) {
		size_t n = strcspn(text, "\n");
		ssize_t w = write(fileno(f), text, n + (text[n] == '\n'));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		text += w;
	}
	fclose(f);
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
		banner_to("/dev/console", text);
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
	banner_to("/dev/kmsg", kmsg);
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
	struct run *x = run_new(o->policy, "gate");
	enum override ovr;
	enum verdict v;

	*boot_goes_on = false;
	if (!x)
		return VERDICT_ERROR;
	/* In an initramfs only the gate may mount securityfs for the level;
	 * an unreadable level fails enforce (lockdown_known()). */
	lockdown_read(!o->dry_run && machine_may_act());
	ovr = cmdline_override(x, o->policy);
	if (gate_acts(o, ovr))
		x = enforce_on(o, x, "gate");
	gate_label(x, o->policy, ovr);
	gate_measure(o, x);
	v = run_finish(o, x);
	if (o->dry_run)
		fprintf(stderr, "gpugate: --dry-run: would write the report to %s%s\n",
			sysroot_prefix(), o->policy->report);
	else if (write_report(x, o->policy->report, true))
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
