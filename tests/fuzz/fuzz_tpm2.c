// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_tpm2.c - libFuzzer target for tpm2_extend_parse() and
 * tpm2_pcr_read_parse(), the parsers of what a TPM (or whatever answers on
 * /dev/tpmrm0) sends back.
 *
 * The first input byte picks the PCR that was read (modulo 24); the rest is
 * the response, copied into a heap block of exactly its size so that
 * AddressSanitizer sees any read past it. Beyond memory safety the target
 * checks the contract of tpm2.h: each result is one of the documented
 * errnos, an error has a reason, *rc is written exactly when a header with a
 * matching size was read, and a success is exactly the response the TPM
 * 2.0 specification allows, rebuilt here field by field from what was
 * parsed: a success must not accept a byte the rebuild does not explain.
 * Each input is parsed as it came and again with its responseSize field
 * set to its length, so that inserted or removed bytes reach the bodies.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tpm2.h"

#define RC_UNSET 0xfeedfaceu

static void put(uint8_t *p, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint32_t get(const uint8_t *p, int n)
{
	uint32_t v = 0;

	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void check_common(int err, const uint8_t *rsp, size_t len, uint32_t rc, const char *why)
{
	bool header = len >= 10 && len <= TPM2_RESPONSE_MAX && get(rsp, 2) != 0x00c4 &&
		      get(rsp + 2, 4) == len;

	if (err != 0 && err != -EAGAIN && err != -EPERM && err != -EIO && err != -EBADMSG &&
	    err != -ENOENT)
		abort();
	if (err && why[0] == '\0')
		abort();
	if (header ? rc != get(rsp + 6, 4) : rc != RC_UNSET)
		abort();
	if (err == -EAGAIN || err == -EPERM || err == -EIO)
		if (len != 10 || rc == 0 || get(rsp, 2) != 0x8001)
			abort();
}

/* A success to TPM2_PCR_Extend: 19 bytes, only the attributes free. */
static void check_extend(const uint8_t *rsp, size_t len)
{
	uint8_t want[19] = {0x80, 0x02, 0, 0, 0, 19};

	if (len != sizeof(want))
		abort();
	want[16] = rsp[16];
	if (memcmp(rsp, want, sizeof(want)))
		abort();
}

/* A success to TPM2_PCR_Read(@pcr): rebuilt from the counter, map size, value. */
static void check_read(const uint8_t *rsp, size_t len, unsigned int pcr, const uint8_t *value)
{
	uint8_t want[64] = {0};
	size_t n = 0;
	unsigned int sel = rsp[20];

	if (len < 21 || sel > 4 || pcr / 8 >= sel)
		abort();
	put(want, 0x8001, 2);
	put(want + 6, 0, 4);
	memcpy(want + 10, rsp + 10, 4); /* pcrUpdateCounter */
	put(want + 14, 1, 4);
	put(want + 18, 0x000b, 2);
	want[20] = (uint8_t)sel;
	want[21 + pcr / 8] = (uint8_t)(1u << (pcr % 8));
	n = 21 + sel;
	put(want + n, 1, 4);
	put(want + n + 4, 32, 2);
	memcpy(want + n + 6, value, TPM2_SHA256_SIZE);
	n += 6 + TPM2_SHA256_SIZE;
	put(want + 2, (uint32_t)n, 4);
	if (len != n || memcmp(rsp, want, n))
		abort();
}

static void parse_both(const uint8_t *rsp, size_t len, unsigned int pcr)
{
	uint8_t value[TPM2_SHA256_SIZE];
	char why[256];
	uint32_t rc;
	int err;

	why[0] = '\0';
	rc = RC_UNSET;
	err = tpm2_extend_parse(rsp, len, &rc, why, sizeof(why));
	check_common(err, rsp, len, rc, why);
	if (err == -ENOENT)
		abort();
	if (err == 0)
		check_extend(rsp, len);

	why[0] = '\0';
	rc = RC_UNSET;
	err = tpm2_pcr_read_parse(rsp, len, pcr, value, &rc, why, sizeof(why));
	check_common(err, rsp, len, rc, why);
	if (err == 0)
		check_read(rsp, len, pcr, value);
}

/*
 * The input as it came, then with its responseSize set to its length, so
 * that mutations that change the length still reach the bodies' parsers.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int pcr;
	uint8_t *rsp;
	size_t len;

	if (size < 1)
		return 0;
	pcr = data[0] % TPM2_PCR_COUNT;
	len = size - 1;
	rsp = malloc(len ? len : 1);
	if (!rsp)
		return 0;
	memcpy(rsp, data + 1, len);
	parse_both(rsp, len, pcr);
	if (len >= 6) {
		put(rsp + 2, (uint32_t)len, 4);
		parse_both(rsp, len, pcr);
	}
	free(rsp);
	return 0;
}
