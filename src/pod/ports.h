/* SPDX-License-Identifier: Apache-2.0 */
/* Host ports (containers[].ports[].hostPort, and every port of a
 * hostNetwork pod) as kube-scheduler's NodePorts filter checks them on
 * this one machine. */
#pragma once

#include <stdbool.h>

struct pp_error;
struct pod;
struct pod_port;
struct pod_paths;
struct pod_record;

/* kube-scheduler's words when no node has the ports free. */
#define POD_PORTS_UNSCHEDULABLE \
	"0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."

/* Do two ports clash on the host: both host ports, the same port and
 * protocol, and the same hostIP or either unset or 0.0.0.0? */
bool pod_port_conflict(const struct pod_port *a, const struct pod_port *b);
/* Does a port of pod a's app containers clash with one of pod b's? */
bool pod_ports_conflict(const struct pod *a, const struct pod *b);
/* Does a pod on this machine hold its host ports (it is neither Succeeded
 * nor Failed; a pod being deleted holds them until it is gone)? */
bool pod_holds_ports(const struct pod_record *rec);

/* Before a new pod is claimed: take RUN/ports.lock (waiting for it) and
 * check pod's host ports against every pod on this machine. *ret_lockfd is
 * the locked fd, to be closed once the pod's name is claimed, or -1 when
 * pod has no host port (no lock taken). -EADDRINUSE with
 * POD_PORTS_UNSCHEDULABLE when a port is taken (no lock kept). */
int pod_ports_reserve(const struct pod_paths *paths, const struct pod *pod, int *ret_lockfd,
                      struct pp_error *err);
