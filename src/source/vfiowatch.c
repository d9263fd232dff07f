// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfiowatch.c - inotify on /dev/vfio (vfiowatch.h). Opening and closing a
 * group node, and a node appearing, are the events; the directory's own
 * opens (a listing) and its subdirectories are not. /dev stays watched for
 * IN_CREATE so that a /dev/vfio made after the start, or made again after
 * vfio was unloaded, is picked up.
 */
#include <errno.h>
#include <stdalign.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "sysroot.h"
#include "vfiowatch.h"

#define VFIO_MASK                                                                   \
	(IN_OPEN | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_CREATE | IN_MOVED_TO |   \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define DEV_MASK (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR)

/* Watch /dev/vfio if it is there. Returns 0, -errno (-ENOENT: not there). */
static int watch_vfio(struct vfiowatch *w)
{
	char path[4096];
	int wd;

	if (sysroot_path(path, sizeof(path), "/dev/vfio"))
		return -ENAMETOOLONG;
	wd = inotify_add_watch(w->fd, path, VFIO_MASK);
	if (wd < 0)
		return -errno;
	w->wd_vfio = wd;
	return 0;
}

int vfiowatch_open(struct vfiowatch *w)
{
	char path[4096];
	int rc;

	w->wd_dev = w->wd_vfio = -1;
	if (sysroot_path(path, sizeof(path), "/dev"))
		return -ENAMETOOLONG;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	/* /dev first: a /dev/vfio made between the two calls is then not missed. */
	w->wd_dev = inotify_add_watch(w->fd, path, DEV_MASK);
	rc = w->wd_dev < 0 ? -errno : 0;
	if (watch_vfio(w) && rc) {
		vfiowatch_close(w);
		return rc;
	}
	return 0;
}

static const char *event_name(uint32_t mask)
{
	if (mask & IN_OPEN)
		return "opened";
	if (mask & (IN_CLOSE_WRITE | IN_CLOSE_NOWRITE))
		return "closed";
	return "created";
}

/* Is @e a VFIO event? Says which in @what. Re-arms the /dev/vfio watch. */
static bool event_take(struct vfiowatch *w, const struct inotify_event *e, char *what, size_t len)
{
	if (e->mask & IN_Q_OVERFLOW) {
		snprintf(what, len, "inotify queue overflowed");
		return true;
	}
	if (e->wd == w->wd_dev) {
		if (!e->len || strcmp(e->name, "vfio") || watch_vfio(w))
			return false;
		snprintf(what, len, "/dev/vfio created");
		return true;
	}
	if (e->wd != w->wd_vfio)
		return false;
	if (e->mask & IN_MOVE_SELF)
		inotify_rm_watch(w->fd, w->wd_vfio);
	if (e->mask & (IN_IGNORED | IN_MOVE_SELF))
		w->wd_vfio = -1;
	if (e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
		return false;
	if (!e->len || (e->mask & IN_ISDIR))
		return false;
	snprintf(what, len, "/dev/vfio/%s %s", e->name, event_name(e->mask));
	return true;
}

int vfiowatch_read(struct vfiowatch *w, char *what, size_t len)
{
	alignas(struct inotify_event) char buf[4096];
	char more[128];
	int count = 0;

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return count;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const void *)p;

			if (event_take(w, e, count ? more : what, count ? sizeof(more) : len))
				count++;
			p += sizeof(*e) + e->len;
		}
	}
}

void vfiowatch_close(struct vfiowatch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = w->wd_dev = w->wd_vfio = -1;
}
