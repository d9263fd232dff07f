// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * measlog.c - systemd's userspace TPM event log (tpm2-measure.log): the
 * record gpugate appends, and a strict reader that replays a log.
 *
 * The log is a JSON text sequence (RFC 7464): every record is 0x1E, one
 * JSON text (RFC 8259) and usually "\n". The fields are the ones
 * systemd-pcrextend(8) writes and systemd-pcrlock reads ("pcr",
 * "digests": [{"hashAlg", "digest"}], "content_type", "content"). The file
 * sits in /run, where any root process can write it, and is copied off the
 * host to be verified: the reader takes nothing on trust. Its JSON parser
 * accepts exactly RFC 8259 (UTF-8, every escape, surrogate pairs checked),
 * nests at most MEASLOG_DEPTH_MAX deep (the recursion is bounded by that),
 * reads records of at most MEASLOG_RECORD_LEN_MAX bytes, and refuses a NUL
 * byte anywhere. Pure: no I/O, no allocation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sha2.h>

#include "bdf.h"
#include "measlog.h"

#define PCR_COUNT 24
#define RS	  0x1e
/* Bounds of the reader: objects and arrays nested deeper, or a record
 * longer, are refused. systemd's records nest 3 deep and are < 1 KiB. */
#define MEASLOG_DEPTH_MAX      16
#define MEASLOG_RECORD_LEN_MAX 65536
#define MEASLOG_LEN_MAX	       (64 << 20)
/* Member names and the short strings the reader compares are decoded into
 * buffers of this size; a longer one matches no name it knows. */
#define NAME_MAX_LEN 32
#define HEX_MAX_LEN  128 /* sha512 */

void measlog_fold(uint8_t value[32], const uint8_t digest[32])
{
	SHA2_CTX c;

	SHA256Init(&c);
	SHA256Update(&c, value, 32);
	SHA256Update(&c, digest, 32);
	SHA256Final(value, &c);
}

static void sha256(const char *s, size_t n, uint8_t out[32])
{
	SHA2_CTX c;

	SHA256Init(&c);
	SHA256Update(&c, (const uint8_t *)s, n);
	SHA256Final(out, &c);
}

/*
 * The length of the UTF-8 sequence at @s (at most @n bytes there), or 0
 * when it is not well-formed (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF). *@cut is set when the bytes run out inside an
 * otherwise good sequence.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, bool *cut)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	*cut = false;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	for (size_t i = 1; i < len; i++) {
		if (i >= n) {
			*cut = true;
			return 0;
		}
		if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xbf))
			return 0;
	}
	return len;
}

/* --- the writer ------------------------------------------------------------ */

struct out {
	char *buf;
	size_t len;
	size_t n; /* bytes the record needs so far, also past @len */
};

static void out_put(struct out *o, const char *s, size_t n)
{
	if (o->n < o->len)
		memcpy(o->buf + o->n, s, o->n + n <= o->len ? n : o->len - o->n);
	o->n += n;
}

static void out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* JSON's two-character escapes (RFC 8259 section 7): the character, then
 * the letter after the backslash. */
static const char short_escapes[][2] = {{'"', '"'},  {'\\', '\\'}, {'/', '/'},	{'\b', 'b'},
					{'\f', 'f'}, {'\n', 'n'},  {'\r', 'r'}, {'\t', 't'}};

/* @c looked up in column @from of short_escapes: the other column, or 0. */
static unsigned char short_escape(unsigned char c, int from)
{
	for (size_t i = 0; i < sizeof(short_escapes) / sizeof(short_escapes[0]); i++)
		if ((unsigned char)short_escapes[i][from] == c)
			return (unsigned char)short_escapes[i][!from];
	return 0;
}

/* @s as the inside of a JSON string: -EINVAL when it is not UTF-8. Control
 * characters (and DEL) are escaped, so a record is one line. */
static int out_escaped(struct out *o, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s);

	while (left) {
		/* '/' needs no escape: written as it is */
		char tmp[8] = {'\\', *u == '/' ? 0 : (char)short_escape(*u, 0)};
		bool cut;
		size_t k = 1;

		if (tmp[1])
			out_put(o, tmp, 2);
		else if (*u < 0x20 || *u == 0x7f)
			out_put(o, tmp, (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", *u));
		else if ((k = utf8_seq(u, left, &cut)))
			out_put(o, (const char *)u, k);
		else
			return -EINVAL;
		u += k;
		left -= k;
	}
	return 0;
}

int measlog_record(char *buf, size_t len, unsigned int pcr, const uint8_t digest[32],
		   const char *string)
{
	struct out o = {buf, len, 0};
	uint8_t want[32];
	char num[16];

	if (pcr >= PCR_COUNT || !digest || !string)
		return -EINVAL;
	sha256(string, strlen(string), want);
	if (memcmp(want, digest, sizeof(want)))
		return -EINVAL; /* the reader refuses a string that does not match */
	snprintf(num, sizeof(num), "%u", pcr);
	out_str(&o, "\x1e{\"pcr\":");
	out_str(&o, num);
	out_str(&o, ",\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"");
	for (int i = 0; i < 32; i++) {
		snprintf(num, sizeof(num), "%02x", digest[i]);
		out_put(&o, num, 2);
	}
	out_str(&o, "\"}],\"content_type\":\"gpugate\",\"content\":{\"string\":\"");
	if (out_escaped(&o, string))
		return -EINVAL;
	out_str(&o, "\"}}\n");
	if (o.n - 1 > MEASLOG_RECORD_LEN_MAX)
		return -EINVAL; /* longer than the reader takes */
	if (o.n >= len)
		return -ENOSPC;
	buf[o.n] = '\0';
	return (int)o.n;
}

/* --- JSON (RFC 8259) --------------------------------------------------------- */

struct json {
	const unsigned char *s;
	size_t len; /* of the record: the parser never reads past it */
	size_t off;
	int depth;
	bool eof; /* the failure was the record ending */
	char *why;
	size_t whylen;
};

static int jfail(struct json *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int jfail(struct json *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

static int jeof(struct json *p, const char *inside)
{
	p->eof = true;
	return jfail(p, "the record ends inside %s", inside);
}

static void ws(struct json *p)
{
	while (p->off < p->len && (p->s[p->off] == ' ' || p->s[p->off] == '\t' ||
				   p->s[p->off] == '\n' || p->s[p->off] == '\r'))
		p->off++;
}

static bool at_end(struct json *p)
{
	return p->off >= p->len;
}

/* Where decoded string bytes go: a bounded buffer (names, short values),
 * a SHA-256 (content.string), or nowhere (strings only validated). */
struct sink {
	char *buf;
	size_t cap; /* room for cap - 1 bytes and a NUL */
	size_t n;
	bool over;
	SHA2_CTX *sha;
};

static void sink_put(struct sink *k, const unsigned char *b, size_t n)
{
	if (!k)
		return;
	if (k->sha)
		SHA256Update(k->sha, b, n);
	if (!k->buf)
		return;
	if (k->over || k->n + n >= k->cap) {
		k->over = true;
		return;
	}
	memcpy(k->buf + k->n, b, n);
	k->n += n;
	k->buf[k->n] = '\0';
}

/* Four hex digits of a \u escape at p->off: the code unit, -1 if one is
 * not a hex digit, -2 if the record ends first. */
static long hex4(struct json *p)
{
	long v;

	if (p->len - p->off < 4)
		return -2;
	v = bdf_hex((const char *)p->s + p->off, 4);
	if (v >= 0)
		p->off += 4;
	return v;
}

static size_t utf8_put(unsigned char *b, unsigned long cp)
{
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (unsigned char)(0xf0 | cp >> 18);
	b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	b[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* \uXXXX (p->off just past the "u"), with its low surrogate when it is a high one. */
static int string_unicode(struct json *p, struct sink *k)
{
	size_t at = p->off - 2;
	long hi = hex4(p), lo;
	unsigned char b[4];

	if (hi == -2)
		return jeof(p, "a \\u escape");
	if (hi < 0)
		return jfail(p, "bad \\u escape at byte %zu (four hex digits expected)", at);
	if (hi == 0)
		return jfail(p, "\\u0000 (a NUL) in a string at byte %zu", at);
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return jfail(p, "\\u%04lx at byte %zu is a low surrogate without a high one", hi,
			     at);
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (p->len - p->off < 2)
			return jeof(p, "a surrogate pair");
		if (p->s[p->off] != '\\' || p->s[p->off + 1] != 'u')
			return jfail(p,
				     "\\u%04lx at byte %zu is a high surrogate without a low one",
				     hi, at);
		p->off += 2;
		lo = hex4(p);
		if (lo == -2)
			return jeof(p, "a surrogate pair");
		if (lo < 0xdc00 || lo > 0xdfff)
			return jfail(p,
				     "\\u%04lx at byte %zu is a high surrogate without a low one",
				     hi, at);
		hi = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	}
	sink_put(k, b, utf8_put(b, (unsigned long)hi));
	return 0;
}

static int string_escape(struct json *p, struct sink *k)
{
	unsigned char c, v;

	if (at_end(p))
		return jeof(p, "an escape");
	c = p->s[p->off++];
	if (c == 'u')
		return string_unicode(p, k);
	v = short_escape(c, 1);
	if (!v)
		return jfail(p, "bad escape \\%c at byte %zu", c >= 0x20 && c < 0x7f ? c : '?',
			     p->off - 2);
	sink_put(k, &v, 1);
	return 0;
}

/* A string at p->off (on its opening quote), decoded into @k (may be NULL). */
static int json_string(struct json *p, struct sink *k)
{
	size_t start = p->off++;

	for (;;) {
		unsigned char c;
		size_t n;
		bool cut;
		int err;

		if (at_end(p))
			return jeof(p, "a string");
		c = p->s[p->off];
		if (c == '"') {
			p->off++;
			return 0;
		}
		if (c == '\\') {
			p->off++;
			err = string_escape(p, k);
			if (err)
				return err;
			continue;
		}
		if (c < 0x20)
			return jfail(p, "control character 0x%02x in the string at byte %zu", c,
				     start);
		n = utf8_seq(p->s + p->off, p->len - p->off, &cut);
		if (cut)
			return jeof(p, "a UTF-8 sequence");
		if (!n)
			return jfail(p, "invalid UTF-8 at byte %zu", p->off);
		sink_put(k, p->s + p->off, n);
		p->off += n;
	}
}

static bool digit(struct json *p)
{
	return !at_end(p) && p->s[p->off] >= '0' && p->s[p->off] <= '9';
}

/*
 * A number (RFC 8259 section 6). *@u gets its value when it is a plain
 * non-negative integer (no sign, fraction or exponent; capped at 1000) and
 * -1 otherwise.
 */
static int json_number(struct json *p, long *u)
{
	size_t start = p->off;
	bool plain = true;
	long v = 0;

	if (p->s[p->off] == '-') {
		plain = false;
		p->off++;
	}
	if (!digit(p))
		return at_end(p) ? jeof(p, "a number") : jfail(p, "bad number at byte %zu", start);
	if (p->s[p->off] == '0') {
		p->off++;
		if (digit(p))
			return jfail(p, "number with a leading zero at byte %zu", start);
	}
	while (digit(p)) {
		v = v * 10 + (p->s[p->off++] - '0');
		if (v > 1000)
			v = 1000;
	}
	if (!at_end(p) && p->s[p->off] == '.') {
		plain = false;
		p->off++;
		if (!digit(p))
			return at_end(p)
				   ? jeof(p, "a number")
				   : jfail(p, "bad fraction in the number at byte %zu", start);
		while (digit(p))
			p->off++;
	}
	if (!at_end(p) && (p->s[p->off] == 'e' || p->s[p->off] == 'E')) {
		plain = false;
		p->off++;
		if (!at_end(p) && (p->s[p->off] == '+' || p->s[p->off] == '-'))
			p->off++;
		if (!digit(p))
			return at_end(p)
				   ? jeof(p, "a number")
				   : jfail(p, "bad exponent in the number at byte %zu", start);
		while (digit(p))
			p->off++;
	}
	if (u)
		*u = plain ? v : -1;
	return 0;
}

static int json_literal(struct json *p)
{
	static const char *const words[] = {"true", "false", "null"};
	size_t start = p->off;

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		size_t have = p->len - p->off < n ? p->len - p->off : n;

		if (memcmp(p->s + p->off, words[i], have))
			continue;
		if (have < n)
			return jeof(p, words[i]);
		p->off += n;
		return 0;
	}
	return jfail(p, "unexpected character 0x%02x at byte %zu", p->s[start], start);
}

/* Called for each member of an object with its decoded name ("" when
 * longer than NAME_MAX_LEN) and p->off on the value; must consume it. */
typedef int (*member_fn)(struct json *p, const char *name, void *ctx);
/* Called for each element of an array, p->off on it; must consume it. */
typedef int (*element_fn)(struct json *p, size_t index, void *ctx);

static int json_value(struct json *p);

/* Enter the object or array at p->off, which ends with @close: 1 when it
 * is empty (and passed over), 0 with p->off on its first member. */
static int nest(struct json *p, char close)
{
	if (++p->depth > MEASLOG_DEPTH_MAX)
		return jfail(p, "nested deeper than %d levels at byte %zu", MEASLOG_DEPTH_MAX,
			     p->off);
	p->off++; /* '{' or '[' */
	ws(p);
	if (at_end(p) || p->s[p->off] != close)
		return 0;
	p->off++;
	p->depth--;
	return 1;
}

/* After a member or element: 0 at a ',' (consumed), 1 at @close (consumed). */
static int next_or_close(struct json *p, char close, const char *what)
{
	ws(p);
	if (at_end(p))
		return jeof(p, what);
	if (p->s[p->off] == close) {
		p->off++;
		return 1;
	}
	if (p->s[p->off] == ',') {
		p->off++;
		ws(p);
		return 0;
	}
	return jfail(p, "expected ',' or '%c' in %s at byte %zu", close, what, p->off);
}

static int json_object(struct json *p, member_fn fn, void *ctx)
{
	int err = nest(p, '}');

	if (err)
		return err < 0 ? err : 0;
	do {
		char name[NAME_MAX_LEN + 1] = "";
		struct sink k = {name, sizeof(name), 0, false, NULL};

		if (at_end(p))
			return jeof(p, "an object");
		if (p->s[p->off] != '"')
			return jfail(p, "expected a member name at byte %zu", p->off);
		err = json_string(p, &k);
		if (err)
			return err;
		ws(p);
		if (at_end(p))
			return jeof(p, "an object");
		if (p->s[p->off] != ':')
			return jfail(p, "expected ':' after the member name at byte %zu", p->off);
		p->off++;
		ws(p);
		err = fn(p, k.over ? "" : name, ctx);
		if (err)
			return err;
		err = next_or_close(p, '}', "an object");
	} while (err == 0);
	if (err < 0)
		return err;
	p->depth--;
	return 0;
}

static int json_array(struct json *p, element_fn fn, void *ctx)
{
	int err = nest(p, ']');
	size_t i = 0;

	if (err)
		return err < 0 ? err : 0;
	do {
		err = fn(p, i++, ctx);
		if (err)
			return err;
		err = next_or_close(p, ']', "an array");
	} while (err == 0);
	if (err < 0)
		return err;
	p->depth--;
	return 0;
}

static int skip_member(struct json *p, const char *name, void *ctx)
{
	(void)name;
	(void)ctx;
	return json_value(p);
}

static int skip_element(struct json *p, size_t index, void *ctx)
{
	(void)index;
	(void)ctx;
	return json_value(p);
}

/* Any value, validated and passed over (p->off on its first byte). */
static int json_value(struct json *p)
{
	unsigned char c;

	if (at_end(p))
		return jeof(p, "a value");
	c = p->s[p->off];
	if (c == '{')
		return json_object(p, skip_member, NULL);
	if (c == '[')
		return json_array(p, skip_element, NULL);
	if (c == '"')
		return json_string(p, NULL);
	if (c == '-' || (c >= '0' && c <= '9'))
		return json_number(p, NULL);
	return json_literal(p);
}

/* --- records ----------------------------------------------------------------- */

/* The hash algorithms the reader knows, by the names systemd writes, with
 * their digest sizes; a digest of any other algorithm is passed over. */
static const struct {
	const char *name;
	size_t size;
} algs[] = {{"sha1", 20}, {"sha256", 32}, {"sha384", 48}, {"sha512", 64}};
#define ALG_COUNT  (sizeof(algs) / sizeof(algs[0]))
#define ALG_SHA256 1

enum content_type { CT_NONE, CT_GPUGATE, CT_SYSTEMD, CT_OTHER };
enum string_state { STR_ABSENT, STR_OK, STR_NOT_STRING, STR_TWICE };

struct record {
	bool seen_pcr, seen_digests, seen_type, seen_content;
	long pcr;
	unsigned int algs_seen; /* one bit per algs[] */
	uint8_t sha256[32];
	enum content_type type;
	bool content_object;
	enum string_state string;
	uint8_t string_sha256[32]; /* of content.string */
};

/* One element of "digests". */
struct digest {
	size_t index;
	bool seen_alg, seen_digest, digest_string;
	int alg; /* index in algs[], -1: not one the reader knows */
	char hex[HEX_MAX_LEN + 1];
	size_t hexn;
	bool hex_over;
};

static bool at(struct json *p, unsigned char c)
{
	return !at_end(p) && p->s[p->off] == c;
}

/* The value at p->off must be a string: decoded into @k. */
static int want_string(struct json *p, struct sink *k, const char *what)
{
	if (at_end(p))
		return jeof(p, what);
	if (!at(p, '"'))
		return jfail(p, "%s is not a string (byte %zu)", what, p->off);
	return json_string(p, k);
}

static int digest_member(struct json *p, const char *name, void *ctx)
{
	struct digest *d = ctx;
	char alg[NAME_MAX_LEN + 1] = "";
	struct sink ka = {alg, sizeof(alg), 0, false, NULL};
	struct sink kh = {d->hex, sizeof(d->hex), 0, false, NULL};
	int err;

	if (!strcmp(name, "hashAlg")) {
		if (d->seen_alg)
			return jfail(p, "digests[%zu] has two \"hashAlg\" members", d->index);
		d->seen_alg = true;
		err = want_string(p, &ka, "\"hashAlg\"");
		if (err)
			return err;
		d->alg = -1;
		for (size_t i = 0; i < ALG_COUNT && !ka.over; i++)
			if (!strcmp(alg, algs[i].name))
				d->alg = (int)i;
		return 0;
	}
	if (strcmp(name, "digest"))
		return json_value(p);
	if (d->seen_digest)
		return jfail(p, "digests[%zu] has two \"digest\" members", d->index);
	d->seen_digest = true;
	if (!at(p, '"'))
		return json_value(p);
	d->digest_string = true;
	err = json_string(p, &kh);
	d->hexn = kh.n;
	d->hex_over = kh.over;
	return err;
}

/* A whole element of "digests", read: take its digest or explain why not. */
static int digest_take(struct json *p, struct record *r, struct digest *d)
{
	const char *alg;
	size_t want;

	if (!d->seen_alg)
		return jfail(p, "digests[%zu] has no \"hashAlg\"", d->index);
	if (d->alg < 0)
		return 0;
	alg = algs[d->alg].name;
	want = 2 * algs[d->alg].size;
	if (!d->seen_digest)
		return jfail(p, "digests[%zu] (%s) has no \"digest\"", d->index, alg);
	if (!d->digest_string)
		return jfail(p, "digests[%zu] (%s): \"digest\" is not a string", d->index, alg);
	if (d->hex_over || d->hexn != want)
		return jfail(
		    p,
		    "digests[%zu] (%s): \"digest\" has %s%zu characters, %zu hex digits expected",
		    d->index, alg, d->hex_over ? "more than " : "", d->hexn, want);
	for (size_t i = 0; i < want; i += 2)
		if (bdf_hex(d->hex + i, 2) < 0)
			return jfail(p, "digests[%zu] (%s): \"digest\" is not hex", d->index, alg);
	if (r->algs_seen & 1u << d->alg)
		return jfail(p, "\"digests\" holds two %s digests", alg);
	r->algs_seen |= 1u << d->alg;
	if (d->alg == ALG_SHA256)
		for (size_t i = 0; i < 32; i++)
			r->sha256[i] = (uint8_t)bdf_hex(d->hex + 2 * i, 2);
	return 0;
}

static int digest_element(struct json *p, size_t index, void *ctx)
{
	struct digest d = {.index = index, .alg = -1};
	int err;

	if (at_end(p))
		return jeof(p, "\"digests\"");
	if (!at(p, '{'))
		return jfail(p, "digests[%zu] is not an object (byte %zu)", index, p->off);
	err = json_object(p, digest_member, &d);
	return err ? err : digest_take(p, ctx, &d);
}

static int content_member(struct json *p, const char *name, void *ctx)
{
	struct record *r = ctx;
	SHA2_CTX c;
	struct sink k = {NULL, 0, 0, false, &c};
	int err;

	if (strcmp(name, "string"))
		return json_value(p);
	if (r->string != STR_ABSENT) {
		r->string = STR_TWICE;
		return json_value(p);
	}
	if (!at(p, '"')) {
		r->string = STR_NOT_STRING;
		return json_value(p);
	}
	SHA256Init(&c);
	err = json_string(p, &k);
	SHA256Final(r->string_sha256, &c);
	r->string = STR_OK;
	return err;
}

static int member_pcr(struct json *p, struct record *r)
{
	size_t start = p->off;
	int err;

	if (r->seen_pcr)
		return jfail(p, "two \"pcr\" members");
	r->seen_pcr = true;
	if (at_end(p))
		return jeof(p, "\"pcr\"");
	if (!at(p, '-') && !(p->s[p->off] >= '0' && p->s[p->off] <= '9'))
		return jfail(p, "\"pcr\" is not a number (byte %zu)", start);
	err = json_number(p, &r->pcr);
	if (err)
		return err;
	if (r->pcr < 0 || r->pcr >= PCR_COUNT)
		return jfail(p, "\"pcr\" is %.*s, not an integer 0..23",
			     (int)(p->off - start > 24 ? 24 : p->off - start),
			     (const char *)p->s + start);
	return 0;
}

static int member_content_type(struct json *p, struct record *r)
{
	char type[NAME_MAX_LEN + 1] = "";
	struct sink k = {type, sizeof(type), 0, false, NULL};
	int err;

	if (r->seen_type)
		return jfail(p, "two \"content_type\" members");
	r->seen_type = true;
	err = want_string(p, &k, "\"content_type\"");
	if (err)
		return err;
	r->type = k.over		     ? CT_OTHER
		  : !strcmp(type, "gpugate") ? CT_GPUGATE
		  : !strcmp(type, "systemd") ? CT_SYSTEMD
					     : CT_OTHER;
	return 0;
}

static int record_member(struct json *p, const char *name, void *ctx)
{
	struct record *r = ctx;

	if (!strcmp(name, "pcr"))
		return member_pcr(p, r);
	if (!strcmp(name, "content_type"))
		return member_content_type(p, r);
	if (!strcmp(name, "digests")) {
		if (r->seen_digests)
			return jfail(p, "two \"digests\" members");
		r->seen_digests = true;
		if (at_end(p))
			return jeof(p, "\"digests\"");
		if (!at(p, '['))
			return jfail(p, "\"digests\" is not an array (byte %zu)", p->off);
		return json_array(p, digest_element, r);
	}
	if (!strcmp(name, "content")) {
		if (r->seen_content)
			return jfail(p, "two \"content\" members");
		r->seen_content = true;
		r->content_object = at(p, '{');
		return r->content_object ? json_object(p, content_member, r) : json_value(p);
	}
	return json_value(p);
}

/* The record's fields, read whole, against each other and PCR @pcr. */
static int record_judge(struct json *p, const struct record *r, unsigned int pcr)
{
	const char *type = r->type == CT_GPUGATE ? "gpugate" : "systemd";

	if (!r->seen_pcr)
		return jfail(p, "no \"pcr\"");
	if (!r->seen_digests)
		return jfail(p, "no \"digests\"");
	if (r->type == CT_GPUGATE || r->type == CT_SYSTEMD) {
		if (!r->seen_content)
			return jfail(p, "content_type \"%s\" without \"content\"", type);
		if (!r->content_object)
			return jfail(p, "\"content\" is not an object");
		if (r->string == STR_NOT_STRING)
			return jfail(p, "content.string is not a string");
		if (r->string == STR_TWICE)
			return jfail(p, "two content.string members");
		if (r->type == CT_GPUGATE && r->string == STR_ABSENT)
			return jfail(p, "content_type \"gpugate\" without content.string");
	}
	if (r->pcr != (long)pcr)
		return 0;
	if (!(r->algs_seen & 1u << ALG_SHA256))
		return jfail(p, "no sha256 digest for PCR %u", pcr);
	if ((r->type == CT_GPUGATE || r->type == CT_SYSTEMD) && r->string == STR_OK &&
	    memcmp(r->string_sha256, r->sha256, 32))
		return jfail(p, "content.string does not match its sha256 digest");
	return 0;
}

/* One record: p->off is just past its 0x1e, p->len at the next one (or the end). */
static int record_parse(struct json *p, struct record *r, unsigned int pcr)
{
	int err;

	ws(p);
	if (at_end(p)) {
		p->eof = true; /* the last record: a writer stopped after the 0x1e */
		return jfail(p, "empty record");
	}
	if (!at(p, '{'))
		return jfail(p, "not a JSON object (byte %zu is 0x%02x)", p->off, p->s[p->off]);
	err = json_object(p, record_member, r);
	if (err)
		return err;
	ws(p);
	if (!at_end(p))
		return jfail(p, "text after the JSON object at byte %zu", p->off);
	return record_judge(p, r, pcr);
}

/* One record: its bytes run from @start (after its 0x1e) to @end. Refusals
 * go to @log's reason, naming the record. */
static int record_replay(struct json *log, size_t start, size_t end, bool last, int num,
			 unsigned int pcr, uint8_t value[32], int *folded)
{
	char reason[200];
	struct json p = {log->s, end, start, 0, false, reason, sizeof(reason)};
	struct record r = {.pcr = -1};

	if (end - start > MEASLOG_RECORD_LEN_MAX)
		return jfail(log, "record %d (byte %zu) is longer than %d bytes", num, start - 1,
			     MEASLOG_RECORD_LEN_MAX);
	if (record_parse(&p, &r, pcr)) {
		if (last && p.eof)
			return jfail(
			    log, "record %d (byte %zu) is truncated: the log ends inside it (%s)",
			    num, start - 1, reason);
		return jfail(log, "record %d (byte %zu): %s", num, start - 1, reason);
	}
	if (r.pcr == (long)pcr) {
		measlog_fold(value, r.sha256);
		(*folded)++;
	}
	return 0;
}

/* Refuse a log holding a NUL byte, naming the record it is in. */
static int log_nul(struct json *log)
{
	const unsigned char *nul = memchr(log->s, 0, log->len);
	int num = 0;

	if (!nul)
		return 0;
	for (const unsigned char *c = log->s; c < nul; c++)
		num += *c == RS;
	if (!num)
		return jfail(log, "a NUL byte at byte %zu, before the first record",
			     (size_t)(nul - log->s));
	return jfail(log, "record %d: a NUL byte at byte %zu", num, (size_t)(nul - log->s));
}

int measlog_replay(const char *text, size_t len, unsigned int pcr, uint8_t value[32], int *nrecords,
		   char *why, size_t whylen)
{
	struct json log = {(const unsigned char *)text, len, 0, 0, false, why, whylen};
	const unsigned char *next;
	int num = 0, folded = 0, err;

	memset(value, 0, 32);
	*nrecords = 0;
	if (pcr >= PCR_COUNT) {
		jfail(&log, "PCR %u is out of range 0..23", pcr);
		return -EINVAL;
	}
	if (len == 0)
		return 0;
	if (len > MEASLOG_LEN_MAX)
		return jfail(&log, "log of %zu bytes, more than %d", len, MEASLOG_LEN_MAX);
	err = log_nul(&log);
	if (err)
		return err;
	if (log.s[0] != RS)
		return jfail(
		    &log,
		    "text before the first record: the log starts with 0x%02x, not the record separator 0x1e",
		    log.s[0]);
	for (size_t off = 0; off < len; off = (size_t)(next - log.s)) {
		size_t start = off + 1;

		next = memchr(log.s + start, RS, len - start);
		if (!next)
			next = log.s + len;
		err = record_replay(&log, start, (size_t)(next - log.s), next == log.s + len, ++num,
				    pcr, value, &folded);
		if (err) {
			memset(value, 0, 32);
			return err;
		}
	}
	*nrecords = folded;
	return 0;
}
