/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bootreport.h - the first line of the JSON report a gate left at boot
 * ([gate] report), as gate.boot reads it. The printers write the header
 * first and on one line (print.c), so that one line says how the gate ran.
 * Pure: no I/O.
 */
#ifndef GPUGATE_BOOTREPORT_H
#define GPUGATE_BOOTREPORT_H

#include <stdbool.h>

struct boot_report {
	bool read;		/* looked for (only `check` does) */
	int err;		/* negative errno reading it; -ENOENT: no report */
	const char *root;	/* the --root prefix it was read under, "" for the live system */
	bool gate;		/* "mode":"gate": a gate wrote it */
	bool enforcing;		/* "enforcing":true */
	char policy_mode[32];	/* "policy_mode", "unknown" when absent */
	char override[16];	/* "override", "unknown" when absent */
	char result[16];	/* "result", "unknown" when absent */
};

/* Fill @b's gate, enforcing and string fields from the header @line. */
void boot_report_parse(struct boot_report *b, const char *line);

#endif
