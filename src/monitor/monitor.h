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

/* Run the monitor of pod ns/name under root (NULL: default). notify_fd (-1
 * for none) receives "ok\n" once every container was started (or failed to)
 * or "error: <msg>\n" if the pod could not start; it is then closed.
 * Returns the exit status for main(). */
/* lock_fd (-1 for none) is the pod's lock, already held, handed over by
 * apply (see pod_lock_try()); without it the monitor takes the lock. */
/* keeper_fd (-1 for none) is the channel to the pod's supervisor
 * (keeper.h); with adopt, the monitor takes back a running pod from what
 * the supervisor replays on it instead of starting the pod. */
int monitor_run(const char *root, const char *ns, const char *name, int notify_fd, int lock_fd,
                int keeper_fd, bool adopt);
