// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * run.c - one run of the checks (scan, model, checks) and the enforce step
 * over it (fix table, scan again, check again, fixed findings marked),
 * shared by check, enforce and gate (gate.c) and the runtime guard
 * (guard.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "enforce.h"
#include "lockdown.h"
#include "modload.h"
#include "run.h"
#include "source.h"
#include "sysroot.h"

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

struct run *run_new(const struct policy *p, const char *mode)
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

void run_free(struct run *x)
{
	if (!x)
		return;
	measure_close(&x->ms);
	modload_close(x->c.kmod);
	report_free(&x->r);
	model_free(&x->m);
	free(x);
}

enum verdict run_verdict(const struct run *x)
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

int run_write_report(const struct run *x, const char *path, bool in_root)
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

enum verdict run_finish(const struct run_opts *o, const struct run *x)
{
	enum verdict v = run_verdict(x);

	if (!x)
		return VERDICT_ERROR;
	run_describe(o, x);
	report_print(stdout, &x->r, &x->m, o->format, o->quiet);
	if (o->report && run_write_report(x, o->report, false))
		v = VERDICT_ERROR;
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

struct run *run_enforce_on(const struct run_opts *o, struct run *b, const char *mode,
			   unsigned int scope)
{
	struct run *a;
	int checked;

	if (b->failed)
		return b;
	checked = b->r.nfindings;
	enforce_apply(&b->c, o->dry_run, scope);
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

/* /dev/kmsg makes one record of each write (devkmsg_write()) and reads the
 * "<N>" level only at its start: hence one write() per line. */
void run_append_lines(const char *path, const char *text)
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
