/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rom.h - a protected function's expansion ROM: whether it can be read,
 * its image, and the image's SHA-256 (libmd). The ROM is the code the GPU's
 * firmware hands the guest; a baseline pins its hash.
 */
#ifndef GPUGATE_ROM_H
#define GPUGATE_ROM_H

#include <stddef.h>
#include <stdint.h>

#include "gpugate.h"

#define ROM_MAX_SIZE (16u << 20) /* larger images are refused */

enum rom_state {
	ROM_HASH,	/* read and hashed */
	ROM_NONE,	/* no rom attribute: the function has no ROM BAR */
	ROM_SHADOW,	/* boot VGA: the kernel serves the shadow copy */
	ROM_SKIPPED,	/* bound to a driver other than the policy's */
	ROM_BUSY,	/* enabled (in use, by a guest): not disturbed */
	ROM_UNREADABLE, /* the attribute exists but could not be read */
};

struct rom_info {
	enum rom_state state;
	char sha256[65]; /* ROM_HASH: lowercase hex */
	char why[96];	 /* ROM_SKIPPED: the driver; ROM_UNREADABLE: reason */
};

/*
 * Find out the ROM state of @d and, when it can be read, read the image into
 * a malloc'd buffer (*@img, *@len; NULL when @img is NULL or the state is
 * not ROM_HASH) and hash it. @driver is the policy's driver: a function
 * bound to any other driver is not read, nor one whose sysfs enable count
 * is not 0 (a guest uses it: enabling the ROM BAR may disable its other
 * decoders, see pci_enable_rom()). On a live system this WRITES the
 * function's rom attribute ("1\n" to enable reading, then always "0\n");
 * under --root the tree's rom file is the image itself and nothing is
 * written. Returns 0 with the state in @ri, or -ENOMEM.
 */
int rom_load(const struct pdev *d, const char *driver, struct rom_info *ri, uint8_t **img,
	     size_t *len);

/* Format @ri as in a baseline: "sha256=HEX", "none", "shadow", ... */
void rom_format(const struct rom_info *ri, char *buf, size_t len);

/* Parse the text rom_format() writes. Returns 0 or -EINVAL. */
int rom_parse(const char *text, struct rom_info *ri);

/* "libmd VERSION": the library that computes the hashes, for --version. */
const char *rom_hash_library(void);

#endif
