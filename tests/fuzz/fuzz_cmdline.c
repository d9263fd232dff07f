// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_cmdline.c - libFuzzer target for cmdline.c: split arbitrary text as
 * the kernel command line and run every query on the result.
 *
 * Invariants checked after a successful split: at most CMDLINE_MAX_PARAMS
 * parameters, every name and value lies inside the struct's own buffer and
 * is NUL-terminated there, no name contains '-' (parameq() folding), and the
 * queries agree with each other (cmdline_has() is true for every name,
 * cmdline_last() returns the value of the last occurrence).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

static bool in_buf(const struct cmdline *cl, const char *s)
{
	return s >= cl->buf && s < cl->buf + sizeof(cl->buf) &&
	       memchr(s, '\0', (size_t)(cl->buf + sizeof(cl->buf) - s));
}

static void check_param(const struct cmdline *cl, int i)
{
	const struct cmdline_param *p = &cl->params[i];
	const char *last;

	if (!in_buf(cl, p->name) || strchr(p->name, '-'))
		abort();
	if (p->value && !in_buf(cl, p->value))
		abort();
	if (!cmdline_has(cl, p->name) || !cmdline_name_eq(p->name, p->name))
		abort();
	last = cmdline_last(cl, p->name);
	for (int j = cl->nparams - 1; j >= 0; j--) {
		if (!cmdline_name_eq(cl->params[j].name, p->name))
			continue;
		if (last != cl->params[j].value)
			abort();
		break;
	}
	if (p->value) {
		(void)cmdline_bool(p->value);
		(void)cmdline_has_item(cl, p->name, p->value);
	}
}

/* The queries gpugate makes, with the names and items it uses. */
static void run_queries(const struct cmdline *cl)
{
	static const char *const names[] = { "intel_iommu", "amd_iommu", "iommu",
					     "iommu.strict", "iommu.passthrough", "pci",
					     "intremap", "rd.gpugate", "pcie_acs_override",
					     "vfio-pci.ids", "" };
	static const char *const items[] = { "on", "off", "sm_on", "pt", "noats", "" };

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		int k = cmdline_last_of(cl, names[n], items, 6);

		if (k < -1 || k >= 6)
			abort();
		(void)cmdline_bool(cmdline_last(cl, names[n]));
		(void)cmdline_has(cl, names[n]);
		for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
			(void)cmdline_has_item(cl, names[n], items[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cmdline *cl = malloc(sizeof(*cl));
	char *text = malloc(size + 1);
	int rc;

	if (!cl || !text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	rc = cmdline_parse(cl, text);
	if (rc != 0 && rc != -E2BIG)
		abort();
	if (cl->nparams < 0 || cl->nparams > CMDLINE_MAX_PARAMS)
		abort();
	if (rc == 0) {
		for (int i = 0; i < cl->nparams; i++)
			check_param(cl, i);
		run_queries(cl);
		/* an argument-free line holds no parameter at all */
		if (strspn(text, " \t\n\r\v\f") == strlen(text) && cl->nparams)
			abort();
	}
	free(text);
	free(cl);
	return 0;
}
