// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * access.config (src/check/access.c): everything the model needed of each
 * function was read.
 */
#include <errno.h>

#include "fixture.h"

TEST(access_all_read_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	f = fx_expect(x, "access.config", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "7 config spaces read and parsed, 7 functions scanned");
	fx_free(x);
}

TEST(access_each_unreadable_input_is_undetermined)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_ident_unreadable(fx_get(x, FX_ROOT), -EIO, "vendor: Input/output error");
	fx_cfg_unreadable(x, fx_get(x, FX_UP), -EIO, "short read");
	fx_path_unknown(fx_get(x, FX_DOWN2), -ELOOP, "");
	fx_get(x, FX_GPU)->group_err = -EACCES;
	fx_driver_unreadable(fx_get(x, FX_AUDIO), -EACCES);
	fx_get(x, FX_NIC)->override_err = -EIO;
	fx_run(x);
	EXPECT_TEXT(fx_expect(x, "access.config", FX_ROOT, NULL, ST_FAIL, UNDETERMINED)->message,
		    "cannot read IDs or class: vendor: Input/output error");
	EXPECT_TEXT(fx_expect(x, "access.config", FX_UP, NULL, ST_FAIL, UNDETERMINED)->message,
		    "short read");
	EXPECT_TEXT(fx_expect(x, "access.config", FX_DOWN2, NULL, ST_FAIL, UNDETERMINED)->message,
		    "cannot resolve its place in the device tree");
	EXPECT_TEXT(fx_expect(x, "access.config", FX_GPU, NULL, ST_FAIL, UNDETERMINED)->message,
		    "cannot read iommu_group link");
	EXPECT_TEXT(fx_expect(x, "access.config", FX_AUDIO, NULL, ST_FAIL, UNDETERMINED)->message,
		    "cannot read driver link");
	EXPECT_TEXT(fx_expect(x, "access.config", FX_NIC, NULL, ST_FAIL, UNDETERMINED)->message,
		    "cannot read driver_override");
	EXPECT_INT(fx_count(x, "access.config"), 6);
	fx_free(x);
}

/* A capability list that loops is a broken (or hostile) device, never "no capability". */
TEST(access_looping_capability_list_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_cfg_poke(fx_get(x, FX_NIC), 0x41, 0x40); /* the PCIe capability points to itself */
	fx_run(x);
	f = fx_expect(x, "access.config", FX_NIC, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "capability list loops at 0x040");
	fx_free(x);
}
