// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * baseline.topology and baseline.rom (src/check/blcheck.c): the host still
 * looks like the baseline file of the policy.
 *
 * baseline_collect() still reads some sysfs attributes itself (subsystem
 * IDs, revision, link speed of protected functions and their ports, the
 * ROM): under the runner's empty sysroot those are absent, so a protected
 * function's topology is undetermined and every ROM reads as "none". The
 * topology tests therefore pin the lines taken from the model alone.
 */
#include "fixture.h"

#define NVSWITCH      "0000:9a:00.0"
#define NVSWITCH_LINE "nvidia " NVSWITCH " vendor=10de device=22a3 class=0680\n"
#define HASH	      "4cf745d6a1d1c77e6beecb307258bf8451490703a3e77cd4af901763035959cf"

/* A host with one unprotected NVSwitch and the baseline @text. */
static struct fx *nvswitch_host(const char *text)
{
	struct fx *x = fx_new();

	fx_dev(x, NVSWITCH, NULL, 0x10de, 0x22a3, 0x0680, PCI_EXP_TYPE_ENDPOINT);
	fx_baseline(x, text);
	fx_run(x);
	return x;
}

/* The usual host (a protected GPU and its audio) and the baseline @text. */
static struct fx *gpu_host(const char *text)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_baseline(x, text);
	fx_run(x);
	return x;
}

TEST(baseline_none_configured_skips)
{
	struct fx *x = fx_new();

	fx_run(x);
	fx_expect(x, "baseline.topology", NULL, NULL, ST_SKIP, DETERMINED);
	fx_expect(x, "baseline.rom", NULL, NULL, ST_SKIP, DETERMINED);
	fx_free(x);
}

TEST(baseline_topology_match_passes)
{
	struct fx *x = nvswitch_host("# gpugate baseline, format 1\n" NVSWITCH_LINE);
	const struct finding *f =
	    fx_expect(x, "baseline.topology", NULL, NULL, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->actual, "1 lines match");
	fx_free(x);
}

TEST(baseline_topology_changed_fails)
{
	struct fx *x = nvswitch_host("nvidia " NVSWITCH " vendor=10de device=22a4 class=0680\n");
	const struct finding *f =
	    fx_expect(x, "baseline.topology", NVSWITCH, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->expected, "device=22a4");
	EXPECT_TEXT(f->actual, "device=22a3");
	EXPECT_TEXT(f->message, "changed:");
	fx_free(x);
}

TEST(baseline_topology_missing_and_added_fail)
{
	struct fx *x = nvswitch_host("nvidia 0000:9b:00.0 vendor=10de device=22a3 class=0680\n");

	EXPECT_TEXT(
	    fx_expect(x, "baseline.topology", "0000:9b:00.0", NULL, ST_FAIL, DETERMINED)->message,
	    "missing:");
	EXPECT_TEXT(fx_expect(x, "baseline.topology", NVSWITCH, NULL, ST_FAIL, DETERMINED)->message,
		    "added:");
	fx_free(x);
}

TEST(baseline_file_malformed_is_undetermined)
{
	struct fx *x = nvswitch_host("nvidia " NVSWITCH " vendor=10de\nbogus line\n");
	const struct finding *f =
	    fx_expect(x, "baseline.topology", NULL, NULL, ST_FAIL, UNDETERMINED);

	EXPECT_TEXT(f->message, "cannot use the baseline");
	f = fx_expect(x, "baseline.rom", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot use the baseline");
	fx_free(x);
}

/* The subsystem IDs of a protected function are read from sysfs: absent here. */
TEST(baseline_topology_host_unreadable_is_undetermined)
{
	struct fx *x = gpu_host("rom " FX_GPU " none\nrom " FX_AUDIO " none\n");
	const struct finding *f =
	    fx_expect(x, "baseline.topology", NULL, NULL, ST_FAIL, UNDETERMINED);

	EXPECT_TEXT(f->message, "cannot read what the baseline pins");
	fx_free(x);
}

TEST(baseline_rom_match_passes)
{
	struct fx *x = gpu_host("rom " FX_GPU " none\nrom " FX_AUDIO " none\n");
	const struct finding *f = fx_expect(x, "baseline.rom", FX_GPU, NULL, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->message, "no ROM, as in the baseline");
	fx_expect(x, "baseline.rom", FX_AUDIO, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

TEST(baseline_rom_nothing_to_pin_passes)
{
	struct fx *x = nvswitch_host(NVSWITCH_LINE);
	const struct finding *f = fx_expect(x, "baseline.rom", NULL, NULL, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->message, "no protected function and no ROM");
	fx_free(x);
}

TEST(baseline_rom_differs_fails)
{
	struct fx *x = gpu_host("rom " FX_GPU " sha256=" HASH "\nrom " FX_AUDIO " none\n");
	const struct finding *f = fx_expect(x, "baseline.rom", FX_GPU, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->expected, "sha256=" HASH);
	EXPECT_TEXT(f->actual, "none");
	fx_free(x);
}

TEST(baseline_rom_unpinned_or_gone_fails)
{
	struct fx *x = gpu_host("rom " FX_GPU " none\nrom 0000:42:00.0 none\n");

	EXPECT_TEXT(fx_expect(x, "baseline.rom", FX_AUDIO, NULL, ST_FAIL, DETERMINED)->message,
		    "has no ROM line");
	EXPECT_TEXT(fx_expect(x, "baseline.rom", "0000:42:00.0", NULL, ST_FAIL, DETERMINED)->actual,
		    "not a protected function");
	fx_free(x);
}
