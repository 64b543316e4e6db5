/* SPDX-License-Identifier: Apache-2.0 */
/* The child's I/O: a pty made inside the container and its master sent
 * over a console socket (runc --console-socket), plain stdio, and the sync
 * protocol with the parent (a raw struct pp_error down a socket). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"

int rt_terminal_create(int *ret_master, int *ret_slave, struct pp_error *err)
{
	cleanup_close int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int slave;

	if (master < 0)
		return pp_error(err, errno, "open /dev/ptmx");
	if (unlockpt(master) < 0)
		return pp_error(err, errno, "unlockpt");
	/* TIOCGPTPEER opens the peer of this very master, without a path lookup
	 * in a /dev/pts the container could have replaced. */
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return pp_error(err, errno, "open the pty slave (TIOCGPTPEER)");
	*ret_master = take_fd(&master);
	*ret_slave = slave;
	return 0;
}

int rt_terminal_make_controlling(int slave, struct pp_error *err)
{
	if (getsid(0) != getpid() && setsid() < 0)
		return pp_error(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return pp_error(err, errno, "make the pty the controlling terminal");
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return pp_error(err, errno, "dup the pty onto fd %d", i);
	return 0;
}

int rt_terminal_setup(int console_socket, struct pp_error *err)
{
	static const char ptmx[] = "/dev/ptmx"; /* runc sends the master's name with it */
	cleanup_close int master = -1;
	cleanup_close int slave = -1;
	int r;

	if (console_socket < 0)
		return pp_error_msg(err, EINVAL, "process.terminal: no console socket given");
	r = rt_terminal_create(&master, &slave, err);
	if (r >= 0 && (r = fdpass_send(console_socket, ptmx, sizeof(ptmx), master)) < 0)
		r = pp_error(err, r, "send the pty master over the console socket");
	if (r >= 0)
		r = rt_terminal_make_controlling(slave, err);
	return r;
}

int rt_stdio_setup(const int stdio[3], struct pp_error *err)
{
	int fds[3];

	/* Move every source above 2 first, so that dup2 onto 0..2 never
	 * clobbers a source that happens to be 0..2 itself. */
	for (int i = 0; i < 3; i++) {
		if (stdio[i] < 0)
			fds[i] = open("/dev/null", O_RDWR | O_CLOEXEC);
		else
			fds[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			return pp_error(err, errno, "stdio fd %d", i);
	}
	for (int i = 0; i < 3; i++) {
		if (dup2(fds[i], i) < 0)
			return pp_error(err, errno, "dup2 onto fd %d", i);
		(void)close(fds[i]);
	}
	return 0;
}

void rt_sync_send_error(int fd, const struct pp_error *err)
{
	struct pp_error e = *err;

	if (e.code == 0)
		e.code = EINVAL;
	(void)!write(fd, &e, sizeof(e));
}

int rt_sync_send_ok(int fd)
{
	struct pp_error e = {0};

	if (write(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		return -errno;
	return 0;
}

int rt_sync_send_hooks(int fd)
{
	struct pp_error e = {.code = RT_SYNC_HOOKS};

	if (write(fd, &e, sizeof(e)) != (ssize_t)sizeof(e))
		return -errno;
	return 0;
}

int rt_sync_wait_fd(int fd, int *ret_fd, struct pp_error *err)
{
	struct pp_error e;
	ssize_t n;

	*ret_fd = -1;
	n = fdpass_recv(fd, &e, sizeof(e), -1, ret_fd);
	if (n < 0)
		return pp_error(err, (int)n, "read from the container's init");
	if (n != (ssize_t)sizeof(e)) {
		if (*ret_fd >= 0)
			(void)close(take_fd(ret_fd));
		return pp_error_msg(err, EPIPE, "the container's init died during setup");
	}
	if (e.code == RT_SYNC_SECCOMP && *ret_fd >= 0)
		return 2;
	if (*ret_fd >= 0)
		(void)close(take_fd(ret_fd));
	if (e.code == 0)
		return 0;
	if (e.code == RT_SYNC_HOOKS)
		return 1;
	e.msg[sizeof(e.msg) - 1] = '\0';
	if (err != NULL)
		*err = e;
	return -e.code;
}

int rt_sync_wait(int fd, struct pp_error *err)
{
	int xfd, r = rt_sync_wait_fd(fd, &xfd, err);

	if (xfd >= 0) {
		(void)close(xfd);
		return pp_error_msg(err, EPROTO, "unexpected fd from the container's init");
	}
	return r;
}

/* Parent side of the first message: the final pid, or the intermediate's
 * error. Reaps the intermediate. */
int rt_sync_wait_pid(int sock, pid_t child, pid_t *ret_pid, struct pp_error *err)
{
	union {
		pid_t pid;
		struct pp_error err;
	} msg;
	ssize_t n;

	do
		n = recv(sock, &msg, sizeof(msg), 0);
	while (n < 0 && errno == EINTR);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(pid_t) && msg.pid > 0) {
		*ret_pid = msg.pid;
		return 0;
	}
	if (n == (ssize_t)sizeof(struct pp_error)) {
		*err = msg.err;
		err->msg[sizeof(err->msg) - 1] = '\0';
		return -(err->code > 0 ? err->code : EIO);
	}
	return pp_error_msg(err, EPIPE, "setup process died");
}
