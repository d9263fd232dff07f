/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * machine.h - "may act on this machine": the second of gpugate's two
 * explicit flags. The first, --root (sysroot.h), says where to read; this
 * one says whether gpugate may change the machine it runs on: load a
 * module, mount securityfs, write the console, reboot, or write a file of
 * the live /sys, /proc or /dev. main.c sets it once, true only for a run on
 * the live system (no --root other than "/", no --lspci-dump). It starts
 * false, so that a program that never sets it acts nowhere.
 *
 * Writes below a --root tree are not acts on the machine: sysroot.c allows
 * them whenever a prefix is set, and refuses any other write while this
 * flag is false.
 */
#ifndef GPUGATE_MACHINE_H
#define GPUGATE_MACHINE_H

#include <stdbool.h>

/* Allow or forbid acting on this machine. */
void machine_set_may_act(bool may);

/* True when gpugate may change the machine it runs on. */
bool machine_may_act(void);

#endif
