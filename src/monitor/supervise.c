/* SPDX-License-Identifier: Apache-2.0 */
/* The pod's supervisor: a small parent above the monitor that keeps what a
 * killed monitor would lose. It is a child subreaper, so the containers of
 * a dead monitor become its children and their exit statuses are kept; it
 * holds copies of the containers' stdio fds, so their pipes and ptys stay
 * open and no output is lost; and it starts a new monitor that takes the
 * pod back (as containerd-shim and conmon outlive containerd and podman). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "monitor/keeper.h"
#include "monitor/monitor.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/fdpass.h"
#include "util/log.h"
#include "util/xalloc.h"

#define RESPAWN_MAX_DELAY_MS 30000
#define RESPAWN_STABLE_MS    10000

struct kept_fd {
	char tag[KEEPER_MSG_MAX]; /* "STREAM NAME" */
	int fd;
};

struct kept_exit {
	pid_t pid;
	int status;
};

struct sup {
	const char *root, *ns, *name;
	int lock_fd;
	pid_t mon; /* the monitor, 0 while none runs */
	int sock;  /* our end of the keeper channel, -1 when none */
	int sigfd;
	bool done; /* the monitor said the pod is gone */
	struct kept_fd *fds;
	size_t n_fds;
	struct kept_exit *exits; /* reaped, not yet told to a monitor */
	size_t n_exits;
	int64_t spawned_ms;
	int delay_ms; /* before the next respawn */
};

static void kept_drop(struct sup *s, const char *tag)
{
	for (size_t i = 0; i < s->n_fds; i++) {
		if (strcmp(s->fds[i].tag, tag) != 0)
			continue;
		(void)close(s->fds[i].fd);
		s->fds[i] = s->fds[--s->n_fds];
		return;
	}
}

static void kept_add(struct sup *s, const char *tag, int fd)
{
	kept_drop(s, tag); /* a restarted container's new fds replace the old */
	s->fds = xrealloc(s->fds, (s->n_fds + 1) * sizeof(*s->fds));
	snprintf(s->fds[s->n_fds].tag, sizeof(s->fds[0].tag), "%s", tag);
	s->fds[s->n_fds++].fd = fd;
}

/* Tell the monitor of the exits kept so far; keep them if it is gone. */
static void exits_flush(struct sup *s)
{
	size_t sent = 0;

	for (; s->sock >= 0 && sent < s->n_exits; sent++) {
		char msg[64];

		snprintf(msg, sizeof(msg), "exit %d %d", (int)s->exits[sent].pid,
		         s->exits[sent].status);
		if (keeper_send(s->sock, msg, -1) < 0)
			break;
	}
	memmove(s->exits, s->exits + sent, (s->n_exits - sent) * sizeof(*s->exits));
	s->n_exits -= sent;
}

static void channel_close(struct sup *s)
{
	if (s->sock >= 0)
		(void)close(s->sock);
	s->sock = -1;
}

/* One message from the monitor. */
static void channel_read(struct sup *s)
{
	char msg[KEEPER_MSG_MAX];
	int fd = -1;
	ssize_t n = keeper_recv(s->sock, msg, &fd, -1);

	if (n == -EAGAIN)
		return;
	if (n <= 0) { /* the monitor is gone; its SIGCHLD follows */
		channel_close(s);
		return;
	}
	if (strncmp(msg, "add ", 4) == 0 && fd >= 0) {
		kept_add(s, msg + 4, fd);
		return;
	}
	if (fd >= 0)
		(void)close(fd);
	if (strncmp(msg, "drop ", 5) == 0) {
		kept_drop(s, msg + 5);
	} else if (strcmp(msg, "done") == 0) {
		s->done = true;
		channel_close(s); /* the monitor waits for this EOF */
	}
}

/* In the child: exec a monitor that adopts the pod through fd 3. */
static void exec_adopting_monitor(struct sup *s, int sock)
{
	cleanup_free char *target = xstrfmt("%s/%s", s->ns, s->name);
	const char *argv[8];
	int n = 0;

	if (dup2(sock, 3) < 0 || (s->lock_fd >= 0 && dup2(s->lock_fd, 4) < 0))
		_exit(127);
	argv[n++] = "peapod";
	if (s->root != NULL) {
		argv[n++] = "--root";
		argv[n++] = s->root;
	}
	argv[n++] = "monitor";
	argv[n++] = "--adopt-fd=3";
	if (s->lock_fd >= 0)
		argv[n++] = "--lock-fd=4";
	argv[n++] = target;
	argv[n] = NULL;
	execv("/proc/self/exe", (char **)argv);
	_exit(127);
}

/* Start a monitor that adopts the pod, and replay to it what we kept. */
static int respawn(struct sup *s)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return log_error_errno(-errno, "socketpair");
	pid = fork();
	if (pid < 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return log_error_errno(-errno, "fork");
	}
	if (pid == 0) {
		sigset_t all;

		sigfillset(&all);
		(void)sigprocmask(SIG_UNBLOCK, &all, NULL);
		exec_adopting_monitor(s, sv[1]);
	}
	(void)close(sv[1]);
	s->sock = sv[0];
	s->mon = pid;
	s->spawned_ms = pp_now_ms();
	log_info("monitor restarted, pid %d", (int)pid);
	for (size_t i = 0; i < s->n_fds; i++) {
		cleanup_free char *msg = xstrfmt("add %s", s->fds[i].tag);

		(void)keeper_send(s->sock, msg, s->fds[i].fd);
	}
	exits_flush(s);
	(void)keeper_send(s->sock, "ready", -1);
	return 0;
}

static bool pod_still_there(const struct sup *s)
{
	struct stat st;

	/* teardown removes the lock's folder: nothing left to take back */
	return s->lock_fd >= 0 && fstat(s->lock_fd, &st) == 0 && st.st_nlink > 0;
}

/* The monitor exited with wait status: decide whether to take the pod back. */
static void monitor_died(struct sup *s, int status)
{
	bool quick = pp_now_ms() - s->spawned_ms < RESPAWN_STABLE_MS;
	pid_t pid = s->mon;

	s->mon = 0;
	channel_close(s);
	if (s->done || WIFEXITED(status) || !pod_still_there(s)) {
		s->done = true;
		return;
	}
	log_warn("monitor (pid %d) killed by signal %d; taking the pod back", (int)pid,
	         WTERMSIG(status));
	/* a monitor that keeps dying is started again with a growing delay */
	s->delay_ms = !quick ? 0 : (s->delay_ms == 0 ? 1000 : s->delay_ms * 2);
	if (s->delay_ms > RESPAWN_MAX_DELAY_MS)
		s->delay_ms = RESPAWN_MAX_DELAY_MS;
	s->spawned_ms = pp_now_ms() + s->delay_ms; /* respawn due then */
}

static void reap(struct sup *s)
{
	for (;;) {
		int status = 0;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			return;
		if (pid == s->mon) {
			monitor_died(s, status);
			continue;
		}
		/* an orphan of a dead monitor: a container, pause, a hook */
		s->exits = xrealloc(s->exits, (s->n_exits + 1) * sizeof(*s->exits));
		s->exits[s->n_exits++] = (struct kept_exit){.pid = pid, .status = status};
		exits_flush(s);
	}
}

static void handle_signals(struct sup *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(s);
		else if (s->mon > 0) /* SIGTERM/SIGINT: the monitor deletes the pod */
			(void)kill(s->mon, (int)si.ssi_signo);
	}
}

static int loop(struct sup *s)
{
	while (!(s->done && s->mon == 0)) {
		struct pollfd p[2] = {{.fd = s->sigfd, .events = POLLIN},
		                      {.fd = s->sock, .events = POLLIN}};
		int timeout = -1;

		if (s->mon == 0 && !s->done) {
			int64_t wait = s->spawned_ms - pp_now_ms();

			if (wait <= 0) {
				if (respawn(s) < 0)
					return 1;
				continue;
			}
			timeout = (int)wait;
		}
		if (poll(p, s->sock >= 0 ? 2 : 1, timeout) < 0 && errno != EINTR) {
			log_error_errno(-errno, "poll");
			return 1;
		}
		if (p[0].revents)
			handle_signals(s);
		if (s->sock >= 0 && p[1].revents)
			channel_read(s);
	}
	return 0;
}

static int setup(struct sup *s)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return log_error_errno(-errno, "PR_SET_CHILD_SUBREAPER");
	s->sigfd = monitor_signalfd();
	return s->sigfd;
}

int monitor_supervise(const char *root, const char *ns, const char *name, int notify_fd,
                      int lock_fd, bool adopt)
{
	struct sup s = {
	    .root = root, .ns = ns, .name = name, .lock_fd = lock_fd, .sock = -1, .sigfd = -1};
	/* without a supervisor: the monitor runs the pod in this process */
	const struct monitor_opts direct = {.root = root,
	                                    .ns = ns,
	                                    .name = name,
	                                    .notify_fd = notify_fd,
	                                    .lock_fd = lock_fd,
	                                    .keeper_fd = -1};
	int sv[2], r;
	pid_t pid;

	log_open("peapod-monitor", 0);
	if (setup(&s) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return adopt ? 1 : monitor_run(&direct);
	/* taking back a pod nobody kept anything of: an empty replay */
	pid = adopt && keeper_send(sv[0], "ready", -1) < 0 ? -1 : fork();
	if (pid < 0) {
		(void)close(sv[0]);
		(void)close(sv[1]);
		return adopt ? 1 : monitor_run(&direct);
	}
	if (pid == 0) {
		sigset_t all;

		(void)close(sv[0]);
		(void)close(s.sigfd);
		sigfillset(&all);
		(void)sigprocmask(SIG_UNBLOCK, &all, NULL);
		(void)prctl(PR_SET_CHILD_SUBREAPER, 0);
		_exit(monitor_run(&(struct monitor_opts){.root = root,
		                                         .ns = ns,
		                                         .name = name,
		                                         .notify_fd = notify_fd,
		                                         .lock_fd = lock_fd,
		                                         .keeper_fd = sv[1],
		                                         .adopt = adopt}));
	}
	if (notify_fd >= 0)
		(void)close(notify_fd); /* only the monitor reports to apply */
	(void)close(sv[1]);
	s.sock = sv[0];
	s.mon = pid;
	s.spawned_ms = pp_now_ms();
	r = loop(&s);
	for (size_t i = 0; i < s.n_fds; i++)
		(void)close(s.fds[i].fd);
	free(s.fds);
	free(s.exits);
	return r;
}
