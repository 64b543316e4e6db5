/* SPDX-License-Identifier: Apache-2.0 */
/* Passing fds over an AF_UNIX socket (SCM_RIGHTS, unix(7)): one message,
 * at most one fd, for console sockets and the supervisor's keeper channel. */
#pragma once

#include <stddef.h>

/* Send len bytes of buf (len > 0: a stream socket carries no empty
 * message) and, when fd >= 0, a copy of fd on sock, in one sendmsg.
 * Borrows fd. Retries on EINTR; no SIGPIPE. 0 or -errno (-EPIPE when the
 * peer is gone). */
int fdpass_send(int sock, const void *buf, size_t len, int fd);

/* Receive one message of at most size bytes into buf and the fd sent with
 * it. timeout_ms < 0 waits as long as it takes. On success *ret_fd is the
 * fd, O_CLOEXEC (caller closes), or -1 when none came. Returns the bytes
 * received (0 at EOF, never with an fd), -ETIMEDOUT, -EAGAIN (a
 * non-blocking socket, nothing there), -EBADMSG (more fds or other control
 * data than one fd: every fd received is closed) or -errno. */
int fdpass_recv(int sock, void *buf, size_t size, int timeout_ms, int *ret_fd);
