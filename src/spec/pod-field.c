/* SPDX-License-Identifier: Apache-2.0 */
/* The table-driven field decoder under every Pod object: strict types,
 * unknown fields refused with their path, known-but-unimplemented fields
 * refused as Unsupported. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

void pod_path_key(char buf[POD_PATH_MAX], const char *parent, const char *key)
{
	if (parent == NULL || parent[0] == '\0')
		(void)snprintf(buf, POD_PATH_MAX, "%s", key);
	else
		(void)snprintf(buf, POD_PATH_MAX, "%s.%s", parent, key);
}

void pod_path_index(char buf[POD_PATH_MAX], const char *parent, size_t index)
{
	(void)snprintf(buf, POD_PATH_MAX, "%s[%zu]", parent != NULL ? parent : "", index);
}

const char *pod_value_str(json_object *v, char *buf, size_t len)
{
	const char *s;
	size_t n;

	switch (json_object_get_type(v)) {
	case json_type_object:
		return "{...}";
	case json_type_array:
		return "[...]";
	case json_type_null:
		return "null";
	default:
		break;
	}
	s = json_object_to_json_string_ext(v,
	                                   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	n = strlen(s);
	if (n + 1 <= len)
		return memcpy(buf, s, n + 1);
	(void)snprintf(buf, len, "%.*s...", (int)(len > 4 ? len - 4 : 0), s);
	return buf;
}

int pod_type_error(const char *path, json_object *v, const char *what, struct pp_error *err)
{
	char buf[96];

	return pp_error_msg(err, EINVAL, "%s: Invalid value: %s: expected %s", path,
	                    pod_value_str(v, buf, sizeof(buf)), what);
}

int pod_unsupported(const char *path, struct pp_error *err)
{
	return pp_error_msg(err, EINVAL, "%s: Unsupported value: not supported by peapod yet",
	                    path);
}

int pod_decode_str(json_object *v, const char *path, char **ret, struct pp_error *err)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return pod_type_error(path, v, "string", err);
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return pp_error_msg(err, EINVAL,
		                    "%s: Invalid value: must not contain NUL characters", path);
	free(*ret);
	*ret = xstrdup(s);
	return 0;
}

int pod_decode_array(json_object *v, const char *path, size_t *ret_n, struct pp_error *err)
{
	if (v == NULL) {
		*ret_n = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		return pod_type_error(path, v, "list", err);
	*ret_n = json_object_array_length(v);
	return 0;
}

int pod_decode_object_array(json_object *v, const char *path, const struct pod_element *elem,
                            void **ret_arr, size_t *ret_n, struct pp_error *err)
{
	char sub[POD_PATH_MAX];
	size_t n = 0;
	int r = pod_decode_array(v, path, &n, err);

	if (r < 0)
		return r;
	*ret_arr = xcalloc(n, elem->size);
	for (*ret_n = 0; *ret_n < n; (*ret_n)++) {
		pod_path_index(sub, path, *ret_n);
		r = pod_decode_fields(json_object_array_get_idx(v, *ret_n), elem->fields,
		                      (char *)*ret_arr + *ret_n * elem->size, sub, err);
		if (r < 0) {
			(*ret_n)++; /* so pod_free() frees the half-built entry */
			return r;
		}
	}
	return 0;
}

int pod_decode_strv(json_object *v, const char *path, char ***ret, struct pp_error *err)
{
	cleanup_strv char **out = NULL;
	char sub[POD_PATH_MAX];
	size_t n = 0;
	int r = pod_decode_array(v, path, &n, err);

	if (r < 0)
		return r;
	out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		pod_path_index(sub, path, i);
		if (e == NULL) {
			out[i] = xstrdup(""); /* Go decodes a null list element as "" */
			continue;
		}
		r = pod_decode_str(e, sub, &out[i], err);
		if (r < 0)
			return r;
	}
	strv_free(*ret);
	*ret = take_ptr(&out);
	return 0;
}

int pod_decode_int64(json_object *v, const char *path, int64_t *ret, struct pp_error *err)
{
	if (!json_object_is_type(v, json_type_int))
		return pod_type_error(path, v, "integer", err);
	*ret = json_object_get_int64(v);
	return 0;
}

static bool is_empty(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return true;
	case json_type_boolean:
		return !json_object_get_boolean(v);
	case json_type_string:
		return json_object_get_string_len(v) == 0;
	case json_type_object:
		return json_object_object_length(v) == 0;
	case json_type_array:
		return json_object_array_length(v) == 0;
	default:
		return false;
	}
}

static int decode_field(const struct pod_field *f, json_object *v, void *obj, const char *path,
                        struct pp_error *err)
{
	char *base = obj;

	if (v == NULL)
		return 0; /* null is absent, as in Go's encoding/json */
	switch (f->kind) {
	case POD_FIELD_STR:
		return pod_decode_str(v, path, (char **)(void *)(base + f->off), err);
	case POD_FIELD_STRV:
		return pod_decode_strv(v, path, (char ***)(void *)(base + f->off), err);
	case POD_FIELD_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return pod_type_error(path, v, "boolean", err);
		*(bool *)(void *)(base + f->off) = json_object_get_boolean(v);
		return 0;
	case POD_FIELD_IGNORE_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return pod_type_error(path, v, "boolean", err);
		return 0;
	case POD_FIELD_IGNORE:
		return 0;
	case POD_FIELD_UNSUPPORTED:
		return is_empty(v) ? 0 : pod_unsupported(path, err);
	case POD_FIELD_ONLY_TRUE:
		if (json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v))
			return 0;
		return pod_unsupported(path, err);
	case POD_FIELD_CUSTOM:
		/* a table decoded without an object (validation only) */
		return f->decode(v, base != NULL ? base + f->off : NULL, path, err);
	}
	return -EINVAL;
}

int pod_decode_fields(json_object *o, const struct pod_field *fields, void *obj, const char *path,
                      struct pp_error *err)
{
	char sub[POD_PATH_MAX];

	if (o == NULL)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return pod_type_error(path[0] != '\0' ? path : "<document>", o, "object", err);
	json_object_object_foreach(o, key, v)
	{
		const struct pod_field *f = fields;
		int r;

		while (f->name != NULL && strcmp(f->name, key) != 0)
			f++;
		pod_path_key(sub, path, key);
		if (f->name == NULL)
			return pp_error_msg(err, EINVAL, "unknown field \"%s\"", sub);
		r = decode_field(f, v, obj, sub, err);
		if (r < 0)
			return r;
	}
	return 0;
}
