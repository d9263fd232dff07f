// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for policy.c: defaults, strict parsing, file:line errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pci/header.h>

#include "acsx.h"
#include "policy.h"

static struct policy p;
static char err[512];

static int parse(const char *text)
{
	policy_defaults(&p);
	err[0] = '\0';
	return policy_parse(&p, "t.conf", text, err, sizeof(err));
}

static void defaults_are_the_spec_nvidia_policy(void **state)
{
	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(p.mode, MODE_ENFORCE);
	assert_int_equal(p.on_failure, FAIL_HALT);
	assert_false(p.allow_cmdline_override);
	assert_string_equal(p.report, "/run/gpugate/report.json");
	assert_int_equal(p.nmatch, 3);
	assert_true(policy_matches(&p, 0x10de, 0x2330, 0x0302));
	assert_true(policy_matches(&p, 0x10de, 0x1b06, 0x0300));
	assert_false(policy_matches(&p, 0x10de, 0x22a3, 0x0680));
	assert_false(policy_matches(&p, 0x1af4, 0x1050, 0x0380));
	assert_true(policy_is_companion_class(&p, 0x0403));
	assert_false(policy_is_companion_class(&p, 0x0200));
	assert_int_equal(p.acs_require, PCI_ACS_CTRL_VALID | PCI_ACS_CTRL_BLOCK |
						PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED |
						PCI_ACS_CTRL_FORWARD);
	assert_int_equal(p.acs_forbid, PCI_ACS_CTRL_TRANS);
	assert_true(p.require_noats && p.require_strict && p.forbid_identity);
	assert_int_equal(p.nforbid, 6);
	assert_string_equal(p.driver, "vfio-pci");
	assert_int_equal(p.nhost_drivers, 6);
	assert_int_equal(p.forbid_nvswitch, NVSWITCH_FORBID);
	assert_string_equal(p.baseline_file, "");
	assert_int_equal(p.tpm_measure, MEASURE_OFF);
	assert_int_equal(p.tpm_pcr, 8);
	assert_false(p.tpm_allow_systemd_pcr);
	assert_int_equal(p.tpm_timeout_ms, 5000);
}

static void tpm_keys_parse_and_print(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(parse("[tpm]\nmeasure = required\npcr = 14\nallow_systemd_pcr = yes\n"
			       "timeout_ms = 100\n"),
			 0);
	assert_int_equal(p.tpm_measure, MEASURE_REQUIRED);
	assert_int_equal(p.tpm_pcr, 14);
	assert_int_equal(p.tpm_timeout_ms, 100);
	assert_int_equal(policy_print(f, &p, "tpm.measure"), 0);
	assert_int_equal(policy_print(f, &p, "tpm.pcr"), 0);
	assert_int_equal(policy_print(f, &p, "tpm.allow_systemd_pcr"), 0);
	assert_int_equal(policy_print(f, &p, "tpm.timeout_ms"), 0);
	fclose(f);
	assert_string_equal(buf, "tpm.measure=required\ntpm.pcr=14\ntpm.allow_systemd_pcr=yes\n"
				 "tpm.timeout_ms=100\n");
	free(buf);
	assert_int_equal(parse("[tpm]\nmeasure = on\ntimeout_ms = 60000\n"), 0);
	assert_int_equal(p.tpm_measure, MEASURE_ON);
	assert_string_equal(policy_measure_name(p.tpm_measure), "on");
	assert_int_equal(p.tpm_timeout_ms, 60000);
}

/* [platform]: every switch off by default; taint flags by letter or name, printed as letters. */
static void platform_keys_parse_and_print(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(p.require_lockdown, 0);
	assert_false(p.require_secureboot);
	assert_false(p.require_dma_protection);
	assert_int_equal(p.nforbid_taint, 0);
	assert_int_equal(parse("[platform]\nrequire_lockdown = confidentiality\n"
			       "require_secureboot = yes\nrequire_dma_protection = yes\n"
			       "forbid_taint = O unsigned_module P O\n"),
			 0);
	assert_int_equal(p.require_lockdown, 2);
	assert_true(p.require_secureboot && p.require_dma_protection);
	assert_int_equal(p.nforbid_taint, 3);
	assert_int_equal(p.forbid_taint[0], 12);
	assert_int_equal(p.forbid_taint[1], 13);
	assert_int_equal(p.forbid_taint[2], 0);
	assert_int_equal(policy_print(f, &p, "platform.require_lockdown"), 0);
	assert_int_equal(policy_print(f, &p, "platform.forbid_taint"), 0);
	fclose(f);
	assert_string_equal(buf, "platform.require_lockdown=confidentiality\nplatform.forbid_taint=O E P\n");
	free(buf);
	assert_int_equal(parse("[platform]\nrequire_lockdown = full\n"), -EINVAL);
	assert_int_equal(parse("[platform]\nforbid_taint = O Q\n"), -EINVAL);
	assert_non_null(strstr(err, "'Q' is no kernel taint flag"));
	assert_int_equal(parse("[platform]\nforbid_taint = o\n"), -EINVAL);
}

/* Each PCR gpugate must not extend is refused with who owns it. */
static void tpm_pcr_refusals_say_why(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "[tpm]\npcr = 0\n", "t.conf:2: pcr: 0 refused: PCRs 0-7 are the firmware's" },
		{ "[tpm]\npcr = 7\n", "t.conf:2: pcr: 7 refused: PCRs 0-7" },
		{ "[tpm]\npcr = 10\n", "PCR 10 is IMA's" },
		{ "[tpm]\npcr = 16\n", "can be reset from locality 0" },
		{ "[tpm]\npcr = 23\n", "can be reset from locality 0" },
		{ "[tpm]\npcr = 17\n", "D-RTM's" },
		{ "[tpm]\npcr = 22\n", "D-RTM's" },
		{ "[tpm]\npcr = 24\n", "expected a PCR number from 0 to 23, got '24'" },
		{ "[tpm]\npcr = -1\n", "expected a PCR number" },
		{ "[tpm]\npcr = 0x8\n", "expected a PCR number" },
		{ "[tpm]\npcr = 008\n", "expected a PCR number" },
		{ "[tpm]\npcr =\n", "expected a PCR number" },
		/* systemd's PCRs only when the operator opts in */
		{ "[tpm]\npcr = 9\n", "t.conf:2: [tpm] pcr = 9 is systemd's" },
		{ "[tpm]\nallow_systemd_pcr = no\npcr = 11\n", "t.conf:3: [tpm] pcr = 11 is systemd's" },
		{ "[tpm]\npcr = 15\n", "set allow_systemd_pcr = yes" },
		{ "[tpm]\nmeasure = yes\n", "measure: unknown value 'yes'" },
		{ "[tpm]\ntimeout_ms = 99\n", "timeout_ms: expected milliseconds from 100 to 60000, got '99'" },
		{ "[tpm]\ntimeout_ms = 60001\n", "timeout_ms: expected milliseconds" },
		{ "[tpm]\ntimeout_ms = 1e3\n", "timeout_ms: expected milliseconds" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].text), -EINVAL);
		if (!strstr(err, bad[i].why))
			fail_msg("%s: error \"%s\" lacks \"%s\"", bad[i].text, err, bad[i].why);
	}
	for (int n = 11; n <= 15; n++) {
		char text[96];

		snprintf(text, sizeof(text), "[tpm]\npcr = %d\nallow_systemd_pcr = yes\n", n);
		assert_int_equal(parse(text), 0);
		assert_int_equal(p.tpm_pcr, n);
	}
	assert_int_equal(parse("[tpm]\npcr = 8\n"), 0);
}

static void full_file_with_comments_parses(void **state)
{
	(void)state;
	assert_int_equal(parse("# comment\n[gate]\nmode = audit   # inline\non_failure = poweroff\n"
			       "; other comment\n[devices]\nmatch = 1af4:1050:0380 1234:1111:*\n"
			       "bdf = 0000:17:00.0\nallow_none = yes\n[acs]\nrequire = RR CR\n"
			       "forbid = DT EC\n[baseline]\nfile =\n"),
			 0);
	assert_int_equal(p.mode, MODE_AUDIT);
	assert_int_equal(p.on_failure, FAIL_POWEROFF);
	assert_int_equal(p.nmatch, 2);
	assert_true(policy_matches(&p, 0x1234, 0x1111, 0x0300));
	assert_false(policy_matches(&p, 0x10de, 0x2330, 0x0302));
	assert_string_equal(p.bdf[0], "0000:17:00.0");
	assert_true(p.allow_none);
	assert_int_equal(p.acs_require, PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED);
	assert_int_equal(p.acs_forbid, PCI_ACS_CTRL_TRANS | PCI_ACS_CTRL_EGRESS);
}

static void unknown_key_names_file_and_line(void **state)
{
	(void)state;
	assert_int_equal(parse("[gate]\nmode = enforce\nmdoe = audit\n"), -EINVAL);
	assert_non_null(strstr(err, "t.conf:3:"));
	assert_non_null(strstr(err, "mdoe"));
}

static void unknown_section_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(parse("[gates]\n"), -EINVAL);
	assert_non_null(strstr(err, "t.conf:1:"));
}

static void duplicate_key_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(parse("[ats]\nfix = yes\n\nfix = no\n"), -EINVAL);
	assert_string_equal(err, "t.conf:4: duplicate key 'fix' in [ats] (first at line 2)");
}

static void duplicate_section_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(parse("[ats]\nfix = yes\n\n[ats]\nrequire_disabled = no\n"), -EINVAL);
	assert_string_equal(err, "t.conf:4: duplicate section [ats] (first at line 1): merge the two");
}

static void bom_and_crlf_read_as_plain_lines(void **state)
{
	(void)state;
	assert_int_equal(parse("\xef\xbb\xbf[gate]\r\non_failure = emergency\r\n"
			       "[baseline]\r\nfile = /etc/gpugate/b\r\n"), 0);
	assert_int_equal(p.on_failure, FAIL_EMERGENCY);
	assert_string_equal(p.baseline_file, "/etc/gpugate/b");
	/* a BOM anywhere else is still an error */
	assert_int_equal(parse("[gate]\n\xef\xbb\xbfmode = audit\n"), -EINVAL);
}

static void driver_typo_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(parse("[binding]\ndriver = vifo-pci\n"), -EINVAL);
	assert_non_null(strstr(err, "t.conf:2: driver: 'vifo-pci' is not a VFIO driver"));
	assert_int_equal(parse("[binding]\ndriver = nvgrace-gpu-vfio-pci\n"), 0);
	assert_int_equal(parse("[binding]\ndriver = mlx5_vfio_pci\n"), 0);
}

static void acs_conflict_names_its_lines(void **state)
{
	(void)state;
	assert_int_equal(parse("[acs]\nfix = yes\nrequire = SV DT\n"), -EINVAL);
	assert_string_equal(err, "t.conf:3: [acs] require (line 3) and forbid (the default) both name DT");
}

static void long_line_says_the_limit(void **state)
{
	static char text[1200];

	(void)state;
	memset(text, '#', sizeof(text) - 2);
	text[sizeof(text) - 2] = '\n';
	assert_int_equal(parse(text), -EINVAL);
	assert_string_equal(err, "t.conf:1: line too long (more than 1023 bytes)");
}

static void load_errors_say_where_and_why(void **state)
{
	static const char nul[] = "[gate]\nmode = audit\nx\0y\n";
	char path[] = "/tmp/gpugate-test-policy-XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, nul, sizeof(nul) - 1), (ssize_t)sizeof(nul) - 1);
	close(fd);
	assert_int_equal(policy_load(&p, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: NUL byte in policy"));
	unlink(path);
	assert_int_equal(policy_load(&p, "/tmp", err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "/tmp: is a directory, not a policy file");
}

static void modes_preflight_and_expect_parse(void **state)
{
	(void)state;
	assert_int_equal(parse("[gate]\nmode = audit-readonly\npreflight = warn\n"
			       "[devices]\nexpect = 8\n"), 0);
	assert_int_equal(p.mode, MODE_AUDIT_READONLY);
	assert_int_equal(p.preflight, PREFLIGHT_WARN);
	assert_int_equal(p.expect, 8);
	assert_int_equal(parse("[devices]\nexpect = -1\n"), -EINVAL);
	assert_int_equal(parse("[devices]\nexpect = 8x\n"), -EINVAL);
	assert_int_equal(parse("[devices]\nexpect = 99999\n"), -EINVAL);
}

/* [nvlink] forbid_nvswitch: every yes/no spelling, whole-node, printed as read. */
static void nvswitch_key_takes_bool_words_and_whole_node(void **state)
{
	static const struct {
		const char *word;
		enum nvswitch_policy want;
		const char *shown;
	} ok[] = {
		{ "yes", NVSWITCH_FORBID, "yes" },     { "true", NVSWITCH_FORBID, "yes" },
		{ "no", NVSWITCH_ALLOW, "no" },	       { "false", NVSWITCH_ALLOW, "no" },
		{ "whole-node", NVSWITCH_WHOLE_NODE, "whole-node" },
	};
	static const char *const bad[] = { "whole_node", "Whole-Node", "wholenode", "1", "" };
	char text[64], line[64];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		snprintf(text, sizeof(text), "[nvlink]\nforbid_nvswitch = %s\n", ok[i].word);
		assert_int_equal(parse(text), 0);
		assert_int_equal(p.forbid_nvswitch, ok[i].want);
		assert_string_equal(policy_nvswitch_name(p.forbid_nvswitch), ok[i].shown);
		assert_int_equal(policy_print(f, &p, "nvlink.forbid_nvswitch"), 0);
		fclose(f);
		snprintf(line, sizeof(line), "nvlink.forbid_nvswitch=%s\n", ok[i].shown);
		assert_string_equal(buf, line);
		free(buf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[nvlink]\nforbid_nvswitch = %s\n", bad[i]);
		assert_int_equal(parse(text), -EINVAL);
		assert_non_null(strstr(err, "t.conf:2: forbid_nvswitch: expected yes, no or whole-node"));
	}
}

static void print_shows_values_as_read(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(parse("[gate]\r\nmode = audit\r\n[devices]\nmatch = 10de:*:0302\n"), 0);
	assert_int_equal(policy_print(f, &p, "gate.mode"), 0);
	assert_int_equal(policy_print(f, &p, "devices.match"), 0);
	assert_int_equal(policy_print(f, &p, "acs.forbid"), 0);
	assert_int_equal(policy_print(f, &p, "gate.nope"), -ENOENT);
	assert_int_equal(policy_print(f, &p, "gate"), -ENOENT);
	fclose(f);
	assert_string_equal(buf, "gate.mode=audit\ndevices.match=10de:*:0302\nacs.forbid=DT\n");
	free(buf);
}

/* [acs] require_enhanced: off by default, a list of control names, printed as read. */
static void acs_require_enhanced_parses_and_prints(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_int_equal(parse(""), 0);
	assert_int_equal(p.acs_enhanced, 0);
	assert_int_equal(parse("[acs]\nrequire_enhanced = URR IB\n"), 0);
	assert_int_equal(p.acs_enhanced, ACSX_IB | ACSX_URR);
	f = open_memstream(&buf, &len);
	assert_int_equal(policy_print(f, &p, "acs.require_enhanced"), 0);
	fclose(f);
	assert_string_equal(buf, "acs.require_enhanced=IB URR\n");
	free(buf);
	assert_int_equal(parse("[acs]\nrequire_enhanced = IB RR\n"), -EINVAL);
	assert_string_equal(err, "t.conf:2: require_enhanced: unknown ACS Enhanced control 'RR' (IB DSP USP URR)");
}

static void bad_values_are_errors(void **state)
{
	static const char *const bad[] = {
		"[gate]\nmode = off\n",
		"[gate]\nallow_cmdline_override = maybe\n",
		"[gate]\nreport = relative/path\n",
		"[gate]\nreport =\n",
		"[devices]\nmatch = 10de:*\n",
		"[devices]\nmatch = 10de:*:03\n",
		"[devices]\nmatch = 10dex:*:0300\n",
		"[devices]\nbdf = 17:00.0\n",
		"[devices]\nbdf = 0000:17:20.0\n",
		"[devices]\ncompanions = all\n",
		"[devices]\ncompanion_classes = 04\n",
		"[acs]\nrequire = SV XX\n",
		"[acs]\nrequire = DT\n",
		"[binding]\ndriver =\n",
		"[binding]\ndriver = a/b\n",
		"key = value\n",
		"[gate\n",
		"[gate]\njust words\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), -EINVAL);
		assert_non_null(strstr(err, "t.conf"));
	}
}

/* Found by tests/fuzz/fuzz_policy (tests/fuzz/regressions/policy/): sscanf's
 * %x and strtoul() take a sign or "0x", so these used to be accepted, the
 * first as bus 0xfffffff9 (a BDF that matches nothing). */
static void signed_or_prefixed_ids_are_errors(void **state)
{
	static const char *const bad[] = {
		"[devices]\nbdf = 0000:-7:00.0\n",
		"[devices]\nbdf = 0000:+7:00.0\n",
		"[devices]\nbdf = -001:17:00.0\n",
		"[devices]\nbdf = 0x00:17:00.0\n",
		"[devices]\nmatch = -7ab:*:0300\n",
		"[devices]\nmatch = 10de:+233:0300\n",
		"[devices]\nmatch = 10de:*:0x03\n",
		"[devices]\ncompanion_classes = 0x03\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), -EINVAL);
		assert_non_null(strstr(err, "t.conf:2:"));
	}
	assert_int_equal(parse("[devices]\nbdf = 0000:1A:1f.7\nmatch = 10DE:*:0300\n"), 0);
	assert_string_equal(p.bdf[0], "0000:1a:1f.7");
	assert_true(policy_matches(&p, 0x10de, 0x2330, 0x0300));
}

/* Intel VMD puts its devices in domains 10000 and up: the kernel prints a
 * domain with 4 to 8 hex digits, and a policy must be able to name them. */
static void vmd_domain_bdf_with_five_to_eight_digits_parses(void **state)
{
	static const char *const bad[] = {
		"[devices]\nbdf = 000:17:00.0\n",	     /* 3 domain digits */
		"[devices]\nbdf = 100000000:17:00.0\n", /* 9 domain digits */
		"[devices]\nbdf = 10000:e1:00\n",	     /* no function */
		"[devices]\nbdf = 10000:e1:00.8\n",     /* function 8 */
		"[devices]\nbdf = 10000:e1:20.0\n",     /* device 0x20 */
		"[devices]\nbdf = 10000:e1:00.0x\n",
		"[devices]\nbdf = 1 000:e1:00.0\n",
		"[devices]\nbdf = 10000:-1:00.0\n",
	};

	(void)state;
	assert_int_equal(parse("[devices]\nbdf = 10000:E1:00.0 ffffffff:ff:1f.7 0000:17:00.0\n"), 0);
	assert_int_equal(p.nbdf, 3);
	assert_string_equal(p.bdf[0], "10000:e1:00.0");
	assert_string_equal(p.bdf[1], "ffffffff:ff:1f.7");
	assert_string_equal(p.bdf[2], "0000:17:00.0");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i]), -EINVAL);
		assert_non_null(strstr(err, "t.conf:2:"));
	}
}

static void list_keys_replace_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse("[cmdline]\nforbid =\n[binding]\nhost_drivers = bochs\n"), 0);
	assert_int_equal(p.nforbid, 0);
	assert_int_equal(p.nhost_drivers, 1);
	assert_string_equal(p.host_drivers[0], "bochs");
}

static void too_many_entries_is_an_error(void **state)
{
	static char text[8192] = "[devices]\nmatch =";

	(void)state;
	for (int i = 0; i < POLICY_MAX_LIST + 1; i++)
		strcat(text, " 10de:*:0300");
	strcat(text, "\n");
	assert_int_equal(parse(text), -EINVAL);
}

static void missing_file_is_enoent(void **state)
{
	(void)state;
	assert_int_equal(policy_load(&p, "/nonexistent/policy.conf", err, sizeof(err)), -ENOENT);
}

static void acs_names_format(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(policy_acs_names(0x1f, buf, sizeof(buf)), "SV TB RR CR UF");
	assert_string_equal(policy_acs_names(0x40, buf, sizeof(buf)), "DT");
	assert_string_equal(policy_acs_names(0, buf, sizeof(buf)), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_are_the_spec_nvidia_policy),
		cmocka_unit_test(full_file_with_comments_parses),
		cmocka_unit_test(unknown_key_names_file_and_line),
		cmocka_unit_test(unknown_section_is_an_error),
		cmocka_unit_test(duplicate_key_is_an_error),
		cmocka_unit_test(duplicate_section_is_an_error),
		cmocka_unit_test(bom_and_crlf_read_as_plain_lines),
		cmocka_unit_test(driver_typo_is_an_error),
		cmocka_unit_test(acs_conflict_names_its_lines),
		cmocka_unit_test(long_line_says_the_limit),
		cmocka_unit_test(load_errors_say_where_and_why),
		cmocka_unit_test(modes_preflight_and_expect_parse),
		cmocka_unit_test(print_shows_values_as_read),
		cmocka_unit_test(nvswitch_key_takes_bool_words_and_whole_node),
		cmocka_unit_test(bad_values_are_errors),
		cmocka_unit_test(signed_or_prefixed_ids_are_errors),
		cmocka_unit_test(vmd_domain_bdf_with_five_to_eight_digits_parses),
		cmocka_unit_test(list_keys_replace_defaults),
		cmocka_unit_test(too_many_entries_is_an_error),
		cmocka_unit_test(missing_file_is_enoent),
		cmocka_unit_test(acs_names_format),
		cmocka_unit_test(acs_require_enhanced_parses_and_prints),
		cmocka_unit_test(tpm_keys_parse_and_print),
		cmocka_unit_test(platform_keys_parse_and_print),
		cmocka_unit_test(tpm_pcr_refusals_say_why),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
