/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vfiowatch.h - inotify on /dev/vfio for the guard daemon: a VFIO group's
 * open (the device's attach) can re-enable ATS with no uevent
 * (docs/kernel-facts.md §17), so an open, a close or a new group node
 * calls for a check. When /dev/vfio does not exist yet, /dev is watched
 * for its creation.
 */
#ifndef GPUGATE_VFIOWATCH_H
#define GPUGATE_VFIOWATCH_H

#include <stddef.h>

struct vfiowatch {
	int fd;	     /* the inotify descriptor (non-blocking), -1 when closed */
	int wd_dev;  /* watch on /dev (creation of vfio) */
	int wd_vfio; /* watch on /dev/vfio, -1 while it does not exist */
};

/*
 * Start watching (under the sysroot prefix). Returns 0, or -errno when
 * neither /dev/vfio nor /dev can be watched. Reads only.
 */
int vfiowatch_open(struct vfiowatch *w);

/*
 * Take the pending inotify events. Returns how many were VFIO events (an
 * open or close of a node in /dev/vfio, a node created there, /dev/vfio
 * created, an overflowed queue), saying in @what what the first was; 0 when
 * none; -errno when the descriptor failed.
 */
int vfiowatch_read(struct vfiowatch *w, char *what, size_t len);

void vfiowatch_close(struct vfiowatch *w);

#endif
