/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * blcommand.h - `gpugate baseline [-o FILE]`: the host's baseline as text.
 */
#ifndef GPUGATE_BLCOMMAND_H
#define GPUGATE_BLCOMMAND_H

#include "gpugate.h"

/*
 * Scan, collect everything (baseline_collect() with BL_TOPOLOGY and
 * BL_ROMS) and write it to @out_path (NULL: stdout). Prints problems on
 * stderr. Returns 0 or -errno.
 */
int baseline_command(const struct policy *p, const char *out_path);

#endif
