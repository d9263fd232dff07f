// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acs.path and acs.peers (src/check/acs.c): ACS on every port between a
 * protected card and the root complex, and on every port beside them.
 */
#include <errno.h>

#include "fixture.h"

#define ALL_ACS (FX_ACS_REQUIRED | FX_ACS_DT)

/* The usual host with the ACS capability and control of @bdf changed. */
static struct fx *host_with_acs(const char *bdf, uint16_t cap, uint16_t ctl)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_acs(x, fx_get(x, bdf), cap, ctl);
	fx_run(x);
	return x;
}

TEST(acs_path_ports_as_required_pass)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	f = fx_expect(x, "acs.path", FX_GPU, FX_ROOT, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "ctl 0x001f");
	EXPECT_TEXT(f->expected, "SV TB RR CR UF set, DT clear");
	fx_expect(x, "acs.path", FX_GPU, FX_DOWN, ST_PASS, DETERMINED);
	/* The upstream port is no place for ACS; the card is checked once. */
	EXPECT_INT(fx_count(x, "acs.path"), 2);
	fx_free(x);
}

TEST(acs_path_missing_control_fails)
{
	struct fx *x = host_with_acs(FX_DOWN, ALL_ACS, FX_ACS_REQUIRED & ~PCI_ACS_CTRL_REQ_RED);
	const struct finding *f = fx_expect(x, "acs.path", FX_GPU, FX_DOWN, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "missing RR");
	EXPECT_TEXT(f->message, "gpugate enforce");
	fx_free(x);
}

TEST(acs_path_direct_translated_fails)
{
	struct fx *x = host_with_acs(FX_ROOT, ALL_ACS, ALL_ACS);
	const struct finding *f = fx_expect(x, "acs.path", FX_GPU, FX_ROOT, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "set DT");
	fx_free(x);
}

TEST(acs_path_no_capability_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_dev(x, "0000:05:00.0", NULL, 0x8086, 0x1234, 0x0604, PCI_EXP_TYPE_ROOT_PORT);
	fx_dev(x, "0000:06:00.0", "0000:05:00.0", 0x10de, 0x2330, 0x0302, PCI_EXP_TYPE_ENDPOINT);
	fx_group(x, 20, "0000:06:00.0", NULL);
	fx_run(x);
	f = fx_expect(x, "acs.path", "0000:06:00.0", "0000:05:00.0", ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "no ACS capability");
	fx_free(x);
}

/* A Root Port need not implement RR, CR, UF; a Downstream Port must. */
TEST(acs_path_unimplemented_optional_warns)
{
	uint16_t cap = PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_BLOCK;
	struct fx *x = host_with_acs(FX_ROOT, cap, cap);
	const struct finding *f = fx_expect(x, "acs.path", FX_GPU, FX_ROOT, ST_WARN, DETERMINED);

	EXPECT_TEXT(f->actual, "RR CR UF not implemented");
	fx_free(x);
	x = host_with_acs(FX_DOWN, cap, cap);
	f = fx_expect(x, "acs.path", FX_GPU, FX_DOWN, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "which PCIe requires");
	fx_free(x);
}

TEST(acs_path_conventional_bridge_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_dev(x, "0000:00:1e.0", NULL, 0x8086, 0x244e, 0x0604, PCI_EXP_TYPE_PCI_BRIDGE);
	fx_dev(x, "0000:05:00.0", "0000:00:1e.0", 0x10de, 0x1b06, 0x0300, FX_CONVENTIONAL);
	fx_group(x, 3, "0000:00:1e.0", "0000:05:00.0", NULL);
	fx_run(x);
	f = fx_expect(x, "acs.path", "0000:05:00.0", "0000:00:1e.0", ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "cannot be isolated");
	fx_free(x);
}

TEST(acs_path_vmd_domain_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_dev(x, "10000:e0:01.0", NULL, 0x8086, 0x352a, 0x0604, PCI_EXP_TYPE_ROOT_PORT);
	fx_acs(x, fx_get(x, "10000:e0:01.0"), ALL_ACS, FX_ACS_REQUIRED);
	fx_dev(x, "10000:e1:00.0", "10000:e0:01.0", 0x10de, 0x2330, 0x0302, PCI_EXP_TYPE_ENDPOINT);
	fx_run(x);
	f = fx_expect(x, "acs.path", "10000:e1:00.0", NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "PCI domain 10000");
	fx_free(x);
}

TEST(acs_path_integrated_endpoint_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_dev(x, "0000:00:02.0", NULL, 0x10de, 0x2330, 0x0302, PCI_EXP_TYPE_ROOT_INT_EP);
	fx_run(x);
	f = fx_expect(x, "acs.path", "0000:00:02.0", NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "integrated endpoint");
	fx_free(x);
}

TEST(acs_path_port_unreadable_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_cfg_unreadable(x, fx_get(x, FX_DOWN), -EIO, "read error");
	fx_run(x);
	f = fx_expect(x, "acs.path", FX_GPU, FX_DOWN, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read config space of " FX_DOWN ": read error");
	fx_free(x);
}

TEST(acs_path_place_unknown_is_undetermined)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_path_unknown(fx_get(x, FX_GPU), -ELOOP, "");
	fx_run(x);
	fx_expect(x, "acs.path", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	fx_free(x);
}

TEST(acs_peers_as_required_pass)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	/* The other downstream port has the NIC below it: a peer. */
	f = fx_expect(x, "acs.peers", FX_GPU, FX_DOWN2, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "peer");
	EXPECT_INT(fx_count(x, "acs.peers"), 1);
	fx_free(x);
}

TEST(acs_peers_none_passes)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_dev(x, "0000:00:01.0", NULL, 0x8086, 0x352a, 0x0604, PCI_EXP_TYPE_ROOT_PORT);
	fx_acs(x, fx_get(x, "0000:00:01.0"), ALL_ACS, FX_ACS_REQUIRED);
	fx_dev(x, "0000:00:02.0", NULL, 0x8086, 0x352b, 0x0604, PCI_EXP_TYPE_ROOT_PORT);
	fx_dev(x, "0000:01:00.0", "0000:00:01.0", 0x10de, 0x2330, 0x0302, PCI_EXP_TYPE_ENDPOINT);
	fx_run(x);
	/* 00:02.0 has nothing below it: no peer, whatever its ACS. */
	f = fx_expect(x, "acs.peers", "0000:01:00.0", NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "no peer port");
	fx_free(x);
}

TEST(acs_peers_port_without_redirect_fails)
{
	struct fx *x = host_with_acs(FX_DOWN2, ALL_ACS, PCI_ACS_CTRL_VALID);
	const struct finding *f = fx_expect(x, "acs.peers", FX_GPU, FX_DOWN2, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "missing TB RR CR UF");
	fx_free(x);
}

/* A foreign function of the card needs the multifunction bits only. */
TEST(acs_peers_foreign_function_on_the_card)
{
	struct fx *x = fx_new();
	struct pdev *nic;
	const struct finding *f;

	fx_switch_host(x);
	nic = fx_dev(x, "0000:03:00.2", FX_DOWN, 0x15b3, 0x1021, 0x0200, PCI_EXP_TYPE_ENDPOINT);
	fx_acs(x, nic, PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED,
	       PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED);
	fx_run(x);
	fx_expect(x, "acs.peers", FX_GPU, "0000:03:00.2", ST_PASS, DETERMINED);
	fx_free(x);

	x = fx_new();
	fx_switch_host(x);
	fx_dev(x, "0000:03:00.2", FX_DOWN, 0x15b3, 0x1021, 0x0200, PCI_EXP_TYPE_ENDPOINT);
	fx_run(x);
	f = fx_expect(x, "acs.peers", FX_GPU, "0000:03:00.2", ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "foreign function on the card");
	fx_free(x);
}

TEST(acs_peers_unknown_place_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_path_unknown(fx_get(x, FX_NIC), -ENOENT, "");
	fx_run(x);
	f = fx_expect(x, "acs.peers", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot resolve where " FX_NIC " sits");
	fx_free(x);
}

TEST(acs_peers_path_port_unreadable_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_cfg_unreadable(x, fx_get(x, FX_DOWN), -EIO, "read error");
	fx_run(x);
	f = fx_expect(x, "acs.peers", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "see acs.path");
	fx_free(x);
}
