/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpmdev.h - the TPM device: open /dev/tpmrm0 (else /dev/tpm0), send one
 * command with a bounded wait, extend one SHA-256 digest into a PCR and
 * read the PCR back. The commands are built and judged by parse/tpm2.h;
 * this file only moves bytes. Under --root the "device" must be a TPM
 * simulator's unix socket (swtpm socket --server type=unixio,...): a
 * character device there is refused, since it could be this machine's TPM.
 */
#ifndef GPUGATE_TPMDEV_H
#define GPUGATE_TPMDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tpmdev {
	int fd;	       /* -1 when closed */
	char path[32]; /* "/dev/tpmrm0" or "/dev/tpm0" (not sysroot-prefixed) */
	bool socket;   /* a simulator's unix socket under --root */
	bool hung;     /* a command timed out: the fd is never closed */
};

/*
 * Open /dev/tpmrm0, else /dev/tpm0 (sysroot-prefixed; under --root only a
 * unix socket is accepted). 0, -ENOENT when neither exists, other -errno
 * with a reason. O_RDWR|O_NONBLOCK|O_CLOEXEC.
 */
int tpmdev_open(struct tpmdev *t, char *why, size_t whylen);

/*
 * One command: write it whole, poll(POLLIN) up to @timeout_ms, read the
 * response. -ETIMEDOUT (and t->hung = true) on timeout.
 * Returns the response length or -errno with a reason.
 */
int tpmdev_transact(struct tpmdev *t, const uint8_t *cmd, size_t cmdlen, uint8_t *rsp,
		    size_t rsplen, int timeout_ms, char *why, size_t whylen);

/*
 * Extend SHA-256 @digest into PCR @pcr (retrying -EAGAIN answers a bounded
 * number of times within the timeout), then read the PCR back into @after.
 * 0, or -errno with a reason: -ENOENT if the SHA-256 bank is not allocated.
 * Writes to the TPM: callers decide whether measuring is allowed.
 */
int tpmdev_extend(struct tpmdev *t, unsigned int pcr, const uint8_t digest[32], uint8_t after[32],
		  int timeout_ms, char *why, size_t whylen);

/*
 * Read the SHA-256 bank of PCR @pcr into @value. 0, or -errno with a
 * reason (-ENOENT: the SHA-256 bank is not allocated).
 */
int tpmdev_pcr_read(struct tpmdev *t, unsigned int pcr, uint8_t value[32], int timeout_ms,
		    char *why, size_t whylen);

/*
 * Close unless hung (close() of a hung /dev/tpm* blocks until the kernel
 * gives up on the command).
 */
void tpmdev_close(struct tpmdev *t);

#endif
