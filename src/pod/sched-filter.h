/* SPDX-License-Identifier: Apache-2.0 */
/* kube-scheduler's filters for one node, pure: NodeName, NodeUnschedulable,
 * TaintToleration, NodeAffinity, InterPodAffinity, PodTopologySpread (one
 * domain), NodeResourcesFit, with the scheduler's messages. The node is a
 * Node object (pod/node.h), the other pods their records. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pod;
struct pod_record;

/* A pod's requests as the scheduler computes them (computePodResourceRequest):
 * the larger of each init container's and the sum of the app containers',
 * per resource, plus overhead; limits likewise. cpu in millicores, memory in
 * bytes; extended resources by name (ext_names NULL-terminated, caller
 * frees with pod_sched_req_clear()). */
struct pod_sched_req {
	uint64_t cpu, memory;
	uint64_t cpu_limit, memory_limit;
	char **ext_names;
	uint64_t *ext_values;
};

void pod_sched_requests(const struct pod *pod, struct pod_sched_req *ret);
void pod_sched_req_clear(struct pod_sched_req *r);

/* Is the record's pod placed on the node and holding its resources (it was
 * scheduled and is neither Succeeded nor Failed)? */
bool pod_sched_holds(const struct pod_record *rec);

/* Run the filters for pod on node against others (the records of the other
 * pods, those not holding resources skipped). NULL when the pod fits, else
 * the FailedScheduling message (`0/1 nodes are available: 1 Insufficient
 * memory. preemption: ...`), caller frees. */
char *pod_sched_filter(const struct pod *pod, json_object *node, struct pod_record *const *others,
                       size_t n_others);

/* kube-scheduler's message for a pod with schedulingGates. */
#define POD_SCHED_GATED_MSG "Scheduling is blocked due to non-empty scheduling gates"
