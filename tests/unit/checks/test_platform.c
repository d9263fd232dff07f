// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * platform.lockdown, platform.secureboot, platform.dma_protection,
 * platform.taint (src/check/platform.c): the platform posture, by what the
 * model read (m->plat, source/posture.c). Each is off by default.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"

/* The model read @pf (err 0) or failed with @err. */
static void plat_read(struct platform_file *pf, int err, const char *why)
{
	pf->read = true;
	pf->err = err;
	snprintf(pf->why, sizeof(pf->why), "%s", why);
}

/* A model and @policy, with the lockdown level @level read. */
static struct fx *lockdown_fx(const char *policy, const char *level)
{
	struct fx *x = fx_new();

	fx_policy(x, policy);
	plat_read(&x->m.plat.lockdown, 0, "");
	snprintf(x->m.plat.lockdown_level, sizeof(x->m.plat.lockdown_level), "%s", level);
	return x;
}

TEST(platform_checks_skip_by_default)
{
	struct fx *x = fx_new();

	fx_run(x);
	fx_expect(x, "platform.lockdown", NULL, NULL, ST_SKIP, DETERMINED);
	fx_expect(x, "platform.secureboot", NULL, NULL, ST_SKIP, DETERMINED);
	fx_expect(x, "platform.dma_protection", NULL, NULL, ST_SKIP, DETERMINED);
	fx_expect(x, "platform.taint", NULL, NULL, ST_SKIP, DETERMINED);
	fx_free(x);
}

TEST(platform_lockdown_at_or_above_passes)
{
	struct fx *x = lockdown_fx("[platform]\nrequire_lockdown = integrity\n", "confidentiality");
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.lockdown", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "confidentiality");
	fx_free(x);
}

TEST(platform_lockdown_below_fails)
{
	struct fx *x = lockdown_fx("[platform]\nrequire_lockdown = confidentiality\n", "integrity");
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.lockdown", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->expected, "lockdown confidentiality or stronger");
	EXPECT_TEXT(f->message, "lockdown=confidentiality");
	fx_free(x);
}

TEST(platform_lockdown_unreadable_is_undetermined)
{
	struct fx *x = lockdown_fx("[platform]\nrequire_lockdown = integrity\n", "unknown");
	const struct finding *f;

	plat_read(&x->m.plat.lockdown, -ENOENT, "cannot read the lockdown level: gone");
	fx_run(x);
	f = fx_expect(x, "platform.lockdown", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read the lockdown level");
	fx_free(x);
}

/* A model requiring Secure Boot, with SecureBoot @sb and SetupMode @setup read. */
static struct fx *sb_fx(int sb, int setup)
{
	struct fx *x = fx_new();

	fx_policy(x, "[platform]\nrequire_secureboot = yes\n");
	plat_read(&x->m.plat.secureboot, 0, "");
	x->m.plat.secureboot_on = sb;
	x->m.plat.setup_mode = setup;
	return x;
}

TEST(platform_secureboot_enabled_passes)
{
	struct fx *x = sb_fx(1, 0);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.secureboot", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "enabled");
	fx_free(x);
}

TEST(platform_secureboot_disabled_fails)
{
	struct fx *x = sb_fx(0, 0);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.secureboot", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "disabled");
	fx_free(x);
}

TEST(platform_secureboot_setup_mode_fails)
{
	struct fx *x = sb_fx(1, 1);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.secureboot", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "setup mode");
	fx_free(x);
}

TEST(platform_secureboot_legacy_bios_is_undetermined)
{
	struct fx *x = sb_fx(0, -1);
	const struct finding *f;

	plat_read(&x->m.plat.secureboot, -ENOENT, "/sys/firmware/efi: No such file or directory");
	fx_run(x);
	f = fx_expect(x, "platform.secureboot", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "/sys/firmware/efi");
	fx_free(x);
}

/* A model requiring DMA protection, with table @table's field @flags read. */
static struct fx *dma_fx(const char *table, int optin, uint32_t flags)
{
	struct fx *x = fx_new();

	fx_policy(x, "[platform]\nrequire_dma_protection = yes\n");
	plat_read(&x->m.plat.dma, 0, "");
	snprintf(x->m.plat.dma_table, sizeof(x->m.plat.dma_table), "%s", table);
	x->m.plat.dma_optin = optin;
	x->m.plat.dma_flags = flags;
	return x;
}

TEST(platform_dma_protection_opt_in_passes)
{
	struct fx *x = dma_fx("DMAR", 1, 0x05);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.dma_protection", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual,
		    "DMAR flags 0x05 (INTR_REMAP DMA_CTRL_PLATFORM_OPT_IN): DMA_CTRL_PLATFORM_OPT_IN set");
	fx_free(x);
}

TEST(platform_dma_protection_ivrs_clear_fails)
{
	struct fx *x = dma_fx("IVRS", 0, 0x00002800);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.dma_protection", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "IVRS IVinfo 0x00002800: DMA remap (bit 1) clear");
	fx_free(x);
}

TEST(platform_dma_protection_bad_table_is_undetermined)
{
	struct fx *x = dma_fx("DMAR", 0, 0);
	const struct finding *f;

	plat_read(&x->m.plat.dma, -EINVAL, "DMAR header says 200 bytes, the table has 64");
	fx_run(x);
	f = fx_expect(x, "platform.dma_protection", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "header says 200 bytes");
	fx_free(x);
}

/* A model forbidding O and E, with taint mask @mask read. */
static struct fx *taint_fx(unsigned long long mask)
{
	struct fx *x = fx_new();

	fx_policy(x, "[platform]\nforbid_taint = O unsigned_module\n");
	plat_read(&x->m.plat.taint, 0, "");
	x->m.plat.taint_mask = mask;
	return x;
}

TEST(platform_taint_other_flags_pass)
{
	struct fx *x = taint_fx(1u << 0 | 1u << 9); /* P W */
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.taint", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->expected, "none of O E");
	EXPECT_TEXT(f->actual, "513");
	fx_free(x);
}

TEST(platform_taint_names_each_forbidden_flag)
{
	struct fx *x = taint_fx(1u << 12 | 1u << 13);

	fx_run(x);
	EXPECT_INT(fx_count(x, "platform.taint"), 2);
	fx_free(x);
}

TEST(platform_taint_forbidden_flag_fails)
{
	struct fx *x = taint_fx(1u << 13);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "platform.taint", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "E (unsigned_module, bit 13)");
	EXPECT_INT(fx_count(x, "platform.taint"), 1);
	fx_free(x);
}

TEST(platform_taint_unreadable_is_undetermined)
{
	struct fx *x = taint_fx(0);

	plat_read(&x->m.plat.taint, -EACCES, "cannot read /proc/sys/kernel/tainted: Permission denied");
	fx_run(x);
	fx_expect(x, "platform.taint", NULL, NULL, ST_FAIL, UNDETERMINED);
	fx_free(x);
}
