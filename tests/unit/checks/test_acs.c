// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acs.path and acs.peers (src/check/acs.c): ACS on every port between a
 * protected card and the root complex, and on every port beside them.
 */
#include <errno.h>

#include "acsx.h"
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

/* acs.enhanced walks the same ports: undetermined there too. */
TEST(acs_path_and_enhanced_port_unreadable_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_policy(x, "[acs]\nrequire_enhanced = IB\n");
	fx_switch_host(x);
	fx_cfg_unreadable(x, fx_get(x, FX_DOWN), -EIO, "read error");
	fx_run(x);
	f = fx_expect(x, "acs.path", FX_GPU, FX_DOWN, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read config space of " FX_DOWN ": read error");
	f = fx_expect(x, "acs.enhanced", FX_GPU, FX_DOWN, ST_FAIL, UNDETERMINED);
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

/* ---- acs.enhanced: the ACS Enhanced controls on the path ports */

#define ENH_POLICY "[acs]\nrequire_enhanced = IB DSP USP URR\n"
#define ENH_ALL (ACSX_CTRL_IB | (ACSX_MT_REDIRECT << ACSX_CTRL_DSP_MT_SHIFT) |                     \
		 (ACSX_MT_REDIRECT << ACSX_CTRL_USP_MT_SHIFT) | ACSX_CTRL_URR)

/* The usual host, policy requiring all four, @bdf advertising ACS Enhanced with @ctl. */
static struct fx *host_with_enhanced(const char *bdf, uint16_t ctl, bool bar)
{
	struct fx *x = fx_new();
	struct pdev *port;

	fx_policy(x, ENH_POLICY);
	fx_switch_host(x);
	port = fx_get(x, bdf);
	fx_acs(x, port, ALL_ACS | ACSX_CAP_ENHANCED, FX_ACS_REQUIRED | ctl);
	if (bar)
		fx_cfg_poke(port, PCI_BASE_ADDRESS_0 + 3, 0xf0); /* 32-bit memory BAR at f0000000 */
	fx_run(x);
	return x;
}

/* @bdf with enhanced @ctl (and a BAR when @bar): acs.enhanced there is @st, its message has @text. */
static void expect_enhanced(const char *bdf, uint16_t ctl, bool bar, enum status st,
			    const char *text)
{
	struct fx *x = host_with_enhanced(bdf, ctl, bar);
	const struct finding *f = fx_expect(x, "acs.enhanced", FX_GPU, bdf, st, DETERMINED);

	EXPECT_TEXT(f->message, text);
	fx_free(x);
}

TEST(acs_enhanced_all_controls_on_dsp_pass)
{
	struct fx *x = host_with_enhanced(FX_DOWN, ENH_ALL, true);
	const struct finding *f = fx_expect(x, "acs.enhanced", FX_GPU, FX_DOWN, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->actual, "IB+ DSP:redirect USP:redirect URR+");
	EXPECT_TEXT(f->message, "ACS Enhanced as required");
	/* the root port does not advertise ACS Enhanced: not a failure, and said so */
	f = fx_expect(x, "acs.enhanced", FX_GPU, FX_ROOT, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "does not advertise ACS Enhanced");
	EXPECT_INT(fx_count(x, "acs.enhanced"), 2); /* not on the upstream port */
	fx_free(x);
}

TEST(acs_enhanced_missing_urr_fails)
{
	expect_enhanced(FX_DOWN, ENH_ALL & ~ACSX_CTRL_URR, true, ST_FAIL,
			"ACS Enhanced URR not as required");
	expect_enhanced(FX_DOWN, ENH_ALL & ~ACSX_CTRL_URR, true, ST_FAIL,
			"pci=config_acs= cannot carry");
}

/* 11 in a Memory Target Access field is reserved: not blocking, not redirect. */
TEST(acs_enhanced_reserved_target_access_fails)
{
	struct fx *x = host_with_enhanced(FX_DOWN, ENH_ALL | ACSX_CTRL_USP_MT, true);
	const struct finding *f = fx_expect(x, "acs.enhanced", FX_GPU, FX_DOWN, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "USP:reserved");
	EXPECT_TEXT(f->message, "ACS Enhanced USP not as required");
	fx_free(x);
}

/* Without a memory BAR of its own the DSP control has nothing to guard. */
TEST(acs_enhanced_dsp_control_without_bar_does_not_apply)
{
	uint16_t ctl = ACSX_CTRL_IB | (ACSX_MT_REDIRECT << ACSX_CTRL_USP_MT_SHIFT) | ACSX_CTRL_URR;

	expect_enhanced(FX_DOWN, ctl, false, ST_PASS, "not applicable: DSP: the port has no memory BAR");
	expect_enhanced(FX_DOWN, ctl, true, ST_FAIL, "ACS Enhanced DSP not as required");
}

/* A Root Port: IB and DSP apply, USP and URR are Switch Downstream Port controls. */
TEST(acs_enhanced_root_port_only_ib_dsp_apply)
{
	uint16_t ctl = ACSX_CTRL_IB | (ACSX_MT_BLOCK << ACSX_CTRL_DSP_MT_SHIFT);

	expect_enhanced(FX_ROOT, ctl, true, ST_PASS,
			"not applicable: USP URR only on a Switch Downstream Port");
	expect_enhanced(FX_ROOT, ctl & ~ACSX_CTRL_IB, true, ST_FAIL, "ACS Enhanced IB not as required");
}

TEST(acs_enhanced_off_by_default_skips)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_acs(x, fx_get(x, FX_DOWN), ALL_ACS | ACSX_CAP_ENHANCED, FX_ACS_REQUIRED);
	fx_run(x);
	f = fx_expect(x, "acs.enhanced", FX_GPU, NULL, ST_SKIP, DETERMINED);
	EXPECT_TEXT(f->message, "policy requires no ACS Enhanced control");
	fx_free(x);
}
