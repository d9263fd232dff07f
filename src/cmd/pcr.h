/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcr.h - `gpugate pcr [-p POLICY] [--log FILE]`: the SHA-256 value the
 * policy's PCR holds after a passing boot, for a verifier to pin.
 */
#ifndef GPUGATE_PCR_H
#define GPUGATE_PCR_H

#include "gpugate.h"

/*
 * Print (one line, 64 lowercase hex digits) the value of PCR [tpm] pcr
 * after the pass sequence of @p (policy, baseline when configured, gate
 * pass, verify pass) from 32 zero bytes; with @log (not NULL), the value
 * that replaying that event log gives instead. Reads files only. Returns
 * 0, -EBADMSG for a malformed log, or -errno, with the reason on stderr.
 */
int pcr_command(const struct policy *p, const char *log);

#endif
