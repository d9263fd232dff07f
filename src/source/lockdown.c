// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lockdown.c - the kernel lockdown level.
 *
 * Under integrity or confidentiality lockdown (Debian enables integrity
 * with UEFI Secure Boot) the kernel refuses every user-space config write
 * with EPERM (pci_write_config(), security_locked_down(LOCKDOWN_PCI_ACCESS))
 * and every module without a valid signature. The level is in securityfs,
 * which an initramfs does not mount: enforce and gate, which act on the
 * running system anyway, mount it for the one read.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lockdown.h"
#include "machine.h"
#include "sysroot.h"

#define SECURITYFS_DIR "/sys/kernel/security"
#define LOCKDOWN_FILE  SECURITYFS_DIR "/lockdown"
/* include/uapi/linux/magic.h (musl ships no kernel headers) */
#define SECURITYFS_MAGIC 0x73636673

/* "[none] integrity confidentiality" -> "none". Returns 0 or -EINVAL. */
static int parse_level(const char *line, char *mode, size_t len)
{
	const char *open = strchr(line, '['), *close = open ? strchr(open, ']') : NULL;

	if (!open || !close || close - open - 1 <= 0 || (size_t)(close - open - 1) >= len)
		return -EINVAL;
	snprintf(mode, len, "%.*s", (int)(close - open - 1), open + 1);
	return 0;
}

/* Is this process in the root directory of PID 1 (not in a chroot)? */
static bool in_real_root(void)
{
	struct stat self, init;

	return !stat("/", &self) && !stat("/proc/1/root/", &init) && self.st_dev == init.st_dev &&
	       self.st_ino == init.st_ino;
}

static bool securityfs_mounted(void)
{
	struct statfs s;

	return !statfs(SECURITYFS_DIR, &s) && s.f_type == SECURITYFS_MAGIC;
}

/* Read the level with securityfs mounted for the read (see lockdown.h). */
static int read_mounting(char *line, size_t len)
{
	int rc;

	if (!machine_may_act() || geteuid() || !in_real_root() || securityfs_mounted())
		return -ENOENT;
	if (mount("securityfs", SECURITYFS_DIR, "securityfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		return -errno;
	rc = sysroot_read_line(LOCKDOWN_FILE, line, len);
	umount2(SECURITYFS_DIR, MNT_DETACH);
	return rc;
}

static char level[32];
static int level_err;

/* Fill level[]; returns 0 or -errno as lockdown_read() does. */
static int read_level(bool may_mount)
{
	char line[128];
	bool none;
	int rc = sysroot_read_line(LOCKDOWN_FILE, line, sizeof(line));

	if (rc == -ENOENT && may_mount && !read_mounting(line, sizeof(line)))
		rc = 0;
	if (!rc) {
		if (parse_level(line, level, sizeof(level)))
			snprintf(level, sizeof(level), "unknown");
		return 0;
	}
	/* securityfs is there and has no lockdown file: no lockdown LSM */
	none = rc == -ENOENT && !sysroot_is_redirected() && securityfs_mounted();
	snprintf(level, sizeof(level), "%s", none ? "none" : "unknown");
	return rc == -ENOENT ? 0 : rc;
}

int lockdown_read(bool may_mount)
{
	if (!level[0])
		level_err = read_level(may_mount);
	return level_err;
}

const char *lockdown_level(void)
{
	lockdown_read(false);
	return level;
}

bool lockdown_active(void)
{
	const char *l = lockdown_level();

	return !strcmp(l, "integrity") || !strcmp(l, "confidentiality");
}
