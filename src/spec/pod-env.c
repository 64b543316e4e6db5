/* SPDX-License-Identifier: Apache-2.0 */
/* containers[].env (with valueFrom: fieldRef, resourceFieldRef,
 * configMapKeyRef, secretKeyRef) and containers[].envFrom: decoding,
 * the API server's validation (validateEnvVarValueFrom, ValidateEnvFrom),
 * encoding, comparison and freeing. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/object.h"
#include "spec/validate.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define ENV_NAME_MSG                                                                             \
	"a valid environment variable name must consist of alphabetic characters, digits, '_', " \
	"'-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  " \
	"or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"

/* validEnvDownwardAPIFieldPathExpressions, sorted as the API server lists them */
static const char *const env_field_paths[] = {
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
    NULL,
};

/* ConvertDownwardAPIFieldLabel's plain labels (v1) */
static const char *const field_labels[] = {
    "metadata.annotations", "metadata.labels", "metadata.name",      "metadata.namespace",
    "metadata.uid",         "spec.nodeName",   "spec.restartPolicy", "spec.serviceAccountName",
    "spec.schedulerName",   "status.phase",    "status.hostIP",      "status.hostIPs",
    "status.podIP",         "status.podIPs",   "spec.host",          NULL,
};

static const char *const env_resources[] = {
    "limits.cpu",   "limits.ephemeral-storage",   "limits.memory",
    "requests.cpu", "requests.ephemeral-storage", "requests.memory",
    NULL,
};

static const char *const cpu_divisors[] = {"1m", "1", NULL};
static const char *const memory_divisors[] = {"1",   "1k",  "1M",  "1G",  "1T",  "1P",  "1E",
                                              "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei", NULL};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

bool pod_is_env_name(const char *s)
{
	if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (; *s != '\0'; s++)
		if (!pod_is_alnum(*s) && *s != '-' && *s != '.' && *s != '_')
			return false;
	return true;
}

const char *pod_env_name_problem(const char *s)
{
	return pod_is_env_name(s) ? NULL : ENV_NAME_MSG;
}

/* ---- decoding ---- */

static int decode_optional(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_key_ref *ref = obj;

	if (!json_object_is_type(v, json_type_boolean))
		return pod_type_error(path, v, "boolean", err);
	ref->has_optional = true;
	ref->optional = json_object_get_boolean(v);
	return 0;
}

static const struct pod_field key_ref_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_key_ref, name), NULL},
    {"key", POD_FIELD_STR, offsetof(struct pod_key_ref, key), NULL},
    {"optional", POD_FIELD_CUSTOM, 0, decode_optional},
    {NULL, 0, 0, NULL},
};

static const struct pod_field obj_ref_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_key_ref, name), NULL},
    {"optional", POD_FIELD_CUSTOM, 0, decode_optional},
    {NULL, 0, 0, NULL},
};

static int decode_ref(json_object *v, struct pod_key_ref *ref, bool with_key, const char *path,
                      struct pp_error *err)
{
	ref->set = true;
	return pod_decode_fields(v, with_key ? key_ref_fields : obj_ref_fields, ref, path, err);
}

static int decode_cm_key_ref(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_ref(v, &((struct pod_env_source *)obj)->config_map_key_ref, true, path, err);
}

static int decode_secret_key_ref(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_ref(v, &((struct pod_env_source *)obj)->secret_key_ref, true, path, err);
}

static const struct pod_field field_ref_fields[] = {
    {"fieldPath", POD_FIELD_STR, offsetof(struct pod_env_source, field_path), NULL},
    {"apiVersion", POD_FIELD_STR, offsetof(struct pod_env_source, api_version), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_field_ref(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_env_source *src = obj;

	src->has_field_ref = true;
	return pod_decode_fields(v, field_ref_fields, src, path, err);
}

/* A quantity: a string, or a number written bare in YAML. */
static int decode_divisor(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_env_source *src = obj;
	uint64_t n = 0;
	const char *s;

	if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return pod_type_error(path, v, "a quantity (e.g. \"1Mi\")", err);
	s = json_object_get_string(v);
	if (pod_quantity_parse_milli(s, &n) < 0)
		return pod_invalid(path, s,
		                   "quantities must match the regular expression "
		                   "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
		                   err);
	free(src->divisor);
	/* a zero divisor is the unset one (the API server shows it as "0") */
	src->divisor = n == 0 ? NULL : xstrdup(s);
	return 0;
}

static const struct pod_field resource_ref_fields[] = {
    {"containerName", POD_FIELD_STR, offsetof(struct pod_env_source, container_name), NULL},
    {"resource", POD_FIELD_STR, offsetof(struct pod_env_source, resource), NULL},
    {"divisor", POD_FIELD_CUSTOM, 0, decode_divisor},
    {NULL, 0, 0, NULL},
};

static int decode_resource_ref(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_env_source *src = obj;

	src->has_resource_ref = true;
	return pod_decode_fields(v, resource_ref_fields, src, path, err);
}

static const struct pod_field value_from_fields[] = {
    {"fieldRef", POD_FIELD_CUSTOM, 0, decode_field_ref},
    {"resourceFieldRef", POD_FIELD_CUSTOM, 0, decode_resource_ref},
    {"configMapKeyRef", POD_FIELD_CUSTOM, 0, decode_cm_key_ref},
    {"secretKeyRef", POD_FIELD_CUSTOM, 0, decode_secret_key_ref},
    {"fileKeyRef", POD_FIELD_UNSUPPORTED, 0, NULL},
    {NULL, 0, 0, NULL},
};

static int decode_value_from(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_env *e = obj;

	e->value_from.set = true;
	return pod_decode_fields(v, value_from_fields, &e->value_from, path, err);
}

static const struct pod_field env_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_env, name), NULL},
    {"value", POD_FIELD_STR, offsetof(struct pod_env, value), NULL},
    {"valueFrom", POD_FIELD_CUSTOM, 0, decode_value_from},
    {NULL, 0, 0, NULL},
};

int pod_decode_env(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;

	return pod_decode_object_array(v, path,
	                               &(const struct pod_element){env_fields, sizeof(*c->env)},
	                               (void **)&c->env, &c->n_env, err);
}

static int decode_cm_ref(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_ref(v, &((struct pod_env_from *)obj)->config_map_ref, false, path, err);
}

static int decode_secret_ref(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_ref(v, &((struct pod_env_from *)obj)->secret_ref, false, path, err);
}

static const struct pod_field env_from_fields[] = {
    {"prefix", POD_FIELD_STR, offsetof(struct pod_env_from, prefix), NULL},
    {"configMapRef", POD_FIELD_CUSTOM, 0, decode_cm_ref},
    {"secretRef", POD_FIELD_CUSTOM, 0, decode_secret_ref},
    {NULL, 0, 0, NULL},
};

int pod_decode_env_from(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;

	return pod_decode_object_array(
	    v, path, &(const struct pod_element){env_from_fields, sizeof(*c->env_from)},
	    (void **)&c->env_from, &c->n_env_from, err);
}

/* ---- validation ---- */

static int required(const char *path, const char *child, struct pp_error *err)
{
	return pp_error_msg(err, EINVAL, "%s.%s: Required value", path, child);
}

/* `PATH: Unsupported value: "V": supported values: "a", "b"` */
static int not_supported(const char *path, const char *value, const char *const *list,
                         struct pp_error *err)
{
	char q[128], vals[512] = "";
	size_t n = 0;

	for (size_t i = 0; list[i] != NULL && n < sizeof(vals); i++)
		n += (size_t)snprintf(vals + n, sizeof(vals) - n, "%s\"%s\"", i > 0 ? ", " : "",
		                      list[i]);
	return pp_error_msg(err, EINVAL, "%s: Unsupported value: %s: supported values: %s", path,
	                    pod_quote(value, q, sizeof(q)), vals);
}

/* validateConfigMapKeySelector / validateSecretKeySelector, and with no
 * key the envFrom sources (validateConfigMapEnvSource). */
static int check_ref(const struct pod_key_ref *ref, bool with_key, const char *path,
                     struct pp_error *err)
{
	char sub[POD_PATH_MAX];
	const char *why;

	pod_path_key(sub, path, "name");
	if (!with_key && (ref->name == NULL || ref->name[0] == '\0'))
		return required(path, "name", err);
	if (pod_check_dns_subdomain(sub, ref->name != NULL ? ref->name : "", err) < 0)
		return -EINVAL;
	if (!with_key)
		return 0;
	if (ref->key == NULL || ref->key[0] == '\0')
		return required(path, "key", err);
	pod_path_key(sub, path, "key");
	why = kobj_key_problem(ref->key);
	return why != NULL ? pod_invalid(sub, ref->key, why, err) : 0;
}

/* fieldPath "P['S']": P and S (SplitMaybeSubscriptedPath). */
static bool split_subscript(const char *fp, char *path, size_t plen, const char **sub, size_t *slen)
{
	size_t n = strlen(fp);
	const char *open = strstr(fp, "['");

	if (n < 2 || strcmp(fp + n - 2, "']") != 0 || open == NULL || open == fp ||
	    open + 2 > fp + n - 2 || (size_t)(open - fp) >= plen)
		return false;
	memcpy(path, fp, (size_t)(open - fp));
	path[open - fp] = '\0';
	*sub = open + 2;
	*slen = (size_t)(fp + n - 2 - *sub);
	return true;
}

static int check_subscript(const char *fpath, const char *fp, const char *base, const char *sub,
                           size_t slen, struct pp_error *err)
{
	cleanup_free char *key = xstrndup(sub, slen);

	if (strcmp(base, "metadata.annotations") == 0)
		for (char *p = key; *p != '\0'; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	else if (strcmp(base, "metadata.labels") != 0)
		return pp_error_msg(err, EINVAL,
		                    "%s.fieldPath: Invalid value: \"%.200s\": error converting "
		                    "fieldPath: field label does not support subscript: %.200s",
		                    fpath, fp, fp);
	return pod_check_qualified_name(fpath, key, err);
}

/* validateObjectFieldSelector against the env's field paths. */
static int check_field_ref(const struct pod_env_source *s, const char *path, struct pp_error *err)
{
	char fpath[POD_PATH_MAX], base[64];
	const char *fp = s->field_path, *sub = NULL;
	size_t slen = 0;

	pod_path_key(fpath, path, "fieldRef");
	if (s->api_version == NULL || s->api_version[0] == '\0')
		return required(fpath, "apiVersion", err);
	if (fp == NULL || fp[0] == '\0')
		return required(fpath, "fieldPath", err);
	if (strcmp(s->api_version, "v1") != 0)
		return pp_error_msg(err, EINVAL,
		                    "%s.fieldPath: Invalid value: \"%.200s\": error converting "
		                    "fieldPath: unsupported pod version: %.64s",
		                    fpath, fp, s->api_version);
	if (split_subscript(fp, base, sizeof(base), &sub, &slen))
		return check_subscript(fpath, fp, base, sub, slen, err);
	if (!in_list(field_labels, fp))
		return pp_error_msg(err, EINVAL,
		                    "%s.fieldPath: Invalid value: \"%.200s\": error converting "
		                    "fieldPath: field label not supported: %.200s",
		                    fpath, fp, fp);
	if (strcmp(fp, "spec.host") != 0 && !in_list(env_field_paths, fp)) {
		char sub_path[POD_PATH_MAX];

		pod_path_key(sub_path, fpath, "fieldPath");
		return not_supported(sub_path, fp, env_field_paths, err);
	}
	return 0;
}

/* validateContainerResourceFieldSelector and its divisor check. */
static int check_resource_ref(const struct pod_env_source *s, const char *path,
                              struct pp_error *err)
{
	char rpath[POD_PATH_MAX], sub[POD_PATH_MAX];
	const char *res = s->resource, *what;
	const char *const *divisors;

	pod_path_key(rpath, path, "resourceFieldRef");
	if (res == NULL || res[0] == '\0')
		return required(rpath, "resource", err);
	pod_path_key(sub, rpath, "resource");
	if (!in_list(env_resources, res))
		return not_supported(sub, res, env_resources, err);
	if (s->divisor == NULL)
		return 0;
	if (strstr(res, ".cpu") != NULL) {
		divisors = cpu_divisors;
		what = "only divisor's values 1m and 1 are supported with the cpu resource";
	} else if (strstr(res, ".memory") != NULL) {
		divisors = memory_divisors;
		what = "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, "
		       "1Ei are supported with the memory resource";
	} else {
		divisors = memory_divisors;
		what = "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, "
		       "1Ei are supported with the local ephemeral storage resource";
	}
	pod_path_key(sub, rpath, "divisor");
	return in_list(divisors, s->divisor) ? 0 : pod_invalid(sub, res, what, err);
}

/* validateEnvVarValueFrom */
static int check_value_from(const struct pod_env *e, const char *path, struct pp_error *err)
{
	const struct pod_env_source *s = &e->value_from;
	char sub[POD_PATH_MAX];
	int n = 0, r = 0;

	if (s->has_field_ref && (n++, r = check_field_ref(s, path, err)) < 0)
		return r;
	if (s->has_resource_ref && (n++, r = check_resource_ref(s, path, err)) < 0)
		return r;
	pod_path_key(sub, path, "configMapKeyRef");
	if (s->config_map_key_ref.set &&
	    (n++, r = check_ref(&s->config_map_key_ref, true, sub, err)) < 0)
		return r;
	pod_path_key(sub, path, "secretKeyRef");
	if (s->secret_key_ref.set && (n++, r = check_ref(&s->secret_key_ref, true, sub, err)) < 0)
		return r;
	if (n == 0)
		return pod_invalid(path, "",
		                   "must specify one of: `fieldRef`, `resourceFieldRef`, "
		                   "`configMapKeyRef` or `secretKeyRef`",
		                   err);
	if (e->value != NULL && e->value[0] != '\0')
		return pod_invalid(path, "", "may not be specified when `value` is not empty", err);
	if (n > 1)
		return pod_invalid(path, "", "may not have more than one field specified at a time",
		                   err);
	return 0;
}

static int check_env_from(const struct pod_container *c, const char *cpath, struct pp_error *err)
{
	char path[POD_PATH_MAX], sub[POD_PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s.envFrom", cpath);
	for (size_t i = 0; i < c->n_env_from; i++) {
		const struct pod_env_from *f = &c->env_from[i];
		int r = 0;

		(void)snprintf(sub, sizeof(sub), "%s[%zu].prefix", path, i);
		if (f->prefix != NULL && f->prefix[0] != '\0' && !pod_is_env_name(f->prefix))
			return pod_invalid(sub, f->prefix, ENV_NAME_MSG, err);
		(void)snprintf(sub, sizeof(sub), "%s[%zu].configMapRef", path, i);
		if (f->config_map_ref.set)
			r = check_ref(&f->config_map_ref, false, sub, err);
		(void)snprintf(sub, sizeof(sub), "%s[%zu].secretRef", path, i);
		if (r == 0 && f->secret_ref.set)
			r = check_ref(&f->secret_ref, false, sub, err);
		if (r < 0)
			return r;
		if (!f->config_map_ref.set && !f->secret_ref.set)
			return pod_invalid(
			    path, "", "must specify one of: `configMapRef` or `secretRef`", err);
		if (f->config_map_ref.set && f->secret_ref.set)
			return pod_invalid(
			    path, "", "may not have more than one field specified at a time", err);
	}
	return 0;
}

int pod_validate_env(const struct pod_container *c, const char *cpath, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	for (size_t i = 0; i < c->n_env; i++) {
		const char *name = c->env[i].name;
		int r;

		(void)snprintf(path, sizeof(path), "%s.env[%zu].name", cpath, i);
		if (name == NULL || name[0] == '\0')
			return pp_error_msg(err, EINVAL, "%s: Required value", path);
		if (!pod_is_env_name(name))
			return pod_invalid(path, name, ENV_NAME_MSG, err);
		(void)snprintf(path, sizeof(path), "%s.env[%zu].valueFrom", cpath, i);
		r = c->env[i].value_from.set ? check_value_from(&c->env[i], path, err) : 0;
		if (r < 0)
			return r;
	}
	return check_env_from(c, cpath, err);
}

/* ---- defaults, encoding, comparison, freeing ---- */

void pod_env_default(struct pod_container *c)
{
	for (size_t i = 0; i < c->n_env; i++) {
		struct pod_env_source *s = &c->env[i].value_from;

		if (c->env[i].value == NULL)
			c->env[i].value = xstrdup("");
		/* SetDefaults_ObjectFieldSelector */
		if (s->has_field_ref && s->api_version == NULL)
			s->api_version = xstrdup("v1");
	}
}

static void add_str(json_object *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *ref_to_json(const struct pod_key_ref *ref)
{
	json_object *o = json_object_new_object();

	add_str(o, "name", ref->name != NULL ? ref->name : "");
	add_str(o, "key", ref->key);
	if (ref->has_optional)
		json_object_object_add(o, "optional", json_object_new_boolean(ref->optional));
	return o;
}

static json_object *value_from_to_json(const struct pod_env_source *s)
{
	json_object *o = json_object_new_object(), *f;

	if (s->has_field_ref) {
		f = json_object_new_object();
		add_str(f, "apiVersion", s->api_version);
		add_str(f, "fieldPath", s->field_path);
		json_object_object_add(o, "fieldRef", f);
	}
	if (s->has_resource_ref) {
		f = json_object_new_object();
		add_str(f, "containerName", s->container_name);
		add_str(f, "resource", s->resource);
		add_str(f, "divisor", s->divisor != NULL ? s->divisor : "0");
		json_object_object_add(o, "resourceFieldRef", f);
	}
	if (s->config_map_key_ref.set)
		json_object_object_add(o, "configMapKeyRef", ref_to_json(&s->config_map_key_ref));
	if (s->secret_key_ref.set)
		json_object_object_add(o, "secretKeyRef", ref_to_json(&s->secret_key_ref));
	return o;
}

void pod_env_to_json(json_object *o, const struct pod_container *c)
{
	json_object *arr;

	if (c->n_env > 0) {
		arr = json_object_new_array();
		for (size_t i = 0; i < c->n_env; i++) {
			json_object *e = json_object_new_object();

			add_str(e, "name", c->env[i].name);
			if (c->env[i].value != NULL && c->env[i].value[0] != '\0')
				add_str(e, "value", c->env[i].value);
			if (c->env[i].value_from.set)
				json_object_object_add(e, "valueFrom",
				                       value_from_to_json(&c->env[i].value_from));
			json_object_array_add(arr, e);
		}
		json_object_object_add(o, "env", arr);
	}
	if (c->n_env_from == 0)
		return;
	arr = json_object_new_array();
	for (size_t i = 0; i < c->n_env_from; i++) {
		const struct pod_env_from *f = &c->env_from[i];
		json_object *e = json_object_new_object();

		add_str(e, "prefix", f->prefix);
		if (f->config_map_ref.set)
			json_object_object_add(e, "configMapRef", ref_to_json(&f->config_map_ref));
		if (f->secret_ref.set)
			json_object_object_add(e, "secretRef", ref_to_json(&f->secret_ref));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "envFrom", arr);
}

static bool s_eq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static bool ref_eq(const struct pod_key_ref *a, const struct pod_key_ref *b)
{
	return a->set == b->set && s_eq(a->name, b->name) && s_eq(a->key, b->key) &&
	       a->has_optional == b->has_optional && a->optional == b->optional;
}

static bool source_eq(const struct pod_env_source *a, const struct pod_env_source *b)
{
	return a->set == b->set && a->has_field_ref == b->has_field_ref &&
	       s_eq(a->field_path, b->field_path) && s_eq(a->api_version, b->api_version) &&
	       a->has_resource_ref == b->has_resource_ref &&
	       s_eq(a->container_name, b->container_name) && s_eq(a->resource, b->resource) &&
	       s_eq(a->divisor, b->divisor) &&
	       ref_eq(&a->config_map_key_ref, &b->config_map_key_ref) &&
	       ref_eq(&a->secret_key_ref, &b->secret_key_ref);
}

bool pod_env_equal(const struct pod_container *a, const struct pod_container *b)
{
	if (a->n_env != b->n_env || a->n_env_from != b->n_env_from)
		return false;
	for (size_t i = 0; i < a->n_env; i++)
		if (!s_eq(a->env[i].name, b->env[i].name) ||
		    !s_eq(a->env[i].value, b->env[i].value) ||
		    !source_eq(&a->env[i].value_from, &b->env[i].value_from))
			return false;
	for (size_t i = 0; i < a->n_env_from; i++)
		if (!s_eq(a->env_from[i].prefix, b->env_from[i].prefix) ||
		    !ref_eq(&a->env_from[i].config_map_ref, &b->env_from[i].config_map_ref) ||
		    !ref_eq(&a->env_from[i].secret_ref, &b->env_from[i].secret_ref))
			return false;
	return true;
}

static void ref_free(struct pod_key_ref *ref)
{
	free(ref->name);
	free(ref->key);
}

void pod_env_free(struct pod_container *c)
{
	for (size_t i = 0; i < c->n_env; i++) {
		struct pod_env_source *s = &c->env[i].value_from;

		free(c->env[i].name);
		free(c->env[i].value);
		free(s->field_path);
		free(s->api_version);
		free(s->container_name);
		free(s->resource);
		free(s->divisor);
		ref_free(&s->config_map_key_ref);
		ref_free(&s->secret_key_ref);
	}
	free(c->env);
	for (size_t i = 0; i < c->n_env_from; i++) {
		free(c->env_from[i].prefix);
		ref_free(&c->env_from[i].config_map_ref);
		ref_free(&c->env_from[i].secret_ref);
	}
	free(c->env_from);
	c->env = NULL;
	c->env_from = NULL;
	c->n_env = c->n_env_from = 0;
}
