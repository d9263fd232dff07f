// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_measlog.c - libFuzzer target for measlog_replay(), the reader of
 * tpm2-measure.log (a file in /run that any root process can write), and
 * for measlog_record(), the writer.
 *
 * The first input byte picks the PCR to replay (modulo 24); the rest is the
 * log, copied into a heap block of exactly its size so that
 * AddressSanitizer sees any read past it. Beyond memory safety the target
 * checks the contract of measlog.h:
 *  - the result is 0 or -EBADMSG; a refusal has a reason naming the record
 *    (or the text before the first), and leaves the value zero and no
 *    records counted;
 *  - a log that replays holds no NUL, is empty or starts with 0x1e, and
 *    folded at most one record per 0x1e;
 *  - a log that replays, cut by its last byte, replays the same when that
 *    byte was white space and is refused as truncated when it was the
 *    closing brace (it can be nothing else): nothing after the last
 *    object, and no object cut short, is taken;
 *  - a record measlog_record() writes, appended to a log that replays,
 *    replays too, one more record, the value folded once more: every
 *    accepted log ends cleanly and the writer and reader agree;
 *  - the log's bytes up to the first NUL, as the string of a record, are
 *    written as valid UTF-8 or refused, and a record written replays as
 *    exactly one extend of SHA-256(string).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sha2.h>

#include "measlog.h"

static void digest_of(const char *s, uint8_t out[32])
{
	SHA2_CTX c;

	SHA256Init(&c);
	SHA256Update(&c, (const uint8_t *)s, strlen(s));
	SHA256Final(out, &c);
}

static void check_refusal(int err, const uint8_t value[32], int n, const char *why)
{
	static const uint8_t zero[32];

	if (err != -EBADMSG)
		abort();
	if (n != 0 || memcmp(value, zero, 32))
		abort();
	if (!strstr(why, "record ") && !strstr(why, "before the first record") &&
	    !strstr(why, "log of "))
		abort();
}

/* @log replayed; append gpugate's record of a fixed word for @pcr. */
static void check_append(const char *log, size_t len, unsigned int pcr, const uint8_t value[32],
			 int n)
{
	static const char word[] = "gpugate gate pass v1";
	uint8_t d[32], want[32], got[32];
	char why[256];
	char *both;
	int rlen, n2;

	digest_of(word, d);
	both = malloc(len + 512);
	if (!both)
		return;
	memcpy(both, log, len);
	rlen = measlog_record(both + len, 512, pcr, d, word);
	if (rlen <= 0)
		abort();
	if (measlog_replay(both, len + (size_t)rlen, pcr, got, &n2, why, sizeof(why)))
		abort();
	memcpy(want, value, 32);
	measlog_fold(want, d);
	if (n2 != n + 1 || memcmp(got, want, 32))
		abort();
	free(both);
}

/* @log replayed into @value, @n records: cut its last byte. */
static void check_cut(const char *log, size_t len, unsigned int pcr, const uint8_t value[32], int n)
{
	char c = log[len - 1], why[256];
	bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
	uint8_t got[32];
	int n2, err;

	err = measlog_replay(log, len - 1, pcr, got, &n2, why, sizeof(why));
	if (space && (err || n2 != n || memcmp(got, value, 32)))
		abort();
	if (!space && (c != '}' || err != -EBADMSG || !strstr(why, "is truncated")))
		abort();
}

static void replay(const char *log, size_t len, unsigned int pcr)
{
	uint8_t value[32];
	char why[256];
	size_t seps = 0;
	int n = -1, err;

	why[0] = '\0';
	err = measlog_replay(log, len, pcr, value, &n, why, sizeof(why));
	if (err) {
		check_refusal(err, value, n, why);
		return;
	}
	if (memchr(log, '\0', len) || (len && log[0] != 0x1e))
		abort();
	for (size_t i = 0; i < len; i++)
		seps += log[i] == 0x1e;
	if (n < 0 || (size_t)n > seps)
		abort();
	if (len)
		check_cut(log, len, pcr, value, n);
	check_append(log, len, pcr, value, n);
}

/* The bytes as the string of a record (up to the first NUL). */
static void write_one(const uint8_t *data, size_t len, unsigned int pcr)
{
	static char buf[4096 * 6 + 512];
	uint8_t d[32], want[32] = {0}, got[32];
	char why[256];
	char *s = malloc(len + 1);
	int rlen, n;

	if (!s)
		return;
	memcpy(s, data, len);
	s[len] = '\0';
	digest_of(s, d);
	rlen = measlog_record(buf, sizeof(buf), pcr, d, s);
	free(s);
	if (rlen == -EINVAL)
		return;
	if (rlen <= 0 || buf[0] != 0x1e || buf[rlen - 1] != '\n' || memchr(buf, '\n', rlen - 1))
		abort();
	for (int i = 0; i < rlen; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != 0x1e && buf[i] != '\n')
			abort();
	if (measlog_replay(buf, (size_t)rlen, pcr, got, &n, why, sizeof(why)))
		abort();
	measlog_fold(want, d);
	if (n != 1 || memcmp(got, want, 32))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int pcr;
	char *log;
	size_t len;

	if (size < 1)
		return 0;
	pcr = data[0] % 24;
	len = size - 1;
	log = malloc(len ? len : 1);
	if (!log)
		return 0;
	memcpy(log, data + 1, len);
	replay(log, len, pcr);
	free(log);
	write_one(data + 1, len, pcr);
	return 0;
}
