// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guardstate.c - the runtime guard's state file: a strict parser and its
 * writer. The file is rewritten whole on every event (guardfile.c), so
 * anything the writer would not have written is refused, and a file cut
 * short (no "end" line) is refused rather than read as fewer events.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "guardstate.h"

#define LINE_MAX_LEN 128
#define MAX_WORDS 8

/* What has been seen, to refuse a line given twice. */
struct seen {
	bool count[GUARD_NKINDS][GUARD_NOUTCOMES];
	bool last[GUARD_NKINDS];
};

static int fail(char *err, size_t errlen, int line, const char *fmt, ...)
{
	char why[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (errlen)
		snprintf(err, errlen, "line %d: %s", line, why);
	return -EINVAL;
}

/* Plain decimal: digits only, no sign, no leading zero, at most @max. */
static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int kind_of(const char *name)
{
	for (int k = 0; k < GUARD_NKINDS; k++)
		if (!strcmp(name, guard_kind_name((enum guard_kind)k)))
			return k;
	return -1;
}

static int outcome_of(const char *name)
{
	for (int o = 0; o < GUARD_NOUTCOMES; o++)
		if (!strcmp(name, guard_outcome_name((enum guard_outcome)o)))
			return o;
	return -1;
}

/* Split @line at single spaces into @w. Returns the count, -1 on an empty word. */
static int split(char *line, char *w[MAX_WORDS])
{
	int n = 0;

	for (char *s = line;; s++) {
		char *sp = strchr(s, ' ');

		if (n == MAX_WORDS || (sp == s) || !*s)
			return -1;
		w[n++] = s;
		if (!sp)
			return n;
		*sp = '\0';
		s = sp;
	}
}

static int parse_count(struct guard_state *s, struct seen *seen, char **w, int n, int line,
		       char *err, size_t errlen)
{
	int k = n == 4 ? kind_of(w[1]) : -1, o = n == 4 ? outcome_of(w[2]) : -1;
	uint64_t v;
	int rc;

	if (n != 4)
		return fail(err, errlen, line, "expected \"count KIND OUTCOME N\"");
	if (k < 0)
		return fail(err, errlen, line, "unknown kind \"%.24s\"", w[1]);
	if (o < 0)
		return fail(err, errlen, line, "unknown outcome \"%.24s\"", w[2]);
	if (seen->count[k][o])
		return fail(err, errlen, line, "count %s %s given twice", w[1], w[2]);
	rc = parse_num(w[3], UINT64_MAX, &v);
	if (rc)
		return fail(err, errlen, line, "count \"%.24s\" %s", w[3],
			    rc == -ERANGE ? "overflows 64 bits" : "is not a plain decimal number");
	seen->count[k][o] = true;
	s->count[k][o] = v;
	return 0;
}

static int parse_last(struct guard_state *s, struct seen *seen, char **w, int n, int line,
		      char *err, size_t errlen)
{
	int k = n == 3 ? kind_of(w[1]) : -1;
	uint64_t v;
	int rc;

	if (n != 3)
		return fail(err, errlen, line, "expected \"last KIND EPOCH\"");
	if (k < 0)
		return fail(err, errlen, line, "unknown kind \"%.24s\"", w[1]);
	if (seen->last[k])
		return fail(err, errlen, line, "last %s given twice", w[1]);
	rc = parse_num(w[2], INT64_MAX, &v);
	if (rc)
		return fail(err, errlen, line, "time \"%.24s\" %s", w[2],
			    rc == -ERANGE ? "overflows" : "is not a plain decimal number");
	seen->last[k] = true;
	s->last[k] = (int64_t)v;
	return 0;
}

/* One line after the header; *@end is set by the "end" line. */
static int parse_line(struct guard_state *s, struct seen *seen, char *text, int line, bool *end,
		      char *err, size_t errlen)
{
	char *w[MAX_WORDS];
	int n = split(text, w);

	if (n < 0)
		return fail(err, errlen, line, "not a state line (words are separated by one space)");
	if (!strcmp(w[0], "count"))
		return parse_count(s, seen, w, n, line, err, errlen);
	if (!strcmp(w[0], "last"))
		return parse_last(s, seen, w, n, line, err, errlen);
	if (!strcmp(w[0], "end") && n == 1) {
		*end = true;
		return 0;
	}
	return fail(err, errlen, line, "unknown line \"%.24s\"", w[0]);
}

int guard_state_parse(struct guard_state *s, const char *text, size_t len, char *err,
		      size_t errlen)
{
	struct seen seen = { 0 };
	bool end = false;
	size_t pos = 0;
	int line = 1, rc;

	memset(s, 0, sizeof(*s));
	for (; pos < len; line++) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char buf[LINE_MAX_LEN];

		if (end)
			return fail(err, errlen, line, "text after the end line");
		if (!nl)
			return fail(err, errlen, line, "no newline at the end (truncated)");
		if (n >= sizeof(buf) || memchr(text + pos, '\0', n))
			return fail(err, errlen, line, "not a state line");
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + 1;
		if (line == 1 && strcmp(buf, GUARD_STATE_HEADER))
			return fail(err, errlen, line, "expected \"" GUARD_STATE_HEADER "\"");
		rc = line == 1 ? 0 : parse_line(s, &seen, buf, line, &end, err, errlen);
		if (rc)
			return rc;
	}
	if (!end)
		return fail(err, errlen, line, "no end line (truncated)");
	return 0;
}

/* Append to @buf at *@pos; false when it does not fit. */
static bool put(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos)
		return false;
	*pos += (size_t)n;
	return true;
}

int guard_state_format(const struct guard_state *s, char *buf, size_t len)
{
	size_t pos = 0;
	bool ok = len && put(buf, len, &pos, "%s\n", GUARD_STATE_HEADER);

	for (int k = 0; k < GUARD_NKINDS; k++)
		for (int o = 0; o < GUARD_NOUTCOMES; o++)
			ok = ok && put(buf, len, &pos, "count %s %s %llu\n",
				       guard_kind_name((enum guard_kind)k),
				       guard_outcome_name((enum guard_outcome)o),
				       (unsigned long long)s->count[k][o]);
	for (int k = 0; k < GUARD_NKINDS; k++)
		ok = ok && put(buf, len, &pos, "last %s %lld\n", guard_kind_name((enum guard_kind)k),
			       (long long)s->last[k]);
	ok = ok && put(buf, len, &pos, "end\n");
	return ok ? (int)pos : -ENOSPC;
}

int guard_state_add(struct guard_state *s, enum guard_kind k, enum guard_outcome o,
		    int64_t when)
{
	if ((unsigned)k >= GUARD_NKINDS || (unsigned)o >= GUARD_NOUTCOMES || when < 0)
		return -EINVAL;
	if (s->count[k][o] == UINT64_MAX)
		return -EOVERFLOW;
	s->count[k][o]++;
	s->last[k] = when;
	return 0;
}
