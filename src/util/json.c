/* SPDX-License-Identifier: Apache-2.0 */
/* json-c wrappers with pp_error reporting. */
#include "util/json.h"

#include <string.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

int json_parse_text(const char *text, size_t len, const char *what, json_object **ret,
                    struct pp_error *err)
{
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *o;
	enum json_tokener_error jerr;

	if (tok == NULL)
		return pp_error(err, ENOMEM, "%s", what);
	if (len > INT32_MAX) {
		json_tokener_free(tok);
		return pp_error_msg(err, EFBIG, "%s: too large", what);
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o != NULL && jerr == json_tokener_success && tok->char_offset < (int)len) {
		/* trailing garbage other than whitespace is an error */
		for (size_t i = (size_t)tok->char_offset; i < len; i++)
			if (!strchr(" \t\r\n", text[i])) {
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
	}
	json_tokener_free(tok);
	if (o == NULL || jerr != json_tokener_success) {
		json_object_put(o);
		return pp_error_msg(err, EINVAL, "%s: invalid JSON: %s", what,
		                    jerr == json_tokener_continue ? "unexpected end of input"
		                                                  : json_tokener_error_desc(jerr));
	}
	*ret = o;
	return 0;
}

int json_parse_file(const char *path, size_t max_len, json_object **ret, struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r = fs_read_all(path, max_len, &buf, &len, err);

	if (r < 0)
		return r;
	return json_parse_text(buf, len, path, ret, err);
}

static int write_file(const char *path, json_object *obj, bool sync, struct pp_error *err)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	return sync ? fs_write_atomic(path, s, len, 0644, err)
	            : fs_write_atomic_volatile(path, s, len, 0644, err);
}

int json_write_file(const char *path, json_object *obj, struct pp_error *err)
{
	return write_file(path, obj, true, err);
}

int json_write_file_volatile(const char *path, json_object *obj, struct pp_error *err)
{
	return write_file(path, obj, false, err);
}

json_object *json_get_obj(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

bool json_strs_has(json_object *arr, const char *s)
{
	for (size_t i = 0; arr != NULL && i < json_object_array_length(arr); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(arr, i));

		if (e != NULL && strcmp(e, s) == 0)
			return true;
	}
	return false;
}

json_object *json_get_arr(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

const char *json_get_str(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t json_get_int(json_object *o, const char *key, int64_t dflt)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int64(v);
}

bool json_get_bool(json_object *o, const char *key, bool dflt)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return dflt;
	return json_object_get_boolean(v);
}

int json_to_strv(json_object *arr, char ***ret)
{
	cleanup_strv char **v = NULL;
	size_t n;

	*ret = NULL;
	if (arr == NULL)
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return -EINVAL;
	n = json_object_array_length(arr);
	v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(e, json_type_string))
			return -EINVAL;
		v[i] = xstrdup(json_object_get_string(e));
	}
	*ret = take_ptr(&v);
	return 0;
}

json_object *json_from_strv(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}
