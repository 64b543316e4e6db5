/* SPDX-License-Identifier: Apache-2.0 */
/* The keeper channel between the supervisor and its monitor (keeper.h),
 * and the monitor's side of what the supervisor keeps for it: a copy of
 * each container's stdio fd, so that a monitor killed and started again
 * loses none of it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "monitor/internal.h"
#include "monitor/keeper.h"
#include "util/fdpass.h"
#include "util/log.h"

int keeper_send(int sock, const char *msg, int fd)
{
	return fdpass_send(sock, msg, strlen(msg), fd);
}

ssize_t keeper_recv(int sock, char buf[KEEPER_MSG_MAX], int *ret_fd, int timeout_ms)
{
	int n;

	*ret_fd = -1;
	n = fdpass_recv(sock, buf, KEEPER_MSG_MAX - 1, timeout_ms, ret_fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

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
