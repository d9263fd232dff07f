/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * snapshot.h - `gpugate snapshot OUT.tar`: a tar of exactly the files
 * gpugate reads, for an offline audit with --root elsewhere.
 */
#ifndef GPUGATE_SNAPSHOT_H
#define GPUGATE_SNAPSHOT_H

#include "gpugate.h"

/*
 * Scan the (sysroot's) system and write @out_path: every sysfs, procfs,
 * /dev/vfio, module index and modprobe.d file gpugate reads, relative to
 * the root, with each protected function's ROM image as its rom file.
 * Reads only, except the ROM reads of rom.c (on a live system they WRITE
 * the rom attributes). Prints problems on stderr; writes nothing to
 * @out_path on failure. Returns 0 or -errno.
 */
int snapshot_command(const struct policy *p, const char *out_path);

#endif
