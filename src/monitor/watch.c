/* SPDX-License-Identifier: Apache-2.0 */
/* The event loop's helpers every part of the monitor uses: the clock,
 * the signals the loop (and the supervisor's) reads from a signalfd, and
 * watching fds on the epoll set. */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "monitor/internal.h"
#include "monitor/keeper.h"
#include "util/log.h"

int mon_watch(struct mon *m, int fd, enum mon_ev kind, size_t idx)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = MON_EV(kind, idx)};

	if (epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return log_warn_errno(-errno, "epoll add fd %d", fd);
	return 0;
}

void mon_unwatch_close(struct mon *m, int *fd)
{
	if (*fd < 0)
		return;
	(void)epoll_ctl(m->ep, EPOLL_CTL_DEL, *fd, NULL);
	(void)close(*fd);
	*fd = -1;
}

int monitor_signalfd(void)
{
	sigset_t mask;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	(void)signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}
