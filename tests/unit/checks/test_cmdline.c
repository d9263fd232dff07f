// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline.iommu, cmdline.identity, cmdline.strict, cmdline.forbidden,
 * cmdline.noats (src/check/cmdline.c): what the kernel command line asks for.
 */
#include <errno.h>

#include "fixture.h"

/*
 * A host whose command line is @line (@bootconfig: the text of
 * /proc/bootconfig, or NULL), checked with the default policy.
 */
static struct fx *run_bootconfig(const char *line, const char *bootconfig)
{
	struct fx *x = fx_new();

	fx_cmdline(x, line, bootconfig);
	fx_run(x);
	return x;
}

static struct fx *run_line(const char *line)
{
	return run_bootconfig(line, NULL);
}

static struct fx *run_unreadable(void)
{
	struct fx *x = fx_new();

	fx_cmdline_unreadable(x, -EACCES, "cannot read /proc/cmdline: Permission denied");
	fx_run(x);
	return x;
}

/* The good line: every cmdline.* check passes. */
#define GOOD "intel_iommu=on iommu.strict=1 pci=noats"

TEST(cmdline_iommu_not_disabled_passes)
{
	struct fx *x = run_line(GOOD);
	const struct finding *f = fx_expect(x, "cmdline.iommu", NULL, NULL, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->actual, "not disabled");
	fx_free(x);
}

TEST(cmdline_iommu_off_fails)
{
	static const char *const lines[][2] = {
	    {"intel_iommu=on intel_iommu=off", "intel_iommu=off"},
	    {"amd_iommu=off", "amd_iommu=off"},
	    {"iommu=pt,off", "iommu=off"},
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct fx *x = run_line(lines[i][0]);
		const struct finding *f =
		    fx_expect(x, "cmdline.iommu", NULL, NULL, ST_FAIL, DETERMINED);

		EXPECT_TEXT(f->actual, lines[i][1]);
		EXPECT_TEXT(f->message, "fix:");
		fx_free(x);
	}
}

TEST(cmdline_iommu_later_on_wins)
{
	struct fx *x = run_line("intel_iommu=off intel_iommu=on");

	fx_expect(x, "cmdline.iommu", NULL, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

TEST(cmdline_unreadable_is_undetermined)
{
	static const char *const ids[] = {"cmdline.iommu", "cmdline.identity", "cmdline.strict",
					  "cmdline.noats", "cmdline.forbidden"};
	struct fx *x = run_unreadable();

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct finding *f = fx_expect(x, ids[i], NULL, NULL, ST_FAIL, UNDETERMINED);

		EXPECT_TEXT(f->message, "Permission denied");
	}
	fx_free(x);
}

TEST(cmdline_identity_translated_passes)
{
	struct fx *x = run_line(GOOD " iommu=pt iommu=nopt");

	fx_expect(x, "cmdline.identity", NULL, NULL, ST_PASS, DETERMINED);
	fx_free(x);
}

TEST(cmdline_identity_passthrough_fails)
{
	struct fx *x = run_line(GOOD " iommu=pt");
	const struct finding *f = fx_expect(x, "cmdline.identity", NULL, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "iommu=pt");
	fx_free(x);
	x = run_line(GOOD " iommu.passthrough=1");
	f = fx_expect(x, "cmdline.identity", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "iommu.passthrough=1");
	fx_free(x);
}

TEST(cmdline_identity_policy_allows_skips)
{
	struct fx *x = fx_new();

	fx_policy(x, "[iommu]\nforbid_identity = no\n");
	fx_cmdline(x, "iommu=pt", NULL);
	fx_run(x);
	fx_expect(x, "cmdline.identity", NULL, NULL, ST_SKIP, DETERMINED);
	fx_free(x);
}

TEST(cmdline_strict_set_passes)
{
	static const char *const lines[] = {"iommu.strict=1", "intel_iommu=on,strict",
					    "amd_iommu=fullflush"};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct fx *x = run_line(lines[i]);
		const struct finding *f =
		    fx_expect(x, "cmdline.strict", NULL, NULL, ST_PASS, DETERMINED);

		EXPECT_TEXT(f->actual,
			    lines[i][0] == 'i' && lines[i][5] == '.' ? "iommu.strict=1" : "=");
		fx_free(x);
	}
}

TEST(cmdline_strict_absent_or_lazy_fails)
{
	struct fx *x = run_line("intel_iommu=on pci=noats");
	const struct finding *f = fx_expect(x, "cmdline.strict", NULL, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "absent");
	EXPECT_TEXT(f->expected, "iommu.strict=1");
	fx_free(x);
	x = run_line("iommu.strict=1 iommu.strict=0");
	f = fx_expect(x, "cmdline.strict", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "iommu.strict=0");
	fx_free(x);
}

TEST(cmdline_strict_from_bootconfig_fails)
{
	struct fx *x = run_bootconfig("iommu.strict=1 pci=noats", "kernel.iommu.strict = \"1\"\n");
	const struct finding *f = fx_expect(x, "cmdline.strict", NULL, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "from bootconfig, not applied");
	fx_free(x);
}

TEST(cmdline_noats_present_passes)
{
	struct fx *x = run_line(GOOD);
	const struct finding *f = fx_expect(x, "cmdline.noats", NULL, NULL, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->actual, "pci=noats");
	fx_free(x);
}

TEST(cmdline_noats_absent_fails)
{
	struct fx *x = run_line("intel_iommu=on iommu.strict=1 pci=realloc");
	const struct finding *f = fx_expect(x, "cmdline.noats", NULL, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "absent");
	fx_free(x);
}

TEST(cmdline_noats_from_bootconfig_fails)
{
	struct fx *x = run_bootconfig("pci=noats", "kernel.pci = \"noats\"\n");
	const struct finding *f = fx_expect(x, "cmdline.noats", NULL, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "bootconfig");
	fx_free(x);
}

TEST(cmdline_noats_not_required_skips)
{
	struct fx *x = fx_new();

	fx_policy(x, "[cmdline]\nrequire_noats = no\n");
	fx_run(x);
	fx_expect(x, "cmdline.noats", NULL, NULL, ST_SKIP, DETERMINED);
	fx_free(x);
}

TEST(cmdline_forbidden_none_passes)
{
	struct fx *x = run_line(GOOD " intremap=on vfio_iommu_type1.allow_unsafe_interrupts=0");
	const struct finding *f =
	    fx_expect(x, "cmdline.forbidden", NULL, NULL, ST_PASS, DETERMINED);

	EXPECT_TEXT(f->message, "none of the 6 forbidden parameters");
	fx_free(x);
}

TEST(cmdline_forbidden_parameter_fails)
{
	struct fx *x = run_line(GOOD " pcie_acs_override=downstream intremap=nosid,off");

	EXPECT_INT(fx_count(x, "cmdline.forbidden"), 3);
	fx_free(x);
	x = run_line(GOOD " pcie_acs_override=downstream");
	const struct finding *f =
	    fx_expect(x, "cmdline.forbidden", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->expected, "no pcie_acs_override");
	EXPECT_TEXT(f->actual, "pcie_acs_override=downstream");
	fx_free(x);
}

TEST(cmdline_forbidden_bool_spellings_fail)
{
	struct fx *x = run_line(GOOD " vfio_iommu_type1.allow_unsafe_interrupts=Y");
	const struct finding *f =
	    fx_expect(x, "cmdline.forbidden", NULL, NULL, ST_FAIL, DETERMINED);

	EXPECT_TEXT(f->actual, "allow_unsafe_interrupts=Y");
	fx_free(x);
}

TEST(cmdline_forbidden_runtime_value_fails)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_cmdline(x, GOOD, NULL);
	fx_modparam(x, "vfio_iommu_type1.allow_unsafe_interrupts=1", "Y", 0);
	fx_modparam(x, "iommufd.allow_unsafe_interrupts=1", "N", 0);
	fx_modparam(x, "vfio.enable_unsafe_noiommu_mode=1", NULL, -ENOENT);
	fx_run(x);
	f = fx_expect(x, "cmdline.forbidden", NULL, NULL, ST_FAIL, DETERMINED);
	EXPECT_TEXT(f->actual, "vfio_iommu_type1.allow_unsafe_interrupts=Y at run time");
	fx_free(x);
}

TEST(cmdline_forbidden_runtime_unreadable_is_undetermined)
{
	struct fx *x = fx_new();
	const struct finding *f;

	fx_cmdline(x, GOOD, NULL);
	fx_modparam(x, "vfio.enable_unsafe_noiommu_mode=1", NULL, -EACCES);
	fx_run(x);
	f = fx_expect(x, "cmdline.forbidden", NULL, NULL, ST_FAIL, UNDETERMINED);
	EXPECT_TEXT(f->message, "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
	fx_free(x);
}
