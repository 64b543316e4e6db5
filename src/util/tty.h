/* SPDX-License-Identifier: Apache-2.0 */
/* The local end of an interactive session (exec -t, attach, pea run -t):
 * stdin in raw mode, the window size passed on at SIGWINCH, bytes pumped
 * between stdin/stdout and a peer (a pty master, a monitor's socket). */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct pp_error;
struct signalfd_siginfo;
struct tty_session;
struct winsize;

/* Most bytes read from stdin at once, the most ops->input is given. */
#define TTY_CHUNK 32768

/* What a callback returns: go on, or end the session; -errno ends it too
 * and is what tty_session_run() returns. */
#define TTY_MORE 0
#define TTY_END  1

/* The caller's half of a session. A callback may be NULL when the session
 * has nothing that calls it. */
struct tty_session_ops {
	/* s->peer is readable or hung up. A peer that can no longer be read
	 * but must not end the session is dropped with s->peer = -1. */
	int (*peer)(struct tty_session *s);
	/* n bytes (0 < n <= TTY_CHUNK) read from stdin; n == 0: stdin ended
	 * and is read no more. A negative return stops reading stdin. */
	int (*input)(struct tty_session *s, const char *buf, size_t n);
	/* The size of the local terminal: at the start and at each SIGWINCH. */
	void (*resize)(struct tty_session *s, const struct winsize *ws);
	/* A signal of s->signals (never SIGWINCH with s->winsize). */
	int (*signal)(struct tty_session *s, const struct signalfd_siginfo *si);
	/* s->pidfd is readable: the process behind it exited. */
	int (*exited)(struct tty_session *s);
};

struct tty_session {
	int peer;         /* read by ops->peer, or -1 */
	int pidfd;        /* read by ops->exited, or -1 */
	bool in;          /* read stdin into ops->input; false once it ended */
	bool raw;         /* a terminal stdin in raw mode while the session runs */
	bool winsize;     /* call ops->resize (stdin's size, else stdout's) */
	sigset_t signals; /* blocked (for good) and given to ops->signal */
	const struct tty_session_ops *ops;
	void *data; /* the caller's */
};

/* Run s until a callback ends it; stdin's terminal mode is restored on
 * return. Borrows every fd. 0 (ended by TTY_END) or -errno. */
int tty_session_run(struct tty_session *s, struct pp_error *err);

/* Copy what one read of from gives to to. 1 when something was copied or
 * nothing was there (EAGAIN, EINTR), 0 at EOF, -errno (a failed write as
 * well). */
int tty_copy(int from, int to);

/* Copy what from holds now (EOF, nothing more readable or an error
 * ends it): what a pty still has once its process is gone. */
void tty_drain(int from, int to);
