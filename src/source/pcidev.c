// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pcidev.c - the bridge to libpci.
 *
 * libpci reports errors through a callback that must not return; the
 * default one exits the process. Here the callback records the message and
 * longjmps back to the call that was guarded, so a missing sysfs file
 * becomes a finding (access.config) instead of an exit from inside the
 * library. The access method is forced to linux-sysfs with sysfs.path under
 * the sysroot, because libpci's automatic probing would otherwise fall back
 * to the real /proc/bus/pci when the given tree is incomplete. With
 * --lspci-dump it is forced to libpci's dump method (lib/dump.c), which
 * reads the hex lines of `lspci -x/-xxx/-xxxx` output and cannot write.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "dump.h"
#include "fault.h"
#include "pcidev.h"
#include "source.h"
#include "sysroot.h"

static struct pci_access *pacc; /* the scan in progress; then model->pci */
static jmp_buf *guard;
static char last_msg[256];

static void pcidev_error(char *msg, ...) __attribute__((noreturn));
static int read_block(struct pci_dev *p, uint8_t *buf, int len);

static void pcidev_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(last_msg, sizeof(last_msg), msg, ap);
	va_end(ap);
	if (guard)
		longjmp(*guard, 1);
	/* A libpci error outside a guarded call is a programming error. */
	fprintf(stderr, "gpugate: libpci: %s\n", last_msg);
	abort();
}

static void pcidev_warning(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(last_msg, sizeof(last_msg), msg, ap);
	va_end(ap);
}

static void pcidev_debug(char *msg, ...)
{
	(void)msg;
}

static int pacc_open(char *err, size_t errlen)
{
	const char *dump_name = source_file();
	char path[PATH_MAX];
	jmp_buf jb;

	pacc = NULL;
	if (sysroot_path(path, sizeof(path), "/sys/bus/pci"))
		return -ENAMETOOLONG;
	pacc = pci_alloc();
	pacc->error = pcidev_error;
	pacc->warning = pcidev_warning;
	pacc->debug = pcidev_debug;
	pacc->method = source_current()->kind == SOURCE_DUMP ? PCI_ACCESS_DUMP
							     : PCI_ACCESS_SYS_BUS_PCI;
	guard = &jb;
	if (setjmp(jb)) {
		guard = NULL;
		snprintf(err, errlen, "%s%slibpci: %s", dump_name ? dump_name : "",
			 dump_name ? ": " : "", last_msg);
		return -EIO;
	}
	if (dump_name)
		pci_set_param(pacc, "dump.name", (char *)dump_name);
	else
		pci_set_param(pacc, "sysfs.path", path);
	pci_init(pacc);
	pci_scan_bus(pacc);
	guard = NULL;
	return 0;
}

/*
 * Fill IDs and class of one function; a libpci error marks it unreadable.
 * Only PCI_FILL_IDENT and PCI_FILL_CLASS: with sysfs that is the vendor,
 * device and class attributes (PCI_FILL_CLASS_EXT would open revision too,
 * which no check reads).
 */
static void pdev_fill(struct pdev *d, struct pci_dev *p)
{
	jmp_buf jb;

	d->handle = p;
	d->domain = (unsigned int)p->domain;
	d->bus = p->bus;
	d->dev = p->dev;
	d->fn = p->func;
	snprintf(d->bdf, sizeof(d->bdf), "%04x:%02x:%02x.%u", d->domain, d->bus, d->dev, d->fn);
	d->parent = -1;
	d->child_first = -1;
	d->peer_first = -1;
	d->peer_next = -1;
	d->card_first = -1;
	d->card_next = -1;
	d->group = -1;
	guard = &jb;
	if (setjmp(jb)) {
		guard = NULL;
		d->ident_err = -EIO;
		snprintf(d->ident_why, sizeof(d->ident_why), "%s", last_msg);
		return;
	}
	pci_fill_info(p, PCI_FILL_IDENT | PCI_FILL_CLASS);
	guard = NULL;
	d->vendor = p->vendor_id;
	d->device = p->device_id;
	d->class = p->device_class;
}

/*
 * In a dump the IDs come from the config header itself. A record without
 * the 64-byte header (a line of `lspci` or `lspci -nn` output mixed into
 * the file) would read as all ones, and a header that reads all ones names
 * no device: both leave the function's identity unknown.
 */
static void dump_check_header(struct pdev *d)
{
	uint8_t hdr[64];

	if (source_current()->kind != SOURCE_DUMP || d->ident_err)
		return;
	if (!read_block(d->handle, hdr, sizeof(hdr))) {
		d->ident_err = -ENODATA;
		snprintf(d->ident_why, sizeof(d->ident_why),
			 "the dump lists it without its config header (lspci -xxxx output has it)");
	} else if (dump_hole(d) >= 0 && dump_hole(d) < (int)sizeof(hdr)) {
		d->ident_err = -EIO;
		snprintf(d->ident_why, sizeof(d->ident_why),
			 "its config header in the dump lacks the line for offset 0x%02x",
			 dump_hole(d));
	} else if (cfg_word(hdr, PCI_VENDOR_ID) == 0xffff) {
		d->ident_err = -EIO;
		snprintf(d->ident_why, sizeof(d->ident_why),
			 "its config header in the dump reads all ones (device gone or hostile)");
	}
}

/* Numeric PCI address order of libpci's devices (domain, bus, device, function). */
static int pci_dev_cmp(const void *a, const void *b)
{
	const struct pci_dev *x = *(struct pci_dev *const *)a, *y = *(struct pci_dev *const *)b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return (int)x->func - (int)y->func;
}

/* libpci's devices in address order, in a new array of @n; NULL when out of memory. */
static struct pci_dev **sorted_devices(int n)
{
	struct pci_dev **v = calloc((size_t)n + 1, sizeof(*v));
	int i = 0;

	if (!v)
		return NULL;
	for (struct pci_dev *p = pacc->devices; p; p = p->next)
		v[i++] = p;
	qsort(v, (size_t)n, sizeof(*v), pci_dev_cmp);
	return v;
}

int pcidev_scan(struct model *m, char *err, size_t errlen)
{
	struct pci_dev *p, **sorted;
	int n = 0, rc = pacc_open(err, errlen);

	m->pci = pacc; /* each model frees its own, even after a failed scan */
	if (rc)
		return rc;
	for (p = pacc->devices; p; p = p->next)
		n++;
	m->devs = calloc((size_t)n + 1, sizeof(*m->devs));
	sorted = m->devs ? sorted_devices(n) : NULL;
	if (!sorted) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* sorted pointers, not sorted pdevs: a pdev is most of a kilobyte */
	for (int i = 0; i < n; i++) {
		pdev_fill(&m->devs[m->ndevs], sorted[i]);
		dump_check_header(&m->devs[m->ndevs++]);
	}
	free(sorted);
	return 0;
}

/* Read @len bytes from offset 0; 1 on success. */
static int read_block(struct pci_dev *p, uint8_t *buf, int len)
{
	jmp_buf jb;
	int ok;

	if (fault_check(FAULT_READ))
		return 0;
	guard = &jb;
	if (setjmp(jb)) {
		guard = NULL;
		return 0;
	}
	ok = pci_read_block(p, 0, buf, len);
	guard = NULL;
	return ok;
}

/*
 * libpci reads whole blocks only. A 4096-byte read failed and a 256-byte
 * one worked: find how many bytes there really are, since caps.c decides by
 * the length whether an extended space exists (pci_cfg_space_size()). A
 * sysfs config file is 256 or 4096 bytes; a --root tree or an lspci dump
 * (libpci's dump.c: up to the last byte listed) may hold any count between.
 */
static size_t readable_len(struct pci_dev *p, uint8_t *buf)
{
	int lo = CFG_SPACE_STD, hi = CFG_SPACE_EXT;

	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;

		if (read_block(p, buf, mid))
			lo = mid;
		else
			hi = mid;
	}
	return read_block(p, buf, lo) ? (size_t)lo : 0;
}

int pcidev_load_config(struct pdev *d)
{
	const struct source *s = source_current();
	char *why = d->cfg_why;
	size_t whylen = sizeof(d->cfg_why);

	static const int sizes[] = { CFG_SPACE_EXT, CFG_SPACE_STD, 64 };

	if (d->cfg_loaded)
		return d->cfg_err;
	d->cfg_loaded = true;
	d->cfg = malloc(CFG_SPACE_EXT);
	if (!d->cfg) {
		snprintf(why, whylen, "out of memory");
		return d->cfg_err = -ENOMEM;
	}
	last_msg[0] = '\0';
	if (s->config_open && (d->cfg_err = s->config_open(d, why, whylen)))
		return d->cfg_err;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (read_block(d->handle, d->cfg, sizes[i])) {
			d->cfg_len = sizes[i] == CFG_SPACE_STD ? readable_len(d->handle, d->cfg)
							       : (size_t)sizes[i];
			d->cfg_err = caps_parse(d->cfg, d->cfg_len, &d->caps, why, whylen);
			if (!d->cfg_err && s->config_check)
				d->cfg_err = s->config_check(d, why, whylen);
			if (d->cfg_err == -ENODATA)
				snprintf(why + strlen(why), whylen - strlen(why), "%s",
					 s->nodata_hint);
			return d->cfg_err;
		}
	}
	snprintf(why, whylen, "cannot read config space%s%s", last_msg[0] ? ": " : "",
		 last_msg);
	return d->cfg_err = -EIO;
}

int pcidev_read_word(struct pdev *d, int pos, uint16_t *val)
{
	uint8_t b[2];
	jmp_buf jb;
	int ok;

	if (fault_check(FAULT_READ))
		return -EIO;
	guard = &jb;
	if (setjmp(jb)) {
		guard = NULL;
		return -EIO;
	}
	ok = pci_read_block(d->handle, pos, b, 2);
	guard = NULL;
	if (!ok)
		return -EIO;
	*val = (uint16_t)(b[0] | b[1] << 8);
	return 0;
}

int pcidev_write_word(struct pdev *d, int pos, uint16_t val)
{
	uint8_t b[2] = { (uint8_t)val, (uint8_t)(val >> 8) };
	jmp_buf jb;
	int ok, err = fault_check(FAULT_WRITE);

	if (err)
		return err;
	if (!source_current()->writable)
		return -EROFS; /* libpci's dump method cannot write */
	if (fault_nostick())
		return 0;
	if (fault_refuse())
		return -EPERM;
	guard = &jb;
	if (setjmp(jb)) {
		guard = NULL;
		return -EIO;
	}
	ok = pci_write_block(d->handle, pos, b, 2);
	guard = NULL;
	return ok ? 0 : -EIO;
}

int pcidev_peek_config(struct pdev *d, uint8_t *buf, size_t len)
{
	static const int sizes[] = { CFG_SPACE_EXT, CFG_SPACE_STD, 64 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if ((size_t)sizes[i] <= len && read_block(d->handle, buf, sizes[i]))
			return sizes[i];
	return -EIO;
}

void pcidev_cleanup(struct model *m)
{
	for (int i = 0; i < m->ndevs; i++)
		free(m->devs[i].cfg);
	free(m->devs);
	m->devs = NULL;
	m->ndevs = 0;
	if (m->pci)
		pci_cleanup(m->pci);
	if (pacc == m->pci)
		pacc = NULL;
	m->pci = NULL;
}
