// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iommu.active, iommu.domain, iommu.irq_remap (src/check/iommu.c): DMA
 * remapping is on, strict, and remaps interrupts, by what the model read
 * (/sys/class/iommu, the groups' type files, /proc/interrupts).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "live.h"

/* The GPU's group has default domain type @type. */
static void gpu_type(struct fx *x, const char *type)
{
	struct pdev_live *l = fx_live(fx_get(x, FX_GPU));

	snprintf(l->type, sizeof(l->type), "%s", type);
}

TEST(iommu_active_passes)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "iommu.active", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "dmar0");
	EXPECT_INT(fx_count(x, "iommu.active"), 1); /* both functions are in a group */
	fx_free(x);
}

TEST(iommu_active_without_iommu_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	x->m.iommus[0] = '\0';
	fx_run(x);
	f = fx_expect(x, "iommu.active", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "none");
	EXPECT_TEXT(f->message, "/sys/class/iommu is empty");
	fx_free(x);
}

/* A protected function outside every IOMMU fails on its own. */
TEST(iommu_active_function_without_group_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_get(x, FX_AUDIO)->group = -1;
	fx_run(x);
	fx_expect(x, "iommu.active", NULL, NULL, ST_PASS, DETERMINED);
	f = fx_expect(x, "iommu.active", FX_AUDIO, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "no iommu_group link");
	EXPECT_INT(fx_count(x, "iommu.active"), 2);
	fx_free(x);
}

TEST(iommu_active_unlisted_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	x->m.iommu_err = -EACCES;
	fx_run(x);
	f = fx_expect(x, "iommu.active", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot list /sys/class/iommu");
	fx_free(x);
}

TEST(iommu_domain_dma_passes)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "group 12 type DMA");
	EXPECT_TEXT(f->expected, "DMA");
	fx_expect(x, "iommu.domain", FX_AUDIO, NULL, ST_PASS, DETERMINED);
	EXPECT_INT(fx_count(x, "iommu.domain"), 2); /* the NIC is not protected */
	fx_free(x);
}

/* Lazy invalidation fails under require_strict, and passes without it. */
TEST(iommu_domain_lazy_fails_when_strict_is_required)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	gpu_type(x, "DMA-FQ");
	fx_run(x);
	f = fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "iommu.strict=1");
	fx_free(x);

	x = fx_live_new("[iommu]\nrequire_strict = no\n");
	gpu_type(x, "DMA-FQ");
	fx_run(x);
	f = fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->expected, "DMA or DMA-FQ");
	fx_free(x);
}

/* An identity domain fails under forbid_identity, else it warns. */
TEST(iommu_domain_identity_fails_or_warns)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	gpu_type(x, "identity");
	fx_run(x);
	f = fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "identity-mapped");
	fx_free(x);

	x = fx_live_new("[iommu]\nforbid_identity = no\n");
	gpu_type(x, "identity");
	fx_run(x);
	fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_WARN, DETERMINED);
	fx_free(x);
}

/* A type the kernel may add later is no translating domain. */
TEST(iommu_domain_unknown_type_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	gpu_type(x, "blocked");
	fx_run(x);
	f = fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "default domain type 'blocked'");
	fx_free(x);
}

TEST(iommu_domain_without_group_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_get(x, FX_GPU)->group = -1;
	fx_run(x);
	f = fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "no IOMMU group");
	fx_free(x);
}

TEST(iommu_domain_unreadable_type_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_live(fx_get(x, FX_GPU))->type_err = -EIO;
	fx_run(x);
	f = fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read /sys/kernel/iommu_groups/12/type: ");
	EXPECT_TEXT(f->message, strerror(EIO));
	fx_free(x);
}

/* A protected function the state hook found no memory for is not passed. */
TEST(iommu_domain_without_live_state_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_switch_host(x);
	fx_run(x);
	f = fx_expect(x, "iommu.domain", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, strerror(ENOMEM));
	fx_free(x);
}

TEST(iommu_irq_remap_passes)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "iommu.irq_remap", NULL, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->actual, "IR- interrupt chips");
	fx_free(x);
}

TEST(iommu_irq_remap_skips_unless_required)
{
	struct fx *x = fx_live_new("[iommu]\nrequire_irq_remapping = no\n");

	x->m.irq.remapped = false; /* the state hook did not read it */
	fx_run(x);
	fx_expect(x, "iommu.irq_remap", NULL, NULL, ST_SKIP, DETERMINED);
	fx_free(x);
}

/* One plain chip is a device outside remapping, whatever the others say. */
TEST(iommu_irq_remap_plain_chip_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	x->m.irq.plain = true;
	snprintf(x->m.irq.irq, sizeof(x->m.irq.irq), "24");
	fx_run(x);
	f = fx_expect(x, "iommu.irq_remap", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "IR- and plain interrupt chips");
	EXPECT_TEXT(f->message, "interrupt 24 in /proc/interrupts");
	fx_free(x);
}

TEST(iommu_irq_remap_no_remapped_chip_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	x->m.irq.remapped = false;
	x->m.irq.plain = true;
	fx_run(x);
	f = fx_expect(x, "iommu.irq_remap", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "no remapped interrupts");
	fx_free(x);
}

/* intremap=off fails even when /proc/interrupts could not be read. */
TEST(iommu_irq_remap_intremap_off_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_cmdline(x, "intel_iommu=on iommu.strict=1 pci=noats intremap=off", NULL);
	x->m.irq.remapped = false;
	x->m.irq.err = -ENOENT;
	fx_run(x);
	f = fx_expect(x, "iommu.irq_remap", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "intremap=off");
	fx_free(x);
}

TEST(iommu_irq_remap_unreadable_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	x->m.irq.remapped = false;
	x->m.irq.err = -EACCES;
	fx_run(x);
	f = fx_expect(x, "iommu.irq_remap", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "cannot read /proc/interrupts");
	fx_free(x);
}

/* No IO-APIC or PCI-MSI line at all: the state is unknown, not a pass. */
TEST(iommu_irq_remap_no_chip_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	x->m.irq.remapped = false;
	fx_run(x);
	f = fx_expect(x, "iommu.irq_remap", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "remapping state unknown");
	fx_free(x);
}

TEST(iommu_irq_remap_cmdline_unknown_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);

	fx_cmdline_unreadable(x, -EIO, "cannot read /proc/cmdline: Input/output error");
	fx_run(x);
	fx_expect(x, "iommu.irq_remap", NULL, NULL, ST_FAIL, UNDETERMINED);
	fx_free(x);
}
