/* SPDX-License-Identifier: Apache-2.0 */
/* Manifest streams of several kinds: the YAML documents split by `kind`
 * and handed to the Pod or the ConfigMap/Secret decoder; and the bare
 * references (kind, namespace, name) that delete -f needs. */
#include "spec/manifest.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/object.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

#define KINDS_ONLY " peapod runs Pods, ConfigMaps and Secrets only (apiVersion v1)"

const char *manifest_kind_lower(enum manifest_kind kind)
{
	switch (kind) {
	case MANIFEST_CONFIGMAP:
		return "configmap";
	case MANIFEST_SECRET:
		return "secret";
	default:
		return "pod";
	}
}

/* The kind of document doc; an unknown one is an error. */
static int doc_kind(json_object *doc, enum manifest_kind *ret, struct pp_error *err)
{
	json_object *kind = NULL;
	const char *k;

	if (!json_object_is_type(doc, json_type_object))
		return pod_type_error("<document>", doc, "an object", err);
	if (!json_object_object_get_ex(doc, "kind", &kind) || kind == NULL)
		return pp_error_msg(err, EINVAL, "kind: Required value");
	if (!json_object_is_type(kind, json_type_string))
		return pod_type_error("kind", kind, "string", err);
	k = json_object_get_string(kind);
	if (strcmp(k, "Pod") == 0)
		*ret = MANIFEST_POD;
	else if (strcmp(k, "ConfigMap") == 0)
		*ret = MANIFEST_CONFIGMAP;
	else if (strcmp(k, "Secret") == 0)
		*ret = MANIFEST_SECRET;
	else
		return pp_error_msg(err, EINVAL, "unknown kind \"%.64s\":" KINDS_ONLY, k);
	return 0;
}

static const char *doc_name(json_object *doc)
{
	const char *name = json_get_str(json_get_obj(doc, "metadata"), "name");

	return name != NULL ? name : "";
}

static int decode_doc(json_object *doc, struct manifest_doc *d, struct pp_error *err)
{
	int r = doc_kind(doc, &d->kind, err);

	if (r < 0)
		return r;
	if (d->kind == MANIFEST_POD) {
		return pod_spec_from_manifest(doc, &d->pod, err);
	}
	r = kobj_from_json(doc, &d->obj, err);
	if (r < 0)
		return pp_error_prefix(err, r, "The %s \"%.64s\" is invalid",
		                       d->kind == MANIFEST_SECRET ? "Secret" : "ConfigMap",
		                       doc_name(doc));
	free(take_ptr(&d->obj->uid));
	free(take_ptr(&d->obj->creation_timestamp));
	return 0;
}

void manifest_docs_free(struct manifest_doc *docs, size_t n)
{
	for (size_t i = 0; docs != NULL && i < n; i++) {
		pod_free(docs[i].pod);
		kobj_free(docs[i].obj);
	}
	free(docs);
}

int manifest_parse(const char *text, size_t len, const char *src_name,
                   struct manifest_doc **ret_docs, size_t *ret_n, struct pp_error *err)
{
	cleanup_json json_object *arr = NULL;
	struct manifest_doc *docs = NULL;
	size_t n = 0;
	int r = pod_yaml_to_json(text, len, src_name, &arr, err);

	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	docs = xcalloc(n > 0 ? n : 1, sizeof(*docs));
	for (size_t i = 0; i < n; i++) {
		r = decode_doc(json_object_array_get_idx(arr, i), &docs[i], err);
		if (r < 0) {
			manifest_docs_free(docs, n);
			return r;
		}
	}
	*ret_docs = docs;
	*ret_n = n;
	return 0;
}

void manifest_refs_free(struct manifest_ref *refs, size_t n)
{
	for (size_t i = 0; refs != NULL && i < n; i++) {
		free(refs[i].ns);
		free(refs[i].name);
	}
	free(refs);
}

static int decode_ref(json_object *doc, struct manifest_ref *ref, struct pp_error *err)
{
	json_object *meta = json_get_obj(doc, "metadata");
	const char *name = json_get_str(meta, "name"), *ns = json_get_str(meta, "namespace");
	int r = doc_kind(doc, &ref->kind, err);

	if (r < 0)
		return r;
	if (name == NULL || name[0] == '\0')
		return pp_error_msg(err, EINVAL, "resource name may not be empty");
	ref->name = xstrdup(name);
	ref->ns = xstrdup(ns != NULL && ns[0] != '\0' ? ns : "default");
	return 0;
}

int manifest_parse_refs(const char *text, size_t len, const char *src_name,
                        struct manifest_ref **ret_refs, size_t *ret_n, struct pp_error *err)
{
	cleanup_json json_object *arr = NULL;
	struct manifest_ref *refs = NULL;
	size_t n = 0;
	int r = pod_yaml_to_json(text, len, src_name, &arr, err);

	if (r < 0)
		return r;
	n = json_object_array_length(arr);
	refs = xcalloc(n > 0 ? n : 1, sizeof(*refs));
	for (size_t i = 0; i < n; i++) {
		r = decode_ref(json_object_array_get_idx(arr, i), &refs[i], err);
		if (r < 0) {
			manifest_refs_free(refs, n);
			return r;
		}
	}
	*ret_refs = refs;
	*ret_n = n;
	return 0;
}
