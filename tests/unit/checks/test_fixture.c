// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fixture itself: the model it builds is the one the tests describe
 * (address order, places, cards, protection, parsed capabilities).
 */
#include "fixture.h"

#include "model.h"

TEST(fixture_builds_the_switch_host)
{
	struct fx *x = fx_new();
	struct pdev *gpu, *nic;

	fx_switch_host(x);
	fx_ats(x, fx_get(x, FX_GPU), true);
	fx_pasid(x, fx_get(x, FX_GPU), false);
	fx_run(x);
	EXPECT_INT(x->m.ndevs, 7);
	for (int i = 1; i < x->m.ndevs; i++)
		EXPECT(model_find(&x->m, x->m.devs[i].bdf) == i);
	gpu = fx_get(x, FX_GPU);
	nic = fx_get(x, FX_NIC);
	EXPECT_INT(gpu->path_len, 3);
	EXPECT(!strcmp(x->m.devs[gpu->path[0]].bdf, FX_ROOT));
	EXPECT(!strcmp(x->m.devs[gpu->parent].bdf, FX_DOWN));
	EXPECT(gpu->matched && !gpu->companion);
	EXPECT(fx_get(x, FX_AUDIO)->companion);
	EXPECT(!pdev_protected(nic) && !nic->foreign);
	EXPECT(model_same_card(gpu, fx_get(x, FX_AUDIO)) && !model_same_card(gpu, nic));
	EXPECT_INT(gpu->cfg_err, 0);
	EXPECT_INT(gpu->caps.pcie_type, PCI_EXP_TYPE_ENDPOINT);
	EXPECT_INT(gpu->caps.ats, 0x140);
	EXPECT_INT(gpu->caps.pasid, 0x1c0);
	EXPECT_INT(gpu->caps.acs + gpu->caps.pri, 0);
	EXPECT_INT(fx_get(x, FX_DOWN)->caps.acs, 0x100);
	EXPECT_INT(fx_get(x, FX_DOWN)->caps.pcie_type, PCI_EXP_TYPE_DOWNSTREAM);
	EXPECT_INT(fx_get(x, FX_UP)->caps.hdr_type, PCI_HEADER_TYPE_BRIDGE);
	EXPECT_INT(x->m.first_path_err, -1);
	fx_free(x);
}

/* Functions added out of order end up in address order, with their parents. */
TEST(fixture_sorts_and_places)
{
	struct fx *x = fx_new();
	struct pdev *d;

	fx_dev(x, "0000:05:00.0", "0000:00:03.0", 0x10de, 0x2330, 0x0302, PCI_EXP_TYPE_ENDPOINT);
	fx_dev(x, "0000:00:03.0", NULL, 0x8086, 0x1234, 0x0604, PCI_EXP_TYPE_ROOT_PORT);
	fx_dev(x, "10000:e1:00.0", NULL, 0x8086, 0x1234, 0x0108, FX_CONVENTIONAL);
	fx_run(x);
	EXPECT(!strcmp(x->m.devs[0].bdf, "0000:00:03.0"));
	EXPECT(!strcmp(x->m.devs[2].bdf, "10000:e1:00.0"));
	d = fx_get(x, "0000:05:00.0");
	EXPECT_INT(d->parent, 0);
	EXPECT_INT(d->path_len, 1);
	EXPECT_INT(x->m.devs[0].nchildren, 1);
	EXPECT_INT(x->m.devs[2].caps.pcie_type, -1);
	EXPECT_INT(x->m.devs[2].cfg_len, 256);
	fx_free(x);
}
