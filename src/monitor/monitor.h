/* SPDX-License-Identifier: Apache-2.0 */
/* The per-pod monitor (`peapod monitor NAMESPACE/NAME`): one process per pod,
 * outside the pod's namespaces, parent of its containers. It starts the
 * sandbox and the containers, holds their ptys and stdin, writes their CRI
 * logs, reaps exits, restarts per restartPolicy with the kubelet's back-off,
 * and tears the pod down on delete. Its control socket is
 * RUN/pods/<uid>/monitor.sock; it keeps RUN/pods/<uid>/monitor.lock locked
 * while it lives. */
#pragma once

#include <stdbool.h>

struct pp_error;

/* What monitor_run() runs. */
struct monitor_opts {
	const char *root;      /* the state root (NULL: default) */
	const char *ns, *name; /* the pod */
	/* receives "ok\n" once every container was started (or failed to), or
	 * "error: <msg>\n" if the pod could not start; then closed. -1: none */
	int notify_fd;
	/* the pod's lock, already held, handed over by apply (see
	 * pod_lock_try()); -1: the monitor takes the lock */
	int lock_fd;
	/* the channel to the pod's supervisor (keeper.h), -1: none */
	int keeper_fd;
	/* take back a running pod from what the supervisor replays on
	 * keeper_fd, instead of starting the pod */
	bool adopt;
};

/* Run the monitor of a pod as o says. Returns the exit status for main(). */
int monitor_run(const struct monitor_opts *o);
