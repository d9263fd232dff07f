// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * posture.c - the platform posture files, read through the sysroot
 * (posture.h) and parsed by parse/platform.c. A file that cannot be read or
 * parsed leaves its state unknown (err and why), which its check reports
 * as undetermined: never as a pass.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockdown.h"
#include "platform.h"
#include "posture.h"
#include "sysroot.h"

/* Mark @f read with result @err and, when it failed, the reason. */
static void file_result(struct platform_file *f, int err, const char *fmt, const char *path)
{
	f->read = true;
	f->err = err;
	if (err)
		snprintf(f->why, sizeof(f->why), fmt, path, strerror(-err));
}

static void read_lockdown(struct platform_state *ps)
{
	int rc = lockdown_read(false);
	const char *level = lockdown_level();

	if (!rc && platform_lockdown_rank(level) < 0)
		rc = -ENOENT; /* no file under --root, or an unparsable line */
	file_result(&ps->lockdown, rc, "cannot read the lockdown level: %s: %s",
		    "/sys/kernel/security/lockdown");
	snprintf(ps->lockdown_level, sizeof(ps->lockdown_level), "%s", level);
}

/* A one-byte UEFI variable: 1 or 0, or -errno. */
static int efivar(const char *path)
{
	uint8_t buf[8];
	ssize_t n = sysroot_read(path, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return platform_efivar_bool(buf, (size_t)n);
}

static void read_secureboot(struct platform_state *ps)
{
	int sb = sysroot_exists("/sys/firmware/efi");

	if (sb) {
		file_result(&ps->secureboot, sb,
			    "%s: %s (not booted through UEFI, e.g. legacy BIOS); fix: boot through UEFI with Secure Boot on",
			    "/sys/firmware/efi");
		return;
	}
	sb = efivar(EFIVAR_SECUREBOOT);
	if (sb == -EINVAL)
		file_result(&ps->secureboot, sb,
			    "%s: malformed (%s): expected 4 attribute bytes and a value of 0 or 1", EFIVAR_SECUREBOOT);
	else
		file_result(&ps->secureboot, sb < 0 ? sb : 0, "cannot read %s: %s",
			    EFIVAR_SECUREBOOT);
	ps->secureboot_on = sb > 0;
	ps->setup_mode = efivar(EFIVAR_SETUPMODE);
	if (ps->setup_mode < 0)
		ps->setup_mode = -1;
}

#define ACPI_TABLE_MAX (1 << 20)

/* Read table @path (signature @t) into @ps->dma. Returns the read error, or 0. */
static int read_table(struct platform_state *ps, enum acpi_dma_table t, const char *path)
{
	uint8_t *buf = malloc(ACPI_TABLE_MAX);
	ssize_t n;
	char why[128];
	int rc;

	if (!buf)
		return -ENOMEM;
	n = sysroot_read(path, buf, ACPI_TABLE_MAX);
	if (n < 0 || n == ACPI_TABLE_MAX) {
		free(buf);
		return n < 0 ? (int)n : -EFBIG;
	}
	snprintf(ps->dma_table, sizeof(ps->dma_table), "%s", t == ACPI_DMA_DMAR ? "DMAR" : "IVRS");
	rc = platform_acpi_dma_optin(t, buf, (size_t)n, &ps->dma_flags, why, sizeof(why));
	free(buf);
	ps->dma.read = true;
	ps->dma.err = rc < 0 ? rc : 0;
	ps->dma_optin = rc > 0;
	if (rc < 0)
		snprintf(ps->dma.why, sizeof(ps->dma.why), "%s: %s", path, why);
	return 0;
}

/* Intel's DMAR, else AMD's IVRS. */
static void read_dma(struct platform_state *ps)
{
	const char *path = ACPI_TABLE_DMAR;
	int rc = read_table(ps, ACPI_DMA_DMAR, path);

	if (rc == -ENOENT) {
		path = ACPI_TABLE_IVRS;
		rc = read_table(ps, ACPI_DMA_IVRS, path);
	}
	if (rc == -ENOENT)
		file_result(&ps->dma, rc,
			    "no DMAR or IVRS table in %s (%s): no IOMMU table to tell pre-boot DMA protection",
			    "/sys/firmware/acpi/tables");
	else if (rc)
		file_result(&ps->dma, rc, "cannot read the ACPI DMA table: %s: %s", path);
}

static void read_taint(struct platform_state *ps)
{
	char line[64];
	int rc = sysroot_read_line(PROC_TAINTED, line, sizeof(line));

	if (!rc)
		rc = platform_taint_parse(line, &ps->taint_mask);
	file_result(&ps->taint, rc, "cannot read %s: %s", PROC_TAINTED);
}

void posture_read(struct platform_state *ps, const struct policy *p)
{
	if (p->require_lockdown)
		read_lockdown(ps);
	if (p->require_secureboot)
		read_secureboot(ps);
	if (p->require_dma_protection)
		read_dma(ps);
	if (p->nforbid_taint)
		read_taint(ps);
}
