/* SPDX-License-Identifier: Apache-2.0 */
/* Sockets made in a pod's network namespace, for port forwarding.
 *
 * A socket belongs to the network namespace it was created in, whoever
 * uses it later (socket(7), network_namespaces(7)). So one helper process,
 * forked once, joins the pod's namespace and makes the sockets; it hands
 * each one back over a SOCK_SEQPACKET pair (SCM_RIGHTS) and the forwarder
 * relays in its own namespace. The helper holds no host fd but its end of
 * that pair (every other fd, stdio included, closed before setns), never
 * execs, is not dumpable, dies with its parent (PR_SET_PDEATHSIG) and
 * connects without blocking, so a slow port never stalls the others.
 * A thread in the netns would share our fd table, listeners and stdio
 * included, with a namespace the pod owns; switching the main thread
 * back and forth would leave it stranded there if setns back failed. */
#include "pod/portfwd-dial.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/syscall.h"

#define DIAL_TIMEOUT_MS 10000 /* the helper answers at once; this only bounds a hung one */
#define HELPER_SOCK     3
#define HELPER_NETNS    4

struct dial_req {
	uint16_t port;
	uint8_t v6;
};

/* A non-blocking socket connecting to localhost:port in this thread's
 * network namespace. 0 with *ret_fd, or -errno. */
static int dial_local(bool v6, uint16_t port, int *ret_fd)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int r;

	if (fd < 0)
		return -errno;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	in6.sin6_addr = in6addr_loopback;
	r = v6 ? connect(fd, (struct sockaddr *)&in6, sizeof(in6))
	       : connect(fd, (struct sockaddr *)&in, sizeof(in));
	if (r < 0 && errno != EINPROGRESS) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* The helper's loop: a request in, an answer (0 and the socket, or -errno)
 * out; ends when the forwarder closes its end. */
static void helper_serve(void)
{
	struct dial_req q;
	ssize_t n;

	while ((n = recv(HELPER_SOCK, &q, sizeof(q), 0)) != 0) {
		int fd = -1, r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(q))
			return;
		r = dial_local(q.v6 != 0, q.port, &fd);
		if (fdpass_send(HELPER_SOCK, &r, sizeof(r), fd) < 0)
			return;
		if (fd >= 0)
			(void)close(fd);
	}
}

/* The forked helper: keep only the pair's end and the netns fd (as fds 3
 * and 4), join the pod's network namespace, report, serve. */
static __attribute__((noreturn)) void helper_main(int sock, int netns, pid_t parent)
{
	int a, b, r = 0;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	(void)prctl(PR_SET_DUMPABLE, 0); /* defence in depth: not ptrace-able by the pod */
	a = fcntl(sock, F_DUPFD_CLOEXEC, 10);
	b = fcntl(netns, F_DUPFD_CLOEXEC, 10);
	if (a < 0 || b < 0 || dup3(a, HELPER_SOCK, O_CLOEXEC) < 0 ||
	    dup3(b, HELPER_NETNS, O_CLOEXEC) < 0)
		_exit(1);
	if (sys_close_range(HELPER_NETNS + 1, ~0U, 0) < 0 || sys_close_range(0, 2, 0) < 0)
		_exit(1);
	if (setns(HELPER_NETNS, CLONE_NEWNET) < 0)
		r = -errno;
	(void)close(HELPER_NETNS);
	if (send(HELPER_SOCK, &r, sizeof(r), MSG_NOSIGNAL) != (ssize_t)sizeof(r) || r < 0)
		_exit(1);
	helper_serve();
	_exit(0);
}

/* The sandbox's network namespace, opened so that a recycled pid is never
 * used: pidfd (borrowed) first, then /proc/PID/ns/net, then the pidfd must
 * still be alive (so the file opened was that process's). */
static int netns_open(pid_t pid, int pidfd, int *ret_fd, struct pp_error *err)
{
	cleanup_close int fd = -1;
	char path[64];

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open '%s'", path);
	if (sys_pidfd_send_signal(pidfd, 0, NULL, 0) < 0)
		return pp_error(err, errno, "the pod's sandbox (pid %d)", (int)pid);
	*ret_fd = take_fd(&fd);
	return 0;
}

int portfwd_dialer_start(const struct pod_record *rec, struct portfwd_dialer *d,
                         struct pp_error *err)
{
	cleanup_close int netns = -1, mine = -1, theirs = -1;
	pid_t parent = getpid();
	int sv[2], r, status = 0, got = -1;

	*d = (struct portfwd_dialer){.sock = -1, .pid = 0, .pidfd = -1, .sandbox = -1};
	if (rec->sandbox_pid <= 0)
		return pp_error_msg(err, ESRCH, "the pod has no sandbox");
	d->sandbox = sys_pidfd_open(rec->sandbox_pid, 0);
	if (d->sandbox < 0)
		return pp_error(err, errno, "the pod's sandbox (pid %d)", (int)rec->sandbox_pid);
	if (rec->pod->host_network)
		return 0; /* no namespace of its own: dial from here */
	r = netns_open(rec->sandbox_pid, d->sandbox, &netns, err);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return pp_error(err, errno, "socketpair");
	mine = sv[0];
	theirs = sv[1];
	d->pid = fork();
	if (d->pid < 0)
		return pp_error(err, errno, "fork");
	if (d->pid == 0)
		helper_main(theirs, netns, parent);
	d->pidfd = sys_pidfd_open(d->pid, 0);
	d->sock = take_fd(&mine);
	if (d->pidfd < 0)
		return pp_error(err, errno, "pidfd_open");
	r = fdpass_recv(d->sock, &status, sizeof(status), DIAL_TIMEOUT_MS, &got);
	if (got >= 0)
		(void)close(got);
	if (r != (int)sizeof(status))
		return pp_error_msg(err, EIO, "the port-forward helper did not start");
	if (status < 0)
		return pp_error(err, -status, "join the pod's network namespace");
	return 0;
}

int portfwd_dialer_dial(struct portfwd_dialer *d, bool v6, uint16_t port, int *ret_fd)
{
	struct dial_req q = {.port = port, .v6 = v6};
	int status = 0, fd = -1, r;

	if (d->sock < 0)
		return dial_local(v6, port, ret_fd);
	if (send(d->sock, &q, sizeof(q), MSG_NOSIGNAL) < 0)
		return -errno;
	r = fdpass_recv(d->sock, &status, sizeof(status), DIAL_TIMEOUT_MS, &fd);
	if (r >= 0 && r != (int)sizeof(status))
		r = -EIO;
	if (r >= 0 && status == 0 && fd < 0)
		r = -EIO;
	if (r < 0 || status < 0) {
		if (fd >= 0)
			(void)close(fd);
		return r < 0 ? r : status;
	}
	*ret_fd = fd;
	return 0;
}

void portfwd_dialer_stop(struct portfwd_dialer *d)
{
	if (d->sock >= 0)
		(void)close(take_fd(&d->sock)); /* the helper sees EOF and exits */
	if (d->pidfd >= 0) {
		/* it may be gone already: ESRCH is fine */
		(void)sys_pidfd_send_signal(d->pidfd, SIGKILL, NULL, 0);
		(void)close(take_fd(&d->pidfd));
	}
	if (d->sandbox >= 0)
		(void)close(take_fd(&d->sandbox));
	if (d->pid > 0) {
		while (waitpid(d->pid, NULL, 0) < 0 && errno == EINTR)
			;
		d->pid = 0;
	}
}
