/* SPDX-License-Identifier: Apache-2.0 */
/* A two-way byte relay between two connected, non-blocking stream sockets,
 * driven by the caller's poll loop: one buffer a direction, a half-close
 * (shutdown(SHUT_WR)) passed on when a side ends, done when both have. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define RELAY_BUF_SIZE 65536

struct relay_dir {
	size_t off, len; /* pending bytes: buf[off, off + len) */
	bool eof;        /* the reading side ended */
	bool shut;       /* the end passed on: shutdown(SHUT_WR) of the other side */
	char buf[RELAY_BUF_SIZE];
};

struct relay {
	int fd[2];
	struct relay_dir dir[2]; /* dir[i]: from fd[i] to fd[1 - i] */
};

/* Start relaying between a and b (taken: relay_close() closes them). */
void relay_init(struct relay *r, int a, int b);
/* The poll events fd[i] waits for now (POLLIN, POLLOUT or 0: then leave it
 * out of the poll set, a hung-up socket would wake the loop forever). */
short relay_events(const struct relay *r, int i);
/* Move what poll reported (revents of fd[0] and fd[1]). 1 while bytes may
 * still flow, 0 when both directions ended, -errno when a side failed
 * (-ECONNRESET, -EPIPE...): then close the relay. */
int relay_step(struct relay *r, const short revents[2]);
/* Close both fds. */
void relay_close(struct relay *r);
