/* SPDX-License-Identifier: Apache-2.0 */
/* The console socket's receiver, and the exec sessions: a pty (the loop is
 * util/tty.c's) or three pipes. */
#include "monitor/io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <sys/ioctl.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/tty.h"

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

static int pty_peer(struct tty_session *s)
{
	/* EIO: every slave fd is closed */
	return tty_copy(s->peer, STDOUT_FILENO) <= 0 ? TTY_END : TTY_MORE;
}

static int pty_exited(struct tty_session *s)
{
	tty_drain(s->peer, STDOUT_FILENO);
	return TTY_END;
}

static int pty_input(struct tty_session *s, const char *buf, size_t n)
{
	return n > 0 ? fs_write_all(s->peer, buf, n) : 0;
}

static void pty_resize(struct tty_session *s, const struct winsize *ws)
{
	(void)ioctl(s->peer, TIOCSWINSZ, ws); /* a closed slave makes this fail: harmless */
}

int io_pty_session(int master, int pidfd, bool with_stdin, struct pp_error *err)
{
	static const struct tty_session_ops ops = {
	    .peer = pty_peer, .input = pty_input, .resize = pty_resize, .exited = pty_exited};
	struct tty_session s = {.peer = master,
	                        .pidfd = pidfd,
	                        .in = with_stdin,
	                        .raw = with_stdin,
	                        .winsize = true,
	                        .ops = &ops};

	(void)sigemptyset(&s.signals);
	(void)io_set_nonblock(master);
	return tty_session_run(&s, err);
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
		    tty_copy(out_r, STDOUT_FILENO) <= 0)
			out_open = false;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    tty_copy(err_r, STDERR_FILENO) <= 0)
			err_open = false;
		if (p[2].revents & POLLIN) {
			tty_drain(out_r, STDOUT_FILENO);
			tty_drain(err_r, STDERR_FILENO);
			return 0;
		}
		if ((p[3].revents & (POLLIN | POLLHUP)) && tty_copy(STDIN_FILENO, *in_w) <= 0)
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
