// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tpm.measure (src/check/tpm.c): what `gate` measured into the TPM, from
 * r->tpm (cmd/measure.c fills it, then runs the check again).
 */
#include <stdio.h>

#include "fixture.h"

#define VALUE "1ac15cc0382086edf98faf023527c2d81b9a5c540cc8b40435d52e5d282f8bd2"

/* r->tpm as the gate leaves it after extending the pass sequence. */
static void measured(struct fx *x)
{
	struct tpm_report *t = &x->r.tpm;

	t->decided = t->measured = true;
	snprintf(t->device, sizeof(t->device), "/dev/tpmrm0");
	snprintf(t->events[0], TPM_EVENT_LEN, "gpugate policy sha256:%064d", 0);
	snprintf(t->events[1], TPM_EVENT_LEN, "gpugate gate pass v1");
	t->nevents = 2;
	snprintf(t->value, sizeof(t->value), VALUE);
}

/* r->tpm after a measurement that did not happen. */
static void missed(struct fx *x, bool absent, const char *error)
{
	struct tpm_report *t = &x->r.tpm;

	t->decided = true;
	t->absent = absent;
	snprintf(t->error, sizeof(t->error), "%s", error);
}

TEST(tpm_measured_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[tpm]\nmeasure = required\n");
	measured(x);
	fx_run(x);
	f = fx_expect(x, "tpm.measure", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "PCR 8 = " VALUE);
	EXPECT_TEXT(f->message, "PCR 8 of /dev/tpmrm0");
	EXPECT_TEXT(f->message, "gpugate gate pass v1");
	fx_free(x);
}

TEST(tpm_required_without_tpm_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[tpm]\nmeasure = required\npcr = 9\nallow_systemd_pcr = yes\n");
	missed(x, true, "no TPM: neither /dev/tpmrm0 nor /dev/tpm0 exists");
	fx_run(x);
	f = fx_expect(x, "tpm.measure", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "no TPM");
	EXPECT_TEXT(f->expected, "measured into PCR 9");
	EXPECT_TEXT(f->message, "neither /dev/tpmrm0");
	EXPECT_TEXT(f->message, "fix: enable the TPM");
	fx_free(x);
}

/* A timeout, a read-back that differs, an unlogged extend: all fail. */
TEST(tpm_required_failed_extend_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[tpm]\nmeasure = required\n");
	measured(x);
	x->r.tpm.measured = false;
	snprintf(x->r.tpm.error, sizeof(x->r.tpm.error), "extend: no answer within 5000 ms");
	fx_run(x);
	f = fx_expect(x, "tpm.measure", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "not measured");
	EXPECT_TEXT(f->message, "no answer within 5000 ms");
	EXPECT_TEXT(f->message, "fix: check the TPM");
	fx_free(x);
}

TEST(tpm_on_without_tpm_warns)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[tpm]\nmeasure = on\n");
	missed(x, true, "no TPM");
	fx_run(x);
	f = fx_expect(x, "tpm.measure", NULL, NULL, ST_WARN, DETERMINED);
	EXPECT_TEXT(f->message, "the verdict stands");
	fx_free(x);
}

/* A measurement that failed without a reason is still not a pass. */
TEST(tpm_not_measured_without_reason_is_no_pass)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[tpm]\nmeasure = required\n");
	missed(x, false, "");
	fx_run(x);
	f = fx_expect(x, "tpm.measure", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "no reason recorded");
	fx_free(x);
}

TEST(tpm_off_skips)
{
	struct fx *x = fx_new();
	const struct finding *f;

	measured(x);
	fx_run(x);
	f = fx_expect(x, "tpm.measure", NULL, NULL, ST_SKIP, DETERMINED);
	EXPECT_TEXT(f->message, "[tpm] measure = off");
	fx_free(x);
}

/* check and enforce never measure: skip, whatever the policy asks. */
TEST(tpm_check_skips)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[tpm]\nmeasure = required\n");
	x->r.mode = "check";
	fx_run(x);
	f = fx_expect(x, "tpm.measure", NULL, NULL, ST_SKIP, DETERMINED);
	EXPECT_TEXT(f->message, "only gate measures, in the initramfs: check does not");
	fx_free(x);
}

/* The gate decided not to measure (outside an initramfs, --dry-run). */
TEST(tpm_gate_outside_initramfs_skips)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[tpm]\nmeasure = required\n");
	x->r.tpm.decided = true;
	snprintf(x->r.tpm.skip, sizeof(x->r.tpm.skip), "not in an initramfs");
	fx_run(x);
	f = fx_expect(x, "tpm.measure", NULL, NULL, ST_SKIP, DETERMINED);
	EXPECT_TEXT(f->message, "not measured: not in an initramfs");
	fx_free(x);
}
