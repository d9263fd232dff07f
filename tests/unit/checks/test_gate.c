// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gate.boot (src/check/gate.c): `check` after boot reads the report the
 * boot's gate left (m->boot): it enforced, and the policy held.
 */
#include <errno.h>

#include "live.h"

#define GATE_PASS                                                                                  \
	"{\"version\":1,\"mode\":\"gate\",\"policy_mode\":\"enforce\","                            \
	"\"override\":\"none\",\"enforcing\":true,\"result\":\"pass\",\"checks\":["

TEST(gate_boot_enforced_and_held_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_boot_report(x, GATE_PASS, 0);
	fx_run_check(x);
	f = fx_expect(x, "gate.boot", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "enforcing, mode enforce, override none, result pass");
	EXPECT_TEXT(f->message, "(/run/gpugate/report.json)");
	EXPECT(x->r.boot.checked && x->r.boot.present && x->r.boot.enforcing && x->r.boot.pass);
	fx_free(x);
}

/* Audit, an override, or a failed result: the boot did not enforce. */
TEST(gate_boot_audit_warns)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_boot_report(x,
		       "{\"mode\":\"gate\",\"policy_mode\":\"audit\",\"override\":\"none\","
		       "\"enforcing\":false,\"result\":\"fail\"}",
		       0);
	fx_run_check(x);
	f = fx_expect(x, "gate.boot", NULL, NULL, ST_WARN, DETERMINED);
	EXPECT_TEXT(f->actual, "not enforcing, mode audit, override none, result fail");
	EXPECT_TEXT(f->message, "set [gate] mode = enforce");
	EXPECT(x->r.boot.present && !x->r.boot.enforcing && !x->r.boot.pass);
	fx_free(x);
}

TEST(gate_boot_no_report_warns)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_boot_report(x, NULL, -ENOENT);
	x->m.boot.root = "/srv/tree";
	fx_run_check(x);
	f = fx_expect(x, "gate.boot", NULL, NULL, ST_WARN, DETERMINED);
	EXPECT_TEXT(f->actual, "none");
	EXPECT_TEXT(f->message, "no boot report at /srv/tree/run/gpugate/report.json");
	EXPECT(x->r.boot.checked && !x->r.boot.present);
	fx_free(x);
}

TEST(gate_boot_unreadable_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_boot_report(x, NULL, -EACCES);
	fx_run_check(x);
	f = fx_expect(x, "gate.boot", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message,
		    "cannot read the boot report /run/gpugate/report.json: Permission denied");
	fx_free(x);
}

/* A `check` report at the gate's path says nothing about the boot. */
TEST(gate_boot_not_a_gate_report_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_boot_report(x, "{\"mode\":\"check\",\"enforcing\":true,\"result\":\"pass\"}", 0);
	fx_run_check(x);
	f = fx_expect(x, "gate.boot", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "not a gate report");
	EXPECT(!x->r.boot.enforcing && !x->r.boot.pass);
	fx_free(x);
}

TEST(gate_boot_not_read_is_undetermined)
{
	struct fx *x = fx_new();

	fx_run_check(x);
	fx_expect(x, "gate.boot", NULL, NULL, ST_FAIL, UNDETERMINED);
	fx_free(x);
}
