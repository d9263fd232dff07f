// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * card.functions (src/check/card.c): no function of a protected GPU's card
 * is left to a host driver.
 */
#include <errno.h>

#include "fixture.h"

/* The usual host with a NIC function on the GPU's card, bound to @driver. */
static struct fx *card_with_nic(const char *driver)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_driver(fx_dev(x, "0000:03:00.2", FX_DOWN, 0x15b3, 0x1021, 0x0200, PCI_EXP_TYPE_ENDPOINT),
		  driver);
	fx_run(x);
	return x;
}

TEST(card_all_protected_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	f = fx_expect(x, "card.functions", FX_GPU, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "2 function(s) on the card");
	EXPECT_INT(fx_count(x, "card.functions"), 1); /* once per card */
	fx_free(x);
}

TEST(card_foreign_unbound_or_vfio_passes)
{
	struct fx *x = card_with_nic("");
	const struct finding *f = fx_expect(x, "card.functions", FX_GPU, NULL, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->message, "3 function(s) on the card");
	fx_free(x);
	x = card_with_nic("vfio-pci");
	fx_expect(x, "card.functions", FX_GPU, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

TEST(card_foreign_on_host_driver_fails)
{
	struct fx *x = card_with_nic("mlx5_core");
	const struct finding *f =
	    fx_expect(x, "card.functions", FX_GPU, "0000:03:00.2", ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "class 0200 bound to mlx5_core");
	EXPECT_TEXT(f->expected, "unbound or bound to vfio-pci");
	EXPECT_INT(fx_count(x, "card.functions"), 1);
	fx_free(x);
}

/* On a root bus a card is one slot: another slot's function is no part of it. */
TEST(card_on_root_bus_is_the_slot)
{
	struct fx *x = fx_new();

	fx_dev(x, "0000:00:02.0", NULL, 0x10de, 0x2330, 0x0302, PCI_EXP_TYPE_ROOT_INT_EP);
	fx_driver(fx_dev(x, "0000:00:02.1", NULL, 0x8086, 0x1234, 0x0200, PCI_EXP_TYPE_ROOT_INT_EP),
		  "e1000e");
	fx_driver(fx_dev(x, "0000:00:03.0", NULL, 0x8086, 0x1234, 0x0200, PCI_EXP_TYPE_ROOT_INT_EP),
		  "e1000e");
	fx_run(x);
	fx_expect(x, "card.functions", "0000:00:02.0", "0000:00:02.1", ST_FAIL, DETERMINED);
	EXPECT_INT(fx_count(x, "card.functions"), 1);
	fx_free(x);
}

TEST(card_foreign_driver_unreadable_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_driver_unreadable(
	    fx_dev(x, "0000:03:00.2", FX_DOWN, 0x15b3, 0x1021, 0x0200, PCI_EXP_TYPE_ENDPOINT),
	    -EACCES);
	fx_run(x);
	f = fx_expect(x, "card.functions", FX_GPU, "0000:03:00.2", ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read the driver link of 0000:03:00.2");
	fx_free(x);
}
