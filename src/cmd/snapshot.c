// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * snapshot.c - capture exactly the files gpugate reads, so that `gpugate
 * --root DIR check` on the unpacked tar reaches the verdict it reaches on
 * the host it was taken from.
 *
 * The list is what model.c, libpci's sysfs method, the checks and libkmod
 * read: for each PCI function its /sys/bus/pci/devices link, its real
 * directory with the attributes and links read from it, and (protected
 * functions only) the ROM image as its rom file; the IOMMU groups and
 * units; the module parameters the checks look at; /proc; /dev/vfio (as
 * empty files) with the VFIO groups' dev numbers; the module index and the modprobe.d directories. Entries
 * are written sorted, with every parent directory, by tar.c.
 *
 * A file that does not exist is left out (it is missing on the copy too);
 * any other error reading one fails the snapshot. /proc files are read
 * whole: stat says 0 bytes for them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "posture.h"
#include "rom.h"
#include "snapshot.h"
#include "sysroot.h"
#include "tar.h"

#define SNAP_MAX_FILE (64u << 20)

enum item_type {
	IT_AUTO,  /* whatever is there: file, link or directory */
	IT_ROM,	  /* a protected function's ROM, read by rom.c */
	IT_EMPTY, /* an empty regular file (a /dev/vfio node) */
	IT_DIR,	  /* a directory, without its contents */
};

struct item {
	char *path; /* absolute system path: "/sys/..." */
	enum item_type type;
	const struct pdev *dev; /* IT_ROM */
};

struct snap {
	const struct policy *p;
	struct item *v;
	int n, cap;
	int err; /* first error, negative errno */
	char why[600];
	char root_real[PATH_MAX]; /* realpath of the root */
};

/* Record the first error. Always returns @err. */
static int snap_fail(struct snap *s, int err, const char *path, const char *what)
{
	if (!s->err) {
		s->err = err;
		snprintf(s->why, sizeof(s->why), "%s: %s: %s", path, what, strerror(-err));
	}
	return err;
}

/* 1 if @path exists, 0 if not; an error other than ENOENT is recorded. */
static int present(struct snap *s, const char *path)
{
	char real[PATH_MAX];
	struct stat st;

	if (sysroot_path(real, sizeof(real), path)) {
		snap_fail(s, -ENAMETOOLONG, path, "path");
		return 0;
	}
	if (!lstat(real, &st))
		return 1;
	if (errno != ENOENT && errno != ENOTDIR)
		snap_fail(s, -errno, path, "cannot stat");
	return 0;
}

/* Queue @path; one that does not exist is left out (except directories). */
static void add(struct snap *s, const char *path, enum item_type type, const struct pdev *dev)
{
	struct item *it;

	if (type != IT_DIR && !present(s, path))
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 1024;
		struct item *nv = realloc(s->v, (size_t)cap * sizeof(*nv));

		if (!nv) {
			snap_fail(s, -ENOMEM, path, "out of memory");
			return;
		}
		s->v = nv;
		s->cap = cap;
	}
	it = &s->v[s->n];
	it->path = strdup(path);
	if (!it->path) {
		snap_fail(s, -ENOMEM, path, "out of memory");
		return;
	}
	it->type = type;
	it->dev = dev;
	s->n++;
}

/* The entries of directory @dir; 0 when it does not exist. Frees nothing. */
static int list_dir(struct snap *s, const char *dir, struct dirent ***names)
{
	int n = sysroot_scandir(dir, names);

	if (n == -ENOENT || n == -ENOTDIR)
		return 0;
	if (n < 0) {
		snap_fail(s, n, dir, "cannot list");
		return 0;
	}
	return n;
}

static void free_names(struct dirent **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Add @dir and its entries whose names start with @prefix (NULL: all) as @type. */
static void add_dir_entries(struct snap *s, const char *dir, const char *prefix,
			    enum item_type type)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n = list_dir(s, dir, &names);

	add(s, dir, IT_AUTO, NULL);
	for (int i = 0; i < n; i++) {
		if (prefix && strncmp(names[i]->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		add(s, path, type, NULL);
	}
	if (n > 0)
		free_names(names, n);
}

/*
 * The system path that the link @path resolves to, into @out. Returns 0,
 * or -errno when it dangles or leaves the root (then only the link is
 * captured).
 */
static int resolve(struct snap *s, const char *path, char *out, size_t len)
{
	char real[PATH_MAX], res[PATH_MAX];
	size_t rl = strlen(s->root_real);

	if (sysroot_path(real, sizeof(real), path) || !realpath(real, res))
		return -ENOENT;
	if (!strcmp(s->root_real, "/"))
		rl = 0;
	if (strncmp(res, s->root_real, rl) || res[rl] != '/')
		return -EXDEV;
	snprintf(out, len, "%s", res + rl);
	return 0;
}

static void add_function(struct snap *s, const struct pdev *d)
{
	static const char *const attrs[] = {
		"vendor",	"device",	     "subsystem_vendor",   "subsystem_device",
		"class",	"revision",	     "irq",		   "resource",
		"config",	"modalias",	     "driver_override",	   "current_link_speed",
		"current_link_width", "boot_vga", "enable",		   "driver",
		"iommu_group",
	};
	char link[96], dir[PATH_MAX], path[PATH_MAX];

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s", d->bdf);
	add(s, link, IT_AUTO, NULL);
	if (resolve(s, link, dir, sizeof(dir)))
		return;
	add(s, dir, IT_DIR, NULL);
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, attrs[i]);
		add(s, path, IT_AUTO, NULL);
	}
	snprintf(path, sizeof(path), "%s/rom", dir);
	if (pdev_protected(d))
		add(s, path, IT_ROM, d);
}

static void add_groups(struct snap *s)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n = list_dir(s, "/sys/kernel/iommu_groups", &names);

	add(s, "/sys/kernel/iommu_groups", IT_AUTO, NULL);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", names[i]->d_name);
		add(s, path, IT_AUTO, NULL);
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices", names[i]->d_name);
		add_dir_entries(s, path, NULL, IT_AUTO);
	}
	if (n > 0)
		free_names(names, n);
}

/* /sys/class/iommu: the links, and the directories they point to. */
static void add_iommus(struct snap *s)
{
	struct dirent **names;
	char path[PATH_MAX], dir[PATH_MAX];
	int n = list_dir(s, "/sys/class/iommu", &names);

	add(s, "/sys/class/iommu", IT_AUTO, NULL);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/class/iommu/%s", names[i]->d_name);
		add(s, path, IT_AUTO, NULL);
		if (!resolve(s, path, dir, sizeof(dir)))
			add(s, dir, IT_DIR, NULL);
	}
	if (n > 0)
		free_names(names, n);
}

/* /sys/module/NAME and its parameters, when loaded. */
static void add_module(struct snap *s, const char *name)
{
	char path[PATH_MAX];
	size_t i;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	for (i = strlen("/sys/module/"); path[i]; i++)
		path[i] = path[i] == '-' ? '_' : path[i];
	if (sysroot_exists(path))
		return;
	add(s, path, IT_AUTO, NULL);
	strncat(path, "/parameters", sizeof(path) - strlen(path) - 1);
	add_dir_entries(s, path, NULL, IT_AUTO);
}

/* Host drivers (driver.host), modules of forbidden options, vfio*. */
static void add_modules(struct snap *s)
{
	struct dirent **names;
	char mod[POLICY_NAME_LEN * 2];
	int n = list_dir(s, "/sys/module", &names);

	for (int i = 0; i < s->p->nhost_drivers; i++)
		add_module(s, s->p->host_drivers[i]);
	for (int i = 0; i < s->p->nforbid; i++) {
		snprintf(mod, sizeof(mod), "%s", s->p->forbid[i]);
		if (strchr(mod, '.')) {
			*strchr(mod, '.') = '\0';
			add_module(s, mod);
		}
	}
	for (int i = 0; i < n; i++)
		if (!strncmp(names[i]->d_name, "vfio", 4))
			add_module(s, names[i]->d_name);
	if (n > 0)
		free_names(names, n);
}

/*
 * /dev/vfio (as empty files) and, for each group node, the kernel's
 * device of class "vfio" whose dev number bind.vfio compares it with.
 */
static void add_vfio(struct snap *s)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n = list_dir(s, "/dev/vfio", &names);

	add_dir_entries(s, "/dev/vfio", NULL, IT_EMPTY);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/class/vfio/%s", names[i]->d_name);
		add(s, path, IT_AUTO, NULL);
		snprintf(path, sizeof(path), "/sys/devices/virtual/vfio/%s/dev", names[i]->d_name);
		add(s, path, IT_AUTO, NULL);
	}
	if (n > 0)
		free_names(names, n);
}

/* Everything gpugate reads besides the PCI functions. */
static void add_host(struct snap *s, const struct model *m)
{
	static const char *const files[] = {
		"/proc/cmdline",  "/proc/bootconfig", "/proc/sys/kernel/osrelease", "/proc/interrupts",
		"/proc/cpuinfo", "/sys/kernel/security/lockdown", PROC_TAINTED, EFIVAR_SECUREBOOT,
		EFIVAR_SETUPMODE, ACPI_TABLE_DMAR, ACPI_TABLE_IVRS,
	};
	static const char *const modprobe[] = { "/etc/modprobe.d", "/run/modprobe.d",
						"/usr/local/lib/modprobe.d", "/lib/modprobe.d" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		add(s, files[i], IT_AUTO, NULL);
	add_groups(s);
	add_iommus(s);
	add_modules(s);
	add_vfio(s);
	if (m->kernel[0]) {
		/* says whether a missing /proc/bootconfig means none (model.c) */
		snprintf(path, sizeof(path), "/boot/config-%s", m->kernel);
		add(s, path, IT_AUTO, NULL);
		snprintf(path, sizeof(path), "/lib/modules/%s", m->kernel);
		add_dir_entries(s, path, "modules.", IT_AUTO);
	}
	for (size_t i = 0; i < sizeof(modprobe) / sizeof(modprobe[0]); i++)
		add_dir_entries(s, modprobe[i], NULL, IT_AUTO);
}

/* Add the directories above every item. */
static void add_parents(struct snap *s)
{
	char path[PATH_MAX];
	int n = s->n;

	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s", s->v[i].path);
		for (char *c = strrchr(path, '/'); c && c > path; c = strrchr(path, '/')) {
			*c = '\0';
			add(s, path, IT_DIR, NULL);
		}
	}
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : (int)x->type - (int)y->type;
}

/* Read all of @path (system path). Returns 0 or -errno. */
static int read_whole(const char *path, char **buf, size_t *len)
{
	for (size_t cap = 65536; cap <= SNAP_MAX_FILE; cap *= 4) {
		char *b = malloc(cap);
		ssize_t n;

		if (!b)
			return -ENOMEM;
		n = sysroot_read(path, b, cap);
		if (n >= 0 && (size_t)n < cap) {
			*buf = b;
			*len = (size_t)n;
			return 0;
		}
		free(b);
		if (n < 0)
			return (int)n;
	}
	return -EFBIG;
}

/* One file, link or directory as it is on disk. */
static int write_auto(struct snap *s, FILE *out, const char *path)
{
	char real[PATH_MAX], target[PATH_MAX], *data = NULL;
	struct stat st;
	size_t len = 0;
	int rc = sysroot_path(real, sizeof(real), path);

	if (rc)
		return snap_fail(s, rc, path, "path");
	if (lstat(real, &st))
		return errno == ENOENT ? 0 : snap_fail(s, -errno, path, "cannot stat");
	if (S_ISDIR(st.st_mode))
		return tar_add_dir(out, path + 1);
	if (S_ISLNK(st.st_mode)) {
		rc = sysroot_readlink(path, target, sizeof(target));
		if (rc)
			return snap_fail(s, rc, path, "cannot read link");
		return tar_add_symlink(out, path + 1, target);
	}
	if (!S_ISREG(st.st_mode)) /* a FIFO would block the read */
		return snap_fail(s, -EINVAL, path, "not a regular file, link or directory");
	if (!(st.st_mode & 0444))
		return 0; /* a write-only attribute (a parameter without show) */
	rc = read_whole(path, &data, &len);
	if (rc)
		return rc == -ENOENT ? 0 : snap_fail(s, rc, path, "cannot read");
	rc = tar_add_file(out, path + 1, data, len);
	free(data);
	return rc;
}

/* A protected function's ROM: the image, or an empty file when not read. */
static int write_rom(struct snap *s, FILE *out, const struct item *it)
{
	struct rom_info ri;
	char state[160];
	uint8_t *img = NULL;
	size_t len = 0;
	int rc = rom_load(it->dev, s->p->driver, &ri, &img, &len);

	if (rc)
		return snap_fail(s, rc, it->path, "cannot read");
	if (ri.state == ROM_NONE)
		return 0;
	if (ri.state != ROM_HASH) {
		rom_format(&ri, state, sizeof(state));
		fprintf(stderr, "gpugate: warning: ROM of %s: %s: captured as an empty file\n",
			it->dev->bdf, state);
	}
	rc = tar_add_file(out, it->path + 1, img, len);
	free(img);
	return rc;
}

static int write_item(struct snap *s, FILE *out, const struct item *it)
{
	switch (it->type) {
	case IT_DIR:
		return tar_add_dir(out, it->path + 1);
	case IT_EMPTY:
		return tar_add_file(out, it->path + 1, "", 0);
	case IT_ROM:
		return write_rom(s, out, it);
	default:
		return write_auto(s, out, it->path);
	}
}

/* Sort, drop repeated paths (the first type wins), write. */
static int write_tar(struct snap *s, FILE *out)
{
	int rc = 0;

	qsort(s->v, (size_t)s->n, sizeof(*s->v), item_cmp);
	for (int i = 0; !rc && !s->err && i < s->n; i++)
		if (!i || strcmp(s->v[i].path, s->v[i - 1].path))
			rc = write_item(s, out, &s->v[i]);
	if (!rc && !s->err)
		rc = tar_finish(out);
	return s->err ? s->err : rc;
}

/* Write the archive to OUT.tmp, then rename it to @out_path. */
static int write_out(struct snap *s, const char *out_path)
{
	char tmp[PATH_MAX];
	FILE *f;
	int rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", out_path) >= sizeof(tmp))
		return snap_fail(s, -ENAMETOOLONG, out_path, "output");
	f = fopen(tmp, "w");
	if (!f)
		return snap_fail(s, -errno, tmp, "cannot create");
	rc = write_tar(s, f);
	if (fclose(f) && !rc)
		rc = -EIO;
	if (!rc && rename(tmp, out_path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		snap_fail(s, rc, out_path, "cannot write");
	}
	return rc;
}

int snapshot_command(const struct policy *p, const char *out_path)
{
	struct snap s = { .p = p };
	struct policy plain = *p;
	struct model m;
	int rc;

	plain.baseline_file[0] = '\0'; /* a snapshot compares no baseline: collect none */
	rc = model_build_or_say(&m, &plain);

	if (!rc && !realpath(sysroot_is_redirected() ? sysroot_prefix() : "/", s.root_real)) {
		rc = snap_fail(&s, -errno, sysroot_prefix(), "cannot resolve the root");
	} else if (!rc) {
		add(&s, "/sys/bus/pci/devices", IT_AUTO, NULL);
		for (int i = 0; i < m.ndevs; i++)
			add_function(&s, &m.devs[i]);
		add_host(&s, &m);
		add_parents(&s);
		rc = s.err ? s.err : write_out(&s, out_path);
	}
	if (s.err)
		fprintf(stderr, "gpugate: snapshot: %s\n", s.why);
	for (int i = 0; i < s.n; i++)
		free(s.v[i].path);
	free(s.v);
	model_free(&m);
	return rc;
}
