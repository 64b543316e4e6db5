/* SPDX-License-Identifier: Apache-2.0 */
/* `peapod attach`'s side of an attach: the request on the monitor's
 * control socket, then stdin to the container and its output to us as
 * frames (pod/monitor-proto.h), on util/tty.h's session loop. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "client/client.h"
#include "pod/monitor-proto.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/tty.h"
#include "util/xalloc.h"

static int send_frame(int fd, int type, const void *buf, size_t n)
{
	unsigned char hdr[ATTACH_HDR];
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)buf, n}};
	struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
	size_t left = sizeof(hdr) + n;

	hdr[0] = (unsigned char)type;
	attach_put_be32(hdr + 1, (uint32_t)n);
	while (left > 0) {
		ssize_t w = sendmsg(fd, &msg, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		left -= (size_t)w;
		while (w > 0 && msg.msg_iovlen > 0) {
			size_t k =
			    (size_t)w < msg.msg_iov->iov_len ? (size_t)w : msg.msg_iov->iov_len;

			msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + k;
			msg.msg_iov->iov_len -= k;
			w -= (ssize_t)k;
			if (msg.msg_iov->iov_len == 0) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return 0;
}

static int read_reply(int fd, char *line, size_t size)
{
	size_t n = 0;

	while (n + 1 < size) {
		ssize_t r = read(fd, line + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -ECONNRESET;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return 0;
}

int client_attach_open(const char *pod_dir, const char *ctr, bool in, bool tty, int *ret_fd,
                       struct pp_error *err)
{
	cleanup_free char *req = xstrfmt(MON_REQ_ATTACH " %s %s%s%s\n", ctr, in ? "i" : "",
	                                 tty ? "t" : "", in || tty ? "" : "-");
	cleanup_close int fd = client_monitor_connect(pod_dir, err);
	char line[512];

	if (fd < 0)
		return fd;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return pp_error(err, errno, "send attach request");
	if (read_reply(fd, line, sizeof(line)) < 0)
		return pp_error_msg(err, ECONNRESET, "the monitor closed the connection");
	if (strncmp(line, MON_REPLY_ERROR, strlen(MON_REPLY_ERROR)) == 0)
		return pp_error_msg(err, ESRCH, "%s", line + strlen(MON_REPLY_ERROR));
	if (strcmp(line, MON_REPLY_OK) != 0)
		return pp_error_msg(err, EBADMSG, "unexpected answer from the monitor");
	*ret_fd = take_fd(&fd);
	return 0;
}

struct session {
	int fd;
	bool sized; /* the first size was sent */
	int exit_code;
	int result; /* 128 + the signal that detached us, else 0 */
	unsigned char buf[ATTACH_HDR + ATTACH_FRAME_MAX];
	size_t len;
};

_Static_assert(TTY_CHUNK <= ATTACH_FRAME_MAX, "one read of stdin is one frame");

static void send_size(const struct session *s, const struct winsize *ws, int extra)
{
	unsigned short row = (unsigned short)(ws->ws_row + extra);
	unsigned short col = (unsigned short)(ws->ws_col + extra);
	unsigned char p[4] = {(unsigned char)(row >> 8), (unsigned char)row,
	                      (unsigned char)(col >> 8), (unsigned char)col};

	(void)send_frame(s->fd, ATTACH_RESIZE, p, sizeof(p));
}

static void session_resize(struct tty_session *t, const struct winsize *ws)
{
	struct session *s = t->data;

	/* one row and column more, then the real size: the shell redraws its
	 * prompt on a re-attach, as kubectl does it */
	if (!s->sized)
		send_size(s, ws, 1);
	s->sized = true;
	send_size(s, ws, 0);
}

/* Frames from the monitor. */
static int session_output(struct tty_session *t)
{
	struct session *s = t->data;
	ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - s->len);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? TTY_MORE : -errno;
	if (n == 0)
		return TTY_END;
	s->len += (size_t)n;
	while (s->len >= ATTACH_HDR) {
		size_t len = attach_get_be32(s->buf + 1);
		const unsigned char *p = s->buf + ATTACH_HDR;

		if (len > ATTACH_FRAME_MAX)
			return -EBADMSG;
		if (s->len < ATTACH_HDR + len)
			break;
		if (s->buf[0] == ATTACH_STDOUT || s->buf[0] == ATTACH_STDERR)
			(void)fs_write_all(
			    s->buf[0] == ATTACH_STDOUT ? STDOUT_FILENO : STDERR_FILENO, p, len);
		else if (s->buf[0] == ATTACH_EXIT && len == 4)
			s->exit_code = (int)attach_get_be32(p);
		s->len -= ATTACH_HDR + len;
		memmove(s->buf, s->buf + ATTACH_HDR + len, s->len);
	}
	return TTY_MORE;
}

static int session_input(struct tty_session *t, const char *buf, size_t n)
{
	struct session *s = t->data;

	if (n > 0 && send_frame(s->fd, ATTACH_STDIN, buf, n) == 0)
		return 0;
	/* end of input: the monitor detaches us, or closes stdin (stdinOnce) */
	(void)shutdown(s->fd, SHUT_WR);
	return -1;
}

static int session_signal(struct tty_session *t, const struct signalfd_siginfo *si)
{
	struct session *s = t->data;

	s->result = 128 + (int)si->ssi_signo;
	return TTY_END;
}

int client_attach_session(int fd, bool in, bool raw, int *ret_exit, struct pp_error *err)
{
	static const struct tty_session_ops ops = {.peer = session_output,
	                                           .input = session_input,
	                                           .resize = session_resize,
	                                           .signal = session_signal};
	struct session *s = xcalloc(1, sizeof(*s));
	struct tty_session t = {
	    .peer = fd, .pidfd = -1, .in = in, .raw = raw, .winsize = raw, .ops = &ops, .data = s};
	int r;

	s->fd = fd;
	s->exit_code = -1;
	(void)sigemptyset(&t.signals);
	(void)sigaddset(&t.signals, SIGINT);
	(void)sigaddset(&t.signals, SIGTERM);
	(void)sigaddset(&t.signals, SIGHUP);
	r = tty_session_run(&t, err);
	*ret_exit = s->exit_code;
	if (r == 0)
		r = s->result;
	free(s);
	return r;
}
