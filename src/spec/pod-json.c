/* SPDX-License-Identifier: Apache-2.0 */
/* Decoding one Pod (metadata and pod-level spec) from its json-c tree, then
 * defaulting and validating it; containers live in pod-container.c. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define POD_ONLY " peapod runs Pods only (apiVersion v1, kind Pod)"

int pod_decode_string_map(json_object *v, const char *path, char ***ret_keys, char ***ret_values,
                          struct pp_error *err)
{
	cleanup_strv char **keys = NULL;
	cleanup_strv char **values = NULL;
	char sub[POD_PATH_MAX];

	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "map of strings", err);
	json_object_object_foreach(v, key, val)
	{
		cleanup_free char *s = NULL;
		int r;

		pod_path_key(sub, path, key);
		if (val == NULL)
			s = xstrdup("");
		else if ((r = pod_decode_str(val, sub, &s, err)) < 0)
			return r;
		strv_push(&keys, key);
		strv_push(&values, s);
	}
	strv_free(*ret_keys);
	strv_free(*ret_values);
	*ret_keys = take_ptr(&keys);
	*ret_values = take_ptr(&values);
	return 0;
}

static int decode_labels(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	return pod_decode_string_map(v, path, &pod->label_keys, &pod->label_values, err);
}

static int decode_annotations(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	return pod_decode_string_map(v, path, &pod->annotation_keys, &pod->annotation_values, err);
}

int pod_decode_string_ignored(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	return 0;
}

/* Fields a `kubectl get -o yaml` export carries that the API server itself
 * ignores on creation are accepted; behaviour-changing ones are refused. */
static const struct pod_field metadata_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod, name), NULL},
    {"namespace", POD_FIELD_STR, offsetof(struct pod, namespace_), NULL},
    {"uid", POD_FIELD_STR, offsetof(struct pod, uid), NULL},
    {"labels", POD_FIELD_CUSTOM, 0, decode_labels},
    {"annotations", POD_FIELD_CUSTOM, 0, decode_annotations},
    {"creationTimestamp", POD_FIELD_CUSTOM, 0, pod_decode_string_ignored},
    POD_METADATA_SERVER_FIELDS,
    {NULL, 0, 0, NULL},
};

static int decode_metadata(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return pod_decode_fields(v, metadata_fields, obj, path, err);
}

static int decode_restart_policy(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	s = json_object_get_string(v);
	if (strcmp(s, "Always") == 0 || s[0] == '\0') /* "" is defaulted */
		pod->restart_policy = POD_RESTART_ALWAYS;
	else if (strcmp(s, "OnFailure") == 0)
		pod->restart_policy = POD_RESTART_ON_FAILURE;
	else if (strcmp(s, "Never") == 0)
		pod->restart_policy = POD_RESTART_NEVER;
	else
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: \"%.64s\": supported values: \"Always\", \"OnFailure\", \"Never\"",
		    path, s);
	return 0;
}

static int decode_grace(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	int64_t n = 0;
	int r = pod_decode_int64(v, path, &n, err);

	if (r < 0)
		return r;
	if (n < 0)
		return pp_error_msg(err, EINVAL,
		                    "%s: Invalid value: %lld: must be greater than or equal to 0",
		                    path, (long long)n);
	pod->termination_grace_period_seconds = n;
	pod->termination_grace_period_unset = false;
	return 0;
}

static int decode_host_users(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;

	if (!json_object_is_type(v, json_type_boolean))
		return pod_type_error(path, v, "boolean", err);
	pod->no_host_users = !json_object_get_boolean(v);
	return 0;
}

static int decode_active_deadline(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	int64_t n = 0;
	int r = pod_decode_int64(v, path, &n, err);

	if (r < 0)
		return r;
	if (n < 1 || n > INT32_MAX)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Invalid value: %lld: must be between 1 and 2147483647, inclusive", path,
		    (long long)n);
	pod->active_deadline_seconds = n;
	return 0;
}

static int decode_service_account(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	if (strcmp(json_object_get_string(v), "default") != 0 && json_object_get_string_len(v) != 0)
		return pod_unsupported(path, err);
	return 0;
}

/* spec.imagePullSecrets: a list of LocalObjectReference ({name}). */
static const struct pod_field secret_ref_fields[] = {
    {"name", POD_FIELD_STR, 0, NULL},
    {NULL, 0, 0, NULL},
};

static int decode_pull_secrets(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	char **names = NULL;
	size_t n = 0;
	int r = pod_decode_object_array(
	    v, path, &(const struct pod_element){secret_ref_fields, sizeof(char *)},
	    (void **)&names, &n, err);

	strv_free(pod->image_pull_secrets);
	pod->image_pull_secrets = NULL;
	for (size_t i = 0; i < n; i++)
		if (names[i] != NULL && *names[i] != '\0')
			strv_push(&pod->image_pull_secrets, names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

#define SPEC_UNSUPPORTED(n)                       \
	{                                         \
		n, POD_FIELD_UNSUPPORTED, 0, NULL \
	}

static const struct pod_field spec_fields[] = {
    {"containers", POD_FIELD_CUSTOM, 0, pod_decode_containers},
    {"shareProcessNamespace", POD_FIELD_BOOL, offsetof(struct pod, share_process_namespace), NULL},
    {"hostPID", POD_FIELD_BOOL, offsetof(struct pod, host_pid), NULL},
    {"hostIPC", POD_FIELD_BOOL, offsetof(struct pod, host_ipc), NULL},
    {"hostNetwork", POD_FIELD_BOOL, offsetof(struct pod, host_network), NULL},
    {"restartPolicy", POD_FIELD_CUSTOM, 0, decode_restart_policy},
    {"terminationGracePeriodSeconds", POD_FIELD_CUSTOM, 0, decode_grace},
    {"hostname", POD_FIELD_STR, offsetof(struct pod, hostname), NULL},
    {"subdomain", POD_FIELD_STR, offsetof(struct pod, subdomain), NULL},
    {"dnsPolicy", POD_FIELD_STR, offsetof(struct pod, dns_policy), NULL},
    {"schedulerName", POD_FIELD_STR, offsetof(struct pod, scheduler_name), NULL},
    {"serviceAccountName", POD_FIELD_CUSTOM, 0, decode_service_account},
    {"serviceAccount", POD_FIELD_CUSTOM, 0, decode_service_account},
    {"automountServiceAccountToken", POD_FIELD_IGNORE_BOOL, 0, NULL},
    {"enableServiceLinks", POD_FIELD_CUSTOM, 0, pod_decode_service_links},
    {"hostUsers", POD_FIELD_CUSTOM, 0, decode_host_users},
    {"volumes", POD_FIELD_CUSTOM, 0, pod_decode_volumes},
    {"initContainers", POD_FIELD_CUSTOM, 0, pod_decode_init_containers},
    {"ephemeralContainers", POD_FIELD_CUSTOM, 0, pod_decode_ephemeral_containers},
    {"activeDeadlineSeconds", POD_FIELD_CUSTOM, 0, decode_active_deadline},
    {"nodeSelector", POD_FIELD_CUSTOM, 0, pod_decode_node_selector},
    {"nodeName", POD_FIELD_CUSTOM, 0, pod_decode_node_name},
    {"securityContext", POD_FIELD_CUSTOM, 0, pod_decode_pod_security},
    {"imagePullSecrets", POD_FIELD_CUSTOM, 0, decode_pull_secrets},
    {"affinity", POD_FIELD_CUSTOM, 0, pod_decode_affinity},
    {"tolerations", POD_FIELD_CUSTOM, 0, pod_decode_tolerations},
    {"hostAliases", POD_FIELD_CUSTOM, 0, pod_decode_host_aliases},
    {"priorityClassName", POD_FIELD_CUSTOM, 0, pod_decode_priority_class},
    {"priority", POD_FIELD_CUSTOM, 0, pod_decode_priority},
    {"dnsConfig", POD_FIELD_CUSTOM, 0, pod_decode_dns_config},
    {"readinessGates", POD_FIELD_CUSTOM, 0, pod_decode_readiness_gates},
    {"runtimeClassName", POD_FIELD_STR, offsetof(struct pod, runtime_class_name), NULL},
    {"preemptionPolicy", POD_FIELD_CUSTOM, 0, pod_decode_preemption_policy},
    {"overhead", POD_FIELD_CUSTOM, 0, pod_decode_overhead},
    {"topologySpreadConstraints", POD_FIELD_CUSTOM, 0, pod_decode_topology_spread},
    {"setHostnameAsFQDN", POD_FIELD_BOOL, offsetof(struct pod, set_hostname_as_fqdn), NULL},
    {"os", POD_FIELD_CUSTOM, 0, pod_decode_os},
    {"schedulingGates", POD_FIELD_CUSTOM, 0, pod_decode_scheduling_gates},
    SPEC_UNSUPPORTED("resourceClaims"),
    {"resources", POD_FIELD_CUSTOM, 0, pod_decode_pod_resources},
    {NULL, 0, 0, NULL},
};

static int decode_spec(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return pod_decode_fields(v, spec_fields, obj, path, err);
}

static const struct pod_field pod_fields[] = {
    {"apiVersion", POD_FIELD_STR, offsetof(struct pod, api_version), NULL},
    {"kind", POD_FIELD_IGNORE, 0, NULL}, /* checked by check_kind() */
    {"metadata", POD_FIELD_CUSTOM, 0, decode_metadata},
    {"spec", POD_FIELD_CUSTOM, 0, decode_spec},
    {"status", POD_FIELD_IGNORE, 0, NULL},
    {NULL, 0, 0, NULL},
};

/* Refuse anything but v1 Pods before looking at their fields. */
static int check_kind(json_object *obj, struct pp_error *err)
{
	json_object *kind = NULL, *api = NULL;
	const char *k, *a;

	if (!json_object_is_type(obj, json_type_object))
		return pod_type_error("<document>", obj, "a Pod object", err);
	if (!json_object_object_get_ex(obj, "kind", &kind) || kind == NULL)
		return pp_error_msg(err, EINVAL, "kind: Required value");
	if (!json_object_is_type(kind, json_type_string))
		return pod_type_error("kind", kind, "string", err);
	k = json_object_get_string(kind);
	if (strcmp(k, "Pod") != 0)
		return pp_error_msg(err, EINVAL, "unknown kind \"%.64s\":" POD_ONLY, k);
	if (!json_object_object_get_ex(obj, "apiVersion", &api) || api == NULL)
		return pp_error_msg(err, EINVAL, "apiVersion: Required value");
	if (!json_object_is_type(api, json_type_string))
		return pod_type_error("apiVersion", api, "string", err);
	a = json_object_get_string(api);
	if (strcmp(a, "v1") != 0)
		return pp_error_msg(err, EINVAL,
		                    "unknown apiVersion \"%.64s\" for kind \"Pod\":" POD_ONLY, a);
	return 0;
}

int pod_spec_from_json(json_object *obj, struct pod **ret, struct pp_error *err)
{
	struct pod *pod = NULL;
	int r = check_kind(obj, err);

	if (r < 0)
		return r;
	pod = xzalloc(sizeof(*pod));
	pod->termination_grace_period_unset = true;
	r = pod_decode_fields(obj, pod_fields, pod, "", err);
	if (r == 0) {
		pod_spec_default(pod);
		r = pod_spec_validate(pod, err);
	}
	if (r < 0) {
		pod_free(pod);
		return r;
	}
	*ret = pod;
	return 0;
}

int pod_spec_from_manifest(json_object *obj, struct pod **ret, struct pp_error *err)
{
	struct pod *pod = NULL;
	int r = pod_spec_from_json(obj, &pod, err);

	if (r < 0)
		return r;
	if (pod->n_ephemeral_containers > 0) {
		pod_free(pod);
		(void)pp_error_msg(err, EINVAL,
		                   "spec.ephemeralContainers: Forbidden: cannot be set on create");
		return -EINVAL;
	}
	free(take_ptr(&pod->uid)); /* the manifest's uid is not ours */
	*ret = pod;
	return 0;
}

static void pods_push(struct pod **pods, size_t *n, struct pod *pod)
{
	*pods = xrealloc(*pods, (*n + 1) * sizeof(**pods));
	(*pods)[(*n)++] = *pod;
	free(pod);
}

int pod_spec_parse_yaml(const char *text, size_t len, const char *src_name, struct pod **ret_pods,
                        size_t *ret_n, struct pp_error *err)
{
	json_object *docs = NULL;
	struct pod *pods = NULL;
	size_t n = 0;
	int r = pod_yaml_to_json(text, len, src_name, &docs, err);

	for (size_t i = 0; r == 0 && i < json_object_array_length(docs); i++) {
		struct pod *pod = NULL;

		r = pod_spec_from_manifest(json_object_array_get_idx(docs, i), &pod, err);
		if (r < 0)
			break;
		pods_push(&pods, &n, pod);
	}
	json_object_put(docs);
	if (r < 0) {
		pod_free_all(pods, n);
		return r;
	}
	*ret_pods = pods;
	*ret_n = n;
	return 0;
}
