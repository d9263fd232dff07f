// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpmdev_run.c - tpmdev.c and measfile.c on the command line, for
 * tests/tpm/test-tpmdev.py. --root TREE is required: the TPM is the unix
 * socket TREE/dev/tpmrm0 (else TREE/dev/tpm0) of a simulator, never this
 * machine's device, and the log is TREE/run/log/systemd/tpm2-measure.log.
 *
 *   tpmdev_run --root TREE [--timeout MS] open
 *       "open PATH socket"
 *   tpmdev_run --root TREE [--timeout MS] read PCR
 *       "PCR N HEX"
 *   tpmdev_run --root TREE [--timeout MS] extend PCR DIGEST...
 *       one extend per DIGEST (hex), each read back: "PCR N HEX" each
 *   tpmdev_run --root TREE [--timeout MS] transact HEX
 *       one raw command: "rsp HEX"
 *   tpmdev_run --root TREE log TEXT...
 *       lock the log, append each TEXT with one measfile_append(), unlock
 *
 * On an error: "error ERRNO why" and exit 1. Every TPM command ends with
 * "hung 0|1 open-after-close 0|1": whether a command timed out and whether
 * the descriptor was still open after tpmdev_close().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "measfile.h"
#include "sysroot.h"
#include "tpm2.h"
#include "tpmdev.h"

static int usage(void)
{
	fprintf(stderr, "usage: tpmdev_run --root TREE [--timeout MS] open | read PCR | "
			"extend PCR DIGEST... | transact HEX | log TEXT...\n");
	return 2;
}

static void putvalue(const char *label, const uint8_t *p, size_t n)
{
	printf("%s ", label);
	puthex(p, n);
}

static int error(int err, const char *why)
{
	printf("error %d %s\n", -err, why);
	return 1;
}

/* One TPM verb on an open device. 0, 1 on an error, 2 for bad arguments. */
static int tpm_verb(struct tpmdev *t, int argc, char **argv, int timeout)
{
	uint8_t buf[TPM2_RESPONSE_MAX], value[TPM2_SHA256_SIZE];
	char why[256] = "", label[16];
	unsigned int pcr = argc > 1 ? (unsigned int)atoi(argv[1]) : 0;
	int n, err;

	snprintf(label, sizeof(label), "PCR %u", pcr);
	if (!strcmp(argv[0], "open") && argc == 1) {
		printf("open %s%s\n", t->path, t->socket ? " socket" : "");
	} else if (!strcmp(argv[0], "read") && argc == 2) {
		err = tpmdev_pcr_read(t, pcr, value, timeout, why, sizeof(why));
		if (err)
			return error(err, why);
		putvalue(label, value, sizeof(value));
	} else if (!strcmp(argv[0], "extend") && argc >= 3) {
		for (int i = 2; i < argc; i++) {
			if (unhex(argv[i], buf, TPM2_SHA256_SIZE) != TPM2_SHA256_SIZE)
				return 2;
			err = tpmdev_extend(t, pcr, buf, value, timeout, why, sizeof(why));
			if (err)
				return error(err, why);
			putvalue(label, value, sizeof(value));
		}
	} else if (!strcmp(argv[0], "transact") && argc == 2) {
		if ((n = unhex(argv[1], buf, sizeof(buf))) < 0)
			return 2;
		n = tpmdev_transact(t, buf, (size_t)n, buf, sizeof(buf), timeout, why, sizeof(why));
		if (n < 0)
			return error(n, why);
		putvalue("rsp", buf, (size_t)n);
	} else {
		return 2;
	}
	return 0;
}

static int tpm(int argc, char **argv, int timeout)
{
	struct tpmdev t;
	char why[256] = "";
	int ret, fd, err = tpmdev_open(&t, why, sizeof(why));

	if (err)
		return error(err, why);
	ret = tpm_verb(&t, argc, argv, timeout);
	fd = t.fd;
	tpmdev_close(&t);
	printf("hung %d open-after-close %d\n", t.hung, fcntl(fd, F_GETFD) >= 0);
	return ret == 2 ? usage() : ret;
}

static int log_texts(int argc, char **argv)
{
	char why[256] = "";
	int fd = measfile_lock(why, sizeof(why));

	if (fd < 0)
		return error(fd, why);
	for (int i = 0; i < argc; i++) {
		int err = measfile_append(fd, argv[i], strlen(argv[i]), why, sizeof(why));

		if (err) {
			measfile_unlock(fd);
			return error(err, why);
		}
	}
	measfile_unlock(fd);
	printf("logged %d\n", argc);
	return 0;
}

int main(int argc, char **argv)
{
	int timeout = 5000, err;

	if (argc < 4 || strcmp(argv[1], "--root"))
		return usage();
	err = sysroot_set(argv[2]);
	if (err || !sysroot_is_redirected()) {
		fprintf(stderr, "tpmdev_run: --root %s: %s\n", argv[2],
			err ? strerror(-err) : "must be a tree, not /");
		return 2;
	}
	argc -= 3;
	argv += 3;
	if (argc >= 2 && !strcmp(argv[0], "--timeout")) {
		timeout = atoi(argv[1]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 1)
		return usage();
	if (!strcmp(argv[0], "log"))
		return log_texts(argc - 1, argv + 1);
	return tpm(argc, argv, timeout);
}
