// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for tpmevent.c: the event strings gpugate measures, their
 * digests and the value of the pass sequence (`gpugate pcr`). The expected
 * values were computed outside gpugate: `printf %s WORD | sha256sum`, and
 * the folds with Python's hashlib (v = sha256(v + sha256(s)), from 32 zero
 * bytes); the worked value is the contract's (docs/checks.md tpm.measure).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tpmevent.h"

/* SHA-256 of tests/tpm/policy-b8dd513.conf (config/policy.conf of b8dd513). */
#define AB64 "abababababababababababababababababababababababababababababababab"
#define POLICY_B8DD513 "0b653f82fdc4076eb5dffb5f13d6e536289bcee9bf2d4bb88f3517a13cad8323"

static const char *hex_of(const uint8_t v[32])
{
	static char hex[65];

	tpmev_hex(v, hex);
	return hex;
}

static void words_and_their_digests(void **state)
{
	uint8_t d[32];

	(void)state;
	assert_string_equal(tpmev_verdict(false, true), "gpugate gate pass v1");
	assert_string_equal(tpmev_verdict(false, false), "gpugate gate fail v1");
	assert_string_equal(tpmev_verdict(true, true), "gpugate verify pass v1");
	assert_string_equal(tpmev_verdict(true, false), "gpugate verify fail v1");
	tpmev_digest("gpugate gate pass v1", d);
	assert_string_equal(hex_of(d), "d8502cda42502865063301931b85e551f2f046dd73f008dc230457229c710dc8");
	tpmev_digest("gpugate gate fail v1", d);
	assert_string_equal(hex_of(d), "3c4a1ac1d73dfec9e5524703ab3172abc813fb301ae85163f1491ac52a8ac0ce");
	tpmev_digest("gpugate verify pass v1", d);
	assert_string_equal(hex_of(d), "1284152e7866d986c0016c25db9cec19104af92b1fbbe5f44106fc5b53487582");
	tpmev_digest("gpugate verify fail v1", d);
	assert_string_equal(hex_of(d), "0eb855e711eb009f2907d2ce2f699fcef878b7605b07bd1a2f42391de507c2f2");
}

static void file_events_take_only_lowercase_sha256_hex(void **state)
{
	char buf[TPMEV_LEN];
	char upper[] = POLICY_B8DD513;

	(void)state;
	assert_int_equal(tpmev_file(buf, sizeof(buf), "policy", POLICY_B8DD513), 0);
	assert_string_equal(buf, "gpugate policy sha256:" POLICY_B8DD513);
	assert_int_equal(tpmev_file(buf, sizeof(buf), "baseline", POLICY_B8DD513), 0);
	assert_string_equal(buf, "gpugate baseline sha256:" POLICY_B8DD513);
	upper[0] = 'A';
	assert_int_equal(tpmev_file(buf, sizeof(buf), "policy", upper), -EINVAL);
	assert_int_equal(tpmev_file(buf, sizeof(buf), "policy", ""), -EINVAL);
	assert_int_equal(tpmev_file(buf, sizeof(buf), "policy", POLICY_B8DD513 "0"), -EINVAL);
	assert_int_equal(tpmev_file(buf, 40, "policy", POLICY_B8DD513), -EINVAL);
}

/* The contract's worked value: the pass sequence of b8dd513's policy. */
static void pass_value_of_the_worked_policy(void **state)
{
	char ev[TPMEV_PASS_MAX][TPMEV_LEN];
	uint8_t v[32];
	int n;

	(void)state;
	n = tpmev_pass_sequence(ev, POLICY_B8DD513, NULL);
	assert_int_equal(n, 3);
	assert_string_equal(ev[1], "gpugate gate pass v1");
	assert_string_equal(ev[2], "gpugate verify pass v1");
	tpmev_value(ev, n, v);
	assert_string_equal(hex_of(v), "fe2d5881866ba4a2aac2fef74a7d041fd5d8b1cb507db4aa0f1108a88f235797");
	tpmev_value(ev, 2, v); /* after gate, before gate --verify */
	assert_string_equal(hex_of(v), "145e0d63dbb312742115c62d85b5267afeecb76607c9755d75fdfbd1122f83de");
	tpmev_value(ev, 0, v);
	assert_string_equal(hex_of(v), "0000000000000000000000000000000000000000000000000000000000000000");
}

static void baseline_is_the_second_event(void **state)
{
	char ev[TPMEV_PASS_MAX][TPMEV_LEN];
	char zero[65], ab[65];
	uint8_t v[32];

	(void)state;
	memset(zero, '0', 64);
	zero[64] = '\0';
	for (int i = 0; i < 64; i++)
		ab[i] = "ab"[i % 2];
	ab[64] = '\0';
	assert_int_equal(tpmev_pass_sequence(ev, zero, ab), 4);
	assert_string_equal(ev[1], "gpugate baseline sha256:" AB64);
	tpmev_value(ev, 4, v);
	assert_string_equal(hex_of(v), "63b2c2c6838760c2ee744797fac08cba5fd4c069db415cb75debc253425a9d65");
	assert_int_equal(tpmev_pass_sequence(ev, "", NULL), -EINVAL);
	assert_int_equal(tpmev_pass_sequence(ev, zero, "xyz"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(words_and_their_digests),
		cmocka_unit_test(file_events_take_only_lowercase_sha256_hex),
		cmocka_unit_test(pass_value_of_the_worked_policy),
		cmocka_unit_test(baseline_is_the_second_event),
	};

	return cmocka_run_group_tests_name("tpmevent", tests, NULL, NULL);
}
