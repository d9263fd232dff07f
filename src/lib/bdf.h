/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bdf.h - PCI addresses as the kernel names them: "%04x:%02x:%02x.%d"
 * (drivers/pci/probe.c pci_setup_device(), dev_set_name()). The domain is an
 * int printed with at least four hex digits, so it has four to eight: Intel
 * VMD creates domains from 10000 up (drivers/pci/controller/vmd.c
 * vmd_find_free_domain()). Every address gpugate parses from sysfs, a policy
 * or a baseline goes through bdf_parse(). Header only, so that the parsers'
 * unit tests and fuzz targets link nothing more. Touches nothing.
 */
#ifndef GPUGATE_BDF_H
#define GPUGATE_BDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define BDF_DOMAIN_MIN 4 /* hex digits of a domain, as the kernel prints it */
#define BDF_DOMAIN_MAX 8
/* "ffffffff:ff:1f.7" plus NUL, rounded up */
#define BDF_LEN 20

struct bdf_addr {
	unsigned int domain, bus, dev, fn;
};

/* The value of the @n hex digits at @s, or -1 if one is not a hex digit. */
static inline long bdf_hex(const char *s, size_t n)
{
	unsigned long v = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (d < 0)
			return -1;
		v = v << 4 | (unsigned long)d;
	}
	return (long)v;
}

/*
 * Parse the @n characters at @s as DOMAIN:BB:DD.F: a domain of 4 to 8 hex
 * digits, two for the bus, two for the device (at most 1f) and a function
 * digit 0-7, nothing else (no sign, no 0x, no blanks). Either case of hex
 * digit is accepted; callers that need the kernel's spelling compare with
 * bdf_format(). Returns true and fills @a when it is one.
 */
static inline bool bdf_parse(const char *s, size_t n, struct bdf_addr *a)
{
	size_t dn = n > 8 ? n - 8 : 0; /* ":bb:dd.f" is 8 characters */
	long dom, bus, dev;

	if (dn < BDF_DOMAIN_MIN || dn > BDF_DOMAIN_MAX || s[dn] != ':' || s[dn + 3] != ':' ||
	    s[dn + 6] != '.' || s[dn + 7] < '0' || s[dn + 7] > '7')
		return false;
	dom = bdf_hex(s, dn);
	bus = bdf_hex(s + dn + 1, 2);
	dev = bdf_hex(s + dn + 4, 2);
	if (dom < 0 || bus < 0 || dev < 0 || dev > 0x1f)
		return false;
	a->domain = (unsigned int)dom;
	a->bus = (unsigned int)bus;
	a->dev = (unsigned int)dev;
	a->fn = (unsigned int)(s[dn + 7] - '0');
	return true;
}

/* @a in the kernel's spelling, into @buf of BDF_LEN bytes. */
static inline void bdf_format(char *buf, const struct bdf_addr *a)
{
	snprintf(buf, BDF_LEN, "%04x:%02x:%02x.%u", a->domain & 0xffffffffu, a->bus & 0xffu,
		 a->dev & 0x1fu, a->fn & 7u);
}

/* True when the string @s is an address in exactly the kernel's spelling. */
static inline bool bdf_is_canonical(const char *s)
{
	struct bdf_addr a;
	char again[BDF_LEN];

	if (!bdf_parse(s, strlen(s), &a))
		return false;
	bdf_format(again, &a);
	return !strcmp(again, s);
}

#endif
