// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpm.c - tpm.measure: did `gate` extend its policy, baseline and verdict
 * into the TPM (docs/attestation.md)? The gate measures (cmd/measure.c)
 * after the other checks decided the verdict, puts what it did in r->tpm
 * and runs this check again; in the table's own run (and for `check` and
 * `enforce`) nothing was measured yet, and the check skips saying why.
 * With [tpm] measure = required a measurement that did not happen fails;
 * with on it warns, and the verdict does not change.
 */
#include <stdio.h>

#include "checks.h"

#define TPM_ID "tpm.measure"

/* The measurement happened: the PCR, the value read back and the events. */
static void tpm_pass(struct ctx *c, const struct tpm_report *t)
{
	struct finding *f = check_add(c, TPM_ID, NULL, NULL, ST_PASS);
	char events[TPM_EVENTS_MAX * (TPM_EVENT_LEN + 2)] = "";
	size_t used = 0;

	for (int i = 0; i < t->nevents && used < sizeof(events); i++)
		used += (size_t)snprintf(events + used, sizeof(events) - used, "%s%s",
					 i ? ", " : "", t->events[i]);
	snprintf(f->expected, sizeof(f->expected), "measured into PCR %d", c->p->tpm_pcr);
	snprintf(f->actual, sizeof(f->actual), "PCR %d = %s", c->p->tpm_pcr, t->value);
	finding_msg(f, "measured into PCR %d of %s, read back %s: %s", c->p->tpm_pcr, t->device,
		    t->value, events);
}

/* It did not: a failure when required, else a warning. */
static void tpm_missed(struct ctx *c, const struct tpm_report *t)
{
	bool required = c->p->tpm_measure == MEASURE_REQUIRED;
	struct finding *f = check_add(c, TPM_ID, NULL, NULL, required ? ST_FAIL : ST_WARN);

	snprintf(f->expected, sizeof(f->expected), "measured into PCR %d", c->p->tpm_pcr);
	snprintf(f->actual, sizeof(f->actual), "%s", t->absent ? "no TPM" : "not measured");
	if (!required)
		finding_msg(f, "%s; [tpm] measure = on: the verdict stands, but the PCR does not hold the pass value",
			    t->error[0] ? t->error : "not measured (no reason recorded)");
	else
		finding_msg(f, "%s; [tpm] measure = required: the gate fails; fix: %s, or set measure = on",
			    t->error[0] ? t->error : "not measured (no reason recorded)",
			    t->absent ? "enable the TPM 2.0 in the firmware setup"
				      : "check the TPM (tpm2_selftest, the kernel log)");
}

void check_tpm_measure(struct ctx *c)
{
	const struct tpm_report *t = &c->r->tpm;

	if (c->p->tpm_measure == MEASURE_OFF) {
		finding_msg(check_add(c, TPM_ID, NULL, NULL, ST_SKIP),
			    "policy does not measure the gate ([tpm] measure = off)");
		return;
	}
	if (!t->decided) {
		finding_msg(check_add(c, TPM_ID, NULL, NULL, ST_SKIP),
			    "only gate measures, in the initramfs: %s does not",
			    c->r->mode ? c->r->mode : "this run");
		return;
	}
	if (t->skip[0]) {
		finding_msg(check_add(c, TPM_ID, NULL, NULL, ST_SKIP), "not measured: %s", t->skip);
		return;
	}
	if (t->measured)
		tpm_pass(c, t);
	else
		tpm_missed(c, t);
}
