// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * group.c - group.isolated: a protected function shares its IOMMU group only
 * with its own card's protected functions and with bridges.
 *
 * The kernel puts in one group every device that can reach another without
 * the IOMMU seeing it (pci_device_group(), drivers/iommu/iommu.c). Whoever
 * gets the GPU through VFIO therefore gets DMA to the whole group. VFIO's
 * own "viability" accepts driverless endpoints and bridges, so a group that
 * also holds an unbound NIC is viable yet not isolated: gpugate asks for
 * more than VFIO does.
 */
#include <stdio.h>
#include <string.h>

#include <pci/header.h>

#include "checks.h"
#include "model.h"

/*
 * A bridge is what the kernel's pci_is_bridge() calls one: a type 1
 * (PCI-to-PCI) or type 2 (CardBus) header. The class code is the device's
 * own claim: an endpoint (type 0 header) that says 0604 or 0609 is an
 * endpoint. Unreadable config space is no bridge (access.config says why).
 */
static bool member_is_bridge(struct ctx *c, const struct pdev *d, const struct pdev *o)
{
	if (o->ident_err || !check_loaded(c, "group.isolated", d, o) || o->cfg_err)
		return false;
	return o->caps.hdr_type == PCI_HEADER_TYPE_BRIDGE ||
	       o->caps.hdr_type == PCI_HEADER_TYPE_CARDBUS;
}

/* Is member @o acceptable in protected @d's group? */
static bool member_ok(struct ctx *c, const struct pdev *d, const struct pdev *o)
{
	if (o == d)
		return true;
	if (pdev_protected(o) && model_same_card(o, d))
		return true;
	return member_is_bridge(c, d, o);
}

static void add_intruder(char *buf, size_t len, const char *bdf, const char *what)
{
	size_t used = strlen(buf);

	snprintf(buf + used, len - used, "%s%s(%s)", used ? " " : "", bdf, what);
}

/* The endpoint above @d that owns its PCI domain (Intel VMD), or NULL. */
static const struct pdev *domain_owner(const struct ctx *c, const struct pdev *d)
{
	for (int i = 0; i < d->path_len && !d->path_err; i++) {
		const struct pdev *b = &c->m->devs[d->path[i]];

		if (!b->ident_err && !pdev_is_bridge(b))
			return b;
	}
	return NULL;
}

void check_group_isolated(struct ctx *c, struct pdev *d)
{
	const char *id = "group.isolated";
	char intruders[128] = "", what[16];
	struct finding *f;
	int members = d->nmembers, bad = 0;

	if (!check_has_group(c, id, d, "alone in an IOMMU group"))
		return;
	if (members < 0) {
		snprintf(intruders, sizeof(intruders), "cannot list /sys/kernel/iommu_groups/%d/devices: %s",
			 d->group, strerror(-members));
		finding_unknown(check_add(c, id, d, NULL, ST_FAIL), intruders);
		return;
	}
	for (int i = 0; i < members; i++) {
		const char *name = d->members[i];
		int k = model_find(c->m, name);

		if (k >= 0 && member_ok(c, d, &c->m->devs[k]))
			continue;
		bad++;
		if (k < 0)
			snprintf(what, sizeof(what), "unknown");
		else
			snprintf(what, sizeof(what), "%04x", (unsigned int)c->m->devs[k].class);
		add_intruder(intruders, sizeof(intruders), name, what);
	}
	f = check_add(c, id, d, NULL, bad || !members ? ST_FAIL : ST_PASS);
	snprintf(f->expected, sizeof(f->expected), "group %d: this card's protected functions and bridges only", d->group);
	if (!members) {
		snprintf(f->actual, sizeof(f->actual), "group %d lists no devices", d->group);
		finding_msg(f, "IOMMU group %d is empty although the function links to it", d->group);
	} else if (bad && domain_owner(c, d)) {
		snprintf(f->actual, sizeof(f->actual), "%s", intruders);
		finding_msg(f, "IOMMU group %d also holds %d other endpoint(s): the function is in the PCI domain of %s (Intel VMD), whose devices all share its requester ID and group; fix: disable VMD for these ports in the firmware setup, or move the card out of the VMD domain",
			    d->group, bad, domain_owner(c, d)->bdf);
	} else if (bad) {
		snprintf(f->actual, sizeof(f->actual), "%s", intruders);
		finding_msg(f, "IOMMU group %d also holds %d other endpoint(s): whoever gets this GPU can DMA to them without the IOMMU; fix: move the card, enable ACS above it, or boot with pci=config_acs= so the kernel splits the group", d->group, bad);
	} else {
		snprintf(f->actual, sizeof(f->actual), "%d member(s), no foreign endpoint", members);
		finding_msg(f, "group %d is isolated", d->group);
	}
}
