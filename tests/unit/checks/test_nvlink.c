// SPDX-License-Identifier: GPL-2.0-or-later
/* nvlink.nvswitch (src/check/nvlink.c): no NVSwitch function on the host. */
#include <errno.h>

#include "fixture.h"

#define NVSWITCH "0000:9a:00.0"

TEST(nvlink_no_nvswitch_passes)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_run(x);
	fx_expect(x, "nvlink.nvswitch", NULL, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

TEST(nvlink_nvswitch_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_dev(x, NVSWITCH, NULL, 0x10de, 0x22a3, 0x0680, PCI_EXP_TYPE_ENDPOINT);
	fx_run(x);
	f = fx_expect(x, "nvlink.nvswitch", NVSWITCH, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "10de:22a3 class 0680");
	EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 1);
	fx_free(x);
}

TEST(nvlink_other_vendor_bridge_class_passes)
{
	struct fx *x = fx_new();

	fx_dev(x, NVSWITCH, NULL, 0x8086, 0x22a3, 0x0680, PCI_EXP_TYPE_ENDPOINT);
	fx_run(x);
	fx_expect(x, "nvlink.nvswitch", NULL, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

TEST(nvlink_policy_allows_skips)
{
	struct fx *x = fx_new();

	fx_dev(x, NVSWITCH, NULL, 0x10de, 0x22a3, 0x0680, PCI_EXP_TYPE_ENDPOINT);
	fx_policy(x, "[nvlink]\nforbid_nvswitch = no\n");
	fx_run(x);
	fx_expect(x, "nvlink.nvswitch", NULL, NULL, ST_SKIP, DETERMINED);
	fx_free(x);
}
