// SPDX-License-Identifier: GPL-2.0-or-later
/* nvlink.nvswitch (src/check/nvlink.c): no NVSwitch function on the host. */
#include <errno.h>

#include "fixture.h"
#include "live.h"
#include "source.h"

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

/* whole-node: fx_switch_host plus an NVSwitch below a root port of its own. */
#define NVSW_PORT "0000:00:02.0"
#define NVSW	  "0000:05:00.0"
#define WHOLE_NODE "[nvlink]\nforbid_nvswitch = whole-node\n"
#define MATCH_ALL  "[devices]\nmatch = 10de:*:0302 10de:*:0680\n"

static struct fx *whole_node_host(const char *policy)
{
	struct fx *x = fx_live_new(policy);
	struct pdev *port;

	port = fx_dev(x, NVSW_PORT, NULL, 0x8086, 0x352a, 0x0604, PCI_EXP_TYPE_ROOT_PORT);
	fx_acs(x, port, FX_ACS_REQUIRED | FX_ACS_DT, FX_ACS_REQUIRED);
	fx_driver(fx_dev(x, NVSW, NVSW_PORT, 0x10de, 0x22a3, 0x0680, PCI_EXP_TYPE_ENDPOINT),
		  "vfio-pci");
	fx_group(x, 14, NVSW, NULL);
	fx_live_function(fx_get(x, NVSW));
	return x;
}

TEST(nvlink_whole_node_all_protected_on_vfio_passes)
{
	struct fx *x = whole_node_host(WHOLE_NODE MATCH_ALL);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "nvlink.nvswitch", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "1 NVSwitch and 1 GPU function(s), all protected and bound to vfio-pci");
	EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 1);
	/* the NVSwitch goes through the function and card checks like a GPU */
	fx_expect(x, "bind.vfio", NVSW, NULL, ST_PASS, DETERMINED);
	fx_expect(x, "group.isolated", NVSW, NULL, ST_PASS, DETERMINED);
	fx_expect(x, "card.functions", NVSW, NULL, ST_PASS, DETERMINED);
	fx_expect(x, "acs.path", NVSW, NVSW_PORT, ST_PASS, DETERMINED);
	fx_free(x);
}

/* A protected NVSwitch or GPU on a host driver, or on none, fails; bind.vfio too. */
TEST(nvlink_whole_node_member_off_vfio_fails)
{
	static const struct {
		const char *bdf, *driver, *actual, *message;
	} rows[] = {
		{ NVSW, "nvidia-nvswitch", "nvidia-nvswitch",
		  "NVSwitch 0000:05:00.0 is bound to nvidia-nvswitch, not on vfio-pci" },
		{ FX_GPU, "nvidia", "nvidia", "GPU 0000:03:00.0 is bound to nvidia, not on vfio-pci" },
		{ NVSW, "", "no driver", "NVSwitch 0000:05:00.0 is not bound, not on vfio-pci" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct fx *x = whole_node_host(WHOLE_NODE MATCH_ALL);
		const struct finding *f;

		fx_driver(fx_get(x, rows[i].bdf), rows[i].driver);
		fx_run(x);
		f = fx_expect(x, "nvlink.nvswitch", rows[i].bdf, NULL, ST_FAIL, DETERMINED);
		EXPECT_TEXT(f->expected, "protected and bound to vfio-pci");
		EXPECT_TEXT(f->actual, rows[i].actual);
		EXPECT_TEXT(f->message, rows[i].message);
		EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 1);
		fx_expect(x, "bind.vfio", rows[i].bdf, NULL, ST_FAIL, DETERMINED);
		fx_free(x);
	}
}

TEST(nvlink_whole_node_nvswitch_not_matched_fails)
{
	struct fx *x = whole_node_host(WHOLE_NODE);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "nvlink.nvswitch", NVSW, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "NVSwitch 10de:22a3 not protected");
	EXPECT_TEXT(f->message, "fix: add it to [devices] match (10de:*:0680) or bdf");
	EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 1);
	/* the GPU and its audio function only: whole-node protects nothing itself */
	EXPECT_INT(fx_count(x, "bind.vfio"), 2);
	fx_free(x);
}

TEST(nvlink_whole_node_gpu_not_matched_fails)
{
	struct fx *x = whole_node_host(WHOLE_NODE "[devices]\nmatch = 10de:*:0680\n");
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "nvlink.nvswitch", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "GPU 10de:2330 not protected");
	EXPECT_TEXT(f->message, "(10de:*:0302)");
	EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 1);
	fx_free(x);
}

TEST(nvlink_whole_node_driver_unreadable_is_undetermined)
{
	struct fx *x = whole_node_host(WHOLE_NODE MATCH_ALL);

	fx_driver_unreadable(fx_get(x, NVSW), -EIO);
	fx_run(x);
	fx_expect(x, "nvlink.nvswitch", NVSW, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 1);
	fx_free(x);
}

TEST(nvlink_whole_node_unreadable_identity_is_undetermined)
{
	struct fx *x = whole_node_host(WHOLE_NODE MATCH_ALL);
	const struct finding *f;

	fx_ident_unreadable(fx_dev(x, "0000:06:00.0", NULL, 0, 0, 0, PCI_EXP_TYPE_ENDPOINT), -EIO,
			    "vendor: Input/output error");
	fx_run(x);
	f = fx_expect(x, "nvlink.nvswitch", "0000:06:00.0", NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot tell whether 0000:06:00.0 is an NVSwitch or a GPU");
	EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 1);
	fx_free(x);
}

TEST(nvlink_whole_node_unreadable_identity_without_nvswitch_fails)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_ident_unreadable(fx_dev(x, "0000:06:00.0", NULL, 0, 0, 0, PCI_EXP_TYPE_ENDPOINT), -EIO,
			    "class: Input/output error");
	fx_policy(x, WHOLE_NODE);
	fx_run(x);
	fx_expect(x, "nvlink.nvswitch", "0000:06:00.0", NULL, ST_FAIL, UNDETERMINED);
	EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 1);
	fx_free(x);
}

TEST(nvlink_whole_node_no_nvswitch_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_policy(x, WHOLE_NODE);
	fx_run(x);
	f = fx_expect(x, "nvlink.nvswitch", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "no NVSwitch function");
	fx_free(x);
}

TEST(nvlink_whole_node_every_failing_function_named)
{
	struct fx *x = whole_node_host(WHOLE_NODE "[devices]\nbdf = 0000:03:00.0\n");

	fx_dev(x, "0000:07:00.0", NULL, 0x10de, 0x2330, 0x0380, PCI_EXP_TYPE_ENDPOINT);
	fx_run(x);
	fx_expect(x, "nvlink.nvswitch", NVSW, NULL, ST_FAIL, DETERMINED);
	fx_expect(x, "nvlink.nvswitch", "0000:07:00.0", NULL, ST_FAIL, DETERMINED);
	EXPECT_INT(fx_count(x, "nvlink.nvswitch"), 2);
	fx_free(x);
}

TEST(nvlink_whole_node_lspci_dump_skips)
{
	struct fx *x = whole_node_host(WHOLE_NODE MATCH_ALL);
	const struct finding *f;

	x->m.src = &source_dump;
	fx_run(x);
	f = fx_expect(x, "nvlink.nvswitch", NULL, NULL, ST_SKIP, DETERMINED);
	EXPECT_TEXT(f->message, "lspci dump");
	fx_free(x);
}

TEST(nvlink_forbid_yes_ignores_protection)
{
	struct fx *x = whole_node_host(MATCH_ALL);

	fx_run(x);
	fx_expect(x, "nvlink.nvswitch", NVSW, NULL, ST_FAIL, DETERMINED);
	fx_free(x);
}
