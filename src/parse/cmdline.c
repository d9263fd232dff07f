// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmdline.c - split and query the kernel command line.
 *
 * The line is read twice. The kernel's view follows lib/cmdline.c
 * next_arg() as kernel/params.c parse_args() drives it: arguments are
 * separated by isspace() outside double quotes (newlines included), a quote
 * that opens the argument or its value is removed with the closing one, the
 * first '=' separates name and value, and a lone "--" ends the kernel's
 * arguments (the rest goes to init). Names compare with '-' equal to '_', as
 * in parameq().
 *
 * libkmod's view follows kmod 30 kmod_config_parse_kcmdline(): it reads the
 * first 4095 bytes, takes every "module.param[=value]" word as a module
 * option, also after "--", and hands it to the module, whose own
 * parse_args() splits it again. That is what a module loaded later gets.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
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

/*
 * Split @text as parse_args() does into @out (at most @max), copying the
 * arguments into @buf. Stops after a lone "--" (even a quoted one). Returns
 * the count, or -E2BIG.
 */
static int args_split(const char *text, char *buf, size_t cap, size_t *used,
		      struct cmdline_param *out, int max)
{
	bool trunc = false;
	int n = 0;

	while (*text) {
		char *arg;

		while (is_space(*text))
			text++;
		if (!*text)
			break;
		if (n == max)
			return -E2BIG;
		arg = buf + *used;
		text = arg_copy(text, buf, used, cap, &trunc);
		if (trunc)
			return -E2BIG;
		param_split(&out[n], arg);
		out[n].bootconfig = false;
		if (!out[n].value && strcmp(out[n].name, "--") == 0)
			break;
		name_fold(out[n].name);
		n++;
	}
	return n;
}

int cmdline_parse_options(struct cmdline *cl, const char *text)
{
	size_t used = 0;
	int n;

	cl->nparams = cl->nmodparams = 0;
	n = args_split(text, cl->buf, sizeof(cl->buf), &used, cl->params, CMDLINE_MAX_PARAMS);
	if (n < 0)
		return n;
	cl->nparams = n;
	return 0;
}

/* kmod_config_parse_kcmdline()'s separators: no 0xa0, unlike the kernel. */
static bool kmod_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/*
 * kmod's underscores() accepts a module name unless it holds a ']' outside
 * brackets or a '[' that is never closed.
 */
static bool kmod_name_ok(const char *s)
{
	for (; *s; s++) {
		if (*s == ']')
			return false;
		if (*s == '[') {
			s += strcspn(s, "]");
			if (!*s)
				return false;
		}
	}
	return true;
}

/*
 * One option libkmod took from the line: @opt is "param[=value]" for module
 * @mod. The module's parse_args() splits it again (next_arg()), so it may
 * hold several parameters; each is stored as "mod.param". A
 * "modprobe.blacklist=" option is a blacklist, not an option.
 */
static int modopt_add(struct cmdline *cl, size_t *used, const char *mod, const char *opt)
{
	struct cmdline_param args[CMDLINE_MAX_PARAMS];
	char tmp[CMDLINE_SIZE];
	size_t tused = 0;
	int n;

	if (!strcmp(mod, "modprobe") && !strncmp(opt, "blacklist=", 10))
		return 0;
	if (!kmod_name_ok(mod))
		return 0; /* kcmdline_parse_result(): "Ignoring bad option" */
	n = args_split(opt, tmp, sizeof(tmp), &tused, args, CMDLINE_MAX_PARAMS);
	for (int i = 0; i < n; i++) {
		struct cmdline_param *prm = &cl->modparams[cl->nmodparams];
		size_t room = sizeof(cl->modbuf) - *used;
		int len;

		if (cl->nmodparams == CMDLINE_MAX_PARAMS)
			return -E2BIG;
		len = snprintf(cl->modbuf + *used, room, "%s.%s%c%s", mod, args[i].name, '\0',
			       args[i].value ? args[i].value : "");
		if (len < 0 || (size_t)len >= room)
			return -E2BIG;
		prm->name = cl->modbuf + *used;
		name_fold(prm->name);
		prm->value = args[i].value ? prm->name + strlen(prm->name) + 1 : NULL;
		prm->bootconfig = false;
		*used += (size_t)len + 1;
		cl->nmodparams++;
	}
	return n < 0 ? n : 0;
}

enum kstate { K_IGNORE, K_MODNAME, K_PARAM, K_VALUE };

struct kscan {
	char *modname, *param, *value, *qstart;
	enum kstate st;
	bool quoted;
};

/*
 * An option is complete at @p. Like libkmod, put back the quote a boot
 * loader moved in front of the module name ("mod.p=a b" becomes p="a b").
 */
static int kscan_complete(struct cmdline *cl, size_t *used, struct kscan *k, char *p)
{
	*p = '\0';
	if (k->qstart && k->value && k->qstart < k->modname) {
		memmove(k->qstart, k->modname, (size_t)(k->value - k->modname));
		k->value--, k->modname--, k->param--;
		*k->value = '"';
	}
	k->qstart = NULL;
	k->st = K_MODNAME;
	return modopt_add(cl, used, k->modname, k->param);
}

/* libkmod's state machine, one character; returns 0 or -E2BIG. */
static int kscan_char(struct cmdline *cl, size_t *used, struct kscan *k, char *p)
{
	if (*p == '"') {
		k->quoted = !k->quoted;
		if (k->quoted && k->st == K_MODNAME && p == k->modname)
			k->qstart = p, k->modname = p + 1;
		else if (k->st != K_VALUE)
			k->st = K_IGNORE;
	} else if (!*p || kmod_space(*p)) {
		if (k->quoted && k->st != K_VALUE)
			k->st = K_IGNORE;
		else if (!k->quoted && (k->st == K_VALUE || k->st == K_PARAM)) {
			int rc = kscan_complete(cl, used, k, p);

			k->modname = p + 1;
			return rc;
		} else if (!k->quoted) {
			k->modname = p + 1, k->st = K_MODNAME, k->qstart = NULL;
		}
	} else if (*p == '.' && k->st == K_MODNAME) {
		*p = '\0';
		k->param = p + 1, k->st = K_PARAM;
	} else if (*p == '.' && k->st == K_PARAM) {
		k->st = K_IGNORE;
	} else if (*p == '=' && k->st == K_PARAM) {
		k->value = p + 1, k->st = K_VALUE;
	} else if (*p == '=' && k->st == K_MODNAME) {
		k->st = K_IGNORE;
	}
	return 0;
}

/* The module options kmod_config_parse_kcmdline() takes from @text. */
static int kmod_split(struct cmdline *cl, const char *text)
{
	char work[CMDLINE_SIZE];
	struct kscan k = { .st = K_MODNAME };
	size_t used = 0;
	char *p;

	snprintf(work, sizeof(work), "%s", text);
	k.modname = work;
	for (p = work;; p++) {
		bool end = !*p;
		int rc = kscan_char(cl, &used, &k, p);

		if (rc)
			return rc;
		if (end)
			return 0;
	}
}

int cmdline_parse(struct cmdline *cl, const char *text)
{
	size_t len = strlen(text);
	int rc;

	cl->nparams = cl->nmodparams = 0;
	if (len && text[len - 1] == '\n')
		len--; /* the newline proc_cmdline_show() adds */
	if (len > CMDLINE_SIZE - 1)
		return -E2BIG;
	rc = cmdline_parse_options(cl, text);
	if (rc)
		return rc;
	rc = kmod_split(cl, text);
	if (rc)
		cl->nparams = cl->nmodparams = 0;
	return rc;
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

bool cmdline_early_has(const struct cmdline *cl, const char *name)
{
	for (int i = 0; i < cl->nparams; i++)
		if (!cl->params[i].bootconfig && cmdline_name_eq(cl->params[i].name, name))
			return true;
	return false;
}

bool cmdline_item_is(const char *item, const char *word)
{
	size_t n = strlen(word);

	return n && strncmp(item, word, n) == 0;
}

/*
 * Index in @words[] of the word the comma list @list names last, or -1.
 * Items are read as the kernel's handlers read them: each item, after
 * strcspn(",") and any run of commas, is compared by prefix.
 */
static int list_last_of(const char *list, const char *const *words, int nwords)
{
	int found = -1;

	for (const char *p = list; *p; p += strcspn(p, ",")) {
		while (*p == ',')
			p++;
		for (int k = 0; k < nwords; k++)
			if (!strchr(words[k], ',') && cmdline_item_is(p, words[k]))
				found = k;
	}
	return found;
}

static bool has_item(const struct cmdline *cl, const char *name, const char *item, bool early)
{
	for (int i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];

		if (early && p->bootconfig)
			continue;
		if (cmdline_name_eq(p->name, name) && cmdline_param_last_of(p, &item, 1) == 0)
			return true;
	}
	return false;
}

bool cmdline_has_item(const struct cmdline *cl, const char *name, const char *item)
{
	return has_item(cl, name, item, false);
}

bool cmdline_early_has_item(const struct cmdline *cl, const char *name, const char *item)
{
	return has_item(cl, name, item, true);
}

int cmdline_param_last_of(const struct cmdline_param *p, const char *const *items, int nitems)
{
	return p->value ? list_last_of(p->value, items, nitems) : -1;
}

int cmdline_last_of(const struct cmdline *cl, const char *name, const char *const *items,
		    int nitems)
{
	int found = -1;

	for (int i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];
		int k;

		if (!cmdline_name_eq(p->name, name))
			continue;
		k = cmdline_param_last_of(p, items, nitems);
		if (k >= 0)
			found = k;
	}
	return found;
}

/*
 * Count the values of one /proc/bootconfig line "key = v1, v2\n"
 * (copy_xbc_key_value_list(): each value quoted with '"', or '\'' when it
 * holds a '"'; a key without value shows ""). Sets @end past the line.
 * Returns the count, or -EINVAL for a line of another shape.
 */
static int bootconfig_values(const char *p, const char **end)
{
	int n = 0;

	for (;;) {
		char q = *p;
		const char *close;

		if (q != '"' && q != '\'')
			return -EINVAL;
		close = strchr(p + 1, q);
		if (!close)
			return -EINVAL;
		n++;
		p = close + 1;
		if (*p == '\n' || !*p) {
			*end = p + (*p == '\n');
			return n;
		}
		if (p[0] != ',' || p[1] != ' ')
			return -EINVAL;
		p += 2;
	}
}

/* Mark the next @n parameters from @*at as bootconfig's "kernel.@key". */
static int bootconfig_claim(struct cmdline *cl, int *at, const char *key, size_t keylen, int n)
{
	char name[256];

	if (keylen >= sizeof(name))
		return -EINVAL;
	memcpy(name, key, keylen);
	name[keylen] = '\0';
	for (; n > 0; n--, (*at)++) {
		if (*at >= cl->nparams || !cmdline_name_eq(cl->params[*at].name, name))
			return -EINVAL;
		cl->params[*at].bootconfig = true;
	}
	return 0;
}

int cmdline_mark_bootconfig(struct cmdline *cl, const char *bootconfig)
{
	const char *p = bootconfig;
	int at = 0;

	/* Comment lines ("# Parameters from bootloader:") only come last. */
	while (*p && *p != '#') {
		const char *eq = strstr(p, " = "), *end;
		int n;

		if (!eq || memchr(p, '\n', (size_t)(eq - p)))
			return -EINVAL;
		n = bootconfig_values(eq + 3, &end);
		if (n < 0)
			return -EINVAL;
		if (!strncmp(p, "kernel.", 7) &&
		    bootconfig_claim(cl, &at, p + 7, (size_t)(eq - p - 7), n))
			return -EINVAL;
		p = end;
	}
	return 0;
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
