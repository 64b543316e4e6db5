/* SPDX-License-Identifier: Apache-2.0 */
/* Host ports (containers[].ports[].hostPort, and every port of a
 * hostNetwork pod) as kube-scheduler's NodePorts filter checks them on
 * this one machine. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct pp_error;
struct pod;
struct pod_port;
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

/* NodePorts: does pod want a host port that one of recs (the pods on this
 * machine) holds? 0, or -EADDRINUSE with POD_PORTS_UNSCHEDULABLE. */
int pod_ports_check(const struct pod *pod, struct pod_record *const *recs, size_t n,
                    struct pp_error *err);
