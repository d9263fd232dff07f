// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rom.c - read and hash a protected function's expansion ROM through sysfs.
 *
 * The kernel's rom attribute (drivers/pci/pci-sysfs.c) returns -EINVAL
 * until something is written to it; the write only sets
 * pdev->rom_attr_enabled, and each read maps the ROM BAR (pci_map_rom())
 * and unmaps it again. Turning it off needs exactly "0\n": rom_write()
 * clears the flag only for a two-byte write that starts with '0' and sets
 * it for anything else, so a bare "0" would leave reading enabled. For the
 * boot VGA device the kernel serves the shadow copy at 0xC0000
 * (IORESOURCE_ROM_SHADOW, set by pci_fixup_video()) instead of the card's
 * flash: such a ROM is reported as "shadow", never hashed as if real.
 *
 * Under --root the tree's rom file holds the image itself, as `gpugate
 * snapshot` captures it; it is read directly, without the two writes.
 * SHA-256 comes from libmd (Debian's libmd, built by src/deps).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sha2.h>

#include "rom.h"
#include "machine.h"
#include "sysroot.h"

#ifndef LIBMD_VERSION
#define LIBMD_VERSION "unknown"
#endif

const char *rom_hash_library(void)
{
	return "libmd " LIBMD_VERSION;
}

static void attr_path(char *buf, size_t len, const struct pdev *d, const char *attr)
{
	snprintf(buf, len, "/sys/bus/pci/devices/%s/%s", d->bdf, attr);
}

static void set_state(struct rom_info *ri, enum rom_state st, const char *why)
{
	ri->state = st;
	snprintf(ri->why, sizeof(ri->why), "%s", why ? why : "");
}

/* Read all of @path, at most ROM_MAX_SIZE bytes. Returns 0 or -errno. */
static int read_image(const char *path, uint8_t **img, size_t *len)
{
	FILE *f = sysroot_fopen(path, "r");
	uint8_t *buf;
	size_t n = 0;
	int err = 0;

	if (!f)
		return -errno;
	buf = malloc(ROM_MAX_SIZE + 1); /* pages never written cost nothing */
	if (!buf)
		err = -ENOMEM;
	while (!err && n <= ROM_MAX_SIZE) {
		ssize_t got = read(fileno(f), buf + n, ROM_MAX_SIZE + 1 - n);

		if (got == 0)
			break;
		if (got > 0)
			n += (size_t)got;
		else if (errno != EINTR)
			err = -errno;
	}
	fclose(f);
	if (!err && n > ROM_MAX_SIZE)
		err = -EFBIG;
	if (err) {
		free(buf);
		return err;
	}
	*img = buf;
	*len = n;
	return 0;
}

/*
 * Live system: enable, read, and always disable again. WRITES the rom
 * attribute. Returns 0, or -errno with the reason in @ri.
 */
static int read_live(const char *path, struct rom_info *ri, uint8_t **img, size_t *len)
{
	char why[96];
	int rc = sysroot_write(path, "1\n"), off;

	if (rc)
		snprintf(why, sizeof(why), "cannot enable reading: %s", strerror(-rc));
	else if ((rc = read_image(path, img, len)))
		snprintf(why, sizeof(why), "%s", strerror(-rc));
	off = sysroot_write(path, "0\n");
	if (!rc && off) {
		free(*img);
		*img = NULL;
		snprintf(why, sizeof(why), "cannot disable reading again: %s", strerror(-off));
		rc = off;
	}
	if (rc)
		set_state(ri, ROM_UNREADABLE, why);
	return rc;
}

/* No rom attribute, or the boot VGA shadow. Returns true when @ri is final. */
static bool rom_attr_state(const struct pdev *d, struct rom_info *ri)
{
	char path[96], val[16];
	int rc;

	attr_path(path, sizeof(path), d, "rom");
	rc = sysroot_exists(path);
	if (rc) {
		set_state(ri, rc == -ENOENT ? ROM_NONE : ROM_UNREADABLE,
			  rc == -ENOENT ? NULL : strerror(-rc));
		return true;
	}
	attr_path(path, sizeof(path), d, "boot_vga");
	rc = sysroot_read_line(path, val, sizeof(val));
	if (rc && rc != -ENOENT)
		set_state(ri, ROM_UNREADABLE, "cannot read boot_vga");
	else if (!rc && !strcmp(val, "1"))
		set_state(ri, ROM_SHADOW, NULL);
	else
		return false;
	return true;
}

/* Bound to another driver, or in use. Returns true when @ri is final. */
static bool rom_user_state(const struct pdev *d, const char *driver, struct rom_info *ri)
{
	char path[96], val[16];
	int rc;

	if (d->driver_err) {
		set_state(ri, ROM_UNREADABLE, "cannot tell which driver is bound");
		return true;
	}
	if (d->driver[0] && !cmdline_name_eq(d->driver, driver)) {
		set_state(ri, ROM_SKIPPED, d->driver);
		return true;
	}
	attr_path(path, sizeof(path), d, "enable");
	rc = sysroot_read_line(path, val, sizeof(val));
	if (rc && rc != -ENOENT)
		set_state(ri, ROM_UNREADABLE, "cannot read enable");
	else if (!rc && strcmp(val, "0"))
		set_state(ri, ROM_BUSY, NULL);
	else
		return false;
	return true;
}

int rom_load(const struct pdev *d, const char *driver, struct rom_info *ri, uint8_t **img,
	     size_t *len)
{
	char path[96];
	uint8_t *buf = NULL;
	size_t n = 0;
	int rc;

	memset(ri, 0, sizeof(*ri));
	if (img)
		*img = NULL;
	if (rom_attr_state(d, ri) || rom_user_state(d, driver, ri))
		return 0;
	attr_path(path, sizeof(path), d, "rom");
	if (!machine_may_act()) {
		rc = read_image(path, &buf, &n);
		if (rc)
			set_state(ri, ROM_UNREADABLE, strerror(-rc));
	} else {
		rc = read_live(path, ri, &buf, &n);
	}
	if (rc)
		return rc == -ENOMEM ? rc : 0;
	if (!n) {
		free(buf);
		set_state(ri, ROM_UNREADABLE, "empty image");
		return 0;
	}
	SHA256Data(buf, n, ri->sha256);
	ri->state = ROM_HASH;
	if (img) {
		*img = buf;
		*len = n;
	} else {
		free(buf);
	}
	return 0;
}

void rom_format(const struct rom_info *ri, char *buf, size_t len)
{
	switch (ri->state) {
	case ROM_HASH:
		snprintf(buf, len, "sha256=%s", ri->sha256);
		break;
	case ROM_NONE:
		snprintf(buf, len, "none");
		break;
	case ROM_SHADOW:
		snprintf(buf, len, "shadow");
		break;
	case ROM_SKIPPED:
		snprintf(buf, len, "skipped (bound to %s)", ri->why);
		break;
	case ROM_BUSY:
		snprintf(buf, len, "skipped (in use)");
		break;
	default:
		snprintf(buf, len, "unreadable (%s)", ri->why);
		break;
	}
}

/* "PREFIX(inner)": copy inner to @why. Returns 0 or -EINVAL. */
static int parse_paren(const char *text, const char *prefix, char *why, size_t len)
{
	size_t pl = strlen(prefix), tl = strlen(text);

	if (strncmp(text, prefix, pl) || tl < pl + 2 || text[tl - 1] != ')')
		return -EINVAL;
	if (tl - pl - 1 >= len)
		return -EINVAL;
	memcpy(why, text + pl, tl - pl - 1);
	why[tl - pl - 1] = '\0';
	return 0;
}

int rom_parse(const char *text, struct rom_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	if (!strncmp(text, "sha256=", 7)) {
		const char *h = text + 7;

		if (strlen(h) != 64 || strspn(h, "0123456789abcdef") != 64)
			return -EINVAL;
		memcpy(ri->sha256, h, 65);
		ri->state = ROM_HASH;
		return 0;
	}
	if (!strcmp(text, "none") || !strcmp(text, "shadow") || !strcmp(text, "skipped (in use)")) {
		ri->state = text[0] == 'n' ? ROM_NONE : text[1] == 'h' ? ROM_SHADOW : ROM_BUSY;
		return 0;
	}
	ri->state = ROM_SKIPPED;
	if (!parse_paren(text, "skipped (bound to ", ri->why, sizeof(ri->why)))
		return 0;
	ri->state = ROM_UNREADABLE;
	return parse_paren(text, "unreadable (", ri->why, sizeof(ri->why));
}
