// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dynid.c - vfio-pci dynamic ids: the new_id lines the runtime guard
 * writes at start, and the ids= value of `gpugate modprobe`. Both carry the
 * same fields; new_id_store() (drivers/pci/pci-driver.c) reads them with
 * "%x %x %x %x %x %x", vfio_pci_fill_ids() with "%x:%x:%x:%x:%x:%x".
 * A [devices] bdf entry has no id form: only match entries become ids.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dynid.h"
#include "report.h"
#include "write.h"

#define PCI_ANY_ID 0xffffffffu

int dynid_format(const struct match *m, enum dynid_style style, char *buf, size_t len)
{
	static const char *const fmt[] = {
		[DYNID_NEW_ID] = "%04x %04x %x %x %06x %06x",
		[DYNID_IDS] = "%04x:%04x:%x:%x:%06x:%06x",
	};
	unsigned int vendor = m->any_vendor ? PCI_ANY_ID : m->vendor;
	unsigned int device = m->any_device ? PCI_ANY_ID : m->device;
	unsigned int cls = m->any_class ? 0 : (unsigned int)m->class << 8;
	unsigned int mask = m->any_class ? 0 : 0xffff00;
	int n;

	if (m->any_vendor && m->any_device && m->any_class)
		return -EINVAL;
	n = snprintf(buf, len, fmt[style], vendor, device, PCI_ANY_ID, PCI_ANY_ID, cls, mask);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int dynid_ids(const struct policy *p, char *buf, size_t len)
{
	size_t used = 0;
	char one[64];

	if (len)
		buf[0] = '\0';
	for (int i = 0; i < p->nmatch; i++) {
		int rc = dynid_format(&p->match[i], DYNID_IDS, one, sizeof(one));
		size_t n = strlen(one) + (i ? 1 : 0);

		if (rc)
			return rc;
		if (used + n > DYNID_IDS_MAX || used + n >= len)
			return -E2BIG;
		snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
		used += n;
	}
	return p->nmatch;
}

/* Write one new_id line; EEXIST: the id is already there. Returns 0 or -errno. */
static int dynid_write(const struct write_ctx *w, const char *line)
{
	int rc = write_driver_attr(w, "vfio-pci", "new_id", line);
	struct action *a = w->r->nactions ? &w->r->actions[w->r->nactions - 1] : NULL;

	if (rc != -EEXIST)
		return rc;
	if (a) {
		a->ok = true;
		snprintf(a->why, sizeof(a->why), "already a vfio-pci id (EEXIST)");
	}
	return 0;
}

int dynid_apply(const struct policy *p, bool dry_run)
{
	struct report r = { 0 };
	const struct write_ctx w = { .r = &r, .p = p, .kernel = "", .dry_run = dry_run };
	char line[64];
	int first = 0;

	if (!p->guard_dynid || p->mode == MODE_AUDIT_READONLY)
		return 0;
	for (int i = 0; i < p->nmatch; i++) {
		int rc = dynid_format(&p->match[i], DYNID_NEW_ID, line, sizeof(line));

		if (!rc)
			rc = dynid_write(&w, line);
		else
			fprintf(stderr, "gpugate-guard: [devices] match entry %d matches every function: no vfio-pci id for it\n",
				i + 1);
		if (rc && !first)
			first = rc;
	}
	for (int i = 0; i < r.nactions; i++)
		fprintf(stderr, "gpugate-guard: %svfio-pci new_id \"%s\": %s%s%s\n",
			r.actions[i].dry_run ? "would write " : "", r.actions[i].after,
			r.actions[i].ok ? "ok" : "FAILED", r.actions[i].why[0] ? ": " : "",
			r.actions[i].why);
	report_free(&r);
	return first;
}
