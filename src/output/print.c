// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * print.c - a run's findings and actions in their three printed forms: text,
 * JSON (the report of SPEC.md) and Prometheus text format.
 */
#include <string.h>
#include <time.h>

#include "lockdown.h"
#include "print.h"

#ifndef LIBPCI_VERSION
#define LIBPCI_VERSION "unknown"
#endif
#ifndef LIBKMOD_VERSION
#define LIBKMOD_VERSION "unknown"
#endif

/* The version of the JSON report's layout (docs/report-schema.md). */
#define REPORT_SCHEMA 1

static const char *const status_names[] = { "pass", "fail", "fixed", "warn", "skip" };

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
	fprintf(out, ",\"undetermined\":%s", f->undetermined ? "true" : "false");
	fputs(",\"expected\":", out);
	json_str(out, or_null(f->expected));
	fputs(",\"actual\":", out);
	json_str(out, or_null(f->actual));
	fputs(",\"message\":", out);
	json_str(out, f->message);
	fputs("}", out);
}

static void json_action(FILE *out, const struct action *a)
{
	fputs("{\"device\":", out);
	json_str(out, or_null(a->device));
	fputs(",\"what\":", out);
	json_str(out, a->what);
	fputs(",\"before\":", out);
	json_str(out, a->before);
	fputs(",\"after\":", out);
	json_str(out, a->after);
	fprintf(out, ",\"ok\":%s,\"dry_run\":%s", a->ok ? "true" : "false",
		a->dry_run ? "true" : "false");
	fputs(",\"error\":", out);
	json_str(out, or_null(a->why));
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

/* ",\n"time":"2026-01-31T12:00:00Z"" (UTC), or null when unknown. */
static void json_time(FILE *out, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	fputs(",\n\"time\":", out);
	if (!t || !gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		fputs("null", out);
		return;
	}
	json_str(out, buf);
}

/* The report's "tpm" object: what `gate` measured (tpm.measure). */
static void json_tpm(FILE *out, const struct tpm_report *t)
{
	fputs(",\n\"tpm\":{\"measure\":", out);
	json_str(out, t->measure);
	fprintf(out, ",\"pcr\":%d,\"measured\":%s", t->pcr, t->measured ? "true" : "false");
	fputs(",\"skip\":", out);
	json_str(out, or_null(t->skip));
	fputs(",\"device\":", out);
	json_str(out, or_null(t->device));
	fputs(",\"events\":[", out);
	for (int i = 0; i < t->nevents; i++) {
		fputs(i ? "," : "", out);
		json_str(out, t->events[i]);
	}
	fputs("],\"value\":", out);
	json_str(out, or_null(t->value));
	fputs(",\"error\":", out);
	json_str(out, or_null(t->error));
	fputs("}", out);
}

static void print_json(FILE *out, const struct report *r, const struct model *m)
{
	bool first = true;

	fputs("{\"gpugate\":", out);
	json_str(out, GPUGATE_VERSION);
	fprintf(out, ",\"schema\":%d", REPORT_SCHEMA);
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
	json_time(out, r->started);
	fputs(",\"hostname\":", out);
	json_str(out, or_null(r->hostname));
	fputs(",\"policy_sha256\":", out);
	json_str(out, r->policy_sha256);
	fputs(",\"kernel\":", out);
	json_str(out, or_null(m->kernel));
	fputs(",\"lockdown\":", out);
	json_str(out, lockdown_level());
	fputs(",\"cmdline\":", out);
	json_str(out, m->cmdline_err ? NULL : m->cmdline_raw);
	json_tpm(out, &r->tpm);
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
		fprintf(out, "%-5s %-17s %s%s%s: %s%s", status_names[f->status], f->id,
			f->device[0] ? f->device : "host", f->port[0] ? " port " : "", f->port,
			f->undetermined ? "undetermined: " : "", f->message);
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

/* One code for a finding in the metrics: 0 pass, 1 fail, 2 warn, 3 undetermined. */
enum { PROM_PASS, PROM_FAIL, PROM_WARN, PROM_UNDETERMINED };

static int prom_code(const struct finding *f)
{
	if (f->undetermined)
		return PROM_UNDETERMINED;
	return f->status == ST_FAIL ? PROM_FAIL : f->status == ST_WARN ? PROM_WARN : PROM_PASS;
}

/* Of two codes, the one that matters more: undetermined, fail, warn, pass. */
static int prom_worse(int a, int b)
{
	static const int rank[] = { [PROM_PASS] = 0, [PROM_WARN] = 1, [PROM_FAIL] = 2,
				    [PROM_UNDETERMINED] = 3 };

	return rank[a] >= rank[b] ? a : b;
}

/*
 * Sum up the findings of the check of finding @i into @code (the worst) and
 * @nfail. False when an earlier finding has the same id: it was counted.
 */
static bool prom_id_summary(const struct report *r, int i, int *code, int *nfail)
{
	const char *id = r->findings[i].id;

	for (int j = 0; j < i; j++)
		if (!strcmp(r->findings[j].id, id))
			return false;
	for (int j = i; j < r->nfindings; j++) {
		if (strcmp(r->findings[j].id, id))
			continue;
		*code = prom_worse(*code, prom_code(&r->findings[j]));
		*nfail += r->findings[j].status == ST_FAIL;
	}
	return true;
}

static void prom_head(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/*
 * Per check id, not per device or port: a host has as many series as
 * there are check ids, whatever its number of GPUs and ports; the JSON
 * report has the detail. The value, not a label, carries the status, so a
 * series lives on when its status changes.
 */
static void prom_checks(FILE *out, const struct report *r)
{
	static const char *const metric[] = { "gpugate_check_status", "gpugate_check_failed_findings" };
	static const char *const help[] = {
		"Worst finding of the check: 0 pass, 1 fail, 2 warn, 3 undetermined.",
		"Findings of the check that failed or are undetermined (devices, ports).",
	};

	for (int k = 0; k < 2; k++) {
		prom_head(out, metric[k], help[k]);
		for (int i = 0; i < r->nfindings; i++) {
			int code = PROM_PASS, nfail = 0;

			if (!prom_id_summary(r, i, &code, &nfail))
				continue;
			fprintf(out, "%s{", metric[k]);
			prom_label(out, "id", r->findings[i].id, true);
			fprintf(out, "} %d\n", k ? nfail : code);
		}
	}
}

/* What the boot's gate report said; only from `check`, which reads it. */
static void prom_boot(FILE *out, const struct report *r)
{
	if (!r->boot.checked)
		return;
	prom_head(out, "gpugate_boot_report_present",
		  "1 when the boot's gate left its report, 0 when there is none.");
	fprintf(out, "gpugate_boot_report_present %d\n", r->boot.present);
	prom_head(out, "gpugate_boot_gate_enforcing",
		  "1 when the boot's gate enforced (a failure would have stopped the boot).");
	fprintf(out, "gpugate_boot_gate_enforcing %d\n", r->boot.enforcing);
	prom_head(out, "gpugate_boot_gate_pass", "1 when the policy held at boot, per the gate's report.");
	fprintf(out, "gpugate_boot_gate_pass %d\n", r->boot.pass);
}

static void prom_info(FILE *out, const struct report *r)
{
	prom_head(out, "gpugate_build_info", "Always 1; the labels name the build.");
	fputs("gpugate_build_info{", out);
	prom_label(out, "version", GPUGATE_VERSION, true);
	prom_label(out, "libpci", LIBPCI_VERSION, false);
	prom_label(out, "libkmod", LIBKMOD_VERSION, false);
	fputs("} 1\n", out);
	prom_head(out, "gpugate_policy_info",
		  "Always 1; sha256 is the policy file's digest (empty: built-in defaults).");
	fputs("gpugate_policy_info{", out);
	prom_label(out, "sha256", r->policy_sha256 ? r->policy_sha256 : "", true);
	prom_label(out, "mode", r->policy_mode ? r->policy_mode : "", false);
	fputs("} 1\n", out);
}

static void print_prometheus(FILE *out, const struct report *r)
{
	enum verdict v = report_verdict(r);

	prom_checks(out, r);
	prom_head(out, "gpugate_result", "Exit status of the run: 0 pass, 1 policy violated, 3 undetermined.");
	fprintf(out, "gpugate_result{mode=\"%s\"} %d\n", r->mode, (int)v);
	prom_head(out, "gpugate_policy_holds", "1 when the policy holds, 0 when it is violated or undetermined.");
	fprintf(out, "gpugate_policy_holds %d\n", v == VERDICT_PASS);
	prom_boot(out, r);
	prom_info(out, r);
	prom_head(out, "gpugate_last_run_timestamp_seconds", "When the run finished.");
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
	case FMT_DOT: /* main.c gives dot to show only */
		print_text(out, r, m, quiet);
		break;
	}
}
