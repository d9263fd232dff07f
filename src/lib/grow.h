/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * grow.h - append one zeroed element to a growing array.
 */
#ifndef GPUGATE_GROW_H
#define GPUGATE_GROW_H

#include <stddef.h>

/*
 * Append one element of @size bytes to the array *@arr holding *@n of
 * *@cap: the capacity doubles when full (@first the first time). Returns
 * the new element, zeroed, or NULL when memory ran out (the array is then
 * unchanged).
 */
void *grow_one(void *arr, int *n, int *cap, size_t size, int first);

#endif
