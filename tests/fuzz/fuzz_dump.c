// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz_dump.c - libFuzzer target for the --lspci-dump reader: arbitrary
 * text as `lspci -xxxx` output. Each input is written to one unlinked
 * temporary file (read through /proc/self/fd/N)
 * and the model is built from it as `gpugate --lspci-dump FILE` does
 * (source_select, model_build: libpci's dump method reads the file, pcidev.c
 * fills the functions, dump.c merges repeated records and rebuilds the
 * tree from the bridges' bus numbers); then every function's config space
 * is loaded and the model freed. Linked with every source but main.c and
 * with the ASan-built libpci/libkmod/libmd of tests/fuzz/build-asan.sh.
 *
 * Invariants checked: the result is 0 or a negative errno, with a
 * NUL-terminated reason on failure; after success the functions are sorted
 * by address without repeats, each bdf is its address as "%04x:%02x:%02x.%u"
 * and model_find() finds each function by it; every parent is -1 or an existing function
 * other than itself, and a function whose place is unknown has parent -1;
 * 0 <= path_len <= MAX_DEPTH, every path entry is an existing function, the
 * last is the parent and the path is root first (each entry's parent is the
 * one before it) with bus numbers rising from the root down to the
 * function, all in its domain; nchildren matches the parents; first_path_err is the
 * first function with a path error; the chain from model_peer_first() lists,
 * in address order, exactly the functions beside the function (same parent,
 * or both on the same root bus; none whose place is unknown), and
 * model_slot_first() is the first function of its slot.
 *
 * And the gate's own invariant (issue 16): ats.disabled, run on every
 * protected function, never passes while an ATS, PRI or PASID capability
 * that the kernel would find in the bytes the dump holds (kernel_caps.h,
 * restated from drivers/pci/pci.c) has its Enable bit set, nor while the
 * function's config space could not be parsed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "dump.h"
#include "kernel_caps.h"
#include "model.h"
#include "policy.h"
#include "source.h"

#define TERMINATED(a) (memchr((a), '\0', sizeof(a)) != NULL)

static char path[64]; /* /proc/self/fd/N of an unlinked temporary file */
static int fd = -1;

/* Is @o beside @b: below the same bridge, or both on the same root bus? */
static bool beside(const struct pdev *o, const struct pdev *b)
{
	if (o->path_err || b->path_err)
		return false;
	if (b->parent >= 0)
		return o->parent == b->parent;
	return o->parent < 0 && o->domain == b->domain && o->bus == b->bus;
}

/* The peer chain of @b and its slot start, against their definitions. */
static void check_peers(const struct model *m, const struct pdev *b)
{
	int k = model_peer_first(m, b), first = 0;

	for (int o = 0; o < m->ndevs; o++) {
		if (!beside(&m->devs[o], b))
			continue;
		if (k != o)
			abort();
		k = m->devs[k].peer_next;
	}
	if (k != -1)
		abort();
	while (!model_same_slot(&m->devs[first], b))
		first++;
	if (model_slot_first(m, b) != first)
		abort();
}

static void check_model(const struct model *m)
{
	int first = -1;

	if (m->ndevs < 0 || (m->ndevs && !m->devs))
		abort();
	for (int i = 0; i < m->ndevs; i++) {
		const struct pdev *d = &m->devs[i];
		int children = 0;

		const struct pdev *prev = i ? &m->devs[i - 1] : NULL;
		char bdf[BDF_LEN];

		/* a domain may have 5 hex digits (VMD: 10000:e1:00.0) */
		snprintf(bdf, sizeof(bdf), "%04x:%02x:%02x.%u", d->domain, d->bus, d->dev, d->fn);
		if (!TERMINATED(d->bdf) || strcmp(bdf, d->bdf) || !TERMINATED(d->path_why))
			abort();
		if (prev &&
		    (prev->domain > d->domain ||
		     (prev->domain == d->domain &&
		      (prev->bus > d->bus ||
		       (prev->bus == d->bus &&
			(prev->dev > d->dev || (prev->dev == d->dev && prev->fn >= d->fn)))))))
			abort();
		if (model_find(m, d->bdf) != i)
			abort();
		if (d->parent < -1 || d->parent >= m->ndevs || d->parent == i)
			abort();
		if (d->path_err && d->parent != -1)
			abort();
		if (d->path_len < 0 || d->path_len > MAX_DEPTH)
			abort();
		for (int k = 0; k < d->path_len; k++) {
			int a = d->path[k];

			if (a < 0 || a >= m->ndevs || a == i)
				abort();
			if (m->devs[a].parent != (k ? d->path[k - 1] : -1))
				abort();
			/* bus numbers fall strictly towards the root, in one domain */
			if (m->devs[a].domain != d->domain ||
			    m->devs[a].bus >=
				(k + 1 < d->path_len ? m->devs[d->path[k + 1]].bus : d->bus))
				abort();
		}
		if (d->path_len && d->path[d->path_len - 1] != d->parent)
			abort();
		if (!d->path_err && d->parent >= 0 && d->path_len == 0)
			abort();
		for (int k = 0; k < m->ndevs; k++)
			children += !m->devs[k].path_err && m->devs[k].parent == i;
		if (children != d->nchildren)
			abort();
		check_peers(m, d);
		if (d->path_err && first < 0)
			first = i;
	}
	if (m->first_path_err != first)
		abort();
}

/* ats.disabled on each protected function of @m, judged against the kernel. */
static void check_translation(struct model *m, const struct policy *p)
{
	struct report r = {.mode = "check"};
	struct ctx c = {.m = m, .p = p, .r = &r};

	for (int i = 0; i < m->ndevs; i++) {
		struct pdev *d = &m->devs[i];
		int first = r.nfindings;

		if (!pdev_protected(d))
			continue;
		check_ats_disabled(&c, d);
		for (int k = first; k < r.nfindings; k++) {
			if (r.findings[k].status != ST_PASS)
				continue;
			if (!d->cfg_loaded || d->cfg_err ||
			    k_translation_enabled(d->cfg, d->cfg_len))
				abort();
		}
	}
	report_free(&r);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	char tmp[] = "/tmp/gpugate-fuzz-dump-XXXXXX";

	fd = mkstemp(tmp);
	if (fd < 0) {
		perror("fuzz_dump: mkstemp");
		abort();
	}
	unlink(tmp); /* nothing is left behind, however the run ends */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	struct model m;
	char err[512];
	int rc;

	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if (source_select(path))
		abort();
	policy_defaults(&p);
	memset(err, 0x55, sizeof(err));
	rc = model_build(&m, &p, err, sizeof(err));
	if (rc == 0) {
		check_model(&m);
		for (int i = 0; i < m.ndevs; i++)
			(void)model_config(&m.devs[i]);
		check_translation(&m, &p);
	} else if (rc > 0 || !TERMINATED(err)) {
		abort();
	}
	model_free(&m);
	source_select(NULL);
	return 0;
}
