/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * measlog.h - systemd's userspace TPM event log (tpm2-measure.log), JSON-SEQ
 * (RFC 7464): one record per extend, 0x1E + one JSON object + "\n".
 * measlog_record() formats the record gpugate appends after an extend;
 * measlog_replay() reads a whole log strictly (the file lives in /run and is
 * copied around: it is hostile input) and recomputes a PCR's SHA-256 value
 * from it. Pure: no I/O.
 */
#ifndef GPUGATE_MEASLOG_H
#define GPUGATE_MEASLOG_H

#include <stddef.h>
#include <stdint.h>

#define MEASLOG_PATH "/run/log/systemd/tpm2-measure.log"

/* Format one record (with the leading 0x1E and trailing \n) into @buf.
 * Returns its length, -ENOSPC if @len is too small, -EINVAL for pcr>23 or a
 * string that needs escaping beyond what JSON allows (control chars are
 * escaped; NUL is -EINVAL). The record is NUL-terminated (@len must exceed
 * its length). Also -EINVAL when @digest is not SHA-256(@string) or the
 * record would be longer than the reader takes (65,536 bytes after the
 * 0x1E): measlog_replay() would refuse either. */
int measlog_record(char *buf, size_t len, unsigned int pcr,
		   const uint8_t digest[32], const char *string);

/* Replay @text (@len bytes, a whole log) for PCR @pcr from 32 zero bytes
 * into @value. Every record must parse (JSON-SEQ, each a JSON object with
 * "pcr" 0..23 and "digests"); a record for @pcr without a sha256 digest is
 * an error; when a record has content.string and content_type "gpugate" or
 * "systemd", SHA-256(string) must equal the sha256 digest. *@nrecords gets
 * how many records were folded for @pcr. 0 or -EBADMSG with a reason in
 * @why naming the record number (-EINVAL for @pcr > 23). On an error
 * @value is all zero and *@nrecords 0. */
int measlog_replay(const char *text, size_t len, unsigned int pcr,
		   uint8_t value[32], int *nrecords, char *why, size_t whylen);

/* v = SHA-256(v || digest): one extend. */
void measlog_fold(uint8_t value[32], const uint8_t digest[32]);

#endif
