/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kparam.h - what a kernel release accepts on its command line:
 * pci=config_acs= (first release, and the mask a policy makes) and the
 * release comparison both `gpugate cmdline` and a refused ACS write use.
 */
#ifndef GPUGATE_KPARAM_H
#define GPUGATE_KPARAM_H

#include <stdbool.h>

#include "policy.h"

/* First kernel with pci=config_acs= (commit 47c8846a49ba, "PCI: Extend ACS configurability"). */
#define CONFIG_ACS_MAJOR 6
#define CONFIG_ACS_MINOR 11

/*
 * Is the kernel release @rel ("6.12.117+deb12-amd64") at least
 * @major.@minor? False when @rel does not start with MAJOR.MINOR.
 */
bool kernel_at_least(const char *rel, int major, int minor);

/* The pci=config_acs= mask ("1x11111") the policy's ACS bits make, into @out. */
void acs_mask(const struct policy *p, char out[8]);

#endif
