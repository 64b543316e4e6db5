/* SPDX-License-Identifier: Apache-2.0 */
/* A container's environment as the kubelet makes it (makeEnvironmentVariables):
 * envFrom sources, then env, each value's $(VAR) references expanded,
 * valueFrom resolved from the pod, its node and its ConfigMaps and Secrets.
 * Pure: objects come through a callback. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "spec/object.h"

struct pod;
struct pod_container;
struct pp_error;

/* Fetch one ConfigMap or Secret: 0 and *ret (caller kobj_free()s), or
 * -ENOENT when there is none, or another -errno with err set. */
typedef int (*pod_env_lookup_fn)(void *data, enum kobj_kind kind, const char *ns, const char *name,
                                 struct kobj **ret, struct pp_error *err);

/* What the kubelet knows beside the pod: its node and the pod's status. */
struct pod_env_ctx {
	const char *node_name;      /* spec.nodeName */
	const char *host_ip;        /* status.hostIP, NULL when unknown */
	const char *const *pod_ips; /* status.podIPs, NULL-terminated; NULL when none */
	uint64_t node_cpu_milli;    /* node allocatable: limits.cpu when unset */
	uint64_t node_memory;       /* bytes: limits.memory when unset */
	uint64_t node_ephemeral;    /* bytes: limits.ephemeral-storage */
	pod_env_lookup_fn lookup;   /* NULL: every object is missing */
	void *lookup_data;
};

/* The environment of container c of pod, "K=V" in order: each envFrom
 * source's keys (prefixed; keys that are no valid variable names skipped
 * and named in *ret_warnings, the kubelet's InvalidEnvironmentVariableNames
 * event text), then env in order; a later same name replaces the earlier
 * value in place. A value's $(VAR) is expanded against the variables
 * defined before it (pod_env_expand()); valueFrom values are not.
 * resourceFieldRef is ceil(value / divisor), an unset limit being the
 * node's allocatable. Errors in the kubelet's words: `configmap "x" not
 * found`, `couldn't find key k in ConfigMap ns/x` (Secret alike); optional
 * references to missing objects or keys are skipped. *ret_env and
 * *ret_warnings (NULL when none) are NULL-terminated, caller strv_free()s.
 * 0, -ENOENT (a missing object or key), -EINVAL or the lookup's error. */
int pod_env_resolve(const struct pod *pod, const struct pod_container *c,
                    const struct pod_env_ctx *ctx, char ***ret_env, char ***ret_warnings,
                    struct pp_error *err);

struct pod_env_source;

/* Fill ctx's node allocatable: this machine's CPUs (millicores), memory
 * and the size of the filesystem of root (bytes); peapod reserves none. */
void pod_env_node_allocatable(const char *root, struct pod_env_ctx *ctx);

/* The value of fieldRef path fp (podFieldSelectorRuntimeValue): a
 * metadata field, labels['k'] or annotations['k'] ("" when absent), or
 * what ctx knows (node name, host and pod IPs, joined by "," for the
 * lists). Caller frees; NULL (-EINVAL in err) for an unknown path. */
char *pod_env_field_value(const struct pod *pod, const struct pod_env_ctx *ctx, const char *fp,
                          struct pp_error *err);

/* The value of resourceFieldRef s for container c of pod (or the one it
 * names): ceil(quantity / divisor), cpu in cores or millicores, an unset
 * limit being ctx's node allocatable, an unset request 0. Caller frees;
 * NULL (-EINVAL in err) when the named container is not in the pod. */
char *pod_env_resource_value(const struct pod *pod, const struct pod_container *c,
                             const struct pod_env_ctx *ctx, const struct pod_env_source *s,
                             struct pp_error *err);

/* Kubernetes' expansion.Expand against env ("K=V", the last definition of
 * a name winning): "$(VAR)" becomes VAR's value when defined and stays as
 * written otherwise; "$$" is "$" (so "$$(VAR)" is "$(VAR)"); any other "$x"
 * and an unclosed "$(" stay as written. Caller frees. */
char *pod_env_expand(const char *in, char *const *env);

/* containerd's replaceOrAppendEnvValues for one "K=V": the same name
 * replaces in place, a new name appends, a bare "K" unsets. */
void pod_env_set(char ***env, const char *kv);
