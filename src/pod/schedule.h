/* SPDX-License-Identifier: Apache-2.0 */
/* Scheduling on this one node: the lock every placement decision and node
 * change holds, and the decision itself (kube-scheduler's filters, in
 * sched-filter.c, run against the node and the pods already placed). */
#pragma once

#include <stdbool.h>

struct pp_error;
struct pod_paths;
struct pod_record;

#define POD_SCHED_LOCK_FILE "sched.lock" /* RUN/sched.lock */

/* Take RUN/sched.lock exclusively, waiting for it: held while a pod is
 * placed (its host ports and resources checked and its record written) or
 * the node changed, so two decisions never see the same free resources.
 * *ret_fd is the locked fd (closing it unlocks). 0 or -errno. */
int pod_sched_lock(const struct pod_paths *paths, int *ret_fd, struct pp_error *err);

/* Decide where rec's pod stands, under RUN/sched.lock: its host ports
 * against the other pods (creating: a clash refuses it, -EADDRINUSE with
 * POD_PORTS_UNSCHEDULABLE; else it leaves it unscheduled), its
 * schedulingGates (unscheduled, SchedulingGated), then kube-scheduler's
 * filters against the node and the other pods (unscheduled, Unschedulable,
 * with the FailedScheduling message; or scheduled, spec.nodeName set to
 * this node). rec is updated in memory; *ret_lockfd holds the lock, to be
 * closed once rec is written, so the next decision sees it. 0 or -errno. */
int pod_sched_place(const struct pod_paths *paths, struct pod_record *rec, bool creating,
                    int *ret_lockfd, struct pp_error *err);
