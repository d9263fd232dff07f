// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * baseline.topology and baseline.rom (src/check/blcheck.c): the host still
 * looks like the baseline file of the policy.
 *
 * The checks compare the file with the host's side in the model (m->bl).
 * The NVSwitch tests let fx_run() collect that side from the model (the
 * lines of unprotected functions need nothing else); the GPU tests set the
 * protected functions' collected topology and ROMs by hand (fx_bl_host).
 */
#include <errno.h>
#include <stdio.h>

#include "fixture.h"

#define NVSWITCH      "0000:9a:00.0"
#define NVSWITCH_LINE "nvidia " NVSWITCH " vendor=10de device=22a3 class=0680\n"
#define HASH	      "4cf745d6a1d1c77e6beecb307258bf8451490703a3e77cd4af901763035959cf"
#define HASH2	      "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

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

#define GPU_LINE                                                                                   \
	"device " FX_GPU " vendor=10de device=2330 subvendor=10de subdevice=16c1 revision=a1 "     \
	"class=0302 link=32.0GT/s,x16\n"
#define GPU_PORT_LINE                                                                              \
	"port " FX_GPU " " FX_ROOT " vendor=8086 device=352a revision=04 type=root-port "          \
	"link=32.0GT/s,x16\n"

/* The usual host; the file @file; the collected topology @topo, ROMs @roms (NULL: collect). */
static struct fx *gpu_host_with(const char *file, const char *topo, const char *roms)
{
	struct fx *x = fx_new();

	fx_switch_host(x);
	fx_baseline(x, file);
	if (topo)
		fx_bl_host(x, BL_TOPOLOGY, topo);
	if (roms)
		fx_bl_host(x, BL_ROMS, roms);
	fx_run(x);
	return x;
}

/* The GPU's ROM line in the file is @want, collected it is @have. */
static struct fx *gpu_rom(const char *want, const char *have)
{
	char file[256], host[256];

	snprintf(file, sizeof(file), "rom " FX_GPU " %s\nrom " FX_AUDIO " none\n", want);
	snprintf(host, sizeof(host), "rom " FX_GPU " %s\nrom " FX_AUDIO " none\n", have);
	return gpu_host_with(file, NULL, host);
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

TEST(baseline_topology_protected_match_passes)
{
	struct fx *x = gpu_host_with(GPU_LINE GPU_PORT_LINE, GPU_LINE GPU_PORT_LINE, NULL);
	const struct finding *f =
	    fx_expect(x, "baseline.topology", NULL, NULL, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->actual, "2 lines match");
	fx_free(x);
}

TEST(baseline_topology_protected_link_changed_fails)
{
	struct fx *x = gpu_host_with(
	    GPU_LINE GPU_PORT_LINE,
	    "device " FX_GPU " vendor=10de device=2330 subvendor=10de subdevice=16c1 revision=a1 "
	    "class=0302 link=8.0GT/s,x16\n" GPU_PORT_LINE,
	    NULL);
	const struct finding *f =
	    fx_expect(x, "baseline.topology", FX_GPU, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->expected, "link=32.0GT/s,x16");
	EXPECT_TEXT(f->actual, "link=8.0GT/s,x16");
	EXPECT_TEXT(f->message, "protected function " FX_GPU " (10de:2330)");
	fx_free(x);
}

TEST(baseline_topology_port_gone_fails)
{
	struct fx *x = gpu_host_with(GPU_LINE GPU_PORT_LINE, GPU_LINE, NULL);
	const struct finding *f =
	    fx_expect(x, "baseline.topology", FX_GPU, FX_ROOT, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "absent");
	EXPECT_TEXT(f->message, "missing: port " FX_ROOT);
	fx_free(x);
}

TEST(baseline_topology_collect_error_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_baseline(x, GPU_LINE "rom " FX_GPU " none\nrom " FX_AUDIO " none\n");
	fx_bl_host_unreadable(x, BL_TOPOLOGY, -EIO,
			      FX_GPU ": cannot read current_link_speed: I/O error");
	fx_run(x);
	f = fx_expect(x, "baseline.topology", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read current_link_speed");
	/* The ROMs are collected on their own: the ROM check still compares. */
	fx_expect(x, "baseline.rom", FX_GPU, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

/* The GPU's ROM is @want in the file, @have collected: one @st finding saying @msg. */
static void rom_case(int line, const char *want, const char *have, enum status st,
		     bool undetermined, const char *msg)
{
	struct fx *x = gpu_rom(want, have);
	const struct finding *f =
	    fx_expect_at(__FILE__, line, x, "baseline.rom", FX_GPU, NULL, st, undetermined);

	if (!strstr(f->message, msg))
		fx_fail(__FILE__, line, "message '%s' lacks '%s'", f->message, msg);
	fx_free(x);
}

TEST(baseline_rom_hash_match_passes)
{
	rom_case(__LINE__, "sha256=" HASH, "sha256=" HASH, ST_PASS, DETERMINED,
		 "ROM image matches the baseline");
}

TEST(baseline_rom_hash_mismatch_fails)
{
	rom_case(__LINE__, "sha256=" HASH, "sha256=" HASH2, ST_FAIL, DETERMINED,
		 "changed since the baseline");
}

TEST(baseline_rom_shadow_fails)
{
	rom_case(__LINE__, "sha256=" HASH, "shadow", ST_FAIL, DETERMINED, "boot VGA device");
}

TEST(baseline_rom_skipped_fails)
{
	rom_case(__LINE__, "sha256=" HASH, "skipped (bound to nouveau)", ST_FAIL, DETERMINED,
		 "bound to nouveau, not vfio-pci");
}

TEST(baseline_rom_busy_warns)
{
	rom_case(__LINE__, "sha256=" HASH, "skipped (in use)", ST_WARN, DETERMINED,
		 "the function is in use");
}

TEST(baseline_rom_none_now_fails)
{
	rom_case(__LINE__, "sha256=" HASH, "none", ST_FAIL, DETERMINED, "is none now");
}

TEST(baseline_rom_unreadable_is_undetermined)
{
	rom_case(__LINE__, "sha256=" HASH, "unreadable (Input/output error)", ST_FAIL, UNDETERMINED,
		 "cannot read the ROM of " FX_GPU ": Input/output error");
}

TEST(baseline_rom_collect_error_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_baseline(x, "rom " FX_GPU " none\nrom " FX_AUDIO " none\n");
	fx_bl_host_unreadable(x, BL_ROMS, -ENOMEM, "out of memory");
	fx_run(x);
	f = fx_expect(x, "baseline.rom", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read what the baseline pins: out of memory");
	fx_free(x);
}
