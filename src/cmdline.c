// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline.c - split and query the kernel command line.
 *
 * Splitting follows kernel/params.c next_arg(): arguments are separated by
 * white space outside double quotes, a quote that opens the argument or its
 * value is removed with the closing one, and the first '=' separates name and
 * value. A lone "--"
 * ends the kernel's arguments. Names compare with '-' equal to '_', as in
 * parameq().
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cmdline.h"

/*
 * The kernel's isspace() (lib/ctype.c) is also true for 0xa0, the Latin-1
 * no-break space, so "quiet\xa0pcie_acs_override=..." is two parameters to
 * the kernel (a UTF-8 no-break space, c2 a0, splits after the c2).
 */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' ||
	       (unsigned char)c == 0xa0;
}

/*
 * Copy one argument from @p into @out; returns the rest of the line. Like
 * next_arg(), a double quote toggles quoting (spaces inside do not split),
 * and only a quote that opens the argument or its value is removed, together
 * with the quote that ends the argument.
 */
static const char *arg_copy(const char *p, char *out, size_t *used, size_t cap, bool *trunc)
{
	bool quoted = false;

	while (*p && (quoted || !is_space(*p))) {
		if (*p == '"')
			quoted = !quoted;
		if (*used + 1 >= cap) {
			*trunc = true;
			return p;
		}
		out[(*used)++] = *p++;
	}
	out[(*used)++] = '\0';
	return p;
}

/*
 * Split one argument in place as next_arg() does. An opening quote is
 * dropped. The first '=' after the first character ends the name
 * (next_arg() takes equals == 0 for "none", so "=x" is a name). A value
 * that opens with a quote loses it, and the argument's last character if
 * that is a quote; then an argument that opened with a quote loses its last
 * character if that still is a quote ("a="b"" has the value 'b"').
 */
static void param_split(struct cmdline_param *prm, char *arg)
{
	bool quoted = *arg == '"';
	size_t n;
	char *eq;

	arg += quoted;
	n = strlen(arg);
	eq = n ? strchr(arg + 1, '=') : NULL;
	prm->name = arg;
	prm->value = NULL;
	if (eq) {
		*eq = '\0';
		prm->value = eq + 1;
		if (*prm->value == '"') {
			prm->value++;
			if (arg[n - 1] == '"')
				arg[n - 1] = '\0';
		}
	}
	if (quoted && n && arg[n - 1] == '"')
		arg[n - 1] = '\0';
}

static void name_fold(char *name)
{
	for (; *name; name++)
		if (*name == '-')
			*name = '_';
}

int cmdline_parse(struct cmdline *cl, const char *text)
{
	size_t used = 0;
	bool trunc = false;

	cl->nparams = 0;
	while (*text) {
		struct cmdline_param *prm;
		char *arg;

		while (is_space(*text))
			text++;
		if (!*text)
			break;
		if (cl->nparams == CMDLINE_MAX_PARAMS)
			return -E2BIG;
		arg = cl->buf + used;
		text = arg_copy(text, cl->buf, &used, sizeof(cl->buf), &trunc);
		if (trunc)
			return -E2BIG;
		prm = &cl->params[cl->nparams];
		param_split(prm, arg);
		if (!prm->value && strcmp(prm->name, "--") == 0)
			break; /* parse_args(): even a quoted "--" */
		name_fold(prm->name);
		cl->nparams++;
	}
	return 0;
}

bool cmdline_name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a == '-' ? '_' : *a;
		char y = *b == '-' ? '_' : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

const char *cmdline_last(const struct cmdline *cl, const char *name)
{
	for (int i = cl->nparams - 1; i >= 0; i--)
		if (cmdline_name_eq(cl->params[i].name, name))
			return cl->params[i].value;
	return NULL;
}

bool cmdline_has(const struct cmdline *cl, const char *name)
{
	for (int i = 0; i < cl->nparams; i++)
		if (cmdline_name_eq(cl->params[i].name, name))
			return true;
	return false;
}

/* Does the comma list @list hold @item? */
static bool list_has(const char *list, const char *item)
{
	size_t n = strlen(item);

	if (!n || strchr(item, ','))
		return false;
	for (const char *p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, item, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

bool cmdline_has_item(const struct cmdline *cl, const char *name, const char *item)
{
	for (int i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];

		if (p->value && cmdline_name_eq(p->name, name) && list_has(p->value, item))
			return true;
	}
	return false;
}

/* Index of the item of @list that appears last in it, or -1. */
static int list_last_of(const char *list, const char *const *items, int nitems)
{
	int found = -1;

	for (const char *p = list; p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		for (int k = 0; k < nitems; k++) {
			size_t n = strlen(items[k]);

			if (strncmp(p, items[k], n) == 0 && (p[n] == ',' || p[n] == '\0'))
				found = k;
		}
	}
	return found;
}

int cmdline_last_of(const struct cmdline *cl, const char *name, const char *const *items,
		    int nitems)
{
	int found = -1;

	for (int i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];
		int k;

		if (!p->value || !cmdline_name_eq(p->name, name))
			continue;
		k = list_last_of(p->value, items, nitems);
		if (k >= 0)
			found = k;
	}
	return found;
}

int cmdline_bool(const char *s)
{
	if (!s || !*s)
		return -1;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		return 1;
	case 'n': case 'N': case 'f': case 'F': case '0':
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N')
			return 1;
		if (s[1] == 'f' || s[1] == 'F')
			return 0;
		return -1;
	default:
		return -1;
	}
}
