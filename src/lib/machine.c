// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * machine.c - the "may act on this machine" flag (see machine.h).
 */
#include "machine.h"

static bool may_act;

void machine_set_may_act(bool may)
{
	may_act = may;
}

bool machine_may_act(void)
{
	return may_act;
}
