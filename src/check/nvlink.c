// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nvlink.c - nvlink.nvswitch: NVLink peer-to-peer between GPUs goes through
 * NVSwitch functions and never through the IOMMU.
 *
 * [nvlink] forbid_nvswitch = yes fails every NVSwitch function. whole-node
 * (one tenant rents the whole HGX board) allows them when every NVSwitch
 * and every NVIDIA GPU function of the node is protected and bound to the
 * policy's VFIO driver: the NVLink fabric then joins only functions that
 * one guest owns. The other checks (group, ACS, ATS, binding) run on every
 * protected function, NVSwitches included, so a pass of the whole run
 * still needs each of them.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "model.h"

static const char *const ID = "nvlink.nvswitch";

#define NVIDIA 0x10de
#define CLASS_NVSWITCH 0x0680 /* bridge, other: PCI_CLASS_BRIDGE_NVSWITCH */

static bool is_nvswitch(const struct pdev *d)
{
	return !d->ident_err && d->vendor == NVIDIA && d->class == CLASS_NVSWITCH;
}

/* An NVIDIA GPU: display (0300), 3D (0302) or other display (0380). */
static bool is_nvidia_gpu(const struct pdev *d)
{
	return !d->ident_err && d->vendor == NVIDIA &&
	       (d->class == 0x0300 || d->class == 0x0302 || d->class == 0x0380);
}

static int count_nvswitches(const struct model *m)
{
	int n = 0;

	for (int i = 0; i < m->ndevs; i++)
		n += is_nvswitch(&m->devs[i]);
	return n;
}

/* forbid_nvswitch = yes: every NVSwitch function fails. */
static void nvswitch_forbidden(struct ctx *c)
{
	for (int i = 0; i < c->m->ndevs; i++) {
		struct pdev *d = &c->m->devs[i];
		struct finding *f;

		if (!is_nvswitch(d))
			continue;
		f = check_add(c, ID, d, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "no NVSwitch function");
		snprintf(f->actual, sizeof(f->actual), "10de:%04x class 0680", d->device);
		finding_msg(f, "NVSwitch present: NVLink peer-to-peer between GPUs bypasses the IOMMU; fix: pass the whole HGX board to one tenant with a fabric manager policy, or set [nvlink] forbid_nvswitch = no knowingly");
	}
}

/*
 * A function whose IDs or class could not be read may be an NVSwitch or a
 * GPU of the node: whole-node cannot hold while it is there. Returns how
 * many such functions there are.
 */
static int whole_node_unknown(struct ctx *c)
{
	char why[200];
	int n = 0;

	for (int i = 0; i < c->m->ndevs; i++) {
		struct pdev *d = &c->m->devs[i];

		if (!d->ident_err)
			continue;
		n++;
		snprintf(why, sizeof(why), "cannot tell whether %s is an NVSwitch or a GPU of the node: %s",
			 d->bdf, d->ident_why);
		finding_unknown(check_add(c, ID, d, NULL, ST_FAIL), why);
	}
	return n;
}

/* Is @d, an NVSwitch or GPU, protected and on the VFIO driver? If not, say why. */
static bool whole_node_member(struct ctx *c, const struct pdev *d)
{
	const char *what = is_nvswitch(d) ? "NVSwitch" : "GPU";
	const char *want = c->p->driver;
	struct finding *f;

	if (pdev_protected(d) && !d->driver_err && !strcmp(d->driver, want))
		return true;
	f = check_add(c, ID, d, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "protected and bound to %s", want);
	if (!pdev_protected(d)) {
		snprintf(f->actual, sizeof(f->actual), "%s 10de:%04x not protected", what, d->device);
		finding_msg(f, "whole-node: %s %s is not protected, so the NVLink fabric joins the tenant's GPUs to a function the tenant does not own; fix: add it to [devices] match (10de:*:%04x) or bdf",
			    what, d->bdf, (unsigned int)d->class);
	} else if (d->driver_err) {
		finding_unknown(f, "whole-node: cannot read the driver link of this function");
	} else {
		snprintf(f->actual, sizeof(f->actual), "%s", d->driver[0] ? d->driver : "no driver");
		finding_msg(f, "whole-node: %s %s is %s%s, not on %s: the host can drive the NVLink fabric the tenant uses; fix: gpugate enforce (bind it to %s)",
			    what, d->bdf, d->driver[0] ? "bound to " : "not bound", d->driver, want,
			    want);
	}
	return false;
}

/*
 * forbid_nvswitch = whole-node: pass when there is no NVSwitch, or when
 * every NVSwitch and NVIDIA GPU function is protected and on the VFIO
 * driver; one failure for each that is not, and for each function whose
 * identity is unknown.
 */
static void nvswitch_whole_node(struct ctx *c)
{
	int bad = whole_node_unknown(c), nsw = count_nvswitches(c->m), ngpu = 0;

	if (!nsw && !bad) {
		finding_msg(check_add(c, ID, NULL, NULL, ST_PASS), "whole-node: no NVSwitch function (10de, class 0680), nothing to hold");
		return;
	}
	for (int i = 0; i < c->m->ndevs && nsw; i++) {
		const struct pdev *d = &c->m->devs[i];

		if (!is_nvswitch(d) && !is_nvidia_gpu(d))
			continue;
		ngpu += is_nvidia_gpu(d);
		bad += !whole_node_member(c, d);
	}
	if (bad)
		return;
	finding_msg(check_add(c, ID, NULL, NULL, ST_PASS), "whole-node: %d NVSwitch and %d GPU function(s), all protected and bound to %s",
		    nsw, ngpu, c->p->driver);
}

void check_nvlink_nvswitch(struct ctx *c)
{
	if (c->p->forbid_nvswitch == NVSWITCH_WHOLE_NODE) {
		if (model_is_live(c->m))
			nvswitch_whole_node(c);
		else
			finding_msg(check_add(c, ID, NULL, NULL, ST_SKIP), "whole-node: not available from an lspci dump: it reads the driver links of the live host");
		return;
	}
	nvswitch_forbidden(c);
	if (!count_nvswitches(c->m))
		finding_msg(check_add(c, ID, NULL, NULL, ST_PASS), "no NVSwitch function (10de, class 0680)");
}
