/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * policy.h - the policy file (/etc/gpugate/policy.conf): what to protect and
 * what "isolated" means. Parsing is strict: every error names file:line.
 */
#ifndef GPUGATE_POLICY_H
#define GPUGATE_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bdf.h"

#define POLICY_MAX_LIST 64
#define POLICY_NAME_LEN 64
#define POLICY_PATH_LEN 512

/*
 * enforce: act, stop the boot on failure. audit: act (bind, write ACS/ATS),
 * never stop. audit-readonly: check only (no binding, no writes), never stop.
 */
enum gate_mode { MODE_ENFORCE, MODE_AUDIT, MODE_AUDIT_READONLY };
/* What an initramfs build does when `check` fails and the image would enforce. */
enum preflight { PREFLIGHT_REFUSE, PREFLIGHT_WARN, PREFLIGHT_OFF };
enum on_failure { FAIL_HALT, FAIL_POWEROFF, FAIL_REBOOT, FAIL_EMERGENCY };
enum companions { COMPANIONS_SLOT, COMPANIONS_NONE };
/* [tpm] measure: off; on (measure when a TPM is there); required (or fail). */
enum tpm_measure { MEASURE_OFF, MEASURE_ON, MEASURE_REQUIRED };
/*
 * [nvlink] forbid_nvswitch: no (allow NVSwitch functions); yes (any fails);
 * whole-node (allowed when every NVSwitch and every NVIDIA GPU of the node
 * is protected and bound to the VFIO driver). 0 is off (checks.c's ON()).
 */
enum nvswitch_policy { NVSWITCH_ALLOW, NVSWITCH_FORBID, NVSWITCH_WHOLE_NODE };

#define TPM_PCR_DEFAULT 8
#define TPM_TIMEOUT_MS_DEFAULT 5000
#define TPM_TIMEOUT_MS_MIN 100
#define TPM_TIMEOUT_MS_MAX 60000

/* [guard] (the runtime guard, gpugate guard): what to do on each event. */
enum guard_add { GUARD_ADD_OVERRIDE, GUARD_ADD_REPORT };
enum guard_bind { GUARD_BIND_REPORT, GUARD_BIND_UNBIND };
#define GUARD_POLL_MS_DEFAULT 1000
#define GUARD_POLL_MS_MIN 100
#define GUARD_POLL_MS_MAX 3600000
#define GUARD_VFIO_RECHECK_MS_DEFAULT 2000
#define GUARD_METRICS_DEFAULT "/var/lib/prometheus/node-exporter/gpugate-guard.prom"
#define GUARD_STATE_DEFAULT "/var/lib/gpugate/guard.state"

/* vendor:device:class; a field whose any_* flag is set matches anything. */
struct match {
	uint16_t vendor, device, class;
	bool any_vendor, any_device, any_class;
};

struct policy {
	enum gate_mode mode;
	enum on_failure on_failure;
	bool allow_cmdline_override;
	char report[POLICY_PATH_LEN];
	enum preflight preflight;

	struct match match[POLICY_MAX_LIST];
	int nmatch;
	char bdf[POLICY_MAX_LIST][BDF_LEN];
	int nbdf;
	enum companions companions;
	uint16_t companion_classes[POLICY_MAX_LIST];
	int ncompanion_classes;
	bool allow_none;
	int expect; /* fewer matched functions than this fails; 0: off */
	bool require_bars; /* bar.assigned: every implemented BAR has a resource */

	bool require_strict;
	bool forbid_identity;
	bool require_irq_remapping;

	bool require_noats;
	char forbid[POLICY_MAX_LIST][POLICY_NAME_LEN * 2];
	int nforbid;

	uint16_t acs_require; /* PCI_ACS_CTRL_* bits */
	uint16_t acs_forbid;
	uint8_t acs_enhanced; /* [acs] require_enhanced: ACSX_* controls (acsx.h); 0: off */
	bool acs_fix;

	bool ats_require_disabled;
	bool ats_fix;

	char driver[POLICY_NAME_LEN];
	char host_drivers[POLICY_MAX_LIST][POLICY_NAME_LEN];
	int nhost_drivers;
	bool require_blacklisted;

	enum nvswitch_policy forbid_nvswitch;

	char baseline_file[POLICY_PATH_LEN];

	/* [platform]: each switch is off at 0 (checks.c's ON()) */
	int require_lockdown;	     /* platform_lockdown_rank(): 0 none (off) */
	bool require_secureboot;
	bool require_dma_protection;
	int nforbid_taint;	     /* 0: off */
	uint8_t forbid_taint[POLICY_MAX_LIST]; /* taint bit numbers (platform.h) */

	enum tpm_measure tpm_measure;
	int tpm_pcr;		/* 8, or 9 and 11-15 with tpm_allow_systemd_pcr */
	bool tpm_allow_systemd_pcr;
	int tpm_timeout_ms;	/* bound for one TPM command */

	bool guard_enable;
	enum guard_add guard_add;
	enum guard_bind guard_bind;
	bool guard_fix;		/* re-apply ACS/ATS after an event (lockdown permitting) */
	int guard_poll_ms;	/* 0: no register poll; else GUARD_POLL_MS_MIN..MAX */
	bool guard_vfio_watch;
	int guard_vfio_recheck_ms; /* after a /dev/vfio open or close; same range, or 0 */
	bool guard_dynid;	/* vfio-pci new_id for the matched IDs */
	char guard_metrics[POLICY_PATH_LEN]; /* "" : none */
	char guard_state[POLICY_PATH_LEN];

	char sha256[65]; /* of the file read (main.c); "" for the built-in defaults */
};

/* Fill @p with the defaults of SPEC.md (the NVIDIA policy). */
void policy_defaults(struct policy *p);

/*
 * Parse the INI text @text (named @file in messages) over the defaults.
 * Returns 0, or -EINVAL with "file:line: reason" in @err.
 */
int policy_parse(struct policy *p, const char *file, const char *text, char *err, size_t errlen);

/* Read and parse @path. Returns 0, -EINVAL (bad file) or -errno (I/O). */
int policy_load(struct policy *p, const char *path, char *err, size_t errlen);

/*
 * Print "section.key=value" for the key named "section.key" (every key when
 * @name is NULL) as the parser reads it, so the initramfs hooks never parse
 * the file themselves. Returns 0, or -ENOENT for an unknown key.
 */
int policy_print(FILE *out, const struct policy *p, const char *name);

/* The policy word for @mode ("enforce", "audit", "audit-readonly"). */
const char *policy_mode_name(enum gate_mode mode);

/* The policy word for [tpm] measure ("off", "on", "required"). */
const char *policy_measure_name(enum tpm_measure m);

/* The policy word for [nvlink] forbid_nvswitch ("no", "yes", "whole-node"). */
const char *policy_nvswitch_name(enum nvswitch_policy n);

/* The policy words of [guard] add and bind. */
const char *policy_guard_add_name(enum guard_add a);
const char *policy_guard_bind_name(enum guard_bind b);

/* Does the function with these IDs match the [devices] match list? */
bool policy_matches(const struct policy *p, uint16_t vendor, uint16_t device, uint16_t cls);

/* Is @cls (base class and subclass) a companion class? */
bool policy_is_companion_class(const struct policy *p, uint16_t cls);

/* Format ACS control bits as "SV TB ..." into @buf; "none" when zero. */
const char *policy_acs_names(uint16_t bits, char *buf, size_t len);

#endif
