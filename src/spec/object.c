/* SPDX-License-Identifier: Apache-2.0 */
/* ConfigMap and Secret: decoding from the API's JSON shape (data,
 * binaryData and stringData into one sorted list of entries), the API
 * server's validation (ValidateConfigMap, ValidateSecret), encoding back
 * and comparison. */
#include "spec/object.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/base64.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* core.MaxSecretSize, which also bounds a ConfigMap. */
#define KOBJ_MAX_SIZE ((size_t)1024 * 1024)

#define CONFIG_KEY_MSG                                                                       \
	"a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. " \
	"'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "          \
	"'[-._a-zA-Z0-9]+')"

#define DOCKER_CONFIG_JSON_TYPE "kubernetes.io/dockerconfigjson"

const char *kobj_kind_name(enum kobj_kind kind)
{
	return kind == KOBJ_SECRET ? "Secret" : "ConfigMap";
}

const char *kobj_kind_lower(enum kobj_kind kind)
{
	return kind == KOBJ_SECRET ? "secret" : "configmap";
}

const char *kobj_kind_resource(enum kobj_kind kind)
{
	return kind == KOBJ_SECRET ? "secrets" : "configmaps";
}

int kobj_kind_parse(const char *s, enum kobj_kind *ret)
{
	if (s != NULL && strcmp(s, "ConfigMap") == 0)
		*ret = KOBJ_CONFIGMAP;
	else if (s != NULL && strcmp(s, "Secret") == 0)
		*ret = KOBJ_SECRET;
	else
		return -ENOENT;
	return 0;
}

static void entry_clear(struct kobj_entry *e)
{
	free(e->key);
	free(e->value);
	memset(e, 0, sizeof(*e));
}

struct kobj *kobj_free(struct kobj *o)
{
	if (o == NULL)
		return NULL;
	free(o->name);
	free(o->namespace_);
	free(o->uid);
	free(o->creation_timestamp);
	strv_free(o->label_keys);
	strv_free(o->label_values);
	strv_free(o->annotation_keys);
	strv_free(o->annotation_values);
	free(o->type);
	for (size_t i = 0; i < o->n_entries; i++)
		entry_clear(&o->entries[i]);
	free(o->entries);
	free(o);
	return NULL;
}

const struct kobj_entry *kobj_entry_find(const struct kobj *o, const char *key)
{
	for (size_t i = 0; i < o->n_entries; i++)
		if (strcmp(o->entries[i].key, key) == 0)
			return &o->entries[i];
	return NULL;
}

/* Add or replace key; takes value. */
static void entry_set(struct kobj *o, const char *key, unsigned char *value, size_t len,
                      bool binary)
{
	struct kobj_entry *e = (struct kobj_entry *)kobj_entry_find(o, key);

	if (e == NULL) {
		o->entries = xrealloc(o->entries, (o->n_entries + 1) * sizeof(*o->entries));
		e = &o->entries[o->n_entries++];
		e->key = xstrdup(key);
	} else {
		free(e->value);
	}
	e->value = value;
	e->len = len;
	e->binary = binary;
}

/* What is wrong with config key k (validation.IsConfigMapKey), or NULL. */
const char *kobj_key_problem(const char *k)
{
	size_t n = strlen(k);

	if (n > 253)
		return "must be no more than 253 characters";
	if (n == 0 ||
	    strspn(k, "-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
		return CONFIG_KEY_MSG;
	if (strcmp(k, ".") == 0)
		return "must not be '.'";
	if (strcmp(k, "..") == 0)
		return "must not be '..'";
	if (strncmp(k, "..", 2) == 0)
		return "must not start with '..'";
	return NULL;
}

/* The decoder's state: the object, and the data maps seen at the top. */
struct dec {
	struct kobj *o;
	json_object *data, *binary_data, *string_data;
};

static int decode_api_version(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct dec *d = obj;

	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	if (strcmp(json_object_get_string(v), "v1") != 0)
		return pp_error_msg(err, EINVAL, "unknown apiVersion \"%.64s\" for kind \"%s\"",
		                    json_object_get_string(v), kobj_kind_name(d->o->kind));
	return 0;
}

static int decode_labels(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct kobj *o = obj;

	return pod_decode_string_map(v, path, &o->label_keys, &o->label_values, err);
}

static int decode_annotations(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct kobj *o = obj;

	return pod_decode_string_map(v, path, &o->annotation_keys, &o->annotation_values, err);
}

/* What `kubectl get -o yaml` exports is accepted; ownership and deletion
 * fields need controllers that one node does not run. */
static const struct pod_field metadata_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct kobj, name), NULL},
    {"namespace", POD_FIELD_STR, offsetof(struct kobj, namespace_), NULL},
    {"uid", POD_FIELD_STR, offsetof(struct kobj, uid), NULL},
    {"creationTimestamp", POD_FIELD_STR, offsetof(struct kobj, creation_timestamp), NULL},
    {"labels", POD_FIELD_CUSTOM, 0, decode_labels},
    {"annotations", POD_FIELD_CUSTOM, 0, decode_annotations},
    POD_METADATA_SERVER_FIELDS,
    {NULL, 0, 0, NULL},
};

static int decode_metadata(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct dec *d = obj;

	return pod_decode_fields(v, metadata_fields, d->o, path, err);
}

static int stash_map(json_object *v, const char *path, json_object **slot, struct pp_error *err)
{
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "map of strings", err);
	*slot = v;
	return 0;
}

static int decode_data(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return stash_map(v, path, &((struct dec *)obj)->data, err);
}

static int decode_binary_data(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return stash_map(v, path, &((struct dec *)obj)->binary_data, err);
}

static int decode_string_data(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return stash_map(v, path, &((struct dec *)obj)->string_data, err);
}

static int decode_immutable(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct dec *d = obj;

	if (!json_object_is_type(v, json_type_boolean))
		return pod_type_error(path, v, "boolean", err);
	d->o->immutable = json_object_get_boolean(v);
	return 0;
}

static int decode_type(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct dec *d = obj;

	return pod_decode_str(v, path, &d->o->type, err);
}

static const struct pod_field configmap_fields[] = {
    {"apiVersion", POD_FIELD_CUSTOM, 0, decode_api_version},
    {"kind", POD_FIELD_IGNORE, 0, NULL},
    {"metadata", POD_FIELD_CUSTOM, 0, decode_metadata},
    {"data", POD_FIELD_CUSTOM, 0, decode_data},
    {"binaryData", POD_FIELD_CUSTOM, 0, decode_binary_data},
    {"immutable", POD_FIELD_CUSTOM, 0, decode_immutable},
    {NULL, 0, 0, NULL},
};

static const struct pod_field secret_fields[] = {
    {"apiVersion", POD_FIELD_CUSTOM, 0, decode_api_version},
    {"kind", POD_FIELD_IGNORE, 0, NULL},
    {"metadata", POD_FIELD_CUSTOM, 0, decode_metadata},
    {"data", POD_FIELD_CUSTOM, 0, decode_data},
    {"stringData", POD_FIELD_CUSTOM, 0, decode_string_data},
    {"type", POD_FIELD_CUSTOM, 0, decode_type},
    {"immutable", POD_FIELD_CUSTOM, 0, decode_immutable},
    {NULL, 0, 0, NULL},
};

/* One map value as a string (null is ""); *ret borrows v. */
static int map_value(json_object *v, const char *path, const char **ret, size_t *ret_len,
                     struct pp_error *err)
{
	if (v == NULL) {
		*ret = "";
		*ret_len = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	*ret = json_object_get_string(v);
	*ret_len = (size_t)json_object_get_string_len(v);
	return 0;
}

/* Add every member of map (field name what) to o: base64-decoded when
 * b64, as binary when binary. */
static int add_map(struct kobj *o, json_object *map, const char *what, bool b64, bool binary,
                   struct pp_error *err)
{
	char path[POD_PATH_MAX];

	json_object_object_foreach(map, key, v)
	{
		unsigned char *value = NULL;
		const char *s = NULL;
		size_t len = 0;
		int r;

		(void)snprintf(path, sizeof(path), "%s[%s]", what, key);
		r = map_value(v, path, &s, &len, err);
		if (r == 0 && b64)
			r = b64_decode(s, len, &value, &len, err);
		if (r < 0)
			return b64 ? pp_error_prefix(err, r, "%s", path) : r;
		if (!b64)
			value = (unsigned char *)xstrndup(s, len);
		entry_set(o, key, value, len, binary);
	}
	return 0;
}

static int key_duplicate(json_object *data, json_object *binary_data, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	if (data == NULL || binary_data == NULL)
		return 0;
	json_object_object_foreach(data, key, v)
	{
		(void)v;
		if (json_object_object_get_ex(binary_data, key, NULL)) {
			(void)snprintf(path, sizeof(path), "data[%s]", key);
			return pod_invalid(path, key, "duplicate of key present in binaryData",
			                   err);
		}
	}
	return 0;
}

static int fill_entries(struct dec *d, struct pp_error *err)
{
	struct kobj *o = d->o;
	int r = 0;

	if (o->kind == KOBJ_CONFIGMAP) {
		r = key_duplicate(d->data, d->binary_data, err);
		if (r == 0 && d->data != NULL)
			r = add_map(o, d->data, "data", false, false, err);
		if (r == 0 && d->binary_data != NULL)
			r = add_map(o, d->binary_data, "binaryData", true, true, err);
		return r;
	}
	if (d->data != NULL)
		r = add_map(o, d->data, "data", true, true, err);
	/* stringData is merged into data, winning over it (v1 conversion). */
	if (r == 0 && d->string_data != NULL)
		r = add_map(o, d->string_data, "stringData", false, true, err);
	return r;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kobj_entry *)a)->key, ((const struct kobj_entry *)b)->key);
}

static int validate_metadata(const struct kobj *o, struct pp_error *err)
{
	int r;

	if (o->name == NULL || o->name[0] == '\0')
		return pp_error_msg(
		    err, EINVAL, "metadata.name: Required value: name or generateName is required");
	r = pod_check_dns_subdomain("metadata.name", o->name, err);
	if (r == 0)
		r = pod_check_dns_label("metadata.namespace", o->namespace_, err);
	if (r == 0)
		r = pod_check_labels(o->label_keys, o->label_values, err);
	if (r == 0)
		r = pod_check_annotations(o->annotation_keys, o->annotation_values, err);
	return r;
}

/* Keys and the total size (ValidateConfigMap, ValidateSecret). */
static int validate_entries(const struct kobj *o, struct pp_error *err)
{
	char path[POD_PATH_MAX];
	size_t total = 0;

	for (size_t i = 0; i < o->n_entries; i++) {
		const struct kobj_entry *e = &o->entries[i];
		const char *why = kobj_key_problem(e->key);

		if (why != NULL) {
			bool bin = o->kind == KOBJ_CONFIGMAP && e->binary;

			(void)snprintf(path, sizeof(path), "%s[%s]", bin ? "binaryData" : "data",
			               e->key);
			return pod_invalid(path, e->key, why, err);
		}
		total += e->len;
	}
	if (total > KOBJ_MAX_SIZE)
		return pp_error_msg(err, EINVAL, "%s: Too long: must have at most %zu bytes",
		                    o->kind == KOBJ_SECRET ? "data" : "[]", KOBJ_MAX_SIZE);
	return 0;
}

static int require_key(const struct kobj *o, const char *key, struct pp_error *err)
{
	if (kobj_entry_find(o, key) == NULL)
		return pp_error_msg(err, EINVAL, "data[%s]: Required value", key);
	return 0;
}

static const char *go_json_type(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	case json_type_boolean:
		return "bool";
	case json_type_null: /* null unmarshals into a map as nothing */
	case json_type_object:
		return NULL;
	default:
		return "number";
	}
}

/* .dockercfg / .dockerconfigjson must hold a JSON object. */
static int check_docker_json(const struct kobj *o, const char *key, struct pp_error *err)
{
	const struct kobj_entry *e = kobj_entry_find(o, key);
	enum json_tokener_error jerr = json_tokener_success;
	cleanup_json json_object *v = NULL;
	const char *t;
	int r = require_key(o, key, err);

	if (r < 0)
		return r;
	v = json_tokener_parse_verbose((const char *)e->value, &jerr);
	if (jerr != json_tokener_success || strlen((const char *)e->value) != e->len)
		return pp_error_msg(
		    err, EINVAL, "data[%s]: Invalid value: \"<secret contents redacted>\": %s", key,
		    jerr != json_tokener_success ? json_tokener_error_desc(jerr)
		                                 : "invalid character '\\x00'");
	t = go_json_type(v);
	if (t != NULL)
		return pp_error_msg(
		    err, EINVAL,
		    "data[%s]: Invalid value: \"<secret contents redacted>\": json: "
		    "cannot unmarshal %s into Go value of type map[string]interface {}",
		    key, t);
	return 0;
}

static bool annotation_has(const struct kobj *o, const char *key)
{
	for (size_t i = 0; o->annotation_keys != NULL && o->annotation_keys[i] != NULL; i++)
		if (strcmp(o->annotation_keys[i], key) == 0)
			return true;
	return false;
}

/* The keys each built-in Secret type requires (ValidateSecret). */
static int validate_secret_type(const struct kobj *o, struct pp_error *err)
{
	const char *t = o->type;
	int r = 0;

	if (strcmp(t, DOCKER_CONFIG_JSON_TYPE) == 0)
		return check_docker_json(o, ".dockerconfigjson", err);
	if (strcmp(t, "kubernetes.io/dockercfg") == 0)
		return check_docker_json(o, ".dockercfg", err);
	if (strcmp(t, "kubernetes.io/basic-auth") == 0) {
		if (kobj_entry_find(o, "username") == NULL &&
		    kobj_entry_find(o, "password") == NULL)
			return require_key(o, "username", err);
		return 0;
	}
	if (strcmp(t, "kubernetes.io/ssh-auth") == 0) {
		const struct kobj_entry *e = kobj_entry_find(o, "ssh-privatekey");

		if (e == NULL || e->len == 0)
			return pp_error_msg(err, EINVAL, "data[ssh-privatekey]: Required value");
		return 0;
	}
	if (strcmp(t, "kubernetes.io/tls") == 0) {
		r = require_key(o, "tls.crt", err);
		return r < 0 ? r : require_key(o, "tls.key", err);
	}
	if (strcmp(t, "kubernetes.io/service-account-token") == 0 &&
	    !annotation_has(o, "kubernetes.io/service-account.name"))
		return pp_error_msg(err, EINVAL,
		                    "metadata.annotations[kubernetes.io/service-account.name]: "
		                    "Required value");
	return 0;
}

static int check_kind(json_object *obj, enum kobj_kind *ret, struct pp_error *err)
{
	json_object *kind = NULL;

	if (!json_object_is_type(obj, json_type_object))
		return pod_type_error("<document>", obj, "object", err);
	if (!json_object_object_get_ex(obj, "kind", &kind) || kind == NULL)
		return pp_error_msg(err, EINVAL, "kind: Required value");
	if (!json_object_is_type(kind, json_type_string))
		return pod_type_error("kind", kind, "string", err);
	if (kobj_kind_parse(json_object_get_string(kind), ret) < 0)
		return pp_error_msg(err, EINVAL,
		                    "unknown kind \"%.64s\": expected ConfigMap or Secret",
		                    json_object_get_string(kind));
	if (!json_object_object_get_ex(obj, "apiVersion", NULL))
		return pp_error_msg(err, EINVAL, "apiVersion: Required value");
	return 0;
}

static int decode(json_object *obj, struct kobj *o, struct pp_error *err)
{
	struct dec d = {.o = o};
	int r = pod_decode_fields(obj, o->kind == KOBJ_SECRET ? secret_fields : configmap_fields,
	                          &d, "", err);

	if (r == 0)
		r = fill_entries(&d, err);
	if (r < 0)
		return r;
	if (o->namespace_ == NULL || o->namespace_[0] == '\0') {
		free(o->namespace_);
		o->namespace_ = xstrdup("default");
	}
	if (o->kind == KOBJ_SECRET && (o->type == NULL || o->type[0] == '\0')) {
		free(o->type);
		o->type = xstrdup("Opaque");
	}
	if (o->n_entries > 0)
		qsort(o->entries, o->n_entries, sizeof(*o->entries), entry_cmp);
	return 0;
}

int kobj_validate(const struct kobj *o, struct pp_error *err)
{
	int r = validate_metadata(o, err);

	if (r == 0)
		r = validate_entries(o, err);
	if (r == 0 && o->kind == KOBJ_SECRET)
		r = validate_secret_type(o, err);
	return r;
}

int kobj_from_json(json_object *obj, struct kobj **ret, struct pp_error *err)
{
	struct kobj *o = NULL;
	enum kobj_kind kind = KOBJ_CONFIGMAP;
	int r = check_kind(obj, &kind, err);

	if (r < 0)
		return r;
	o = xzalloc(sizeof(*o));
	o->kind = kind;
	r = decode(obj, o, err);
	if (r == 0)
		r = kobj_validate(o, err);
	if (r < 0) {
		kobj_free(o);
		return r;
	}
	*ret = o;
	return 0;
}

static void add_str(json_object *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_object_add(o, key, json_object_new_string(s));
}

static json_object *metadata_to_json(const struct kobj *o)
{
	json_object *m = json_object_new_object();

	add_str(m, "name", o->name);
	add_str(m, "namespace", o->namespace_);
	add_str(m, "uid", o->uid);
	add_str(m, "creationTimestamp", o->creation_timestamp);
	pod_json_add_map(m, "labels", o->label_keys, o->label_values);
	pod_json_add_map(m, "annotations", o->annotation_keys, o->annotation_values);
	return m;
}

/* data and binaryData: text as strings, bytes as base64. */
static void add_entries(json_object *obj, const struct kobj *o)
{
	json_object *data = json_object_new_object(), *bin = json_object_new_object();

	for (size_t i = 0; i < o->n_entries; i++) {
		const struct kobj_entry *e = &o->entries[i];

		if (!e->binary) {
			json_object_object_add(
			    data, e->key,
			    json_object_new_string_len((const char *)e->value, (int)e->len));
		} else {
			cleanup_free char *b = b64_encode(e->value, e->len);

			json_object_object_add(o->kind == KOBJ_SECRET ? data : bin, e->key,
			                       json_object_new_string(b));
		}
	}
	if (json_object_object_length(data) > 0)
		json_object_object_add(obj, "data", data);
	else
		json_object_put(data);
	if (json_object_object_length(bin) > 0)
		json_object_object_add(obj, "binaryData", bin);
	else
		json_object_put(bin);
}

json_object *kobj_to_json(const struct kobj *o)
{
	json_object *obj = json_object_new_object();

	json_object_object_add(obj, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(obj, "kind", json_object_new_string(kobj_kind_name(o->kind)));
	json_object_object_add(obj, "metadata", metadata_to_json(o));
	if (o->immutable)
		json_object_object_add(obj, "immutable", json_object_new_boolean(true));
	add_entries(obj, o);
	if (o->kind == KOBJ_SECRET)
		add_str(obj, "type", o->type != NULL ? o->type : "Opaque");
	return obj;
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

bool kobj_data_equal(const struct kobj *a, const struct kobj *b)
{
	if (a->n_entries != b->n_entries)
		return false;
	for (size_t i = 0; i < a->n_entries; i++) {
		const struct kobj_entry *x = &a->entries[i], *y = &b->entries[i];

		if (strcmp(x->key, y->key) != 0 || x->len != y->len || x->binary != y->binary ||
		    memcmp(x->value, y->value, x->len) != 0)
			return false;
	}
	return true;
}

bool kobj_equal(const struct kobj *a, const struct kobj *b)
{
	return a->kind == b->kind && str_eq(a->name, b->name) &&
	       str_eq(a->namespace_, b->namespace_) && str_eq(a->type, b->type) &&
	       a->immutable == b->immutable &&
	       pod_map_equal(a->label_keys, a->label_values, b->label_keys, b->label_values) &&
	       pod_map_equal(a->annotation_keys, a->annotation_values, b->annotation_keys,
	                     b->annotation_values) &&
	       kobj_data_equal(a, b);
}
