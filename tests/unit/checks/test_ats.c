// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ats.disabled (src/check/ats.c): ATS, PRI and PASID are off on every
 * protected function.
 */
#include <errno.h>

#include "fixture.h"

TEST(ats_no_capability_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	f = fx_expect(x, "ats.disabled", FX_GPU, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "no ATS capability");
	fx_expect(x, "ats.disabled", FX_AUDIO, NULL, ST_PASS, DETERMINED);
	EXPECT_INT(fx_count(x, "ats.disabled"), 2); /* protected functions only */
	fx_free(x);
}

TEST(ats_capabilities_disabled_pass)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_ats(x, fx_get(x, FX_GPU), false);
	fx_pasid(x, fx_get(x, FX_GPU), false);
	fx_run(x);
	f = fx_expect(x, "ats.disabled", FX_GPU, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "ATS disabled, PRI absent, PASID disabled");
	fx_free(x);
}

TEST(ats_enabled_fails)
{
	static const char *const want[] = {"ATS enabled, PRI disabled, PASID disabled",
					   "ATS disabled, PRI enabled, PASID disabled",
					   "ATS disabled, PRI disabled, PASID enabled"};

	for (int i = 0; i < 3; i++) {
		struct fx *x = fx_new();
		struct pdev *gpu;
		const struct finding *f;

		fx_switch_host(x);
		gpu = fx_get(x, FX_GPU);
		fx_ats(x, gpu, i == 0);
		fx_pri(x, gpu, i == 1);
		fx_pasid(x, gpu, i == 2);
		fx_run(x);
		f = fx_expect(x, "ats.disabled", FX_GPU, NULL, ST_FAIL, DETERMINED);
		EXPECT_TEXT(f->actual, want[i]);
		fx_free(x);
	}
}

TEST(ats_config_unreadable_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_cfg_unreadable(x, fx_get(x, FX_GPU), -EIO, "read error");
	fx_run(x);
	f = fx_expect(x, "ats.disabled", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "read error");
	fx_free(x);
}

TEST(ats_not_required_skips)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_ats(x, fx_get(x, FX_GPU), true);
	fx_policy(x, "[ats]\nrequire_disabled = no\n");
	fx_run(x);
	fx_expect(x, "ats.disabled", FX_GPU, NULL, ST_SKIP, DETERMINED);
	fx_free(x);
}
