/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources of a container from its resources, as the kubelet
 * computes them (kuberuntime_container_linux.go calculateLinuxResources)
 * and containerd's CRI plugin writes them. */
#include "pod/plan.h"
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

void pod_plan_resources(json_object *res, const struct pod_container *c)
{
	json_object *cpu = json_object_new_object();
	uint64_t req = c->requests.cpu.value;

	/* a limit without a request would have defaulted it; shares follow
	 * the limit then */
	if (!c->requests.cpu.set && c->limits.cpu.set)
		req = c->limits.cpu.value;
	json_object_object_add(cpu, "shares", json_object_new_uint64(milli_to_shares(req)));
	if (c->limits.cpu.set && c->limits.cpu.value > 0) {
		json_object_object_add(cpu, "quota",
		                       json_object_new_int64(milli_to_quota(c->limits.cpu.value)));
		json_object_object_add(cpu, "period", json_object_new_uint64(CPU_PERIOD));
	}
	json_object_object_add(res, "cpu", cpu);
	if (c->limits.memory.set && c->limits.memory.value > 0) {
		json_object *mem = json_object_new_object();

		json_object_object_add(mem, "limit",
		                       json_object_new_int64((int64_t)c->limits.memory.value));
		json_object_object_add(res, "memory", mem);
	}
}
