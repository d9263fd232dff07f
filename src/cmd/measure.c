// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * measure.c - the gate measures what it decided into the TPM.
 *
 * After the checks and the fixes decided the verdict, and before anything
 * stops the machine, `gate` extends into PCR [tpm] pcr (SHA-256 bank):
 * the policy file's digest, the baseline's when one is configured, and its
 * verdict word; `gate --verify` only its verdict word (parse/tpmevent.h).
 * Each extend is read back (tpmdev_extend) and appended to
 * /run/log/systemd/tpm2-measure.log under the log's flock, held across
 * the extends. Anything that goes wrong is recorded in the report's tpm
 * object (tpm.measure judges it) and, unless the TPM stopped answering,
 * the fail word is extended after it: a PCR that holds the pass value was
 * measured completely.
 *
 * Only in the initramfs: an operator's `gate` on a running host must not
 * shift the value a verifier pinned. Under --root the TPM is a simulator's
 * socket in the tree (tpmdev refuses anything else).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#include <sha2.h>

#include "measfile.h"
#include "measlog.h"
#include "measure.h"
#include "sysroot.h"
#include "tpmevent.h"

/* include/uapi/linux/magic.h (musl has no <linux/magic.h>) */
#define RAMFS_MAGIC 0x858458f6
#define TMPFS_MAGIC 0x01021994

/*
 * Is this the initramfs? Its root is a ramfs or tmpfs (the kernel's
 * rootfs; systemd's in_initrd() asks the same of statfs("/")); a booted
 * host's / never is.
 */
static bool in_initramfs(void)
{
	struct statfs s;

	if (statfs("/", &s))
		return false;
	return (unsigned long)s.f_type == RAMFS_MAGIC || (unsigned long)s.f_type == TMPFS_MAGIC;
}

/* Why this run does not measure, or NULL when it does. */
static const char *measure_skip(const struct policy *p, bool dry_run)
{
	if (p->tpm_measure == MEASURE_OFF)
		return "[tpm] measure = off";
	if (dry_run)
		return "--dry-run extends nothing";
	if (!sysroot_is_redirected() && !in_initramfs())
		return "not in an initramfs (/ is not ramfs or tmpfs): an extend on a running host would change the value a verifier pinned";
	return NULL;
}

/* Keep the first failure: "@what: @why", or @why alone when @what is NULL. */
static void tpm_error(struct tpm_report *t, const char *what, const char *why)
{
	if (!t->error[0])
		snprintf(t->error, sizeof(t->error), "%s%s%s", what ? what : "", what ? ": " : "",
			 why);
}

/* Append @event's record to the log @logfd (-1: not open). */
static int log_event(int logfd, unsigned int pcr, const uint8_t digest[32], const char *event,
		     char *why, size_t wl)
{
	char rec[512];
	int n;

	if (logfd < 0) {
		snprintf(why, wl, "the event log is not open");
		return -EBADF;
	}
	n = measlog_record(rec, sizeof(rec), pcr, digest, event);
	if (n < 0) {
		snprintf(why, wl, "cannot format its record: %s", strerror(-n));
		return n;
	}
	return measfile_append(logfd, rec, (size_t)n, why, wl);
}

/*
 * Extend @event, read it back, log it. 0, or -errno with the reason in
 * t->error (the first one only).
 */
static int extend_one(struct measure *ms, struct tpm_report *t, int logfd, const char *event)
{
	unsigned int pcr = (unsigned int)ms->p->tpm_pcr;
	uint8_t digest[32], after[32];
	char why[256], what[TPMEV_LEN + 48];
	int rc;

	tpmev_digest(event, digest);
	snprintf(what, sizeof(what), "extend \"%s\" into PCR %u", event, pcr);
	rc = tpmdev_extend(&ms->dev, pcr, digest, after, ms->p->tpm_timeout_ms, why, sizeof(why));
	if (rc) {
		tpm_error(t, what, why);
		fprintf(stderr, "gpugate: tpm: cannot %s: %s\n", what, why);
		return rc;
	}
	ms->pass_extended = !strcmp(event, tpmev_verdict(ms->verify, true));
	if (t->nevents < TPM_EVENTS_MAX)
		snprintf(t->events[t->nevents++], TPM_EVENT_LEN, "%s", event);
	tpmev_hex(after, t->value);
	fprintf(stderr, "gpugate: tpm: extended PCR %u of %s with \"%s\": %s\n", pcr, ms->dev.path,
		event, t->value);
	rc = log_event(logfd, pcr, digest, event, why, sizeof(why));
	if (rc) {
		snprintf(what, sizeof(what), "log \"%s\" in %s%s", event, sysroot_prefix(), MEASLOG_PATH);
		tpm_error(t, what, why);
		fprintf(stderr, "gpugate: tpm: cannot %s: %s\n", what, why);
	}
	return rc;
}

/*
 * The events of this run into @ev: gate: policy, baseline (when
 * configured), verdict; --verify: verdict. A digest that cannot be had
 * leaves the events before it and records why: the caller then extends
 * the fail word instead of the verdict.
 */
static int plan_events(const struct measure *ms, bool pass, char ev[][TPMEV_LEN],
		       struct tpm_report *t)
{
	char hex[SHA256_DIGEST_STRING_LENGTH];
	int n = 0;

	if (!ms->verify && tpmev_file(ev[n++], TPMEV_LEN, "policy", ms->p->sha256)) {
		tpm_error(t, "policy digest", "the policy file was not read (built-in defaults?) or could not be hashed");
		return -EINVAL;
	}
	if (!ms->verify && ms->p->baseline_file[0]) {
		if (!SHA256File(ms->p->baseline_file, hex)) {
			tpm_error(t, ms->p->baseline_file, strerror(errno));
			return -EINVAL;
		}
		tpmev_file(ev[n++], TPMEV_LEN, "baseline", hex);
	}
	snprintf(ev[n++], TPMEV_LEN, "%s", tpmev_verdict(ms->verify, pass));
	return n;
}

/* Extend the planned events in order; after any failure the fail word. */
static void extend_all(struct measure *ms, struct tpm_report *t, int logfd, bool pass)
{
	char ev[TPMEV_PASS_MAX][TPMEV_LEN];
	int n = plan_events(ms, pass, ev, t);
	bool failed = t->error[0];
	const char *fail = tpmev_verdict(ms->verify, false);

	for (int i = 0; i < n && !failed; i++)
		failed = extend_one(ms, t, logfd, ev[i]) != 0;
	if (!failed)
		return;
	if (ms->dev.hung) {
		fprintf(stderr, "gpugate: tpm: %s timed out: nothing more is sent to it\n", ms->dev.path);
		return;
	}
	if (t->nevents && !strcmp(t->events[t->nevents - 1], fail))
		return;
	extend_one(ms, t, logfd, fail);
}

/* Open the TPM, lock the log, extend, unlock. */
static void measure_now(struct measure *ms, struct tpm_report *t, bool pass)
{
	char why[256];
	int rc = tpmdev_open(&ms->dev, why, sizeof(why));
	int logfd;

	if (rc) {
		ms->dev.fd = -1;
		t->absent = rc == -ENOENT;
		tpm_error(t, t->absent ? NULL : "cannot open the TPM", why);
		fprintf(stderr, "gpugate: tpm: %s\n", t->error);
		return;
	}
	snprintf(t->device, sizeof(t->device), "%s", ms->dev.path);
	logfd = measfile_lock(why, sizeof(why));
	if (logfd < 0) {
		char what[128];

		snprintf(what, sizeof(what), "cannot open the event log %s%s", sysroot_prefix(),
			 MEASLOG_PATH);
		tpm_error(t, what, why);
		fprintf(stderr, "gpugate: tpm: %s\n", t->error);
		pass = false; /* an unlogged measurement is a failed one */
	}
	extend_all(ms, t, logfd, pass && logfd >= 0);
	if (logfd >= 0)
		measfile_unlock(logfd);
	t->measured = !t->error[0];
}

void measure_gate(struct measure *ms, const struct policy *p, bool verify, bool dry_run,
		  bool pass, struct tpm_report *t)
{
	const char *skip = measure_skip(p, dry_run);

	memset(ms, 0, sizeof(*ms));
	ms->dev.fd = -1;
	ms->p = p;
	ms->verify = verify;
	t->decided = true;
	if (skip) {
		snprintf(t->skip, sizeof(t->skip), "%s", skip);
		if (p->tpm_measure != MEASURE_OFF)
			fprintf(stderr, "gpugate: tpm: not measured: %s\n", skip);
		return;
	}
	measure_now(ms, t, pass);
}

void measure_fail_late(struct measure *ms, struct tpm_report *t)
{
	char why[256];
	int logfd;

	if (!ms->pass_extended || ms->dev.fd < 0 || ms->dev.hung)
		return;
	logfd = measfile_lock(why, sizeof(why));
	if (logfd < 0)
		fprintf(stderr, "gpugate: tpm: cannot open the event log %s%s: %s\n",
			sysroot_prefix(), MEASLOG_PATH, why);
	extend_one(ms, t, logfd, tpmev_verdict(ms->verify, false));
	if (logfd >= 0)
		measfile_unlock(logfd);
}

void measure_close(struct measure *ms)
{
	if (ms->dev.fd >= 0)
		tpmdev_close(&ms->dev);
	ms->dev.fd = -1;
}
