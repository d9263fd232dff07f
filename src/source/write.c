// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * write.c - every change gpugate makes to a device: config registers
 * through libpci (pcidev.c), sysfs attributes through sysroot.c. Each write
 * is read back; a value that does not stick (kernel lockdown, a hostile
 * device, a vanished one) is a failed action, with the reason in its why.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pci/header.h>

#include "acsx.h"
#include "kparam.h"
#include "lockdown.h"
#include "pcidev.h"
#include "report.h"
#include "sysroot.h"
#include "write.h"

/*
 * The fix for a config write of ACS bits 0-6 that lockdown refused, on this
 * kernel: they come from pci=config_acs= from Linux 6.11 on, and before
 * that only from the kernel's own defaults.
 */
static void lockdown_acs_fix(const struct write_ctx *w, const struct pdev *d, char *buf,
			     size_t len)
{
	char mask[8];

	if (kernel_at_least(w->kernel, CONFIG_ACS_MAJOR, CONFIG_ACS_MINOR)) {
		acs_mask(w->p, mask);
		snprintf(buf, len, "fix: boot with pci=config_acs=%s@%s (gpugate cmdline: all ports)",
			 mask, d->bdf);
		return;
	}
	snprintf(buf, len, "kernel %s has no pci=config_acs= (%d.%d+): pci=noats gets TB, a firmware-set DT cannot be cleared",
		 w->kernel[0] ? w->kernel : "unknown", CONFIG_ACS_MAJOR, CONFIG_ACS_MINOR);
}

/*
 * The fix for a config write that lockdown refused: ATS stays off only with
 * pci=noats; ACS bits see lockdown_acs_fix. The ACS Enhanced controls (@bits
 * 7-12) no pci=config_acs= carries: its mask is bits 0-6
 * (__pci_config_acs(), docs/kernel-facts.md §9).
 */
static void lockdown_fix(const struct write_ctx *w, const struct pdev *d, bool acs,
			 uint16_t bits, char *buf, size_t len)
{
	static const char enh[] = "pci=config_acs= cannot carry the ACS Enhanced controls (its mask is ACS Control bits 0-6): the firmware setup must set them";
	size_t n;

	if (!acs) {
		snprintf(buf, len, "fix: boot with pci=noats");
		return;
	}
	if (!(bits & ~ACSX_CTRL_BITS)) {
		snprintf(buf, len, "%s", enh);
		return;
	}
	lockdown_acs_fix(w, d, buf, len);
	n = strlen(buf);
	if (bits & ACSX_CTRL_BITS)
		snprintf(buf + n, len - n, "; %s", enh);
}

/* Say in @a why the write of @bits at @pos on @d failed: @wrote, @read_ok, value @back. */
static void reg_why(const struct write_ctx *w, struct action *a, const struct pdev *d, int pos,
		    uint16_t bits, bool wrote, bool read_ok, uint16_t back)
{
	if (wrote && read_ok) {
		snprintf(a->why, sizeof(a->why), "value did not read back (lockdown or device refused)");
		snprintf(a->after + strlen(a->after), sizeof(a->after) - strlen(a->after),
			 " (read 0x%04x)", back);
	} else if (!wrote && lockdown_active()) {
		char fix[320];

		lockdown_fix(w, d, pos == d->caps.acs + PCI_ACS_CTRL && d->caps.acs, bits, fix,
			     sizeof(fix));
		snprintf(a->why, sizeof(a->why), LOCKDOWN_REFUSED "%s] refused the write; %s",
			 lockdown_level(), fix);
	} else {
		snprintf(a->why, sizeof(a->why), "%s", wrote ? "read-back failed (device gone?)" :
			 "write failed (permission, or the device is gone)");
	}
}

int write_reg(const struct write_ctx *w, struct pdev *d, int pos, uint16_t set, uint16_t clear,
	      const char *what)
{
	char before_s[16], after_s[16];
	uint16_t before, after, back = 0;
	bool wrote, read_ok;
	struct action *a;
	int rc;

	rc = pcidev_read_word(d, pos, &before);
	if (rc) {
		a = report_action(w->r, d->bdf, what, "?", "?", false, w->dry_run);
		if (a)
			snprintf(a->why, sizeof(a->why), "cannot read config offset 0x%03x", pos);
		return rc;
	}
	after = (uint16_t)((before | set) & ~clear);
	if (after == before)
		return 0;
	snprintf(before_s, sizeof(before_s), "0x%04x", before);
	snprintf(after_s, sizeof(after_s), "0x%04x", after);
	if (w->dry_run) {
		report_action(w->r, d->bdf, what, before_s, after_s, true, true);
		return 0;
	}
	rc = pcidev_write_word(d, pos, after);
	wrote = !rc;
	read_ok = wrote && !pcidev_read_word(d, pos, &back);
	if (!rc && (!read_ok || back != after))
		rc = -EIO;
	a = report_action(w->r, d->bdf, what, before_s, after_s, !rc, false);
	if (a && rc)
		reg_why(w, a, d, pos, set | clear, wrote, read_ok, back);
	return rc;
}

/* Read @path back: its first line must be @value. Returns 0, -EIO or -errno. */
static int attr_reads_back(const char *path, const char *value, char *why, size_t len)
{
	char now[128];
	int rc = sysroot_read_line(path, now, sizeof(now));

	if (rc) {
		snprintf(why, len, "read back %s: %s", path, strerror(-rc));
		return rc;
	}
	if (strcmp(now, value)) {
		snprintf(why, len, "%s reads \"%s\" after writing \"%s\"", path, now, value);
		return -EIO;
	}
	return 0;
}

/*
 * Write @value to @attr of @d and, when @back, read it back. Recorded as an
 * action; returns 0 or -errno.
 */
static int attr_write(const struct write_ctx *w, struct pdev *d, const char *attr,
		      const char *value, const char *before, bool back)
{
	char path[128], why[sizeof(((struct action *)0)->why)] = "";
	struct action *a;
	int rc = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", d->bdf, attr);
	if (!w->dry_run)
		rc = sysroot_write(path, value);
	if (rc)
		snprintf(why, sizeof(why), "write %s: %s", path, strerror(-rc));
	else if (!w->dry_run && back)
		rc = attr_reads_back(path, value, why, sizeof(why));
	a = report_action(w->r, d->bdf, attr, before, value, !rc, w->dry_run);
	if (a && rc)
		snprintf(a->why, sizeof(a->why), "%s", why);
	return rc;
}

int write_attr(const struct write_ctx *w, struct pdev *d, const char *attr, const char *value,
	       const char *before)
{
	return attr_write(w, d, attr, value, before, false);
}

int write_probe(const struct write_ctx *w, struct pdev *d, const char *want)
{
	char path[128], now[64] = "";
	struct action *a;
	int rc;

	a = report_action(w->r, d->bdf, "drivers_probe", d->driver[0] ? "unbound" : "no driver",
			  want, true, w->dry_run);
	if (!a)
		return -ENOMEM;
	if (w->dry_run)
		return 0;
	rc = sysroot_write("/sys/bus/pci/drivers_probe", d->bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", d->bdf);
	if (!rc && (sysroot_link_name(path, now, sizeof(now)) || strcmp(now, want)))
		rc = -ENODEV;
	a->ok = !rc;
	if (rc)
		snprintf(a->why, sizeof(a->why), "%s", rc == -ENODEV ?
			 "the function is not bound to the driver after probing" : strerror(-rc));
	if (rc == -ENODEV)
		snprintf(a->after, sizeof(a->after), "%s", now[0] ? now : "no driver");
	return rc;
}

int write_attr_back(const struct write_ctx *w, struct pdev *d, const char *attr, const char *value,
		    const char *before)
{
	return attr_write(w, d, attr, value, before, true);
}

int write_driver_attr(const struct write_ctx *w, const char *driver, const char *attr,
		      const char *value)
{
	char path[160], what[96];
	struct action *a;
	int rc = 0;

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/%s", driver, attr);
	snprintf(what, sizeof(what), "%s %s", driver, attr);
	if (!w->dry_run)
		rc = sysroot_write(path, value);
	a = report_action(w->r, NULL, what, "", value, !rc, w->dry_run);
	if (a && rc)
		snprintf(a->why, sizeof(a->why), "write %s: %s", path, strerror(-rc));
	return rc;
}
