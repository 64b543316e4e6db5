/* SPDX-License-Identifier: Apache-2.0 */
/* SCM_RIGHTS receive and the interactive pty loop. */
#include "monitor/io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"

int io_recv_fd(int sock, int timeout_ms, int *ret_fd, struct pp_error *err)
{
	char byte;
	int fd = -1;
	int r = fdpass_recv(sock, &byte, 1, timeout_ms, &fd);

	if (r == -ETIMEDOUT)
		return pp_error_msg(err, ETIMEDOUT, "no terminal received on the console socket");
	if (r < 0 && r != -EBADMSG)
		return pp_error(err, r, "recvmsg on console socket");
	if (r < 0 || fd < 0)
		return pp_error_msg(err, EBADMSG, "console socket: no fd received");
	*ret_fd = fd;
	return 0;
}

int io_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static void winsize_pass(int master)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws); /* a closed slave makes this fail: harmless */
}

/* Copy what is readable on from to to. Returns bytes copied, 0 at EOF, -errno. */
static ssize_t pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -errno;
	if (n > 0 && fs_write_all(to, buf, (size_t)n) < 0)
		return -EPIPE;
	return n;
}

/* What is left in from (non-blocking): up to EOF, EAGAIN or an error. */
static void drain(int from, int to)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(from, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && fs_write_all(to, buf, (size_t)n) < 0)
			return;
}

static int session_loop(int master, int pidfd, int sigfd, bool with_stdin)
{
	bool in_open = with_stdin;

	for (;;) {
		struct pollfd p[4] = {
		    {.fd = master, .events = POLLIN},
		    {.fd = pidfd, .events = POLLIN},
		    {.fd = sigfd, .events = POLLIN},
		    {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
		};

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (pump(master, STDOUT_FILENO) <= 0)
				return 0; /* EIO: every slave fd is closed */
		}
		if (p[1].revents & POLLIN) {
			drain(master, STDOUT_FILENO);
			return 0;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			(void)!read(sigfd, &si, sizeof(si));
			winsize_pass(master);
		}
		if (p[3].revents & (POLLIN | POLLHUP) && pump(STDIN_FILENO, master) <= 0)
			in_open = false;
	}
}

int io_pty_session(int master, int pidfd, bool with_stdin, struct pp_error *err)
{
	struct termios saved, raw;
	bool restore = false;
	sigset_t mask;
	cleanup_close int sigfd = -1;
	int r;

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	(void)sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return pp_error(err, errno, "signalfd");
	if (with_stdin && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	if (with_stdin)
		winsize_pass(master);
	(void)io_set_nonblock(master);
	r = session_loop(master, pidfd, sigfd, with_stdin);
	if (restore)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (r < 0)
		return pp_error(err, r, "terminal session");
	return 0;
}

/* exec without a terminal: stdin → in_w, out_r → stdout, err_r → stderr. */
static int pipe_loop(int *in_w, int out_r, int err_r, int pidfd)
{
	bool out_open = true, err_open = true;

	for (;;) {
		struct pollfd p[4] = {
		    {.fd = out_open ? out_r : -1, .events = POLLIN},
		    {.fd = err_open ? err_r : -1, .events = POLLIN},
		    {.fd = pidfd, .events = POLLIN},
		    {.fd = *in_w >= 0 ? STDIN_FILENO : -1, .events = POLLIN},
		};

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    pump(out_r, STDOUT_FILENO) <= 0)
			out_open = false;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    pump(err_r, STDERR_FILENO) <= 0)
			err_open = false;
		if (p[2].revents & POLLIN) {
			drain(out_r, STDOUT_FILENO);
			drain(err_r, STDERR_FILENO);
			return 0;
		}
		if ((p[3].revents & (POLLIN | POLLHUP)) && pump(STDIN_FILENO, *in_w) <= 0)
			(void)close(take_fd(in_w));
	}
}

int io_pipe_session(int in_w, int out_r, int err_r, int pidfd, struct pp_error *err)
{
	cleanup_close int in = in_w;
	int r;

	if (io_set_nonblock(out_r) < 0 || io_set_nonblock(err_r) < 0)
		return pp_error(err, errno, "O_NONBLOCK");
	r = pipe_loop(&in, out_r, err_r, pidfd);
	if (r < 0)
		return pp_error(err, r, "exec session");
	return 0;
}
