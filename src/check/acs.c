// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * acs.c - acs.path and acs.peers: Access Control Services on every port
 * where peer-to-peer traffic could reach a protected device without passing
 * the IOMMU.
 *
 * ACS acts at the ingress port of a transaction (PCIe Base Spec 6.0, 6.12):
 * Request Redirect on the attacker's downstream port is what sends its
 * peer-to-peer request up to the root complex and the IOMMU. So ACS is
 * needed not only on the protected device's own ports, but on every other
 * downstream port of each switch on its path that has something below it,
 * and on the other functions of its own slot (a multifunction device's
 * functions talk to each other internally unless ACS redirects them).
 * Direct Translated P2P (DT) must stay clear: when set it lets requests
 * marked as already translated (ATS) go peer-to-peer, bypassing Request
 * Redirect (PCIe 6.0, 6.12.1.1).
 *
 * acs.enhanced judges, on the same path ports, the ACS Enhanced controls
 * (acsx.h) the policy names in [acs] require_enhanced, where a port
 * advertises them and they apply to its type.
 */
#include <stdio.h>

#include <pci/header.h>

#include "acsx.h"
#include "checks.h"
#include "model.h"

/* Describe @ctl against the implemented required bits @req into @buf; true if it holds. */
static bool acs_judge(uint16_t cap, uint16_t ctl, uint16_t req, uint16_t forb, char *buf,
		      size_t len)
{
	char a[48], b[48];
	uint16_t missing = req & ~ctl, bad = forb & ctl;

	if (!missing && !bad) {
		snprintf(buf, len, "ctl 0x%04x", ctl);
		return true;
	}
	snprintf(buf, len, "ctl 0x%04x (cap 0x%04x):%s%s%s%s", ctl, cap,
		 missing ? " missing " : "", missing ? policy_acs_names(missing, a, sizeof(a)) : "",
		 bad ? " set " : "", bad ? policy_acs_names(bad, b, sizeof(b)) : "");
	return false;
}

/*
 * The ACS controls that @port must implement if it has the capability at
 * all (PCIe 6.0, 6.12.1.1 and 6.12.1.2): a Downstream Port all of SV TB RR
 * CR UF; a Root Port SV and TB, while RR, CR and UF exist only where the
 * Root Port has the matching peer-to-peer path ("RR must be implemented by
 * Root Ports that support peer-to-peer traffic with other Root Ports"); a
 * function of a multifunction device none unconditionally. The kernel
 * likewise masks the bits it wants by the capability
 * (pci_acs_flags_enabled()). A required bit that is not implemented where
 * it is optional is a warning; where it is mandatory, a failure.
 */
static uint16_t acs_mandatory(const struct pdev *port)
{
	switch (port->caps.pcie_type) {
	case PCI_EXP_TYPE_DOWNSTREAM:
		return PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_BLOCK | PCI_ACS_CTRL_REQ_RED |
		       PCI_ACS_CTRL_CMPLT_RED | PCI_ACS_CTRL_FORWARD;
	case PCI_EXP_TYPE_ROOT_PORT:
		return PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_BLOCK;
	default:
		return 0;
	}
}

/* Evaluate ACS on @port for the protected slot led by @d. */
static void acs_eval(struct ctx *c, const char *id, struct pdev *d, struct pdev *port,
		     uint16_t req, uint16_t forb, const char *role)
{
	char want[64], nope[48], names[48];
	const char *type;
	struct finding *f;
	uint16_t cap, ctl, unimpl;

	if (!check_config(c, id, d, port))
		return;
	type = caps_type_name(port->caps.pcie_type);
	f = check_add(c, id, d, port, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "%s set, %s clear",
		 policy_acs_names(req, want, sizeof(want)), policy_acs_names(forb, nope, sizeof(nope)));
	if (!port->caps.acs) {
		snprintf(f->actual, sizeof(f->actual), "no ACS capability");
		finding_msg(f, "%s %s has no ACS capability: peer-to-peer through it bypasses the IOMMU; fix: none in software (use a slot or switch with ACS)",
			    role, type);
		return;
	}
	cap = cfg_word(port->cfg, port->caps.acs + PCI_ACS_CAP);
	ctl = cfg_word(port->cfg, port->caps.acs + PCI_ACS_CTRL);
	unimpl = req & ~cap;
	if (acs_judge(cap, ctl, req & cap, forb, f->actual, sizeof(f->actual))) {
		if (!unimpl) {
			f->status = ST_PASS;
			finding_msg(f, "%s %s: ACS as required", role, type);
			return;
		}
		policy_acs_names(unimpl, names, sizeof(names));
		snprintf(f->actual, sizeof(f->actual), "ctl 0x%04x (cap 0x%04x): %s not implemented", ctl, cap, names);
		if (unimpl & acs_mandatory(port)) {
			finding_msg(f, "%s %s does not implement ACS %s, which PCIe requires of such a port with ACS; fix: none in software (use another switch or slot)",
				    role, type, names);
			return;
		}
		f->status = ST_WARN;
		finding_msg(f, "%s %s does not implement ACS %s: per PCIe it then has no such peer-to-peer path; the other required bits are set; fix: none needed",
			    role, type, names);
		return;
	}
	finding_msg(f, "%s %s ACS control is not as required; fix: gpugate enforce (writes ACS control), and pci=config_acs= (see gpugate cmdline) for the next boot",
		    role, type);
}

/*
 * A bridge on the path that is not a PCIe root or downstream port, or an
 * endpoint that owns the PCI domain below it (Intel VMD: the kernel hands
 * every device of the domain the VMD's requester ID, pci_real_dma_dev()).
 */
static void acs_bad_bridge(struct ctx *c, struct pdev *d, struct pdev *b)
{
	struct finding *f = check_add(c, "acs.path", d, b, ST_FAIL);

	snprintf(f->expected, sizeof(f->expected), "PCIe ports with ACS");
	snprintf(f->actual, sizeof(f->actual), "%s", caps_type_name(b->caps.pcie_type));
	if (!pdev_is_bridge(b)) {
		snprintf(f->actual, sizeof(f->actual), "endpoint, class %04x", (unsigned int)(b->class >> 8));
		finding_msg(f, "the path crosses an endpoint that owns PCI domain %04x (Intel VMD): every device of that domain reaches the IOMMU with its requester ID, so no ACS setting isolates them; fix: disable VMD for these ports in the firmware setup, or move the GPU out of the VMD domain",
			    d->domain);
		return;
	}
	finding_msg(f, "a %s is on the path: devices below it share requester IDs and cannot be isolated from each other; fix: move the GPU to a PCIe slot without a conventional PCI bridge above it",
		    caps_type_name(b->caps.pcie_type));
}

/*
 * Domains above ffff are Intel VMD domains (ACPI _SEG numbers are 16 bits,
 * vmd_find_free_domain() starts at 10000). From an lspci dump the VMD
 * endpoint above such a domain is not in the tree: say so, never pass.
 */
static void acs_vmd_unseen(struct ctx *c, struct pdev *d)
{
	struct finding *f = check_add(c, "acs.path", d, NULL, ST_FAIL);

	snprintf(f->expected, sizeof(f->expected), "PCIe ports with ACS");
	snprintf(f->actual, sizeof(f->actual), "PCI domain %04x", d->domain);
	finding_msg(f, "the function is in PCI domain %04x, above ffff, which only an Intel VMD creates: every device of that domain reaches the IOMMU with the VMD's requester ID, so no ACS setting isolates them; fix: disable VMD for these ports in the firmware setup, or move the GPU out of the VMD domain",
		    d->domain);
}

/*
 * The @i-th bridge on @d's path for check @id, root first; NULL past the
 * end, or when the path is unknown or the bridge's config space unreadable
 * (then an undetermined finding says so, and *@stop is set).
 */
static struct pdev *path_port(struct ctx *c, const char *id, struct pdev *d, int i, bool *stop)
{
	struct pdev *b;

	*stop = true;
	if (d->path_err) {
		finding_unknown(check_add(c, id, d, NULL, ST_FAIL), "cannot resolve the device's path to the root complex");
		return NULL;
	}
	if (i >= d->path_len) {
		*stop = false;
		return NULL;
	}
	b = &c->m->devs[d->path[i]];
	if (!check_config(c, id, d, b))
		return NULL;
	*stop = false;
	return b;
}

void check_acs_path(struct ctx *c, struct pdev *d)
{
	const char *id = "acs.path";
	int checked = 0;
	bool owner = false; /* an endpoint owning the domain (VMD) is on the path */
	bool stop;
	struct pdev *b;

	for (int i = 0; (b = path_port(c, id, d, i, &stop)); i++) {
		switch (b->caps.pcie_type) {
		case PCI_EXP_TYPE_ROOT_PORT:
		case PCI_EXP_TYPE_DOWNSTREAM:
			acs_eval(c, id, d, b, c->p->acs_require, c->p->acs_forbid, "path");
			checked++;
			break;
		case PCI_EXP_TYPE_UPSTREAM:
			break; /* ACS applies at downstream ports, not upstream ones */
		default:
			owner |= !pdev_is_bridge(b);
			acs_bad_bridge(c, d, b);
			checked++;
			break;
		}
	}
	if (stop)
		return;
	if (d->domain > 0xffff && !owner) {
		acs_vmd_unseen(c, d);
		checked++;
	}
	if (!checked)
		finding_msg(check_add(c, id, d, NULL, ST_PASS),
			    "no bridge between the function and the root complex (integrated endpoint)");
}

/* Does downstream port @o (a sibling on the path's switch) need ACS? */
static bool is_live_peer_port(struct ctx *c, struct pdev *d, struct pdev *o, struct pdev *mine)
{
	if (o == mine || o->nchildren == 0 || !pdev_is_bridge(o))
		return false;
	if (!check_config(c, "acs.peers", d, o))
		return false;
	return o->caps.pcie_type == PCI_EXP_TYPE_DOWNSTREAM ||
	       o->caps.pcie_type == PCI_EXP_TYPE_ROOT_PORT;
}

/*
 * Peers of path element @i: the other downstream ports of the same switch,
 * or, for a root port, the other root ports on the same root bus (the root
 * complex may route peer-to-peer between them; RR on the attacker's root
 * port is what sends such a request to the IOMMU).
 */
static int acs_peers_at(struct ctx *c, struct pdev *d, int i)
{
	struct pdev *mine = &c->m->devs[d->path[i]];
	int n = 0;

	for (int k = model_peer_first(c->m, mine); k >= 0; k = c->m->devs[k].peer_next) {
		struct pdev *o = &c->m->devs[k];

		if (!is_live_peer_port(c, d, o, mine))
			continue;
		acs_eval(c, "acs.peers", d, o, c->p->acs_require, c->p->acs_forbid, "peer");
		n++;
	}
	return n;
}

/* A function whose place in the tree is unknown could be anyone's peer. */
static bool topology_known(struct ctx *c, struct pdev *d)
{
	char why[160];

	if (c->m->first_path_err < 0)
		return true;
	snprintf(why, sizeof(why), "cannot resolve where %s sits in the device tree, so its port cannot be ruled out as a peer",
		 c->m->devs[c->m->first_path_err].bdf);
	finding_unknown(check_add(c, "acs.peers", d, NULL, ST_FAIL), why);
	return false;
}

void check_acs_peers(struct ctx *c, struct pdev *d)
{
	int n = 0, lost = 0;

	if (!topology_known(c, d))
		return;
	for (int i = 0; i < d->path_len; i++) {
		struct pdev *b = &c->m->devs[d->path[i]];

		if (!(d->path_known & 1u << i)) {
			lost++; /* acs.path reported it; its type, so its peers, unknown */
			continue;
		}
		if (b->caps.pcie_type == PCI_EXP_TYPE_DOWNSTREAM ||
		    b->caps.pcie_type == PCI_EXP_TYPE_ROOT_PORT)
			n += acs_peers_at(c, d, i);
	}
	for (int k = model_card_first(c->m, d); k >= 0; k = c->m->devs[k].card_next) {
		struct pdev *o = &c->m->devs[k];

		if (!o->foreign)
			continue;
		acs_eval(c, "acs.peers", d, o, c->p->acs_require & ACS_MFD_BITS,
			 c->p->acs_forbid & ACS_MFD_BITS, "foreign function on the card,");
		n++;
	}
	if (lost)
		finding_unknown(check_add(c, "acs.peers", d, NULL, ST_FAIL),
				"a port on its path has unreadable config space (see acs.path), so the peers of that port are unknown");
	else if (!n)
		finding_msg(check_add(c, "acs.peers", d, NULL, ST_PASS), "no peer port or foreign function that could reach it");
}

/* Why the required controls @na do not apply to the port, into @buf ("" when none). */
static const char *acsx_na_why(unsigned int na, char *buf, size_t len)
{
	char names[32], dsp[64] = "";
	unsigned int type_na = na & ~(unsigned int)ACSX_DSP;

	buf[0] = '\0';
	if (na & ACSX_DSP)
		snprintf(dsp, sizeof(dsp), "DSP: the port has no memory BAR%s", type_na ? "; " : "");
	if (!na)
		return buf;
	snprintf(buf, len, "; not applicable: %s%s%s", dsp,
		 type_na ? acsx_names(type_na, names, sizeof(names)) : "",
		 type_na ? " only on a Switch Downstream Port" : "");
	return buf;
}

/* Judge the ACS Enhanced controls of path port @port of protected card @d. */
static void acsx_eval(struct ctx *c, struct pdev *d, struct pdev *port)
{
	unsigned int want = c->p->acs_enhanced, applies, unmet;
	const char *type = caps_type_name(port->caps.pcie_type);
	char names[32], now[48], na[128];
	struct finding *f = check_add(c, "acs.enhanced", d, port, ST_PASS);
	uint16_t cap, ctl;

	snprintf(f->expected, sizeof(f->expected), "%s where they apply (memory target: blocking or redirect)",
		 acsx_names(want, names, sizeof(names)));
	if (!port->caps.acs) {
		snprintf(f->actual, sizeof(f->actual), "no ACS capability");
		finding_msg(f, "path %s has no ACS capability, so no ACS Enhanced control applies (acs.path fails the port)", type);
		return;
	}
	cap = cfg_word(port->cfg, port->caps.acs + PCI_ACS_CAP);
	ctl = cfg_word(port->cfg, port->caps.acs + PCI_ACS_CTRL);
	if (!(cap & ACSX_CAP_ENHANCED)) {
		snprintf(f->actual, sizeof(f->actual), "cap 0x%04x: no ACS Enhanced Capability", cap);
		finding_msg(f, "path %s does not advertise ACS Enhanced (ACS Capability bit 7): %s do not apply", type,
			    names);
		return;
	}
	applies = acsx_applies(port->caps.pcie_type, pdev_mem_bar(port));
	unmet = acsx_unmet(ctl, want & applies);
	acsx_na_why(want & ~applies, na, sizeof(na));
	snprintf(f->actual, sizeof(f->actual), "ctl 0x%04x: %s", ctl, acsx_describe(ctl, now, sizeof(now)));
	if (!unmet) {
		finding_msg(f, "path %s: ACS Enhanced as required%s", type, na);
		return;
	}
	f->status = ST_FAIL;
	finding_msg(f, "path %s: ACS Enhanced %s not as required%s; fix: gpugate enforce (writes ACS control; pci=config_acs= cannot carry these bits)",
		    type, acsx_names(unmet, names, sizeof(names)), na);
}

void check_acs_enhanced(struct ctx *c, struct pdev *d)
{
	int checked = 0;
	bool stop;
	struct pdev *b;

	for (int i = 0; (b = path_port(c, "acs.enhanced", d, i, &stop)); i++) {
		if (b->caps.pcie_type != PCI_EXP_TYPE_ROOT_PORT &&
		    b->caps.pcie_type != PCI_EXP_TYPE_DOWNSTREAM)
			continue; /* upstream ports: no ingress ACS; other bridges: acs.path fails them */
		acsx_eval(c, d, b);
		checked++;
	}
	if (!stop && !checked)
		finding_msg(check_add(c, "acs.enhanced", d, NULL, ST_PASS),
			    "no root or downstream port between the function and the root complex");
}
