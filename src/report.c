// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * report.c - the findings of a run and their three printed forms.
 *
 * Checks only add findings here; nothing else prints verdicts. Output is
 * sorted and deterministic so that two runs on the same host diff cleanly.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

static const char *const status_names[] = { "pass", "fail", "fixed", "warn", "skip" };

struct finding *report_add(struct report *r, const char *id, const char *device,
			   const char *port, enum status st)
{
	struct finding *f;

	if (r->nfindings == r->cap_findings) {
		int cap = r->cap_findings ? r->cap_findings * 2 : 64;
		struct finding *nf = realloc(r->findings, (size_t)cap * sizeof(*nf));

		if (!nf)
			return NULL;
		r->findings = nf;
		r->cap_findings = cap;
	}
	f = &r->findings[r->nfindings++];
	memset(f, 0, sizeof(*f));
	f->id = id;
	f->status = st;
	snprintf(f->device, sizeof(f->device), "%s", device ? device : "");
	snprintf(f->port, sizeof(f->port), "%s", port ? port : "");
	return f;
}

struct action *report_action(struct report *r, const char *device, const char *what,
			     const char *before, const char *after, bool ok, bool dry_run)
{
	struct action *a;

	if (r->nactions == r->cap_actions) {
		int cap = r->cap_actions ? r->cap_actions * 2 : 32;
		struct action *na = realloc(r->actions, (size_t)cap * sizeof(*na));

		if (!na)
			return NULL;
		r->actions = na;
		r->cap_actions = cap;
	}
	a = &r->actions[r->nactions++];
	memset(a, 0, sizeof(*a));
	snprintf(a->device, sizeof(a->device), "%s", device ? device : "");
	snprintf(a->what, sizeof(a->what), "%s", what);
	snprintf(a->before, sizeof(a->before), "%s", before);
	snprintf(a->after, sizeof(a->after), "%s", after);
	a->ok = ok;
	a->dry_run = dry_run;
	return a;
}

void finding_msg(struct finding *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
}

void finding_unknown(struct finding *f, const char *why)
{
	f->status = ST_FAIL;
	f->undetermined = true;
	snprintf(f->actual, sizeof(f->actual), "unknown");
	finding_msg(f, "%s", why);
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

/* Print @s as a JSON string (or null when @s is NULL). */
static void json_str(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static void json_finding(FILE *out, const struct finding *f)
{
	fputs("{\"id\":", out);
	json_str(out, f->id);
	fputs(",\"device\":", out);
	json_str(out, or_null(f->device));
	fputs(",\"port\":", out);
	json_str(out, or_null(f->port));
	fputs(",\"status\":", out);
	json_str(out, status_names[f->status]);
	fputs(",\"expected\":", out);
	json_str(out, f->expected);
	fputs(",\"actual\":", out);
	json_str(out, f->actual);
	fputs(",\"message\":", out);
	json_str(out, f->message);
	fputs("}", out);
}

static void json_action(FILE *out, const struct action *a)
{
	fputs("{\"device\":", out);
	json_str(out, a->device);
	fputs(",\"what\":", out);
	json_str(out, a->what);
	fputs(",\"before\":", out);
	json_str(out, a->before);
	fputs(",\"after\":", out);
	json_str(out, a->after);
	fprintf(out, ",\"ok\":%s,\"dry_run\":%s", a->ok ? "true" : "false",
		a->dry_run ? "true" : "false");
	if (a->why[0]) {
		fputs(",\"error\":", out);
		json_str(out, a->why);
	}
	fputs("}", out);
}

static void json_device(FILE *out, const struct model *m, const struct pdev *d)
{
	char buf[16];

	fputs("{\"bdf\":", out);
	json_str(out, d->bdf);
	snprintf(buf, sizeof(buf), "%04x:%04x", d->vendor, d->device);
	fputs(",\"id\":", out);
	json_str(out, d->ident_err ? NULL : buf);
	snprintf(buf, sizeof(buf), "%04x", (unsigned int)d->class);
	fputs(",\"class\":", out);
	json_str(out, d->ident_err ? NULL : buf);
	if (d->group >= 0)
		fprintf(out, ",\"group\":%d", d->group);
	else
		fputs(",\"group\":null", out);
	fputs(",\"driver\":", out);
	json_str(out, or_null(d->driver));
	fputs(",\"path\":[", out);
	for (int i = 0; i < d->path_len; i++) {
		fputs(i ? "," : "", out);
		json_str(out, m->devs[d->path[i]].bdf);
	}
	fputs("]}", out);
}

static void print_json(FILE *out, const struct report *r, const struct model *m)
{
	bool first = true;

	fputs("{\"gpugate\":", out);
	json_str(out, GPUGATE_VERSION);
	fputs(",\"mode\":", out);
	json_str(out, r->mode);
	fputs(",\"policy_mode\":", out);
	json_str(out, r->policy_mode);
	fputs(",\"override\":", out);
	json_str(out, r->override);
	fprintf(out, ",\"enforcing\":%s", r->enforcing ? "true" : "false");
	fputs(",\"result\":", out);
	json_str(out, report_verdict_name(report_verdict(r)));
	/* the fields above are the first line: `check` reads the boot report's */
	fputs(",\n\"kernel\":", out);
	json_str(out, m->kernel);
	fputs(",\"cmdline\":", out);
	json_str(out, m->cmdline_raw);
	fputs(",\n\"checks\":[", out);
	for (int i = 0; i < r->nfindings; i++) {
		fputs(i ? ",\n" : "\n", out);
		json_finding(out, &r->findings[i]);
	}
	fputs("],\n\"actions\":[", out);
	for (int i = 0; i < r->nactions; i++) {
		fputs(i ? ",\n" : "\n", out);
		json_action(out, &r->actions[i]);
	}
	fputs("],\n\"devices\":[", out);
	for (int i = 0; i < m->ndevs; i++) {
		if (!pdev_protected(&m->devs[i]))
			continue;
		fputs(first ? "\n" : ",\n", out);
		first = false;
		json_device(out, m, &m->devs[i]);
	}
	fputs("]}\n", out);
}

static void print_text(FILE *out, const struct report *r, const struct model *m, bool quiet)
{
	int count[5] = { 0 }, unknown = 0;
	enum verdict v = report_verdict(r);

	for (int i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		count[f->status]++;
		unknown += f->undetermined;
		if (quiet && (f->status == ST_PASS || f->status == ST_SKIP))
			continue;
		fprintf(out, "%-5s %-17s %s%s%s: %s", f->undetermined ? "ERROR" : status_names[f->status],
			f->id, f->device[0] ? f->device : "host", f->port[0] ? " port " : "",
			f->port, f->message);
		if (f->expected[0] || f->actual[0])
			fprintf(out, " [expected: %s; found: %s]", f->expected, f->actual);
		fputc('\n', out);
	}
	for (int i = 0; i < r->nactions; i++) {
		const struct action *a = &r->actions[i];

		fprintf(out, "%-5s action %s: %s %s -> %s%s%s\n",
			a->dry_run ? (a->ok ? "plan" : "VETO") : a->ok ? "done" : "ERROR",
			a->device[0] ? a->device : "host",
			a->what, a->before, a->after, a->why[0] ? ": " : "", a->why);
	}
	fprintf(out, "result: %s (%s, kernel %s): %d failed (%d undetermined), %d fixed, %d warning%s, %d passed, %d skipped\n",
		report_verdict_name(v), r->mode, m->kernel[0] ? m->kernel : "unknown",
		count[ST_FAIL], unknown, count[ST_FIXED], count[ST_WARN],
		count[ST_WARN] == 1 ? "" : "s", count[ST_PASS], count[ST_SKIP]);
}

static void prom_label(FILE *out, const char *name, const char *val, bool first)
{
	fprintf(out, "%s%s=\"", first ? "" : ",", name);
	for (const char *c = val; *c; c++) {
		if (*c == '\\' || *c == '"')
			fputc('\\', out);
		if (*c == '\n')
			fputs("\\n", out);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

static const char *prom_status(const struct finding *f)
{
	return f->undetermined ? "error" : status_names[f->status];
}

/*
 * Whether an earlier finding has the same labels as @i. One check can report
 * several findings on one device and port (cmdline.forbidden per parameter,
 * driver.host per driver); a scrape must not hold the same series twice
 * (node_exporter's textfile collector rejects the whole file). Findings are
 * sorted by device first, so looking back over the same device suffices.
 */
static bool prom_duplicate(const struct report *r, int i)
{
	const struct finding *f = &r->findings[i];

	for (int j = i - 1; j >= 0 && !strcmp(r->findings[j].device, f->device); j--) {
		const struct finding *g = &r->findings[j];

		if (!strcmp(g->id, f->id) && !strcmp(g->port, f->port) &&
		    !strcmp(prom_status(g), prom_status(f)))
			return true;
	}
	return false;
}

static void print_prometheus(FILE *out, const struct report *r)
{
	enum verdict v = report_verdict(r);

	fputs("# HELP gpugate_check_status 1 when the finding holds (pass, fixed, warn, skip), 0 when it failed.\n"
	      "# TYPE gpugate_check_status gauge\n",
	      out);
	for (int i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		if (prom_duplicate(r, i))
			continue;
		fputs("gpugate_check_status{", out);
		prom_label(out, "id", f->id, true);
		prom_label(out, "device", f->device, false);
		prom_label(out, "port", f->port, false);
		prom_label(out, "status", prom_status(f), false);
		fprintf(out, "} %d\n", f->status == ST_FAIL ? 0 : 1);
	}
	fputs("# HELP gpugate_result Exit status of the run: 0 pass, 1 policy violated, 3 undetermined.\n"
	      "# TYPE gpugate_result gauge\n",
	      out);
	fprintf(out, "gpugate_result{mode=\"%s\"} %d\n", r->mode, (int)v);
	fputs("# HELP gpugate_last_run_timestamp_seconds When the run finished.\n"
	      "# TYPE gpugate_last_run_timestamp_seconds gauge\n",
	      out);
	fprintf(out, "gpugate_last_run_timestamp_seconds %lld\n", (long long)time(NULL));
}

void report_print(FILE *out, const struct report *r, const struct model *m, enum format fmt,
		  bool quiet)
{
	switch (fmt) {
	case FMT_JSON:
		print_json(out, r, m);
		break;
	case FMT_PROMETHEUS:
		print_prometheus(out, r);
		break;
	case FMT_TEXT:
		print_text(out, r, m, quiet);
		break;
	}
}

void report_free(struct report *r)
{
	free(r->findings);
	free(r->actions);
	r->findings = NULL;
	r->actions = NULL;
	r->nfindings = r->nactions = 0;
}
