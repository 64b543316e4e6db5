/* SPDX-License-Identifier: Apache-2.0 */
/* The keeper channel between a pod's supervisor and its monitor: an
 * AF_UNIX SOCK_SEQPACKET pair, one text message per packet, at most one fd
 * per packet (SCM_RIGHTS).
 *
 *   monitor → supervisor   "add STREAM NAME" + fd   keep a copy of this fd
 *                          "drop STREAM NAME"       close the copy
 *                          "done"                   the pod is gone: exit
 *   supervisor → monitor   "add STREAM NAME" + fd   a kept fd (on adoption)
 *                          "exit PID STATUS"        a reaped orphan (wait status)
 *                          "ready"                  end of the adoption replay
 *
 * STREAM is "out", "err", "in" or "pty"; NAME a container name (a DNS
 * label, never blank). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <sys/types.h>

#define KEEPER_MSG_MAX 256

/* Send msg (NUL-terminated, < KEEPER_MSG_MAX) with fd (-1: none) on sock.
 * 0 or -errno (-EPIPE when the peer is gone). */
int keeper_send(int sock, const char *msg, int fd);

/* Receive one message into buf (NUL-terminated) and its fd, if any, into
 * *ret_fd (O_CLOEXEC, caller closes; -1 when none). timeout_ms < 0 waits
 * forever. Returns the message length, 0 at EOF, -ETIMEDOUT, -EAGAIN (non
 * blocking socket, nothing there) or -errno. */
ssize_t keeper_recv(int sock, char buf[KEEPER_MSG_MAX], int *ret_fd, int timeout_ms);

/* Block SIGCHLD, SIGTERM, SIGINT and SIGHUP, ignore SIGPIPE, and return a
 * non-blocking signalfd for the first four (caller closes), or -errno. */
int monitor_signalfd(void);

/* Run the supervisor of pod ns/name: the process apply starts. It becomes a
 * child subreaper, forks the monitor (monitor_run() with a keeper channel)
 * and, when the monitor dies without finishing the pod (kill -9, a crash),
 * reaps the pod's orphaned processes and starts a new monitor
 * (`peapod monitor --adopt-fd=N`) that takes the pod back with the kept
 * fds and the exit statuses reaped meanwhile. Exits when the monitor says
 * "done" or exits by itself. notify_fd and lock_fd as monitor_run().
 * With adopt, the first monitor already takes back a pod whose monitor and
 * supervisor are both gone (nothing kept: an empty replay).
 * Returns the exit status for main(). */
int monitor_supervise(const char *root, const char *ns, const char *name, int notify_fd,
                      int lock_fd, bool adopt);
