/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the pod layer: connections made in a pod's network namespace
 * (portfwd-dial.c), for portfwd.c. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

struct pp_error;
struct pod_record;

/* Makes sockets in the pod's network namespace: a helper process there
 * (sock, pid, pidfd), or nothing for a hostNetwork pod (sock -1). */
struct portfwd_dialer {
	int sock;
	pid_t pid;
	int pidfd;
	int sandbox; /* pidfd of the pod's pause: readable (POLLIN) once it exited */
};

/* Start the dialer of rec's pod. 0 or -errno (-ESRCH: the sandbox is
 * gone). portfwd_dialer_stop() in every case. */
int portfwd_dialer_start(const struct pod_record *rec, struct portfwd_dialer *d,
                         struct pp_error *err);
/* A non-blocking socket connecting to 127.0.0.1:port (::1 with v6) in the
 * pod: wait for POLLOUT, then read SO_ERROR. *ret_fd caller closes. 0, or
 * -errno of the socket or connect (-ECONNREFUSED) or of the helper. */
int portfwd_dialer_dial(struct portfwd_dialer *d, bool v6, uint16_t port, int *ret_fd);
/* End the helper (SIGKILL, reaped) and close its fds. */
void portfwd_dialer_stop(struct portfwd_dialer *d);
