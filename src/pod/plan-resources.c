/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources of a container from its resources, as the kubelet
 * computes them (kuberuntime_container_linux.go calculateLinuxResources)
 * and containerd's CRI plugin writes them; the pod cgroup's limits
 * (ResourceConfigForPod), from spec.resources when the pod sets them. */
#include "pod/plan.h"
#include "runtime/runtime.h"
#include "spec/pod.h"

#define CPU_PERIOD 100000 /* quotaPeriod, µs */
#define MIN_SHARES 2
#define MAX_SHARES 262144

/* MilliCPUToShares */
static uint64_t milli_to_shares(uint64_t milli)
{
	uint64_t shares = milli * 1024 / 1000;

	if (milli == 0 || shares < MIN_SHARES)
		return MIN_SHARES;
	return shares > MAX_SHARES ? MAX_SHARES : shares;
}

/* MilliCPUToQuota; the kernel's floor is 1ms. */
static int64_t milli_to_quota(uint64_t milli)
{
	uint64_t quota = milli * CPU_PERIOD / 1000;

	return quota < 1000 ? 1000 : (int64_t)quota;
}

/* A container's quantity, or the pod-level limit in its place: the
 * kubelet gives a container without a limit the pod's (PodLevelResources). */
static const struct pod_quantity *limit_of(const struct pod_quantity *ctr,
                                           const struct pod_quantity *pod_level)
{
	return ctr->set ? ctr : pod_level;
}

void pod_plan_resources(json_object *res, const struct pod *pod, const struct pod_container *c)
{
	json_object *cpu = json_object_new_object();
	uint64_t req = c->requests.cpu.value;
	const struct pod_quantity *cpu_lim = limit_of(&c->limits.cpu, &pod->pod_limits.cpu);
	const struct pod_quantity *mem_lim = limit_of(&c->limits.memory, &pod->pod_limits.memory);

	/* a limit without a request would have defaulted it; shares follow
	 * the limit then */
	if (!c->requests.cpu.set && c->limits.cpu.set)
		req = c->limits.cpu.value;
	json_object_object_add(cpu, "shares", json_object_new_uint64(milli_to_shares(req)));
	if (cpu_lim->set && cpu_lim->value > 0) {
		json_object_object_add(cpu, "quota",
		                       json_object_new_int64(milli_to_quota(cpu_lim->value)));
		json_object_object_add(cpu, "period", json_object_new_uint64(CPU_PERIOD));
	}
	json_object_object_add(res, "cpu", cpu);
	if (mem_lim->set && mem_lim->value > 0) {
		json_object *mem = json_object_new_object();

		json_object_object_add(mem, "limit",
		                       json_object_new_int64((int64_t)mem_lim->value));
		json_object_object_add(res, "memory", mem);
	}
}

/* One resource over the pod's containers, as the kubelet aggregates it:
 * max(sum over app containers, largest init container). *ret_all tells
 * whether every container gives it. */
static uint64_t aggregate(const struct pod *pod, bool limits, bool cpu, bool *ret_all)
{
	uint64_t sum = 0, init_max = 0;
	bool all = true;

	for (size_t i = 0; i < pod->n_containers + pod->n_init_containers; i++) {
		bool init = i >= pod->n_containers;
		const struct pod_container *c =
		    init ? &pod->init_containers[i - pod->n_containers] : &pod->containers[i];
		const struct pod_resource_list *l = limits ? &c->limits : &c->requests;
		const struct pod_quantity *q = cpu ? &l->cpu : &l->memory;

		all = all && q->set && q->value > 0;
		if (!init)
			sum += q->value;
		else if (q->value > init_max)
			init_max = q->value;
	}
	*ret_all = all;
	return sum > init_max ? sum : init_max;
}

/* The pod cgroup's limit of one resource: the pod-level limit, else the
 * containers' when every one of them has a limit; 0 when none. */
static uint64_t pod_limit(const struct pod *pod, bool cpu)
{
	const struct pod_quantity *q = cpu ? &pod->pod_limits.cpu : &pod->pod_limits.memory;
	bool all = false;
	uint64_t v;

	if (q->set)
		return q->value;
	v = aggregate(pod, true, cpu, &all);
	return all ? v : 0;
}

void pod_plan_pod_cgroup(const struct pod *pod, struct rt_cgroup_limits *ret)
{
	bool all = false;
	uint64_t req = pod->pod_requests.cpu.set ? pod->pod_requests.cpu.value
	                                         : aggregate(pod, false, true, &all);
	uint64_t cpu_lim = pod_limit(pod, true);

	*ret = (struct rt_cgroup_limits){
	    .cpu_shares = milli_to_shares(req),
	    .memory_limit = (int64_t)pod_limit(pod, false),
	};
	if (cpu_lim > 0) {
		ret->cpu_quota = milli_to_quota(cpu_lim);
		ret->cpu_period = CPU_PERIOD;
	}
}
