// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * show.c - `gpugate show` and `gpugate cmdline`.
 *
 * show reads the model only; cmdline runs the checks to learn which ports
 * the policy needs ACS on, and prints what the next boot should carry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/header.h>

#include "acsx.h"
#include "checks.h"
#include "kparam.h"
#include "model.h"
#include "dynid.h"
#include "show.h"
#include "source.h"
#include "sysroot.h"

/*
 * A list of several pci=config_acs= entries parses only with 9cf8a952d57b
 * ("PCI/ACS: Fix 'pci=config_acs=' parameter"): mainline 6.15, and in the
 * 6.12.y stable series from 6.12.23 (Debian's linux 6.12 changelog lists it
 * under ChangeLog-6.12.23). The 6.13.y and 6.14.y point releases are not
 * known here, so those kernels keep the note.
 */
#define CONFIG_ACS_LIST_MINOR 15
#define CONFIG_ACS_LIST_STABLE_MINOR 12
#define CONFIG_ACS_LIST_STABLE_SUBLEVEL 23

/*
 * "  <- FAIL id id" for the failed findings of device @dev on @port ("":
 * the device's own findings), into @buf; "" when none failed. What `show`
 * marks is exactly what `check` fails.
 */
static const char *show_marks(const struct report *r, const char *dev, const char *port,
			      char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < r->nfindings; i++) {
		const struct finding *f = &r->findings[i];

		if (f->status != ST_FAIL || strcmp(f->device, dev) || strcmp(f->port, port) ||
		    (used && strstr(buf, f->id)))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s %s",
					 used ? "" : "  <- FAIL", f->id);
	}
	return buf;
}

void show_acs_state(struct pdev *b, char *buf, size_t len)
{
	uint16_t cap, ctl;
	char enh[48];

	if (model_config(b)) {
		snprintf(buf, len, "config unreadable: %s", b->cfg_why);
		return;
	}
	if (!b->caps.acs) {
		snprintf(buf, len, "no ACS capability");
		return;
	}
	cap = cfg_word(b->cfg, b->caps.acs + PCI_ACS_CAP);
	ctl = cfg_word(b->cfg, b->caps.acs + PCI_ACS_CTRL);
	if (!(cap & ACSX_CAP_ENHANCED)) {
		snprintf(buf, len, "ACS cap 0x%04x ctl 0x%04x", cap, ctl);
		return;
	}
	snprintf(buf, len, "ACS cap 0x%04x ctl 0x%04x, enhanced %s", cap, ctl,
		 acsx_describe(ctl, enh, sizeof(enh)));
}

static void show_port(FILE *out, struct pdev *b, const char *role, const char *mark)
{
	char acs[192];

	show_acs_state(b, acs, sizeof(acs));
	fprintf(out, "    %s  %-22s%s%s\n", b->bdf, role, acs, mark);
}

const char *show_group_type(const struct pdev *d, char *type, size_t len)
{
	char path[96];

	snprintf(type, len, "unknown");
	snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%d/type", d->group);
	sysroot_read_line(path, type, len);
	return type;
}

static void show_group(FILE *out, const struct pdev *d)
{
	char type[32];

	if (d->group < 0) {
		fprintf(out, "  group: none (no IOMMU)\n");
		return;
	}
	fprintf(out, "  group %d (%s)\n", d->group, show_group_type(d, type, sizeof(type)));
}

void show_ats_state(struct pdev *d, char *buf, size_t len)
{
	uint16_t ctl;

	if (model_config(d)) {
		snprintf(buf, len, "config unreadable: %s", d->cfg_why);
		return;
	}
	if (!d->caps.ats) {
		snprintf(buf, len, "no capability");
		return;
	}
	ctl = cfg_word(d->cfg, d->caps.ats + PCI_ATS_CTRL);
	snprintf(buf, len, "ctl 0x%04x (%s)", ctl, ctl & PCI_ATS_CTRL_ENABLE ? "enabled" : "disabled");
}

static void show_ats(FILE *out, struct pdev *d)
{
	char ats[192];

	show_ats_state(d, ats, sizeof(ats));
	fprintf(out, "  ATS: %s\n", ats);
}

const char *show_driver(const struct model *m, const struct pdev *d)
{
	return d->driver[0] ? d->driver : !m->src->live ? "unknown" : "none";
}

const char *show_override(const struct model *m, const struct pdev *d)
{
	return d->override[0] ? d->override : !m->src->live ? "unknown" : "none";
}

/* "on", "off" or "unknown": ARI Forwarding Enable in @port's Device Control 2. */
static const char *show_ari(struct pdev *port)
{
	size_t at = (size_t)port->caps.pcie + PCI_EXP_DEVCTL2;

	if (model_config(port) || !port->caps.pcie || at + 2 > port->cfg_len)
		return "unknown";
	return cfg_word(port->cfg, (int)at) & PCI_EXP_DEVCTL2_ARI ? "on" : "off";
}

/* Every function of @d's card, ARI functions and VFs included. */
static void show_card(FILE *out, struct model *m, struct pdev *d)
{
	struct pdev *port = !d->path_err && d->parent >= 0 ? &m->devs[d->parent] : NULL;

	if (port && model_is_link_port(port))
		fprintf(out, "  card: every function below %s (ARI forwarding %s)\n", port->bdf,
			show_ari(port));
	else
		fprintf(out, "  card: the functions of slot %02x:%02x\n", d->bus, d->dev);
	for (int k = model_card_first(m, d); k >= 0; k = m->devs[k].card_next) {
		const struct pdev *o = &m->devs[k];

		fprintf(out, "    %s  %04x:%04x class %04x  %-9s  driver %s\n", o->bdf, o->vendor,
			o->device, (unsigned int)o->class,
			o->matched ? "matched" : o->companion ? "companion" : "foreign",
			show_driver(m, o));
	}
}

static void show_one(FILE *out, struct model *m, struct pdev *d, const struct report *r)
{
	char mark[256];

	fprintf(out, "%s  %04x:%04x class %04x  %s  driver %s  override %s%s\n", d->bdf, d->vendor,
		d->device, (unsigned int)d->class, d->matched ? "matched" : "companion",
		show_driver(m, d), show_override(m, d),
		show_marks(r, d->bdf, "", mark, sizeof(mark)));
	if (!m->src->live)
		fprintf(out, "  group: unknown (not in an lspci dump)\n");
	else
		show_group(out, d);
	show_ats(out, d);
	show_card(out, m, d);
	if (d->path_err) {
		fprintf(out, "  path: unknown\n");
		return;
	}
	fprintf(out, "  path to the root complex (root first):\n");
	if (d->path_len && m->devs[d->path[0]].path_err)
		fprintf(out, "    (above %s unknown: %s)\n", m->devs[d->path[0]].bdf,
			m->devs[d->path[0]].path_why);
	for (int i = 0; i < d->path_len; i++) {
		struct pdev *b = &m->devs[d->path[i]];

		show_port(out, b, model_config(b) ? "bridge" : caps_type_name(b->caps.pcie_type),
			  show_marks(r, d->bdf, b->bdf, mark, sizeof(mark)));
		for (int k = model_peer_first(m, b); k >= 0; k = m->devs[k].peer_next) {
			struct pdev *o = &m->devs[k];

			if (o != b && o->nchildren && pdev_is_bridge(o))
				show_port(out, o, "  peer", show_marks(r, d->bdf, o->bdf, mark, sizeof(mark)));
		}
	}
	for (int k = model_card_first(m, d); k >= 0; k = m->devs[k].card_next)
		if (m->devs[k].foreign)
			show_port(out, &m->devs[k], "foreign function",
				  show_marks(r, d->bdf, m->devs[k].bdf, mark, sizeof(mark)));
}

int show_print(FILE *out, struct model *m, const struct policy *p)
{
	struct report r = { .mode = "check" };
	struct ctx c = { .m = m, .p = p, .r = &r };
	char mark[256];
	int n = 0;

	checks_run(&c);
	for (int i = 0; i < m->ndevs; i++) {
		if (!pdev_protected(&m->devs[i]))
			continue;
		show_one(out, m, &m->devs[i], &r);
		n++;
	}
	if (!n)
		fprintf(out, "no function matches the policy\n");
	if (*show_marks(&r, "", "", mark, sizeof(mark)))
		fprintf(out, "host%s\n", mark);
	fprintf(out, "(<- FAIL: the checks that fail there; gpugate check says why and the fix)\n");
	report_free(&r);
	return c.oom ? -ENOMEM : 0;
}

/*
 * Does the kernel release @rel ("6.12.117+deb12-amd64") parse a list of
 * several config_acs entries? False when it cannot be told (no sublevel,
 * or a distribution's "6.12.0-N"): the caller then keeps its warning.
 */
static bool config_acs_list_parses(const char *rel)
{
	int a = 0, b = 0, c = 0;

	if (kernel_at_least(rel, CONFIG_ACS_MAJOR, CONFIG_ACS_LIST_MINOR))
		return true;
	if (sscanf(rel, "%d.%d.%d", &a, &b, &c) != 3)
		return false;
	return a == CONFIG_ACS_MAJOR && b == CONFIG_ACS_LIST_STABLE_MINOR &&
	       c >= CONFIG_ACS_LIST_STABLE_SUBLEVEL;
}

/* intel_iommu=on where the IOMMU is (or the CPU is) Intel. */
static const char *iommu_param(const struct model *m)
{
	char line[256] = "";
	FILE *f;

	if (strstr(m->iommus, "dmar"))
		return "intel_iommu=on ";
	if (strstr(m->iommus, "ivhd"))
		return "";
	f = sysroot_fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f) && strncmp(line, "vendor_id", 9))
		;
	if (f)
		fclose(f);
	return strstr(line, "GenuineIntel") ? "intel_iommu=on " : "";
}

/* Append "mask@bdf" for every port the ACS checks looked at. */
static int config_acs_list(struct model *m, const struct policy *p, char *buf, size_t len)
{
	struct report r = { .mode = "check" };
	struct ctx c = { .m = m, .p = p, .r = &r };
	char mask[8];
	size_t used = 0;
	int n = 0;

	checks_run(&c);
	acs_mask(p, mask);
	buf[0] = '\0';
	for (int i = 0; i < r.nfindings; i++) {
		const struct finding *f = &r.findings[i];
		int k = f->port[0] ? model_find(m, f->port) : -1;

		if (k < 0 || strncmp(f->id, "acs.", 4) || !m->devs[k].cfg_loaded ||
		    m->devs[k].cfg_err || !m->devs[k].caps.acs || strstr(buf, f->port))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s@%s",
					 n ? ";" : "", mask, f->port);
		n++;
	}
	report_free(&r);
	return used >= len ? -E2BIG : n;
}

int show_cmdline(FILE *out, struct model *m, const struct policy *p)
{
	char ports[4096], enh[32];
	int n;

	const char *iommu = !m->src->live ? "" : iommu_param(m);

	fprintf(out, "%s%s%s\n", iommu, p->require_strict ? "iommu.strict=1 " : "",
		p->require_noats ? "pci=noats" : "");
	if (!m->src->live)
		fprintf(out, "# from an lspci dump, CPU and kernel unknown: add intel_iommu=on on Intel; pci=config_acs= needs Linux %d.%d+, several entries 6.15+ or 6.12.23+\n",
			CONFIG_ACS_MAJOR, CONFIG_ACS_MINOR);
	else if (!*iommu && !strstr(m->iommus, "ivhd"))
		fprintf(out, "# no IOMMU is active: enable VT-d or AMD-Vi (IOMMU) in the firmware setup\n");
	if (p->acs_enhanced)
		fprintf(out, "# [acs] require_enhanced (%s): pci=config_acs= cannot carry the ACS Enhanced controls (its mask is ACS Control bits 0-6); `gpugate enforce` writes them after each boot, lockdown permitting\n",
			acsx_names(p->acs_enhanced, enh, sizeof(enh)));
	n = config_acs_list(m, p, ports, sizeof(ports));
	if (n <= 0)
		return n;
	if (m->src->live && !kernel_at_least(m->kernel, CONFIG_ACS_MAJOR, CONFIG_ACS_MINOR)) {
		fprintf(out, "# kernel %s has no pci=config_acs= (Linux %d.%d and later): the ports get their ACS\n"
			"# bits only from `gpugate enforce` after boot (the kernel itself sets SV RR CR UF when\n"
			"# an IOMMU is on, TB only with pci=noats). On a newer kernel add:\n"
			"# pci=config_acs=%s\n",
			m->kernel[0] ? m->kernel : "(unknown)", CONFIG_ACS_MAJOR, CONFIG_ACS_MINOR, ports);
		return 0;
	}
	fprintf(out, "pci=config_acs=%s\n", ports);
	/* GRUB ends a command at ';': single quotes keep the word whole (qemu/grub.sh proves it). */
	fprintf(out, "# GRUB ends a command at ';': in /etc/default/grub GRUB_CMDLINE_LINUX=\"... 'pci=config_acs=%s'\", in grub.cfg 'pci=config_acs=%s'\n",
		ports, ports);
	if (n > 1 && m->src->live && !config_acs_list_parses(m->kernel))
		fprintf(out, "# kernel %s: a list of several entries parses only with commit 9cf8a952d57b (Linux 6.15, 6.12.23 and later 6.12.y); check dmesg for \"Can't parse ACS command line parameter\"\n",
			m->kernel);
	return 0;
}

/*
 * vfio_pci ids= for the match entries, so that vfio-pci holds them as
 * dynamic ids from its load on (not in audit-readonly mode: it binds).
 */
static int modprobe_ids(FILE *out, const struct policy *p)
{
	char ids[DYNID_IDS_MAX + 1];
	int n;

	if (p->mode == MODE_AUDIT_READONLY || strcmp(p->driver, "vfio-pci"))
		return 0;
	n = dynid_ids(p, ids, sizeof(ids));
	if (n == -E2BIG)
		fprintf(stderr, "gpugate: modprobe: vfio_pci ids= for %d match entries is longer than the module's %d characters\n",
			p->nmatch, DYNID_IDS_MAX);
	else if (n < 0)
		fprintf(stderr, "gpugate: modprobe: a [devices] match entry matches every function: no vfio_pci ids= for it\n");
	if (n <= 0)
		return n;
	fprintf(out, "options vfio_pci ids=%s\n", ids);
	return 0;
}

int show_modprobe(FILE *out, const struct policy *p)
{
	int rc;

	fputs("# Generated by `gpugate modprobe` from the gpugate policy: keep the host GPU\n"
	      "# drivers off the protected GPUs in the initramfs.\n", out);
	for (int i = 0; i < p->nhost_drivers; i++)
		fprintf(out, "blacklist %s\nsoftdep %s pre: %s\n", p->host_drivers[i],
			p->host_drivers[i], p->driver);
	rc = modprobe_ids(out, p);
	return rc ? rc : ferror(out) ? -EIO : 0;
}
