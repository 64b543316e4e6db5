/* SPDX-License-Identifier: Apache-2.0 */
/* Private helpers of the Pod decoder: field tables walked over json-c
 * objects, field paths (`spec.containers[1].image`) and value errors in the
 * API server's words. */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

#include "spec/pod.h"

struct pp_error;

/* Longest field path we print; longer ones are truncated. */
#define POD_PATH_MAX 256

enum pod_field_kind {
	POD_FIELD_STR,         /* char * at off */
	POD_FIELD_BOOL,        /* bool at off */
	POD_FIELD_STRV,        /* char ** at off, NULL-terminated */
	POD_FIELD_CUSTOM,      /* decode() does the work, given obj + off */
	POD_FIELD_IGNORE,      /* accepted with any value, not stored */
	POD_FIELD_IGNORE_BOOL, /* a boolean, accepted, not stored */
	POD_FIELD_UNSUPPORTED, /* known, refused unless empty (null, false, "", {}, []) */
	POD_FIELD_ONLY_TRUE,   /* known, refused unless true or null (the default) */
};

struct pod_field {
	const char *name;
	enum pod_field_kind kind;
	size_t off;
	int (*decode)(json_object *v, void *obj, const char *path, struct pp_error *err);
};

/* Decode the members of object o into obj by the NULL-name-terminated
 * table; unknown members are `unknown field "PATH"` errors. o may be NULL
 * (absent): nothing happens. 0 or -EINVAL. */
int pod_decode_fields(json_object *o, const struct pod_field *fields, void *obj, const char *path,
                      struct pp_error *err);

/* A string that is accepted and not stored (metadata.resourceVersion). */
int pod_decode_string_ignored(json_object *v, void *obj, const char *path, struct pp_error *err);

/* The metadata members the API server sets or that need controllers, shared
 * by every object's metadata table: what a `kubectl get -o yaml` export
 * carries is accepted and ignored, ownership and deletion are refused. */
#define POD_METADATA_SERVER_FIELDS                                           \
	{"resourceVersion", POD_FIELD_CUSTOM, 0, pod_decode_string_ignored}, \
	    {"selfLink", POD_FIELD_CUSTOM, 0, pod_decode_string_ignored},    \
	    {"generation", POD_FIELD_IGNORE, 0, NULL},                       \
	    {"managedFields", POD_FIELD_IGNORE, 0, NULL},                    \
	    {"generateName", POD_FIELD_UNSUPPORTED, 0, NULL},                \
	    {"deletionTimestamp", POD_FIELD_UNSUPPORTED, 0, NULL},           \
	    {"deletionGracePeriodSeconds", POD_FIELD_UNSUPPORTED, 0, NULL},  \
	    {"ownerReferences", POD_FIELD_UNSUPPORTED, 0, NULL},             \
	{                                                                    \
		"finalizers", POD_FIELD_UNSUPPORTED, 0, NULL                 \
	}

/* Typed decoders: v non-NULL; replace *ret on success. 0 or -EINVAL. */
int pod_decode_str(json_object *v, const char *path, char **ret, struct pp_error *err);
int pod_decode_strv(json_object *v, const char *path, char ***ret, struct pp_error *err);
int pod_decode_int64(json_object *v, const char *path, int64_t *ret, struct pp_error *err);
/* A JSON map of strings (metadata.labels) into parallel NULL-terminated
 * vectors, replacing *ret_keys and *ret_values (null values become "").
 * 0 or -EINVAL. */
int pod_decode_string_map(json_object *v, const char *path, char ***ret_keys, char ***ret_values,
                          struct pp_error *err);
/* Is v an array (or null)? Sets *ret_n to its length. 0 or -EINVAL. */
int pod_decode_array(json_object *v, const char *path, size_t *ret_n, struct pp_error *err);

/* What each element of an object array decodes into: a struct of size
 * bytes whose members the fields table describes. */
struct pod_element {
	const struct pod_field *fields;
	size_t size;
};

/* Decode an array (or null) of objects, each by elem->fields, into a new
 * array of elem->size-byte structs. *ret_arr and *ret_n are set even on
 * error, counting the half-built entry, so the owner's destructor frees it.
 * 0 or -EINVAL. */
int pod_decode_object_array(json_object *v, const char *path, const struct pod_element *elem,
                            void **ret_arr, size_t *ret_n, struct pp_error *err);

/* `PATH: Invalid value: VALUE: expected WHAT`. Returns -EINVAL. */
int pod_type_error(const char *path, json_object *v, const char *what, struct pp_error *err);
/* `PATH: Unsupported value: not supported by peapod yet`. Returns -EINVAL. */
int pod_unsupported(const char *path, struct pp_error *err);

/* buf = parent.key (or key at the top) / parent[index]. Truncates. */
void pod_path_key(char buf[POD_PATH_MAX], const char *parent, const char *key);
void pod_path_index(char buf[POD_PATH_MAX], const char *parent, size_t index);

/* o[key] = the map of parallel keys/values, unless it is empty. */
void pod_json_add_map(json_object *o, const char *key, char *const *keys, char *const *values);
/* The same string maps, whatever their order. */
bool pod_map_equal(char *const *ak, char *const *av, char *const *bk, char *const *bv);

/* Write v for an error message (strings quoted, long values cut) into buf. */
const char *pod_value_str(json_object *v, char *buf, size_t len);

/* The container decoder (pod-container.c): spec.containers. */
int pod_decode_containers(json_object *v, void *obj, const char *path, struct pp_error *err);
/* spec.initContainers: the same fields, lifecycle and probes Forbidden. */
int pod_decode_init_containers(json_object *v, void *obj, const char *path, struct pp_error *err);
/* spec.ephemeralContainers: the container fields plus targetContainerName;
 * the fields the API server forbids there refused in its words. */
int pod_decode_ephemeral_containers(json_object *v, void *obj, const char *path,
                                    struct pp_error *err);

/* containers[].resources (pod-resources.c), obj a struct pod_container:
 * decoded, checked as the API server does, requests defaulted to limits. */
int pod_decode_resources(json_object *v, void *obj, const char *path, struct pp_error *err);
bool pod_resources_equal(const struct pod_container *a, const struct pod_container *b);
void pod_resources_free(struct pod_container *c);
/* spec.resources (pod-level, obj a struct pod): decoded as the API server
 * does (cpu and memory; hugepages refused as not implemented). Its
 * defaulting (pod_spec_default), validation against the containers
 * (validatePodResources), comparison and encoding into the spec object. */
int pod_decode_pod_resources(json_object *v, void *obj, const char *path, struct pp_error *err);
void pod_resources_pod_default(struct pod *pod);
int pod_validate_pod_resources(const struct pod *pod, struct pp_error *err);
bool pod_resources_pod_equal(const struct pod *a, const struct pod *b);
void pod_resources_pod_add(json_object *spec, const struct pod *pod);
/* v as resource.Quantity's canonical text into buf: millicores when milli,
 * else bytes with a binary or decimal suffix. */
void pod_quantity_format(uint64_t v, bool milli, bool binary, char *buf, size_t len);
/* Add "resources" to container object o when any is set. */
void pod_resources_add(json_object *o, const struct pod_container *c);

/* containers[].env and envFrom (pod-env.c), obj a struct pod_container:
 * decoded (valueFrom's sources), defaulted (fieldRef.apiVersion "v1"),
 * validated under cpath as the API server does, encoded into container
 * object o, compared and freed. */
int pod_decode_env(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_env_from(json_object *v, void *obj, const char *path, struct pp_error *err);
void pod_env_default(struct pod_container *c);
int pod_validate_env(const struct pod_container *c, const char *cpath, struct pp_error *err);
void pod_env_to_json(json_object *o, const struct pod_container *c);
bool pod_env_equal(const struct pod_container *a, const struct pod_container *b);
void pod_env_free(struct pod_container *c);

/* Probes (pod-probe.c): the container fields livenessProbe, readinessProbe
 * and startupProbe (defaults applied), their validation under cpath
 * ("spec.containers[0]"), encoding into container object o, comparison
 * and freeing. */
int pod_decode_liveness_probe(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_readiness_probe(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_startup_probe(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_validate_probes(const struct pod_container *c, const char *cpath, struct pp_error *err);
void pod_probes_to_json(json_object *o, const struct pod_container *c);
bool pod_probes_equal(const struct pod_container *a, const struct pod_container *b);
void pod_probes_free(struct pod_container *c);

/* The volume decoders (pod-volume.c): spec.volumes (obj a struct pod) and
 * containers[].volumeMounts (obj a struct pod_container). */
int pod_decode_volumes(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_volume_mounts(json_object *v, void *obj, const char *path, struct pp_error *err);
/* The projecting volume sources (pod-projected.c), obj a struct pod_volume:
 * decoding (defaultMode defaulted to 0644, serviceAccountToken's
 * expirationSeconds to 3600), encoding into volume object o, equality
 * and freeing. */
int pod_decode_config_map_volume(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_secret_volume(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_downward_volume(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_projected_volume(json_object *v, void *obj, const char *path, struct pp_error *err);
void pod_projected_volume_add(json_object *o, const struct pod_volume *vol);
bool pod_projected_volume_equal(const struct pod_volume *a, const struct pod_volume *b);
void pod_projected_volume_clear(struct pod_volume *vol);

/* securityContext (pod-security.c): spec.securityContext (obj a struct
 * pod) and the container-level fields (obj a struct pod_container). */
int pod_decode_pod_security(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_ctr_run_as_user(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_ctr_run_as_group(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_ctr_run_as_non_root(json_object *v, void *obj, const char *path,
                                   struct pp_error *err);
int pod_decode_ctr_allow_priv_esc(json_object *v, void *obj, const char *path,
                                  struct pp_error *err);
int pod_decode_ctr_proc_mount(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_ctr_read_only_root(json_object *v, void *obj, const char *path,
                                  struct pp_error *err);
int pod_decode_ctr_privileged(json_object *v, void *obj, const char *path, struct pp_error *err);
/* Does c set a container-level field other than capabilities? */
bool pod_security_ctr_is_set(const struct pod_container *c);
/* securityContext.seccompProfile, appArmorProfile and seLinuxOptions of a
 * pod (obj a struct pod) and a container (obj a struct pod_container):
 * decoders, their checks in the API server's words (0 or -EINVAL), JSON
 * members added to a securityContext object, equality and freeing
 * (pod-profile.c). */
/* obj: the struct pod_profile or struct pod_selinux (a field's offset). */
int pod_decode_profile(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_selinux(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_validate_profiles(const struct pod *pod, struct pp_error *err);
bool pod_profiles_are_set(const struct pod_profile *seccomp, const struct pod_profile *apparmor,
                          const struct pod_selinux *selinux);
void pod_profiles_add(json_object *sc, const struct pod_profile *seccomp,
                      const struct pod_profile *apparmor, const struct pod_selinux *selinux);
bool pod_profile_equal(const struct pod_profile *a, const struct pod_profile *b);
bool pod_selinux_equal(const struct pod_selinux *a, const struct pod_selinux *b);
void pod_profile_clear(struct pod_profile *p);
void pod_selinux_clear(struct pod_selinux *s);
/* The profile an AppArmor annotation value names ("runtime/default",
 * "unconfined", "localhost/NAME"; borrowed from v), type NULL for another. */
void pod_apparmor_from_annotation(const char *v, struct pod_profile *ret);
/* Add c's fields (not capabilities) to the securityContext object sc. */
void pod_security_ctr_add(json_object *sc, const struct pod_container *c);
/* spec.securityContext as a new object (caller puts); NULL when empty. */
json_object *pod_security_pod_to_json(const struct pod *pod);
bool pod_security_ctr_equal(const struct pod_container *a, const struct pod_container *b);
bool pod_security_pod_equal(const struct pod *a, const struct pod *b);
/* spec.securityContext.sysctls (pod-sysctl.c): decoder (obj a struct pod),
 * the array as JSON (NULL when empty; caller puts), equality, release. */
int pod_decode_sysctls(json_object *v, void *obj, const char *path, struct pp_error *err);
json_object *pod_sysctls_to_json(const struct pod *pod);
bool pod_sysctls_equal(const struct pod *a, const struct pod *b);
void pod_sysctls_free(struct pod *pod);

/* YAML stream → json-c documents (pod-yaml.c): *ret_docs is a json array
 * of the non-empty documents (caller puts). 0 or -EINVAL. */
int pod_yaml_to_json(const char *text, size_t len, const char *src_name, json_object **ret_docs,
                     struct pp_error *err);

/* Networking fields (pod-net.c): containers[].ports[].hostPort (obj a
 * struct pod_port), spec.hostAliases and spec.dnsConfig (obj a struct
 * pod); their checks (host ports, aliases, dnsConfig against dnsPolicy),
 * encoding into the spec object and freeing. */
int pod_decode_host_port(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_host_aliases(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_dns_config(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_validate_net(const struct pod *pod, struct pp_error *err);
void pod_net_to_json(json_object *spec, const struct pod *pod);
void pod_net_free(struct pod *pod);

/* What is wrong with port name s as an IANA_SVC_NAME (the API server's
 * check of containerPort names and probe ports), or NULL when it is good. */
const char *pod_port_name_problem(const char *s);

/* Scheduling fields (pod-sched.c): the spec fields' decoders (obj a
 * struct pod), their encoding into the spec object and freeing. */
int pod_decode_node_name(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_node_selector(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_affinity(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_tolerations(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_topology_spread(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_scheduling_gates(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_priority(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_priority_class(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_preemption_policy(json_object *v, void *obj, const char *path, struct pp_error *err);
void pod_sched_to_json(json_object *spec, const struct pod *pod);
void pod_sched_free(struct pod *pod);
/* The smaller fields (pod-small.c). Pod-level decoders (obj a struct pod):
 * spec.os, enableServiceLinks, overhead, readinessGates; container-level:
 * resizePolicy (obj a struct pod_container) and a handler's sleep (obj a
 * struct pod_handler). */
int pod_decode_os(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_service_links(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_overhead(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_readiness_gates(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_resize_policy(json_object *v, void *obj, const char *path, struct pp_error *err);
int pod_decode_sleep(json_object *v, void *obj, const char *path, struct pp_error *err);
/* Their checks: the pod's (RuntimeClass admission, os,
 * readinessGates) and one container's under cpath. 0 or -EINVAL. */
int pod_validate_small(const struct pod *pod, struct pp_error *err);
int pod_validate_small_container(const struct pod *pod, const struct pod_container *c,
                                 const char *cpath, struct pp_error *err);
/* The container.apparmor.security.beta.kubernetes.io/<container>
 * annotations, as the appArmorProfile field they stand for. 0 or -EINVAL. */
int pod_validate_apparmor_annotations(const struct pod *pod, struct pp_error *err);
/* Encoding into the spec, container and handler objects; comparison;
 * freeing the members. */
void pod_small_to_json(json_object *spec, const struct pod *pod);
void pod_small_ctr_to_json(json_object *o, const struct pod_container *c);
void pod_small_handler_to_json(json_object *ho, const struct pod_handler *h);
bool pod_small_equal(const struct pod *a, const struct pod *b);
bool pod_small_ctr_equal(const struct pod_container *a, const struct pod_container *b);
void pod_small_free(struct pod *pod);
void pod_small_ctr_free(struct pod_container *c);
