/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * lockdown.h - the kernel lockdown level (security/lockdown/lockdown.c),
 * which decides whether user space may write PCI config space at all.
 */
#ifndef GPUGATE_LOCKDOWN_H
#define GPUGATE_LOCKDOWN_H

#include <stdbool.h>

/*
 * "none", "integrity" or "confidentiality" from the sysroot's
 * /sys/kernel/security/lockdown, or "unknown" when it cannot be read.
 * Read once (by lockdown_read() or on first use); later calls return the
 * same.
 */
const char *lockdown_level(void);

/*
 * Read the level now. With @may_mount, on the running system (no --root),
 * as root, in PID 1's root directory (not a chroot), securityfs is mounted
 * for the read when nothing has mounted it (an initramfs) and detached
 * again. Returns 0, also when there is no lockdown file (the level is then
 * "none" or "unknown"), or -errno when the file is there and cannot be
 * read.
 */
int lockdown_read(bool may_mount);

/* Is a lockdown that refuses config writes (integrity or stronger) in force? */
bool lockdown_active(void);

/* How an action's reason starts when lockdown refused the write. */
#define LOCKDOWN_REFUSED "kernel lockdown ["

#endif
