// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_policy.c - libFuzzer target for policy_parse(): arbitrary text as a
 * policy file, parsed over the defaults as policy_load() does.
 *
 * Invariants checked: the result is 0 or -EINVAL; an error message is
 * NUL-terminated and starts with "file:"; after success ACS require and
 * forbid do not overlap, every list count is within POLICY_MAX_LIST, every
 * string field is NUL-terminated inside its array, enums are in range and
 * paths are empty or absolute; a stored bdf is 12 to 16 characters of the
 * kernel's lowercase spelling (4- to 8-digit domain); an accepted match, bdf or companion_classes
 * value holds only hex digits, '*', ':', '.' and blanks (so a sign or "0x"
 * that sscanf/strtoul would take is refused); and the query functions run
 * on the result.
 *
 * And fail-closed (issue 16): a setting that guards isolation (the IOMMU,
 * cmdline, ACS, ATS, binding and NVLink requirements) differs from its
 * default only if the text names its key: no text weakens a check that it
 * does not mention.
 */
#define _GNU_SOURCE /* strcasestr */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static void check_lists(const struct policy *p)
{
	if (p->nmatch < 0 || p->nmatch > POLICY_MAX_LIST || p->nbdf < 0 ||
	    p->nbdf > POLICY_MAX_LIST || p->ncompanion_classes < 0 ||
	    p->ncompanion_classes > POLICY_MAX_LIST || p->nforbid < 0 ||
	    p->nforbid > POLICY_MAX_LIST || p->nhost_drivers < 0 ||
	    p->nhost_drivers > POLICY_MAX_LIST)
		abort();
	for (int i = 0; i < p->nbdf; i++)
		if (!TERMINATED(p->bdf[i]) || strlen(p->bdf[i]) < 12 || strlen(p->bdf[i]) > 16 ||
		    strspn(p->bdf[i], "0123456789abcdef:.") != strlen(p->bdf[i]) ||
		    (strlen(p->bdf[i]) > 12 && p->bdf[i][0] == '0'))
			abort();
	for (int i = 0; i < p->nforbid; i++)
		if (!TERMINATED(p->forbid[i]) || !p->forbid[i][0] || p->forbid[i][0] == '=')
			abort();
	for (int i = 0; i < p->nhost_drivers; i++)
		if (!TERMINATED(p->host_drivers[i]) || !p->host_drivers[i][0] ||
		    strchr(p->host_drivers[i], '/'))
			abort();
}

/* Cut a comment as policy.c does: '#' or ';' at the start or after a blank. */
static void cut_comment(char *s)
{
	for (char *c = s; *c; c++) {
		if ((*c == '#' || *c == ';') && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			return;
		}
	}
}

/* After a successful parse: the ID-list keys took nothing but ID syntax. */
static void check_id_syntax(const char *text)
{
	char *copy = strdup(text), *save = NULL;

	if (!copy)
		abort();
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq, *key, *end;

		cut_comment(line);
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		for (key = line; isspace((unsigned char)*key); key++)
			;
		for (end = key + strlen(key); end > key && isspace((unsigned char)end[-1]); end--)
			;
		*end = '\0';
		if (strcmp(key, "match") && strcmp(key, "bdf") && strcmp(key, "companion_classes"))
			continue;
		for (const char *c = eq + 1; *c; c++)
			if (!isxdigit((unsigned char)*c) && !strchr("*:. \t\r\v\f", *c))
				abort();
	}
	free(copy);
}

static void check_policy(const struct policy *p)
{
	char names[64];

	if (p->acs_require & p->acs_forbid)
		abort();
	if ((p->acs_require | p->acs_forbid) & ~0x7f)
		abort();
	if ((unsigned)p->mode > MODE_AUDIT || (unsigned)p->on_failure > FAIL_EMERGENCY ||
	    (unsigned)p->companions > COMPANIONS_NONE ||
	    (unsigned)p->forbid_nvswitch > NVSWITCH_WHOLE_NODE)
		abort();
	if (!TERMINATED(p->report) || p->report[0] != '/')
		abort();
	if (!TERMINATED(p->baseline_file) || (p->baseline_file[0] && p->baseline_file[0] != '/'))
		abort();
	if (!TERMINATED(p->driver) || !p->driver[0] || strpbrk(p->driver, " \t/"))
		abort();
	check_lists(p);
	policy_acs_names(p->acs_require, names, sizeof(names));
	policy_acs_names(p->acs_forbid, names, sizeof(names));
	policy_acs_names(0xffff, names, 8);
	(void)policy_matches(p, 0x10de, 0x2330, 0x0302);
	(void)policy_is_companion_class(p, 0x0403);
}

#define GUARD(key, field)                                                                          \
	{                                                                                          \
		key, offsetof(struct policy, field), sizeof(((struct policy *)0)->field)           \
	}

static void check_guards(const struct policy *p, const char *text)
{
	static const struct {
		const char *key;
		size_t off, size;
	} guards[] = {
	    GUARD("require_strict", require_strict),
	    GUARD("forbid_identity", forbid_identity),
	    GUARD("require_irq_remapping", require_irq_remapping),
	    GUARD("require_noats", require_noats),
	    GUARD("require", acs_require),
	    GUARD("require_disabled", ats_require_disabled),
	    GUARD("require_blacklisted", require_blacklisted),
	    GUARD("forbid_nvswitch", forbid_nvswitch),
	};
	static struct policy def;
	static bool have_def;

	if (!have_def)
		policy_defaults(&def);
	have_def = true;
	for (size_t i = 0; i < sizeof(guards) / sizeof(guards[0]); i++) {
		const char *a = (const char *)p + guards[i].off;
		const char *b = (const char *)&def + guards[i].off;

		if (memcmp(a, b, guards[i].size) && !strcasestr(text, guards[i].key))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	char *text = malloc(size + 1);
	char err[512];
	int rc;

	if (!text)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	policy_defaults(&p);
	memset(err, 0x55, sizeof(err));
	rc = policy_parse(&p, "fuzz.conf", text, err, sizeof(err));
	if (rc == 0) {
		check_policy(&p);
		check_id_syntax(text);
		check_guards(&p, text);
	} else if (rc != -EINVAL || !TERMINATED(err) || strncmp(err, "fuzz.conf:", 10))
		abort();
	free(text);
	return 0;
}
