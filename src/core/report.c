// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c - the findings and actions of a run, their order and the verdict.
 *
 * Checks and fixes only add findings and actions here; output/print.c prints
 * them. The order is deterministic so that two runs on the same host diff
 * cleanly.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "report.h"

struct finding *report_add(struct report *r, const char *id, const char *device,
			   const char *port, enum status st)
{
	struct finding *f = grow_one(&r->findings, &r->nfindings, &r->cap_findings, sizeof(*f), 64);

	if (!f)
		return NULL;
	f->id = id;
	f->status = st;
	snprintf(f->device, sizeof(f->device), "%s", device ? device : "");
	snprintf(f->port, sizeof(f->port), "%s", port ? port : "");
	return f;
}

struct action *report_action(struct report *r, const char *device, const char *what,
			     const char *before, const char *after, bool ok, bool dry_run)
{
	struct action *a = grow_one(&r->actions, &r->nactions, &r->cap_actions, sizeof(*a), 32);

	if (!a)
		return NULL;
	snprintf(a->device, sizeof(a->device), "%s", device ? device : "");
	snprintf(a->what, sizeof(a->what), "%s", what);
	snprintf(a->before, sizeof(a->before), "%s", before);
	snprintf(a->after, sizeof(a->after), "%s", after);
	a->ok = ok;
	a->dry_run = dry_run;
	return a;
}

void report_drop(struct report *r, const char *id)
{
	int n = 0;

	for (int i = 0; i < r->nfindings; i++)
		if (strcmp(r->findings[i].id, id))
			r->findings[n++] = r->findings[i];
	r->nfindings = n;
}

void finding_msg(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

/*
 * What to do about any state that could not be read, unless @why says; a
 * finding on a device adds what a device that cannot be read may be.
 */
#define UNKNOWN_FIX "fix: run as root on the live host (under --root: a complete snapshot)"
#define UNKNOWN_DEV_FIX "; a device that reads all ones or has a broken capability list is gone or hostile: reseat or remove it"

void finding_unknown(struct finding *f, const char *why)
{
	bool has_fix = strstr(why, "fix:");

	f->status = ST_FAIL;
	f->undetermined = true;
	snprintf(f->actual, sizeof(f->actual), "unknown");
	finding_msg(f, "%s%s%s%s", why, has_fix ? "" : "; ", has_fix ? "" : UNKNOWN_FIX,
		    has_fix || !f->device[0] ? "" : UNKNOWN_DEV_FIX);
}

static const char *const *sort_order;
static int sort_norder;

static int order_of(const char *id)
{
	for (int i = 0; i < sort_norder; i++)
		if (!strcmp(sort_order[i], id))
			return i;
	return sort_norder;
}

static int finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if (!x->device[0] != !y->device[0])
		return x->device[0] ? 1 : -1;
	c = strcmp(x->device, y->device);
	if (c)
		return c;
	c = order_of(x->id) - order_of(y->id);
	if (c)
		return c;
	c = strcmp(x->port, y->port);
	if (c)
		return c;
	return strcmp(x->message, y->message);
}

static int finding_ptr_cmp(const void *a, const void *b)
{
	return finding_cmp(*(const struct finding *const *)a, *(const struct finding *const *)b);
}

/*
 * Sort pointers, then copy each finding once: qsort would move the large
 * findings themselves O(n log n) times. Out of memory: sort in place.
 */
void report_sort(struct report *r, const char *const *order, int norder)
{
	size_t n = (size_t)r->nfindings;
	const struct finding **v = malloc((n + 1) * sizeof(*v));
	struct finding *sorted = malloc((n + 1) * sizeof(*sorted));

	sort_order = order;
	sort_norder = norder;
	if (!v || !sorted) {
		free(v);
		free(sorted);
		qsort(r->findings, n, sizeof(*r->findings), finding_cmp);
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = &r->findings[i];
	qsort(v, n, sizeof(*v), finding_ptr_cmp);
	for (size_t i = 0; i < n; i++)
		sorted[i] = *v[i];
	free(v);
	free(r->findings);
	r->findings = sorted;
	r->cap_findings = (int)n + 1;
}

enum verdict report_verdict(const struct report *r)
{
	enum verdict v = VERDICT_PASS;

	for (int i = 0; i < r->nfindings; i++) {
		if (r->findings[i].undetermined)
			return VERDICT_ERROR;
		if (r->findings[i].status == ST_FAIL)
			v = VERDICT_FAIL;
	}
	for (int i = 0; i < r->nactions; i++)
		if (!r->actions[i].ok && !r->actions[i].dry_run)
			return VERDICT_ERROR;
	return v;
}

const char *report_verdict_name(enum verdict v)
{
	return v == VERDICT_PASS ? "pass" : v == VERDICT_FAIL ? "fail" : "error";
}

void report_free(struct report *r)
{
	free(r->findings);
	free(r->actions);
	r->findings = NULL;
	r->actions = NULL;
	r->nfindings = r->nactions = 0;
}
