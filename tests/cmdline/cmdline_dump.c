// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline_dump.c - print what cmdline.c reads from each command line on
 * stdin (lines separated by NUL bytes), for tests/cmdline/differential.py.
 *
 * Output per line: "rc N", then "k NAME VALUE" for each kernel parameter and
 * "m NAME VALUE" for each module option libkmod applies, then "end". Names
 * and values are hex (a bare word's value is "-"), so any byte survives.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

static void hex(const char *s)
{
	if (!s) {
		fputs(" -", stdout);
		return;
	}
	fputs(" x", stdout);
	for (; *s; s++)
		printf("%02x", (unsigned char)*s);
}

static void dump(const char *kind, const struct cmdline_param *p, int n)
{
	for (int i = 0; i < n; i++) {
		fputs(kind, stdout);
		hex(p[i].name);
		hex(p[i].value);
		putchar('\n');
	}
}

int main(void)
{
	static struct cmdline cl;
	static char line[3 * CMDLINE_SIZE];
	size_t n = 0;
	int c;

	while ((c = getchar()) != EOF) {
		if (c && n < sizeof(line) - 1) {
			line[n++] = (char)c;
			continue;
		}
		line[n] = '\0';
		n = 0;
		printf("rc %d\n", cmdline_parse(&cl, line));
		dump("k", cl.params, cl.nparams);
		dump("m", cl.modparams, cl.nmodparams);
		puts("end");
	}
	return 0;
}
