/* SPDX-License-Identifier: Apache-2.0 */
/* ConfigMap and Secret (core/v1): the model, its decoder from the API's
 * JSON shape and its encoder, validated as the API server does. Pure. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

struct pp_error;

enum kobj_kind {
	KOBJ_CONFIGMAP,
	KOBJ_SECRET,
};

/* One key of data/binaryData: the bytes a file or variable gets. For a
 * Secret, data is base64-decoded and stringData merged in (stringData wins,
 * as the API server does); binary is then always true. For a ConfigMap,
 * `data` keys have binary false, `binaryData` keys binary true. */
struct kobj_entry {
	char *key;
	unsigned char *value; /* len bytes, plus a NUL not counted in len */
	size_t len;
	bool binary;
};

struct kobj {
	enum kobj_kind kind;
	char *name;
	char *namespace_;                            /* default "default" */
	char *uid;                                   /* NULL until the store assigns one */
	char *creation_timestamp;                    /* RFC 3339, NULL until stored */
	char **label_keys, **label_values;           /* parallel, NULL-terminated; NULL when none */
	char **annotation_keys, **annotation_values; /* parallel, NULL-terminated; NULL when none */
	char *type;                 /* Secret type, default "Opaque"; NULL for a ConfigMap */
	bool immutable;             /* `immutable: true` */
	struct kobj_entry *entries; /* sorted by key, keys unique across data and binaryData */
	size_t n_entries;
};

/* "ConfigMap" or "Secret"; "configmap"/"secret" for lower. Static. */
const char *kobj_kind_name(enum kobj_kind kind);
const char *kobj_kind_resource(enum kobj_kind kind); /* "configmaps", "secrets" */
const char *kobj_kind_lower(enum kobj_kind kind);    /* "configmap", "secret" */
/* "ConfigMap"/"Secret" → *ret. 0, or -ENOENT for any other kind. */
int kobj_kind_parse(const char *s, enum kobj_kind *ret);

/* What is wrong with s as a ConfigMap/Secret key (validation.IsConfigMapKey:
 * [-._a-zA-Z0-9]+, at most 253, not ".", "..", nor starting with ".."), in
 * the API server's words; NULL when it is a valid key. Static. */
const char *kobj_key_problem(const char *k);

/* Decode and validate one ConfigMap or Secret object (apiVersion v1) of
 * the API shape: metadata (name a DNS-1123 subdomain, namespace, labels,
 * annotations; uid and creationTimestamp kept when present), data,
 * binaryData, stringData, type, immutable. Keys must be valid ConfigMap
 * keys ([-._a-zA-Z0-9]+, at most 253, not "." or ".."), total size at most
 * 1 MiB, Secret data valid base64, kubernetes.io/dockerconfigjson Secrets
 * must hold a valid .dockerconfigjson. Errors name the field path as the
 * API server does (`data[a b]: Invalid value: "a b": a valid config key
 * must consist of ...`). *ret caller-freed with kobj_free(). 0 or -EINVAL. */
int kobj_from_json(json_object *obj, struct kobj **ret, struct pp_error *err);

/* The API server's checks of an object built in memory (create configmap):
 * metadata, keys, total size, the Secret type's required keys. 0 or -EINVAL. */
int kobj_validate(const struct kobj *o, struct pp_error *err);

/* Encode as the API shape (Secret values base64 in data, ConfigMap text in
 * data and bytes base64 in binaryData); the caller owns the result. Round
 * trips kobj_from_json(). */
json_object *kobj_to_json(const struct kobj *o);

/* The entry of key, or NULL. Borrows. */
const struct kobj_entry *kobj_entry_find(const struct kobj *o, const char *key);

/* Two objects hold the same metadata (uid, creationTimestamp ignored) and
 * data: for apply's "unchanged". */
bool kobj_equal(const struct kobj *a, const struct kobj *b);
/* The same entries (keys, bytes, binary flags). */
bool kobj_data_equal(const struct kobj *a, const struct kobj *b);

struct kobj *kobj_free(struct kobj *o);
