/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's side of what the supervisor keeps for it (keeper.h): a
 * copy of each container's stdio fd, so that a monitor killed and started
 * again loses none of it. */
#include <stdio.h>

#include "monitor/internal.h"
#include "monitor/keeper.h"
#include "util/log.h"

static void keeper_lost(struct mon *m)
{
	log_warn("the pod's supervisor is gone; running on without it");
	mon_unwatch_close(m, &m->keeper);
}

void mon_keep_fd(struct mon *m, size_t idx, const char *stream, int fd)
{
	char msg[KEEPER_MSG_MAX];

	if (m->keeper < 0 || fd < 0)
		return;
	(void)snprintf(msg, sizeof(msg), "add %s %s", stream, mon_status(m, idx)->name);
	if (keeper_send(m->keeper, msg, fd) < 0)
		keeper_lost(m);
}

void mon_drop_fd(struct mon *m, size_t idx, const char *stream)
{
	char msg[KEEPER_MSG_MAX];

	if (m->keeper < 0)
		return;
	(void)snprintf(msg, sizeof(msg), "drop %s %s", stream, mon_status(m, idx)->name);
	if (keeper_send(m->keeper, msg, -1) < 0)
		keeper_lost(m);
}
