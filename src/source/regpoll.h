/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * regpoll.h - what the guard daemon watches between its full runs, cheap to
 * read again: each protected function's ATS Control word and driver link,
 * and the ACS Control word of each port on their paths. FLR and a VFIO
 * attach re-enable ATS without a uevent (docs/kernel-facts.md §17), so the
 * daemon compares these words with the snapshot every [guard] poll_ms.
 */
#ifndef GPUGATE_REGPOLL_H
#define GPUGATE_REGPOLL_H

#include <stddef.h>
#include <stdint.h>

#include "gpugate.h"

enum regpoll_what { REGPOLL_ATS, REGPOLL_ACS, REGPOLL_DRIVER };

/* One watched word or link and what it held at the snapshot. */
struct regpoll_item {
	enum regpoll_what what;
	char bdf[BDF_LEN];
	int pos;	  /* config offset of the control word; 0 for the driver link */
	int fd;		  /* the config file, or the function's sysfs directory; -1 */
	int err;	  /* negative errno of the read, 0 when it read */
	uint16_t word;	  /* the control word */
	char driver[64];  /* the driver link's last component, "" when unbound */
};

struct regpoll {
	struct regpoll_item *items;
	int n, cap;
};

/*
 * Take the snapshot of model @m: the items of every protected function and
 * of every port on its path, read once now. The caller has loaded the
 * config spaces of those functions (model_config); a function or port
 * without the capability has no ATS or ACS item. Opens the files and keeps
 * them open. Reads only. Returns the number of items, or -ENOMEM.
 */
int regpoll_snapshot(struct regpoll *rp, const struct model *m);

/*
 * Read every item again and compare it with the snapshot (which is not
 * updated). Returns how many differ, and says what the first one was and
 * is in @what. A read error that was not there before is a difference.
 * Reads only.
 */
int regpoll_changed(const struct regpoll *rp, char *what, size_t len);

/* Close the files and free the items; @rp is empty afterwards. */
void regpoll_free(struct regpoll *rp);

#endif
