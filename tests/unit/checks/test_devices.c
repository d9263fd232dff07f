// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * devices.none and devices.expect (src/check/devices.c): the policy protects
 * what it should.
 */
#include "fixture.h"

TEST(devices_none_protected_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	f = fx_expect(x, "devices.none", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "2 protected functions"); /* GPU and its audio */
	fx_free(x);
}

TEST(devices_none_nothing_matches_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_dev(x, "0000:00:1f.0", NULL, 0x8086, 0x1234, 0x0601, FX_CONVENTIONAL);
	fx_run(x);
	f = fx_expect(x, "devices.none", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "0 protected functions");
	EXPECT_TEXT(f->expected, "at least 1");
	fx_free(x);
}

TEST(devices_none_allowed_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[devices]\nallow_none = yes\n");
	fx_run(x);
	f = fx_expect(x, "devices.none", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "allow_none = yes");
	fx_free(x);
}

TEST(devices_none_listed_bdf_absent_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_policy(x, "[devices]\nbdf = " FX_NIC " 0000:42:00.0\n");
	fx_run(x);
	f = fx_expect(x, "devices.none", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->expected, "0000:42:00.0 present");
	EXPECT_TEXT(f->actual, "absent");
	fx_free(x);
}

TEST(devices_expect_enough_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_policy(x, "[devices]\nexpect = 1\n");
	fx_run(x);
	f = fx_expect(x, "devices.expect", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "1 matched");
	fx_free(x);
}

/* The GPU's audio function is protected but not matched: it does not count. */
TEST(devices_expect_too_few_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_policy(x, "[devices]\nexpect = 2\n");
	fx_run(x);
	f = fx_expect(x, "devices.expect", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->expected, "at least 2 matched");
	EXPECT_TEXT(f->actual, "1 matched");
	fx_free(x);
}

TEST(devices_expect_unset_says_nothing)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_run(x);
	EXPECT_INT(fx_count(x, "devices.expect"), 0);
	fx_free(x);
}
