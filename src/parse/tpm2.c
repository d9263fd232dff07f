// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpm2.c - TPM2_PCR_Extend and TPM2_PCR_Read, marshalled and judged by hand.
 *
 * Everything on the wire is big-endian (TPM 2.0 Library, Part 1 18.2). A
 * command is a 10-byte header (tag, commandSize, commandCode), the handle
 * area, for a tag of TPM_ST_SESSIONS a UINT32 authorizationSize and the
 * sessions, then the parameters (Part 1 18.5). A response repeats the
 * header with the responseCode; an error response is that header alone,
 * with TPM_ST_NO_SESSIONS (Part 1 18.9), and a success to a command with
 * sessions carries a UINT32 parameterSize, the parameters, then one
 * session answer per command session (Part 1 18.10). A password session
 * (TPM_RS_PW, Part 1 19.8.4) answers with an empty nonce and an empty
 * acknowledgement. Anything else is a malformed response: the parsers
 * read only the bytes given, consume them exactly, and explain refusals.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tpm2.h"
#include "why.h"

#define ST_NO_SESSIONS 0x8001
#define ST_SESSIONS    0x8002
#define TPM12_TAG_RSP  0x00c4 /* TPM_TAG_RSP_COMMAND of a TPM 1.2 */
#define CC_PCR_READ    0x0000017eu
#define CC_PCR_EXTEND  0x00000182u
#define RS_PW	       0x40000009u
#define ALG_SHA256     0x000b
#define HEADER_SIZE    10
/* Part 2 PCR_SELECT_MAX for 32 PCRs; a PC Client TPM answers with 3 */
#define SELECT_MAX 4

/* Response code fields (Part 2 6.6.2). */
#define RC_VER1	     0x100
#define RC_FMT1	     0x080
#define RC_WARN	     0x900
#define RC_SEVERITY  0x800
#define RC_VENDOR    0x400
#define RC_FMT1_P    0x040
#define RC_FMT1_S    0x800
#define RC_FMT1_N(x) (((x) >> 8) & 0x7)

/* --- marshalling ---------------------------------------------------------- */

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	return put16(put16(p, (uint16_t)(v >> 16)), (uint16_t)v);
}

/* The command header, once @pcr and the room for @size bytes are known good. */
static int build_header(uint8_t **p, size_t len, unsigned int pcr, uint16_t tag, uint32_t size,
			uint32_t cc)
{
	if (pcr >= TPM2_PCR_COUNT)
		return -EINVAL;
	if (len < size)
		return -ENOSPC;
	*p = put32(put32(put16(*p, tag), size), cc);
	return 0;
}

int tpm2_extend_build(uint8_t *buf, size_t len, unsigned int pcr,
		      const uint8_t digest[TPM2_SHA256_SIZE])
{
	uint8_t *p = buf;
	int err = build_header(&p, len, pcr, ST_SESSIONS, TPM2_EXTEND_CMD_SIZE, CC_PCR_EXTEND);

	if (err)
		return err;
	p = put32(p, pcr); /* pcrHandle: PCR n is handle n (Part 2 7.4) */
	p = put32(p, 9);   /* authorizationSize: one TPMS_AUTH_COMMAND */
	p = put32(p, RS_PW);
	p = put16(p, 0); /* nonceCaller: empty */
	*p++ = 0;	 /* sessionAttributes: none */
	p = put16(p, 0); /* hmac: the PCR's authValue, empty */
	p = put32(p, 1); /* TPML_DIGEST_VALUES.count */
	p = put16(p, ALG_SHA256);
	memcpy(p, digest, TPM2_SHA256_SIZE);
	return TPM2_EXTEND_CMD_SIZE;
}

int tpm2_pcr_read_build(uint8_t *buf, size_t len, unsigned int pcr)
{
	uint8_t *p = buf;
	int err = build_header(&p, len, pcr, ST_NO_SESSIONS, TPM2_PCR_READ_CMD_SIZE, CC_PCR_READ);

	if (err)
		return err;
	p = put32(p, 1); /* TPML_PCR_SELECTION.count */
	p = put16(p, ALG_SHA256);
	*p++ = 3; /* sizeofSelect: PCRs 0..23 */
	memset(p, 0, 3);
	p[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	return TPM2_PCR_READ_CMD_SIZE;
}

/* --- unmarshalling -------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	char *why;
	size_t whylen;
};

static int rd_short(struct rd *r, size_t need, const char *what)
{
	return why_fail(r->why, r->whylen, -EBADMSG,
			"response ends at byte %zu, inside %s (%zu more bytes needed)", r->len,
			what, r->off + need - r->len);
}

static int rd16(struct rd *r, uint16_t *v, const char *what)
{
	if (r->len - r->off < 2)
		return rd_short(r, 2, what);
	*v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return 0;
}

static int rd32(struct rd *r, uint32_t *v, const char *what)
{
	uint16_t hi, lo;
	int err = rd16(r, &hi, what);

	if (err)
		return err;
	err = rd16(r, &lo, what);
	if (err)
		return err;
	*v = (uint32_t)hi << 16 | lo;
	return 0;
}

static int rd8(struct rd *r, uint8_t *v, const char *what)
{
	if (r->len - r->off < 1)
		return rd_short(r, 1, what);
	*v = r->p[r->off++];
	return 0;
}

static int rd_end(struct rd *r)
{
	if (r->off != r->len)
		return why_fail(r->why, r->whylen, -EBADMSG,
				"%zu bytes after the end of the response structure at byte %zu",
				r->len - r->off, r->off);
	return 0;
}

static bool rc_is_retry(uint32_t rc)
{
	return rc == TPM2_RC_RETRY || rc == TPM2_RC_YIELDED || rc == TPM2_RC_TESTING ||
	       rc == TPM2_RC_CANCELED;
}

/* A well-formed error response: the header alone, TPM_ST_NO_SESSIONS. */
static int rsp_error(struct rd *r, uint16_t tag, uint32_t rc)
{
	char name[96];

	if (tag != ST_NO_SESSIONS)
		return why_fail(r->why, r->whylen, -EBADMSG,
				"error response 0x%03x with tag 0x%04x, not TPM_ST_NO_SESSIONS", rc,
				tag);
	if (r->len != HEADER_SIZE)
		return why_fail(r->why, r->whylen, -EBADMSG,
				"error response 0x%03x of %zu bytes, not the 10-byte header alone",
				rc, r->len);
	tpm2_rc_describe(name, sizeof(name), rc);
	if (rc == TPM2_RC_LOCALITY)
		return why_fail(r->why, r->whylen, -EPERM, "TPM refused the locality: %s", name);
	if (rc_is_retry(rc))
		return why_fail(r->why, r->whylen, -EAGAIN, "TPM asks to retry: %s", name);
	return why_fail(r->why, r->whylen, -EIO, "TPM error %s", name);
}

/*
 * Read the header of a response of @len bytes and judge everything that
 * does not depend on the command. Returns 0 for a success to parse on, a
 * negative errno otherwise.
 */
static int rsp_header(struct rd *r, uint16_t want_tag, uint32_t *rc)
{
	uint16_t tag;
	uint32_t size, code;

	if (r->len < HEADER_SIZE)
		return why_fail(r->why, r->whylen, -EBADMSG,
				"response of %zu bytes, shorter than the 10-byte header", r->len);
	if (r->len > TPM2_RESPONSE_MAX)
		return why_fail(r->why, r->whylen, -EBADMSG,
				"response of %zu bytes, longer than the %d bytes a TPM may send",
				r->len, TPM2_RESPONSE_MAX);
	rd16(r, &tag, "tag");
	rd32(r, &size, "responseSize");
	rd32(r, &code, "responseCode");
	if (tag == TPM12_TAG_RSP)
		return why_fail(r->why, r->whylen, -EBADMSG, "a TPM 1.2 answered (tag 0x00c4)");
	if (size != r->len)
		return why_fail(r->why, r->whylen, -EBADMSG, "responseSize says %u bytes, %zu read",
				size, r->len);
	*rc = code;
	if (code != TPM2_RC_SUCCESS)
		return rsp_error(r, tag, code);
	if (tag != want_tag)
		return why_fail(r->why, r->whylen, -EBADMSG,
				"success response with tag 0x%04x, expected 0x%04x", tag, want_tag);
	return 0;
}

/* One password session answer: empty nonceTPM, attributes, empty hmac. */
static int rsp_pw_session(struct rd *r)
{
	uint16_t nonce, hmac;
	uint8_t attrs;
	int err;

	if ((err = rd16(r, &nonce, "the session's nonceTPM")) ||
	    (err = rd8(r, &attrs, "the session's attributes")) ||
	    (err = rd16(r, &hmac, "the session's hmac")))
		return err;
	if (nonce || hmac)
		return why_fail(
		    r->why, r->whylen, -EBADMSG,
		    "password session answered with a %u-byte nonce and a %u-byte hmac, "
		    "not empty ones",
		    nonce, hmac);
	return rd_end(r);
}

int tpm2_extend_parse(const uint8_t *rsp, size_t len, uint32_t *rc, char *why, size_t whylen)
{
	struct rd r = {rsp, len, 0, why, whylen};
	uint32_t psize;
	int err = rsp_header(&r, ST_SESSIONS, rc);

	if (err)
		return err;
	err = rd32(&r, &psize, "parameterSize");
	if (err)
		return err;
	if (psize != 0)
		return why_fail(why, whylen, -EBADMSG,
				"parameterSize %u; TPM2_PCR_Extend returns no parameters", psize);
	return rsp_pw_session(&r);
}

/* The selection the TPM answered: is @pcr in it, and nothing else? */
static int rsp_selection(struct rd *r, unsigned int pcr, bool *selected)
{
	uint32_t count;
	uint16_t alg;
	uint8_t size, map[SELECT_MAX] = {0};
	int err = rd32(r, &count, "pcrSelectionOut.count");

	*selected = false;
	if (err || count == 0)
		return err;
	if (count != 1)
		return why_fail(r->why, r->whylen, -EBADMSG,
				"%u PCR selections in the answer to a read of one bank", count);
	if ((err = rd16(r, &alg, "pcrSelectionOut.hash")) ||
	    (err = rd8(r, &size, "pcrSelectionOut.sizeofSelect")))
		return err;
	if (alg != ALG_SHA256)
		return why_fail(r->why, r->whylen, -EBADMSG,
				"selection of bank 0x%04x in the answer to a SHA-256 read", alg);
	if (size > SELECT_MAX)
		return why_fail(r->why, r->whylen, -EBADMSG, "sizeofSelect %u, more than %d", size,
				SELECT_MAX);
	for (unsigned int i = 0; i < size; i++)
		if ((err = rd8(r, &map[i], "pcrSelectionOut.pcrSelect")))
			return err;
	for (unsigned int i = 0; i < SELECT_MAX * 8; i++) {
		if (!(map[i / 8] & (1u << (i % 8))))
			continue;
		if (i != pcr)
			return why_fail(r->why, r->whylen, -EBADMSG,
					"answer selects PCR %u; PCR %u was read", i, pcr);
		*selected = true;
	}
	return 0;
}

int tpm2_pcr_read_parse(const uint8_t *rsp, size_t len, unsigned int pcr,
			uint8_t value[TPM2_SHA256_SIZE], uint32_t *rc, char *why, size_t whylen)
{
	struct rd r = {rsp, len, 0, why, whylen};
	uint32_t counter, ndig;
	uint16_t dsize;
	bool selected;
	int err = rsp_header(&r, ST_NO_SESSIONS, rc);

	if (err)
		return err;
	if ((err = rd32(&r, &counter, "pcrUpdateCounter")) ||
	    (err = rsp_selection(&r, pcr, &selected)) || (err = rd32(&r, &ndig, "pcrValues.count")))
		return err;
	if (ndig != (selected ? 1u : 0u))
		return why_fail(why, whylen, -EBADMSG, "%u PCR values for %u selected PCRs", ndig,
				selected ? 1u : 0u);
	if (!selected) {
		err = rd_end(&r);
		return err ? err
			   : why_fail(
				 why, whylen, -ENOENT,
				 "TPM has no SHA-256 value for PCR %u: the bank is not allocated",
				 pcr);
	}
	if ((err = rd16(&r, &dsize, "the PCR value's size")))
		return err;
	if (dsize != TPM2_SHA256_SIZE)
		return why_fail(why, whylen, -EBADMSG, "SHA-256 PCR value of %u bytes", dsize);
	if (r.len - r.off < TPM2_SHA256_SIZE)
		return rd_short(&r, TPM2_SHA256_SIZE, "the PCR value");
	memcpy(value, rsp + r.off, TPM2_SHA256_SIZE);
	r.off += TPM2_SHA256_SIZE;
	return rd_end(&r);
}

/* --- response codes ------------------------------------------------------- */

struct rc_name {
	uint32_t rc;
	const char *name;
};

/* Format-zero codes (Part 2 Table 16) a PCR command can meet. */
static const struct rc_name fmt0_names[] = {
    {0x100, "TPM_RC_INITIALIZE"},     {0x101, "TPM_RC_FAILURE"},
    {0x120, "TPM_RC_DISABLED"},	      {0x124, "TPM_RC_AUTH_TYPE"},
    {0x125, "TPM_RC_AUTH_MISSING"},   {0x12d, "TPM_RC_UPGRADE"},
    {0x142, "TPM_RC_COMMAND_SIZE"},   {0x143, "TPM_RC_COMMAND_CODE"},
    {0x144, "TPM_RC_AUTHSIZE"},	      {0x901, "TPM_RC_CONTEXT_GAP"},
    {0x902, "TPM_RC_OBJECT_MEMORY"},  {0x903, "TPM_RC_SESSION_MEMORY"},
    {0x904, "TPM_RC_MEMORY"},	      {0x907, "TPM_RC_LOCALITY"},
    {0x908, "TPM_RC_YIELDED"},	      {0x909, "TPM_RC_CANCELED"},
    {0x90a, "TPM_RC_TESTING"},	      {0x920, "TPM_RC_NV_RATE"},
    {0x921, "TPM_RC_LOCKOUT"},	      {0x922, "TPM_RC_RETRY"},
    {0x923, "TPM_RC_NV_UNAVAILABLE"},
};

/* Format-one codes (Part 2 Table 16), by their low six bits. */
static const struct rc_name fmt1_names[] = {
    {0x03, "TPM_RC_HASH"},	   {0x04, "TPM_RC_VALUE"},	   {0x0b, "TPM_RC_HANDLE"},
    {0x0e, "TPM_RC_AUTH_FAIL"},	   {0x15, "TPM_RC_SIZE"},	   {0x17, "TPM_RC_TAG"},
    {0x1a, "TPM_RC_INSUFFICIENT"}, {0x21, "TPM_RC_RESERVED_BITS"}, {0x22, "TPM_RC_BAD_AUTH"},
};

static const char *rc_lookup(const struct rc_name *t, size_t n, uint32_t rc)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].rc == rc)
			return t[i].name;
	return NULL;
}

static void rc_describe_fmt1(char *buf, size_t len, uint32_t rc)
{
	const char *name =
	    rc_lookup(fmt1_names, sizeof(fmt1_names) / sizeof(fmt1_names[0]), rc & 0x3f);
	const char *where = rc & RC_FMT1_P ? "parameter" : rc & RC_FMT1_S ? "session" : "handle";
	unsigned int n = rc & RC_FMT1_P ? (rc >> 8) & 0xf : RC_FMT1_N(rc);

	if (!name)
		name = "format-one error";
	if (n)
		snprintf(buf, len, "%s (0x%03x) on %s %u", name, rc, where, n);
	else
		snprintf(buf, len, "%s (0x%03x)", name, rc);
}

void tpm2_rc_describe(char *buf, size_t len, uint32_t rc)
{
	const char *name;

	if (len == 0)
		return;
	if (rc > 0xfff) {
		snprintf(buf, len, "not a TPM response code: 0x%x", rc);
		return;
	}
	if (rc & RC_FMT1) {
		rc_describe_fmt1(buf, len, rc);
		return;
	}
	name = rc_lookup(fmt0_names, sizeof(fmt0_names) / sizeof(fmt0_names[0]), rc);
	if (name)
		snprintf(buf, len, "%s (0x%03x)", name, rc);
	else if (rc == TPM2_RC_SUCCESS)
		snprintf(buf, len, "TPM_RC_SUCCESS (0x000)");
	else if (!(rc & RC_VER1))
		snprintf(buf, len, "TPM 1.2 or TSS code 0x%x", rc);
	else if (rc & RC_VENDOR)
		snprintf(buf, len, "vendor code 0x%03x", rc);
	else
		snprintf(buf, len, "%s 0x%03x", rc & RC_SEVERITY ? "warning" : "error", rc);
}
