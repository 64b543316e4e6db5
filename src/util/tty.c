/* SPDX-License-Identifier: Apache-2.0 */
/* One loop for the local end of an interactive session: raw mode, window
 * size at SIGWINCH (signalfd), stdin to the caller, the peer to the
 * caller, until a callback ends it. */
#include "util/tty.h"

#include <errno.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/signalfd.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

int tty_copy(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -errno;
	if (n == 0)
		return 0;
	return fs_write_all(to, buf, (size_t)n) < 0 ? -EPIPE : 1;
}

void tty_drain(int from, int to)
{
	struct pollfd p = {.fd = from, .events = POLLIN};

	while (from >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
		if (tty_copy(from, to) <= 0)
			break;
}

static void resize(struct tty_session *s)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		s->ops->resize(s, &ws);
}

static int on_signal(struct tty_session *s, int sigfd)
{
	struct signalfd_siginfo si;

	if (read(sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return TTY_MORE;
	if (s->winsize && si.ssi_signo == SIGWINCH) {
		resize(s);
		return TTY_MORE;
	}
	return s->ops->signal(s, &si);
}

static int on_input(struct tty_session *s)
{
	char buf[TTY_CHUNK];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return TTY_MORE;
	if (n <= 0) {
		s->in = false;
		(void)s->ops->input(s, buf, 0); /* it is read no more, whatever it says */
		return TTY_MORE;
	}
	if (s->ops->input(s, buf, (size_t)n) < 0)
		s->in = false;
	return TTY_MORE;
}

static int loop(struct tty_session *s, int sigfd)
{
	for (;;) {
		struct pollfd p[4] = {
		    {.fd = s->peer, .events = POLLIN},
		    {.fd = s->pidfd, .events = POLLIN},
		    {.fd = sigfd, .events = POLLIN},
		    {.fd = s->in ? STDIN_FILENO : -1, .events = POLLIN},
		};
		int r = TTY_MORE;

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			r = s->ops->peer(s);
		if (r == TTY_MORE && (p[1].revents & POLLIN))
			r = s->ops->exited(s);
		if (r == TTY_MORE && (p[2].revents & POLLIN))
			r = on_signal(s, sigfd);
		if (r == TTY_MORE && (p[3].revents & (POLLIN | POLLHUP | POLLERR)))
			r = on_input(s);
		if (r != TTY_MORE)
			return r == TTY_END ? 0 : r;
	}
}

int tty_session_run(struct tty_session *s, struct pp_error *err)
{
	cleanup_close int sigfd = -1;
	struct termios saved, raw;
	bool restore = false;
	sigset_t mask = s->signals;
	int r;

	if (s->winsize)
		(void)sigaddset(&mask, SIGWINCH);
	if (!sigisemptyset(&mask)) {
		(void)sigprocmask(SIG_BLOCK, &mask, NULL);
		sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
		if (sigfd < 0)
			return pp_error(err, errno, "signalfd");
	}
	if (s->raw && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	if (s->winsize)
		resize(s);
	r = loop(s, sigfd);
	if (restore)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return r < 0 ? pp_error(err, r, "terminal session") : 0;
}
