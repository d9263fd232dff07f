/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * live.h - the live state of a hand-built model (fixture.h): what the
 * sysfs source's state hook reads for iommu.*, bind.vfio and driver.host
 * (gpugate.h: struct pdev_live, m->irq, m->hostmods), and the boot report
 * of gate.boot.
 */
#ifndef GPUGATE_UNIT_LIVE_H
#define GPUGATE_UNIT_LIVE_H

#include "fixture.h"

/*
 * The host of fx_switch_host() as the state hook reads it when the policy
 * holds: an IOMMU (dmar0), remapped interrupts only, none of the policy's
 * host drivers loaded, and for the GPU and its audio function a strict DMA
 * domain, a VFIO group device /dev/vfio/12 (character device 242:0, as
 * /sys/class/vfio/12/dev says), driver_override set to vfio-pci, a
 * modalias that resolves to nothing, and a resource file that lists no
 * BAR (bar.assigned).
 * Call after fx_policy(): the host drivers are the policy's.
 */
void fx_live_host(struct fx *x);

/*
 * fx_new() with the policy file text @policy (NULL: the defaults), then
 * fx_switch_host() and fx_live_host(): every check of iommu.*, bind.vfio
 * and driver.host passes on it under the default policy.
 */
struct fx *fx_live_new(const char *policy);

/*
 * @d as fx_live_host() sets the GPU: a strict DMA domain, its VFIO group
 * device (242:0) in order, driver_override set to vfio-pci.
 */
void fx_live_function(struct pdev *d);

/* @d's live state (allocated on first use; model_free() frees it). */
struct pdev_live *fx_live(struct pdev *d);

/* @d's modalias resolves to @name, blacklisted or not. */
void fx_modalias_hit(struct pdev *d, const char *name, bool blacklisted);

/* The policy's host driver @name is loaded (@err 0) or cannot be told (@err). */
void fx_host_module(struct fx *x, const char *name, int err);

/*
 * `check` read the boot report: @line (its header), or the read error @err
 * (-ENOENT: no report) when @line is NULL.
 */
void fx_boot_report(struct fx *x, const char *line, int err);

/* fx_run(), then gate.boot, which `check` runs after the table. */
void fx_run_check(struct fx *x);

#endif
