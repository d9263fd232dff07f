// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpm2_wire.c - tpm2.c on the command line, for tests/tpm/test-swtpm.py:
 * it prints the commands gpugate would send, in hex, and judges a TPM's
 * response given in hex. No I/O besides argv and stdout.
 *
 *   tpm2_wire extend PCR DIGEST       hex of TPM2_PCR_Extend
 *   tpm2_wire read PCR                hex of TPM2_PCR_Read
 *   tpm2_wire extend-rsp HEX          "ok", or "ERRNO RC why" and exit 1
 *   tpm2_wire read-rsp PCR HEX        the value in hex, or as above
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "tpm2.h"

static int judged(int err, uint32_t rc, const char *why)
{
	if (err == 0)
		return 0;
	printf("%d 0x%x %s\n", -err, rc, why);
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: tpm2_wire extend PCR DIGEST | read PCR | extend-rsp HEX | "
			"read-rsp PCR HEX\n");
	return 2;
}

int main(int argc, char **argv)
{
	uint8_t buf[TPM2_RESPONSE_MAX + 1], digest[TPM2_SHA256_SIZE];
	char why[256] = "";
	uint32_t rc = 0;
	int n, err;

	if (argc == 4 && !strcmp(argv[1], "extend")) {
		if (unhex(argv[3], digest, sizeof(digest)) != TPM2_SHA256_SIZE)
			return usage();
		n = tpm2_extend_build(buf, sizeof(buf), (unsigned int)atoi(argv[2]), digest);
	} else if (argc == 3 && !strcmp(argv[1], "read")) {
		n = tpm2_pcr_read_build(buf, sizeof(buf), (unsigned int)atoi(argv[2]));
	} else if (argc == 3 && !strcmp(argv[1], "extend-rsp")) {
		if ((n = unhex(argv[2], buf, sizeof(buf))) < 0)
			return usage();
		err = tpm2_extend_parse(buf, (size_t)n, &rc, why, sizeof(why));
		if (judged(err, rc, why))
			return 1;
		printf("ok\n");
		return 0;
	} else if (argc == 4 && !strcmp(argv[1], "read-rsp")) {
		if ((n = unhex(argv[3], buf, sizeof(buf))) < 0)
			return usage();
		err = tpm2_pcr_read_parse(buf, (size_t)n, (unsigned int)atoi(argv[2]), digest, &rc,
					  why, sizeof(why));
		if (judged(err, rc, why))
			return 1;
		puthex(digest, sizeof(digest));
		return 0;
	} else {
		return usage();
	}
	if (n < 0) {
		printf("%d build failed\n", -n);
		return 1;
	}
	puthex(buf, (size_t)n);
	return 0;
}
