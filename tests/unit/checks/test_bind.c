// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bind.vfio (src/check/bind.c): a protected function is bound to the
 * policy's driver, its group has a VFIO group device, and driver_override
 * keeps it there; by what the model read (/sys/class/vfio/N/dev,
 * /dev/vfio/N).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "live.h"

TEST(bind_vfio_passes)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_PASS, DETERMINED);
	EXPECT_TEXT(f->message, "bound to vfio-pci, /dev/vfio/12 present");
	fx_expect(x, "bind.vfio", FX_AUDIO, NULL, ST_PASS, DETERMINED);
	EXPECT_INT(fx_count(x, "bind.vfio"), 2);
	fx_free(x);
}

/* Under --root a regular file stands in for the node. */
TEST(bind_vfio_stand_in_passes)
{
	struct fx *x = fx_live_new(NULL);

	fx_live(fx_get(x, FX_GPU))->vfio_kind = VFIO_NODE_STANDIN;
	fx_run(x);
	fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

/*
 * Bound and present, but without driver_override: the pass and a warning
 * on the same function (fx_expect() wants one finding per function).
 */
TEST(bind_vfio_without_override_warns)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *warn = NULL;

	fx_get(x, FX_GPU)->override[0] = '\0';
	fx_run(x);
	EXPECT_INT(fx_count(x, "bind.vfio"), 3);
	for (int i = 0; i < x->r.nfindings; i++)
		if (!strcmp(x->r.findings[i].id, "bind.vfio") && x->r.findings[i].status == ST_WARN)
			warn = &x->r.findings[i];
	EXPECT(warn != NULL);
	EXPECT_TEXT(warn->device, FX_GPU);
	EXPECT_TEXT(warn->actual, "driver_override=(null)");
	EXPECT(!warn->undetermined);
	fx_free(x);
}

TEST(bind_vfio_host_driver_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_driver(fx_get(x, FX_GPU), "nouveau");
	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "nouveau");
	EXPECT_TEXT(f->message, "driver_override=vfio-pci");
	fx_free(x);
}

TEST(bind_vfio_unbound_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_driver(fx_get(x, FX_GPU), "");
	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "no driver");
	EXPECT_TEXT(f->message, "function is not bound");
	fx_free(x);
}

/* The kernel has no VFIO group for it: vfio is not loaded, or no IOMMU. */
TEST(bind_vfio_without_vfio_group_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_live(fx_get(x, FX_GPU))->vfio_dev_err = -ENOENT;
	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "vfio-pci, no VFIO group device");
	EXPECT_TEXT(
	    f->message,
	    "the kernel has no VFIO group 12 (/sys/class/vfio/12/dev: No such file or directory)");
	fx_free(x);
}

TEST(bind_vfio_without_group_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_get(x, FX_GPU)->group = -1;
	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "vfio-pci, no IOMMU group");
	fx_free(x);
}

/* A node with another number, or no device node at all, is not the group's. */
TEST(bind_vfio_wrong_node_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_live(fx_get(x, FX_GPU))->node_minor = 3;
	fx_live(fx_get(x, FX_AUDIO))->vfio_kind = VFIO_NODE_OTHER;
	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "/dev/vfio/12 is character device 242:3, the VFIO group is 242:0");
	f = fx_expect(x, "bind.vfio", FX_AUDIO, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "/dev/vfio/12 is not a character device");
	fx_free(x);
}

TEST(bind_vfio_node_missing_fails)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_live(fx_get(x, FX_GPU))->vfio_node_err = -ENOENT;
	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->message, "/dev/vfio/12: No such file or directory");
	fx_free(x);
}

TEST(bind_vfio_unreadable_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);
	const struct finding *f;

	fx_live(fx_get(x, FX_GPU))->vfio_node_err = -EACCES;
	fx_live(fx_get(x, FX_AUDIO))->vfio_dev_err = -EIO;
	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "/dev/vfio/12: Permission denied");
	fx_expect(x, "bind.vfio", FX_AUDIO, NULL, ST_FAIL, UNDETERMINED);
	fx_free(x);
}

TEST(bind_vfio_malformed_dev_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);
	struct pdev_live *l;
	const struct finding *f;

	l = fx_live(fx_get(x, FX_GPU));
	l->vfio_dev_ok = false;
	snprintf(l->vfio_dev, sizeof(l->vfio_dev), "242");
	fx_run(x);
	f = fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "/sys/class/vfio/12/dev reads '242', not MAJOR:MINOR");
	fx_free(x);
}

/* What the model did not look at is never a present node. */
TEST(bind_vfio_not_read_is_undetermined)
{
	struct fx *x = fx_live_new(NULL);

	fx_live(fx_get(x, FX_GPU))->vfio_read = false;
	fx_run(x);
	fx_expect(x, "bind.vfio", FX_GPU, NULL, ST_FAIL, UNDETERMINED);
	fx_free(x);
}
