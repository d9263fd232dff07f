// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for tpm2.c: the bytes of TPM2_PCR_Extend and TPM2_PCR_Read as
 * TPM 2.0 Part 3 22.2/22.4 lay them out, and strict judgement of responses.
 * The expected commands are written out field by field here, not produced
 * by the code under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tpm2.h"

static uint8_t rsp[TPM2_RESPONSE_MAX + 8];
static size_t rlen;
static char why[256];
static uint32_t rc;
static uint8_t value[TPM2_SHA256_SIZE];

/* Append the bytes of @hex (pairs of digits, spaces ignored). */
static void b(const char *hex)
{
	unsigned int v;

	while (*hex) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		rsp[rlen++] = (uint8_t)v;
		hex += 2;
	}
}

/* Start a response of @tag and @code; fix_size() writes the size field. */
static void start(uint16_t tag, uint32_t code)
{
	memset(rsp, 0, sizeof(rsp));
	rlen = 0;
	rsp[rlen++] = (uint8_t)(tag >> 8);
	rsp[rlen++] = (uint8_t)tag;
	rlen += 4;
	for (int i = 3; i >= 0; i--)
		rsp[rlen++] = (uint8_t)(code >> (8 * i));
}

static void fix_size(void)
{
	for (int i = 0; i < 4; i++)
		rsp[2 + i] = (uint8_t)(rlen >> (8 * (3 - i)));
}

static int extend(void)
{
	why[0] = '\0';
	rc = 0xdeadbeef;
	return tpm2_extend_parse(rsp, rlen, &rc, why, sizeof(why));
}

static int pcr_read(unsigned int pcr)
{
	why[0] = '\0';
	rc = 0xdeadbeef;
	memset(value, 0, sizeof(value));
	return tpm2_pcr_read_parse(rsp, rlen, pcr, value, &rc, why, sizeof(why));
}

static void extend_ok_response(void)
{
	start(0x8002, 0);
	b("00000000"); /* parameterSize */
	b("0000 01 0000");
	fix_size();
}

/* A PCR_Read answer: one selection of @nsel bytes with @map, @ndig digests. */
static void read_response(uint8_t nsel, uint32_t map, uint32_t ndig)
{
	start(0x8001, 0);
	b("00000017");	   /* pcrUpdateCounter */
	b("00000001000b"); /* one selection, SHA-256 */
	rsp[rlen++] = nsel;
	for (int i = 0; i < nsel; i++)
		rsp[rlen++] = (uint8_t)(map >> (8 * i));
	for (int i = 3; i >= 0; i--)
		rsp[rlen++] = (uint8_t)(ndig >> (8 * i));
	for (uint32_t d = 0; d < ndig; d++) {
		b("0020");
		for (int i = 0; i < TPM2_SHA256_SIZE; i++)
			rsp[rlen++] = (uint8_t)(0xa0 + i);
	}
	fix_size();
}

static void extend_command_bytes(void **state)
{
	uint8_t buf[TPM2_EXTEND_CMD_SIZE + 3], digest[TPM2_SHA256_SIZE];
	static const uint8_t head[] = {
	    0x80, 0x02, 0x00, 0x00, 0x00, 0x41, /* TPM_ST_SESSIONS, 65 bytes */
	    0x00, 0x00, 0x01, 0x82,		/* TPM_CC_PCR_Extend */
	    0x00, 0x00, 0x00, 0x0e,		/* pcrHandle 14 */
	    0x00, 0x00, 0x00, 0x09,		/* authorizationSize */
	    0x40, 0x00, 0x00, 0x09,		/* TPM_RS_PW */
	    0x00, 0x00, 0x00, 0x00, 0x00,	/* nonce, attributes, hmac */
	    0x00, 0x00, 0x00, 0x01,		/* one digest */
	    0x00, 0x0b,				/* TPM_ALG_SHA256 */
	};

	(void)state;
	for (int i = 0; i < TPM2_SHA256_SIZE; i++)
		digest[i] = (uint8_t)i;
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(tpm2_extend_build(buf, sizeof(buf), 14, digest), 65);
	assert_memory_equal(buf, head, sizeof(head));
	assert_memory_equal(buf + sizeof(head), digest, TPM2_SHA256_SIZE);
	assert_int_equal(buf[65], 0xee);
	assert_int_equal(tpm2_extend_build(buf, 64, 14, digest), -ENOSPC);
	assert_int_equal(tpm2_extend_build(buf, sizeof(buf), 24, digest), -EINVAL);
	assert_int_equal(tpm2_extend_build(buf, sizeof(buf), 23, digest), 65);
}

static void pcr_read_command_bytes(void **state)
{
	uint8_t buf[32];
	static const uint8_t want[] = {
	    0x80, 0x01, 0x00, 0x00, 0x00, 0x14, /* TPM_ST_NO_SESSIONS, 20 bytes */
	    0x00, 0x00, 0x01, 0x7e,		/* TPM_CC_PCR_Read */
	    0x00, 0x00, 0x00, 0x01,		/* one selection */
	    0x00, 0x0b, 0x03,			/* SHA-256, 3 bytes of map */
	    0x00, 0x80, 0x00,			/* PCR 15 */
	};

	(void)state;
	assert_int_equal(tpm2_pcr_read_build(buf, sizeof(buf), 15), 20);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(tpm2_pcr_read_build(buf, 19, 15), -ENOSPC);
	assert_int_equal(tpm2_pcr_read_build(buf, sizeof(buf), 99), -EINVAL);
	assert_int_equal(tpm2_pcr_read_build(buf, sizeof(buf), 0), 20);
	assert_int_equal(buf[17], 0x01);
}

static void extend_success(void **state)
{
	(void)state;
	extend_ok_response();
	assert_int_equal(rlen, 19);
	assert_int_equal(extend(), 0);
	assert_int_equal(rc, 0);
}

static void extend_malformed(void **state)
{
	(void)state;
	extend_ok_response();
	rlen = 9; /* shorter than a header */
	assert_int_equal(extend(), -EBADMSG);
	assert_int_equal(rc, 0xdeadbeef);
	assert_non_null(strstr(why, "header"));

	extend_ok_response();
	rsp[5] = 20; /* size field disagrees */
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "responseSize says 20"));

	extend_ok_response();
	rsp[1] = 0x01; /* success without the session area's tag */
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "tag 0x8001"));

	extend_ok_response();
	rsp[13] = 1; /* parameterSize 1 */
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "parameterSize 1"));

	extend_ok_response();
	rsp[15] = 2; /* a nonce that is not there */
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "2-byte nonce"));

	extend_ok_response();
	rlen = 17; /* the session answer cut short */
	fix_size();
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "hmac"));

	extend_ok_response();
	rlen = 14; /* no session answer at all */
	fix_size();
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "nonceTPM"));

	extend_ok_response();
	rlen = 20; /* a trailing byte */
	fix_size();
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "1 bytes after"));

	start(0x00c4, 0); /* TPM 1.2 */
	fix_size();
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "1.2"));

	rlen = TPM2_RESPONSE_MAX + 1;
	fix_size();
	assert_int_equal(extend(), -EBADMSG);
	assert_non_null(strstr(why, "longer"));
}

static void extend_tpm_errors(void **state)
{
	(void)state;
	start(0x8001, 0x907);
	fix_size();
	assert_int_equal(extend(), -EPERM);
	assert_int_equal(rc, 0x907);
	assert_non_null(strstr(why, "TPM_RC_LOCALITY"));

	static const uint32_t retry[] = {0x922, 0x908, 0x909, 0x90a};
	for (size_t i = 0; i < sizeof(retry) / sizeof(retry[0]); i++) {
		start(0x8001, retry[i]);
		fix_size();
		assert_int_equal(extend(), -EAGAIN);
		assert_int_equal(rc, retry[i]);
	}

	start(0x8001, 0x100);
	fix_size();
	assert_int_equal(extend(), -EIO);
	assert_non_null(strstr(why, "TPM_RC_INITIALIZE"));

	start(0x8001, 0x184); /* TPM_RC_VALUE + TPM_RC_1, a handle */
	fix_size();
	assert_int_equal(extend(), -EIO);
	assert_non_null(strstr(why, "TPM_RC_VALUE (0x184) on handle 1"));

	start(0x8002, 0x922); /* an error must come with TPM_ST_NO_SESSIONS */
	fix_size();
	assert_int_equal(extend(), -EBADMSG);
	assert_int_equal(rc, 0x922);

	start(0x8001, 0x101); /* an error must be the header alone */
	b("00");
	fix_size();
	assert_int_equal(extend(), -EBADMSG);
}

static void pcr_read_success(void **state)
{
	(void)state;
	read_response(3, 1u << 15, 1);
	assert_int_equal(pcr_read(15), 0);
	assert_int_equal(value[0], 0xa0);
	assert_int_equal(value[31], 0xbf);
	read_response(4, 1u << 23, 1); /* a 4-byte map is legal */
	assert_int_equal(pcr_read(23), 0);
}

static void pcr_read_unallocated_bank(void **state)
{
	(void)state;
	read_response(3, 0, 0);
	assert_int_equal(pcr_read(15), -ENOENT);
	assert_non_null(strstr(why, "not allocated"));

	start(0x8001, 0); /* no selection at all */
	b("00000001"
	  "00000000"
	  "00000000");
	fix_size();
	assert_int_equal(pcr_read(15), -ENOENT);
}

static void pcr_read_malformed(void **state)
{
	(void)state;
	read_response(3, 1u << 14, 1); /* the wrong PCR */
	assert_int_equal(pcr_read(15), -EBADMSG);
	assert_non_null(strstr(why, "selects PCR 14"));

	read_response(3, 1u << 15 | 1u << 16, 1); /* one more */
	assert_int_equal(pcr_read(15), -EBADMSG);

	read_response(3, 1u << 15, 0); /* selected, no value */
	assert_int_equal(pcr_read(15), -EBADMSG);
	assert_non_null(strstr(why, "0 PCR values for 1"));

	read_response(3, 0, 1); /* a value, nothing selected */
	assert_int_equal(pcr_read(15), -EBADMSG);

	read_response(5, 1u << 15, 1);
	assert_int_equal(pcr_read(15), -EBADMSG);
	assert_non_null(strstr(why, "sizeofSelect 5"));

	read_response(3, 1u << 15, 1);
	rsp[19] = 0x04; /* SHA-1 */
	assert_int_equal(pcr_read(15), -EBADMSG);
	assert_non_null(strstr(why, "bank 0x0004"));

	read_response(3, 1u << 15, 1);
	rsp[14] = 2; /* two selections */
	assert_int_equal(pcr_read(15), -EBADMSG);

	read_response(3, 1u << 15, 1);
	rsp[29] = 0x14; /* a 20-byte value */
	assert_int_equal(pcr_read(15), -EBADMSG);
	assert_non_null(strstr(why, "20 bytes"));

	read_response(3, 1u << 15, 1);
	rlen -= 1; /* the value cut short */
	fix_size();
	assert_int_equal(pcr_read(15), -EBADMSG);
	assert_non_null(strstr(why, "PCR value"));

	read_response(3, 1u << 15, 1);
	rsp[1] = 0x02;
	assert_int_equal(pcr_read(15), -EBADMSG);

	/* every truncation is refused, none reads past the end */
	read_response(3, 1u << 15, 1);
	assert_int_equal(rlen, 62);
	for (size_t n = 0; n < 62; n++) {
		rlen = n;
		fix_size();
		assert_int_equal(pcr_read(15), -EBADMSG);
	}
}

static void rc_descriptions(void **state)
{
	char buf[96];

	(void)state;
	tpm2_rc_describe(buf, sizeof(buf), 0x907);
	assert_string_equal(buf, "TPM_RC_LOCALITY (0x907)");
	tpm2_rc_describe(buf, sizeof(buf), 0x2c3); /* TPM_RC_HASH + P + 2 */
	assert_string_equal(buf, "TPM_RC_HASH (0x2c3) on parameter 2");
	tpm2_rc_describe(buf, sizeof(buf), 0x98e); /* TPM_RC_AUTH_FAIL + S + 1 */
	assert_string_equal(buf, "TPM_RC_AUTH_FAIL (0x98e) on session 1");
	tpm2_rc_describe(buf, sizeof(buf), 0x08b);
	assert_string_equal(buf, "TPM_RC_HANDLE (0x08b)");
	tpm2_rc_describe(buf, sizeof(buf), 0x97f);
	assert_string_equal(buf, "warning 0x97f");
	tpm2_rc_describe(buf, sizeof(buf), 0x500);
	assert_string_equal(buf, "vendor code 0x500");
	tpm2_rc_describe(buf, sizeof(buf), 0x26);
	assert_string_equal(buf, "TPM 1.2 or TSS code 0x26");
	tpm2_rc_describe(buf, sizeof(buf), 0xa0008);
	assert_string_equal(buf, "not a TPM response code: 0xa0008");
	tpm2_rc_describe(buf, 8, 0x907);
	assert_string_equal(buf, "TPM_RC_");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(extend_command_bytes),
	    cmocka_unit_test(pcr_read_command_bytes),
	    cmocka_unit_test(extend_success),
	    cmocka_unit_test(extend_malformed),
	    cmocka_unit_test(extend_tpm_errors),
	    cmocka_unit_test(pcr_read_success),
	    cmocka_unit_test(pcr_read_unallocated_bank),
	    cmocka_unit_test(pcr_read_malformed),
	    cmocka_unit_test(rc_descriptions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
