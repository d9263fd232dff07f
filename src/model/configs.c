// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * configs.c - load the config spaces the checks read, so that no check
 * reads a file.
 *
 * The set is exactly the config spaces the checks look at for this policy
 * and model, and no other: access.config reports every config space that
 * was read and could not be used, so a broken config space on a function
 * no check looks at must not be read (it would change the verdict). The
 * loads follow the check table's order (group.isolated, acs.path,
 * acs.peers, then ats.disabled and bar.assigned: the protected functions)
 * and each check's own walk, because acs.peers judges the ports beside a
 * port on the path only when that port's type was known at its turn
 * (path_known).
 */
#include <pci/header.h>

#include "model.h"

/*
 * group.isolated asks of each member of a protected function's group
 * whether it is a bridge, unless it is the function itself, a protected
 * function of its card, or a function whose IDs are unreadable. The
 * members are listed by the source's links hook (none from a dump).
 */
static void load_group(struct model *m, const struct pdev *d)
{
	if (d->group < 0)
		return;
	for (int i = 0; i < d->nmembers; i++) {
		int k = model_find(m, d->members[i]);
		struct pdev *o = k >= 0 ? &m->devs[k] : NULL;

		if (!o || o == d || o->ident_err || (pdev_protected(o) && model_same_card(o, d)))
			continue;
		model_config(o);
	}
}

/* acs.path: the ports on the card leader's path, root first, up to the first unreadable one. */
static void load_path(struct model *m, const struct pdev *d)
{
	for (int i = 0; !d->path_err && i < d->path_len; i++)
		if (model_config(&m->devs[d->path[i]]))
			return;
}

/*
 * acs.peers: for each root or downstream port on the path whose type is
 * known by then, the bridges beside it with something below them; then
 * the card's foreign functions. Nothing when a function's place is unknown
 * (the check then reports every peer unknown).
 */
static void load_peers(struct model *m, struct pdev *d)
{
	if (m->first_path_err >= 0)
		return;
	for (int i = 0; i < d->path_len; i++) {
		struct pdev *b = &m->devs[d->path[i]];

		if (!b->cfg_loaded || b->cfg_err)
			continue;
		d->path_known |= 1u << i;
		if (b->caps.pcie_type != PCI_EXP_TYPE_DOWNSTREAM &&
		    b->caps.pcie_type != PCI_EXP_TYPE_ROOT_PORT)
			continue;
		for (int k = model_peer_first(m, b); k >= 0; k = m->devs[k].peer_next) {
			struct pdev *o = &m->devs[k];

			if (o != b && o->nchildren && pdev_is_bridge(o))
				model_config(o);
		}
	}
	for (int k = model_card_first(m, d); k >= 0; k = m->devs[k].card_next)
		if (m->devs[k].foreign)
			model_config(&m->devs[k]);
}

void model_load_configs(struct model *m, const struct policy *p)
{
	for (int i = 0; i < m->ndevs; i++)
		if (pdev_protected(&m->devs[i]))
			load_group(m, &m->devs[i]);
	for (int i = 0; i < m->ndevs; i++)
		if (pdev_protected(&m->devs[i]) && model_is_card_leader(m, &m->devs[i]))
			load_path(m, &m->devs[i]);
	for (int i = 0; i < m->ndevs; i++)
		if (pdev_protected(&m->devs[i]) && model_is_card_leader(m, &m->devs[i]))
			load_peers(m, &m->devs[i]);
	for (int i = 0; (p->ats_require_disabled || p->require_bars) && i < m->ndevs; i++)
		if (pdev_protected(&m->devs[i]))
			model_config(&m->devs[i]);
}
