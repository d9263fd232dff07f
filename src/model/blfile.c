// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * blfile.c - read a baseline file back (docs/baseline.md).
 *
 * The file is meant to be reviewed and may have been edited by hand, so the
 * parser is strict: an unknown line type or key, a missing or repeated key,
 * a badly formed address or value, or the same line twice is an error that
 * names file:line. A baseline that cannot be read is never compared as if
 * it were empty.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"

#define BL_MAX_FILE (4u << 20)
#define BL_MAX_LINE 1024

/* Hex width a key's value must have, 0 for free text. */
static int key_width(const char *key)
{
	static const char *const four[] = { "vendor", "device", "subvendor", "subdevice", "class" };

	for (size_t i = 0; i < sizeof(four) / sizeof(four[0]); i++)
		if (!strcmp(key, four[i]))
			return 4;
	return strcmp(key, "revision") ? 0 : 2;
}

static bool value_ok(const char *key, const char *v)
{
	int w = key_width(key);

	if (!w)
		return *v && strlen(v) < BL_VALUE_LEN;
	return strlen(v) == (size_t)w && strspn(v, "0123456789abcdef") == (size_t)w;
}

static int kind_of(const char *word)
{
	for (int k = 0; k < BL_NKINDS; k++)
		if (!strcmp(word, baseline_kind_name(k)))
			return k;
	return -1;
}

static int key_index(enum bl_kind kind, const char *key)
{
	for (int i = 0; baseline_key(kind, i); i++)
		if (!strcmp(baseline_key(kind, i), key))
			return i;
	return -1;
}

/* The key=value words after the address(es) of @e. */
static int parse_fields(struct bl_entry *e, char **save, char *why, size_t wl)
{
	bool seen[BL_FIELDS] = { false };
	const char *kind = baseline_kind_name(e->kind);
	char *t, *eq;
	int i;

	while ((t = strtok_r(NULL, " \t", save))) {
		eq = strchr(t, '=');
		if (!eq || eq == t) {
			snprintf(why, wl, "expected key=value, found '%s'", t);
			return -EINVAL;
		}
		*eq++ = '\0';
		i = key_index(e->kind, t);
		if (i < 0 || seen[i]) {
			snprintf(why, wl, "%s key '%s' in a %s line", i < 0 ? "unknown" : "repeated",
				 t, kind);
			return -EINVAL;
		}
		if (!value_ok(t, eq)) {
			snprintf(why, wl, "bad value '%s' for %s%s", eq, t,
				 key_width(t) ? " (lowercase hex digits)" : "");
			return -EINVAL;
		}
		seen[i] = true;
		snprintf(e->val[i], BL_VALUE_LEN, "%s", eq);
	}
	for (i = 0; baseline_key(e->kind, i); i++) {
		if (!seen[i]) {
			snprintf(why, wl, "%s line without %s=", kind, baseline_key(e->kind, i));
			return -EINVAL;
		}
	}
	return 0;
}

/* The next word as a PCI address, or NULL with the reason in @why. */
static const char *next_bdf(char **save, const char *what, char *why, size_t wl)
{
	const char *t = strtok_r(NULL, " \t", save);

	if (t && bdf_is_canonical(t))
		return t;
	snprintf(
	    why, wl,
	    "expected the %s's PCI address (dddd:bb:dd.f, domain 4-8 digits, lowercase), found '%s'",
	    what, t ? t : "end of line");
	return NULL;
}

/* One non-empty, non-comment line. */
static int parse_line(struct baseline *b, char *line, int lineno, char *why, size_t wl)
{
	char *save, *word = strtok_r(line, " \t", &save);
	const char *bdf, *port = NULL, *rest;
	struct bl_entry *e;
	int kind = kind_of(word);

	if (kind < 0) {
		snprintf(why, wl, "unknown line type '%s' (device, port, rom, peer, nvidia)", word);
		return -EINVAL;
	}
	bdf = next_bdf(&save, "function", why, wl);
	if (bdf && kind == BL_PORT)
		port = next_bdf(&save, "port", why, wl);
	if (!bdf || (kind == BL_PORT && !port))
		return -EINVAL;
	e = baseline_add(b, kind, bdf, port);
	if (!e) {
		snprintf(why, wl, "out of memory");
		return -ENOMEM;
	}
	e->line = lineno;
	if (kind != BL_ROM)
		return parse_fields(e, &save, why, wl);
	rest = save ? save + strspn(save, " \t") : ""; /* strtok_r may leave NULL */
	if (!rom_parse(rest, &e->rom))
		return 0;
	snprintf(why, wl, "bad ROM state '%s' (sha256=HEX, none, shadow, skipped (...), unreadable (...))",
		 rest);
	return -EINVAL;
}

/* Copy the @len bytes at @s into @buf as a string, without trailing blanks. */
static int take_line(char *buf, const char *s, size_t len, char *why, size_t wl)
{
	if (len >= BL_MAX_LINE) {
		snprintf(why, wl, "line longer than %d characters", BL_MAX_LINE - 1);
		return -EINVAL;
	}
	memcpy(buf, s, len);
	while (len && strchr(" \t\r", buf[len - 1]))
		len--;
	buf[len] = '\0';
	return 0;
}

int baseline_parse(struct baseline *b, const char *file, const char *text, char *err,
		   size_t errlen)
{
	char line[BL_MAX_LINE], why[256];
	const struct bl_entry *dup[2];
	int lineno = 0, rc = 0;

	memset(b, 0, sizeof(*b));
	for (const char *s = text; !rc && *s;) {
		size_t len = strcspn(s, "\n");
		const char *p;

		lineno++;
		rc = take_line(line, s, len, why, sizeof(why));
		s += len + (s[len] == '\n');
		p = line + strspn(line, " \t");
		if (!rc && *p && *p != '#')
			rc = parse_line(b, line, lineno, why, sizeof(why));
	}
	if (rc) {
		snprintf(err, errlen, "%s:%d: %s", file, lineno, why);
		baseline_free(b);
		return rc;
	}
	rc = baseline_index(b, dup);
	if (rc == -EEXIST)
		snprintf(err, errlen, "%s:%d: %s line for %s%s%s repeated (first at line %d)", file,
			 dup[1]->line, baseline_kind_name(dup[1]->kind), dup[1]->bdf,
			 dup[1]->port[0] ? " " : "", dup[1]->port, dup[0]->line);
	else if (rc)
		snprintf(err, errlen, "%s: out of memory", file);
	if (rc)
		baseline_free(b);
	return rc == -EEXIST ? -EINVAL : rc;
}

int baseline_load(struct baseline *b, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	size_t n;
	int rc;

	memset(b, 0, sizeof(*b));
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	text = malloc(BL_MAX_FILE + 1);
	n = text ? fread(text, 1, BL_MAX_FILE + 1, f) : 0;
	rc = !text ? -ENOMEM : ferror(f) ? -EIO : n > BL_MAX_FILE ? -EFBIG : 0;
	fclose(f);
	if (!rc && memchr(text, '\0', n))
		rc = -EINVAL;
	if (rc) {
		snprintf(err, errlen, "%s: %s", path,
			 rc == -EINVAL ? "binary data (NUL byte)" : strerror(-rc));
		free(text);
		return rc;
	}
	text[n] = '\0';
	rc = baseline_parse(b, path, text, err, errlen);
	free(text);
	return rc;
}
