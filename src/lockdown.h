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
 * /sys/kernel/security/lockdown, or "unknown" when it cannot be read. On
 * the running system (no --root), as root, in the real root directory,
 * securityfs is mounted for the read when nothing has mounted it (an
 * initramfs) and unmounted again. Read once; later calls return the same.
 */
const char *lockdown_level(void);

/*
 * Read the level now (lockdown_level() reads it on first use). Returns 0,
 * also when there is no lockdown file (the level is then "none" or
 * "unknown"), or -errno when the file is there and cannot be read.
 */
int lockdown_read(void);

/* Is a lockdown that refuses config writes (integrity or stronger) in force? */
bool lockdown_active(void);

/* How an action's reason starts when lockdown refused the write. */
#define LOCKDOWN_REFUSED "kernel lockdown ["

#endif
