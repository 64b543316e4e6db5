/* SPDX-License-Identifier: Apache-2.0 */
/* fd plumbing shared by the monitor and the CLI: receiving a pty master over
 * a console socket, an interactive pty session (exec -t, on util/tty.h),
 * and the pipes of an exec without a terminal. */
#pragma once

#include <stdbool.h>

struct pp_error;

/* Receive one fd sent with SCM_RIGHTS on sock (waits up to timeout_ms).
 * *ret_fd is O_CLOEXEC, caller closes. 0, -ETIMEDOUT, -EBADMSG. */
int io_recv_fd(int sock, int timeout_ms, int *ret_fd, struct pp_error *err);

/* O_NONBLOCK on fd. 0 or -errno. */
int io_set_nonblock(int fd);

/* Copy between the local terminal (stdin/stdout) and a pty master until the
 * process behind pidfd has exited and the master is drained. With
 * with_stdin, copies stdin too and puts a tty stdin in raw mode (restored
 * on return). Passes the window size on at the start and at SIGWINCH.
 * 0 or -errno. */
int io_pty_session(int master, int pidfd, bool with_stdin, struct pp_error *err);

/* Copy stdin to in_w (closed at the end of stdin; -1: no stdin), out_r to
 * stdout and err_r to stderr until the process behind pidfd has exited,
 * then what is left in out_r and err_r: a container's exec never holds one
 * of the caller's fds. Takes in_w; borrows the others. 0 or -errno. */
int io_pipe_session(int in_w, int out_r, int err_r, int pidfd, struct pp_error *err);
