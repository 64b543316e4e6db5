/* SPDX-License-Identifier: Apache-2.0 */
/* Small json-c helpers shared by the OCI, image and pod code. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

struct pp_error;

/* Parse text (len bytes, need not be NUL-terminated) into *ret (caller
 * json_object_put()s). what names the input in the error line. 0 or -EINVAL. */
int json_parse_text(const char *text, size_t len, const char *what, json_object **ret,
                    struct pp_error *err);

/* Read and parse a file of at most max_len bytes. 0 or -errno. */
int json_parse_file(const char *path, size_t max_len, json_object **ret, struct pp_error *err);

/* Serialise obj (pretty) and write it atomically to path. 0 or -errno. */
int json_write_file(const char *path, json_object *obj, struct pp_error *err);
/* The same with fs_write_atomic_volatile() (no fsync). */
int json_write_file_volatile(const char *path, json_object *obj, struct pp_error *err);

/* Member lookups that return NULL/default when missing or of the wrong type. */
const char *json_get_str(json_object *o, const char *key);
json_object *json_get_obj(json_object *o, const char *key);
json_object *json_get_arr(json_object *o, const char *key);
int64_t json_get_int(json_object *o, const char *key, int64_t dflt);
bool json_get_bool(json_object *o, const char *key, bool dflt);

/* Does arr (a JSON array; NULL: none) hold the string s? Other elements
 * never match. */
bool json_strs_has(json_object *arr, const char *s);

/* A JSON array of strings → NULL-terminated vector (caller strv_free()s);
 * NULL when arr is NULL. Non-string elements give -EINVAL. */
int json_to_strv(json_object *arr, char ***ret);
/* A vector → new JSON array (caller owns). */
json_object *json_from_strv(char *const *v);

/* Scope-bound json_object_put() (cleanup.h's convention). */
static inline void json_putp(json_object **o)
{
	if (*o != NULL)
		json_object_put(*o);
}
#define cleanup_json __attribute__((cleanup(json_putp)))
