// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_baseline.c - libFuzzer target for baseline_parse() (src/model/blfile.c):
 * arbitrary text as a baseline file, as baseline_load() hands it over (a
 * NUL byte ends the text there; baseline_load refuses such files first).
 *
 * Invariants checked: the result is 0, -EINVAL or -ENOMEM; an error message
 * is NUL-terminated and starts with "fuzz.baseline:"; after an error the
 * baseline is empty (freed). After success every entry has a well-formed
 * lowercase address (4- to 8-digit domain) (a port address for port lines only), NUL-terminated
 * values, its source line, a ROM state in range, and is found by
 * baseline_find(); no two entries share kind, bdf and port; and writing it
 * with baseline_write() and parsing that again gives the same entries.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

/*
 * The kernel's "%04x:%02x:%02x.%d": a domain of 4 to 8 lowercase hex digits
 * (a leading zero only in a 4-digit one), restated here without bdf.h.
 */
static void check_bdf(const char *s)
{
	size_t n = strlen(s), dn = n - 8;
	unsigned int d, b, dev, fn;
	char tail;

	if (n < 12 || n > 16 || strspn(s, "0123456789abcdef") != dn || s[dn] != ':' ||
	    s[dn + 3] != ':' || s[dn + 6] != '.' || (dn > 4 && s[0] == '0') ||
	    sscanf(s, "%8x:%2x:%2x.%1u%c", &d, &b, &dev, &fn, &tail) != 4 || dev > 0x1f ||
	    fn > 7 || strspn(s, "0123456789abcdef:.") != n)
		abort();
}

static void check_entry(const struct baseline *b, const struct bl_entry *e)
{
	if ((unsigned)e->kind >= BL_NKINDS || e->line <= 0 || !TERMINATED(e->bdf) ||
	    !TERMINATED(e->port))
		abort();
	check_bdf(e->bdf);
	if (e->kind == BL_PORT)
		check_bdf(e->port);
	else if (e->port[0])
		abort();
	for (int i = 0; i < BL_FIELDS; i++) {
		if (!TERMINATED(e->val[i]))
			abort();
		if (baseline_key(e->kind, i) && e->kind != BL_ROM && !e->val[i][0])
			abort();
	}
	if (e->kind == BL_ROM && ((unsigned)e->rom.state > ROM_UNREADABLE ||
				  !TERMINATED(e->rom.sha256) || !TERMINATED(e->rom.why)))
		abort();
	if (baseline_find(b, e) != e)
		abort();
}

static bool same_entry(const struct bl_entry *x, const struct bl_entry *y)
{
	if (x->kind != y->kind || strcmp(x->bdf, y->bdf) || strcmp(x->port, y->port))
		return false;
	for (int i = 0; i < BL_FIELDS; i++)
		if (strcmp(x->val[i], y->val[i]))
			return false;
	if (x->kind == BL_ROM && (x->rom.state != y->rom.state ||
				  strcmp(x->rom.sha256, y->rom.sha256) ||
				  strcmp(x->rom.why, y->rom.why)))
		return false;
	return true;
}

/* baseline_write() then baseline_parse() again: the same entries. */
static void check_round_trip(const struct baseline *b)
{
	struct baseline again;
	char *out = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	baseline_write(f, b);
	if (fclose(f))
		abort();
	if (baseline_parse(&again, "round-trip", out, err, sizeof(err))) {
		fprintf(stderr, "round trip refused: %s\n---\n%s---\n", err, out);
		abort();
	}
	if (again.n != b->n)
		abort();
	for (int i = 0; i < b->n; i++)
		if (!same_entry(&b->e[i], &again.e[i])) {
			fprintf(stderr, "round trip changed entry %d\n---\n%s---\n", i, out);
			abort();
		}
	baseline_free(&again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct baseline b;
	char *text = malloc(size + 1);
	char err[512];
	int rc;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	memset(err, 0x55, sizeof(err));
	rc = baseline_parse(&b, "fuzz.baseline", text, err, sizeof(err));
	if (rc == 0) {
		for (int i = 0; i < b.n; i++)
			check_entry(&b, &b.e[i]);
		for (int i = 1; i < b.n; i++)
			if (b.sorted[i - 1]->kind == b.sorted[i]->kind &&
			    !strcmp(b.sorted[i - 1]->bdf, b.sorted[i]->bdf) &&
			    !strcmp(b.sorted[i - 1]->port, b.sorted[i]->port))
				abort();
		check_round_trip(&b);
		baseline_free(&b);
	} else if ((rc != -EINVAL && rc != -ENOMEM) || !TERMINATED(err) ||
		   strncmp(err, "fuzz.baseline:", 14) || b.n || b.e || b.sorted) {
		abort();
	}
	free(text);
	return 0;
}
