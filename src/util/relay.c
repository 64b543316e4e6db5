/* SPDX-License-Identifier: Apache-2.0 */
/* The byte relay of a forwarded connection (relay.h): non-blocking recv and
 * send with MSG_NOSIGNAL, so a peer gone is an -EPIPE and never a SIGPIPE. */
#include "util/relay.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <sys/socket.h>

void relay_init(struct relay *r, int a, int b)
{
	r->fd[0] = a;
	r->fd[1] = b;
	for (int i = 0; i < 2; i++) {
		r->dir[i].off = r->dir[i].len = 0;
		r->dir[i].eof = r->dir[i].shut = false;
	}
}

short relay_events(const struct relay *r, int i)
{
	short ev = 0;

	if (!r->dir[i].eof && r->dir[i].len == 0)
		ev |= POLLIN;
	if (r->dir[1 - i].len > 0)
		ev |= POLLOUT;
	return ev;
}

static int dir_read(struct relay_dir *d, int from)
{
	ssize_t n = recv(from, d->buf, sizeof(d->buf), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		d->eof = true;
	d->off = 0;
	d->len = (size_t)n;
	return 0;
}

static int dir_write(struct relay_dir *d, int to)
{
	ssize_t n = send(to, d->buf + d->off, d->len, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	d->off += (size_t)n;
	d->len -= (size_t)n;
	return 0;
}

/* One direction: read when poll said so and the buffer is empty, write
 * what is pending (a send that would block just waits for POLLOUT), and
 * pass the end on once everything before it went out. */
static int dir_step(struct relay_dir *d, int from, int to, short from_revents)
{
	int r = 0;

	if (!d->eof && d->len == 0 && (from_revents & (POLLIN | POLLHUP | POLLERR)))
		r = dir_read(d, from);
	if (r == 0 && d->len > 0)
		r = dir_write(d, to);
	if (r == 0 && d->eof && d->len == 0 && !d->shut) {
		/* ENOTCONN: the other side is already gone both ways */
		if (shutdown(to, SHUT_WR) < 0 && errno != ENOTCONN)
			return -errno;
		d->shut = true;
	}
	return r;
}

int relay_step(struct relay *r, const short revents[2])
{
	for (int i = 0; i < 2; i++) {
		int k = dir_step(&r->dir[i], r->fd[i], r->fd[1 - i], revents[i]);

		if (k < 0)
			return k;
	}
	return r->dir[0].shut && r->dir[1].shut ? 0 : 1;
}

void relay_close(struct relay *r)
{
	for (int i = 0; i < 2; i++)
		if (r->fd[i] >= 0) {
			(void)close(r->fd[i]); /* a socket: nothing to flush */
			r->fd[i] = -1;
		}
}
