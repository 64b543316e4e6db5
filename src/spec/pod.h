/* SPDX-License-Identifier: Apache-2.0 */
/* The v1 Pod model peapod implements, its YAML/JSON parser, validation and
 * Kubernetes defaults. Pure: no I/O besides reading the given text. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_error;

enum pod_restart_policy {
	POD_RESTART_ALWAYS,
	POD_RESTART_ON_FAILURE,
	POD_RESTART_NEVER,
};

enum pod_pull_policy {
	POD_PULL_ALWAYS,
	POD_PULL_IF_NOT_PRESENT,
	POD_PULL_NEVER,
};

/* A reference to a key of a ConfigMap or Secret (configMapKeyRef,
 * secretKeyRef), or with key NULL to a whole one (envFrom's configMapRef,
 * secretRef). */
struct pod_key_ref {
	bool set; /* given */
	char *name;
	char *key; /* NULL for an envFrom source */
	bool has_optional, optional;
};

/* env[].valueFrom: exactly one source set once validated. */
struct pod_env_source {
	bool set;              /* valueFrom given */
	bool has_field_ref;    /* fieldRef */
	char *field_path;      /* fieldRef.fieldPath */
	char *api_version;     /* fieldRef.apiVersion, default "v1" */
	bool has_resource_ref; /* resourceFieldRef */
	char *container_name;  /* resourceFieldRef.containerName; NULL: this container */
	char *resource;        /* resourceFieldRef.resource, e.g. "limits.memory" */
	char *divisor;         /* resourceFieldRef.divisor as written; NULL when unset (1) */
	struct pod_key_ref config_map_key_ref, secret_key_ref;
};

struct pod_env {
	char *name;
	char *value; /* "" when absent */
	struct pod_env_source value_from;
};

/* containers[].envFrom[]: every key of a ConfigMap or a Secret. */
struct pod_env_from {
	char *prefix; /* NULL when absent */
	struct pod_key_ref config_map_ref, secret_ref;
};

struct pod_port {
	char *name; /* may be NULL */
	int32_t container_port;
	char *protocol;    /* "TCP" (default), "UDP", "SCTP" */
	int32_t host_port; /* 0 when unset; containerPort by default with hostNetwork */
	char *host_ip;     /* NULL when unset (every address) */
};

/* spec.hostAliases[]: lines added to the pod's /etc/hosts. */
struct pod_host_alias {
	char *ip;
	char **hostnames; /* NULL-terminated; NULL when none */
};

/* spec.dnsConfig.options[] */
struct pod_dns_option {
	char *name;
	char *value; /* NULL when absent */
};

/* spec.dnsConfig: merged into the resolver configuration dnsPolicy gives. */
struct pod_dns_config {
	bool set;           /* dnsConfig was given */
	char **nameservers; /* NULL-terminated; NULL when none */
	char **searches;    /* NULL-terminated; NULL when none */
	struct pod_dns_option *options;
	size_t n_options;
};

/* containers[].volumeMounts[] */
struct pod_volume_mount {
	char *name;       /* a volume of the pod */
	char *mount_path; /* absolute path in the container */
	bool read_only;
	char *sub_path;          /* relative, without ".."; NULL or "" for the whole volume */
	char *mount_propagation; /* NULL or "None" (others refused) */
};

/* configMap/secret items[] and projected sources' items[]: a key written
 * at path (relative, no ".."), with its own mode when has_mode. */
struct pod_key_to_path {
	char *key;
	char *path;
	bool has_mode;
	int64_t mode; /* 0..0777 */
};

/* downwardAPI items[]: one of fieldRef and resourceFieldRef. */
struct pod_downward_file {
	char *path;
	char *field_path;   /* fieldRef.fieldPath; NULL when absent */
	char *field_api;    /* fieldRef.apiVersion (default "v1") */
	char *rf_container; /* resourceFieldRef.containerName */
	char *rf_resource;  /* resourceFieldRef.resource; NULL when absent */
	char *rf_divisor;   /* resourceFieldRef.divisor as written; NULL: 1 */
	bool has_mode;
	int64_t mode;
};

enum pod_projection_kind {
	POD_PROJ_NONE,
	POD_PROJ_CONFIGMAP,
	POD_PROJ_SECRET,
	POD_PROJ_DOWNWARD_API,
	POD_PROJ_SA_TOKEN,
	POD_PROJ_TRUST_BUNDLE,
	POD_PROJ_POD_CERTIFICATE, /* decoded to be refused by name */
};

/* One projection: a configMap/secret/downwardAPI volume's source or one of
 * projected.sources[]. */
struct pod_projection {
	enum pod_projection_kind kind;
	int n_kinds;                   /* sources given in this element (1 is valid) */
	char *name;                    /* configMap name, secret secretName, trust bundle name */
	bool optional;                 /* configMap, secret, clusterTrustBundle */
	struct pod_key_to_path *items; /* configMap, secret */
	size_t n_items;
	struct pod_downward_file *files; /* downwardAPI items */
	size_t n_files;
	char *audience;             /* serviceAccountToken */
	int64_t expiration_seconds; /* serviceAccountToken, default 3600 */
	char *path;                 /* serviceAccountToken, clusterTrustBundle */
	char *signer_name;          /* clusterTrustBundle */
	char *label_selector;       /* clusterTrustBundle.labelSelector as JSON text */
};

#define POD_VOL_SRC_SECRET    1u
#define POD_VOL_SRC_DOWNWARD  2u
#define POD_VOL_SRC_CONFIGMAP 4u
#define POD_VOL_SRC_PROJECTED 8u

/* spec.volumes[]: the sources peapod implements (others are refused). */
struct pod_volume {
	char *name;
	bool has_empty_dir;            /* emptyDir given */
	char *empty_dir_medium;        /* "" (disk) or "Memory"; NULL when absent */
	char *empty_dir_size_limit;    /* sizeLimit as written (a quantity); NULL when absent */
	uint64_t empty_dir_size_bytes; /* sizeLimit in bytes, rounded up; 0 when absent */
	bool has_host_path;            /* hostPath given */
	char *host_path;               /* hostPath.path */
	char *host_path_type;          /* hostPath.type; NULL or "" means no check */
	/* configMap, secret, downwardAPI (one projection) or projected
	 * (sources); the files' mode by default, 0644 when absent */
	enum pod_projection_kind projection; /* POD_PROJ_NONE, or the volume's kind */
	unsigned source_bits; /* POD_VOL_SRC_* given, besides emptyDir and hostPath */
	struct pod_projection *sources;
	size_t n_proj;
	int64_t default_mode;
};

/* runAsUser, runAsGroup and runAsNonRoot, as a pod's and a container's
 * securityContext hold them; has_* tells an unset field from 0 or false. */
struct pod_run_as {
	bool has_user, has_group, has_non_root;
	int64_t user, group; /* 0..2147483647 */
	bool non_root;
};

/* securityContext.seccompProfile or appArmorProfile, of a pod or a
 * container: type NULL when the field is absent. */
struct pod_profile {
	char *type;              /* "RuntimeDefault", "Localhost" or "Unconfined" once validated */
	char *localhost_profile; /* localhostProfile; NULL when absent */
};

/* securityContext.seLinuxOptions: kept as given (no SELinux is applied). */
struct pod_selinux {
	bool set;
	char *user, *role, *type, *level; /* NULL when absent */
};

/* lifecycle.postStart / preStop: the exec and sleep handlers peapod
 * implements. */
struct pod_handler {
	bool set;              /* the handler was given */
	char **exec_command;   /* exec.command, NULL-terminated; NULL when absent */
	bool has_sleep;        /* sleep given */
	int64_t sleep_seconds; /* sleep.seconds, > 0 */
};

/* spec.securityContext.sysctls[]: a kernel parameter set in the pod's
 * namespaces. */
struct pod_sysctl {
	char *name;  /* "net.ipv4.tcp_syncookies" or "net/ipv4/tcp_syncookies" */
	char *value; /* as written; may be "" */
};

/* Which namespace a sysctl belongs to (the kubelet's sysctl.GetNamespace). */
enum pod_sysctl_ns {
	POD_SYSCTL_NS_UNKNOWN, /* not namespaced: the node's own */
	POD_SYSCTL_NS_IPC,     /* kernel.sem, kernel.shm{all,max,mni,_rmid_forced}, kernel.msg*,
	                          fs.mqueue.* */
	POD_SYSCTL_NS_NET,     /* net.* */
};

/* containers[].resizePolicy[]: accepted and kept; in-place resize is not
 * implemented yet, so it never applies. */
struct pod_resize_policy {
	char *resource_name;  /* "cpu" or "memory" */
	char *restart_policy; /* "NotRequired" (default) or "RestartContainer" */
};

/* One resource quantity of containers[].resources: set when given; value
 * in millicores (cpu) or bytes (memory), rounded up; text as written. */
struct pod_quantity {
	bool set;
	uint64_t value;
	char text[48];
};

/* An extended resource (a domain-prefixed name, e.g. example.com/dongle):
 * a whole number, its request equal to its limit. */
struct pod_ext_resource {
	char *name;
	struct pod_quantity q;
};

/* containers[].resources.limits / .requests: the names peapod implements. */
struct pod_resource_list {
	struct pod_quantity cpu, memory;
	struct pod_ext_resource *ext; /* extended resources, as written */
	size_t n_ext;
};

/* The scheduling fields of spec (pod-sched.c): validated as the API server
 * does and kept as given (json-c, owned) for kube-scheduler's filters
 * (pod/sched-filter.c). */
struct pod_sched {
	char *node_name;              /* spec.nodeName; NULL when unset */
	json_object *node_selector;   /* spec.nodeSelector (map of strings) or NULL */
	json_object *affinity;        /* spec.affinity or NULL */
	json_object *tolerations;     /* spec.tolerations (list) or NULL */
	json_object *topology_spread; /* spec.topologySpreadConstraints or NULL */
	char **scheduling_gates;      /* spec.schedulingGates[].name; NULL when none */
	bool has_priority;            /* spec.priority given (or set at admission) */
	int32_t priority;
	char *priority_class_name; /* NULL when unset */
	char *preemption_policy;   /* NULL, "PreemptLowerPriority" or "Never" */
};

struct pod_http_header {
	char *name;
	char *value;
};

/* livenessProbe / readinessProbe / startupProbe. One handler: exec,
 * httpGet or tcpSocket (grpc refused); port and host are the handler's. */
struct pod_probe {
	bool set; /* the probe was given */
	bool has_exec, has_http_get, has_tcp_socket, has_grpc;
	char **exec_command;             /* exec.command */
	int32_t port;                    /* httpGet/tcpSocket/grpc port number, 0 when a name */
	char *grpc_service;              /* grpc.service, default "" */
	char *port_name;                 /* the port as a name (a containerPort's), or NULL */
	char *host;                      /* NULL: the pod IP (127.0.0.1 in its netns) */
	char *path;                      /* httpGet.path, default "/" */
	char *scheme;                    /* httpGet.scheme, default "HTTP" */
	struct pod_http_header *headers; /* httpGet.httpHeaders */
	size_t n_headers;
	int64_t initial_delay_seconds; /* default 0 */
	int64_t timeout_seconds;       /* default 1 */
	int64_t period_seconds;        /* default 10 */
	int64_t success_threshold;     /* default 1 */
	int64_t failure_threshold;     /* default 3 */
	bool has_termination_grace_period;
	int64_t termination_grace_period_seconds;
};

struct pod_container {
	char *name;
	char *image;
	enum pod_pull_policy image_pull_policy;
	char **command; /* NULL-terminated; NULL when absent */
	char **args;    /* NULL-terminated; NULL when absent */
	char *working_dir;
	struct pod_env *env;
	size_t n_env;
	struct pod_env_from *env_from; /* envFrom */
	size_t n_env_from;
	struct pod_port *ports;
	size_t n_ports;
	bool stdin_open; /* `stdin` */
	bool stdin_once;
	bool tty;
	char **cap_add;  /* securityContext.capabilities.add, as written (e.g. "SYS_PTRACE") */
	char **cap_drop; /* securityContext.capabilities.drop */
	struct pod_run_as run_as; /* securityContext.runAs{User,Group,NonRoot} */
	/* securityContext.allowPrivilegeEscalation and readOnlyRootFilesystem;
	 * has_* false when unset */
	bool has_allow_privilege_escalation, allow_privilege_escalation;
	bool has_read_only_root_filesystem, read_only_root_filesystem;
	/* securityContext.privileged: all capabilities, the host's devices, no
	 * masked or read-only paths, /sys and the cgroupfs writable */
	bool has_privileged, privileged;
	/* securityContext.seccompProfile, appArmorProfile, seLinuxOptions */
	struct pod_profile seccomp, apparmor;
	struct pod_selinux selinux;
	/* securityContext.procMount: "Default" (has) or "Unmasked" (unmasked):
	 * no masked or read-only /proc paths; needs hostUsers: false. */
	bool has_proc_mount, proc_mount_unmasked;
	char *termination_message_path;   /* default /dev/termination-log */
	char *termination_message_policy; /* default File */
	/* Set by the decoder when imagePullPolicy was absent; pod_spec_default()
	 * then derives the policy from the image tag and clears it. */
	bool image_pull_policy_unset;
	struct pod_volume_mount *volume_mounts;
	size_t n_volume_mounts;
	/* restartPolicy: Always, on an init container only: a native sidecar,
	 * started in order and kept running beside the app containers */
	bool restart_always;
	/* lifecycle and probes: app containers and sidecars only */
	struct pod_handler post_start; /* lifecycle.postStart */
	struct pod_handler pre_stop;   /* lifecycle.preStop */
	struct pod_probe liveness_probe;
	struct pod_probe readiness_probe;
	struct pod_probe startup_probe;
	/* resources; requests defaulted from limits, as the API server does */
	struct pod_resource_list limits, requests;
	struct pod_resize_policy *resize_policy; /* resizePolicy */
	size_t n_resize_policy;
	char *stop_signal; /* lifecycle.stopSignal ("SIGUSR1"); NULL when absent */
	/* an ephemeral container's targetContainerName: it joins that
	 * container's PID namespace; NULL when absent (and on the others) */
	char *target_container_name;
};

struct pod {
	char *api_version; /* "v1" */
	char *name;
	char *namespace_;                            /* default "default" */
	char *uid;                                   /* NULL until assigned by peapod on creation */
	char **label_keys, **label_values;           /* parallel, NULL-terminated */
	char **annotation_keys, **annotation_values; /* parallel, NULL-terminated */

	struct pod_container *containers;
	size_t n_containers;
	bool share_process_namespace;
	bool host_pid, host_ipc, host_network;
	bool no_host_users; /* hostUsers: false: the pod's own user namespace */
	enum pod_restart_policy restart_policy;
	int64_t termination_grace_period_seconds; /* default 30 */
	/* Set by the decoder when terminationGracePeriodSeconds was absent;
	 * pod_spec_default() then sets 30 and clears it. */
	bool termination_grace_period_unset;
	/* spec.activeDeadlineSeconds (1..2147483647); 0 when unset */
	int64_t active_deadline_seconds;
	char *hostname;   /* spec.hostname; NULL means the pod name */
	char *subdomain;  /* may be NULL */
	char *dns_policy; /* default "ClusterFirst" */
	struct pod_dns_config dns_config;
	struct pod_host_alias *host_aliases; /* spec.hostAliases */
	size_t n_host_aliases;
	char *scheduler_name; /* default "default-scheduler" */
	/* spec.imagePullSecrets[].name, NULL-terminated; NULL when none */
	char **image_pull_secrets;
	/* spec.securityContext: runAsUser, runAsGroup, runAsNonRoot and
	 * supplementalGroups */
	struct pod_run_as run_as;
	int64_t *supplemental_groups;
	size_t n_supplemental_groups;
	/* spec.securityContext.fsGroup (has_fs_group false when unset),
	 * fsGroupChangePolicy ("Always" or "OnRootMismatch", NULL when unset)
	 * and supplementalGroupsPolicy ("Merge" or "Strict", NULL when unset) */
	bool has_fs_group;
	int64_t fs_group;
	char *fs_group_change_policy;
	char *supplemental_groups_policy;
	/* spec.securityContext.sysctls, in order */
	struct pod_sysctl *sysctls;
	size_t n_sysctls;
	/* spec.securityContext.seccompProfile, appArmorProfile, seLinuxOptions */
	struct pod_profile seccomp, apparmor;
	struct pod_selinux selinux;
	struct pod_volume *volumes;
	size_t n_volumes;
	/* spec.initContainers: run one at a time, in order, before containers */
	struct pod_container *init_containers;
	size_t n_init_containers;
	/* spec.ephemeralContainers: added to a running pod by `peapod debug`
	 * (the API server's ephemeralcontainers subresource), never on create */
	struct pod_container *ephemeral_containers;
	size_t n_ephemeral_containers;
	struct pod_sched sched;
	/* spec.resources (pod-level; PodLevelResources): requests defaulted
	 * by pod_spec_default() as the API server does */
	bool has_resources;
	struct pod_resource_list pod_limits, pod_requests;
	char *os_name; /* spec.os.name: "linux" or "windows"; NULL when absent */
	bool has_enable_service_links, enable_service_links;
	bool set_hostname_as_fqdn;
	char *runtime_class_name; /* NULL when absent */
	char **readiness_gates;   /* conditionTypes, NULL-terminated; NULL when none */
	bool has_overhead;        /* spec.overhead given (refused at validation) */
};

/* Parse every document of a YAML (or JSON) stream into pods. Empty
 * documents are skipped; a document of another kind or apiVersion is an
 * error. Each pod is validated and defaulted. On error no pod is returned
 * and err->msg is one line naming the document's field path, e.g.
 * `spec.containers[1].image: Required value` or
 * `spec.volumes: Unsupported value: not supported by peapod yet`.
 * *ret_pods (caller frees with pod_free_all()) and *ret_n are set on success.
 * src_name names the input in syntax errors (`FILE:LINE:COL: ...`).
 * A manifest's metadata.uid is dropped: peapod assigns its own.
 * Returns 0, -EINVAL for invalid input. */
int pod_spec_parse_yaml(const char *text, size_t len, const char *src_name, struct pod **ret_pods,
                        size_t *ret_n, struct pp_error *err);

/* Decode one Pod from a json-c object of the Pod API shape (as in the
 * manifest, or as written by pod_spec_to_json()), then validate and
 * default it. *ret is caller-freed with pod_free(). 0 or -EINVAL. */
int pod_spec_from_json(json_object *obj, struct pod **ret, struct pp_error *err);

/* pod_spec_from_json() of a Pod to create (a manifest): its uid dropped
 * (peapod assigns its own) and spec.ephemeralContainers refused as the
 * API server does on create ("Forbidden: cannot be set on create"). */
int pod_spec_from_manifest(json_object *obj, struct pod **ret, struct pp_error *err);

/* Encode a pod (metadata + spec, defaults included) as a new json-c object
 * of the Pod API shape; the caller owns it. Round-trips pod_spec_from_json. */
json_object *pod_spec_to_json(const struct pod *pod);

/* Apply Kubernetes defaults in place (namespace, restartPolicy, grace period,
 * imagePullPolicy: Always for ":latest" or no tag, IfNotPresent otherwise,
 * terminationMessagePath/Policy, dnsPolicy, schedulerName). Idempotent. */
void pod_spec_default(struct pod *pod);

/* Validate as the API server does, for the fields peapod supports.
 * 0 or -EINVAL with the field path in err. */
int pod_spec_validate(const struct pod *pod, struct pp_error *err);

/* What is wrong with s as an environment variable name (the API server's
 * IsEnvVarName, without its '.'/'..' rules), or NULL when valid. Static. */
const char *pod_env_name_problem(const char *s);
/* Is s a DNS-1123 label (lowercase alnum and '-', <= 63, alnum at the ends)? */
bool pod_is_dns1123_label(const char *s);
/* Is s a DNS-1123 subdomain (labels joined by '.', <= 253)? */
bool pod_is_dns1123_subdomain(const char *s);

/* Is s a valid environment variable name ([-._a-zA-Z][-._a-zA-Z0-9]*)? */
bool pod_is_env_name(const char *s);

/* Label and annotation checks with the API server's words, errors naming
 * path (pod-validate-meta.c): a qualified name (a label or annotation
 * key), a label value, a map of labels (keys and values parallel,
 * NULL-terminated), metadata.labels and metadata.annotations. 0 or -EINVAL. */
int pod_check_qualified_name(const char *path, const char *key, struct pp_error *err);
int pod_check_label_value(const char *path, const char *v, struct pp_error *err);
int pod_check_label_map(const char *path, char *const *keys, char *const *values,
                        struct pp_error *err);
int pod_check_labels(char *const *keys, char *const *values, struct pp_error *err);
int pod_check_annotations(char *const *keys, char *const *values, struct pp_error *err);

/* Is s an IPv4 or IPv6 address (apimachinery IsValidIP)? */
bool pod_is_ip(const char *s);

/* Is p a file path a projected volume may write (relative, no ".."
 * element, not starting with "..", not empty)? 0 or -EINVAL. */
int pod_projection_path_check(const char *p);

/* The kubelet's sysctl NormalizeName: a name whose first separator is '/'
 * ("net/ipv4/conf/eno2.100/rp_filter") in the dotted form
 * ("net.ipv4.conf.eno2/100.rp_filter"), '.' and '/' swapped; otherwise a
 * copy. Caller frees. */
char *pod_sysctl_normalize(const char *name);

/* The namespace of a (normalized) sysctl name or name prefix, as the
 * kubelet's GetNamespace. */
enum pod_sysctl_ns pod_sysctl_namespace(const char *name);

/* Does name match the API server's sysctl name format (at most 253
 * characters; segments of [a-z0-9], '-' and '_' inside, joined by '.' or
 * '/')? */
bool pod_sysctl_name_valid(const char *name);

/* Find a volume by name; NULL when absent. Borrows. */
const struct pod_volume *pod_volume_find(const struct pod *pod, const char *name);

/* Find a container by name; NULL when absent. Borrows. */
const struct pod_container *pod_container_find(const struct pod *pod, const char *name);
/* Find an app or init container by name; NULL when absent. Borrows. */
const struct pod_container *pod_container_find_any(const struct pod *pod, const char *name);

/* Parse a resource.Quantity ("64Mi", "1G", "1.5Gi", "1e9", "100m") into
 * bytes, rounded up (pod-volume.c). -EINVAL when malformed, -ERANGE when
 * negative or larger than 2^62. */
int pod_quantity_parse(const char *s, uint64_t *ret);
/* The same in milli-units ("100m" → 100, "1" → 1000), rounded up as
 * Quantity.MilliValue(). */
int pod_quantity_parse_milli(const char *s, uint64_t *ret);

/* The pod's status.qosClass by Kubernetes' rules over init and app
 * containers: "Guaranteed", "Burstable" or "BestEffort". Static string. */
const char *pod_qos_class(const struct pod *pod);

/* The API server's Priority admission plugin, on creation: resolve
 * priorityClassName (the built-in system-cluster-critical 2000000000 and
 * system-node-critical 2000001000; none: 0) into priority and
 * preemptionPolicy (PreemptLowerPriority unless given). -EPERM with
 * `pods "x" is forbidden: no PriorityClass with name foo was found`, or the
 * plugin's words when a given priority differs from the class's. */
int pod_priority_admit(struct pod *pod, struct pp_error *err);

/* The scheduling fields' parts of pod_spec_equal and pod_spec_to_json
 * (pod-sched.c), and the same pod with only schedulingGates removed (the
 * one spec update the API server allows besides images). */
bool pod_sched_equal(const struct pod_sched *a, const struct pod_sched *b);
bool pod_sched_only_gates_removed(const struct pod *cur, const struct pod *next);

/* The seccomp profile and the AppArmor profile container c of pod runs
 * with, as the kubelet picks them: the container's field, else (AppArmor)
 * its container.apparmor.security.beta.kubernetes.io/<name> annotation,
 * else the pod's field. Borrowed; a profile with type NULL when none is
 * set (the kubelet's default applies). pod-profile.c. */
void pod_seccomp_effective(const struct pod *pod, const struct pod_container *c,
                           struct pod_profile *ret);
void pod_apparmor_effective(const struct pod *pod, const struct pod_container *c,
                            struct pod_profile *ret);
/* Is seLinuxOptions set on the pod or on container c? */
bool pod_selinux_is_set(const struct pod *pod, const struct pod_container *c);

/* Two pods have the same spec and metadata (uid ignored): for "unchanged". */
bool pod_spec_equal(const struct pod *a, const struct pod *b);

struct pod *pod_free(struct pod *pod);
void pod_free_all(struct pod *pods, size_t n);
/* Frees the members of one pod in an array (not the struct itself). */
void pod_clear(struct pod *pod);
