// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * group.isolated (src/check/group.c): a protected function shares its IOMMU
 * group only with its own card's protected functions and with bridges.
 */
#include <errno.h>

#include "fixture.h"

TEST(group_alone_with_its_card_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	f = fx_expect(x, "group.isolated", FX_GPU, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "2 member(s), no foreign endpoint");
	EXPECT_TEXT(f->expected, "group 12");
	fx_expect(x, "group.isolated", FX_AUDIO, NULL, ST_PASS, DETERMINED);
	EXPECT_INT(fx_count(x, "group.isolated"), 2); /* the NIC is not protected */
	fx_free(x);
}

TEST(group_with_a_bridge_passes)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_group(x, 12, FX_DOWN, FX_GPU, FX_AUDIO, NULL);
	fx_run(x);
	fx_expect(x, "group.isolated", FX_GPU, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

TEST(group_with_a_foreign_endpoint_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_group(x, 12, FX_GPU, FX_AUDIO, FX_NIC, "0000:05:00.0", NULL);
	fx_run(x);
	f = fx_expect(x, "group.isolated", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, FX_NIC "(0200) 0000:05:00.0(unknown)");
	EXPECT_TEXT(f->message, "also holds 2 other endpoint(s)");
	fx_free(x);
}

/* An endpoint that says it is a bridge (class 0604, type 0 header) is none. */
TEST(group_with_an_endpoint_claiming_bridge_class_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_dev(x, "0000:05:00.0", NULL, 0x1234, 0x5678, 0x0604, PCI_EXP_TYPE_ENDPOINT);
	fx_cfg_poke(fx_get(x, "0000:05:00.0"), PCI_HEADER_TYPE, PCI_HEADER_TYPE_NORMAL);
	fx_group(x, 12, FX_GPU, FX_AUDIO, "0000:05:00.0", NULL);
	fx_run(x);
	f = fx_expect(x, "group.isolated", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "0000:05:00.0(0604)");
	fx_free(x);
}

TEST(group_absent_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_get(x, FX_GPU)->group = -1;
	fx_run(x);
	f = fx_expect(x, "group.isolated", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "no IOMMU group");
	fx_free(x);
}

TEST(group_empty_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_group_unlisted(fx_get(x, FX_GPU), 12, 0);
	fx_run(x);
	f = fx_expect(x, "group.isolated", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "group 12 lists no devices");
	fx_free(x);
}

TEST(group_unlisted_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_group_unlisted(fx_get(x, FX_GPU), 12, -EACCES);
	fx_run(x);
	f = fx_expect(x, "group.isolated", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "/sys/kernel/iommu_groups/12/devices");
	fx_free(x);
}

/*
 * An NVSwitch (10de class 0680, "bridge, other") has a type 0 header: an
 * endpoint in the group, never a bridge. Protected on another card it is
 * still an intruder; protected on the GPU's own card it is not.
 */
TEST(group_with_an_nvswitch_is_an_intruder_unless_same_card)
{
	static const char *const policies[] = {
		"", /* not protected */
		"[devices]\nmatch = 10de:*:0302 10de:*:0680\n", /* protected, another card */
	};

	for (size_t i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		struct fx *x = fx_new();
		const struct finding *f;

		fx_policy(x, policies[i]);
		fx_switch_host(x);
		fx_dev(x, "0000:05:00.0", NULL, 0x10de, 0x22a3, 0x0680, PCI_EXP_TYPE_ENDPOINT);
		fx_group(x, 12, FX_GPU, FX_AUDIO, "0000:05:00.0", NULL);
		fx_run(x);
		f = fx_expect(x, "group.isolated", FX_GPU, NULL, ST_FAIL, DETERMINED);
		EXPECT_TEXT(f->actual, "0000:05:00.0(0680)");
		fx_free(x);
	}
}

TEST(group_with_an_nvswitch_of_the_same_card_passes)
{
	struct fx *x = fx_new();

	fx_policy(x, "[devices]\nmatch = 10de:*:0302 10de:*:0680\n");
	fx_switch_host(x);
	fx_dev(x, "0000:03:00.2", FX_DOWN, 0x10de, 0x22a3, 0x0680, PCI_EXP_TYPE_ENDPOINT);
	fx_group(x, 12, FX_GPU, FX_AUDIO, "0000:03:00.2", NULL);
	fx_run(x);
	fx_expect(x, "group.isolated", FX_GPU, NULL, ST_PASS, DETERMINED);
	fx_expect(x, "group.isolated", "0000:03:00.2", NULL, ST_PASS, DETERMINED);
	fx_free(x);
}
