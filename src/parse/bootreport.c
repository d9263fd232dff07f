// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bootreport.c - the header line of a boot's gate report (bootreport.h).
 */
#include <stdio.h>
#include <string.h>

#include "bootreport.h"

/* Copy the string value of "@key":"..." in the JSON header @line to @out ("unknown" if absent). */
static void header_value(const char *line, const char *key, char *out, size_t len)
{
	char pat[48];
	const char *v, *end;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	v = strstr(line, pat);
	end = v ? strchr(v + strlen(pat), '"') : NULL;
	if (!end) {
		snprintf(out, len, "unknown");
		return;
	}
	v += strlen(pat);
	snprintf(out, len, "%.*s", (int)(end - v), v);
}

void boot_report_parse(struct boot_report *b, const char *line)
{
	b->gate = strstr(line, "\"mode\":\"gate\"") != NULL;
	b->enforcing = strstr(line, "\"enforcing\":true") != NULL;
	header_value(line, "policy_mode", b->policy_mode, sizeof(b->policy_mode));
	header_value(line, "override", b->override, sizeof(b->override));
	header_value(line, "result", b->result, sizeof(b->result));
}
