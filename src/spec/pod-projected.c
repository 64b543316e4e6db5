/* SPDX-License-Identifier: Apache-2.0 */
/* The volume sources that project files: configMap, secret, downwardAPI
 * and projected (with serviceAccountToken, clusterTrustBundle and
 * podCertificate sources): decoding, encoding and freeing. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "util/error.h"
#include "util/xalloc.h"

#define DEFAULT_MODE       0644
#define DEFAULT_EXPIRATION 3600

static int decode_mode(json_object *v, const char *path, bool *ret_has, int64_t *ret,
                       struct pp_error *err)
{
	int r;

	if (json_object_is_type(v, json_type_null))
		return 0;
	r = pod_decode_int64(v, path, ret, err);
	if (r == 0)
		*ret_has = true;
	return r;
}

static int decode_ktp_mode(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_key_to_path *k = obj;

	return decode_mode(v, path, &k->has_mode, &k->mode, err);
}

static int decode_file_mode(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_downward_file *f = obj;

	return decode_mode(v, path, &f->has_mode, &f->mode, err);
}

static const struct pod_field ktp_fields[] = {
    {"key", POD_FIELD_STR, offsetof(struct pod_key_to_path, key), NULL},
    {"path", POD_FIELD_STR, offsetof(struct pod_key_to_path, path), NULL},
    {"mode", POD_FIELD_CUSTOM, 0, decode_ktp_mode},
    {NULL, 0, 0, NULL},
};

static int decode_items(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_projection *p = obj;

	return pod_decode_object_array(v, path,
	                               &(const struct pod_element){ktp_fields, sizeof(*p->items)},
	                               (void **)&p->items, &p->n_items, err);
}

static const struct pod_field field_ref_fields[] = {
    {"apiVersion", POD_FIELD_STR, offsetof(struct pod_downward_file, field_api), NULL},
    {"fieldPath", POD_FIELD_STR, offsetof(struct pod_downward_file, field_path), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_field_ref(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_downward_file *f = obj;
	int r = pod_decode_fields(v, field_ref_fields, obj, path, err);

	if (r == 0 && f->field_api == NULL)
		f->field_api = xstrdup("v1");
	if (r == 0 && f->field_path == NULL)
		f->field_path = xstrdup("");
	return r;
}

/* A quantity as written: a string, or a number as its text. */
static int decode_divisor(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_downward_file *f = obj;

	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		free(f->rf_divisor);
		f->rf_divisor = xstrdup(json_object_to_json_string(v));
		return 0;
	}
	return pod_decode_str(v, path, &f->rf_divisor, err);
}

static const struct pod_field resource_ref_fields[] = {
    {"containerName", POD_FIELD_STR, offsetof(struct pod_downward_file, rf_container), NULL},
    {"resource", POD_FIELD_STR, offsetof(struct pod_downward_file, rf_resource), NULL},
    {"divisor", POD_FIELD_CUSTOM, 0, decode_divisor},
    {NULL, 0, 0, NULL},
};

static int decode_resource_ref(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_downward_file *f = obj;
	int r = pod_decode_fields(v, resource_ref_fields, obj, path, err);

	if (r == 0 && f->rf_resource == NULL)
		f->rf_resource = xstrdup("");
	return r;
}

static const struct pod_field file_fields[] = {
    {"path", POD_FIELD_STR, offsetof(struct pod_downward_file, path), NULL},
    {"fieldRef", POD_FIELD_CUSTOM, 0, decode_field_ref},
    {"resourceFieldRef", POD_FIELD_CUSTOM, 0, decode_resource_ref},
    {"mode", POD_FIELD_CUSTOM, 0, decode_file_mode},
    {NULL, 0, 0, NULL},
};

static int decode_files(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_projection *p = obj;

	return pod_decode_object_array(v, path,
	                               &(const struct pod_element){file_fields, sizeof(*p->files)},
	                               (void **)&p->files, &p->n_files, err);
}

static int decode_expiration(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_projection *p = obj;

	return pod_decode_int64(v, path, &p->expiration_seconds, err);
}

static int decode_label_selector(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_projection *p = obj;

	if (json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	free(p->label_selector);
	p->label_selector = xstrdup(json_object_to_json_string_ext(
	    v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

static const struct pod_field config_map_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_projection, name), NULL},
    {"items", POD_FIELD_CUSTOM, 0, decode_items},
    {"optional", POD_FIELD_BOOL, offsetof(struct pod_projection, optional), NULL},
    {"defaultMode", POD_FIELD_IGNORE, 0, NULL}, /* the volume's: decode_volume_source() */
    {NULL, 0, 0, NULL},
};

static const struct pod_field secret_fields[] = {
    {"secretName", POD_FIELD_STR, offsetof(struct pod_projection, name), NULL},
    {"items", POD_FIELD_CUSTOM, 0, decode_items},
    {"optional", POD_FIELD_BOOL, offsetof(struct pod_projection, optional), NULL},
    {"defaultMode", POD_FIELD_IGNORE, 0, NULL},
    {NULL, 0, 0, NULL},
};

static const struct pod_field secret_proj_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_projection, name), NULL},
    {"items", POD_FIELD_CUSTOM, 0, decode_items},
    {"optional", POD_FIELD_BOOL, offsetof(struct pod_projection, optional), NULL},
    {NULL, 0, 0, NULL},
};

static const struct pod_field downward_fields[] = {
    {"items", POD_FIELD_CUSTOM, 0, decode_files},
    {"defaultMode", POD_FIELD_IGNORE, 0, NULL},
    {NULL, 0, 0, NULL},
};

static const struct pod_field token_fields[] = {
    {"audience", POD_FIELD_STR, offsetof(struct pod_projection, audience), NULL},
    {"expirationSeconds", POD_FIELD_CUSTOM, 0, decode_expiration},
    {"path", POD_FIELD_STR, offsetof(struct pod_projection, path), NULL},
    {NULL, 0, 0, NULL},
};

static const struct pod_field trust_bundle_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_projection, name), NULL},
    {"signerName", POD_FIELD_STR, offsetof(struct pod_projection, signer_name), NULL},
    {"labelSelector", POD_FIELD_CUSTOM, 0, decode_label_selector},
    {"optional", POD_FIELD_BOOL, offsetof(struct pod_projection, optional), NULL},
    {"path", POD_FIELD_STR, offsetof(struct pod_projection, path), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_as(json_object *v, struct pod_projection *p, enum pod_projection_kind kind,
                     const struct pod_field *fields, const char *path, struct pp_error *err)
{
	p->kind = kind;
	p->n_kinds++;
	if (kind == POD_PROJ_SA_TOKEN)
		p->expiration_seconds = DEFAULT_EXPIRATION;
	if (fields == NULL)
		return 0; /* podCertificate: refused by the validator, by name */
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	return pod_decode_fields(v, fields, p, path, err);
}

static int src_config_map(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_as(v, obj, POD_PROJ_CONFIGMAP, config_map_fields, path, err);
}

static int src_secret(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_as(v, obj, POD_PROJ_SECRET, secret_proj_fields, path, err);
}

static int src_downward(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_as(v, obj, POD_PROJ_DOWNWARD_API, downward_fields, path, err);
}

static int src_token(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_as(v, obj, POD_PROJ_SA_TOKEN, token_fields, path, err);
}

static int src_trust_bundle(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_as(v, obj, POD_PROJ_TRUST_BUNDLE, trust_bundle_fields, path, err);
}

static int src_pod_cert(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_as(v, obj, POD_PROJ_POD_CERTIFICATE, NULL, path, err);
}

static const struct pod_field projection_fields[] = {
    {"configMap", POD_FIELD_CUSTOM, 0, src_config_map},
    {"secret", POD_FIELD_CUSTOM, 0, src_secret},
    {"downwardAPI", POD_FIELD_CUSTOM, 0, src_downward},
    {"serviceAccountToken", POD_FIELD_CUSTOM, 0, src_token},
    {"clusterTrustBundle", POD_FIELD_CUSTOM, 0, src_trust_bundle},
    {"podCertificate", POD_FIELD_CUSTOM, 0, src_pod_cert},
    {NULL, 0, 0, NULL},
};

static int decode_sources(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_volume *vol = obj;

	return pod_decode_object_array(
	    v, path, &(const struct pod_element){projection_fields, sizeof(*vol->sources)},
	    (void **)&vol->sources, &vol->n_proj, err);
}

static const struct pod_field projected_fields[] = {
    {"sources", POD_FIELD_CUSTOM, 0, decode_sources},
    {"defaultMode", POD_FIELD_IGNORE, 0, NULL},
    {NULL, 0, 0, NULL},
};

/* The volume's defaultMode (0644 when absent, as the API server defaults). */
static int decode_default_mode(json_object *v, struct pod_volume *vol, const char *path,
                               struct pp_error *err)
{
	char sub[POD_PATH_MAX];
	json_object *m = NULL;
	bool has = false;

	vol->default_mode = DEFAULT_MODE;
	if (!json_object_object_get_ex(v, "defaultMode", &m))
		return 0;
	pod_path_key(sub, path, "defaultMode");
	return decode_mode(m, sub, &has, &vol->default_mode, err);
}

static int decode_volume_source(json_object *v, struct pod_volume *vol, unsigned bit,
                                enum pod_projection_kind kind, const char *path,
                                struct pp_error *err)
{
	static const struct pod_field *const tables[] = {
	    [POD_PROJ_CONFIGMAP] = config_map_fields,
	    [POD_PROJ_SECRET] = secret_fields,
	    [POD_PROJ_DOWNWARD_API] = downward_fields,
	};

	vol->source_bits |= bit;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	if (vol->sources != NULL)
		return 0; /* another source: refused by the validator */
	vol->projection = kind;
	if (kind == POD_PROJ_NONE)
		return pod_decode_fields(v, projected_fields, vol, path, err) < 0
		           ? -EINVAL
		           : decode_default_mode(v, vol, path, err);
	vol->sources = xcalloc(1, sizeof(*vol->sources));
	vol->n_proj = 1;
	vol->sources[0].kind = kind;
	vol->sources[0].n_kinds = 1;
	if (pod_decode_fields(v, tables[kind], &vol->sources[0], path, err) < 0)
		return -EINVAL;
	return decode_default_mode(v, vol, path, err);
}

int pod_decode_config_map_volume(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_volume_source(v, obj, POD_VOL_SRC_CONFIGMAP, POD_PROJ_CONFIGMAP, path, err);
}

int pod_decode_secret_volume(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_volume_source(v, obj, POD_VOL_SRC_SECRET, POD_PROJ_SECRET, path, err);
}

int pod_decode_downward_volume(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_volume_source(v, obj, POD_VOL_SRC_DOWNWARD, POD_PROJ_DOWNWARD_API, path, err);
}

int pod_decode_projected_volume(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_volume *vol = obj;
	int r = decode_volume_source(v, obj, POD_VOL_SRC_PROJECTED, POD_PROJ_NONE, path, err);

	vol->projection = POD_PROJ_NONE;
	return r;
}

static void add_str(json_object *o, const char *key, const char *s)
{
	if (s != NULL)
		json_object_object_add(o, key, json_object_new_string(s));
}

static json_object *items_to_json(const struct pod_projection *p)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < p->n_items; i++) {
		json_object *o = json_object_new_object();

		add_str(o, "key", p->items[i].key);
		add_str(o, "path", p->items[i].path);
		if (p->items[i].has_mode)
			json_object_object_add(o, "mode", json_object_new_int64(p->items[i].mode));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *file_to_json(const struct pod_downward_file *f)
{
	json_object *o = json_object_new_object(), *ref;

	add_str(o, "path", f->path);
	if (f->field_path != NULL) {
		ref = json_object_new_object();
		add_str(ref, "apiVersion", f->field_api);
		add_str(ref, "fieldPath", f->field_path);
		json_object_object_add(o, "fieldRef", ref);
	}
	if (f->rf_resource != NULL) {
		ref = json_object_new_object();
		add_str(ref, "containerName", f->rf_container);
		add_str(ref, "resource", f->rf_resource);
		add_str(ref, "divisor", f->rf_divisor);
		json_object_object_add(o, "resourceFieldRef", ref);
	}
	if (f->has_mode)
		json_object_object_add(o, "mode", json_object_new_int64(f->mode));
	return o;
}

static void add_keyed(json_object *o, const struct pod_projection *p, const char *name_key)
{
	add_str(o, name_key, p->name);
	if (p->n_items > 0)
		json_object_object_add(o, "items", items_to_json(p));
	if (p->optional)
		json_object_object_add(o, "optional", json_object_new_boolean(true));
}

static void add_files(json_object *o, const struct pod_projection *p)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < p->n_files; i++)
		json_object_array_add(arr, file_to_json(&p->files[i]));
	json_object_object_add(o, "items", arr);
}

static void add_trust_bundle(json_object *o, const struct pod_projection *p)
{
	add_str(o, "name", p->name);
	add_str(o, "signerName", p->signer_name);
	if (p->label_selector != NULL)
		json_object_object_add(o, "labelSelector", json_tokener_parse(p->label_selector));
	if (p->optional)
		json_object_object_add(o, "optional", json_object_new_boolean(true));
	add_str(o, "path", p->path);
}

/* One projection's object; its key in *ret_key. */
static json_object *projection_to_json(const struct pod_projection *p, bool volume,
                                       const char **ret_key)
{
	json_object *o = json_object_new_object();

	switch (p->kind) {
	case POD_PROJ_CONFIGMAP:
		add_keyed(o, p, "name");
		*ret_key = "configMap";
		break;
	case POD_PROJ_SECRET:
		add_keyed(o, p, volume ? "secretName" : "name");
		*ret_key = "secret";
		break;
	case POD_PROJ_DOWNWARD_API:
		add_files(o, p);
		*ret_key = "downwardAPI";
		break;
	case POD_PROJ_SA_TOKEN:
		add_str(o, "audience", p->audience);
		json_object_object_add(o, "expirationSeconds",
		                       json_object_new_int64(p->expiration_seconds));
		add_str(o, "path", p->path);
		*ret_key = "serviceAccountToken";
		break;
	case POD_PROJ_TRUST_BUNDLE:
		add_trust_bundle(o, p);
		*ret_key = "clusterTrustBundle";
		break;
	default:
		*ret_key = "podCertificate";
		break;
	}
	return o;
}

void pod_projected_volume_add(json_object *o, const struct pod_volume *vol)
{
	json_object *src, *arr;
	const char *key = NULL;

	if (vol->projection != POD_PROJ_NONE && vol->n_proj == 1) {
		src = projection_to_json(&vol->sources[0], true, &key);
		json_object_object_add(src, "defaultMode",
		                       json_object_new_int64(vol->default_mode));
		json_object_object_add(o, key, src);
		return;
	}
	src = json_object_new_object();
	arr = json_object_new_array();
	for (size_t i = 0; i < vol->n_proj; i++) {
		json_object *e = json_object_new_object();
		json_object *p = projection_to_json(&vol->sources[i], false, &key);

		json_object_object_add(e, key, p);
		json_object_array_add(arr, e);
	}
	json_object_object_add(src, "sources", arr);
	json_object_object_add(src, "defaultMode", json_object_new_int64(vol->default_mode));
	json_object_object_add(o, "projected", src);
}

bool pod_projected_volume_equal(const struct pod_volume *a, const struct pod_volume *b)
{
	json_object *x = json_object_new_object(), *y = json_object_new_object();
	bool eq;

	if (a->source_bits != 0)
		pod_projected_volume_add(x, a);
	if (b->source_bits != 0)
		pod_projected_volume_add(y, b);
	eq = a->source_bits == b->source_bits && json_object_equal(x, y);
	json_object_put(x);
	json_object_put(y);
	return eq;
}

static void projection_clear(struct pod_projection *p)
{
	for (size_t i = 0; i < p->n_items; i++) {
		free(p->items[i].key);
		free(p->items[i].path);
	}
	free(p->items);
	for (size_t i = 0; i < p->n_files; i++) {
		free(p->files[i].path);
		free(p->files[i].field_path);
		free(p->files[i].field_api);
		free(p->files[i].rf_container);
		free(p->files[i].rf_resource);
		free(p->files[i].rf_divisor);
	}
	free(p->files);
	free(p->name);
	free(p->audience);
	free(p->path);
	free(p->signer_name);
	free(p->label_selector);
}

void pod_projected_volume_clear(struct pod_volume *vol)
{
	for (size_t i = 0; i < vol->n_proj; i++)
		projection_clear(&vol->sources[i]);
	free(vol->sources);
	vol->sources = NULL;
	vol->n_proj = 0;
}
