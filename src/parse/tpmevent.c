// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpmevent.c - the event strings gpugate measures and the value they give
 * (tpmevent.h). The strings are fixed so that a verifier can compute the
 * value without gpugate: `printf %s STRING | sha256sum` is each digest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sha2.h>

#include "measlog.h"
#include "tpmevent.h"

static bool is_sha256_hex(const char *hex)
{
	return strlen(hex) == 64 && strspn(hex, "0123456789abcdef") == 64;
}

int tpmev_file(char *buf, size_t len, const char *what, const char *hex)
{
	int n;

	if (!is_sha256_hex(hex))
		return -EINVAL;
	n = snprintf(buf, len, "gpugate %s sha256:%s", what, hex);
	return n < 0 || (size_t)n >= len ? -EINVAL : 0;
}

const char *tpmev_verdict(bool verify, bool pass)
{
	if (verify)
		return pass ? TPMEV_VERIFY_PASS : TPMEV_VERIFY_FAIL;
	return pass ? TPMEV_GATE_PASS : TPMEV_GATE_FAIL;
}

void tpmev_digest(const char *event, uint8_t digest[32])
{
	SHA2_CTX ctx;

	SHA256Init(&ctx);
	SHA256Update(&ctx, (const uint8_t *)event, strlen(event));
	SHA256Final(digest, &ctx);
}

int tpmev_pass_sequence(char ev[TPMEV_PASS_MAX][TPMEV_LEN], const char *policy_hex,
			const char *baseline_hex)
{
	int n = 0;

	if (tpmev_file(ev[n++], TPMEV_LEN, "policy", policy_hex))
		return -EINVAL;
	if (baseline_hex && tpmev_file(ev[n++], TPMEV_LEN, "baseline", baseline_hex))
		return -EINVAL;
	snprintf(ev[n++], TPMEV_LEN, "%s", TPMEV_GATE_PASS);
	snprintf(ev[n++], TPMEV_LEN, "%s", TPMEV_VERIFY_PASS);
	return n;
}

void tpmev_value(const char ev[][TPMEV_LEN], int n, uint8_t value[32])
{
	uint8_t digest[32];

	memset(value, 0, 32);
	for (int i = 0; i < n; i++) {
		tpmev_digest(ev[i], digest);
		measlog_fold(value, digest);
	}
}

void tpmev_hex(const uint8_t v[32], char hex[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", v[i]);
}
