/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fixture.h - unit tests of the checks on models built by hand.
 *
 * A test builds a struct model function by function (IDs, place in the
 * tree, config space with its capabilities, IOMMU group, driver), sets the
 * kernel command line and a policy written as policy file text, runs the
 * whole check table (checks_run) and asserts the findings of one check id:
 *
 *	TEST(noats_absent_fails)
 *	{
 *		struct fx *x = fx_new();
 *		const struct finding *f;
 *
 *		fx_cmdline(x, "quiet", NULL);
 *		fx_run(x);
 *		f = fx_expect(x, "cmdline.noats", NULL, NULL, ST_FAIL, DETERMINED);
 *		EXPECT_TEXT(f->actual, "absent");
 *		fx_free(x);
 *	}
 *
 * Nothing is read from the machine: config space is set as already loaded
 * (the bytes built here, parsed by caps.c), and the runner points the
 * sysroot at an empty directory, so that what a check still reads from a
 * file finds nothing there. fx_expect() records which outcomes of which id
 * the tests asserted; `checks --covered` prints them for all-ids.py.
 */
#ifndef GPUGATE_FIXTURE_H
#define GPUGATE_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <pci/header.h>

#include "baseline.h"
#include "checks.h"
#include "gpugate.h"

/* fx_dev()'s @type for a conventional PCI function (no PCIe capability). */
#define FX_CONVENTIONAL (-1)

enum { DETERMINED = false, UNDETERMINED = true };

#define FX_MAX_DEVS 64

struct fx {
	struct model m;
	struct policy p;
	struct report r;
	struct ctx c;
	unsigned int ext[FX_MAX_DEVS];	   /* extended capabilities set (FX_EXT_*) */
	bool cfg_fixed[FX_MAX_DEVS];	   /* config space set as unreadable */
	char parent[FX_MAX_DEVS][BDF_LEN]; /* the bridge above, "" on a root bus */
	bool ran;
};

/* An empty host: no function, an empty command line, the default policy. */
struct fx *fx_new(void);
void fx_free(struct fx *x);

/*
 * Parse @text as a policy file over the defaults (it replaces what an
 * earlier call set). Call it before fx_modparam(), which looks up the
 * policy's [cmdline] forbid list.
 */
void fx_policy(struct fx *x, const char *text);

/*
 * The kernel command line @line; @bootconfig: the text of /proc/bootconfig
 * whose parameters lead the line, or NULL.
 */
void fx_cmdline(struct fx *x, const char *line, const char *bootconfig);

/* The command line could not be read: errno @err, reason @why. */
void fx_cmdline_unreadable(struct fx *x, int err, const char *why);

/*
 * The run-time value of the policy's forbidden module parameter @entry
 * (exactly as in [cmdline] forbid): @val, or the read error @err (-ENOENT:
 * the module or parameter is absent).
 */
void fx_modparam(struct fx *x, const char *entry, const char *val, int err);

/*
 * Add function @bdf below the bridge @parent (NULL: on a root bus) with
 * these IDs and class (base class and subclass), and a config space with a
 * PCIe capability of Device/Port Type @type (PCI_EXP_TYPE_*), or none for
 * FX_CONVENTIONAL. Class 0604 and 0609 get a bridge (type 1) header.
 * Functions may be added in any order: fx_run() sorts them by address and
 * resolves the parents. The pointer is valid until fx_run().
 */
struct pdev *fx_dev(struct fx *x, const char *bdf, const char *parent, uint16_t vendor,
		    uint16_t device, uint16_t cls, int type);

/* The function @bdf (the test fails when there is none); valid until fx_run(). */
struct pdev *fx_get(struct fx *x, const char *bdf);

/* Extended capabilities of @d's config space, with their control registers. */
void fx_acs(struct fx *x, struct pdev *d, uint16_t cap, uint16_t ctl);
void fx_ats(struct fx *x, struct pdev *d, bool enabled);
void fx_pri(struct fx *x, struct pdev *d, bool enabled);
void fx_pasid(struct fx *x, struct pdev *d, bool enabled);

/* Set byte @pos of @d's config space (a hostile or broken device). */
void fx_cfg_poke(struct pdev *d, int pos, uint8_t val);

/* @d's config space could not be read: errno @err, reason @why. */
void fx_cfg_unreadable(struct fx *x, struct pdev *d, int err, const char *why);

/* @d's IDs or class could not be read. */
void fx_ident_unreadable(struct pdev *d, int err, const char *why);

/* @d's place in the tree is unknown. */
void fx_path_unknown(struct pdev *d, int err, const char *why);

/*
 * IOMMU group @group holds the functions named in the NULL-terminated
 * list (names not in the model are allowed: they are in the group's
 * directory but were not scanned). Each function of the model in the
 * list gets the group and the list as its members.
 */
void fx_group(struct fx *x, int group, ...) __attribute__((sentinel));

/* @d links to group @group, whose devices directory cannot be listed. */
void fx_group_unlisted(struct pdev *d, int group, int err);

/* @d is bound to @driver ("" for none), or its driver link reads as @err. */
void fx_driver(struct pdev *d, const char *driver);
void fx_driver_unreadable(struct pdev *d, int err);

/* The name fx_baseline() gives the policy's [baseline] file. */
#define FX_BASELINE_FILE "/etc/gpugate/baseline.txt"

/*
 * The [baseline] file FX_BASELINE_FILE holding @text, as model_build()
 * loads it into m->bl (a malformed @text is a file that does not load).
 * The host's side: what fx_bl_host() set, else fx_run() collects it as
 * model_build() does (baseline_side_collect()), from the model and the
 * empty sysroot: a protected function's sysfs attributes are absent (its
 * topology cannot be read) and every ROM reads as "none".
 */
void fx_baseline(struct fx *x, const char *text);

/*
 * The host's side for @what (BL_TOPOLOGY or BL_ROMS) as collected, given as
 * baseline lines: "device BDF vendor=... link=...", "rom BDF sha256=HEX",
 * "rom BDF shadow", "rom BDF busy", "rom BDF skipped (nouveau)", ...
 */
void fx_bl_host(struct fx *x, int what, const char *text);

/* Collecting @what failed with -errno @err and the reason @why. */
void fx_bl_host_unreadable(struct fx *x, int what, int err, const char *why);

/* ACS controls the default policy requires (SV TB RR CR UF), and DT. */
#define FX_ACS_REQUIRED                                                                            \
	(PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_BLOCK | PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED | \
	 PCI_ACS_CTRL_FORWARD)
#define FX_ACS_DT PCI_ACS_CTRL_TRANS

/*
 * The usual host of these tests, on which every check of this directory
 * passes under the default policy:
 *
 *   00:01.0 root port ── 01:00.0 switch upstream port
 *                          ├─ 02:00.0 downstream port ── 03:00.0 GPU (10de:2330, 0302)
 *                          │                             03:00.1 its audio (10de:22a3, 0403)
 *                          └─ 02:01.0 downstream port ── 04:00.0 NIC (15b3:1021, 0200)
 *
 * (all in domain 0000). The root and downstream ports implement every ACS
 * control and have the required ones set. GPU and audio are alone in IOMMU
 * group 12 and bound to vfio-pci, the NIC in group 13 on mlx5_core. The
 * command line has intel_iommu=on iommu.strict=1 pci=noats.
 */
void fx_switch_host(struct fx *x);

#define FX_ROOT	 "0000:00:01.0"
#define FX_UP	 "0000:01:00.0"
#define FX_DOWN	 "0000:02:00.0"
#define FX_DOWN2 "0000:02:01.0"
#define FX_GPU	 "0000:03:00.0"
#define FX_AUDIO "0000:03:00.1"
#define FX_NIC	 "0000:04:00.0"

/*
 * Parse the config spaces, index the model (model_index) and run the check
 * table into x->r.
 */
void fx_run(struct fx *x);

/* How many findings of @id the run produced. */
int fx_count(struct fx *x, const char *id);

/*
 * The one finding of @id on @device (NULL: the host) through @port (NULL:
 * none), which must have status @st and be @undetermined or not. The test
 * fails unless exactly one such finding exists with that outcome.
 */
#define fx_expect(x, ...) fx_expect_at(__FILE__, __LINE__, x, __VA_ARGS__)
const struct finding *fx_expect_at(const char *file, int line, struct fx *x, const char *id,
				   const char *device, const char *port, enum status st,
				   bool undetermined);

/* Assertions: on failure the test stops and the run fails. */
void fx_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define EXPECT(cond)                                                                               \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fx_fail(__FILE__, __LINE__, "expected %s", #cond);                         \
	} while (0)

#define EXPECT_INT(a, b)                                                                           \
	do {                                                                                       \
		long long a_ = (a), b_ = (b);                                                      \
		if (a_ != b_)                                                                      \
			fx_fail(__FILE__, __LINE__, "%s is %lld, expected %lld", #a, a_, b_);      \
	} while (0)

/* @text contains @part. */
#define EXPECT_TEXT(text, part)                                                                    \
	do {                                                                                       \
		const char *t_ = (text), *p_ = (part);                                             \
		if (!strstr(t_, p_))                                                               \
			fx_fail(__FILE__, __LINE__, "%s is \"%s\", without \"%s\"", #text, t_,     \
				p_);                                                               \
	} while (0)

/* runner.c: fixtures live in the running test (freed when it ends). */
void fx_track(struct fx *x, bool on);

/* Register a test; the runner calls them in link order. */
void fx_register(const char *name, const char *file, void (*fn)(void));

#define TEST(name)                                                                                 \
	static void name(void);                                                                    \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		fx_register(#name, __FILE__, name);                                                \
	}                                                                                          \
	static void name(void)

#endif
