/* SPDX-License-Identifier: Apache-2.0 */
/* The ConfigMaps and Secrets of a peapod root, as the API server keeps
 * them: ROOT/objects/<resource>/<namespace>/<name>.json, the object in its
 * API shape, replaced atomically (write to a temporary file, rename).
 * Secrets' folders are 0700 and files 0600; ConfigMaps' 0755 and 0644.
 * Readers never lock; writers take ROOT/objects/lock (flock). */
#pragma once

#include <stddef.h>

#include "spec/object.h"

struct pp_error;
struct pod_paths;

enum kobj_put_result {
	KOBJ_CREATED,
	KOBJ_CONFIGURED,
	KOBJ_UNCHANGED,
};

/* Read one object. *ret caller-freed with kobj_free(). 0, -ENOENT when
 * there is none (err names it as kubectl does: `configmaps "x" not found`),
 * -EINVAL when the stored file is unreadable or malformed. */
int kobj_store_get(const struct pod_paths *p, enum kobj_kind kind, const char *ns, const char *name,
                   struct kobj **ret, struct pp_error *err);

/* Create or replace o (its uid and creationTimestamp assigned on create,
 * kept on replace). An immutable stored object whose data would change is
 * refused, as the API server does (`field is immutable when `immutable` is
 * set`, -EPERM). *ret_result tells created/configured/unchanged. 0 or -errno. */
int kobj_store_put(const struct pod_paths *p, const struct kobj *o,
                   enum kobj_put_result *ret_result, struct pp_error *err);

/* Create o only when no object of its kind, namespace and name exists
 * (kubectl create): -EEXIST (`configmaps "x" already exists`) otherwise.
 * 0 or -errno. */
int kobj_store_create(const struct pod_paths *p, const struct kobj *o, struct pp_error *err);

/* Remove one object. 0, or -ENOENT (`secrets "x" not found`). */
int kobj_store_delete(const struct pod_paths *p, enum kobj_kind kind, const char *ns,
                      const char *name, struct pp_error *err);

/* Every object of kind in ns (NULL: all namespaces), sorted by namespace
 * then name. *ret_objs is an array of *ret_n pointers, caller-freed with
 * kobj_free_all(). A malformed stored file is skipped. 0 or -errno. */
int kobj_store_list(const struct pod_paths *p, enum kobj_kind kind, const char *ns,
                    struct kobj ***ret_objs, size_t *ret_n, struct pp_error *err);

void kobj_free_all(struct kobj **objs, size_t n);
