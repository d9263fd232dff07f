// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - command line, and the one place that maps results to the exit
 * status: 0 the policy holds, 1 it is violated, 2 usage or policy error,
 * 3 the state could not be determined.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sha2.h>

#include "blcommand.h"
#include "dump.h"
#include "gate.h"
#include "gpugate.h"
#include "guard.h"
#include "machine.h"
#include "model.h"
#include "modload.h"
#include "pcr.h"
#include "report.h"
#include "rom.h"
#include "show.h"
#include "source.h"
#include "snapshot.h"
#include "sysroot.h"

#ifndef LIBPCI_VERSION
#define LIBPCI_VERSION "unknown"
#endif

#define DEFAULT_POLICY "/etc/gpugate/policy.conf"

enum exit_status { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_ERROR = 3 };

struct opts {
	const char *policy;
	const char *root;
	const char *report;
	const char *lspci_dump;
	const char *log; /* pcr --log FILE */
	enum format format;
	bool quiet, verbose, policy_given, dry_run, verify, format_given;
	const char *command;
	char **args; /* the words after the command */
	int nargs;
};

static void usage(FILE *out)
{
	fputs("Usage: gpugate [OPTIONS] COMMAND\n"
	      "Verify that GPUs passed through to guests are isolated by the IOMMU.\n\n"
	      "Commands:\n"
	      "  check      audit only; writes nothing anywhere\n"
	      "  enforce    load vfio modules, bind to vfio-pci, write ACS/ATS, then check\n"
	      "  gate       enforce (with --verify: only check); on failure carry out the\n"
	      "             policy's on_failure itself. This is what the initramfs runs.\n"
	      "  show       each protected device, its IOMMU group, its path with ACS/ATS, peers, driver\n"
	      "  cmdline    print the kernel command-line fragment the policy needs\n"
	      "  modprobe   print the modprobe.d blacklist the initramfs needs\n"
	      "  baseline   print a baseline (IDs, paths, ROM hashes) to pin with [baseline] file\n"
	      "  snapshot OUT.tar  write the files gpugate reads, for --root elsewhere\n"
	      "  policy [SECTION.KEY...]  print policy values as gpugate reads them\n"
	      "  pcr        print the PCR value a passing boot gives for the policy\n"
	      "             ([tpm] pcr, SHA-256), for a verifier to pin\n"
	      "  guard event add|bind|change BDF  the runtime guard's udev event (69-gpugate.rules)\n"
	      "  guard once  check (and fix what [guard] allows) now\n"
	      "  guard daemon  the guard's service: dynamic ids, then watch and fix\n\n"
	      "Options:\n"
	      "  -p, --policy FILE   policy file (default " DEFAULT_POLICY ")\n"
	      "  -r, --root DIR      read /sys, /proc, /dev, /lib/modules, /etc/modprobe.d under DIR\n"
	      "  -f, --format FMT    text, json or prometheus (check); text or dot (show)\n"
	      "  -o, --report FILE   also write the JSON report to FILE (baseline: write it there)\n"
	      "      --lspci-dump FILE  check, show, cmdline: audit ACS/ATS from `lspci -xxxx` output\n"
	      "  -n, --dry-run       enforce/gate/guard: print every planned change, change nothing\n"
	      "      --verify        gate: only check, change nothing\n"
	      "      --log FILE      pcr: the value this tpm2-measure.log replays to\n"
	      "  -q, --quiet         text: print only findings that did not pass\n"
	      "  -v, --verbose       more detail on stderr\n"
	      "      --version       print versions and exit\n"
	      "      --help          print this help and exit\n\n"
	      "Exit status: 0 policy holds, 1 violated, 2 usage or policy error, 3 state unknown.\n",
	      out);
}

static int parse_format(const char *s, enum format *f)
{
	if (!strcmp(s, "text"))
		*f = FMT_TEXT;
	else if (!strcmp(s, "json"))
		*f = FMT_JSON;
	else if (!strcmp(s, "prometheus"))
		*f = FMT_PROMETHEUS;
	else if (!strcmp(s, "dot"))
		*f = FMT_DOT;
	else
		return -EINVAL;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "policy", required_argument, NULL, 'p' }, { "root", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' }, { "report", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },	      { "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },	      { "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },	      { "verify", no_argument, NULL, 'Y' },
		{ "lspci-dump", required_argument, NULL, 'L' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	o->policy = DEFAULT_POLICY;
	while ((ch = getopt_long(argc, argv, "p:r:f:o:qvn", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			o->policy = optarg;
			o->policy_given = true;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'f':
			o->format_given = true;
			if (parse_format(optarg, &o->format)) {
				fprintf(stderr, "gpugate: unknown format '%s' (text, json, prometheus, dot)\n", optarg);
				return -EINVAL;
			}
			break;
		case 'o':
			o->report = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'n':
			o->dry_run = true;
			break;
		case 'Y':
			o->verify = true;
			break;
		case 'L':
			o->lspci_dump = optarg;
			break;
		case 'l':
			o->log = optarg;
			break;
		case 'V':
			printf("gpugate %s (libpci %s, libkmod %s, %s)\n", GPUGATE_VERSION,
			       LIBPCI_VERSION, modload_version(), rom_hash_library());
			exit(EXIT_PASS);
		case 'h':
			usage(stdout);
			exit(EXIT_PASS);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "gpugate: expected a command\n");
		usage(stderr);
		return -EINVAL;
	}
	o->command = argv[optind];
	o->args = argv + optind + 1;
	o->nargs = argc - optind - 1;
	return 0;
}

/* What each command takes besides -p, -r, -v: the rest is a usage error. */
enum takes { T_FORMAT = 1, T_REPORT = 2, T_QUIET = 4, T_DRY_RUN = 8, T_VERIFY = 16, T_LOG = 32 };

static const struct command {
	const char *name;
	unsigned int takes;
	int min_args, max_args;
} commands[] = {
	{ "check", T_FORMAT | T_REPORT | T_QUIET, 0, 0 },
	{ "enforce", T_FORMAT | T_REPORT | T_QUIET | T_DRY_RUN, 0, 0 },
	{ "gate", T_FORMAT | T_REPORT | T_QUIET | T_DRY_RUN | T_VERIFY, 0, 0 },
	{ "show", T_FORMAT, 0, 0 },
	{ "cmdline", 0, 0, 0 },
	{ "modprobe", 0, 0, 0 },
	{ "baseline", T_REPORT, 0, 0 },
	{ "snapshot", 0, 1, 1 },
	{ "policy", 0, 0, 64 },
	{ "pcr", T_LOG, 0, 0 },
	{ "guard", T_DRY_RUN, 1, 3 },
};

static const struct command *command_find(const char *c)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(c, commands[i].name))
			return &commands[i];
	return NULL;
}

/* dot is show's only format besides text; the report commands have no dot. */
static int format_check(const struct opts *o, const struct command *c)
{
	static const char *const names[] = { [FMT_TEXT] = "text", [FMT_JSON] = "json",
					     [FMT_PROMETHEUS] = "prometheus", [FMT_DOT] = "dot" };
	bool show = !strcmp(c->name, "show");

	if (!o->format_given || o->format == FMT_TEXT || (o->format == FMT_DOT) == show)
		return 0;
	fprintf(stderr, "gpugate: %s does not take --format %s (show: text or dot; check, enforce, gate: text, json or prometheus)\n",
		c->name, names[o->format]);
	return -EINVAL;
}

/* An option the command does not take is a usage error, not silently ignored. */
static int command_opts_check(const struct opts *o, const struct command *c)
{
	const struct {
		bool given;
		unsigned int bit;
		const char *name;
	} given[] = {
		{ o->format_given, T_FORMAT, "--format" }, { o->report != NULL, T_REPORT, "--report" },
		{ o->quiet, T_QUIET, "--quiet" },	  { o->dry_run, T_DRY_RUN, "--dry-run" },
		{ o->verify, T_VERIFY, "--verify" },	  { o->log != NULL, T_LOG, "--log" },
	};

	for (size_t i = 0; i < sizeof(given) / sizeof(given[0]); i++) {
		if (given[i].given && !(c->takes & given[i].bit)) {
			fprintf(stderr, "gpugate: %s does not take %s\n", c->name, given[i].name);
			return -EINVAL;
		}
	}
	if (format_check(o, c))
		return -EINVAL;
	if (o->nargs < c->min_args || o->nargs > c->max_args) {
		fprintf(stderr, "gpugate: %s takes %s\n", c->name,
			c->max_args == 0 ? "no arguments" : c->max_args == 3 ? "event ACTION BDF, once or daemon" :
			c->min_args == 1 ? "one output file" : "keys like gate.mode");
		return -EINVAL;
	}
	return 0;
}

/* `gpugate policy [SECTION.KEY...]`: the values as the parser read them. */
static int policy_command(const struct opts *o, const struct policy *p)
{
	if (!o->nargs)
		return policy_print(stdout, p, NULL) ? EXIT_ERROR : EXIT_PASS;
	for (int i = 0; i < o->nargs; i++) {
		if (policy_print(stdout, p, o->args[i])) {
			fprintf(stderr, "gpugate: policy: no key '%s' (see gpugate.conf(5))\n", o->args[i]);
			return EXIT_USAGE;
		}
	}
	return EXIT_PASS;
}

/* --lspci-dump gives config space only: nothing to write to, no sysroot. */
static int dump_opts_check(const struct opts *o)
{
	static const char *const readers[] = { "check", "show", "cmdline", "modprobe" };

	if (!o->lspci_dump)
		return 0;
	if (o->root) {
		fprintf(stderr, "gpugate: --lspci-dump and --root are mutually exclusive\n");
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (!strcmp(o->command, readers[i]))
			return 0;
	fprintf(stderr, "gpugate: %s cannot run on an lspci dump: it needs the live system (--lspci-dump works with check, show and cmdline)\n",
		o->command);
	return -EINVAL;
}

/*
 * Load the policy. The default path may be absent on a host that has not
 * installed one: then the built-in defaults (the strictest policy) apply
 * and the output says so. A policy named with -p must exist.
 */
static int load_policy(const struct opts *o, struct policy *p)
{
	char err[512];
	int rc = policy_load(p, o->policy, err, sizeof(err));

	if (!rc) {
		/* the report names the policy by its digest; unreadable now: none */
		if (!SHA256File(o->policy, p->sha256))
			p->sha256[0] = '\0';
		return 0;
	}
	if (rc == -ENOENT && !o->policy_given) {
		policy_defaults(p);
		fprintf(stderr, "gpugate: %s not found: using the built-in default policy\n", o->policy);
		return 0;
	}
	fprintf(stderr, "gpugate: %s\n", err);
	return rc;
}

/* The views that only read: show and cmdline. */
static int run_view(const char *command, enum format fmt, const struct policy *p)
{
	struct model m;
	int rc = model_build_or_say(&m, p);

	if (rc) {
		model_free(&m);
		return EXIT_ERROR;
	}
	if (!strcmp(command, "show"))
		rc = fmt == FMT_DOT ? show_dot(stdout, &m, p) : show_print(stdout, &m, p);
	else
		rc = show_cmdline(stdout, &m, p);
	model_free(&m);
	return rc ? EXIT_ERROR : EXIT_PASS;
}

static int verdict_exit(enum verdict v)
{
	return v == VERDICT_PASS ? EXIT_PASS : v == VERDICT_FAIL ? EXIT_FAIL : EXIT_ERROR;
}

/* A gate that let the boot go on (audit mode) exits 0 whatever its verdict. */
static int gate_exit(const struct run_opts *ro)
{
	bool boot_goes_on;
	enum verdict v = run_gate(ro, &boot_goes_on);

	return boot_goes_on ? EXIT_PASS : verdict_exit(v);
}

/* pcr: a malformed log is a verdict on the log (1); anything else unknown (3). */
static int pcr_exit(int rc)
{
	return !rc ? EXIT_PASS : rc == -EBADMSG ? EXIT_FAIL : EXIT_ERROR;
}

static int dispatch(const struct opts *o, const struct policy *p)
{
	struct run_opts ro = { .policy = p, .dry_run = o->dry_run, .verify = o->verify,
			       .format = o->format, .quiet = o->quiet, .report = o->report,
			       .verbose = o->verbose };

	if (!strcmp(o->command, "check"))
		return verdict_exit(run_check(&ro));
	if (!strcmp(o->command, "enforce"))
		return verdict_exit(run_enforce(&ro));
	if (!strcmp(o->command, "gate"))
		return gate_exit(&ro);
	if (!strcmp(o->command, "modprobe"))
		return show_modprobe(stdout, p) ? EXIT_ERROR : EXIT_PASS;
	if (!strcmp(o->command, "baseline"))
		return baseline_command(p, o->report) ? EXIT_ERROR : EXIT_PASS;
	if (!strcmp(o->command, "snapshot"))
		return snapshot_command(p, o->args[0]) ? EXIT_ERROR : EXIT_PASS;
	if (!strcmp(o->command, "policy"))
		return policy_command(o, p);
	if (!strcmp(o->command, "pcr"))
		return pcr_exit(pcr_command(p, o->log));
	if (!strcmp(o->command, "guard"))
		return guard_command(&ro, o->args, o->nargs);
	return run_view(o->command, o->format, p);
}

/*
 * A run that has not finished after WATCHDOG_SECONDS is stuck (a hostile
 * tree, a device that never answers): end it with exit status 3 rather than
 * hang a boot. A full check of 10,000 functions takes about 2 s.
 */
#define WATCHDOG_SECONDS 120

static void watchdog_fire(int sig)
{
	static const char msg[] = "gpugate: watchdog: no result after 120 s, giving up (state unknown)\n";
	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(EXIT_ERROR);
}

static void watchdog_arm(void)
{
	signal(SIGALRM, watchdog_fire);
	alarm(WATCHDOG_SECONDS);
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct command *c;
	struct policy p;
	int rc;

	if (parse_args(argc, argv, &o))
		return EXIT_USAGE;
	watchdog_arm();
	c = command_find(o.command);
	if (!c) {
		fprintf(stderr, "gpugate: unknown command '%s'\n", o.command);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (command_opts_check(&o, c) || dump_opts_check(&o))
		return EXIT_USAGE;
	if (load_policy(&o, &p))
		return EXIT_USAGE;
	rc = sysroot_set(o.root);
	if (rc) {
		fprintf(stderr, "gpugate: --root %s: %s\n", o.root, strerror(-rc));
		return EXIT_USAGE;
	}
	rc = source_select(o.lspci_dump);
	if (rc) {
		fprintf(stderr, "gpugate: --lspci-dump %s: %s\n", o.lspci_dump, strerror(-rc));
		return EXIT_USAGE;
	}
	/* Where to read (above) and may act on this machine: two flags. */
	machine_set_may_act(!sysroot_is_redirected() && !o.lspci_dump);
	return dispatch(&o, &p);
}
