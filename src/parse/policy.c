// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.c - parse the policy file over the defaults of SPEC.md.
 *
 * The grammar is INI: "[section]", "key = value", comments from '#' or ';'
 * at the start of a line or after white space. Keys are a table, each row
 * naming its section, its parser and the field it fills, so the whole
 * accepted vocabulary is visible here. Unknown sections or keys, a key given
 * twice and a bad value are errors with file:line: an operator's typo must
 * never loosen the policy silently.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pci/header.h>

#include "acsx.h"
#include "flags.h"
#include "platform.h"
#include "policy.h"

#define LINE_MAX_LEN 1024

struct key;
typedef int (*key_parse_fn)(struct policy *p, const struct key *k, char *val, char *why,
			    size_t wlen);

struct key {
	const char *section;
	const char *name;
	key_parse_fn parse;
	size_t off;		  /* field offset in struct policy (lists: the count) */
	const char *const *words; /* for enums: accepted words, in enum order */
	int (*item)(struct policy *p, const char *w, char *why, size_t wlen); /* lists */
};

static const char *const mode_words[] = { "enforce", "audit", "audit-readonly", NULL };
static const char *const preflight_words[] = { "refuse", "warn", "off", NULL };
static const char *const fail_words[] = { "halt", "poweroff", "reboot", "emergency", NULL };
static const char *const comp_words[] = { "slot", "none", NULL };
static const char *const measure_words[] = { "off", "on", "required", NULL };
static const char *const guard_add_words[] = { "override", "report", NULL };
static const char *const guard_bind_words[] = { "report", "unbind", NULL };
static const char *const nvswitch_words[] = { "no", "yes", "whole-node", NULL };

static const struct flag_name acs_bits[] = {
	{ "SV", PCI_ACS_CTRL_VALID },	  { "TB", PCI_ACS_CTRL_BLOCK },
	{ "RR", PCI_ACS_CTRL_REQ_RED },	  { "CR", PCI_ACS_CTRL_CMPLT_RED },
	{ "UF", PCI_ACS_CTRL_FORWARD },	  { "EC", PCI_ACS_CTRL_EGRESS },
	{ "DT", PCI_ACS_CTRL_TRANS },
};

#define NACS_BITS (sizeof(acs_bits) / sizeof(acs_bits[0]))

#define FIELD(p, k, type) ((type *)((char *)(p) + (k)->off))

/* A yes/no word ("yes", "true", "no", "false") into *@b; -EINVAL for another. */
static int bool_word(const char *val, bool *b)
{
	if (!strcmp(val, "yes") || !strcmp(val, "true")) {
		*b = true;
		return 0;
	}
	if (!strcmp(val, "no") || !strcmp(val, "false")) {
		*b = false;
		return 0;
	}
	return -EINVAL;
}

static int parse_bool(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	if (!bool_word(val, FIELD(p, k, bool)))
		return 0;
	snprintf(why, wlen, "%s: expected yes or no, got '%s'", k->name, val);
	return -EINVAL;
}

/*
 * [nvlink] forbid_nvswitch: every yes/no word parse_bool takes, or a word
 * of k->words beyond them (whole-node).
 */
static int parse_nvswitch(struct policy *p, const struct key *k, char *val, char *why,
			  size_t wlen)
{
	enum nvswitch_policy *n = FIELD(p, k, enum nvswitch_policy);
	bool b;

	if (!bool_word(val, &b)) {
		*n = b ? NVSWITCH_FORBID : NVSWITCH_ALLOW;
		return 0;
	}
	if (!strcmp(val, k->words[NVSWITCH_WHOLE_NODE])) {
		*n = NVSWITCH_WHOLE_NODE;
		return 0;
	}
	snprintf(why, wlen, "%s: expected yes, no or whole-node, got '%s'", k->name, val);
	return -EINVAL;
}

static int parse_enum(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	for (int i = 0; k->words[i]; i++) {
		if (!strcmp(val, k->words[i])) {
			*FIELD(p, k, int) = i;
			return 0;
		}
	}
	snprintf(why, wlen, "%s: unknown value '%s'", k->name, val);
	return -EINVAL;
}

static int parse_path(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	char *dst = FIELD(p, k, char);

	if (*val && *val != '/') {
		snprintf(why, wlen, "%s: '%s' is not an absolute path", k->name, val);
		return -EINVAL;
	}
	if (strlen(val) >= POLICY_PATH_LEN) {
		snprintf(why, wlen, "%s: path too long", k->name);
		return -EINVAL;
	}
	strcpy(dst, val);
	return 0;
}

static int parse_report(struct policy *p, const struct key *k, char *val, char *why,
			size_t wlen)
{
	if (!*val) {
		snprintf(why, wlen, "%s: must not be empty", k->name);
		return -EINVAL;
	}
	return parse_path(p, k, val, why, wlen);
}

/* Does @s end in @tail? */
static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/*
 * The VFIO driver: vfio-pci, or a vfio-pci variant driver, all of which
 * the kernel names *-vfio-pci or *_vfio_pci (drivers/vfio/pci/). A typo
 * is caught here, not at boot.
 */
static int parse_name(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	if (!*val || strlen(val) >= POLICY_NAME_LEN || strpbrk(val, " \t/")) {
		snprintf(why, wlen, "%s: '%s' is not a driver name", k->name, val);
		return -EINVAL;
	}
	if (!ends_with(val, "vfio-pci") && !ends_with(val, "vfio_pci")) {
		snprintf(why, wlen, "%s: '%s' is not a VFIO driver (vfio-pci, or a variant driver named *-vfio-pci or *_vfio_pci)",
			 k->name, val);
		return -EINVAL;
	}
	strcpy(FIELD(p, k, char), val);
	return 0;
}

/* A count from 0 to POLICY_MAX_COUNT, decimal digits only. */
#define POLICY_MAX_COUNT 4096

static int parse_count(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	char *end;
	unsigned long n;

	if (!*val || strspn(val, "0123456789") != strlen(val) || strlen(val) > 5) {
		snprintf(why, wlen, "%s: expected a number from 0 to %d, got '%s'", k->name,
			 POLICY_MAX_COUNT, val);
		return -EINVAL;
	}
	n = strtoul(val, &end, 10);
	if (n > POLICY_MAX_COUNT) {
		snprintf(why, wlen, "%s: %lu is more than %d", k->name, n, POLICY_MAX_COUNT);
		return -EINVAL;
	}
	*FIELD(p, k, int) = (int)n;
	return 0;
}

/* Decimal digits only, at most @maxlen of them, into *@n. */
static bool parse_decimal(const char *val, size_t maxlen, unsigned long *n)
{
	if (!*val || strspn(val, "0123456789") != strlen(val) || strlen(val) > maxlen)
		return false;
	*n = strtoul(val, NULL, 10);
	return true;
}

/*
 * Who else extends each PCR the parser refuses, and why gpugate must not
 * (docs/man/gpugate.conf.5, [tpm]). 9 and 11-15 are systemd's: allowed
 * with allow_systemd_pcr = yes (policy_check).
 */
static const char *pcr_refusal(unsigned long n)
{
	if (n <= 7)
		return "PCRs 0-7 are the firmware's and the boot loader's (measured boot)";
	if (n == 10)
		return "PCR 10 is IMA's: an extend there breaks the IMA log's replay";
	if (n == 16 || n == 23)
		return "PCRs 16 and 23 can be reset from locality 0: any root process could reset it and replay the pass value";
	if (n >= 17 && n <= 22)
		return "PCRs 17-22 are D-RTM's: locality 0 cannot extend them";
	return NULL;
}

static int parse_pcr(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	unsigned long n;
	const char *no;

	if (!parse_decimal(val, 2, &n) || n > 23) {
		snprintf(why, wlen, "%s: expected a PCR number from 0 to 23, got '%s'", k->name, val);
		return -EINVAL;
	}
	no = pcr_refusal(n);
	if (no) {
		snprintf(why, wlen, "%s: %lu refused: %s; use 8 (the default)", k->name, n, no);
		return -EINVAL;
	}
	*FIELD(p, k, int) = (int)n;
	return 0;
}

static int parse_ms(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	unsigned long n;

	if (!parse_decimal(val, 5, &n) || n < TPM_TIMEOUT_MS_MIN || n > TPM_TIMEOUT_MS_MAX) {
		snprintf(why, wlen, "%s: expected milliseconds from %d to %d, got '%s'", k->name,
			 TPM_TIMEOUT_MS_MIN, TPM_TIMEOUT_MS_MAX, val);
		return -EINVAL;
	}
	*FIELD(p, k, int) = (int)n;
	return 0;
}

/* [guard] intervals: 0 (off) or GUARD_POLL_MS_MIN..GUARD_POLL_MS_MAX. */
static int parse_guard_ms(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	unsigned long n;

	if (!parse_decimal(val, 7, &n) || (n && (n < GUARD_POLL_MS_MIN || n > GUARD_POLL_MS_MAX))) {
		snprintf(why, wlen, "%s: expected 0 (off) or milliseconds from %d to %d, got '%s'",
			 k->name, GUARD_POLL_MS_MIN, GUARD_POLL_MS_MAX, val);
		return -EINVAL;
	}
	*FIELD(p, k, int) = (int)n;
	return 0;
}

/* Split @val on white space; call @one for each word. */
static int each_word(char *val, int (*one)(struct policy *, const char *, char *, size_t),
		     struct policy *p, char *why, size_t wlen)
{
	for (char *save = NULL, *w = strtok_r(val, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		int err = one(p, w, why, wlen);

		if (err)
			return err;
	}
	return 0;
}

/* Only hex digits: strtoul() and sscanf("%x") would take a sign or "0x". */
static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Parse exactly @digits hex digits, or "*" when @any is given. */
static int hex_field(const char *s, size_t n, int digits, uint16_t *out, bool *any)
{
	char buf[8];
	char *end;

	if (n == 1 && s[0] == '*') {
		*any = true;
		return 0;
	}
	if ((int)n != digits || !all_hex(s, n))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = (uint16_t)strtoul(buf, &end, 16);
	*any = false;
	return *end ? -EINVAL : 0;
}

static int match_one(struct policy *p, const char *w, char *why, size_t wlen)
{
	struct match m = { 0 };
	const char *c1 = strchr(w, ':');
	const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

	if (p->nmatch == POLICY_MAX_LIST) {
		snprintf(why, wlen, "match: more than %d entries", POLICY_MAX_LIST);
		return -EINVAL;
	}
	if (!c2 || strchr(c2 + 1, ':') ||
	    hex_field(w, (size_t)(c1 - w), 4, &m.vendor, &m.any_vendor) ||
	    hex_field(c1 + 1, (size_t)(c2 - c1 - 1), 4, &m.device, &m.any_device) ||
	    hex_field(c2 + 1, strlen(c2 + 1), 4, &m.class, &m.any_class)) {
		snprintf(why, wlen, "match: '%s' is not vendor:device:class (4 hex digits or *)", w);
		return -EINVAL;
	}
	p->match[p->nmatch++] = m;
	return 0;
}

static int bdf_one(struct policy *p, const char *w, char *why, size_t wlen)
{
	struct bdf_addr a;

	if (!bdf_parse(w, strlen(w), &a)) {
		snprintf(why, wlen,
			 "bdf: '%s' is not a PCI address like 0000:17:00.0 or 10000:e1:00.0", w);
		return -EINVAL;
	}
	if (p->nbdf == POLICY_MAX_LIST) {
		snprintf(why, wlen, "bdf: more than %d entries", POLICY_MAX_LIST);
		return -EINVAL;
	}
	bdf_format(p->bdf[p->nbdf++], &a);
	return 0;
}

static int class_one(struct policy *p, const char *w, char *why, size_t wlen)
{
	uint16_t cls;
	bool any;

	if (hex_field(w, strlen(w), 4, &cls, &any) || any) {
		snprintf(why, wlen, "companion_classes: '%s' is not a 4-digit class", w);
		return -EINVAL;
	}
	if (p->ncompanion_classes == POLICY_MAX_LIST) {
		snprintf(why, wlen, "companion_classes: more than %d entries", POLICY_MAX_LIST);
		return -EINVAL;
	}
	p->companion_classes[p->ncompanion_classes++] = cls;
	return 0;
}

static int forbid_one(struct policy *p, const char *w, char *why, size_t wlen)
{
	if (strlen(w) >= sizeof(p->forbid[0]) || w[0] == '=') {
		snprintf(why, wlen, "forbid: '%s' is not a parameter", w);
		return -EINVAL;
	}
	if (p->nforbid == POLICY_MAX_LIST) {
		snprintf(why, wlen, "forbid: more than %d entries", POLICY_MAX_LIST);
		return -EINVAL;
	}
	strcpy(p->forbid[p->nforbid++], w);
	return 0;
}

static int host_driver_one(struct policy *p, const char *w, char *why, size_t wlen)
{
	if (strlen(w) >= POLICY_NAME_LEN || strchr(w, '/')) {
		snprintf(why, wlen, "host_drivers: '%s' is not a module name", w);
		return -EINVAL;
	}
	if (p->nhost_drivers == POLICY_MAX_LIST) {
		snprintf(why, wlen, "host_drivers: more than %d entries", POLICY_MAX_LIST);
		return -EINVAL;
	}
	strcpy(p->host_drivers[p->nhost_drivers++], w);
	return 0;
}

static int taint_one(struct policy *p, const char *w, char *why, size_t wlen)
{
	const struct taint_flag *t = platform_taint_find(w);

	if (!t) {
		snprintf(why, wlen,
			 "forbid_taint: '%s' is no kernel taint flag (a letter such as O E P, or a name such as oot_module)",
			 w);
		return -EINVAL;
	}
	for (int i = 0; i < p->nforbid_taint; i++)
		if (p->forbid_taint[i] == t->bit)
			return 0;
	p->forbid_taint[p->nforbid_taint++] = (uint8_t)t->bit;
	return 0;
}

/* A list key: reset its count (the field at k->off), then parse each word. */
static int parse_list(struct policy *p, const struct key *k, char *v, char *why, size_t wl)
{
	*FIELD(p, k, int) = 0;
	return each_word(v, k->item, p, why, wl);
}

static int parse_acs(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	unsigned int bits;
	const char *bad;

	if (flag_parse(acs_bits, NACS_BITS, val, &bits, &bad)) {
		snprintf(why, wlen, "%s: unknown ACS bit '%s' (SV TB RR CR UF EC DT)", k->name, bad);
		return -EINVAL;
	}
	*FIELD(p, k, uint16_t) = (uint16_t)bits;
	return 0;
}

/* [acs] require_enhanced: a list of ACS Enhanced control names (acsx.h). */
static int parse_acsx(struct policy *p, const struct key *k, char *val, char *why, size_t wlen)
{
	unsigned int set;
	const char *bad;

	if (acsx_parse(val, &set, &bad)) {
		snprintf(why, wlen, "%s: unknown ACS Enhanced control '%s' (IB DSP USP URR)", k->name,
			 bad);
		return -EINVAL;
	}
	*FIELD(p, k, uint8_t) = (uint8_t)set;
	return 0;
}

static void show_hex4(FILE *out, uint16_t v, bool any)
{
	if (any)
		fputc('*', out);
	else
		fprintf(out, "%04x", v);
}

static void match_show(FILE *out, const struct policy *p, int i)
{
	const struct match *m = &p->match[i];

	show_hex4(out, m->vendor, m->any_vendor);
	fputc(':', out);
	show_hex4(out, m->device, m->any_device);
	fputc(':', out);
	show_hex4(out, m->class, m->any_class);
}

static void bdf_show(FILE *out, const struct policy *p, int i)
{
	fputs(p->bdf[i], out);
}

static void class_show(FILE *out, const struct policy *p, int i)
{
	show_hex4(out, p->companion_classes[i], false);
}

static void forbid_show(FILE *out, const struct policy *p, int i)
{
	fputs(p->forbid[i], out);
}

static void host_driver_show(FILE *out, const struct policy *p, int i)
{
	fputs(p->host_drivers[i], out);
}

static void taint_show(FILE *out, const struct policy *p, int i)
{
	fputc(platform_taint_bit(p->forbid_taint[i])->letter, out);
}

#define OFF(field) offsetof(struct policy, field)

static const struct key keys[] = {
	{ "gate", "mode", parse_enum, OFF(mode), mode_words, NULL },
	{ "gate", "on_failure", parse_enum, OFF(on_failure), fail_words, NULL },
	{ "gate", "allow_cmdline_override", parse_bool, OFF(allow_cmdline_override), NULL, NULL },
	{ "gate", "report", parse_report, OFF(report), NULL, NULL },
	{ "gate", "preflight", parse_enum, OFF(preflight), preflight_words, NULL },
	{ "devices", "match", parse_list, OFF(nmatch), NULL, match_one },
	{ "devices", "bdf", parse_list, OFF(nbdf), NULL, bdf_one },
	{ "devices", "companions", parse_enum, OFF(companions), comp_words, NULL },
	{ "devices", "companion_classes", parse_list, OFF(ncompanion_classes), NULL, class_one },
	{ "devices", "allow_none", parse_bool, OFF(allow_none), NULL, NULL },
	{ "devices", "expect", parse_count, OFF(expect), NULL, NULL },
	{ "devices", "require_bars", parse_bool, OFF(require_bars), NULL, NULL },
	{ "iommu", "require_strict", parse_bool, OFF(require_strict), NULL, NULL },
	{ "iommu", "forbid_identity", parse_bool, OFF(forbid_identity), NULL, NULL },
	{ "iommu", "require_irq_remapping", parse_bool, OFF(require_irq_remapping), NULL, NULL },
	{ "cmdline", "require_noats", parse_bool, OFF(require_noats), NULL, NULL },
	{ "cmdline", "forbid", parse_list, OFF(nforbid), NULL, forbid_one },
	{ "acs", "require", parse_acs, OFF(acs_require), NULL, NULL },
	{ "acs", "forbid", parse_acs, OFF(acs_forbid), NULL, NULL },
	{ "acs", "require_enhanced", parse_acsx, OFF(acs_enhanced), NULL, NULL },
	{ "acs", "fix", parse_bool, OFF(acs_fix), NULL, NULL },
	{ "ats", "require_disabled", parse_bool, OFF(ats_require_disabled), NULL, NULL },
	{ "ats", "fix", parse_bool, OFF(ats_fix), NULL, NULL },
	{ "binding", "driver", parse_name, OFF(driver), NULL, NULL },
	{ "binding", "host_drivers", parse_list, OFF(nhost_drivers), NULL, host_driver_one },
	{ "binding", "require_blacklisted", parse_bool, OFF(require_blacklisted), NULL, NULL },
	{ "nvlink", "forbid_nvswitch", parse_nvswitch, OFF(forbid_nvswitch), nvswitch_words, NULL },
	{ "baseline", "file", parse_path, OFF(baseline_file), NULL, NULL },
	{ "platform", "require_lockdown", parse_enum, OFF(require_lockdown), platform_lockdown_words, NULL },
	{ "platform", "require_secureboot", parse_bool, OFF(require_secureboot), NULL, NULL },
	{ "platform", "require_dma_protection", parse_bool, OFF(require_dma_protection), NULL, NULL },
	{ "platform", "forbid_taint", parse_list, OFF(nforbid_taint), NULL, taint_one },
	{ "tpm", "measure", parse_enum, OFF(tpm_measure), measure_words, NULL },
	{ "tpm", "pcr", parse_pcr, OFF(tpm_pcr), NULL, NULL },
	{ "tpm", "allow_systemd_pcr", parse_bool, OFF(tpm_allow_systemd_pcr), NULL, NULL },
	{ "tpm", "timeout_ms", parse_ms, OFF(tpm_timeout_ms), NULL, NULL },
	{ "guard", "enable", parse_bool, OFF(guard_enable), NULL, NULL },
	{ "guard", "add", parse_enum, OFF(guard_add), guard_add_words, NULL },
	{ "guard", "bind", parse_enum, OFF(guard_bind), guard_bind_words, NULL },
	{ "guard", "fix", parse_bool, OFF(guard_fix), NULL, NULL },
	{ "guard", "poll_ms", parse_guard_ms, OFF(guard_poll_ms), NULL, NULL },
	{ "guard", "vfio_watch", parse_bool, OFF(guard_vfio_watch), NULL, NULL },
	{ "guard", "vfio_recheck_ms", parse_guard_ms, OFF(guard_vfio_recheck_ms), NULL, NULL },
	{ "guard", "dynid", parse_bool, OFF(guard_dynid), NULL, NULL },
	{ "guard", "metrics", parse_path, OFF(guard_metrics), NULL, NULL },
	{ "guard", "state", parse_report, OFF(guard_state), NULL, NULL },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

void policy_defaults(struct policy *p)
{
	static const char *const defaults =
		"[gate]\nreport = /run/gpugate/report.json\n"
		"[devices]\nmatch = 10de:*:0300 10de:*:0302 10de:*:0380\n"
		"companion_classes = 0300 0302 0380 0403 0c03 0c80\n"
		"[cmdline]\nforbid = pcie_acs_override vfio_iommu_type1.allow_unsafe_interrupts=1"
		" vfio.enable_unsafe_noiommu_mode=1 intremap=off intremap=nosid"
		" iommufd.allow_unsafe_interrupts=1\n"
		"[acs]\nrequire = SV TB RR CR UF\nforbid = DT\n"
		"[binding]\ndriver = vfio-pci\n"
		"host_drivers = nouveau nvidia nvidia_drm nvidia_modeset nvidia_uvm nvidiafb\n";
	char err[128];

	memset(p, 0, sizeof(*p));
	p->mode = MODE_ENFORCE;
	p->on_failure = FAIL_HALT;
	p->companions = COMPANIONS_SLOT;
	p->require_strict = p->forbid_identity = p->require_irq_remapping = true;
	p->require_noats = true;
	p->acs_fix = p->ats_require_disabled = p->ats_fix = true;
	p->require_blacklisted = true;
	p->forbid_nvswitch = NVSWITCH_FORBID;
	p->tpm_pcr = TPM_PCR_DEFAULT;
	p->tpm_timeout_ms = TPM_TIMEOUT_MS_DEFAULT;
	p->guard_enable = true;
	p->guard_poll_ms = GUARD_POLL_MS_DEFAULT;
	p->guard_vfio_watch = p->guard_dynid = true;
	p->guard_vfio_recheck_ms = GUARD_VFIO_RECHECK_MS_DEFAULT;
	strcpy(p->guard_metrics, GUARD_METRICS_DEFAULT);
	strcpy(p->guard_state, GUARD_STATE_DEFAULT);
	/* The list defaults go through the same parsers as the file. */
	if (policy_parse(p, "<defaults>", defaults, err, sizeof(err)))
		abort();
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Cut a comment: '#' or ';' at the start or after white space. */
static void strip_comment(char *s)
{
	for (char *c = s; *c; c++) {
		if ((*c == '#' || *c == ';') && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			return;
		}
	}
}

#define MAX_SECTIONS 16

struct parse_state {
	char section[32];
	int key_line[NKEYS]; /* where each key was set; 0: not in the file */
	bool in_section;
	int lineno;
	struct {
		const char *name;
		int line;
	} sections[MAX_SECTIONS]; /* each section header seen, and its line */
	int nsections;
};

/* A section given twice would merge silently: an error naming both lines. */
static int section_once(struct parse_state *st, const char *name, char *why, size_t wlen)
{
	for (int i = 0; i < st->nsections; i++) {
		if (!strcmp(st->sections[i].name, name)) {
			snprintf(why, wlen, "duplicate section [%s] (first at line %d): merge the two",
				 name, st->sections[i].line);
			return -EINVAL;
		}
	}
	if (st->nsections < MAX_SECTIONS) {
		st->sections[st->nsections].name = name;
		st->sections[st->nsections++].line = st->lineno;
	}
	return 0;
}

static int parse_section(struct parse_state *st, char *line, char *why, size_t wlen)
{
	size_t n = strlen(line);

	if (line[n - 1] != ']') {
		snprintf(why, wlen, "malformed section header '%s'", line);
		return -EINVAL;
	}
	line[n - 1] = '\0';
	line = trim(line + 1);
	for (size_t i = 0; i < NKEYS; i++) {
		if (!strcmp(keys[i].section, line)) {
			snprintf(st->section, sizeof(st->section), "%s", line);
			st->in_section = true;
			return section_once(st, keys[i].section, why, wlen);
		}
	}
	snprintf(why, wlen, "unknown section [%s]", line);
	return -EINVAL;
}

static int parse_assignment(struct policy *p, struct parse_state *st, char *line, char *why,
			    size_t wlen)
{
	char *eq = strchr(line, '=');
	char *name, *val;

	if (!eq) {
		snprintf(why, wlen, "expected 'key = value', got '%s'", line);
		return -EINVAL;
	}
	*eq = '\0';
	name = trim(line);
	val = trim(eq + 1);
	if (!st->in_section) {
		snprintf(why, wlen, "key '%s' outside any section", name);
		return -EINVAL;
	}
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, st->section) || strcmp(keys[i].name, name))
			continue;
		if (st->key_line[i]) {
			snprintf(why, wlen, "duplicate key '%s' in [%s] (first at line %d)", name,
				 st->section, st->key_line[i]);
			return -EINVAL;
		}
		st->key_line[i] = st->lineno;
		return keys[i].parse(p, &keys[i], val, why, wlen);
	}
	snprintf(why, wlen, "unknown key '%s' in [%s]", name, st->section);
	return -EINVAL;
}

/* The line that set [@section] @name, 0 when the default stands. */
static int key_line_of(const struct parse_state *st, const char *section, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			return st->key_line[i];
	return 0;
}

static void line_or_default(char *buf, size_t len, int line)
{
	if (line)
		snprintf(buf, len, "line %d", line);
	else
		snprintf(buf, len, "the default");
}

/*
 * PCRs 9 and 11-15: systemd-stub, systemd-pcrphase, systemd-cryptsetup and
 * systemd-pcrlock extend them and ukify/pcrlock pre-compute their values,
 * which an extend by gpugate would change: only when the operator opts in.
 */
static int pcr_check(const struct policy *p, const struct parse_state *st, int *line, char *why,
		     size_t wlen)
{
	if ((p->tpm_pcr != 9 && (p->tpm_pcr < 11 || p->tpm_pcr > 15)) || p->tpm_allow_systemd_pcr)
		return 0;
	snprintf(why, wlen, "[tpm] pcr = %d is systemd's (systemd-stub, pcrphase, cryptsetup; ukify and pcrlock pre-compute it): an extend by gpugate changes those values; set allow_systemd_pcr = yes to use it anyway, or use 8 (the default)",
		 p->tpm_pcr);
	*line = key_line_of(st, "tpm", "pcr");
	return -EINVAL;
}

/* Checks across keys; @line is set to the line the message points at. */
static int policy_check(const struct policy *p, const struct parse_state *st, int *line,
			char *why, size_t wlen)
{
	char names[64], rl[24], fl[24];
	int r = key_line_of(st, "acs", "require"), f = key_line_of(st, "acs", "forbid");

	if (pcr_check(p, st, line, why, wlen))
		return -EINVAL;

	if (p->acs_require & p->acs_forbid) {
		line_or_default(rl, sizeof(rl), r);
		line_or_default(fl, sizeof(fl), f);
		snprintf(why, wlen, "[acs] require (%s) and forbid (%s) both name %s", rl, fl,
			 policy_acs_names(p->acs_require & p->acs_forbid, names, sizeof(names)));
		*line = r > f ? r : f;
		return -EINVAL;
	}
	return 0;
}

#define UTF8_BOM "\xef\xbb\xbf"

int policy_parse(struct policy *p, const char *file, const char *text, char *err, size_t errlen)
{
	struct parse_state st = { 0 };
	char why[256];
	int lineno = 0, at = 0;

	/* an editor's byte order mark is not part of the first line */
	if (!strncmp(text, UTF8_BOM, 3))
		text += 3;
	while (*text) {
		char line[LINE_MAX_LEN];
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char *s;
		int rc = 0;

		st.lineno = ++lineno;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%d: line too long (more than %d bytes)", file, lineno,
				 LINE_MAX_LEN - 1);
			return -EINVAL;
		}
		memcpy(line, text, n);
		line[n] = '\0';
		text += n + (nl ? 1 : 0);
		if (memchr(line, '\0', n)) {
			snprintf(err, errlen, "%s:%d: NUL byte in policy", file, lineno);
			return -EINVAL;
		}
		strip_comment(line);
		s = trim(line);
		if (!*s)
			continue;
		rc = *s == '[' ? parse_section(&st, s, why, sizeof(why))
			       : parse_assignment(p, &st, s, why, sizeof(why));
		if (rc) {
			snprintf(err, errlen, "%s:%d: %s", file, lineno, why);
			return rc;
		}
	}
	if (policy_check(p, &st, &at, why, sizeof(why))) {
		if (at)
			snprintf(err, errlen, "%s:%d: %s", file, at, why);
		else
			snprintf(err, errlen, "%s: %s", file, why);
		return -EINVAL;
	}
	return 0;
}

/* The line of the first NUL byte among the @n bytes of @text. */
static int nul_line(const char *text, size_t n)
{
	const char *nul = memchr(text, '\0', n);
	int line = 1;

	for (const char *c = text; nul && c < nul; c++)
		line += *c == '\n';
	return line;
}

/* Read all of @f (at most 1 MiB) into a calloc'd buffer. */
static int policy_read(FILE *f, const char *path, char **text, size_t *n, char *err,
		       size_t errlen)
{
	*text = calloc(1, 1 << 20);
	if (!*text) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	*n = fread(*text, 1, (1 << 20) - 1, f);
	if (ferror(f)) {
		int e = errno ? errno : EIO;

		snprintf(err, errlen, "%s: cannot read policy: %s", path, strerror(e));
		return -e;
	}
	if (!feof(f)) {
		snprintf(err, errlen, "%s: policy larger than 1 MiB", path);
		return -EINVAL;
	}
	return 0;
}

int policy_load(struct policy *p, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *text = NULL;
	size_t n = 0;
	int rc;

	policy_defaults(p);
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open policy: %s", path, strerror(errno));
		return rc;
	}
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		snprintf(err, errlen, "%s: is a directory, not a policy file", path);
		return -EISDIR;
	}
	rc = policy_read(f, path, &text, &n, err, errlen);
	if (!rc && strlen(text) != n) {
		snprintf(err, errlen, "%s:%d: NUL byte in policy", path, nul_line(text, n));
		rc = -EINVAL;
	} else if (!rc) {
		rc = policy_parse(p, path, text, err, errlen);
	}
	fclose(f);
	free(text);
	return rc;
}

bool policy_matches(const struct policy *p, uint16_t vendor, uint16_t device, uint16_t cls)
{
	for (int i = 0; i < p->nmatch; i++) {
		const struct match *m = &p->match[i];

		if ((m->any_vendor || m->vendor == vendor) &&
		    (m->any_device || m->device == device) && (m->any_class || m->class == cls))
			return true;
	}
	return false;
}

bool policy_is_companion_class(const struct policy *p, uint16_t cls)
{
	for (int i = 0; i < p->ncompanion_classes; i++)
		if (p->companion_classes[i] == cls)
			return true;
	return false;
}

const char *policy_acs_names(uint16_t bits, char *buf, size_t len)
{
	return flag_names(acs_bits, NACS_BITS, bits, buf, len);
}

/* Print the value of @k as its parser reads it. */
/* How policy_print shows an item of each list key. */
static const struct {
	int (*item)(struct policy *p, const char *w, char *why, size_t wlen);
	void (*show)(FILE *out, const struct policy *p, int i);
} list_shows[] = {
	{ match_one, match_show },     { bdf_one, bdf_show },
	{ class_one, class_show },     { forbid_one, forbid_show },
	{ host_driver_one, host_driver_show }, { taint_one, taint_show },
};

static void list_print(FILE *out, const struct policy *p, const struct key *k)
{
	for (size_t s = 0; s < sizeof(list_shows) / sizeof(list_shows[0]); s++) {
		if (list_shows[s].item != k->item)
			continue;
		for (int i = 0; i < *FIELD(p, k, int); i++) {
			fputs(i ? " " : "", out);
			list_shows[s].show(out, p, i);
		}
	}
}

static void key_print(FILE *out, const struct policy *p, const struct key *k)
{
	char buf[64];

	fprintf(out, "%s.%s=", k->section, k->name);
	if (k->parse == parse_bool)
		fputs(*FIELD(p, k, bool) ? "yes" : "no", out);
	else if (k->parse == parse_enum || k->parse == parse_nvswitch)
		fputs(k->words[*FIELD(p, k, int)], out);
	else if (k->parse == parse_count || k->parse == parse_pcr || k->parse == parse_ms ||
		 k->parse == parse_guard_ms)
		fprintf(out, "%d", *FIELD(p, k, int));
	else if (k->parse == parse_acs)
		fputs(*FIELD(p, k, uint16_t) ? policy_acs_names(*FIELD(p, k, uint16_t), buf, sizeof(buf)) : "", out);
	else if (k->parse == parse_acsx)
		fputs(*FIELD(p, k, uint8_t) ? acsx_names(*FIELD(p, k, uint8_t), buf, sizeof(buf)) : "", out);
	else if (k->parse == parse_list)
		list_print(out, p, k);
	else
		fputs(FIELD(p, k, char), out);
	fputc('\n', out);
}

const char *policy_mode_name(enum gate_mode mode)
{
	return mode_words[mode];
}

const char *policy_measure_name(enum tpm_measure m)
{
	return measure_words[m];
}

const char *policy_nvswitch_name(enum nvswitch_policy n)
{
	return nvswitch_words[n];
}

const char *policy_guard_add_name(enum guard_add a)
{
	return guard_add_words[a];
}

const char *policy_guard_bind_name(enum guard_bind b)
{
	return guard_bind_words[b];
}

int policy_print(FILE *out, const struct policy *p, const char *name)
{
	int found = 0;

	for (size_t i = 0; i < NKEYS; i++) {
		size_t n = strlen(keys[i].section);

		if (name && (strncmp(name, keys[i].section, n) || name[n] != '.' ||
			     strcmp(name + n + 1, keys[i].name)))
			continue;
		key_print(out, p, &keys[i]);
		found++;
	}
	return found ? 0 : -ENOENT;
}
