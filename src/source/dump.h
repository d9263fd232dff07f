/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dump.h - --lspci-dump FILE: audit the ACS/ATS posture recorded in
 * `lspci -xxxx` output instead of the live system. The source source_dump
 * (source.h) is built from the functions here. Only config space is in a
 * dump; the checks that need sysfs, /proc or the module index are skipped
 * (checks.c) and enforce/gate refuse to run (main.c).
 */
#ifndef GPUGATE_DUMP_H
#define GPUGATE_DUMP_H

#include <stddef.h>

#include "gpugate.h"

/*
 * pciutils 3.9's dump reader (lib/dump.c dump_init()) reads the "OFF: "
 * offset of a hex line (2 to 8 digits) into an int and refuses only
 * offsets of 4096 and more: 80000000 and up turn negative, and it writes
 * that line's bytes before its buffer. Refuse every offset of 4096 or more
 * before libpci reads the file (found by fuzz_dump). Returns 0, or -EINVAL
 * with the file and line in @err. Reads the --lspci-dump file only.
 */
int dump_check_offsets(char *err, size_t errlen);

/*
 * The first config offset below the end of @d's record that no hex line of
 * the dump gives (libpci reads it as ff), or -1. Filled by
 * dump_check_offsets, which reads the file once for both.
 */
int dump_hole(const struct pdev *d);

/*
 * After @d's config space is loaded from the dump and parsed: 0, or
 * -ENODATA when the dump has a hole inside the bytes read, or -EIO when a
 * capability header or an ACS/ATS/PRI/PASID register reads all ones; the
 * reason in @why.
 */
int dump_config_check(const struct pdev *d, char *why, size_t whylen);

/*
 * After pcidev_scan of a dump: merge repeated records of one address and
 * rebuild parent and path[] of every function from the bridges' bus
 * numbers. Reads only. Every gap the dump leaves in the tree is a path_err
 * with path_why (access.config reports it). Returns 0, or -errno with a
 * reason in @err when the file holds no usable config space at all.
 */
int dump_topology(struct model *m, char *err, size_t errlen);

#endif
