// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fixture.c - the hand-built models of fixture.h: functions with their
 * places and config spaces, groups, drivers, command line, policy, and the
 * run of the check table over them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/header.h>

#include "fixture.h"
#include "model.h"
#include "modload.h"
#include "report.h"
#include "source.h"

/* Where fx_run() puts each extended capability (a fixed place each). */
enum { FX_EXT_ACS, FX_EXT_ATS, FX_EXT_PRI, FX_EXT_PASID, FX_NEXT };
static const struct {
	uint16_t id;
	int pos;
} ext_caps[FX_NEXT] = {
    [FX_EXT_ACS] = {PCI_EXT_CAP_ID_ACS, 0x100},
    [FX_EXT_ATS] = {PCI_EXT_CAP_ID_ATS, 0x140},
    [FX_EXT_PRI] = {PCI_EXT_CAP_ID_PRI, 0x180},
    [FX_EXT_PASID] = {PCI_EXT_CAP_ID_PASID, 0x1c0},
};

#define FX_PCIE_CAP 0x40

static void *fx_alloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p)
		fx_fail(__FILE__, __LINE__, "out of memory");
	return p;
}

struct fx *fx_new(void)
{
	struct fx *x = fx_alloc(sizeof(*x));

	fx_track(x, true);

	x->m.devs = fx_alloc(FX_MAX_DEVS * sizeof(*x->m.devs));
	x->m.first_path_err = -1;
	x->m.src = &source_sysfs;
	policy_defaults(&x->p);
	fx_cmdline(x, "", NULL);
	return x;
}

void fx_free(struct fx *x)
{
	fx_track(x, false);
	if (x->c.kmod)
		modload_close(x->c.kmod);
	report_free(&x->r);
	model_free(&x->m);
	free(x);
}

void fx_policy(struct fx *x, const char *text)
{
	char err[256];

	policy_defaults(&x->p);
	if (policy_parse(&x->p, "test.conf", text, err, sizeof(err)))
		fx_fail(__FILE__, __LINE__, "policy: %s", err);
	if (x->m.bl && !x->p.baseline_file[0]) /* fx_baseline() came first */
		snprintf(x->p.baseline_file, sizeof(x->p.baseline_file), "%s", FX_BASELINE_FILE);
}

void fx_cmdline(struct fx *x, const char *line, const char *bootconfig)
{
	struct model *m = &x->m;

	snprintf(m->cmdline_raw, sizeof(m->cmdline_raw), "%s", line);
	m->cmdline_err = cmdline_parse(&m->cmdline, m->cmdline_raw);
	if (!m->cmdline_err && bootconfig)
		m->cmdline_err = cmdline_mark_bootconfig(&m->cmdline, bootconfig);
	if (m->cmdline_err)
		fx_fail(__FILE__, __LINE__, "command line \"%s\": %s", line,
			strerror(-m->cmdline_err));
	m->cmdline_why[0] = '\0';
}

void fx_cmdline_unreadable(struct fx *x, int err, const char *why)
{
	x->m.cmdline_err = err;
	snprintf(x->m.cmdline_why, sizeof(x->m.cmdline_why), "%s", why);
}

void fx_modparam(struct fx *x, const char *entry, const char *val, int err)
{
	for (int i = 0; i < x->p.nforbid; i++) {
		struct modparam *mp = &x->m.forbid_rt[i];
		int dot = (int)strcspn(entry, "."), eq = (int)strcspn(entry, "=");

		if (strcmp(x->p.forbid[i], entry))
			continue;
		mp->read = true;
		mp->err = err;
		if (dot >= eq)
			fx_fail(__FILE__, __LINE__, "\"%s\" is no module parameter", entry);
		snprintf(mp->path, sizeof(mp->path), "/sys/module/%.*s/parameters/%.*s", dot, entry,
			 eq - dot - 1, entry + dot + 1);
		snprintf(mp->val, sizeof(mp->val), "%s", val ? val : "");
		return;
	}
	fx_fail(__FILE__, __LINE__, "the policy forbids no \"%s\"", entry);
}

/* The header and PCIe capability of a new function's config space. */
static void cfg_header(struct pdev *d, int type)
{
	bool bridge = pdev_is_bridge(d);

	d->cfg_len = type == FX_CONVENTIONAL ? CFG_SPACE_STD : CFG_SPACE_EXT;
	d->cfg = fx_alloc(CFG_SPACE_EXT);
	d->cfg[PCI_VENDOR_ID] = (uint8_t)d->vendor;
	d->cfg[PCI_VENDOR_ID + 1] = (uint8_t)(d->vendor >> 8);
	d->cfg[PCI_DEVICE_ID] = (uint8_t)d->device;
	d->cfg[PCI_DEVICE_ID + 1] = (uint8_t)(d->device >> 8);
	d->cfg[PCI_CLASS_DEVICE] = (uint8_t)d->class;
	d->cfg[PCI_CLASS_DEVICE + 1] = (uint8_t)(d->class >> 8);
	d->cfg[PCI_HEADER_TYPE] = bridge ? PCI_HEADER_TYPE_BRIDGE : PCI_HEADER_TYPE_NORMAL;
	if (type == FX_CONVENTIONAL)
		return;
	d->cfg[PCI_STATUS] = PCI_STATUS_CAP_LIST;
	d->cfg[PCI_CAPABILITY_LIST] = FX_PCIE_CAP;
	d->cfg[FX_PCIE_CAP] = PCI_CAP_ID_EXP;
	d->cfg[FX_PCIE_CAP + PCI_EXP_FLAGS] = (uint8_t)(2 | type << 4);
}

/* Index of function @bdf in x->m.devs (in any order), or -1. */
static int fx_find(const struct fx *x, const char *bdf)
{
	for (int i = 0; i < x->m.ndevs; i++)
		if (!strcmp(x->m.devs[i].bdf, bdf))
			return i;
	return -1;
}

struct pdev *fx_get(struct fx *x, const char *bdf)
{
	int k = fx_find(x, bdf);

	if (k < 0)
		fx_fail(__FILE__, __LINE__, "no function %s in the model", bdf);
	return &x->m.devs[k];
}

struct pdev *fx_dev(struct fx *x, const char *bdf, const char *parent, uint16_t vendor,
		    uint16_t device, uint16_t cls, int type)
{
	struct model *m = &x->m;
	struct pdev *d = &m->devs[m->ndevs];

	if (m->ndevs == FX_MAX_DEVS || x->ran)
		fx_fail(__FILE__, __LINE__, "more than %d functions, or added after fx_run()",
			FX_MAX_DEVS);
	if (fx_find(x, bdf) >= 0)
		fx_fail(__FILE__, __LINE__, "%s added twice", bdf);
	memset(d, 0, sizeof(*d));
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	if (sscanf(bdf, "%x:%x:%x.%u", &d->domain, &d->bus, &d->dev, &d->fn) != 4)
		fx_fail(__FILE__, __LINE__, "bad address %s", bdf);
	snprintf(x->parent[m->ndevs], sizeof(x->parent[0]), "%s", parent ? parent : "");
	m->ndevs++;
	d->vendor = vendor;
	d->device = device;
	d->class = cls;
	d->parent = -1;
	d->child_first = d->peer_first = d->peer_next = d->card_first = d->card_next = -1;
	d->group = -1;
	cfg_header(d, type);
	return d;
}

static void ext_set(struct fx *x, struct pdev *d, int which, int reg, uint16_t val)
{
	int pos = ext_caps[which].pos;

	if (d->cfg_len < CFG_SPACE_EXT)
		fx_fail(__FILE__, __LINE__, "%s has no extended config space", d->bdf);
	x->ext[d - x->m.devs] |= 1u << which;
	d->cfg[pos + reg] = (uint8_t)val;
	d->cfg[pos + reg + 1] = (uint8_t)(val >> 8);
}

void fx_acs(struct fx *x, struct pdev *d, uint16_t cap, uint16_t ctl)
{
	ext_set(x, d, FX_EXT_ACS, PCI_ACS_CAP, cap);
	ext_set(x, d, FX_EXT_ACS, PCI_ACS_CTRL, ctl);
}

void fx_ats(struct fx *x, struct pdev *d, bool enabled)
{
	ext_set(x, d, FX_EXT_ATS, PCI_ATS_CTRL, enabled ? PCI_ATS_CTRL_ENABLE : 0);
}

void fx_pri(struct fx *x, struct pdev *d, bool enabled)
{
	ext_set(x, d, FX_EXT_PRI, PCI_PRI_CTRL, enabled ? PCI_PRI_CTRL_ENABLE : 0);
}

void fx_pasid(struct fx *x, struct pdev *d, bool enabled)
{
	ext_set(x, d, FX_EXT_PASID, PCI_PASID_CTRL, enabled ? PCI_PASID_CTRL_ENABLE : 0);
}

void fx_cfg_poke(struct pdev *d, int pos, uint8_t val)
{
	if (pos < 0 || (size_t)pos >= d->cfg_len)
		fx_fail(__FILE__, __LINE__, "0x%x is outside the config space of %s", pos, d->bdf);
	d->cfg[pos] = val;
}

void fx_cfg_unreadable(struct fx *x, struct pdev *d, int err, const char *why)
{
	x->cfg_fixed[d - x->m.devs] = true;
	d->cfg_loaded = true;
	d->cfg_err = err;
	snprintf(d->cfg_why, sizeof(d->cfg_why), "%s", why);
}

void fx_ident_unreadable(struct pdev *d, int err, const char *why)
{
	d->ident_err = err;
	snprintf(d->ident_why, sizeof(d->ident_why), "%s", why);
}

void fx_path_unknown(struct pdev *d, int err, const char *why)
{
	d->path_err = err;
	d->path_len = 0;
	d->parent = -1;
	snprintf(d->path_why, sizeof(d->path_why), "%s", why);
}

static char *fx_strdup(const char *s)
{
	char *p = fx_alloc(strlen(s) + 1);

	return strcpy(p, s);
}

void fx_group(struct fx *x, int group, ...)
{
	const char *names[FX_MAX_DEVS];
	int n = 0;
	va_list ap;

	va_start(ap, group);
	for (const char *s; (s = va_arg(ap, const char *)) && n < FX_MAX_DEVS;)
		names[n++] = s;
	va_end(ap);
	for (int i = 0; i < n; i++) {
		int k = fx_find(x, names[i]);
		struct pdev *d = k >= 0 ? &x->m.devs[k] : NULL;

		if (!d)
			continue;
		model_free_members(d, d->nmembers);
		d->group = group;
		d->members = fx_alloc((size_t)n * sizeof(*d->members));
		d->nmembers = n;
		for (int j = 0; j < n; j++)
			d->members[j] = fx_strdup(names[j]);
	}
}

void fx_group_unlisted(struct pdev *d, int group, int err)
{
	model_free_members(d, d->nmembers);
	d->group = group;
	d->nmembers = err;
}

void fx_driver(struct pdev *d, const char *driver)
{
	snprintf(d->driver, sizeof(d->driver), "%s", driver);
	d->driver_err = 0;
}

void fx_driver_unreadable(struct pdev *d, int err)
{
	d->driver[0] = '\0';
	d->driver_err = err;
}

static struct bl_model *bl_of(struct fx *x)
{
	if (!x->m.bl)
		x->m.bl = fx_alloc(sizeof(*x->m.bl));
	return x->m.bl;
}

/* Parse @text into @s as it was taken, lines numbered as in @text. */
static void side_parse(struct bl_side *s, const char *text)
{
	baseline_free(&s->b);
	s->taken = true;
	s->rc = baseline_parse(&s->b, FX_BASELINE_FILE, text, s->err, sizeof(s->err));
}

void fx_baseline(struct fx *x, const char *text)
{
	side_parse(&bl_of(x)->file, text);
	snprintf(x->p.baseline_file, sizeof(x->p.baseline_file), "%s", FX_BASELINE_FILE);
}

static struct bl_side *host_side(struct fx *x, int what)
{
	if (what != BL_TOPOLOGY && what != BL_ROMS)
		fx_fail(__FILE__, __LINE__, "fx_bl_host: what is BL_TOPOLOGY or BL_ROMS");
	return what == BL_TOPOLOGY ? &bl_of(x)->topology : &bl_of(x)->roms;
}

void fx_bl_host(struct fx *x, int what, const char *text)
{
	struct bl_side *s = host_side(x, what);

	side_parse(s, text);
	if (s->rc)
		fx_fail(__FILE__, __LINE__, "fx_bl_host: %s", s->err);
	for (int i = 0; i < s->b.n; i++)
		s->b.e[i].line = 0; /* collected, not read from a file */
}

void fx_bl_host_unreadable(struct fx *x, int what, int err, const char *why)
{
	struct bl_side *s = host_side(x, what);

	baseline_free(&s->b);
	s->taken = true;
	s->rc = err;
	snprintf(s->err, sizeof(s->err), "%s", why);
}

void fx_switch_host(struct fx *x)
{
	static const char *const ports[] = {FX_ROOT, FX_DOWN, FX_DOWN2};

	fx_cmdline(x, "intel_iommu=on iommu.strict=1 pci=noats", NULL);
	fx_dev(x, FX_ROOT, NULL, 0x8086, 0x352a, 0x0604, PCI_EXP_TYPE_ROOT_PORT);
	fx_dev(x, FX_UP, FX_ROOT, 0x1000, 0xc010, 0x0604, PCI_EXP_TYPE_UPSTREAM);
	fx_dev(x, FX_DOWN, FX_UP, 0x1000, 0xc010, 0x0604, PCI_EXP_TYPE_DOWNSTREAM);
	fx_dev(x, FX_DOWN2, FX_UP, 0x1000, 0xc010, 0x0604, PCI_EXP_TYPE_DOWNSTREAM);
	fx_driver(fx_dev(x, FX_GPU, FX_DOWN, 0x10de, 0x2330, 0x0302, PCI_EXP_TYPE_ENDPOINT),
		  "vfio-pci");
	fx_driver(fx_dev(x, FX_AUDIO, FX_DOWN, 0x10de, 0x22a3, 0x0403, PCI_EXP_TYPE_ENDPOINT),
		  "vfio-pci");
	fx_driver(fx_dev(x, FX_NIC, FX_DOWN2, 0x15b3, 0x1021, 0x0200, PCI_EXP_TYPE_ENDPOINT),
		  "mlx5_core");
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++)
		fx_acs(x, fx_get(x, ports[i]), FX_ACS_REQUIRED | FX_ACS_DT, FX_ACS_REQUIRED);
	fx_group(x, 12, FX_GPU, FX_AUDIO, NULL);
	fx_group(x, 13, FX_NIC, NULL);
}

/* Chain the extended capabilities fx_*() set and parse the config space. */
static void cfg_seal(struct fx *x, struct pdev *d)
{
	unsigned int set = x->ext[d - x->m.devs];
	int prev = -1;

	if (x->cfg_fixed[d - x->m.devs])
		return;
	for (int i = 0; i < FX_NEXT; i++) {
		int pos = ext_caps[i].pos;
		uint32_t hdr = ext_caps[i].id | 1u << 16;

		if (!(set & 1u << i))
			continue;
		if (prev < 0 && pos != CFG_SPACE_STD) {
			/* The list starts at 0x100: a vendor-specific head links on. */
			d->cfg[CFG_SPACE_STD] = PCI_EXT_CAP_ID_VNDR;
			d->cfg[CFG_SPACE_STD + 2] = 1;
			prev = CFG_SPACE_STD;
		}
		if (prev >= 0) { /* Next Capability Offset: bits 31:20 */
			d->cfg[prev + 2] = (uint8_t)((d->cfg[prev + 2] & 0x0f) | (pos & 0x0f) << 4);
			d->cfg[prev + 3] = (uint8_t)(pos >> 4);
		}
		for (int b = 0; b < 3; b++)
			d->cfg[pos + b] = (uint8_t)(hdr >> 8 * b);
		prev = pos;
	}
	d->cfg_loaded = true;
	d->cfg_err = caps_parse(d->cfg, d->cfg_len, &d->caps, d->cfg_why, sizeof(d->cfg_why));
}

/* Does function @a come before @b in address order (as pcidev.c sorts)? */
static bool before(const struct pdev *a, const struct pdev *b)
{
	if (a->domain != b->domain)
		return a->domain < b->domain;
	if (a->bus != b->bus)
		return a->bus < b->bus;
	return a->dev != b->dev ? a->dev < b->dev : a->fn < b->fn;
}

/* Put the functions, and what the fixture keeps of each, in address order. */
static void fx_sort(struct fx *x)
{
	int n = x->m.ndevs;

	for (int i = 1; i < n; i++) {
		for (int j = i; j > 0 && before(&x->m.devs[j], &x->m.devs[j - 1]); j--) {
			struct pdev d = x->m.devs[j];
			unsigned int ext = x->ext[j];
			bool fixed = x->cfg_fixed[j];
			char parent[BDF_LEN];

			memcpy(parent, x->parent[j], sizeof(parent));
			x->m.devs[j] = x->m.devs[j - 1];
			x->ext[j] = x->ext[j - 1];
			x->cfg_fixed[j] = x->cfg_fixed[j - 1];
			memcpy(x->parent[j], x->parent[j - 1], sizeof(parent));
			x->m.devs[j - 1] = d;
			x->ext[j - 1] = ext;
			x->cfg_fixed[j - 1] = fixed;
			memcpy(x->parent[j - 1], parent, sizeof(parent));
		}
	}
}

/* Set parent and path of function @i, its parents' first. */
static void fx_place(struct fx *x, int i, int depth)
{
	struct pdev *d = &x->m.devs[i], *up;
	int k;

	if (d->path_err || !x->parent[i][0] || d->parent >= 0)
		return;
	k = fx_find(x, x->parent[i]);
	if (k < 0 || k == i || depth >= MAX_DEPTH)
		fx_fail(__FILE__, __LINE__, "%s: no parent %s, or a loop", d->bdf, x->parent[i]);
	fx_place(x, k, depth + 1);
	up = &x->m.devs[k];
	if (up->path_len == MAX_DEPTH)
		fx_fail(__FILE__, __LINE__, "%s is too deep", d->bdf);
	memcpy(d->path, up->path, sizeof(d->path));
	d->path[up->path_len] = k;
	d->path_len = up->path_len + 1;
	d->parent = k;
}

void fx_run(struct fx *x)
{
	if (x->ran)
		fx_fail(__FILE__, __LINE__, "fx_run() twice on one model");
	x->ran = true;
	fx_sort(x);
	for (int i = 0; i < x->m.ndevs; i++) {
		fx_place(x, i, 0);
		cfg_seal(x, &x->m.devs[i]);
	}
	model_index(&x->m, &x->p);
	/* as model_build ends: every config space is sealed, so nothing is read */
	model_load_configs(&x->m, &x->p);
	if (x->m.bl && !x->m.bl->file.rc) { /* then the baseline, as model_build: what fx_bl_host() did not set */
		if (!x->m.bl->topology.taken)
			baseline_side_collect(&x->m.bl->topology, &x->m, &x->p, BL_TOPOLOGY);
		if (!x->m.bl->roms.taken)
			baseline_side_collect(&x->m.bl->roms, &x->m, &x->p, BL_ROMS);
	}
	x->c.m = &x->m;
	x->c.p = &x->p;
	x->c.r = &x->r;
	x->r.mode = "check";
	checks_run(&x->c);
	if (x->c.oom)
		fx_fail(__FILE__, __LINE__, "out of memory while checking");
}
