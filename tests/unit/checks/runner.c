// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * runner.c - the runner and the assertions of fixture.h: `checks` runs
 * every test (or those whose name contains an argument); `checks --covered`
 * then prints "ID OUTCOME" for every outcome a test asserted with
 * fx_expect() (pass, fail, undetermined, warn, skip), for all-ids.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "machine.h"
#include "sysroot.h"

#define MAX_TESTS   512
#define MAX_COVERED 256

static struct {
	const char *name, *file;
	void (*fn)(void);
} tests[MAX_TESTS];
static int ntests;

static const char *const outcome_names[] = {"pass", "fail", "undetermined", "warn", "skip"};

static struct {
	const char *id;
	unsigned int outcomes; /* bit i: outcome_names[i] */
} covered[MAX_COVERED];
static int ncovered;

static jmp_buf test_env;
static const char *current;
static const char *tmp = "/tmp"; /* $TMPDIR */

/* The fixtures of the running test, all freed when it ends. */
#define MAX_LIVE 16
static struct fx *live[MAX_LIVE];

void fx_track(struct fx *x, bool on)
{
	int k = 0;

	while (k < MAX_LIVE && live[k] != (on ? NULL : x))
		k++;
	if (k < MAX_LIVE)
		live[k] = on ? x : NULL;
	else if (on)
		fx_fail(__FILE__, __LINE__, "more than %d fixtures at once", MAX_LIVE);
}

void fx_register(const char *name, const char *file, void (*fn)(void))
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "checks: more than %d tests\n", MAX_TESTS);
		exit(2);
	}
	tests[ntests].name = name;
	tests[ntests].file = file;
	tests[ntests++].fn = fn;
}

void fx_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: %s: ", file, line, current ? current : "(setup)");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (!current)
		exit(2);
	longjmp(test_env, 1);
}

static void cover(const char *id, int outcome)
{
	int i;

	for (i = 0; i < ncovered && strcmp(covered[i].id, id); i++)
		;
	if (i == MAX_COVERED)
		fx_fail(__FILE__, __LINE__, "more than %d check ids", MAX_COVERED);
	if (i == ncovered)
		covered[ncovered++].id = id;
	covered[i].outcomes |= 1u << outcome;
}

static bool selected(const char *name, int argc, char **argv)
{
	bool any = false;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		any = true;
		if (strstr(name, argv[i]))
			return true;
	}
	return !any;
}

/* Run test @i; false when an assertion failed. */
static bool run_test(int i)
{
	bool ok;

	current = tests[i].name;
	if (setjmp(test_env)) {
		ok = false;
	} else {
		tests[i].fn();
		ok = true;
	}
	current = NULL;
	for (int k = 0; k < MAX_LIVE; k++)
		if (live[k])
			fx_free(live[k]); /* what a test left, or stopped before freeing */
	return ok;
}

int main(int argc, char **argv)
{
	char root[4096];
	bool list = argc > 1 && !strcmp(argv[1], "--covered");
	int run = 0, failed = 0;

	/* Whatever a check still reads from a file, it finds nothing. */
	if (getenv("TMPDIR") && *getenv("TMPDIR"))
		tmp = getenv("TMPDIR");
	snprintf(root, sizeof(root), "%s/gpugate-unit-root.XXXXXX", tmp);
	if (!mkdtemp(root) || sysroot_set(root)) {
		fprintf(stderr, "checks: cannot set up an empty sysroot in %s\n", tmp);
		return 2;
	}
	machine_set_may_act(false);
	for (int i = 0; i < ntests; i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		run++;
		failed += !run_test(i);
	}
	rmdir(root);
	if (list && !failed)
		for (int i = 0; i < ncovered; i++)
			for (int k = 0; k < 5; k++)
				if (covered[i].outcomes & 1u << k)
					printf("%s %s\n", covered[i].id, outcome_names[k]);
	fprintf(stderr, "checks: %d tests, %d failed\n", run, failed);
	return failed || !run ? 1 : 0;
}

/* ---- assertions ----------------------------------------------------- */

int fx_count(struct fx *x, const char *id)
{
	int n = 0;

	for (int i = 0; i < x->r.nfindings; i++)
		n += !strcmp(x->r.findings[i].id, id);
	return n;
}

static const char *status_name(enum status st)
{
	static const char *const names[] = {"pass", "fail", "fixed", "warn", "skip"};

	return (unsigned int)st < 5 ? names[st] : "?";
}

/* Say what findings of @id there are, after a failed fx_expect(). */
static void list_findings(struct fx *x, const char *id)
{
	for (int i = 0; i < x->r.nfindings; i++) {
		const struct finding *f = &x->r.findings[i];

		if (strcmp(f->id, id))
			continue;
		fprintf(stderr, "  %s device=%s port=%s %s%s: expected \"%s\" actual \"%s\": %s\n",
			f->id, f->device, f->port, status_name(f->status),
			f->undetermined ? " undetermined" : "", f->expected, f->actual, f->message);
	}
}

/* The coverage outcome of @st (outcome_names), -1 for none a check reports. */
static int outcome(enum status st, bool undetermined)
{
	switch (st) {
	case ST_PASS:
		return 0;
	case ST_FAIL:
		return undetermined ? 2 : 1;
	case ST_WARN:
		return 3;
	case ST_SKIP:
		return 4;
	default:
		return -1;
	}
}

const struct finding *fx_expect_at(const char *file, int line, struct fx *x, const char *id,
				   const char *device, const char *port, enum status st,
				   bool undetermined)
{
	const struct finding *hit = NULL;
	int n = 0;

	if (!x->ran || outcome(st, undetermined) < 0)
		fx_fail(file, line, "fx_expect() before fx_run(), or of a status no check reports");
	for (int i = 0; i < x->r.nfindings; i++) {
		const struct finding *f = &x->r.findings[i];

		if (!strcmp(f->id, id) && !strcmp(f->device, device ? device : "") &&
		    !strcmp(f->port, port ? port : "")) {
			hit = f;
			n++;
		}
	}
	if (n != 1 || hit->status != st || hit->undetermined != undetermined) {
		list_findings(x, id);
		fx_fail(file, line, "expected one %s%s finding of %s on %s port %s, found %d%s",
			status_name(st), undetermined ? " undetermined" : "", id,
			device ? device : "the host", port ? port : "none", n,
			n == 1 ? " with another outcome" : "");
	}
	cover(id, outcome(st, undetermined));
	return hit;
}
