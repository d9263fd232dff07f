/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * guard.h - the runtime guard (gpugate guard): keeps the protected
 * functions on vfio-pci and their paths isolated after boot, driven by
 * udev events (guard event), by hand (guard once) and by the daemon
 * (guard daemon, guardd.c).
 */
#ifndef GPUGATE_GUARD_H
#define GPUGATE_GUARD_H

#include "gate.h"
#include "guardev.h"

/*
 * One full run: scan, check, fix what [guard] allows, log one line, count
 * the event as @kind. Returns the exit status: 0 the policy holds, 1 it
 * does not, 3 the state could not be determined.
 */
int guard_once(const struct run_opts *o, enum guard_kind kind);

/* `gpugate guard event ACTION BDF | once | daemon`: returns the exit status. */
int guard_command(const struct run_opts *o, char **args, int nargs);

/* `gpugate guard daemon` (guardd.c): runs until SIGTERM or SIGINT. */
int guard_daemon(const struct run_opts *o);

#endif
