/* SPDX-License-Identifier: Apache-2.0 */
/* Host ports as kube-scheduler's NodePorts filter sees them: the rule for
 * two ports clashing, and the check made (under the scheduling lock,
 * pod/schedule.c) against the pods already on this machine. */
#include "pod/ports.h"

#include <errno.h>
#include <string.h>

#include "pod/state.h"
#include "spec/pod.h"
#include "util/error.h"

#define ANY_IP "0.0.0.0"

/* HostPortInfo's sanitize: no hostIP is every address, no protocol TCP */
static const char *ip_of(const struct pod_port *p)
{
	return p->host_ip != NULL && p->host_ip[0] != '\0' ? p->host_ip : ANY_IP;
}

static const char *proto_of(const struct pod_port *p)
{
	return p->protocol != NULL && p->protocol[0] != '\0' ? p->protocol : "TCP";
}

bool pod_port_conflict(const struct pod_port *a, const struct pod_port *b)
{
	const char *ia = ip_of(a), *ib = ip_of(b);

	if (a->host_port <= 0 || a->host_port != b->host_port ||
	    strcmp(proto_of(a), proto_of(b)) != 0)
		return false;
	/* HostPortInfo.CheckConflict: 0.0.0.0 clashes with every address */
	return strcmp(ia, ANY_IP) == 0 || strcmp(ib, ANY_IP) == 0 || strcmp(ia, ib) == 0;
}

bool pod_ports_conflict(const struct pod *a, const struct pod *b)
{
	/* the scheduler's GetContainerPorts: the app containers' ports */
	for (size_t i = 0; i < a->n_containers; i++)
		for (size_t j = 0; j < a->containers[i].n_ports; j++)
			for (size_t k = 0; k < b->n_containers; k++)
				for (size_t l = 0; l < b->containers[k].n_ports; l++)
					if (pod_port_conflict(&a->containers[i].ports[j],
					                      &b->containers[k].ports[l]))
						return true;
	return false;
}

bool pod_holds_ports(const struct pod_record *rec)
{
	/* the scheduler watches pods that are not Succeeded or Failed; a pod
	 * being deleted keeps its ports until it is gone */
	return rec->phase != POD_PHASE_SUCCEEDED && rec->phase != POD_PHASE_FAILED;
}

int pod_ports_check(const struct pod *pod, struct pod_record *const *recs, size_t n,
                    struct pp_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (pod_holds_ports(recs[i]) && pod_ports_conflict(pod, recs[i]->pod))
			return pp_error_msg(err, EADDRINUSE, POD_PORTS_UNSCHEDULABLE);
	return 0;
}
