/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tpm2.h - the two TPM 2.0 commands gpugate sends, built by hand:
 * TPM2_PCR_Extend of one SHA-256 digest and TPM2_PCR_Read of one SHA-256
 * PCR (TPM 2.0 Library, Part 3 sections 22.2 and 22.4; the structures are
 * in Part 2). The builders fill a caller's buffer; the parsers judge a
 * response strictly, since the bytes come from a device (or from whatever
 * answers on /dev/tpmrm0). Pure: no I/O, no allocation.
 */
#ifndef GPUGATE_TPM2_H
#define GPUGATE_TPM2_H

#include <stddef.h>
#include <stdint.h>

#define TPM2_SHA256_SIZE 32
/* PCRs 0..23: the PC Client platform profile's mandatory set. */
#define TPM2_PCR_COUNT 24
/* Part 2 MAX_RESPONSE_SIZE of the reference implementation and the kernel's TPM_BUFSIZE. */
#define TPM2_RESPONSE_MAX 4096

/* Exact sizes of the commands the builders write. */
#define TPM2_EXTEND_CMD_SIZE   65
#define TPM2_PCR_READ_CMD_SIZE 20

/* Response codes the callers act on (Part 2 6.6.3). */
#define TPM2_RC_SUCCESS	   0x000
#define TPM2_RC_INITIALIZE 0x100 /* TPM2_Startup was not sent */
#define TPM2_RC_LOCALITY   0x907 /* the PCR may not be extended from this locality */
#define TPM2_RC_YIELDED	   0x908
#define TPM2_RC_CANCELED   0x909
#define TPM2_RC_TESTING	   0x90a
#define TPM2_RC_RETRY	   0x922

/*
 * Write TPM2_PCR_Extend of @digest into the SHA-256 bank of PCR @pcr, with
 * the empty password session (TPM_RS_PW) that PCRs with an empty authValue
 * take. Returns the command's size (TPM2_EXTEND_CMD_SIZE), -EINVAL for a
 * PCR outside 0..23, -ENOSPC when @len is too small.
 */
int tpm2_extend_build(uint8_t *buf, size_t len, unsigned int pcr,
		      const uint8_t digest[TPM2_SHA256_SIZE]);

/*
 * Judge the response to tpm2_extend_build()'s command. *@rc receives the
 * TPM's response code when the header could be read (else it is left
 * unchanged). Returns 0 for a well-formed success; -EAGAIN for a
 * well-formed answer asking to send the command again (TPM_RC_RETRY,
 * YIELDED, TESTING, CANCELED); -EPERM for TPM_RC_LOCALITY; -EIO for any
 * other TPM error; -EBADMSG for a malformed response. Every error writes a
 * reason into @why.
 */
int tpm2_extend_parse(const uint8_t *rsp, size_t len, uint32_t *rc, char *why, size_t whylen);

/*
 * Write TPM2_PCR_Read of the SHA-256 bank of PCR @pcr. Returns the
 * command's size (TPM2_PCR_READ_CMD_SIZE), -EINVAL or -ENOSPC as above.
 */
int tpm2_pcr_read_build(uint8_t *buf, size_t len, unsigned int pcr);

/*
 * Judge the response to tpm2_pcr_read_build(@pcr)'s command and copy the
 * PCR's value to @value. Returns 0, -ENOENT when the TPM answers with no
 * SHA-256 value for @pcr (the bank is not allocated), or the errors of
 * tpm2_extend_parse(). *@rc as there.
 */
int tpm2_pcr_read_parse(const uint8_t *rsp, size_t len, unsigned int pcr,
			uint8_t value[TPM2_SHA256_SIZE], uint32_t *rc, char *why, size_t whylen);

/*
 * Describe response code @rc for humans, e.g. "TPM_RC_VALUE (0x184) on
 * handle 1" or "TPM_RC_LOCALITY (0x907)". Always terminates @buf.
 */
void tpm2_rc_describe(char *buf, size_t len, uint32_t rc);

#endif
