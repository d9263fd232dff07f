/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * model.h - build the picture of the host that the checks read: the PCI
 * functions with their topology, IOMMU groups and drivers, the kernel
 * command line, the IOMMUs present, and which functions the policy protects.
 */
#ifndef GPUGATE_MODEL_H
#define GPUGATE_MODEL_H

#include "devs.h"
#include "gpugate.h"

/*
 * Scan the (sysroot's) system into @m and mark protected functions. Reads
 * only. Returns 0, or -errno with a reason in @err when nothing sensible can
 * be scanned (no PCI bus under the root). Per-device problems do not fail
 * the build: they are left in the device for access.config to report.
 */
int model_build(struct model *m, const struct policy *p, char *err, size_t errlen);

/*
 * What model_build() does once the functions and their places are known:
 * chain the functions beside each other (model_peer_first) and the cards,
 * mark the protected functions, and set first_path_err. The functions must
 * be in address order with parent, path, path_err, ident and the *_first /
 * *_next fields at -1 (child_first and nchildren are counted here). The
 * unit tests of the checks call it on models built by hand.
 */
void model_index(struct model *m, const struct policy *p);

/* model_build(), saying on stderr why the scan failed. Returns 0 or -errno. */
int model_build_or_say(struct model *m, const struct policy *p);

/* Frees what the model holds, and closes its module index (m->kmod). */
void model_free(struct model *m);

/*
 * `check` after boot (gate.boot): read the first line of the boot's gate
 * report @path into m->boot and parse it.
 */
void model_read_boot_report(struct model *m, const char *path);

/*
 * True when the model's source holds live host state (sysfs, a --root
 * tree), false for an lspci dump: config space and the device list only.
 */
bool model_is_live(const struct model *m);

/*
 * Load @d's config space if not yet loaded; returns d->cfg_err. For what
 * runs after the checks (fixes, views, the baseline): the checks read only
 * what model_build loaded.
 */
int model_config(struct pdev *d);

/*
 * Load the config spaces the checks read for policy @p, and only those
 * (configs.c); sets each card leader's path_known. Called by model_build
 * once the model is complete.
 */
void model_load_configs(struct model *m, const struct policy *p);

/* True when @a and @b are functions of the same slot (bus and device). */
bool model_same_slot(const struct pdev *a, const struct pdev *b);

/*
 * Index of the first function of @d's slot. The functions of a slot are
 * adjacent in m->devs (address order): the slot runs from there while
 * model_same_slot() holds.
 */
int model_slot_first(const struct model *m, const struct pdev *d);

/*
 * A card is the physical device a protected function belongs to: every
 * function below the same PCIe Root or Downstream Port (ARI functions and
 * SR-IOV VFs included), or, on a root bus or a conventional bus, the slot.
 * model_build chains the cards of matched functions (card_first,
 * card_next, address order); any other function is a card of its own.
 * Index of the first function of @d's card:
 *   for (k = model_card_first(m, d); k >= 0; k = m->devs[k].card_next)
 */
int model_card_first(const struct model *m, const struct pdev *d);

/* True when @a and @b are functions of one card. */
bool model_same_card(const struct pdev *a, const struct pdev *b);

/* The first protected function of @d's card: the one that speaks for it. */
bool model_is_card_leader(const struct model *m, const struct pdev *d);

/*
 * True when @b is a PCIe Root Port, Downstream Port or PCI/PCI-X-to-PCIe
 * bridge (pcie_downstream_port()): one device on its secondary link. Loads
 * @b's config space; false when it is unreadable.
 */
bool model_is_link_port(struct pdev *b);

/*
 * The functions beside bridge @b: below the same bridge, or, for @b on a
 * root bus, on the same root bus. These are the ports whose traffic can
 * meet @b's without crossing the root complex's IOMMU. Returns the index of
 * the first of them (@b itself is one of them), in address order, or -1
 * when @b's place is unknown; the next one is in its peer_next. Functions
 * whose place is unknown are in no such list.
 */
int model_peer_first(const struct model *m, const struct pdev *b);

#endif
