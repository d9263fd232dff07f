// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bar.assigned (src/check/bar.c): every implemented BAR of a protected
 * function has a resource, by the BAR registers and the lines of sysfs
 * `resource` the model read ([devices] require_bars).
 */
#include <errno.h>
#include <stdio.h>

#include "live.h"

#define P_BARS "[devices]\nrequire_bars = yes\n"

/* The sysfs `resource` flags of a 64-bit prefetchable and a 32-bit BAR. */
#define RES_PREF64	 0x0014220cull
#define RES_MEM32	 0x00040200ull
#define IORESOURCE_UNSET 0x20000000ull

static void bar_reg(struct pdev *d, int idx, uint32_t val)
{
	for (int i = 0; i < 4; i++)
		fx_cfg_poke(d, 0x10 + 4 * idx + i, (uint8_t)(val >> (8 * i)));
}

static void bar_res(struct pdev *d, int idx, uint64_t start, uint64_t size, uint64_t flags)
{
	struct pdev_res *r = &fx_live(d)->res[idx];

	r->start = start;
	r->end = size ? start + size - 1 : 0;
	r->flags = flags;
}

/*
 * An H100's BARs: BAR0 16M 32-bit, BAR1 128G and BAR3 32M 64-bit
 * prefetchable (BAR2 and BAR4 their upper halves), all assigned.
 */
static struct pdev *h100_bars(struct fx *x)
{
	struct pdev *gpu = fx_get(x, FX_GPU);

	bar_reg(gpu, 0, 0x90000000);
	bar_res(gpu, 0, 0x90000000, 16ull << 20, RES_MEM32);
	bar_reg(gpu, 1, 0x0000000c);
	bar_reg(gpu, 2, 0x00002000);
	bar_res(gpu, 1, 0x200000000000ull, 128ull << 30, RES_PREF64);
	bar_reg(gpu, 3, 0x0000000c);
	bar_reg(gpu, 4, 0x00002020);
	bar_res(gpu, 3, 0x202000000000ull, 32ull << 20, RES_PREF64);
	return gpu;
}

TEST(bar_all_assigned_passes)
{
	struct fx *x = fx_live_new(P_BARS);
	const struct finding *f;

	h100_bars(x);
	fx_run(x);
	f = fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "3 implemented BARs assigned");
	f = fx_expect(x, "bar.assigned", FX_AUDIO, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "0 implemented BARs assigned");
	EXPECT_INT(fx_count(x, "bar.assigned"), 2);
	fx_free(x);
}

/* pci_assign_resource() failed and reset_resource() zeroed it: 0 0 0. */
TEST(bar_reset_to_zero_pref64_fails)
{
	struct fx *x = fx_live_new(P_BARS);
	const struct finding *f;

	bar_res(h100_bars(x), 1, 0, 0, 0);
	fx_run(x);
	f = fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "unassigned: BAR 1 (64-bit, prefetchable, size unknown)");
	EXPECT_TEXT(f->message, "Above 4G decoding");
	fx_free(x);
}

/* Sized but never placed: start 0, end size - 1, IORESOURCE_UNSET. */
TEST(bar_unset_pref64_fails_with_size)
{
	struct fx *x = fx_live_new(P_BARS);
	const struct finding *f;

	bar_res(h100_bars(x), 1, 0, 128ull << 30, RES_PREF64 | IORESOURCE_UNSET);
	fx_run(x);
	f = fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "unassigned: BAR 1 (64-bit, prefetchable, 128G)");
	fx_free(x);
}

/* An I/O BAR reset to 0 0 0: the register's I/O bit says it exists. */
TEST(bar_reset_io_fails_and_lists_every_bar)
{
	struct fx *x = fx_live_new(P_BARS);
	struct pdev *gpu = h100_bars(x);
	const struct finding *f;

	bar_res(gpu, 0, 0, 0, 0);
	bar_reg(gpu, 5, 0x00000001);
	fx_run(x);
	f = fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "BAR 0 (32-bit, size unknown), BAR 5 (I/O, size unknown)");
	EXPECT_TEXT(f->message,
		    "BAR 0 (32-bit, size unknown), BAR 5 (I/O, size unknown) unassigned");
	fx_free(x);
}

/* The upper half of a 64-bit BAR has no resource of its own. */
TEST(bar_upper_half_is_not_a_bar)
{
	struct fx *x = fx_live_new(P_BARS);
	struct pdev *gpu = h100_bars(x);

	bar_reg(gpu, 2, 0xffffffff);
	fx_run(x);
	fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

TEST(bar_resource_unreadable_is_undetermined)
{
	struct fx *x = fx_live_new(P_BARS);
	struct pdev_live *l = fx_live(fx_get(x, FX_GPU));
	const struct finding *f;

	l->res_err = -EACCES;
	snprintf(l->res_why, sizeof(l->res_why), "cannot read resource: Permission denied");
	fx_run(x);
	f = fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read resource");
	fx_free(x);
}

TEST(bar_resource_not_read_is_undetermined)
{
	struct fx *x = fx_live_new(P_BARS);

	fx_live(fx_get(x, FX_GPU))->res_read = false;
	fx_run(x);
	fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	fx_free(x);
}

TEST(bar_config_unreadable_is_undetermined)
{
	struct fx *x = fx_live_new(P_BARS);

	fx_cfg_unreadable(x, fx_get(x, FX_GPU), -EIO, "read error");
	fx_run(x);
	fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	fx_free(x);
}

TEST(bar_not_required_skips)
{
	struct fx *x = fx_live_new(NULL);

	bar_res(h100_bars(x), 1, 0, 0, 0);
	fx_run(x);
	fx_expect(x, "bar.assigned", FX_GPU, NULL, ST_SKIP, DETERMINED);
	fx_free(x);
}
