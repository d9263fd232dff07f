/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpmevent.h - what gpugate measures into the TPM, as fixed ASCII strings:
 * each event extends SHA-256(string) (no NUL) into the SHA-256 bank of the
 * policy's PCR, in this order (docs/attestation.md):
 *   gpugate policy sha256:HEX     the policy file's bytes
 *   gpugate baseline sha256:HEX   the baseline file's, when one is configured
 *   gpugate gate pass v1          the verdict of `gate` (or fail)
 *   gpugate verify pass v1        the verdict of `gate --verify` (or fail)
 * and the value a verifier pins: the fold of the pass sequence from 32 zero
 * bytes. Pure.
 */
#ifndef GPUGATE_TPMEVENT_H
#define GPUGATE_TPMEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPMEV_GATE_PASS "gpugate gate pass v1"
#define TPMEV_GATE_FAIL "gpugate gate fail v1"
#define TPMEV_VERIFY_PASS "gpugate verify pass v1"
#define TPMEV_VERIFY_FAIL "gpugate verify fail v1"

#define TPMEV_LEN 96 /* the longest event and its NUL fit */
#define TPMEV_PASS_MAX 4

/*
 * "gpugate @what sha256:@hex" into @buf (@what: "policy" or "baseline").
 * 0, or -EINVAL when @hex is not 64 lowercase hex digits or @buf is short.
 */
int tpmev_file(char *buf, size_t len, const char *what, const char *hex);

/* The verdict word of `gate` (@verify false) or `gate --verify`. */
const char *tpmev_verdict(bool verify, bool pass);

/* SHA-256 of @event's characters: what is extended for it. */
void tpmev_digest(const char *event, uint8_t digest[32]);

/*
 * The pass sequence into @ev: the policy's event, the baseline's when
 * @baseline_hex is not NULL, gate pass, verify pass. Returns how many, or
 * -EINVAL for a digest that is not 64 lowercase hex digits.
 */
int tpmev_pass_sequence(char ev[TPMEV_PASS_MAX][TPMEV_LEN], const char *policy_hex,
			const char *baseline_hex);

/* The PCR after extending @n events of @ev, from 32 zero bytes. */
void tpmev_value(const char ev[][TPMEV_LEN], int n, uint8_t value[32]);

/* @v as 64 lowercase hex digits and a NUL. */
void tpmev_hex(const uint8_t v[32], char hex[65]);

#endif
