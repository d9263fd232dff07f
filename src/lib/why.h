/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * why.h - the reason of a refusal: functions that return a negative errno
 * also write why into a caller's buffer (char *why, size_t whylen). Header
 * only, so that the pure parsers' unit tests and fuzz targets need no other
 * object.
 */
#ifndef GPUGATE_WHY_H
#define GPUGATE_WHY_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int why_fail(char *why, size_t whylen, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Format the reason into @why (always terminated) and return @err. */
static inline int why_fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

#endif
