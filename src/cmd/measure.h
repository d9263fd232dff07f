/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * measure.h - the gate's measurement: its policy, baseline and verdict
 * extended into the TPM (parse/tpmevent.h), each extend logged in
 * systemd's tpm2-measure.log (parse/measlog.h, source/measfile.h).
 */
#ifndef GPUGATE_MEASURE_H
#define GPUGATE_MEASURE_H

#include <stdbool.h>

#include "gpugate.h"
#include "tpmdev.h"

struct measure {
	struct tpmdev dev;  /* open from measure_gate until measure_close */
	bool pass_extended; /* the last event extended is a pass word */
	bool verify;	    /* gate --verify: its own words */
	const struct policy *p;
};

/*
 * Measure a gate run whose verdict is @pass (@verify: gate --verify),
 * filling @t: only when [tpm] measure is not off, not a dry run, and
 * either in an initramfs or under --root (a simulator's socket). Extends
 * the TPM. Never closes a TPM that timed out.
 */
void measure_gate(struct measure *ms, const struct policy *p, bool verify, bool dry_run,
		  bool pass, struct tpm_report *t);

/*
 * The gate failed after measuring its pass word (the report could not be
 * written): extend the fail word, so the PCR never holds the pass value.
 */
void measure_fail_late(struct measure *ms, struct tpm_report *t);

/* Close the TPM (unless it timed out: tpmdev_close). */
void measure_close(struct measure *ms);

#endif
