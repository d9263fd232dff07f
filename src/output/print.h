/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * print.h - print a run's findings and actions as text, JSON (the report of
 * SPEC.md) or Prometheus text format.
 */
#ifndef GPUGATE_PRINT_H
#define GPUGATE_PRINT_H

#include <stdio.h>

#include "report.h"

/* FMT_DOT is `show --format dot` only (show_dot); main.c refuses it elsewhere. */
enum format { FMT_TEXT, FMT_JSON, FMT_PROMETHEUS, FMT_DOT };

/* Print @r for @m in @fmt to @out. @quiet: text shows only non-passing lines. */
void report_print(FILE *out, const struct report *r, const struct model *m, enum format fmt,
		  bool quiet);

#endif
