// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * platform.c - the platform.* checks: the posture of the host around the
 * IOMMU, by what the model read (struct platform_state, source/posture.c).
 *
 *   platform.lockdown        the kernel lockdown level is at least the policy's
 *   platform.secureboot      UEFI Secure Boot is on and enforcing (not in setup mode)
 *   platform.dma_protection  the firmware opted in to pre-boot DMA protection
 *                            (DMAR DMA_CTRL_PLATFORM_OPT_IN, IVRS IVinfo DMA remap)
 *   platform.taint           the kernel carries none of the forbidden taint flags
 *
 * Each runs only when its policy switch is on (checks.c). A state the model
 * could not read is undetermined, never a pass.
 */
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "platform.h"

/*
 * When the model could not read @pf for @id, add an undetermined finding
 * expecting @expected and return false.
 */
static bool platform_known(struct ctx *c, const char *id, const struct platform_file *pf,
			   const char *expected)
{
	struct finding *f;

	if (pf->read && !pf->err)
		return true;
	f = check_add(c, id, NULL, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "%s", expected);
	finding_unknown(f, pf->read ? pf->why : "not read (a gpugate bug)");
	return false;
}

void check_platform_lockdown(struct ctx *c)
{
	const char *id = "platform.lockdown", *want = platform_lockdown_words[c->p->require_lockdown];
	const struct platform_state *ps = &c->m->plat;
	char expected[64];
	struct finding *f;

	snprintf(expected, sizeof(expected), "lockdown %s or stronger", want);
	if (!platform_known(c, id, &ps->lockdown, expected))
		return;
	if (platform_lockdown_rank(ps->lockdown_level) >= c->p->require_lockdown) {
		f = check_add(c, id, NULL, NULL, ST_PASS);
		snprintf(f->expected, sizeof(f->expected), "%s", expected);
		snprintf(f->actual, sizeof(f->actual), "%s", ps->lockdown_level);
		finding_msg(f, "kernel lockdown is %s", ps->lockdown_level);
		return;
	}
	f = check_add(c, id, NULL, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "%s", expected);
	snprintf(f->actual, sizeof(f->actual), "%s", ps->lockdown_level);
	finding_msg(f, "kernel lockdown is %s, the policy requires %s; fix: boot with lockdown=%s (or UEFI Secure Boot, which Debian's kernel answers with integrity)",
		    ps->lockdown_level, want, want);
}

void check_platform_secureboot(struct ctx *c)
{
	const char *id = "platform.secureboot";
	const struct platform_state *ps = &c->m->plat;
	struct finding *f;

	if (!platform_known(c, id, &ps->secureboot, "Secure Boot enabled"))
		return;
	f = check_add(c, id, NULL, NULL, ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "Secure Boot enabled");
	if (!ps->secureboot_on) {
		snprintf(f->actual, sizeof(f->actual), "disabled");
		finding_msg(f, "UEFI Secure Boot is disabled (SecureBoot variable 0); fix: enable Secure Boot in the firmware setup");
	} else if (ps->setup_mode == 1) {
		snprintf(f->actual, sizeof(f->actual), "setup mode");
		finding_msg(f, "UEFI firmware is in setup mode (SetupMode variable 1): no platform key is enrolled, so Secure Boot enforces nothing; fix: enroll the platform key");
	} else {
		f->status = ST_PASS;
		snprintf(f->actual, sizeof(f->actual), "enabled");
		finding_msg(f, "UEFI Secure Boot is enabled%s",
			    ps->setup_mode ? " (SetupMode variable absent)" : " (user mode)");
	}
}

void check_platform_dma_protection(struct ctx *c)
{
	const char *id = "platform.dma_protection";
	const struct platform_state *ps = &c->m->plat;
	bool dmar = !strcmp(ps->dma_table, "DMAR");
	struct finding *f;
	char field[96];

	if (!platform_known(c, id, &ps->dma, "pre-boot DMA protection"))
		return;
	f = check_add(c, id, NULL, NULL, ps->dma_optin ? ST_PASS : ST_FAIL);
	snprintf(f->expected, sizeof(f->expected), "pre-boot DMA protection");
	platform_acpi_dma_describe(dmar ? ACPI_DMA_DMAR : ACPI_DMA_IVRS, ps->dma_flags, field,
				   sizeof(field));
	snprintf(f->actual, sizeof(f->actual), "%s: %s %s", field,
		 dmar ? "DMA_CTRL_PLATFORM_OPT_IN" : "DMA remap (bit 1)", ps->dma_optin ? "set" : "clear");
	if (ps->dma_optin)
		finding_msg(f, "the firmware kept the IOMMU protecting DMA until the kernel took over (%s)",
			    f->actual);
	else
		finding_msg(f, "the firmware does not say it protects DMA before the kernel's IOMMU driver starts (%s); fix: enable pre-boot DMA protection (\"Kernel DMA Protection\", VT-d/IOMMU pre-boot) in the firmware setup",
			    f->actual);
}

void check_platform_taint(struct ctx *c)
{
	const char *id = "platform.taint";
	const struct platform_state *ps = &c->m->plat;
	char expected[96] = "none of", have[128] = "";
	struct finding *f;
	int bad = 0;

	for (int i = 0; i < c->p->nforbid_taint; i++) {
		size_t used = strlen(expected);

		snprintf(expected + used, sizeof(expected) - used, " %c",
			 platform_taint_bit(c->p->forbid_taint[i])->letter);
	}
	if (!platform_known(c, id, &ps->taint, expected))
		return;
	for (int i = 0; i < c->p->nforbid_taint; i++) {
		const struct taint_flag *t = platform_taint_bit(c->p->forbid_taint[i]);
		size_t used = strlen(have);

		if (!(ps->taint_mask >> t->bit & 1))
			continue;
		bad++;
		snprintf(have + used, sizeof(have) - used, "%s%c", used ? " " : "", t->letter);
		f = check_add(c, id, NULL, NULL, ST_FAIL);
		snprintf(f->expected, sizeof(f->expected), "%s", expected);
		snprintf(f->actual, sizeof(f->actual), "%c (%s, bit %d)", t->letter, t->name, t->bit);
		finding_msg(f, "kernel is tainted %c: %s (/proc/sys/kernel/tainted %llu); a taint stays until reboot: fix: find the cause (dmesg, /sys/module/*/taint) and reboot without it",
			    t->letter, t->what, (unsigned long long)ps->taint_mask);
	}
	if (bad)
		return;
	f = check_add(c, id, NULL, NULL, ST_PASS);
	snprintf(f->expected, sizeof(f->expected), "%s", expected);
	snprintf(f->actual, sizeof(f->actual), "%llu", (unsigned long long)ps->taint_mask);
	finding_msg(f, "kernel carries none of the forbidden taint flags (/proc/sys/kernel/tainted %llu)",
		    (unsigned long long)ps->taint_mask);
}
