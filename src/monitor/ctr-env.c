/* SPDX-License-Identifier: Apache-2.0 */
/* A container's environment when it is created: pod_env_resolve() with
 * what the kubelet knows there (this node's name and allocatable, the
 * pod's IPs once its sandbox runs) and the root's ConfigMaps and Secrets. */
#include <ctype.h>
#include <errno.h>
#include <unistd.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/env.h"
#include "pod/objects.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

static int store_lookup(void *data, enum kobj_kind kind, const char *ns, const char *name,
                        struct kobj **ret, struct pp_error *err)
{
	const struct mon *m = data;

	return kobj_store_get(&m->paths, kind, ns, name, ret, err);
}

/* The node's name as the kubelet takes it: the hostname, lower case. */
static void node_name(char *buf, size_t size)
{
	if (gethostname(buf, size - 1) < 0)
		buf[0] = '\0';
	buf[size - 1] = '\0';
	for (char *p = buf; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
}

int mon_ctr_env(struct mon *m, size_t idx, char ***ret, struct pp_error *err)
{
	const struct pod_record *rec = m->rec;
	const char *ips[POD_IPS_MAX + 1] = {NULL};
	char host[256];
	struct pod_env_ctx ctx = {
	    .node_name = host,
	    .host_ip = rec->host_ip,
	    .pod_ips = ips,
	    .lookup = store_lookup,
	    .lookup_data = m,
	};
	cleanup_strv char **warnings = NULL;
	int r;

	node_name(host, sizeof(host));
	pod_env_node_allocatable(m->paths.root, &ctx);
	if (rec->pod->host_network)
		ips[0] = pod_record_ip(rec);
	else
		for (size_t i = 0; i < POD_IPS_MAX; i++)
			ips[i] = rec->pod_ips[i];
	r = pod_env_resolve(rec->pod, mon_spec(m, idx), &ctx, ret, &warnings, err);
	for (size_t i = 0; r == 0 && warnings != NULL && warnings[i] != NULL; i++)
		pod_event_add(m->dir, "Warning", "InvalidEnvironmentVariableNames", "%s",
		              warnings[i]);
	return r;
}
