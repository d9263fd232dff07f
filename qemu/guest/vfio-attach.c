// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-attach TAG BDF HOLD_S - the lab's VFIO user (guest only, static).
 *
 * Does what a VMM does before it hands a device to a guest: opens the
 * container (/dev/vfio/vfio) and the function's group (/dev/vfio/N, N from
 * the iommu_group link), VFIO_GROUP_SET_CONTAINER, VFIO_SET_IOMMU type1
 * (the IOMMU domain attach) and VFIO_GROUP_GET_DEVICE_FD (vfio-pci's open,
 * which resets the function). Each step is logged to /dev/kmsg as one
 * "LAB-VFIO ... TAG ..." record, so its kernel timestamp can be compared
 * with the guard's lines (TAG tells the runs of one boot apart). The file descriptors are held HOLD_S seconds, then closed
 * ("LAB-VFIO closed TAG BDF"). Exit status 0 only when every step worked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/vfio.h>

static int kmsg_fd = -1;

/* one line on stdout and one record in the kernel log */
static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	printf("%s\n", line);
	fflush(stdout);
	if (kmsg_fd >= 0 && write(kmsg_fd, line, (size_t)n) < 0)
		perror("vfio-attach: /dev/kmsg");
}

static const char *tag = "-";

static int fail(const char *what)
{
	say("LAB-VFIO FAILED %s %s: %s", tag, what, strerror(errno));
	return 1;
}

/* the IOMMU group number of BDF, from its iommu_group link; -1 on error */
static long group_of(const char *bdf)
{
	char path[PATH_MAX], target[PATH_MAX], *base, *end;
	ssize_t n;
	long g;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	errno = 0;
	g = strtol(base, &end, 10);
	if (errno || *end || end == base || g < 0) {
		errno = EINVAL;
		return -1;
	}
	return g;
}

int main(int argc, char **argv)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	char path[64];
	const char *bdf;
	int container, group, device;
	long g;
	unsigned hold;

	if (argc != 4) {
		fprintf(stderr, "usage: vfio-attach TAG BDF HOLD_SECONDS\n");
		return 2;
	}
	tag = argv[1];
	bdf = argv[2];
	hold = (unsigned)strtoul(argv[3], NULL, 10);
	kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	g = group_of(bdf);
	if (g < 0)
		return fail("iommu_group link");
	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		return fail("open /dev/vfio/vfio");
	if (ioctl(container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return fail("VFIO_GET_API_VERSION");
	if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) != 1)
		return fail("VFIO_CHECK_EXTENSION type1");
	snprintf(path, sizeof(path), "/dev/vfio/%ld", g);
	group = open(path, O_RDWR | O_CLOEXEC);
	if (group < 0)
		return fail(path);
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &st) < 0)
		return fail("VFIO_GROUP_GET_STATUS");
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		return fail("group not viable");
	}
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) < 0)
		return fail("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1_IOMMU) < 0)
		return fail("VFIO_SET_IOMMU type1");
	say("LAB-VFIO iommu-set %s %s group=%ld", tag, bdf, g);
	device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (device < 0)
		return fail("VFIO_GROUP_GET_DEVICE_FD");
	say("LAB-VFIO attached %s %s group=%ld hold=%us", tag, bdf, g, hold);
	sleep(hold);
	close(device);
	close(group);
	close(container);
	say("LAB-VFIO closed %s %s", tag, bdf);
	return 0;
}
