// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * model.c - scan the host once into struct model.
 *
 * The chosen source (source.h: sysfs.c, or dump.c for --lspci-dump)
 * reads the host state, places every function and reads the links of the
 * protected ones; pcidev.c scans the functions through libpci. Here the
 * source-independent part: the card and peer indexes and the protection
 * marks. Then configs.c loads the config spaces the checks look at, and
 * only those. Every walk here is linear in the number of functions: a slot's
 * functions are adjacent in address order, and the functions beside each
 * bridge are chained once (index_peers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/header.h>

#include "baseline.h"
#include "model.h"
#include "modload.h"
#include "pcidev.h"
#include "source.h"
#include "sysroot.h"

bool model_same_slot(const struct pdev *a, const struct pdev *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->dev == b->dev;
}

int model_slot_first(const struct model *m, const struct pdev *d)
{
	int k = (int)(d - m->devs);

	while (k > 0 && model_same_slot(&m->devs[k - 1], d))
		k--;
	return k;
}

int model_card_first(const struct model *m, const struct pdev *d)
{
	return d->card_first >= 0 ? d->card_first : (int)(d - m->devs);
}

bool model_same_card(const struct pdev *a, const struct pdev *b)
{
	return a == b || (a->card_first >= 0 && a->card_first == b->card_first);
}

bool model_is_card_leader(const struct model *m, const struct pdev *d)
{
	for (int k = model_card_first(m, d); k >= 0 && &m->devs[k] != d; k = m->devs[k].card_next)
		if (pdev_protected(&m->devs[k]))
			return false;
	return pdev_protected(d);
}

bool model_is_link_port(struct pdev *b)
{
	if (b->ident_err || model_config(b))
		return false;
	return b->caps.pcie_type == PCI_EXP_TYPE_ROOT_PORT ||
	       b->caps.pcie_type == PCI_EXP_TYPE_DOWNSTREAM ||
	       b->caps.pcie_type == PCI_EXP_TYPE_PCIE_BRIDGE;
}

/* The link port right above @d, or NULL (root bus, conventional bus, unknown). */
static struct pdev *card_port(struct model *m, const struct pdev *d)
{
	struct pdev *b = !d->path_err && d->parent >= 0 ? &m->devs[d->parent] : NULL;

	return b && model_is_link_port(b) ? b : NULL;
}

/* The function after @k on the card: below @port, or else in @k's slot. */
static int card_step(const struct model *m, const struct pdev *port, int k)
{
	if (port)
		return m->devs[k].peer_next;
	return k + 1 < m->ndevs && model_same_slot(&m->devs[k + 1], &m->devs[k]) ? k + 1 : -1;
}

/*
 * Chain the functions of @d's physical card (card_first, card_next). Below
 * a PCIe Root or Downstream Port (or a PCI-to-PCIe bridge) the link has one
 * device: the kernel scans only device 0 there (only_one_child()), and
 * every other function it finds is that device's too - ARI functions 8-255,
 * which show up as devices 1-31 when ARI Forwarding is on (next_fn() walks
 * the ARI Next Function Number, pci_ari_enabled()), and SR-IOV VFs, which
 * pci_iov_add_virtfn() hangs below the PF's parent even on a bus of their
 * own. So every function below such a port is one card. Elsewhere (root
 * bus, conventional PCI) a card is one slot.
 */
static void model_card_build(struct model *m, struct pdev *d)
{
	const struct pdev *port;
	int first, prev = -1;

	if (d->card_first >= 0)
		return;
	port = card_port(m, d);
	first = port ? port->child_first : model_slot_first(m, d);
	for (int k = first; k >= 0; k = card_step(m, port, k)) {
		m->devs[k].card_first = first;
		if (prev >= 0)
			m->devs[prev].card_next = k;
		prev = k;
	}
}

int model_peer_first(const struct model *m, const struct pdev *b)
{
	if (b->path_err)
		return -1;
	return b->parent >= 0 ? m->devs[b->parent].child_first : b->peer_first;
}

static bool same_root_bus(const struct pdev *a, const struct pdev *b)
{
	return a->parent < 0 && b->parent < 0 && a->domain == b->domain && a->bus == b->bus;
}

/*
 * Chain the functions that sit beside each other (model_peer_first) in
 * address order: the children of each bridge, and the functions on each
 * root bus, which m->devs (address order) lists together. Functions whose
 * place is unknown are nobody's sibling and stay out.
 */
static void index_peers(struct model *m)
{
	int root_head = -1;

	for (int i = m->ndevs - 1; i >= 0; i--) {
		struct pdev *d = &m->devs[i];

		if (d->path_err)
			continue;
		if (d->parent >= 0) {
			d->peer_next = m->devs[d->parent].child_first;
			m->devs[d->parent].child_first = i;
			m->devs[d->parent].nchildren++;
			continue;
		}
		if (root_head >= 0 && same_root_bus(&m->devs[root_head], d))
			d->peer_next = root_head;
		root_head = i;
	}
	root_head = -1;
	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i];

		if (d->path_err || d->parent >= 0)
			continue;
		if (root_head < 0 || !same_root_bus(&m->devs[root_head], d))
			root_head = i;
		d->peer_first = root_head;
	}
}

static bool listed(const struct policy *p, const char *bdf)
{
	for (int i = 0; i < p->nbdf; i++)
		if (!strcmp(p->bdf[i], bdf))
			return true;
	return false;
}

/* Mark matched functions, then the other functions of their cards. */
static void mark_protected(struct model *m, const struct policy *p)
{
	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i];

		d->matched = listed(p, d->bdf) ||
			     (!d->ident_err && policy_matches(p, d->vendor, d->device, d->class));
	}
	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i];

		if (!d->matched)
			continue;
		model_card_build(m, d);
		for (int j = d->card_first; j >= 0; j = m->devs[j].card_next) {
			struct pdev *o = &m->devs[j];

			if (o->matched)
				continue;
			if (p->companions == COMPANIONS_SLOT && !o->ident_err &&
			    policy_is_companion_class(p, o->class))
				o->companion = true;
			else
				o->foreign = true;
		}
	}
}

void model_index(struct model *m, const struct policy *p)
{
	index_peers(m);
	mark_protected(m, p);
	m->first_path_err = -1;
	for (int i = 0; i < m->ndevs && m->first_path_err < 0; i++)
		if (m->devs[i].path_err)
			m->first_path_err = i;
}

/* The run-time values of the policy's forbidden module parameters. */
static void read_forbid_params(struct model *m, const struct policy *p)
{
	for (int i = 0; i < p->nforbid; i++) {
		struct modparam *mp = &m->forbid_rt[i];
		const char *name = p->forbid[i];
		const char *dot = strchr(name, '.'), *eq = strchr(name, '=');
		char mod[64];

		if (!dot || !eq || dot > eq || (size_t)(dot - name) >= sizeof(mod))
			continue;
		memcpy(mod, name, (size_t)(dot - name));
		mod[dot - name] = '\0';
		snprintf(mp->path, sizeof(mp->path), "/sys/module/%s/parameters/%.*s",
			 mod, (int)(eq - dot - 1), dot + 1);
		mp->read = true;
		mp->err = sysroot_read_line(mp->path, mp->val, sizeof(mp->val));
	}
}

int model_build(struct model *m, const struct policy *p, char *err, size_t errlen)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->src = source_current();
	rc = m->src->prepare(m, err, errlen);
	if (rc)
		return rc;
	rc = pcidev_scan(m, err, errlen);
	if (!rc)
		rc = m->src->place(m, err, errlen);
	if (rc)
		return rc;
	model_index(m, p);
	if (m->src->links)
		m->src->links(m);
	if (m->src->state)
		m->src->state(m, p);
	if (m->src->live) /* a dump has no module parameters (the check skips) */
		read_forbid_params(m, p);
	model_load_configs(m, p);
	baseline_model_collect(m, p);
	return 0;
}

int model_build_or_say(struct model *m, const struct policy *p)
{
	char err[512];
	int rc = model_build(m, p, err, sizeof(err));

	if (rc)
		fprintf(stderr, "gpugate: cannot scan PCI devices%s%s: %s\n",
			sysroot_is_redirected() ? " under " : "", sysroot_prefix(), err);
	return rc;
}

int model_config(struct pdev *d)
{
	return pcidev_load_config(d);
}

bool model_is_live(const struct model *m)
{
	return m->src->live;
}

void model_read_boot_report(struct model *m, const char *path)
{
	char line[1024];

	m->boot.read = true;
	m->boot.root = sysroot_prefix();
	m->boot.err = sysroot_read_line(path, line, sizeof(line));
	if (!m->boot.err)
		boot_report_parse(&m->boot, line);
}

void model_free(struct model *m)
{
	for (int i = 0; i < m->ndevs; i++) {
		model_free_members(&m->devs[i], m->devs[i].nmembers);
		if (m->devs[i].live)
			free(m->devs[i].live->mods);
		free(m->devs[i].live);
		m->devs[i].live = NULL;
	}
	modload_close(m->kmod);
	m->kmod = NULL;
	baseline_model_free(m);
	pcidev_cleanup(m);
}
