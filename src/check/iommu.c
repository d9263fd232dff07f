// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iommu.c - the iommu.* checks: is DMA remapping really on, strict, and
 * remapping interrupts?
 *
 * cmdline.c checks what the operator asked for; these check what the kernel
 * did. Both are checked, because the Debian kernel enables the Intel
 * IOMMU without intel_iommu=on (CONFIG_INTEL_IOMMU_DEFAULT_ON_INTGPU_OFF) and
 * an explicit "off" wins over any default. Parameter semantics follow
 * intel_iommu_setup(), iommu_setup() (arch/x86/kernel/pci-dma.c),
 * iommu_set_def_domain_type() and iommu_dma_setup() in drivers/iommu.
 * The group types and /proc/interrupts are in the model (the sysfs
 * source's state hook reads them).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

/* Per protected function: is it behind an IOMMU at all? */
static void iommu_active_one(struct ctx *c, const struct pdev *d)
{
	struct finding *f;

	if (d->group >= 0 || d->group_err)
		return;
	f = check_add(c, "iommu.active", d, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "an IOMMU group");
	snprintf(f->actual, sizeof(f->actual), "no iommu_group link");
	finding_msg(f, "function is not behind any IOMMU: its DMA reaches all of host memory; fix: enable the IOMMU (VT-d/AMD-Vi in firmware, intel_iommu=on)");
}

void check_iommu_active(struct ctx *c)
{
	struct finding *f;

	if (c->m->iommu_err) {
		finding_unknown(check_add(c, "iommu.active", NULL, NULL, ST_FAIL),
				"cannot list /sys/class/iommu");
		return;
	}
	f = check_add(c, "iommu.active", NULL, NULL, c->m->iommus[0] ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "an IOMMU in /sys/class/iommu");
	snprintf(f->actual, sizeof(f->actual), "%s", c->m->iommus[0] ? c->m->iommus : "none");
	if (c->m->iommus[0])
		finding_msg(f, "IOMMU active: %s", c->m->iommus);
	else
		finding_msg(f, "no IOMMU is active (/sys/class/iommu is empty): devices DMA to physical memory unchecked; fix: enable VT-d or AMD-Vi in firmware and boot with intel_iommu=on (Intel)");
	for (int i = 0; i < c->m->ndevs; i++)
		if (pdev_protected(&c->m->devs[i]))
			iommu_active_one(c, &c->m->devs[i]);
}

void check_iommu_domain(struct ctx *c, struct pdev *d)
{
	const char *id = "iommu.domain";
	char path[96];
	const char *type;
	struct finding *f;
	int rc;
	enum status st;

	if (!check_has_group(c, id, d, "DMA"))
		return;
	rc = d->live ? d->live->type_err : -ENOMEM;
	if (rc) {
		snprintf(path, sizeof(path), "cannot read /sys/kernel/iommu_groups/%d/type: %s",
			 d->group, strerror(-rc));
		finding_unknown(check_add(c, id, d, NULL, ST_FAIL), path);
		return;
	}
	type = d->live->type;
	if (!strcmp(type, "DMA"))
		st = ST_PASS;
	else if (!strcmp(type, "DMA-FQ"))
		st = c->p->require_strict ? ST_FAIL : ST_PASS;
	else if (!strcmp(type, "identity"))
		st = c->p->forbid_identity ? ST_FAIL : ST_WARN;
	else
		st = ST_FAIL;
	f = check_add(c, id, d, NULL, st);
	snprintf(f->expected, sizeof(f->expected), c->p->require_strict ? "DMA" : "DMA or DMA-FQ");
	snprintf(f->actual, sizeof(f->actual), "group %d type %s", d->group, type);
	if (st == ST_PASS)
		finding_msg(f, "group %d uses a %s domain", d->group, type);
	else if (!strcmp(type, "DMA-FQ"))
		finding_msg(f, "group %d uses lazy invalidation (DMA-FQ); fix: boot with iommu.strict=1", d->group);
	else if (!strcmp(type, "identity"))
		finding_msg(f, "group %d is identity-mapped: the device's DMA is not translated; fix: remove iommu=pt / iommu.passthrough=1", d->group);
	else
		finding_msg(f, "group %d has default domain type '%s', not a translating DMA domain", d->group, type);
}

void check_iommu_irq_remap(struct ctx *c)
{
	const char *id = "iommu.irq_remap";
	const struct cmdline *cl = &c->m->cmdline;
	const struct irq_chips *q = &c->m->irq;
	const char *off = NULL;
	bool live = q->remapped, plain = q->plain;
	struct finding *f;
	int rc = q->err;

	if (!check_cmdline_read(c, id))
		return;
	if (cmdline_has_item(cl, "intremap", "off"))
		off = "intremap=off";
	else if (cmdline_has(cl, "nointremap"))
		off = "nointremap";
	if (!off && (rc || (!live && !plain))) {
		finding_unknown(check_add(c, id, NULL, NULL, ST_FAIL),
				rc ? "cannot read /proc/interrupts"
				   : "/proc/interrupts shows no IO-APIC or PCI-MSI interrupt chip: remapping state unknown");
		return;
	}
	f = check_add(c, id, NULL, NULL, live && !plain && !off ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "interrupt remapping enabled");
	snprintf(f->actual, sizeof(f->actual), "%s", off ? off : live && plain ? "IR- and plain interrupt chips" : live ? "IR- interrupt chips" : "no remapped interrupts");
	if (off)
		finding_msg(f, "%s disables interrupt remapping: a device can inject arbitrary interrupts (MSI spoofing); fix: remove it", off);
	else if (live && plain)
		finding_msg(f, "interrupt %s in /proc/interrupts goes through a plain IO-APIC or PCI-MSI chip, not a remapping (IR-) one: its device is outside interrupt remapping and can spoof MSIs; fix: make the firmware's DMAR/IVRS tables cover every device", q->irq);
	else if (!live)
		finding_msg(f, "no interrupt in /proc/interrupts goes through a remapping (IR-) chip: a device can spoof MSIs; fix: enable interrupt remapping (x2APIC/IR in firmware, no intremap=off)");
	else
		finding_msg(f, "interrupts are remapped (IR- chips in /proc/interrupts)");
}
