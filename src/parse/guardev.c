// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * guardev.c - the names of the runtime guard's event kinds and outcomes.
 */
#include "guardev.h"

const char *guard_kind_name(enum guard_kind k)
{
	static const char *const names[GUARD_NKINDS] = {
		"add", "bind", "change", "once", "start", "poll", "vfio",
	};

	return names[k];
}

const char *guard_outcome_name(enum guard_outcome o)
{
	static const char *const names[GUARD_NOUTCOMES] = { "ok", "fixed", "finding", "error" };

	return names[o];
}
