/* SPDX-License-Identifier: Apache-2.0 */
/* Attach (kubectl attach): the monitor copies what a container writes to
 * every attached client as well as to its log, and what an -i client sends
 * to the container's stdin (pipe or pty master). A slow client is dropped,
 * never waited for. The client side is src/client/attach.c; the wire is
 * pod/monitor-proto.h's. */

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "monitor/internal.h"
#include "monitor/io.h"
#include "pod/monitor-proto.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define ATTACH_OUT_MAX ((size_t)1024 * 1024) /* queued for one client before it is dropped */
#define SLOTS          (MON_MAX_ATTACH + 1)

/* One attached client. */
struct mattach {
	int fd;
	bool in;      /* its input goes to the container's stdin */
	bool reading; /* its side is still open */
	bool blocked; /* the container's stdin is full: input waits */
	bool closing; /* the container exited: close once flushed */
	uint32_t events;
	char *out; /* frames queued for the client */
	size_t out_len, out_off, out_cap;
	unsigned char ibuf[ATTACH_HDR + ATTACH_FRAME_MAX]; /* frames from it */
	size_t ilen;
	size_t ioff; /* bytes of the first frame's payload already written */
};

struct mattach_set {
	struct mattach *cl[MON_MAX_ATTACH];
	int in_wait; /* dup of the stdin target, watched for EPOLLOUT, or -1 */
};

static int stdin_target(const struct mctr *c)
{
	return c->pty >= 0 ? c->pty : c->in;
}

static void client_drop(struct mon *m, size_t ci, size_t slot)
{
	struct mattach *cl = m->c[ci].att->cl[slot];

	(void)epoll_ctl(m->ep, EPOLL_CTL_DEL, cl->fd, NULL);
	(void)close(cl->fd);
	free(cl->out);
	free(cl);
	m->c[ci].att->cl[slot] = NULL;
}

static void client_events(struct mon *m, size_t ci, size_t slot)
{
	struct mattach *cl = m->c[ci].att->cl[slot];
	uint32_t ev = 0;
	struct epoll_event e = {.data.u64 = MON_EV(MON_EV_ATTACH, ci * SLOTS + slot)};

	if (cl->reading && !cl->blocked)
		ev |= EPOLLIN;
	if (cl->out_len > cl->out_off)
		ev |= EPOLLOUT;
	if (ev == cl->events)
		return;
	e.events = ev;
	cl->events = ev;
	(void)epoll_ctl(m->ep, EPOLL_CTL_MOD, cl->fd, &e);
}

/* Send what is queued without waiting. 0, or -1 when the client is gone. */
static int client_flush(struct mon *m, size_t ci, size_t slot)
{
	struct mattach *cl = m->c[ci].att->cl[slot];

	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			client_drop(m, ci, slot);
			return -1;
		}
		cl->out_off += (size_t)n;
	}
	if (cl->out_off == cl->out_len) {
		cl->out_off = cl->out_len = 0;
		if (cl->closing) {
			client_drop(m, ci, slot);
			return -1;
		}
	}
	client_events(m, ci, slot);
	return 0;
}

/* Queue one frame; a client that has fallen ATTACH_OUT_MAX behind is
 * dropped rather than stalling the container. 0 or -1 (dropped). */
static int client_queue(struct mon *m, size_t ci, size_t slot, int type, const void *buf, size_t n)
{
	struct mattach *cl = m->c[ci].att->cl[slot];

	if (cl->out_len - cl->out_off + ATTACH_HDR + n > ATTACH_OUT_MAX) {
		log_warn("attach client of '%s' too slow, disconnecting it",
		         mon_status(m, ci)->name);
		client_drop(m, ci, slot);
		return -1;
	}
	if (cl->out_off > 0) {
		memmove(cl->out, cl->out + cl->out_off, cl->out_len - cl->out_off);
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	if (cl->out_len + ATTACH_HDR + n > cl->out_cap) {
		cl->out_cap = cl->out_len + ATTACH_HDR + n + 16384;
		cl->out = xrealloc(cl->out, cl->out_cap);
	}
	cl->out[cl->out_len] = (char)type;
	attach_put_be32((unsigned char *)cl->out + cl->out_len + 1, (uint32_t)n);
	memcpy(cl->out + cl->out_len + ATTACH_HDR, buf, n);
	cl->out_len += ATTACH_HDR + n;
	return 0;
}

void mon_attach_output(struct mon *m, size_t idx, enum cri_stream s, const char *buf, size_t n)
{
	struct mattach_set *set = m->c[idx].att;
	int type = s == CRI_STDERR ? ATTACH_STDERR : ATTACH_STDOUT;

	for (size_t i = 0; set != NULL && i < MON_MAX_ATTACH; i++) {
		if (set->cl[i] == NULL || set->cl[i]->closing)
			continue;
		if (client_queue(m, idx, i, type, buf, n) == 0)
			(void)client_flush(m, idx, i);
	}
}

static void in_wait_stop(struct mon *m, struct mattach_set *set)
{
	mon_unwatch_close(m, &set->in_wait);
}

/* The container's stdin is full: watch it, resume the clients when it
 * drains. */
static void in_wait_start(struct mon *m, size_t ci)
{
	struct mattach_set *set = m->c[ci].att;
	struct epoll_event e = {.events = EPOLLOUT,
	                        .data.u64 = MON_EV(MON_EV_ATTACH, ci * SLOTS + MON_MAX_ATTACH)};

	if (set->in_wait >= 0)
		return;
	/* a dup, since the pty master is already watched for its output */
	set->in_wait = fcntl(stdin_target(&m->c[ci]), F_DUPFD_CLOEXEC, 3);
	if (set->in_wait >= 0 && epoll_ctl(m->ep, EPOLL_CTL_ADD, set->in_wait, &e) < 0) {
		(void)close(set->in_wait);
		set->in_wait = -1;
	}
}

void mon_attach_exit(struct mon *m, size_t idx, int code)
{
	struct mattach_set *set = m->c[idx].att;
	unsigned char b[4];

	if (set == NULL)
		return;
	in_wait_stop(m, set);
	attach_put_be32(b, (uint32_t)code);
	for (size_t i = 0; i < MON_MAX_ATTACH; i++) {
		if (set->cl[i] == NULL)
			continue;
		set->cl[i]->reading = false;
		if (client_queue(m, idx, i, ATTACH_EXIT, b, sizeof(b)) < 0)
			continue;
		set->cl[i]->closing = true;
		(void)client_flush(m, idx, i);
	}
}

/* Write the rest of the first frame's payload to the container's stdin.
 * 1 done, 0 when stdin is full (input now waits). */
static int stdin_write(struct mon *m, size_t ci, struct mattach *cl, size_t len)
{
	int fd = stdin_target(&m->c[ci]);

	while (fd >= 0 && cl->ioff < len) {
		ssize_t n = write(fd, cl->ibuf + ATTACH_HDR + cl->ioff, len - cl->ioff);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			cl->blocked = true;
			in_wait_start(m, ci);
			return 0;
		}
		if (n <= 0)
			break; /* the container closed its stdin: what is left is lost */
		cl->ioff += (size_t)n;
	}
	return 1;
}

static void frame_resize(struct mctr *c, const unsigned char *p, size_t len)
{
	struct winsize ws = {0};

	if (len < 4 || c->pty < 0)
		return;
	ws.ws_row = (unsigned short)(p[0] << 8 | p[1]);
	ws.ws_col = (unsigned short)(p[2] << 8 | p[3]);
	(void)ioctl(c->pty, TIOCSWINSZ, &ws);
}

/* Act on the whole frames received. 0, or -1 when the client was dropped
 * or its input has to wait. */
static int client_frames(struct mon *m, size_t ci, size_t slot)
{
	struct mattach *cl = m->c[ci].att->cl[slot];

	while (cl->ilen >= ATTACH_HDR) {
		size_t len = attach_get_be32(cl->ibuf + 1);

		if (len > ATTACH_FRAME_MAX) {
			log_warn("attach client of '%s': bad frame, disconnecting it",
			         mon_status(m, ci)->name);
			client_drop(m, ci, slot);
			return -1;
		}
		if (cl->ilen < ATTACH_HDR + len)
			break;
		if (cl->ibuf[0] == ATTACH_STDIN && cl->in && stdin_write(m, ci, cl, len) == 0) {
			client_events(m, ci, slot);
			return -1;
		}
		if (cl->ibuf[0] == ATTACH_RESIZE)
			frame_resize(&m->c[ci], cl->ibuf + ATTACH_HDR, len);
		cl->ioff = 0;
		cl->ilen -= ATTACH_HDR + len;
		memmove(cl->ibuf, cl->ibuf + ATTACH_HDR + len, cl->ilen);
	}
	return 0;
}

/* The client's input ended. With stdinOnce on a container without a tty,
 * the first client with stdin to end closes the container's stdin and
 * keeps the output until the container exits; otherwise the client
 * detaches. That is containerd's rule: for a tty container it never
 * closes the pty, whose master is also the output. */
static void client_eof(struct mon *m, size_t ci, size_t slot)
{
	const struct pod_container *pc = mon_spec(m, ci);
	struct mctr *c = &m->c[ci];
	struct mattach *cl = c->att->cl[slot];

	if (!(cl->in && pc->stdin_once && !pc->tty && c->in >= 0)) {
		client_drop(m, ci, slot);
		return;
	}
	log_info("stdinOnce: closing the stdin of container '%s'", mon_status(m, ci)->name);
	in_wait_stop(m, c->att);
	mon_drop_fd(m, ci, "in"); /* the supervisor's copy would keep it open */
	(void)close(c->in);
	c->in = -1;
	cl->reading = false;
	client_events(m, ci, slot);
}

static void client_input(struct mon *m, size_t ci, size_t slot)
{
	struct mattach *cl = m->c[ci].att->cl[slot];

	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t n;

		if (client_frames(m, ci, slot) < 0)
			return;
		n = read(cl->fd, cl->ibuf + cl->ilen, sizeof(cl->ibuf) - cl->ilen);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			client_drop(m, ci, slot);
			return;
		}
		if (n == 0) {
			client_eof(m, ci, slot);
			return;
		}
		cl->ilen += (size_t)n;
	}
}

/* Input of the clients that waited for the container's stdin. */
static void in_wait_done(struct mon *m, size_t ci)
{
	struct mattach_set *set = m->c[ci].att;

	in_wait_stop(m, set);
	for (size_t i = 0; i < MON_MAX_ATTACH; i++) {
		if (set->cl[i] == NULL || !set->cl[i]->blocked)
			continue;
		set->cl[i]->blocked = false;
		client_input(m, ci, i);
		if (m->c[ci].att->cl[i] != NULL) /* not dropped meanwhile */
			client_events(m, ci, i);
	}
}

void mon_attach_event(struct mon *m, size_t idx)
{
	size_t ci = idx / SLOTS, slot = idx % SLOTS;
	struct mattach *cl;

	if (ci >= MON_N(m) || m->c[ci].att == NULL)
		return;
	if (slot == MON_MAX_ATTACH) {
		in_wait_done(m, ci);
		return;
	}
	cl = m->c[ci].att->cl[slot];
	if (cl == NULL || client_flush(m, ci, slot) < 0)
		return;
	if (cl->reading && !cl->blocked) {
		client_input(m, ci, slot);
	} else if (!cl->reading) {
		/* no read interest: only a hang-up or an error wakes us */
		struct pollfd p = {.fd = cl->fd, .events = 0};

		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
			client_drop(m, ci, slot);
	}
}

/* An app or ephemeral container by name (the kubelet attaches to both). */
static int find_ctr(const struct mon *m, const char *name, size_t *ret)
{
	size_t i = pod_ctr_index(m->rec, name);

	if (i >= MON_N(m) || mon_is_init(m, i))
		return -ENOENT;
	*ret = i;
	return 0;
}

static int free_slot(struct mctr *c)
{
	if (c->att == NULL) {
		c->att = xcalloc(1, sizeof(*c->att));
		c->att->in_wait = -1;
	}
	for (int i = 0; i < MON_MAX_ATTACH; i++)
		if (c->att->cl[i] == NULL)
			return i;
	return -1;
}

void mon_attach_request(struct mon *m, int *fd, const char *req)
{
	char name[256] = "", flags[8] = "";
	cleanup_close int cfd = take_fd(fd);
	struct epoll_event e = {.events = EPOLLIN};
	struct mattach *cl;
	size_t ci = 0;
	int slot = -1;

	(void)epoll_ctl(m->ep, EPOLL_CTL_DEL, cfd, NULL);
	if (sscanf(req, "%255s %7s", name, flags) != 2 || find_ctr(m, name, &ci) < 0 ||
	    m->c[ci].pid <= 0) {
		/* the kubelet's words for a container that is not running */
		(void)!dprintf(cfd, MON_REPLY_ERROR "container not found (\"%s\")\n", name);
		return;
	}
	slot = free_slot(&m->c[ci]);
	if (slot < 0) {
		(void)!dprintf(cfd, MON_REPLY_ERROR "too many clients attached to container %s\n",
		               name);
		return;
	}
	if (fs_write_all(cfd, MON_REPLY_OK "\n", strlen(MON_REPLY_OK "\n")) < 0)
		return;
	if (m->c[ci].in >= 0)
		(void)io_set_nonblock(m->c[ci].in);
	(void)io_set_nonblock(cfd);
	cl = xcalloc(1, sizeof(*cl));
	cl->in = strchr(flags, 'i') != NULL;
	cl->reading = true;
	cl->events = EPOLLIN;
	e.data.u64 = MON_EV(MON_EV_ATTACH, ci * SLOTS + (size_t)slot);
	if (epoll_ctl(m->ep, EPOLL_CTL_ADD, cfd, &e) < 0) {
		free(cl);
		return;
	}
	cl->fd = take_fd(&cfd);
	m->c[ci].att->cl[slot] = cl;
	log_info("client attached to container '%s'%s", name, cl->in ? " with stdin" : "");
}
