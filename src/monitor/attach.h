/* SPDX-License-Identifier: Apache-2.0 */
/* `peapod attach`: the client side of an attach to a container's main
 * process through the pod's monitor (RUN/pods/<uid>/monitor.sock).
 *
 * Protocol: the client sends one line "attach <container> <flags>\n" (flags
 * "-", or letters: i = stdin, t = terminal) and waits for "ok\n" or
 * "error <message>\n". Then both sides send frames: 1 byte type, 4 bytes
 * big-endian length, payload (at most ATTACH_FRAME_MAX bytes). The client
 * half-closes its side (shutdown SHUT_WR) when its stdin ends; the monitor
 * closes the connection when the container exits or the client detaches. */
#pragma once

#include <stdbool.h>

struct pp_error;

#define ATTACH_FRAME_MAX 32768
#define ATTACH_HDR       5

enum attach_frame {
	ATTACH_STDIN = 0,  /* client → monitor: bytes for the container's stdin */
	ATTACH_STDOUT = 1, /* monitor → client: what the container wrote (or its pty) */
	ATTACH_STDERR = 2, /* monitor → client */
	ATTACH_EXIT = 3,   /* monitor → client: 4 bytes, the exit code, then close */
	ATTACH_RESIZE = 4, /* client → monitor: rows, cols (2 bytes each) */
};

/* Connect to the monitor of the pod in pod_dir and attach to container ctr.
 * The monitor refuses a container that is not running ("container not
 * found (\"NAME\")"). *ret_fd (caller closes) is ready for
 * monitor_attach_session(). 0, -ECONNREFUSED/-ENOENT (no monitor), -ESRCH. */
int monitor_attach_open(const char *pod_dir, const char *ctr, bool in, bool tty, int *ret_fd,
                        struct pp_error *err);

/* Copy between the local stdin/stdout/stderr and the attach connection fd
 * (borrowed) until the monitor closes it. With raw, a terminal stdin is put
 * in raw mode (restored on return) and its size passed on, also at
 * SIGWINCH. SIGINT/SIGTERM/SIGHUP detach. Returns 0 when the container
 * exited or the client detached, 128+signal after a signal, or -errno;
 * *ret_exit gets the container's exit code when the monitor sent it, else
 * -1. */
int monitor_attach_session(int fd, bool in, bool raw, int *ret_exit, struct pp_error *err);
