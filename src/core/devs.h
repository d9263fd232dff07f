/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * devs.h - the function list of a struct model, below the model layer: a
 * source fills it (sysfs.c finds the functions on a device path and keeps
 * each protected function's IOMMU group members) before model.c builds the
 * cards and peers on top of it.
 */
#ifndef GPUGATE_DEVS_H
#define GPUGATE_DEVS_H

#include "gpugate.h"

/* Index of the function @bdf in m->devs, or -1. */
int model_find(const struct model *m, const char *bdf);

/* Free the first @n of @d's group members and the list. */
void model_free_members(struct pdev *d, int n);

#endif
