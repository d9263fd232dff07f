// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcr.c - `gpugate pcr`: what a verifier pins. Without --log, the value the
 * gate's pass sequence gives (parse/tpmevent.h), assuming gpugate is the
 * only one extending the PCR since power-on; with --log FILE, the value a
 * tpm2-measure.log implies (parse/measlog.h), which must equal the PCR the
 * TPM quotes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sha2.h>

#include "measlog.h"
#include "pcr.h"
#include "tpmevent.h"

#define PCR_LOG_MAX (16 << 20) /* a boot's log holds a few records */

/* The value of the pass sequence of @p. */
static int pcr_pass_value(const struct policy *p, uint8_t value[32])
{
	char ev[TPMEV_PASS_MAX][TPMEV_LEN], bl[SHA256_DIGEST_STRING_LENGTH];
	const char *baseline = NULL;
	int n;

	if (!p->sha256[0]) {
		fprintf(stderr, "gpugate: pcr: no policy file was read (built-in defaults): the gate measures a policy file's digest; name it with -p\n");
		return -ENOENT;
	}
	if (p->baseline_file[0]) {
		if (!SHA256File(p->baseline_file, bl)) {
			int e = errno;

			fprintf(stderr, "gpugate: pcr: cannot hash the baseline %s: %s\n",
				p->baseline_file, strerror(e));
			return -e;
		}
		baseline = bl;
	}
	n = tpmev_pass_sequence(ev, p->sha256, baseline);
	if (n < 0) {
		fprintf(stderr, "gpugate: pcr: a digest is not 64 hex digits (a gpugate bug)\n");
		return n;
	}
	tpmev_value(ev, n, value);
	return 0;
}

/* Read all of @path (at most PCR_LOG_MAX bytes) into a malloc'd buffer. */
static int read_log(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "r");
	int rc = 0;

	*text = NULL;
	if (!f) {
		rc = -errno;
		fprintf(stderr, "gpugate: pcr: cannot open %s: %s\n", path, strerror(errno));
		return rc;
	}
	*text = malloc(PCR_LOG_MAX + 1);
	if (!*text) {
		fclose(f);
		fprintf(stderr, "gpugate: pcr: out of memory\n");
		return -ENOMEM;
	}
	*len = fread(*text, 1, PCR_LOG_MAX + 1, f);
	if (ferror(f))
		rc = -EIO;
	else if (*len > PCR_LOG_MAX)
		rc = -EFBIG;
	if (rc)
		fprintf(stderr, "gpugate: pcr: cannot read %s: %s\n", path,
			rc == -EFBIG ? "larger than 16 MiB" : strerror(-rc));
	fclose(f);
	return rc;
}

/* The value the event log @path implies for PCR @pcr. */
static int pcr_log_value(const char *path, unsigned int pcr, uint8_t value[32])
{
	char *text, why[256];
	size_t len = 0;
	int n = 0, rc = read_log(path, &text, &len);

	if (!rc) {
		rc = measlog_replay(text, len, pcr, value, &n, why, sizeof(why));
		if (rc)
			fprintf(stderr, "gpugate: pcr: %s: %s\n", path, why);
		else
			fprintf(stderr, "gpugate: pcr: %s: %d record%s for PCR %u\n", path, n,
				n == 1 ? "" : "s", pcr);
	}
	free(text);
	return rc;
}

int pcr_command(const struct policy *p, const char *log)
{
	uint8_t value[32];
	char hex[65];
	int rc;

	if (log)
		rc = pcr_log_value(log, (unsigned int)p->tpm_pcr, value);
	else
		rc = pcr_pass_value(p, value);
	if (rc)
		return rc;
	if (!log && p->tpm_measure == MEASURE_OFF)
		fprintf(stderr, "gpugate: pcr: note: [tpm] measure = off: the gate measures nothing with this policy; this is the value it gives with on or required\n");
	tpmev_hex(value, hex);
	printf("%s\n", hex);
	return 0;
}
