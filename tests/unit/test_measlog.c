// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for measlog.c: the record gpugate appends to tpm2-measure.log,
 * and the strict reader that replays a PCR from a log. Every expected digest
 * and PCR value here was computed outside the code under test (Python's
 * hashlib, sha256sum, or tpm2_pcrread on swtpm for the contract's worked
 * value), never by measlog.c itself.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sha2.h>

#include "measlog.h"

#define RS "\x1e"
/* SHA-256("x"), and the PCR after extending it once into 32 zero bytes. */
#define X_SHA256   "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
#define X_VALUE	   "7f85193790de75e46b70bfec3614098f47332a6993dabac6e38ad35f47df5da4"
#define ZERO_VALUE "0000000000000000000000000000000000000000000000000000000000000000"
/* The digests of the fixed words (tpm-design.md section 2, sha256sum). */
#define GATE_PASS   "d8502cda42502865063301931b85e551f2f046dd73f008dc230457229c710dc8"
#define VERIFY_PASS "1284152e7866d986c0016c25db9cec19104af92b1fbbe5f44106fc5b53487582"
/* sha256sum of `git show b8dd513:config/policy.conf`, and the PCR 8 value of
 * its pass sequence, read back from swtpm (the contract's worked value). */
#define POLICY_B8DD513 "0b653f82fdc4076eb5dffb5f13d6e536289bcee9bf2d4bb88f3517a13cad8323"
#define WORKED_VALUE   "fe2d5881866ba4a2aac2fef74a7d041fd5d8b1cb507db4aa0f1108a88f235797"

/* A good record of "x" for PCR @pcr (a string literal). */
#define XREC(pcr)                                                                                  \
	RS "{\"pcr\":" pcr ",\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256          \
	   "\"}],\"content_type\":\"gpugate\",\"content\":{\"string\":\"x\"}}\n"

static uint8_t value[32];
static int nrec;
static char why[256];
static char hexv[65];

static int replay_n(const char *text, size_t len, unsigned int pcr)
{
	int err;

	memset(value, 0xaa, sizeof(value));
	nrec = -1;
	why[0] = '\0';
	err = measlog_replay(text, len, pcr, value, &nrec, why, sizeof(why));
	for (int i = 0; i < 32; i++)
		snprintf(hexv + 2 * i, 3, "%02x", value[i]);
	if (err) {
		/* a refusal leaves nothing that could pass for a value */
		assert_string_equal(hexv, ZERO_VALUE);
		assert_int_equal(nrec, 0);
		assert_true(why[0] != '\0');
	}
	return err;
}

static int replay(const char *text, unsigned int pcr)
{
	return replay_n(text, strlen(text), pcr);
}

static void unhex(const char *hex, uint8_t *out)
{
	unsigned int v;

	assert_int_equal(strlen(hex), 64);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void digest_of(const char *s, uint8_t out[32])
{
	SHA2_CTX c;

	SHA256Init(&c);
	SHA256Update(&c, (const uint8_t *)s, strlen(s));
	SHA256Final(out, &c);
}

static void fold_one_extend(void **state)
{
	uint8_t v[32] = {0}, d[32], want[32];

	(void)state;
	unhex(X_SHA256, d);
	unhex(X_VALUE, want);
	measlog_fold(v, d);
	assert_memory_equal(v, want, 32);
}

static void record_exact_bytes(void **state)
{
	static const char want[] =
	    RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" GATE_PASS
	       "\"}],\"content_type\":\"gpugate\",\"content\":{\"string\":\"gpugate gate pass "
	       "v1\"}}\n";
	char buf[512];
	uint8_t d[32];

	(void)state;
	unhex(GATE_PASS, d);
	assert_int_equal(measlog_record(buf, sizeof(buf), 8, d, "gpugate gate pass v1"),
			 (int)strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(replay(buf, 8), 0);
	assert_int_equal(nrec, 1);
	assert_string_equal(hexv,
			    "61b2f6dd07fc85d93dcbb557d6868d27f195f77c4bddb883eb2ec786c7e7e877");
}

static void record_escapes(void **state)
{
	/* quote, backslash, slash, the short escapes, two other control
	 * characters, é and U+1F600 (4 bytes of UTF-8) */
	static const char s[] = "x\"\\/\b\f\n\r\t\x01\x7f\xc3\xa9\xf0\x9f\x98\x80";
	static const char body[] =
	    "\"string\":\"x\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u007f\xc3\xa9\xf0\x9f\x98\x80\"}}\n";
	char buf[512];
	uint8_t d[32], want[32];
	int n;

	(void)state;
	unhex("784889bfc6d30a1fac0231ac6421e1eb5c4427766ed336f6d7197730ca18f1bf", d);
	n = measlog_record(buf, sizeof(buf), 9, d, s);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_non_null(strstr(buf, body));
	assert_null(memchr(buf, '\n', (size_t)n - 1)); /* one line */
	assert_int_equal(replay(buf, 9), 0);
	assert_int_equal(nrec, 1);
	memset(want, 0, sizeof(want));
	measlog_fold(want, d);
	assert_memory_equal(value, want, 32);
}

static void record_refusals(void **state)
{
	static const char *const bad_utf8[] = {
	    "\xff",
	    "a\xc3",
	    "\xc0\xaf",
	    "\xe0\x80\xaf",
	    "\xed\xa0\x80",
	    "\xf4\x90\x80\x80",
	    "\xf8\x88\x80\x80\x80",
	    "\x80",
	    "\xe2\x82",
	};
	char buf[512];
	uint8_t d[32], x[32];
	int full;

	(void)state;
	unhex(X_SHA256, x);
	assert_int_equal(measlog_record(buf, sizeof(buf), 24, x, "x"), -EINVAL);
	assert_int_equal(measlog_record(buf, sizeof(buf), 8, x, NULL), -EINVAL);
	assert_int_equal(measlog_record(buf, sizeof(buf), 8, x, "y"), -EINVAL); /* not its digest */
	for (size_t i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++) {
		digest_of(bad_utf8[i], d);
		assert_int_equal(measlog_record(buf, sizeof(buf), 8, d, bad_utf8[i]), -EINVAL);
	}
	assert_int_equal(measlog_record(buf, sizeof(buf), 23, x, "x"), (int)strlen(XREC("23")));
	assert_string_equal(buf, XREC("23"));

	/* too small: -ENOSPC and not a byte written past @len */
	full = measlog_record(buf, sizeof(buf), 8, x, "x");
	assert_int_equal(full, (int)strlen(XREC("8")));
	for (int len = 0; len <= full; len++) {
		memset(buf, 0x5a, sizeof(buf));
		assert_int_equal(measlog_record(buf, (size_t)len, 8, x, "x"), -ENOSPC);
		for (size_t i = (size_t)len; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0x5a);
	}
	assert_int_equal(measlog_record(buf, (size_t)full + 1, 8, x, "x"), full);
}

static void record_too_long_for_the_reader(void **state)
{
	static char s[70000], buf[80000];
	uint8_t d[32];

	(void)state;
	memset(s, 'a', sizeof(s) - 1);
	digest_of(s, d);
	assert_int_equal(measlog_record(buf, sizeof(buf), 8, d, s), -EINVAL);
	s[60000] = '\0';
	digest_of(s, d);
	assert_true(measlog_record(buf, sizeof(buf), 8, d, s) > 60000);
	assert_int_equal(replay(buf, 8), 0);
	assert_int_equal(nrec, 1);
}

/* Records of several PCRs written by measlog_record, replayed per PCR. */
static void round_trip(void **state)
{
	static const struct {
		unsigned int pcr;
		const char *s;
	} ev[] = {{8, "a"},  {9, "b"}, {8, "c \"quoted\" \\ and\ttab"},
		  {23, "d"}, {8, ""},  {0, "e"}};
	static char log[4096];
	size_t n = 0;
	uint8_t want[24][32];
	int count[24] = {0};

	(void)state;
	memset(want, 0, sizeof(want));
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		uint8_t d[32];
		int len;

		digest_of(ev[i].s, d);
		len = measlog_record(log + n, sizeof(log) - n, ev[i].pcr, d, ev[i].s);
		assert_true(len > 0);
		n += (size_t)len;
		measlog_fold(want[ev[i].pcr], d);
		count[ev[i].pcr]++;
	}
	for (unsigned int pcr = 0; pcr < 24; pcr++) {
		assert_int_equal(replay_n(log, n, pcr), 0);
		assert_int_equal(nrec, count[pcr]);
		assert_memory_equal(value, want[pcr], 32);
	}
	assert_int_equal(replay_n(log, n, 24), -EINVAL);
}

/* The contract's worked value, from a log gpugate would write for the pass
 * sequence of config/policy.conf at b8dd513 (no baseline). */
static void worked_value(void **state)
{
	static const char *const words[] = {"gpugate policy sha256:" POLICY_B8DD513,
					    "gpugate gate pass v1", "gpugate verify pass v1"};
	char log[2048];
	size_t n = 0;
	uint8_t d[32], want[32], v[32] = {0};

	(void)state;
	digest_of(words[1], d);
	unhex(GATE_PASS, want);
	assert_memory_equal(d, want, 32);
	digest_of(words[2], d);
	unhex(VERIFY_PASS, want);
	assert_memory_equal(d, want, 32);
	for (int i = 0; i < 3; i++) {
		int len;

		digest_of(words[i], d);
		measlog_fold(v, d);
		len = measlog_record(log + n, sizeof(log) - n, 8, d, words[i]);
		assert_true(len > 0);
		n += (size_t)len;
	}
	unhex(WORKED_VALUE, want);
	assert_memory_equal(v, want, 32);
	assert_int_equal(replay_n(log, n, 8), 0);
	assert_int_equal(nrec, 3);
	assert_string_equal(hexv, WORKED_VALUE);
}

/* A log as systemd-pcrphase and systemd-pcrmachine write it (four banks, in
 * either order, content with eventType/bootId/timestamp), with gpugate's
 * record for PCR 8 between them. Digests and values from Python's hashlib. */
static const char systemd_log[] = RS
    "{\"pcr\":11,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":"
    "\"b1b01d5f73f321eb70e76f8a0e241ac0a3fa4a6e\"},{\"hashAlg\":\"sha256\",\"digest\":"
    "\"51e6b92f405d1f98d96e3de343d61d420ad6923b25de21d766f9298192f14fed\"},{\"hashAlg\":"
    "\"sha384\",\"digest\":\"687eef3a3a8c716439b5ed583657e8668401630c321f2f35d19b953ddf20b68a96474d"
    "0c2e5f0e1757bfa5ba70b9fc32\"},{\"hashAlg\":\"sha512\",\"digest\":"
    "\"ab0ddfdabe43f1d06b3e58fbe17439a0f7f552e9e228d85665d485ececf7e733bae4cd7e0a17e5456e2ee7e412f5"
    "a0f37de05a782cce781e173ee26958de7f30\"}],\"content_type\":\"systemd\",\"content\":{"
    "\"string\":\"enter-initrd\",\"eventType\":\"phase\",\"bootId\":"
    "\"5b3fc8b2a6c44b0e8d3f6c5e0a9b7d21\",\"timestamp\":1764694800123456}}\n" RS
    "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" GATE_PASS
    "\"}],\"content_type\":\"gpugate\",\"content\":{\"string\":\"gpugate gate pass v1\"}}\n" RS
    "{\"pcr\":15,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":"
    "\"aa784ba114e5989eeb163ba6738eca2ed497f23f\"},{\"hashAlg\":\"sha256\",\"digest\":"
    "\"e8756f3e09133606517d04c7d577285cf4fe53a9640aba0dbd37647d2f8bf779\"},{\"hashAlg\":"
    "\"sha384\",\"digest\":\"234c7bcf228372dd0829398e1ddc25ddd0d9dd4f1e04f6695a9210149f91a5ce4d39a9"
    "f031ee8897667731882d4fae25\"},{\"hashAlg\":\"sha512\",\"digest\":"
    "\"946c9beab7bd357e94d78e5db78bfb38a6b7bbcea7e3e96e1a34126ddd9b4166fd49d891b0842259865ad41072a3"
    "0519156ba1b699f9d8d67745ee6efe57eee0\"}],\"content_type\":\"systemd\",\"content\":{"
    "\"string\":\"machine-id:0b9ac1f4c3d94e6e8a0e2f1d7c6b5a49\",\"eventType\":\"machine-id\","
    "\"bootId\":\"5b3fc8b2a6c44b0e8d3f6c5e0a9b7d21\",\"timestamp\":1764694800234567}}\n" RS
    "{\"pcr\":11,\"digests\":[{\"hashAlg\":\"sha512\",\"digest\":"
    "\"01b8ca86b9f8fac967f383380aff7cdffd2ef0c496574517c25398f7c74aa611821dd469ba021b2aa9b9a7232865"
    "708ca45c79368f2e7fffda3dd6b308264008\"},{\"hashAlg\":\"sha384\",\"digest\":"
    "\"9c0743b7a2e1ee06c70b7137b763cd2205c26ced274149959b05bd5a51bfa96b4fedaa4f87398b5c88986d1ff087"
    "9910\"},{\"hashAlg\":\"sha256\",\"digest\":"
    "\"3be261aff7db92bf507eae947f4003ffa2bcad0bffe3524601d62d0bc8be7135\"},{\"hashAlg\":\"sha1\","
    "\"digest\":\"865e1ff2cc5b8db815313b23fe3d8b561212f5d1\"}],\"content_type\":\"systemd\","
    "\"content\":{\"string\":\"leave-initrd\",\"eventType\":\"phase\",\"bootId\":"
    "\"5b3fc8b2a6c44b0e8d3f6c5e0a9b7d21\",\"timestamp\":1764694801345678}}\n" RS
    "{\"pcr\":11,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":"
    "\"aeabcf402223916e804cce79778a55d5a9276983\"},{\"hashAlg\":\"sha256\",\"digest\":"
    "\"730bb5a583ba880c277e656d2dc8aba1a314a11b14d25b05153d2bab82567a48\"},{\"hashAlg\":"
    "\"sha384\",\"digest\":\"955cc8939f81d862b3119aabe612fd36bf91668bb62397f5e4126085d79ba6d7cbfa4e"
    "3a2345747f0b476ce4b1cbc2c9\"},{\"hashAlg\":\"sha512\",\"digest\":"
    "\"a9eb62cdd1cd8292b6325a8ee3770d6f1b613426a749e17ffba8f90bdd6c41806468fb79d01276de7cc791877dfe"
    "bae165d4ed07585154acf96652c6db92acc1\"}],\"content_type\":\"systemd\",\"content\":{"
    "\"string\":\"sysinit\",\"eventType\":\"phase\",\"bootId\":"
    "\"5b3fc8b2a6c44b0e8d3f6c5e0a9b7d21\",\"timestamp\":1764694802456789}}\n";

static void systemd_log_replays(void **state)
{
	(void)state;
	assert_int_equal(replay(systemd_log, 11), 0);
	assert_int_equal(nrec, 3);
	assert_string_equal(hexv,
			    "4a73d241786e2f9180042d04408fb12589af0477533df6c1d832d8b7f4724504");
	assert_int_equal(replay(systemd_log, 15), 0);
	assert_int_equal(nrec, 1);
	assert_string_equal(hexv,
			    "b7544c1d6f962616fefa210fa8cc84c10860b3138872dd2198084b218c11e1d8");
	/* the other PCRs' records are skipped */
	assert_int_equal(replay(systemd_log, 8), 0);
	assert_int_equal(nrec, 1);
	assert_string_equal(hexv,
			    "61b2f6dd07fc85d93dcbb557d6868d27f195f77c4bddb883eb2ec786c7e7e877");
	assert_int_equal(replay(systemd_log, 12), 0);
	assert_int_equal(nrec, 0);
	assert_string_equal(hexv, ZERO_VALUE);
}

static void empty_log(void **state)
{
	(void)state;
	assert_int_equal(replay_n("", 0, 8), 0);
	assert_int_equal(nrec, 0);
	assert_string_equal(hexv, ZERO_VALUE);
}

/* Shapes pcrlock accepts, each one record of "x" for PCR 8 (or none). */
static void unusual_but_valid(void **state)
{
	static const struct {
		const char *log;
		int records;
	} ok[] = {
	    {XREC("8"), 1},
	    {XREC("8") XREC("9"), 1},
	    /* no trailing newline */
	    {RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256 "\"}]}",
	     1},
	    /* whitespace everywhere, CR LF, key order free */
	    {RS " \r\n\t{ \"digests\" : [ { \"digest\" : \"" X_SHA256
		"\" , \"hashAlg\" : \"sha256\" } ] , \"pcr\" : 8 } \r\n\t ",
	     1},
	    /* unknown members of every type, nested 16 deep in all */
	    {RS "{\"pcr\":8,\"a\":[[[[[[[[[[[[[[[\"deep\"]]]]]]]]]]]]]]],\"b\":{\"c\":null},"
		"\"d\":true,\"e\":false,\"f\":-0.5e+10,\"g\":1E-2,\"h\":0,\"i\":\"\\/\\u00e9\","
		"\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256 "\",\"z\":[]}],"
		"\"recnum\":1}",
	     1},
	    /* an algorithm the reader does not know: passed over, whatever its digest */
	    {RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sm3_256\",\"digest\":7},{\"hashAlg\":"
		"\"sha256\",\"digest\":\"" X_SHA256 "\"},{\"hashAlg\":\"SHA256\"}]}",
	     1},
	    /* upper-case hex */
	    {RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":"
		"\"2D711642B726B04401627CA9FBAC32F5C8530FB1903CC4DB02258717921A4881\"}]}",
	     1},
	    /* content.string in escapes still matches its digest */
	    {RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
		"\"}],\"content_type\":\"systemd\",\"content\":{\"string\":\"\\u0078\"}}",
	     1},
	    /* other content types: content is theirs, not checked */
	    {RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
		"\"}],\"content_type\":\"other\",\"content\":{\"string\":\"not x\"}}",
	     1},
	    {RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
		"\"}],\"content\":7,\"content_type\":\"tcg\"}",
	     1},
	    /* systemd content without a string */
	    {RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
		"\"}],\"content_type\":\"systemd\",\"content\":{\"eventType\":\"phase\"}}",
	     1},
	    /* another PCR needs no sha256 digest, and its string is not checked */
	    {RS "{\"pcr\":9,\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":"
		"\"0000000000000000000000000000000000000000\"}]}",
	     0},
	    {RS "{\"pcr\":9,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
		"\"}],\"content_type\":\"gpugate\",\"content\":{\"string\":\"y\"}}",
	     0},
	    {RS "{\"pcr\":0,\"digests\":[]}" RS "{\"pcr\":23,\"digests\":[]}", 0},
	    /* duplicates of members the reader does not interpret */
	    {RS
	     "{\"pcr\":8,\"x\":1,\"x\":2,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
	     "\"}]}",
	     1},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (replay(ok[i].log, 8))
			fail_msg("valid case %zu refused: %s", i, why);
		assert_int_equal(nrec, ok[i].records);
		assert_string_equal(hexv, ok[i].records ? X_VALUE : ZERO_VALUE);
	}
	/* the surrogate pair of U+1F600 decodes to its UTF-8 */
	assert_int_equal(
	    replay(RS "{\"pcr\":8,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":"
		      "\"f0443a342c5ef54783a111b51ba56c938e474c32324d90c3a60c9c8e3a37e2d9\"}],"
		      "\"content_type\":\"gpugate\",\"content\":{\"string\":\"\\ud83d\\ude00\"}}",
		   8),
	    0);
}

#define R8(body)    RS "{\"pcr\":8," body "}\n"
#define SHA256_OK   "\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256 "\"}]"
#define GP(content) R8(SHA256_OK ",\"content_type\":\"gpugate\",\"content\":" content)

/* Every malformed case, each refused with the record number and a reason. */
static void malformed(void **state)
{
	static const struct {
		const char *log;
		const char *reason;
	} bad[] = {
	    /* JSON-SEQ framing */
	    {"x" XREC("8"), "text before the first record"},
	    {"\n" XREC("8"), "text before the first record"},
	    {"{\"pcr\":8}", "text before the first record"},
	    {RS RS "{}", "record 1 (byte 0): empty record"},
	    {XREC("8") RS " \n" XREC("8"), "record 2 (byte 170): empty record"},
	    {XREC("8") RS, "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8,\"dig", "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8", "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8,\"a\":\"\\u00", "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8,\"a\":\"\\", "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8,\"a\":\"\\ud83d", "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8,\"a\":\"\\ud83d\\ude0", "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8,\"a\":\"\xc3", "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8,\"a\":tr", "record 2 (byte 170) is truncated"},
	    {XREC("8") RS "{\"pcr\":8,\"a\":-", "record 2 (byte 170) is truncated"},
	    {RS "{\"pcr\":8" XREC("8"), "record 1 (byte 0): the record ends inside an object"},
	    {RS "[1]\n", "record 1 (byte 0): not a JSON object"},
	    {RS "\"pcr\"\n", "record 1 (byte 0): not a JSON object"},
	    {RS "\xef\xbb\xbf{\"pcr\":8," SHA256_OK "}", "not a JSON object"},
	    {RS "{\"pcr\":8," SHA256_OK "} x\n", "text after the JSON object"},
	    {RS "{\"pcr\":8," SHA256_OK "}{}\n", "text after the JSON object"},
	    /* "pcr" */
	    {R8("\"pcr\":8," SHA256_OK), "two \"pcr\" members"},
	    {RS "{" SHA256_OK "}", "no \"pcr\""},
	    {RS "{\"pcr\":8.0," SHA256_OK "}", "\"pcr\" is 8.0, not an integer 0..23"},
	    {RS "{\"pcr\":8e0," SHA256_OK "}", "\"pcr\" is 8e0, not an integer"},
	    {RS "{\"pcr\":-1," SHA256_OK "}", "\"pcr\" is -1, not an integer"},
	    {RS "{\"pcr\":-0," SHA256_OK "}", "\"pcr\" is -0, not an integer"},
	    {RS "{\"pcr\":24," SHA256_OK "}", "\"pcr\" is 24, not an integer"},
	    {RS "{\"pcr\":123456789012345678901234567890," SHA256_OK "}",
	     "\"pcr\" is 123456789012345678901234, not"},
	    {RS "{\"pcr\":08," SHA256_OK "}", "leading zero"},
	    {RS "{\"pcr\":\"8\"," SHA256_OK "}", "\"pcr\" is not a number"},
	    {RS "{\"pcr\":true," SHA256_OK "}", "\"pcr\" is not a number"},
	    /* "digests" */
	    {R8(SHA256_OK "," SHA256_OK), "two \"digests\" members"},
	    {RS "{\"pcr\":8}", "no \"digests\""},
	    {R8("\"digests\":{}"), "\"digests\" is not an array"},
	    {R8("\"digests\":[\"sha256\"]"), "digests[0] is not an object"},
	    {R8("\"digests\":[{\"digest\":\"" X_SHA256 "\"}]"), "digests[0] has no \"hashAlg\""},
	    {R8("\"digests\":[{\"hashAlg\":256,\"digest\":\"" X_SHA256 "\"}]"),
	     "\"hashAlg\" is not a string"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha1\",\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
		"\"}]"),
	     "digests[0] has two \"hashAlg\" members"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
		"\",\"digest\":\"" X_SHA256 "\"}]"),
	     "digests[0] has two \"digest\" members"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha256\"}]"), "digests[0] (sha256) has no \"digest\""},
	    {R8("\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":null}]"),
	     "digests[0] (sha256): \"digest\" is not a string"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"2d711642\"}]"),
	     "\"digest\" has 8 characters, 64 hex digits expected"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256 "0\"}]"),
	     "\"digest\" has 65 characters"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256 X_SHA256 X_SHA256
		"\"}]"),
	     "\"digest\" has more than 128 characters"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":"
		"\"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a488g\"}]"),
	     "(sha256): \"digest\" is not hex"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":\"" X_SHA256 "\"}]"),
	     "digests[0] (sha1): \"digest\" has 64 characters, 40 hex digits expected"},
	    {R8("\"digests\":[" SHA256_OK "]"), "digests[0] is not an object"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256
		"\"},{\"hashAlg\":\"sha256\",\"digest\":\"" X_SHA256 "\"}]"),
	     "two sha256 digests"},
	    {R8("\"digests\":[{\"hashAlg\":\"sha1\",\"digest\":"
		"\"0000000000000000000000000000000000000000\"}]"),
	     "no sha256 digest for PCR 8"},
	    {R8("\"digests\":[]"), "no sha256 digest for PCR 8"},
	    /* a malformed record of another PCR is refused all the same */
	    {XREC("8") RS "{\"pcr\":9,\"digests\":[{\"hashAlg\":\"sha256\",\"digest\":\"00\"}]}",
	     "record 2 (byte 170): digests[0] (sha256)"},
	    /* content */
	    {GP("{\"string\":\"y\"}"), "content.string does not match its sha256 digest"},
	    {R8(SHA256_OK ",\"content_type\":\"systemd\",\"content\":{\"string\":\"X\"}"),
	     "content.string does not match its sha256 digest"},
	    {R8(SHA256_OK ",\"content_type\":\"gpugate\""),
	     "content_type \"gpugate\" without \"content\""},
	    {R8(SHA256_OK ",\"content_type\":\"systemd\""),
	     "content_type \"systemd\" without \"content\""},
	    {GP("\"x\""), "\"content\" is not an object"},
	    {GP("{}"), "content_type \"gpugate\" without content.string"},
	    {GP("{\"string\":[\"x\"]}"), "content.string is not a string"},
	    {GP("{\"string\":\"x\",\"string\":\"x\"}"), "two content.string members"},
	    {GP("{\"string\":\"x\"},\"content\":{\"string\":\"x\"}"), "two \"content\" members"},
	    {R8(SHA256_OK ",\"content_type\":7"), "\"content_type\" is not a string"},
	    {R8(SHA256_OK ",\"content_type\":\"a\",\"content_type\":\"b\""),
	     "two \"content_type\" members"},
	    /* JSON syntax (RFC 8259) */
	    {R8(SHA256_OK ","), "expected a member name"},
	    {R8(SHA256_OK ",\"a\":[1,]"), "unexpected character 0x5d"},
	    {R8(SHA256_OK ",\"a\":[1 2]"), "expected ',' or ']' in an array"},
	    {R8(SHA256_OK ",'a':1"), "expected a member name"},
	    {R8(SHA256_OK ",a:1"), "expected a member name"},
	    {R8(SHA256_OK ",\"a\" 1"), "expected ':' after the member name"},
	    {R8(SHA256_OK ",\"a\":1 \"b\":2"), "expected ',' or '}' in an object"},
	    {R8(SHA256_OK ",\"a\":tru"), "unexpected character 0x74"},
	    {R8(SHA256_OK ",\"a\":True"), "unexpected character 0x54"},
	    {R8(SHA256_OK ",\"a\":nul}"), "unexpected character 0x6e"},
	    {R8(SHA256_OK ",\"a\":NaN"), "unexpected character 0x4e"},
	    {R8(SHA256_OK ",\"a\":Infinity"), "unexpected character 0x49"},
	    {R8(SHA256_OK ",\"a\":+1"), "unexpected character 0x2b"},
	    {R8(SHA256_OK ",\"a\":.5"), "unexpected character 0x2e"},
	    {R8(SHA256_OK ",\"a\":1."), "bad fraction"},
	    {R8(SHA256_OK ",\"a\":1e"), "bad exponent"},
	    {R8(SHA256_OK ",\"a\":1e+"), "bad exponent"},
	    {R8(SHA256_OK ",\"a\":-a"), "bad number"},
	    {R8(SHA256_OK ",\"a\":0x10"), "expected ',' or '}'"},
	    {R8(SHA256_OK ",\"a\":00"), "leading zero"},
	    {R8(SHA256_OK ",\"a\":-01"), "leading zero"},
	    {R8(SHA256_OK "/* c */"), "expected ',' or '}'"},
	    {R8(SHA256_OK ",\"a\":\"\x01\""), "control character 0x01"},
	    {R8(SHA256_OK ",\"a\":\"\t\""), "control character 0x09"},
	    {R8(SHA256_OK ",\"a\":\"\n\""), "control character 0x0a"},
	    {R8(SHA256_OK ",\"a\":\"\\x41\""), "bad escape \\x"},
	    {R8(SHA256_OK ",\"a\":\"\\U0041\""), "bad escape \\U"},
	    {R8(SHA256_OK ",\"a\":\"\\'\""), "bad escape \\'"},
	    {R8(SHA256_OK ",\"a\":\"\\u12G4\""), "bad \\u escape"},
	    {R8(SHA256_OK ",\"a\":\"\\u0000\""), "\\u0000 (a NUL)"},
	    {R8(SHA256_OK ",\"a\":\"\\ud800\""),
	     "\\ud800 at byte 124 is a high surrogate without a low one"},
	    {R8(SHA256_OK ",\"a\":\"\\ud800\\u0041\""), "high surrogate without a low one"},
	    {R8(SHA256_OK ",\"a\":\"\\ud800\\ud800\""), "high surrogate without a low one"},
	    {R8(SHA256_OK ",\"a\":\"\\udc00\""), "low surrogate without a high one"},
	    {R8(SHA256_OK ",\"a\":\"\xff\""), "invalid UTF-8"},
	    {R8(SHA256_OK ",\"a\":\"\x80\""), "invalid UTF-8"},
	    {R8(SHA256_OK ",\"a\":\"\xc0\xaf\""), "invalid UTF-8"},
	    {R8(SHA256_OK ",\"a\":\"\xe0\x80\xaf\""), "invalid UTF-8"},
	    {R8(SHA256_OK ",\"a\":\"\xed\xa0\x80\""), "invalid UTF-8"},
	    {R8(SHA256_OK ",\"a\":\"\xf4\x90\x80\x80\""), "invalid UTF-8"},
	    {R8(SHA256_OK ",\"a\":\"\xc3(\""), "invalid UTF-8"},
	    {R8(SHA256_OK ",\"\xff\":1"), "invalid UTF-8"},
	    /* bounds */
	    {R8(SHA256_OK ",\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]"),
	     "nested deeper than 16 levels"},
	    {R8(SHA256_OK ",\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{"
			  "\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{}}}}}}}}}}}}}}}}}}"),
	     "nested deeper than 16 levels"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (replay(bad[i].log, 8) != -EBADMSG)
			fail_msg("malformed case %zu accepted: %s", i, bad[i].reason);
		if (!strstr(why, bad[i].reason))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, why, bad[i].reason);
		if (strncmp(bad[i].reason, "text before", 11) && !strstr(why, "record "))
			fail_msg("case %zu: \"%s\" names no record", i, why);
	}
}

static void nul_bytes(void **state)
{
	static const char in_record[] = XREC("8") RS "{\"pcr\":8,\0\"digests\":[]}";
	static const char in_string[] = XREC("8") XREC("8") RS "{\"pcr\":8,\"a\":\"\0\"}";
	static const char before[] = "\0" XREC("8");

	(void)state;
	assert_int_equal(replay_n(in_record, sizeof(in_record) - 1, 8), -EBADMSG);
	assert_string_equal(why, "record 2: a NUL byte at byte 180");
	assert_int_equal(replay_n(in_string, sizeof(in_string) - 1, 8), -EBADMSG);
	assert_string_equal(why, "record 3: a NUL byte at byte 355");
	assert_int_equal(replay_n(before, sizeof(before) - 1, 8), -EBADMSG);
	assert_string_equal(why, "a NUL byte at byte 0, before the first record");
}

static void record_length_bound(void **state)
{
	static char log[70000];
	size_t n;

	(void)state;
	n = (size_t)snprintf(log, sizeof(log), RS "{\"pcr\":8," SHA256_OK ",\"pad\":\"");
	memset(log + n, 'p', sizeof(log) - n);
	strcpy(log + 65536, "\"}"); /* 65537 bytes after the 0x1e: one too many */
	assert_int_equal(replay(log, 8), -EBADMSG);
	assert_string_equal(why, "record 1 (byte 0) is longer than 65536 bytes");
	strcpy(log + 65535, "\"}"); /* exactly 65536 */
	assert_int_equal(replay(log, 8), 0);
	assert_int_equal(nrec, 1);
}

/* Cut a good log anywhere: it replays only at a record's end, and every
 * other cut is reported as a truncated last record. */
static void every_truncation(void **state)
{
	const size_t len = strlen(systemd_log);

	(void)state;
	for (size_t n = 1; n < len; n++) {
		int err = replay_n(systemd_log, n, 11);
		/* the records are one line each: "}\n" is only a record's end */
		bool at_end = systemd_log[n] == '\x1e' ||
			      (systemd_log[n] == '\n' && systemd_log[n - 1] == '}');

		if (at_end) {
			assert_int_equal(err, 0);
			continue;
		}
		assert_int_equal(err, -EBADMSG);
		if (!strstr(why, "is truncated: the log ends inside it"))
			fail_msg("cut at %zu: %s", n, why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fold_one_extend),
	    cmocka_unit_test(record_exact_bytes),
	    cmocka_unit_test(record_escapes),
	    cmocka_unit_test(record_refusals),
	    cmocka_unit_test(record_too_long_for_the_reader),
	    cmocka_unit_test(round_trip),
	    cmocka_unit_test(worked_value),
	    cmocka_unit_test(systemd_log_replays),
	    cmocka_unit_test(empty_log),
	    cmocka_unit_test(unusual_but_valid),
	    cmocka_unit_test(malformed),
	    cmocka_unit_test(nul_bytes),
	    cmocka_unit_test(record_length_bound),
	    cmocka_unit_test(every_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
