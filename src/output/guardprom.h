/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guardprom.h - the runtime guard's Prometheus textfile ([guard] metrics),
 * for node-exporter's textfile collector, made from the guard state.
 */
#ifndef GPUGATE_GUARDPROM_H
#define GPUGATE_GUARDPROM_H

#include <stdio.h>

#include "guardstate.h"

/*
 * Print @s in the text exposition format: gpugate_guard_events_total for
 * every kind and outcome and gpugate_guard_last_event_timestamp_seconds for
 * every kind, zeros included, with HELP and TYPE.
 */
void guardprom_print(FILE *out, const struct guard_state *s);

/*
 * Replace the textfile @path (below the sysroot) with @s, by a temporary
 * file renamed over it: node-exporter may read it at any time. Its
 * directory is not created. Returns 0, -ENOENT when the directory does not
 * exist, or another -errno.
 */
int guardprom_write(const char *path, const struct guard_state *s);

#endif
