/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmdline.h - the kernel command line, read twice: the way the kernel splits
 * it (lib/cmdline.c next_arg(), kernel/params.c parse_args(), parameq()) and
 * the way libkmod takes module options from it (kmod 30
 * libkmod/libkmod-config.c kmod_config_parse_kcmdline()). Pure: no I/O.
 */
#ifndef GPUGATE_CMDLINE_H
#define GPUGATE_CMDLINE_H

#include <stdbool.h>

/*
 * libkmod reads /proc/cmdline into a KCMD_LINE_SIZE (4096) buffer, so it
 * sees at most 4095 bytes: a longer line is -E2BIG (undetermined).
 */
#define CMDLINE_SIZE 4096
#define CMDLINE_MAX_PARAMS 256

struct cmdline_param {
	char *name;	 /* '-' folded to '_', as parameq() compares */
	char *value;	 /* NULL for a bare word, "" for "name=" */
	bool bootconfig; /* rendered from a bootconfig "kernel." key */
};

struct cmdline {
	char buf[CMDLINE_SIZE];
	/* The kernel's parameters: those before a lone "--". */
	struct cmdline_param params[CMDLINE_MAX_PARAMS];
	int nparams;
	/*
	 * The module options libkmod takes from the line, split as the
	 * module's own parse_args() splits them: name "module.param" (folded),
	 * value NULL for a bare option. libkmod reads past "--".
	 */
	char modbuf[2 * CMDLINE_SIZE];
	struct cmdline_param modparams[CMDLINE_MAX_PARAMS];
	int nmodparams;
};

/*
 * Read the text of /proc/cmdline into @cl: the kernel's parameters and the
 * module options libkmod applies. Returns 0; -E2BIG when the line (without
 * its final newline) is longer than 4095 bytes or holds more parameters than
 * fit; the caller must then treat the line as unknown.
 */
int cmdline_parse(struct cmdline *cl, const char *text);

/*
 * Split @text as the kernel's parse_args() splits a module's option string
 * (next_arg(), ends at a lone "--") into @cl->params; the kmod view stays
 * empty. Returns 0 or -E2BIG.
 */
int cmdline_parse_options(struct cmdline *cl, const char *text);

/*
 * Mark the parameters that bootconfig put in front of the line, given the
 * text of /proc/bootconfig (fs/proc/bootconfig.c: one "key = value, ..."
 * line per key; xbc_snprint_cmdline() renders each "kernel." value as one
 * parameter, in the same order, before the boot loader's line). Returns 0,
 * or -EINVAL when the line does not begin with those parameters.
 */
int cmdline_mark_bootconfig(struct cmdline *cl, const char *bootconfig);

/* The value of the last occurrence of @name, NULL if absent or bare. */
const char *cmdline_last(const struct cmdline *cl, const char *name);

/*
 * True when @name occurs at all, with or without a value. The _early
 * variant skips parameters that came from bootconfig.
 */
bool cmdline_has(const struct cmdline *cl, const char *name);
bool cmdline_early_has(const struct cmdline *cl, const char *name);

/*
 * True when an occurrence of @name carries an item that begins with @item in
 * its comma-separated value (pci=realloc,noats has "noats"). Kernel handlers
 * such as intel_iommu_setup(), iommu_setup(), setup_irqremap() and
 * pci_setup() compare items with strncmp(item, word, strlen(word)), so
 * "offx" is "off" to them. The _early variant skips parameters that came
 * from bootconfig: parse_early_param() reads boot_command_line only.
 */
bool cmdline_has_item(const struct cmdline *cl, const char *name, const char *item);
bool cmdline_early_has_item(const struct cmdline *cl, const char *name, const char *item);

/* Does the kernel read the comma-list item @item as the word @word? */
bool cmdline_item_is(const char *item, const char *word);

/*
 * Walk the items of every occurrence of @name in order and return the index
 * in @items[] of the last one that appears (by prefix, as above), or -1.
 * This is how "last one wins" is decided for intel_iommu=on,...,off.
 */
int cmdline_last_of(const struct cmdline *cl, const char *name, const char *const *items,
		    int nitems);

/* The same for the items of one parameter @p (-1 when it is bare). */
int cmdline_param_last_of(const struct cmdline_param *p, const char *const *items, int nitems);

/*
 * Parse a boolean the way the kernel's kstrtobool() does. Returns 1, 0, or
 * -1 when @s is not a boolean.
 */
int cmdline_bool(const char *s);

/* Compare parameter names the way parameq() does ('-' equals '_'). */
bool cmdline_name_eq(const char *a, const char *b);

#endif
