// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * regpoll.c - the guard daemon's cheap re-read (regpoll.h): each watched
 * control word is one pread() of 2 bytes from a config file kept open at
 * the capability offset the model's caps parse found, each driver link one
 * readlinkat() in the function's sysfs directory, kept open too. A function
 * that is removed makes both fail (kernfs answers -ENODEV on a node that is
 * gone), which is a change like any other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pci/header.h>

#include "grow.h"
#include "regpoll.h"
#include "sysroot.h"

static const char *const what_names[] = {
	[REGPOLL_ATS] = "ATS Control",
	[REGPOLL_ACS] = "ACS Control",
	[REGPOLL_DRIVER] = "driver",
};

/* Read @it's word or link into @out (the other fields of @out unused). */
static void item_read(const struct regpoll_item *it, struct regpoll_item *out)
{
	uint8_t b[2];
	char target[256];
	ssize_t n;

	out->err = 0;
	out->word = 0;
	out->driver[0] = '\0';
	if (it->fd < 0) {
		out->err = it->err ? it->err : -EBADF;
		return;
	}
	if (it->what == REGPOLL_DRIVER) {
		out->err = sysroot_readlinkat(it->fd, "driver", target, sizeof(target));
		if (out->err == -ENOENT)
			out->err = 0;
		else if (!out->err)
			snprintf(out->driver, sizeof(out->driver), "%s",
				 strrchr(target, '/') ? strrchr(target, '/') + 1 : target);
		return;
	}
	n = pread(it->fd, b, sizeof(b), it->pos);
	if (n != (ssize_t)sizeof(b)) {
		out->err = n < 0 ? -errno : -ENODATA;
		return;
	}
	out->word = (uint16_t)(b[0] | b[1] << 8);
}

/* Open what @it reads: the config file, or for the driver link the directory. */
static int item_open(struct regpoll_item *it)
{
	char rel[96], path[4096];
	int fd;

	if (it->what == REGPOLL_DRIVER) {
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", it->bdf);
		fd = sysroot_open_dir(rel);
		return fd;
	}
	snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s/config", it->bdf);
	if (sysroot_path(path, sizeof(path), rel))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool have_item(const struct regpoll *rp, enum regpoll_what what, const char *bdf)
{
	for (int i = 0; i < rp->n; i++)
		if (rp->items[i].what == what && !strcmp(rp->items[i].bdf, bdf))
			return true;
	return false;
}

/* Add and read the item @what of @d at @pos (unless it is there). 0 or -ENOMEM. */
static int item_add(struct regpoll *rp, const struct pdev *d, enum regpoll_what what, int pos)
{
	struct regpoll_item *it;

	if (have_item(rp, what, d->bdf))
		return 0;
	it = grow_one(&rp->items, &rp->n, &rp->cap, sizeof(*rp->items), 16);
	if (!it)
		return -ENOMEM;
	it->what = what;
	it->pos = pos;
	snprintf(it->bdf, sizeof(it->bdf), "%s", d->bdf);
	it->fd = item_open(it);
	if (it->fd < 0)
		it->err = it->fd;
	item_read(it, it);
	return 0;
}

/* The items of protected function @d: its ATS word and driver, its path's ACS words. */
static int items_of(struct regpoll *rp, const struct model *m, const struct pdev *d)
{
	int rc = item_add(rp, d, REGPOLL_DRIVER, 0);

	if (!rc && d->cfg_loaded && !d->cfg_err && d->caps.ats)
		rc = item_add(rp, d, REGPOLL_ATS, d->caps.ats + PCI_ATS_CTRL);
	for (int i = 0; !rc && !d->path_err && i < d->path_len; i++) {
		const struct pdev *port = &m->devs[d->path[i]];

		if (port->cfg_loaded && !port->cfg_err && port->caps.acs)
			rc = item_add(rp, port, REGPOLL_ACS, port->caps.acs + PCI_ACS_CTRL);
	}
	return rc;
}

int regpoll_snapshot(struct regpoll *rp, const struct model *m)
{
	memset(rp, 0, sizeof(*rp));
	for (int i = 0; i < m->ndevs; i++) {
		if (!pdev_protected(&m->devs[i]))
			continue;
		if (items_of(rp, m, &m->devs[i])) {
			regpoll_free(rp);
			return -ENOMEM;
		}
	}
	return rp->n;
}

/* "0x8000", "vfio-pci", "none" or the error of @v, for @what. */
static void item_text(const struct regpoll_item *v, enum regpoll_what what, char *buf, size_t len)
{
	if (v->err)
		snprintf(buf, len, "unreadable (%s)", strerror(-v->err));
	else if (what == REGPOLL_DRIVER)
		snprintf(buf, len, "%s", v->driver[0] ? v->driver : "none");
	else
		snprintf(buf, len, "0x%04x", v->word);
}

static bool item_same(const struct regpoll_item *a, const struct regpoll_item *b)
{
	return a->err == b->err && a->word == b->word && !strcmp(a->driver, b->driver);
}

int regpoll_changed(const struct regpoll *rp, char *what, size_t len)
{
	struct regpoll_item now;
	char was[80], is[80];
	int changed = 0;

	for (int i = 0; i < rp->n; i++) {
		const struct regpoll_item *it = &rp->items[i];

		item_read(it, &now);
		if (item_same(it, &now))
			continue;
		if (!changed++) {
			item_text(it, it->what, was, sizeof(was));
			item_text(&now, it->what, is, sizeof(is));
			snprintf(what, len, "%s of %s: %s, now %s", what_names[it->what], it->bdf,
				 was, is);
		}
	}
	return changed;
}

void regpoll_free(struct regpoll *rp)
{
	for (int i = 0; i < rp->n; i++)
		if (rp->items[i].fd >= 0)
			close(rp->items[i].fd);
	free(rp->items);
	memset(rp, 0, sizeof(*rp));
}
