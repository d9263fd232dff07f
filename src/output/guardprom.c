// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guardprom.c - the runtime guard's counters as a Prometheus textfile.
 * Every kind x outcome series is written from the first event on, zeros
 * included, so that rate() and absent() work without a series appearing
 * only when something goes wrong. Label values are the fixed names of
 * guardev.c: nothing to escape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "guardprom.h"
#include "sysroot.h"

#define EVENTS "gpugate_guard_events_total"
#define LAST "gpugate_guard_last_event_timestamp_seconds"

void guardprom_print(FILE *out, const struct guard_state *s)
{
	fputs("# HELP " EVENTS " Runtime guard events (gpugate guard) by kind and outcome.\n"
	      "# TYPE " EVENTS " counter\n", out);
	for (int k = 0; k < GUARD_NKINDS; k++)
		for (int o = 0; o < GUARD_NOUTCOMES; o++)
			fprintf(out, EVENTS "{kind=\"%s\",outcome=\"%s\"} %llu\n",
				guard_kind_name((enum guard_kind)k),
				guard_outcome_name((enum guard_outcome)o),
				(unsigned long long)s->count[k][o]);
	fputs("# HELP " LAST " When the guard last handled an event of the kind (Unix time, 0 never).\n"
	      "# TYPE " LAST " gauge\n", out);
	for (int k = 0; k < GUARD_NKINDS; k++)
		fprintf(out, LAST "{kind=\"%s\"} %lld\n", guard_kind_name((enum guard_kind)k),
			(long long)s->last[k]);
}

int guardprom_write(const char *path, const struct guard_state *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	if (!f)
		return -ENOMEM;
	guardprom_print(f, s);
	rc = fclose(f) ? -ENOMEM : sysroot_replace_file(path, text, len, false);
	free(text);
	return rc;
}
