/* SPDX-License-Identifier: Apache-2.0 */
/* A manifest stream (YAML or JSON, one or more documents) of the kinds
 * peapod keeps: Pods, ConfigMaps and Secrets, split by kind, each decoded
 * and validated by its own decoder. Pure. */
#pragma once

#include <stddef.h>

struct pp_error;
struct pod;
struct kobj;

enum manifest_kind {
	MANIFEST_POD,
	MANIFEST_CONFIGMAP,
	MANIFEST_SECRET,
};

/* One document: pod set for a Pod, obj for a ConfigMap or Secret. */
struct manifest_doc {
	enum manifest_kind kind;
	struct pod *pod;
	struct kobj *obj;
};

/* Parse every document of text (src_name names it in errors). Pods lose
 * the manifest's uid, as pod_spec_parse_yaml() does. A document of another
 * kind, or one that does not validate, fails the whole stream (nothing is
 * returned): `unknown kind "Deployment": ...`, `The ConfigMap "x" is
 * invalid: data[a b]: ...`. *ret_docs caller-freed with
 * manifest_docs_free(). 0 or -EINVAL/-EFBIG. */
int manifest_parse(const char *text, size_t len, const char *src_name,
                   struct manifest_doc **ret_docs, size_t *ret_n, struct pp_error *err);
void manifest_docs_free(struct manifest_doc *docs, size_t n);

/* What `kubectl delete -f` reads of each document: its kind, namespace
 * ("default" when unset) and name; no other field is looked at. */
struct manifest_ref {
	enum manifest_kind kind;
	char *ns;
	char *name;
};

/* The references of every document of text. A document without a kind of
 * ours or without metadata.name is an error. *ret_refs caller-freed with
 * manifest_refs_free(). 0 or -EINVAL. */
int manifest_parse_refs(const char *text, size_t len, const char *src_name,
                        struct manifest_ref **ret_refs, size_t *ret_n, struct pp_error *err);
void manifest_refs_free(struct manifest_ref *refs, size_t n);

/* "pod", "configmap", "secret" (kubectl's resource/NAME prefix). Static. */
const char *manifest_kind_lower(enum manifest_kind kind);
