/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gpugate.h - types shared by every part of gpugate: the device model that
 * the scan builds, the findings that the checks produce and the report that
 * the printers and the gate read. Nothing here touches hardware.
 */
#ifndef GPUGATE_H
#define GPUGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pci/header.h>

#include "bdf.h"
#include "bootreport.h"
#include "caps.h"
#include "cmdline.h"
#include "policy.h"

#ifndef GPUGATE_VERSION
#define GPUGATE_VERSION "0.1.0"
#endif

#define MAX_DEPTH 16 /* bridges between a device and its root bus */

enum status { ST_PASS, ST_FAIL, ST_FIXED, ST_WARN, ST_SKIP };

#define MODALIAS_MAX_HITS 16 /* modules one modalias may resolve to that are kept */

/* A module a modalias resolves to (modload_resolve). */
struct modalias_hit {
	char name[64];	  /* module name as libkmod normalises it ('_') */
	bool blacklisted; /* a "blacklist" line in modprobe.d covers it */
};

/* What /dev/vfio/N is, for the VFIO group device (vfio_node in pdev_live). */
enum vfio_kind {
	VFIO_NODE_CHR,	   /* a character device: node_major, node_minor */
	VFIO_NODE_STANDIN, /* a regular file standing in for it in a --root tree */
	VFIO_NODE_OTHER,   /* anything else */
};

#define PDEV_BARS 6 /* standard BARs of a type 0 header (resource lines 0-5) */

/* One line of sysfs `resource` (resource_show(): start, end, flags). */
struct pdev_res {
	uint64_t start, end, flags;
};

/*
 * The live state of one protected function that only some checks read,
 * read by the source for them under the policy (source.h, state hook).
 * Each part is read only where its check would look.
 */
struct pdev_live {
	/* iommu.domain: /sys/kernel/iommu_groups/N/type (the function has a group) */
	int type_err;	       /* negative errno reading it */
	char type[32];
	/* bind.vfio (bound to the policy's driver, in a group): */
	bool vfio_read;	       /* the VFIO group device was looked at */
	int vfio_dev_err;      /* negative errno reading /sys/class/vfio/N/dev */
	char vfio_dev[32];     /* its text */
	bool vfio_dev_ok;      /* it is MAJOR:MINOR (only then is /dev/vfio/N looked at) */
	unsigned int vfio_major, vfio_minor;
	int vfio_node_err;     /* negative errno from lstat /dev/vfio/N */
	enum vfio_kind vfio_kind;
	unsigned int node_major, node_minor; /* of a VFIO_NODE_CHR node */
	/* driver.host: the modules its modalias resolves to */
	int nmods;	       /* hits in mods, or negative errno */
	char mods_why[256];    /* the reason when nmods < 0 */
	struct modalias_hit *mods; /* malloc'd, NULL when nmods <= 0 */
	/* bar.assigned ([devices] require_bars): the standard BARs' lines of
	 * /sys/bus/pci/devices/BDF/resource */
	bool res_read;	       /* the file was read (or tried) */
	int res_err;	       /* negative errno: unreadable or malformed */
	char res_why[160];     /* the reason when res_err != 0 */
	struct pdev_res res[PDEV_BARS];
};

/*
 * One function as gpugate sees it. model_build loads the config spaces the
 * checks read (model/configs.c), and no others; the group, driver and
 * driver_override links are read for protected functions only (no check
 * reads them for others).
 */
struct pdev {
	char bdf[BDF_LEN];
	unsigned int domain, bus, dev, fn;
	uint16_t vendor, device;
	uint16_t class; /* base class and subclass (sysfs "class" >> 8) */
	void *handle;   /* libpci's struct pci_dev, for pcidev.c only */
	int ident_err;  /* negative errno: IDs or class unreadable */
	char ident_why[96];

	int parent;	      /* index of the bridge above, -1 on a root bus */
	int path[MAX_DEPTH];  /* ancestors, root bus first */
	int path_len;
	int path_err;	      /* negative errno: topology unknown */
	unsigned int path_known; /* card leader: bit i, path[i]'s type was known to acs.peers */
	char path_why[128];   /* reason for path_err when errno says too little */
	int nchildren;	      /* devices whose parent is this one */
	int child_first;      /* first function (address order) whose parent this is, or -1 */
	int peer_first;	      /* on a root bus: first function of it (model_peer_first) */
	int peer_next;	      /* next function beside this one, or -1 */
	int card_first;	      /* first function of its card (model_card_build), or -1 */
	int card_next;	      /* next function of the same card, or -1 */

	int group;	       /* IOMMU group, -1 when the link is absent */
	int group_err;	       /* negative errno other than -ENOENT */
	char **members;	       /* names in the group's devices directory */
	int nmembers;	       /* how many, or negative errno listing them */
	char driver[64];       /* "" when unbound */
	int driver_err;	       /* negative errno other than -ENOENT */
	char override[64];     /* driver_override, "" when "(null)" */
	int override_err;      /* negative errno reading driver_override, other than -ENOENT */
	struct pdev_live *live; /* protected functions of a live source; NULL: out of memory */

	bool cfg_loaded;
	uint8_t *cfg;
	size_t cfg_len;
	int cfg_err;	       /* negative errno from reading config */
	char cfg_why[128];     /* reason when cfg_err != 0 */
	struct caps caps;      /* parsed when cfg_loaded and cfg_err == 0 */

	bool matched;	       /* matched by [devices] match or bdf */
	bool companion;	       /* protected as a companion of a matched one */
	bool foreign;	       /* on a protected card but not protected */
};

struct source;
struct modload;

/* A host GPU driver of the policy (driver.host): is it loaded? */
struct hostmod {
	char name[64]; /* the policy's name with '-' as '_', as in /sys/module */
	int err;       /* 0: /sys/module/NAME exists; -ENOENT: not loaded; else unknown */
};

/* /proc/interrupts, for iommu.irq_remap. */
struct irq_chips {
	int err;       /* negative errno opening it */
	bool remapped; /* a line's chip is behind remapping ("IR-IO-APIC", "IR-PCI-MSI...") */
	bool plain;    /* a line's chip is not ("IO-APIC", "PCI-MSI...") */
	char irq[16];  /* the IRQ of the first plain line */
};

/*
 * The platform posture files, for the platform.* checks: each read only when
 * its policy switch is on (err 0 and the value, or a negative errno and why).
 */
struct platform_file {
	bool read;     /* the state hook read (or tried to read) it */
	int err;       /* negative errno: the state is unknown */
	char why[160]; /* why, when err != 0 */
};
struct platform_state {
	struct platform_file lockdown;
	char lockdown_level[32]; /* "none", "integrity", "confidentiality" */
	struct platform_file secureboot;
	int secureboot_on;	  /* SecureBoot variable: 1 or 0 */
	int setup_mode;		  /* SetupMode variable: 1, 0, or -1 when absent */
	struct platform_file dma;
	char dma_table[8];	  /* "DMAR" or "IVRS" */
	int dma_optin;		  /* 1: the firmware opted in, 0: not */
	uint32_t dma_flags;	  /* DMAR Flags or IVRS IVinfo, as read */
	struct platform_file taint;
	uint64_t taint_mask;	  /* /proc/sys/kernel/tainted */
};
struct bl_model;

/* A forbidden "module.param=value" entry's value in the running kernel. */
struct modparam {
	bool read;	/* the entry names a module parameter with a value */
	int err;	/* negative errno reading it (-ENOENT: not in force) */
	char path[256];	/* /sys/module/MODULE/parameters/PARAM */
	char val[128];
};

struct model {
	struct pdev *devs; /* sorted by PCI address */
	int ndevs;
	char kernel[128];    /* /proc/sys/kernel/osrelease */
	char cmdline_raw[CMDLINE_SIZE + 2]; /* one byte more than may be used */
	int cmdline_err;	/* negative errno: the command line is unknown */
	char cmdline_why[160];	/* why, when cmdline_err != 0 */
	struct cmdline cmdline;
	char iommus[256];    /* names in /sys/class/iommu, space separated */
	int iommu_err;	     /* negative errno listing /sys/class/iommu */
	int first_path_err;  /* first function whose place is unknown, or -1 */
	struct modparam forbid_rt[POLICY_MAX_LIST]; /* by policy forbid index */
	struct hostmod hostmods[POLICY_MAX_LIST]; /* by policy host_drivers index */
	struct irq_chips irq; /* read when the policy requires remapping and the line was read */
	struct platform_state plat; /* read for the platform.* checks the policy turns on */
	struct modload *kmod; /* the module index driver.host's lookups opened, or NULL */
	int kmod_err;	      /* negative errno opening it */
	bool kmod_tried;      /* it was opened (or tried) */
	struct boot_report boot; /* `check`: the boot's gate report (gate.boot) */
	const struct source *src; /* where it came from (source.h) */
	void *pci;	     /* pcidev.c: this model's own libpci access */
	struct bl_model *bl; /* baseline.h: [baseline] file and host side, or NULL */
};

struct finding {
	const char *id;
	char device[BDF_LEN];
	char port[BDF_LEN];
	enum status status;
	bool undetermined; /* the state could not be read: exit status 3 */
	char expected[96];
	char actual[128];
	char message[320];
};

struct action {
	char device[BDF_LEN];
	char what[64];
	char before[24];
	char after[24];
	bool ok;
	bool dry_run; /* planned only: nothing was written */
	char why[256]; /* reason when !ok */
};

#define TPM_EVENTS_MAX 6	/* policy, baseline, verdict, and a fail word after them */
#define TPM_EVENT_LEN 96	/* "gpugate baseline sha256:" and 64 hex digits */

/*
 * What `gate` measured into the TPM (cmd/measure.c), for tpm.measure and
 * the report's "tpm" object. Zero: this run does not measure (`check`,
 * `enforce`), and tpm.measure says so.
 */
struct tpm_report {
	const char *measure; /* [tpm] measure: "off", "on", "required" */
	int pcr;	   /* [tpm] pcr */
	bool decided;	   /* the gate decided whether to measure */
	char skip[160];	   /* why it did not try ("" when it tried) */
	bool measured;	   /* every event of the sequence extended and read back */
	bool absent;	   /* no TPM device */
	char device[32];   /* "/dev/tpmrm0" or "/dev/tpm0", "" when none opened */
	char events[TPM_EVENTS_MAX][TPM_EVENT_LEN]; /* extended and read back, in order */
	int nevents;
	char value[65];	   /* the PCR read back after the last extend, "" when none */
	char error[320];   /* why the measurement failed, "" when it did not */
};

struct report {
	const char *mode; /* "check", "enforce", "gate" */
	const char *policy_mode; /* [gate] mode: "enforce", "audit", "audit-readonly" */
	const char *override;	 /* rd.gpugate= honoured: "none", "audit", "off" */
	bool enforcing;		 /* a gate run whose failure stops the machine */
	long long started;	 /* time(2) when the run began */
	char hostname[65];	 /* /proc/sys/kernel/hostname, "" when unreadable */
	const char *policy_sha256; /* of the policy file; NULL: built-in defaults */
	struct {
		bool checked;	/* `check` looked for the boot report */
		bool present, enforcing, pass;
	} boot;			/* what the boot's gate report said (gate.boot) */
	struct tpm_report tpm;	/* what `gate` measured (tpm.measure) */
	struct finding *findings;
	int nfindings, cap_findings;
	struct action *actions;
	int nactions, cap_actions;
};

static inline bool pdev_protected(const struct pdev *d)
{
	return d->matched || d->companion;
}

/* True when the function is a bridge (PCI class 06 04 or 06 09). */
static inline bool pdev_is_bridge(const struct pdev *d)
{
	return d->class == 0x0604 || d->class == 0x0609;
}

/*
 * Does bridge @b, whose config space is loaded, decode a memory BAR of its
 * own (BAR0 or BAR1 of its type-1 header)? A register that reads 0 is not
 * implemented, or a 32-bit BAR left unassigned: no address a request could
 * target. Decides whether ACS DSP Memory Target Access applies (acsx.h).
 */
static inline bool pdev_mem_bar(const struct pdev *b)
{
	for (int pos = PCI_BASE_ADDRESS_0; pos <= PCI_BASE_ADDRESS_1; pos += 4) {
		uint32_t v = cfg_dword(b->cfg, pos);

		if (v && !(v & PCI_BASE_ADDRESS_SPACE_IO))
			return true;
	}
	return false;
}

#endif
