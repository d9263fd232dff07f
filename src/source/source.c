// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * source.c - the chosen data source (see source.h): the only state that
 * says whether the model comes from sysfs or from an lspci dump.
 */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

static const struct source *current = &source_sysfs;
static const char *dump_name;

int source_select(const char *file)
{
	struct stat st;

	current = &source_sysfs;
	dump_name = NULL;
	if (!file)
		return 0;
	if (stat(file, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (access(file, R_OK) < 0)
		return -errno;
	current = &source_dump;
	dump_name = file;
	return 0;
}

const struct source *source_current(void)
{
	return current;
}

const char *source_file(void)
{
	return dump_name;
}
