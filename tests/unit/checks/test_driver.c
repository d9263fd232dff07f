// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * driver.host (src/check/driver.c): no host GPU driver is loaded, and none
 * can be loaded for a protected function without a blacklist; by what the
 * model read (/sys/module/NAME, the modalias lookups).
 */
#include <errno.h>
#include <stdio.h>

#include "live.h"

TEST(driver_host_passes)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_modalias_hit(fx_get(x, FX_GPU), "nouveau", true);	      /* blacklisted */
	fx_modalias_hit(fx_get(x, FX_AUDIO), "snd_hda_intel", false); /* no host GPU driver */
	fx_run(x);
	f = fx_expect(x, "driver.host", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "no host GPU driver loaded or loadable");
	EXPECT_INT(fx_count(x, "driver.host"), 1);
	fx_free(x);
}

TEST(driver_host_loaded_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_host_module(x, "nvidia", 0);
	fx_run(x);
	f = fx_expect(x, "driver.host", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "nvidia loaded");
	EXPECT_TEXT(f->expected, "nvidia not loaded");
	fx_free(x);
}

/* A policy name with '-' is looked up and named as /sys/module has it. */
TEST(driver_host_loaded_name_with_dash_fails)
{
	struct fx *x = fx_live_new("[binding]\nhost_drivers = nvidia-drm\n");
	const struct finding *f;

	fx_host_module(x, "nvidia_drm", 0);
	fx_run(x);
	f = fx_expect(x, "driver.host", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "nvidia_drm loaded");
	fx_free(x);
}

TEST(driver_host_loadable_fails_or_warns)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_modalias_hit(fx_get(x, FX_GPU), "nvidia", false);
	fx_run(x);
	f = fx_expect(x, "driver.host", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "modalias resolves to nvidia");
	EXPECT_INT(fx_count(x, "driver.host"), 1); /* no pass beside a failure */
	fx_free(x);

	x = fx_live_new("[binding]\nrequire_blacklisted = no\n");
	fx_modalias_hit(fx_get(x, FX_GPU), "nvidia", false);
	fx_run(x);
	fx_expect(x, "driver.host", FX_GPU, NULL, ST_WARN, DETERMINED);
	fx_free(x);
}

TEST(driver_host_unknown_module_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_host_module(x, "nouveau", -EACCES);
	fx_run(x);
	f = fx_expect(x, "driver.host", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(
	    f->message,
	    "cannot tell whether host GPU driver nouveau is loaded: /sys/module/nouveau: Permission denied");
	fx_free(x);
}

/* The lookup's own reason (modalias unreadable, index missing) is kept. */
TEST(driver_host_failed_lookup_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);
	struct pdev_live *l = fx_live(fx_get(x, FX_GPU));
	const struct finding *f;

	l->nmods = -ENOENT;
	snprintf(l->mods_why, sizeof(l->mods_why), "module index unavailable");
	fx_run(x);
	f = fx_expect(x, "driver.host", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "module index unavailable");
	fx_free(x);
}

TEST(driver_host_without_live_state_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	f = fx_expect(x, "driver.host", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "out of memory");
	fx_free(x);
}
