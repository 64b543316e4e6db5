/* SPDX-License-Identifier: Apache-2.0 */
/* The scheduling fields of a Pod's spec: nodeName, nodeSelector, affinity,
 * tolerations, topologySpreadConstraints, schedulingGates, priority,
 * priorityClassName and preemptionPolicy. Decoded strictly and validated in
 * the API server's words, kept as json-c for the scheduler's filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/selector.h"
#include "spec/validate.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define IN_NOTIN_MSG    "must be specified when `operator` is 'In' or 'NotIn'"
#define EXISTS_MSG      "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
#define NOT_OP_MSG      "not a valid selector operator"
#define WEIGHT_MSG      "must be in the range 1-100"
#define PRIO_CLUSTER    2000000000
#define PRIO_NODE       2000001000
#define SYSTEM_CLUSTER  "system-cluster-critical"
#define SYSTEM_NODE     "system-node-critical"
#define MAX_GATE_LENGTH 63

/* Validators walked by pod_decode_fields with obj NULL: they check, the
 * caller keeps the json. */
static int v_string(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return json_object_is_type(v, json_type_string) ? 0
	                                                : pod_type_error(path, v, "string", err);
}

static int v_int(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return json_object_is_type(v, json_type_int) ? 0 : pod_type_error(path, v, "integer", err);
}

static int v_strv(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	char sub[POD_PATH_MAX];
	size_t n = 0;
	int r = pod_decode_array(v, path, &n, err);

	(void)obj;
	for (size_t i = 0; r == 0 && i < n; i++) {
		pod_path_index(sub, path, i);
		r = v_string(json_object_array_get_idx(v, i), NULL, sub, err);
	}
	return r;
}

static int v_string_map(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	char sub[POD_PATH_MAX];

	(void)obj;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "map of strings", err);
	json_object_object_foreach(v, k, val)
	{
		int r;

		pod_path_key(sub, path, k);
		if ((r = v_string(val, NULL, sub, err)) < 0 ||
		    (r = pod_check_qualified_name(path, k, err)) < 0 ||
		    (r = pod_check_label_value(path, json_object_get_string(val), err)) < 0)
			return r;
	}
	return 0;
}

/* Each element of an array by validator fn. */
static int each(json_object *v, const char *path,
                int (*fn)(json_object *e, const char *path, struct pp_error *err),
                struct pp_error *err)
{
	char sub[POD_PATH_MAX];
	size_t n = 0;
	int r = pod_decode_array(v, path, &n, err);

	for (size_t i = 0; r == 0 && i < n; i++) {
		pod_path_index(sub, path, i);
		r = fn(json_object_array_get_idx(v, i), sub, err);
	}
	return r;
}

static const char *str_at(json_object *o, const char *key)
{
	json_object *v = json_object_object_get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static size_t n_values(json_object *o)
{
	json_object *v = json_object_object_get(o, "values");

	return json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 0;
}

static const struct pod_field requirement_fields[] = {
    {"key", POD_FIELD_CUSTOM, 0, v_string},
    {"operator", POD_FIELD_CUSTOM, 0, v_string},
    {"values", POD_FIELD_CUSTOM, 0, v_strv},
    {NULL, 0, 0, NULL},
};

/* A NodeSelectorRequirement's operator and values (Gt, Lt too); field
 * selects matchFields, whose only key is metadata.name. */
static int check_requirement(json_object *e, const char *path, bool field, struct pp_error *err)
{
	const char *op = str_at(e, "operator"), *key = str_at(e, "key");
	char sub[POD_PATH_MAX];
	size_t n = n_values(e);
	int r = pod_decode_fields(e, requirement_fields, NULL, path, err);

	if (r < 0)
		return r;
	pod_path_key(sub, path, "values");
	if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
		if (n == 0)
			return pp_error_msg(err, EINVAL, "%s: Required value: " IN_NOTIN_MSG, sub);
	} else if (strcmp(op, "Exists") == 0 || strcmp(op, "DoesNotExist") == 0) {
		if (n > 0)
			return pp_error_msg(err, EINVAL, "%s: Forbidden: " EXISTS_MSG, sub);
	} else if (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0) {
		if (n != 1)
			return pp_error_msg(
			    err, EINVAL,
			    "%s: Required value: must be specified single value when "
			    "`operator` is 'Lt' or 'Gt'",
			    sub);
	} else {
		pod_path_key(sub, path, "operator");
		return pod_invalid(sub, op, NOT_OP_MSG, err);
	}
	pod_path_key(sub, path, "key");
	if (field && strcmp(key, "metadata.name") != 0)
		return pod_invalid(sub, key, "not a valid field selector key", err);
	return field ? 0 : pod_check_qualified_name(sub, key, err);
}

static int node_requirement(json_object *e, const char *path, struct pp_error *err)
{
	return check_requirement(e, path, false, err);
}

static int field_requirement(json_object *e, const char *path, struct pp_error *err)
{
	return check_requirement(e, path, true, err);
}

static int v_node_exprs(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return each(v, path, node_requirement, err);
}

static int v_field_exprs(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return each(v, path, field_requirement, err);
}

static const struct pod_field term_fields[] = {
    {"matchExpressions", POD_FIELD_CUSTOM, 0, v_node_exprs},
    {"matchFields", POD_FIELD_CUSTOM, 0, v_field_exprs},
    {NULL, 0, 0, NULL},
};

static int node_term(json_object *e, const char *path, struct pp_error *err)
{
	return pod_decode_fields(e, term_fields, NULL, path, err);
}

static int v_node_terms(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	size_t n = 0;
	int r = pod_decode_array(v, path, &n, err);

	(void)obj;
	if (r == 0 && n == 0)
		return pp_error_msg(err, EINVAL,
		                    "%s: Required value: must have at least one node selector term",
		                    path);
	return r < 0 ? r : each(v, path, node_term, err);
}

static const struct pod_field node_selector_fields[] = {
    {"nodeSelectorTerms", POD_FIELD_CUSTOM, 0, v_node_terms},
    {NULL, 0, 0, NULL},
};

static int v_node_selector(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int r = pod_decode_fields(v, node_selector_fields, obj, path, err);

	if (r == 0 && json_object_object_get(v, "nodeSelectorTerms") == NULL)
		return v_node_terms(NULL, obj, path, err);
	return r;
}

static int v_weight(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int64_t w = 0;
	int r = pod_decode_int64(v, path, &w, err);

	(void)obj;
	if (r == 0 && (w < 1 || w > 100))
		return pp_error_msg(err, EINVAL, "%s: Invalid value: %lld: " WEIGHT_MSG, path,
		                    (long long)w);
	return r;
}

static int v_node_term(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return node_term(v, path, err);
}

static const struct pod_field preferred_node_fields[] = {
    {"weight", POD_FIELD_CUSTOM, 0, v_weight},
    {"preference", POD_FIELD_CUSTOM, 0, v_node_term},
    {NULL, 0, 0, NULL},
};

static int preferred_node(json_object *e, const char *path, struct pp_error *err)
{
	int r = pod_decode_fields(e, preferred_node_fields, NULL, path, err);

	if (r == 0 && json_object_object_get(e, "weight") == NULL)
		return v_weight(json_object_new_int(0), NULL, path, err);
	return r;
}

static int v_preferred_nodes(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return each(v, path, preferred_node, err);
}

static const struct pod_field node_affinity_fields[] = {
    {"requiredDuringSchedulingIgnoredDuringExecution", POD_FIELD_CUSTOM, 0, v_node_selector},
    {"preferredDuringSchedulingIgnoredDuringExecution", POD_FIELD_CUSTOM, 0, v_preferred_nodes},
    {NULL, 0, 0, NULL},
};

static int v_node_affinity(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return pod_decode_fields(v, node_affinity_fields, obj, path, err);
}

/* A LabelSelector, validated as spec/selector.c decodes it for matching. */
static int v_label_selector(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_selector *sel = NULL;
	int r = pod_selector_from_json(v, path, &sel, err);

	(void)obj;
	pod_selector_free(sel);
	return r;
}

static int namespace_name(json_object *e, const char *path, struct pp_error *err)
{
	int r = v_string(e, NULL, path, err);

	return r < 0 ? r : pod_check_dns_label(path, json_object_get_string(e), err);
}

static int v_namespaces(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return each(v, path, namespace_name, err);
}

static int v_topology_key(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int r = v_string(v, obj, path, err);

	if (r == 0 && json_object_get_string_len(v) == 0)
		return pp_error_msg(err, EINVAL, "%s: Required value: can not be empty", path);
	return r < 0 ? r : pod_check_qualified_name(path, json_object_get_string(v), err);
}

static const struct pod_field pod_term_fields[] = {
    {"labelSelector", POD_FIELD_CUSTOM, 0, v_label_selector},
    {"namespaceSelector", POD_FIELD_CUSTOM, 0, v_label_selector},
    {"namespaces", POD_FIELD_CUSTOM, 0, v_namespaces},
    {"topologyKey", POD_FIELD_CUSTOM, 0, v_topology_key},
    {"matchLabelKeys", POD_FIELD_UNSUPPORTED, 0, NULL},
    {"mismatchLabelKeys", POD_FIELD_UNSUPPORTED, 0, NULL},
    {NULL, 0, 0, NULL},
};

static int pod_term(json_object *e, const char *path, struct pp_error *err)
{
	char sub[POD_PATH_MAX];
	int r = pod_decode_fields(e, pod_term_fields, NULL, path, err);

	pod_path_key(sub, path, "topologyKey");
	if (r == 0 && json_object_object_get(e, "topologyKey") == NULL)
		return pp_error_msg(err, EINVAL, "%s: Required value: can not be empty", sub);
	return r;
}

static int v_pod_term(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return pod_term(v, path, err);
}

static const struct pod_field preferred_pod_fields[] = {
    {"weight", POD_FIELD_CUSTOM, 0, v_weight},
    {"podAffinityTerm", POD_FIELD_CUSTOM, 0, v_pod_term},
    {NULL, 0, 0, NULL},
};

static int preferred_pod(json_object *e, const char *path, struct pp_error *err)
{
	return pod_decode_fields(e, preferred_pod_fields, NULL, path, err);
}

static int v_required_pods(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return each(v, path, pod_term, err);
}

static int v_preferred_pods(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	(void)obj;
	return each(v, path, preferred_pod, err);
}

static const struct pod_field pod_affinity_fields[] = {
    {"requiredDuringSchedulingIgnoredDuringExecution", POD_FIELD_CUSTOM, 0, v_required_pods},
    {"preferredDuringSchedulingIgnoredDuringExecution", POD_FIELD_CUSTOM, 0, v_preferred_pods},
    {NULL, 0, 0, NULL},
};

static int v_pod_affinity(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return pod_decode_fields(v, pod_affinity_fields, obj, path, err);
}

static const struct pod_field affinity_fields[] = {
    {"nodeAffinity", POD_FIELD_CUSTOM, 0, v_node_affinity},
    {"podAffinity", POD_FIELD_CUSTOM, 0, v_pod_affinity},
    {"podAntiAffinity", POD_FIELD_CUSTOM, 0, v_pod_affinity},
    {NULL, 0, 0, NULL},
};

/* Keep v (validated) in *slot. */
static void keep(json_object **slot, json_object *v)
{
	if (*slot != NULL)
		json_object_put(*slot);
	*slot = json_object_get(v);
}

int pod_decode_affinity(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int r = pod_decode_fields(v, affinity_fields, NULL, path, err);

	if (r == 0)
		keep(&((struct pod *)obj)->sched.affinity, v);
	return r;
}

int pod_decode_node_selector(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int r = v_string_map(v, NULL, path, err);

	if (r == 0)
		keep(&((struct pod *)obj)->sched.node_selector, v);
	return r;
}

int pod_decode_node_name(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	int r = pod_decode_str(v, path, &pod->sched.node_name, err);

	if (r == 0 && pod->sched.node_name[0] != '\0')
		r = pod_check_dns_subdomain(path, pod->sched.node_name, err);
	return r;
}

static const struct pod_field toleration_fields[] = {
    {"key", POD_FIELD_CUSTOM, 0, v_string},
    {"operator", POD_FIELD_CUSTOM, 0, v_string},
    {"value", POD_FIELD_CUSTOM, 0, v_string},
    {"effect", POD_FIELD_CUSTOM, 0, v_string},
    {"tolerationSeconds", POD_FIELD_CUSTOM, 0, v_int},
    {NULL, 0, 0, NULL},
};

/* validation.ValidateTolerations for one toleration. */
static int toleration(json_object *e, const char *path, struct pp_error *err)
{
	const char *key = str_at(e, "key"), *op = str_at(e, "operator");
	const char *value = str_at(e, "value"), *effect = str_at(e, "effect");
	char sub[POD_PATH_MAX];
	int r = pod_decode_fields(e, toleration_fields, NULL, path, err);

	pod_path_key(sub, path, "key");
	if (r == 0 && *key != '\0')
		r = pod_check_qualified_name(sub, key, err);
	pod_path_key(sub, path, "operator");
	if (r == 0 && *key == '\0' && strcmp(op, "Exists") != 0)
		return pod_invalid(
		    sub, op,
		    "operator must be Exists when `key` is empty, which means \"match "
		    "all values and all keys\"",
		    err);
	pod_path_key(sub, path, "effect");
	if (r == 0 && json_object_object_get(e, "tolerationSeconds") != NULL &&
	    strcmp(effect, "NoExecute") != 0)
		return pod_invalid(
		    sub, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set", err);
	if (r == 0 && *effect != '\0' && strcmp(effect, "NoSchedule") != 0 &&
	    strcmp(effect, "PreferNoSchedule") != 0 && strcmp(effect, "NoExecute") != 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: \"%.64s\": supported values: \"NoExecute\", "
		    "\"NoSchedule\", \"PreferNoSchedule\"",
		    sub, effect);
	pod_path_key(sub, path, "operator");
	if (r < 0 || *op == '\0' || strcmp(op, "Equal") == 0) {
		pod_path_key(sub, path, "value");
		return r < 0 ? r : pod_check_label_value(sub, value, err);
	}
	if (strcmp(op, "Exists") != 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: \"%.64s\": supported values: \"Equal\", \"Exists\"",
		    sub, op);
	if (*value != '\0')
		return pod_invalid(sub, value, "value must be empty when `operator` is 'Exists'",
		                   err);
	return 0;
}

int pod_decode_tolerations(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int r = each(v, path, toleration, err);

	if (r == 0)
		keep(&((struct pod *)obj)->sched.tolerations, v);
	return r;
}

static int v_policy(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int r = v_string(v, obj, path, err);
	const char *s = r == 0 ? json_object_get_string(v) : "";

	if (r == 0 && strcmp(s, "Honor") != 0 && strcmp(s, "Ignore") != 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: \"%.64s\": supported values: \"Honor\", "
		    "\"Ignore\"",
		    path, s);
	return r;
}

static const struct pod_field spread_fields[] = {
    {"maxSkew", POD_FIELD_CUSTOM, 0, v_int},
    {"topologyKey", POD_FIELD_CUSTOM, 0, v_topology_key},
    {"whenUnsatisfiable", POD_FIELD_CUSTOM, 0, v_string},
    {"labelSelector", POD_FIELD_CUSTOM, 0, v_label_selector},
    {"minDomains", POD_FIELD_CUSTOM, 0, v_int},
    {"nodeAffinityPolicy", POD_FIELD_CUSTOM, 0, v_policy},
    {"nodeTaintsPolicy", POD_FIELD_CUSTOM, 0, v_policy},
    {"matchLabelKeys", POD_FIELD_UNSUPPORTED, 0, NULL},
    {NULL, 0, 0, NULL},
};

/* validateTopologySpreadConstraints for one constraint. */
static int spread(json_object *e, const char *path, struct pp_error *err)
{
	const char *when = str_at(e, "whenUnsatisfiable");
	json_object *min = json_object_object_get(e, "minDomains");
	char sub[POD_PATH_MAX];
	int r = pod_decode_fields(e, spread_fields, NULL, path, err);
	int64_t skew = json_object_get_int64(json_object_object_get(e, "maxSkew"));

	pod_path_key(sub, path, "maxSkew");
	if (r == 0 && skew <= 0)
		return pp_error_msg(err, EINVAL,
		                    "%s: Invalid value: %lld: must be greater than zero", sub,
		                    (long long)skew);
	pod_path_key(sub, path, "topologyKey");
	if (r == 0 && json_object_object_get(e, "topologyKey") == NULL)
		return pp_error_msg(err, EINVAL, "%s: Required value: can not be empty", sub);
	pod_path_key(sub, path, "whenUnsatisfiable");
	if (r == 0 && strcmp(when, "DoNotSchedule") != 0 && strcmp(when, "ScheduleAnyway") != 0)
		return pp_error_msg(err, EINVAL,
		                    "%s: Unsupported value: \"%.64s\": supported values: "
		                    "\"DoNotSchedule\", \"ScheduleAnyway\"",
		                    sub, when);
	pod_path_key(sub, path, "minDomains");
	if (r == 0 && min != NULL && json_object_get_int64(min) <= 0)
		return pp_error_msg(err, EINVAL, "%s: Invalid value: %lld: must be greater than 0",
		                    sub, (long long)json_object_get_int64(min));
	if (r == 0 && min != NULL && strcmp(when, "DoNotSchedule") != 0)
		return pp_error_msg(err, EINVAL,
		                    "%s: Invalid value: %lld: can only use minDomains if "
		                    "whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway",
		                    sub, (long long)json_object_get_int64(min));
	return r;
}

int pod_decode_topology_spread(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int r = each(v, path, spread, err);

	for (size_t i = 0; r == 0 && i < json_object_array_length(v); i++)
		for (size_t j = 0; j < i; j++) {
			json_object *a = json_object_array_get_idx(v, i);
			json_object *b = json_object_array_get_idx(v, j);
			char sub[POD_PATH_MAX];

			if (strcmp(str_at(a, "topologyKey"), str_at(b, "topologyKey")) != 0 ||
			    strcmp(str_at(a, "whenUnsatisfiable"),
			           str_at(b, "whenUnsatisfiable")) != 0)
				continue;
			pod_path_index(sub, path, i);
			return pp_error_msg(err, EINVAL, "%s: Duplicate value: \"{%s, %s}\"", sub,
			                    str_at(a, "topologyKey"),
			                    str_at(a, "whenUnsatisfiable"));
		}
	if (r == 0)
		keep(&((struct pod *)obj)->sched.topology_spread, v);
	return r;
}

static const struct pod_field gate_fields[] = {
    {"name", POD_FIELD_STR, 0, NULL},
    {NULL, 0, 0, NULL},
};

int pod_decode_scheduling_gates(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	char **names = NULL, sub[POD_PATH_MAX];
	size_t n = 0;
	int r = pod_decode_object_array(v, path,
	                                &(const struct pod_element){gate_fields, sizeof(char *)},
	                                (void **)&names, &n, err);

	strv_free(pod->sched.scheduling_gates);
	pod->sched.scheduling_gates = NULL;
	for (size_t i = 0; i < n; i++) {
		pod_path_index(sub, path, i);
		if (r == 0 && strv_contains(pod->sched.scheduling_gates, names[i] ? names[i] : ""))
			r = pp_error_msg(err, EINVAL, "%s: Duplicate value: \"%s\"", sub, names[i]);
		pod_path_key(sub, sub, "name");
		if (r == 0)
			r = pod_check_qualified_name(sub, names[i] ? names[i] : "", err);
		if (r == 0)
			strv_push(&pod->sched.scheduling_gates, names[i]);
		free(names[i]);
	}
	free(names);
	return r;
}

int pod_decode_priority(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	int64_t n = 0;
	int r = pod_decode_int64(v, path, &n, err);

	if (r == 0 && (n < INT32_MIN || n > INT32_MAX))
		return pod_type_error(path, v, "int32", err);
	pod->sched.has_priority = r == 0;
	pod->sched.priority = (int32_t)n;
	return r;
}

int pod_decode_priority_class(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	int r = pod_decode_str(v, path, &pod->sched.priority_class_name, err);

	if (r == 0 && pod->sched.priority_class_name[0] != '\0')
		r = pod_check_dns_subdomain(path, pod->sched.priority_class_name, err);
	return r;
}

int pod_decode_preemption_policy(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	int r = pod_decode_str(v, path, &pod->sched.preemption_policy, err);
	const char *s = r == 0 ? pod->sched.preemption_policy : "";

	if (r == 0 && strcmp(s, "Never") != 0 && strcmp(s, "PreemptLowerPriority") != 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Unsupported value: \"%.64s\": supported values: \"Never\", "
		    "\"PreemptLowerPriority\"",
		    path, s);
	return r;
}

int pod_priority_admit(struct pod *pod, struct pp_error *err)
{
	const char *cls = pod->sched.priority_class_name;
	int32_t want = 0;

	if (cls != NULL && strcmp(cls, SYSTEM_CLUSTER) == 0)
		want = PRIO_CLUSTER;
	else if (cls != NULL && strcmp(cls, SYSTEM_NODE) == 0)
		want = PRIO_NODE;
	else if (cls != NULL && *cls != '\0')
		return pp_error_msg(
		    err, EPERM, "pods \"%s\" is forbidden: no PriorityClass with name %s was found",
		    pod->name, cls);
	if (pod->sched.has_priority && pod->sched.priority != want)
		return pp_error_msg(
		    err, EPERM,
		    "pods \"%s\" is forbidden: the integer value of priority (%d) must "
		    "not be provided in pod spec; priority admission controller "
		    "computed %d from the given PriorityClass name",
		    pod->name, (int)pod->sched.priority, (int)want);
	pod->sched.has_priority = true;
	pod->sched.priority = want;
	if (pod->sched.preemption_policy == NULL)
		pod->sched.preemption_policy = xstrdup("PreemptLowerPriority");
	return 0;
}

static void add_kept(json_object *spec, const char *key, json_object *v)
{
	if (v != NULL)
		json_object_object_add(spec, key, json_object_get(v));
}

void pod_sched_to_json(json_object *spec, const struct pod *pod)
{
	const struct pod_sched *s = &pod->sched;

	if (s->node_name != NULL)
		json_object_object_add(spec, "nodeName", json_object_new_string(s->node_name));
	add_kept(spec, "nodeSelector", s->node_selector);
	add_kept(spec, "affinity", s->affinity);
	add_kept(spec, "tolerations", s->tolerations);
	add_kept(spec, "topologySpreadConstraints", s->topology_spread);
	if (s->scheduling_gates != NULL) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; s->scheduling_gates[i] != NULL; i++) {
			json_object *g = json_object_new_object();

			json_object_object_add(g, "name",
			                       json_object_new_string(s->scheduling_gates[i]));
			json_object_array_add(a, g);
		}
		json_object_object_add(spec, "schedulingGates", a);
	}
	if (s->has_priority)
		json_object_object_add(spec, "priority", json_object_new_int(s->priority));
	if (s->priority_class_name != NULL)
		json_object_object_add(spec, "priorityClassName",
		                       json_object_new_string(s->priority_class_name));
	if (s->preemption_policy != NULL)
		json_object_object_add(spec, "preemptionPolicy",
		                       json_object_new_string(s->preemption_policy));
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool json_eq(json_object *a, json_object *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && json_object_equal(a, b));
}

/* Equal but for schedulingGates. */
static bool sched_eq_but_gates(const struct pod_sched *a, const struct pod_sched *b)
{
	return str_eq(a->node_name, b->node_name) && json_eq(a->node_selector, b->node_selector) &&
	       json_eq(a->affinity, b->affinity) && json_eq(a->tolerations, b->tolerations) &&
	       json_eq(a->topology_spread, b->topology_spread) &&
	       str_eq(a->priority_class_name, b->priority_class_name) &&
	       str_eq(a->preemption_policy, b->preemption_policy) &&
	       (a->has_priority == b->has_priority && a->priority == b->priority);
}

bool pod_sched_equal(const struct pod_sched *a, const struct pod_sched *b)
{
	size_t n = strv_len(a->scheduling_gates);

	if (!sched_eq_but_gates(a, b) || n != strv_len(b->scheduling_gates))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a->scheduling_gates[i], b->scheduling_gates[i]) != 0)
			return false;
	return true;
}

bool pod_sched_only_gates_removed(const struct pod *cur, const struct pod *next)
{
	struct pod copy = *next;
	char **gates = next->sched.scheduling_gates;

	/* ValidatePodSpecUpdate: gates may only be removed, never added */
	for (size_t i = 0; gates != NULL && gates[i] != NULL; i++)
		if (!strv_contains(cur->sched.scheduling_gates, gates[i]))
			return false;
	if (strv_len(gates) == strv_len(cur->sched.scheduling_gates))
		return false;
	copy.sched.scheduling_gates = cur->sched.scheduling_gates;
	return pod_spec_equal(cur, &copy);
}

void pod_sched_free(struct pod *pod)
{
	struct pod_sched *s = &pod->sched;

	free(s->node_name);
	json_object_put(s->node_selector);
	json_object_put(s->affinity);
	json_object_put(s->tolerations);
	json_object_put(s->topology_spread);
	strv_free(s->scheduling_gates);
	free(s->priority_class_name);
	free(s->preemption_policy);
}
