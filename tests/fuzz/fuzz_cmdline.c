// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_cmdline.c - libFuzzer target for cmdline.c: split arbitrary text as
 * the kernel command line and run every query on the result.
 *
 * Invariants checked after a successful split: at most CMDLINE_MAX_PARAMS
 * parameters, every name and value lies inside the struct's own buffer and
 * is NUL-terminated there (libkmod's "module.param" view too), marking
 * bootconfig parameters returns 0 or -EINVAL, no name contains '-' (parameq() folding), and the
 * queries agree with each other (cmdline_has() is true for every name,
 * cmdline_last() returns the value of the last occurrence).
 *
 * And a differential check: kernel_split() below restates, independently of
 * cmdline.c, how the kernel splits its command line (lib/cmdline.c
 * next_arg(), kernel/params.c parse_args(), isspace() of lib/ctype.c), and
 * cmdline.c must produce exactly the same names and values. A difference
 * means gpugate would judge a parameter the kernel never saw, or miss one
 * it applied.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

#define KMAX 1024

/* lib/ctype.c: 9-13, 32 and 160 (Latin-1 no-break space) are _S. */
static bool k_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

/*
 * Split @s in place into @names/@values the kernel's way; returns the count
 * or -1 past KMAX. One argument: an opening quote is dropped and starts a
 * quoted run; blanks end the argument only outside quotes; the first '='
 * that is not the argument's first character splits off the value; a value
 * that opens with a quote loses it and the argument's last character if that
 * is a quote; an argument that opened with a quote then loses its last
 * character if that (still) is a quote. A bare "--" ends the kernel's part.
 */
static int kernel_split(char *s, char **names, char **values)
{
	int n = 0;

	while (k_space((unsigned char)*s))
		s++;
	while (*s) {
		bool quoted = *s == '"', inq;
		size_t len, eq = 0;
		char *val = NULL;

		s += quoted;
		inq = quoted;
		for (len = 0; s[len] && (inq || !k_space((unsigned char)s[len])); len++) {
			if (!eq && len > 0 && s[len] == '=')
				eq = len;
			if (s[len] == '"')
				inq = !inq;
		}
		names[n] = s;
		if (eq) {
			s[eq] = '\0';
			val = s + eq + 1;
			if (*val == '"') {
				val++;
				if (s[len - 1] == '"')
					s[len - 1] = '\0';
			}
		}
		if (quoted && len > 0 && s[len - 1] == '"')
			s[len - 1] = '\0';
		s += len;
		if (*s)
			*s++ = '\0';
		while (k_space((unsigned char)*s))
			s++;
		if (!val && !strcmp(names[n], "--"))
			break;
		if (n == KMAX)
			return -1;
		values[n++] = val;
	}
	return n;
}

static bool same_name(const char *folded, const char *raw)
{
	for (; *folded && *raw; folded++, raw++)
		if (*folded != (*raw == '-' ? '_' : *raw))
			return false;
	return *folded == *raw;
}

/* cmdline.c must agree with kernel_split() on every parameter. */
static void check_kernel_agrees(const struct cmdline *cl, int rc, const char *text)
{
	static char *names[KMAX + 1], *values[KMAX + 1];
	char *copy = strdup(text);
	int n;

	if (!copy)
		abort();
	n = kernel_split(copy, names, values);
	if (n < 0 || n > CMDLINE_MAX_PARAMS) {
		if (rc != -E2BIG)
			abort();	/* more parameters than fit, yet no error */
	} else if (rc == 0) {
		if (cl->nparams != n)
			abort();
		for (int i = 0; i < n; i++) {
			const char *v = cl->params[i].value;

			if (!same_name(cl->params[i].name, names[i]))
				abort();
			if (!v != !values[i] || (v && strcmp(v, values[i])))
				abort();
		}
	}
	free(copy);
}

static bool in_buf(const struct cmdline *cl, const char *s)
{
	return s >= cl->buf && s < cl->buf + sizeof(cl->buf) &&
	       memchr(s, '\0', (size_t)(cl->buf + sizeof(cl->buf) - s));
}

static bool in_modbuf(const struct cmdline *cl, const char *s)
{
	return s >= cl->modbuf && s < cl->modbuf + sizeof(cl->modbuf) &&
	       memchr(s, '\0', (size_t)(cl->modbuf + sizeof(cl->modbuf) - s));
}

/* libkmod's view: "module.param" names, folded, inside modbuf. */
static void check_modparams(const struct cmdline *cl)
{
	if (cl->nmodparams < 0 || cl->nmodparams > CMDLINE_MAX_PARAMS)
		abort();
	for (int i = 0; i < cl->nmodparams; i++) {
		const struct cmdline_param *p = &cl->modparams[i];

		if (!in_modbuf(cl, p->name) || !strchr(p->name, '.') || strchr(p->name, '-'))
			abort();
		if (p->value && !in_modbuf(cl, p->value))
			abort();
	}
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
	if (rc == 0) {
		const char *nul = memchr(data, '\0', size);
		int b = 0;

		check_modparams(cl);
		/* the bytes after a NUL play /proc/bootconfig */
		if (nul)
			b = cmdline_mark_bootconfig(cl, text + (nul - (const char *)data) + 1);
		if (b != 0 && b != -EINVAL)
			abort();
	}
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
	check_kernel_agrees(cl, rc, text);
	free(text);
	free(cl);
	return 0;
}
