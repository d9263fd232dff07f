// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guard.c - the runtime guard's events and its full run: `gpugate guard
 * event ACTION BDF` (run by config/69-gpugate.rules for every PCI add, bind
 * and AER change) and `gpugate guard once`. An add or bind first decides
 * from the function's own sysfs files (and its slot's) whether it is
 * protected at all, so the rule costs a few reads on every other function.
 * A protected add gets driver_override and a probe; a bind to another
 * driver is the finding guard.bind, repaired with [guard] bind = unbind.
 * The full run is run.c's scan and check, with the ACS/ATS rows of the fix
 * table (and binding for once) when [guard] fix allows. In audit-readonly
 * mode nothing is written. Each event is one log line (stderr and kmsg,
 * "gpugate-guard:") and one count in the guard's metrics.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bdf.h"
#include "enforce.h"
#include "guard.h"
#include "guardmetrics.h"
#include "run.h"
#include "sysroot.h"
#include "write.h"

/* How long an add waits for the kernel's own probe to bind the function. */
#define GUARD_SETTLE_MS 1000

enum { EXIT_HOLDS = 0, EXIT_FINDING = 1, EXIT_USAGE = 2, EXIT_UNKNOWN = 3 };

/* One event: what it was, what came of it, and the words of its log line. */
struct guard_ev {
	const struct run_opts *o;
	enum guard_kind kind;
	const char *bdf; /* NULL: the host (change, once) */
	enum guard_outcome out;
	char msg[384];
};

/* The worse of two outcomes: error over finding over fixed over ok. */
static enum guard_outcome outcome_worse(enum guard_outcome a, enum guard_outcome b)
{
	static const int rank[] = { [GUARD_OK] = 0, [GUARD_FIXED] = 1, [GUARD_FINDING] = 2,
				    [GUARD_ERROR] = 3 };

	return rank[b] > rank[a] ? b : a;
}

static int outcome_exit(enum guard_outcome o)
{
	return o == GUARD_OK || o == GUARD_FIXED ? EXIT_HOLDS :
	       o == GUARD_FINDING		  ? EXIT_FINDING :
						    EXIT_UNKNOWN;
}

/* Append to the event's log line. */
static void ev_say(struct guard_ev *e, const char *fmt, ...)
{
	size_t n = strlen(e->msg);
	va_list ap;

	if (n >= sizeof(e->msg) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(e->msg + n, sizeof(e->msg) - n, fmt, ap);
	va_end(ap);
}

/* May the guard write? Not in audit-readonly mode (--dry-run plans the writes instead). */
static bool guard_writes(const struct run_opts *o)
{
	return o->policy->mode != MODE_AUDIT_READONLY;
}

/*
 * Log the event's line on stderr and, unless --dry-run, as a kmsg record
 * (warning for a finding or an error, info otherwise). Under --root only
 * ROOT/dev/kmsg, and only when the tree has one: never the real one.
 */
static void ev_log(const struct guard_ev *e)
{
	char line[sizeof(e->msg) + 96];
	int prio = e->out == GUARD_FINDING || e->out == GUARD_ERROR ? 4 : 6;
	int n;

	n = snprintf(line, sizeof(line), "gpugate-guard: %s %s: %s: %s\n", guard_kind_name(e->kind),
		     e->bdf ? e->bdf : "host", guard_outcome_name(e->out), e->msg);
	if (n < 0)
		return;
	fputs(line, stderr);
	if (e->o->dry_run || sysroot_exists("/dev/kmsg"))
		return;
	{
		char rec[sizeof(line) + 4];

		snprintf(rec, sizeof(rec), "<%d>%s", prio, line);
		run_append_lines("/dev/kmsg", rec);
	}
}

/* Count the event in the metrics (not for --dry-run); a failure is logged, not fatal. */
static void ev_record(const struct guard_ev *e)
{
	int rc;

	if (e->o->dry_run)
		return;
	rc = guard_metrics_record(e->o->policy, e->kind, e->out, time(NULL));
	if (rc < 0)
		fprintf(stderr, "gpugate-guard: cannot record the event in %s: %s\n",
			e->o->policy->guard_state, strerror(-rc));
	else if (rc == 1 && e->o->verbose)
		fprintf(stderr, "gpugate-guard: %s not written: its directory does not exist\n",
			e->o->policy->guard_metrics);
}

/* Log, record and turn the event into the exit status. */
static int ev_end(struct guard_ev *e)
{
	ev_log(e);
	ev_record(e);
	return outcome_exit(e->out);
}

/* ---- the fast path: is this one function protected? ---- */

/* Read the hex number in /sys/bus/pci/devices/@bdf/@attr ("0x10de"). */
static int read_hex_attr(const char *bdf, const char *attr, unsigned long *v)
{
	char path[96], buf[32], *end;
	int rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf, attr);
	rc = sysroot_read_line(path, buf, sizeof(buf));
	if (rc)
		return rc;
	errno = 0;
	*v = strtoul(buf, &end, 16);
	return errno || end == buf || *end ? -EINVAL : 0;
}

struct fn_ids {
	uint16_t vendor, device, cls; /* cls: base class and subclass */
};

static int read_ids(const char *bdf, struct fn_ids *f)
{
	unsigned long v, d, c;
	int rc = read_hex_attr(bdf, "vendor", &v);

	if (!rc)
		rc = read_hex_attr(bdf, "device", &d);
	if (!rc)
		rc = read_hex_attr(bdf, "class", &c);
	if (rc)
		return rc;
	f->vendor = (uint16_t)v;
	f->device = (uint16_t)d;
	f->cls = (uint16_t)(c >> 8);
	return 0;
}

static bool bdf_listed(const struct policy *p, const char *bdf)
{
	for (int i = 0; i < p->nbdf; i++)
		if (!strcmp(p->bdf[i], bdf))
			return true;
	return false;
}

/* 1 when @bdf is matched by [devices] bdf or match, 0 when not, -errno unknown. */
static int fn_matched(const struct policy *p, const char *bdf, struct fn_ids *f)
{
	int rc;

	if (bdf_listed(p, bdf))
		return 1;
	rc = read_ids(bdf, f);
	if (rc)
		return rc;
	return policy_matches(p, f->vendor, f->device, f->cls);
}

/*
 * Is @a protected: matched itself, or of a companion class with a matched
 * function in its slot (functions 0-7; companions = slot)? Reads only these
 * functions' vendor, device and class. Returns 1, 0, or -errno (unknown:
 * the caller runs the full scan).
 */
static int fn_protected(const struct policy *p, const struct bdf_addr *a)
{
	struct fn_ids f, o;
	char bdf[BDF_LEN];
	int rc;

	bdf_format(bdf, a);
	rc = fn_matched(p, bdf, &f);
	if (rc)
		return rc;
	if (p->companions != COMPANIONS_SLOT || !policy_is_companion_class(p, f.cls))
		return 0;
	for (unsigned int fn = 0; fn < 8; fn++) {
		struct bdf_addr s = *a;
		char path[96];

		s.fn = fn;
		bdf_format(bdf, &s);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
		if (fn == a->fn || sysroot_exists(path))
			continue;
		rc = fn_matched(p, bdf, &o);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the event's own writes ---- */

/* The name of @bdf's driver ("" for none). Returns 0 or -errno. */
static int fn_driver(const char *bdf, char *buf, size_t len)
{
	char path[96];
	int rc;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	buf[0] = '\0';
	rc = sysroot_link_name(path, buf, len);
	return rc == -ENOENT ? 0 : rc;
}

/* Print the actions of @r (what the event wrote or would write) on stderr. */
static void actions_print(const struct report *r)
{
	for (int i = 0; i < r->nactions; i++) {
		const struct action *a = &r->actions[i];

		fprintf(stderr, "gpugate-guard: %s%s%s %s: %s -> %s%s%s\n",
			a->dry_run ? "would write " : "", a->device, a->device[0] ? "" : "host",
			a->what, a->before[0] ? a->before : "-", a->after, a->ok ? "" : ": FAILED: ",
			a->ok ? "" : a->why);
	}
}

/* Set @d's driver_override to @want unless it holds it; read back. Returns 0 or -errno. */
static int fn_override(const struct write_ctx *w, struct pdev *d, const char *want)
{
	char over[64], path[96];

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", d->bdf);
	if (sysroot_read_line(path, over, sizeof(over)))
		snprintf(over, sizeof(over), "?");
	return strcmp(over, want) ? write_attr_back(w, d, "driver_override", want, over) : 0;
}

/*
 * Put @d on the policy driver: driver_override (read back), unbind from
 * its driver when it has one, drivers_probe, driver link read back. Returns
 * 0 or -errno (-ENODEV: another driver or none took it).
 */
static int fn_rebind(const struct write_ctx *w, struct pdev *d, const char *want)
{
	int rc = fn_override(w, d, want);

	if (!rc && d->driver[0])
		rc = write_attr(w, d, "driver/unbind", d->bdf, d->driver);
	if (!rc)
		rc = write_probe(w, d, want);
	return rc;
}

/* The outcome of a rebind: fixed, planned (dry run: a finding remains) or error. */
static void rebind_outcome(struct guard_ev *e, int rc)
{
	if (e->o->dry_run) {
		e->out = outcome_worse(e->out, GUARD_FINDING);
		ev_say(e, "; --dry-run: nothing written");
	} else if (rc) {
		e->out = outcome_worse(e->out, GUARD_ERROR);
		ev_say(e, "; repair failed: %s", strerror(-rc));
	} else {
		e->out = outcome_worse(e->out, GUARD_FIXED);
		ev_say(e, "; now on %s", e->o->policy->driver);
	}
}

/*
 * A protected function on @driver: the policy driver is ok; any other
 * (or none) is guard.bind, repaired when @repair and writes are allowed.
 */
static void bind_judge(struct guard_ev *e, struct pdev *d, bool repair)
{
	const struct policy *p = e->o->policy;
	struct report r = { 0 };
	const struct write_ctx w = { .r = &r, .p = p, .kernel = "", .dry_run = e->o->dry_run };

	if (!strcmp(d->driver, p->driver)) {
		ev_say(e, "on %s", p->driver);
		return;
	}
	ev_say(e, "guard.bind: protected function on %s, expected %s",
		d->driver[0] ? d->driver : "no driver", p->driver);
	if (!repair || !guard_writes(e->o)) {
		e->out = outcome_worse(e->out, GUARD_FINDING);
		ev_say(e, "%s", !guard_writes(e->o) ? " (audit-readonly: not repaired)" : "");
		return;
	}
	rebind_outcome(e, fn_rebind(&w, d, p->driver));
	actions_print(&r);
	report_free(&r);
}

/* ---- the verbs ---- */

/* Parse @s as a BDF in the kernel's spelling into @a; -EINVAL otherwise. */
static int bdf_arg(const char *s, struct bdf_addr *a)
{
	if (!bdf_is_canonical(s) || !bdf_parse(s, strlen(s), a)) {
		fprintf(stderr, "gpugate: guard event: '%s' is not a PCI address (DDDD:BB:DD.F)\n", s);
		return -EINVAL;
	}
	return 0;
}

/* The full run's outcome from its verdict and its fixed findings. */
static enum guard_outcome run_outcome(const struct run *x)
{
	enum verdict v = run_verdict(x);

	if (v == VERDICT_ERROR)
		return GUARD_ERROR;
	if (v == VERDICT_FAIL)
		return GUARD_FINDING;
	for (int i = 0; i < x->r.nfindings; i++)
		if (x->r.findings[i].status == ST_FIXED)
			return GUARD_FIXED;
	return GUARD_OK;
}

/* What the full run may fix: ACS/ATS with [guard] fix, binding with @bind; none read-only. */
static unsigned int run_scope(const struct run_opts *o, bool bind)
{
	unsigned int s = 0;

	if (!guard_writes(o))
		return 0;
	if (o->policy->guard_fix)
		s |= ENFORCE_ACS_ATS;
	if (bind && o->policy->guard_add == GUARD_ADD_OVERRIDE)
		s |= ENFORCE_BIND;
	return s;
}

/* Scan, check, fix within the scope, check again; the outcome joins @e's. */
static void full_run(struct guard_ev *e, bool bind)
{
	struct run_opts q = *e->o;
	unsigned int scope = run_scope(e->o, bind);
	struct run *x = run_new(q.policy, "guard");
	enum guard_outcome out;

	q.quiet = q.quiet || e->kind != GUARD_ONCE; /* events print only what failed */
	q.report = e->kind == GUARD_ONCE ? q.report : NULL;
	if (x && scope)
		x = run_enforce_on(&q, x, "guard", scope);
	out = run_outcome(x);
	if (run_finish(&q, x) == VERDICT_ERROR)
		out = GUARD_ERROR;
	run_free(x);
	ev_say(e, "%sfull check: %s", e->msg[0] ? "; " : "", guard_outcome_name(out));
	if (out == GUARD_FINDING && !scope)
		ev_say(e, " (%s)", !guard_writes(e->o) ? "audit-readonly" : "[guard] fix = no");
	e->out = outcome_worse(e->out, out);
}

/* Build the pdev the write primitives act on: address and driver link. */
static int fn_pdev(struct guard_ev *e, const struct bdf_addr *a, struct pdev *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	bdf_format(d->bdf, a);
	rc = fn_driver(d->bdf, d->driver, sizeof(d->driver));
	if (rc) {
		ev_say(e, "cannot read the driver link: %s", strerror(-rc));
		e->out = GUARD_ERROR;
	}
	return rc;
}

/*
 * The driver of a function just added, once the kernel's own probe has had
 * its turn: the add uevent goes out before the kernel lets drivers match
 * the new function (docs/kernel-facts.md §17.1), so a probe written by the
 * rule can find no driver and the kernel's attach, with the override now
 * in place, follow it. With @wait, an empty link is read again every 10 ms
 * for up to GUARD_SETTLE_MS. Returns 0 or -errno.
 */
static int fn_driver_settle(const char *bdf, char *buf, size_t len, bool wait)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	int rc = fn_driver(bdf, buf, len);

	for (int i = 0; wait && !rc && !buf[0] && i < GUARD_SETTLE_MS / 10; i++) {
		nanosleep(&tick, NULL);
		rc = fn_driver(bdf, buf, len);
	}
	return rc;
}

/*
 * add: with add = override, driver_override, and a probe when no driver
 * has it yet; then judge the driver link as a bind, then the full run.
 */
static void event_add(struct guard_ev *e, struct pdev *d)
{
	const struct policy *p = e->o->policy;
	struct report r = { 0 };
	const struct write_ctx w = { .r = &r, .p = p, .kernel = "", .dry_run = e->o->dry_run };
	bool act = p->guard_add == GUARD_ADD_OVERRIDE && guard_writes(e->o);
	int rc = 0;

	if (act)
		rc = d->driver[0] ? fn_override(&w, d, p->driver) : fn_rebind(&w, d, p->driver);
	actions_print(&r);
	if (rc && rc != -ENODEV) {
		ev_say(e, "override failed: %s; ", strerror(-rc));
		e->out = GUARD_ERROR;
	} else if (r.nactions && !e->o->dry_run) {
		ev_say(e, "driver_override %s%s; ", p->driver, d->driver[0] ? "" : ", probed");
	}
	report_free(&r);
	rc = act ? fn_driver_settle(d->bdf, d->driver, sizeof(d->driver), !e->o->dry_run) : 0;
	if (rc) {
		ev_say(e, "cannot read the driver link: %s", strerror(-rc));
		e->out = GUARD_ERROR;
		return;
	}
	bind_judge(e, d, p->guard_bind == GUARD_BIND_UNBIND && !e->o->dry_run);
	full_run(e, false);
}

/* `guard event ACTION BDF`. */
static int guard_event(const struct run_opts *o, const char *action, const char *bdf)
{
	struct guard_ev e = { .o = o, .bdf = bdf };
	struct bdf_addr a;
	struct pdev d;
	int prot;

	if (strcmp(action, "add") && strcmp(action, "bind") && strcmp(action, "change")) {
		fprintf(stderr, "gpugate: guard event: unknown action '%s' (add, bind, change)\n", action);
		return EXIT_USAGE;
	}
	if (bdf_arg(bdf, &a))
		return EXIT_USAGE;
	if (!strcmp(action, "change")) {
		e.kind = GUARD_CHANGE;
		full_run(&e, false);
		return ev_end(&e);
	}
	e.kind = !strcmp(action, "add") ? GUARD_ADD : GUARD_BIND;
	prot = fn_protected(o->policy, &a);
	if (prot == 0) {
		if (o->verbose)
			fprintf(stderr, "gpugate-guard: %s %s: not protected\n", action, bdf);
		return EXIT_HOLDS;
	}
	if (prot < 0)
		ev_say(&e, "protection unknown (%s): full check; ", strerror(-prot));
	if (fn_pdev(&e, &a, &d))
		return ev_end(&e);
	if (prot < 0)
		full_run(&e, false);
	else if (e.kind == GUARD_ADD)
		event_add(&e, &d);
	else
		bind_judge(&e, &d, o->policy->guard_bind == GUARD_BIND_UNBIND);
	return ev_end(&e);
}

int guard_once(const struct run_opts *o, enum guard_kind kind)
{
	struct guard_ev e = { .o = o, .kind = kind };

	full_run(&e, true);
	return ev_end(&e);
}

static void guard_usage(void)
{
	fprintf(stderr, "gpugate: guard takes: event add|bind|change BDF, once, or daemon\n");
}

int guard_command(const struct run_opts *o, char **args, int nargs)
{
	if (!o->policy->guard_enable) {
		fprintf(stderr, "gpugate-guard: the guard is off ([guard] enable = no): nothing done\n");
		return EXIT_HOLDS;
	}
	if (nargs == 3 && !strcmp(args[0], "event"))
		return guard_event(o, args[1], args[2]);
	if (nargs == 1 && !strcmp(args[0], "once"))
		return guard_once(o, GUARD_ONCE);
	if (nargs == 1 && !strcmp(args[0], "daemon"))
		return guard_daemon(o);
	guard_usage();
	return EXIT_USAGE;
}
