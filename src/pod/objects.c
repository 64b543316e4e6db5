/* SPDX-License-Identifier: Apache-2.0 */
/* The object store of ConfigMaps and Secrets under ROOT/objects: one JSON
 * file per object in its API shape, written atomically under a flock, with
 * the API server's update rules (uid and creationTimestamp kept, immutable
 * data and Secret type refused). */
#include "pod/objects.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "pod/paths.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

/* 1 MiB of data as base64 plus metadata (annotations up to 256 KiB). */
#define OBJECT_FILE_MAX ((size_t)4 * 1024 * 1024)

static bool valid_ref(const char *ns, const char *name)
{
	return ns != NULL && name != NULL && strlen(ns) <= 63 && pod_is_dns1123_label(ns) &&
	       strlen(name) <= 253 && pod_is_dns1123_subdomain(name);
}

static char *kind_dir(const struct pod_paths *p, enum kobj_kind kind)
{
	return xstrfmt("%s/objects/%s", p->root, kobj_kind_resource(kind));
}

static char *object_path(const struct pod_paths *p, enum kobj_kind kind, const char *ns,
                         const char *name)
{
	return xstrfmt("%s/objects/%s/%s/%s.json", p->root, kobj_kind_resource(kind), ns, name);
}

static int not_found(enum kobj_kind kind, const char *name, struct pp_error *err)
{
	return pp_error_msg(err, ENOENT, "%s \"%s\" not found", kobj_kind_resource(kind), name);
}

/* The object in path, which must be kind/ns/name. */
static int read_object(const char *path, enum kobj_kind kind, const char *ns, const char *name,
                       struct kobj **ret, struct pp_error *err)
{
	cleanup_json json_object *obj = NULL;
	cleanup_free char *text = NULL;
	struct kobj *o = NULL;
	size_t len = 0;
	int r = fs_read_regular(path, OBJECT_FILE_MAX, &text, &len, err);

	if (r == -ENOENT)
		return r;
	if (r == 0)
		r = json_parse_text(text, len, path, &obj, err);
	if (r == 0)
		r = kobj_from_json(obj, &o, err);
	if (r < 0 || o == NULL)
		return pp_error_prefix(err, -EINVAL, "stored object '%s'", path);
	if (o->kind != kind || strcmp(o->name, name) != 0 || strcmp(o->namespace_, ns) != 0) {
		kobj_free(o);
		return pp_error_msg(err, EINVAL, "stored object '%s': another object's file", path);
	}
	*ret = o;
	return 0;
}

int kobj_store_get(const struct pod_paths *p, enum kobj_kind kind, const char *ns, const char *name,
                   struct kobj **ret, struct pp_error *err)
{
	cleanup_free char *path = NULL;
	int r;

	if (!valid_ref(ns, name))
		return not_found(kind, name != NULL ? name : "", err);
	path = object_path(p, kind, ns, name);
	r = read_object(path, kind, ns, name, ret, err);
	if (r == -ENOENT)
		return not_found(kind, name, err);
	return r;
}

/* ROOT/objects/lock, held exclusively; returns the fd or -errno. */
static int lock_store(const struct pod_paths *p, struct pp_error *err)
{
	cleanup_free char *dir = xstrfmt("%s/objects", p->root);
	cleanup_free char *path = xstrfmt("%s/lock", dir);
	int r = fs_mkdir_p(dir, 0755, err);

	return r < 0 ? r : fs_lock_file(path, err);
}

/* The store's lock, for writing o (whose name and namespace must be
 * usable as file names). Returns the fd or -errno. */
static int lock_for(const struct pod_paths *p, const struct kobj *o, struct pp_error *err)
{
	if (!valid_ref(o->namespace_, o->name))
		return pp_error_msg(err, EINVAL, "metadata.name: Invalid value: \"%s\"",
		                    o->name != NULL ? o->name : "");
	return lock_store(p, err);
}

/* The folder of o's namespace, 0700 for Secrets (also when it existed). */
static int ensure_ns_dir(const struct pod_paths *p, const struct kobj *o, struct pp_error *err)
{
	bool secret = o->kind == KOBJ_SECRET;
	cleanup_free char *kdir = kind_dir(p, o->kind);
	cleanup_free char *dir = xstrfmt("%s/%s", kdir, o->namespace_);
	mode_t mode = secret ? 0700 : 0755;
	int r = fs_mkdir_p(dir, mode, err);

	if (r == 0 && secret && (chmod(kdir, mode) < 0 || chmod(dir, mode) < 0))
		r = pp_error(err, errno, "chmod '%s'", dir);
	return r;
}

/* The entries of o that the field (binary or not) holds are those of b. */
static bool field_equal(const struct kobj *a, const struct kobj *b, bool binary)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a->n_entries && a->entries[i].binary != binary)
			i++;
		while (j < b->n_entries && b->entries[j].binary != binary)
			j++;
		if (i == a->n_entries || j == b->n_entries)
			return i == a->n_entries && j == b->n_entries;
		if (strcmp(a->entries[i].key, b->entries[j].key) != 0 ||
		    a->entries[i].len != b->entries[j].len ||
		    memcmp(a->entries[i].value, b->entries[j].value, a->entries[i].len) != 0)
			return false;
		i++;
		j++;
	}
}

#define IMMUTABLE_MSG "Forbidden: field is immutable when `immutable` is set"

/* ValidateConfigMapUpdate / ValidateSecretUpdate. -EPERM when refused. */
static int check_update(const struct kobj *old, const struct kobj *o, struct pp_error *err)
{
	bool cm = o->kind == KOBJ_CONFIGMAP;

	if (!cm && strcmp(old->type, o->type) != 0)
		return pp_error_msg(err, EPERM, "type: Invalid value: \"%s\": field is immutable",
		                    o->type);
	if (!old->immutable)
		return 0;
	if (!o->immutable)
		return pp_error_msg(err, EPERM, "immutable: " IMMUTABLE_MSG);
	if (!field_equal(old, o, cm ? false : true))
		return pp_error_msg(err, EPERM, "data: " IMMUTABLE_MSG);
	if (cm && !field_equal(old, o, true))
		return pp_error_msg(err, EPERM, "binaryData: " IMMUTABLE_MSG);
	return 0;
}

static int write_object(const struct pod_paths *p, const struct kobj *o, const char *uid,
                        const char *created, struct pp_error *err)
{
	cleanup_free char *path = object_path(p, o->kind, o->namespace_, o->name);
	cleanup_json json_object *obj = kobj_to_json(o);
	json_object *meta = json_get_obj(obj, "metadata");
	const char *text;
	size_t len = 0;
	int r = ensure_ns_dir(p, o, err);

	if (r < 0)
		return r;
	json_object_object_add(meta, "uid", json_object_new_string(uid));
	json_object_object_add(meta, "creationTimestamp", json_object_new_string(created));
	text = json_object_to_json_string_length(
	    obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	return fs_write_atomic(path, text, len, o->kind == KOBJ_SECRET ? 0600 : 0644, err);
}

static int put_locked(const struct pod_paths *p, const struct kobj *o,
                      enum kobj_put_result *ret_result, struct pp_error *err)
{
	struct kobj *old = NULL;
	cleanup_free char *uid = NULL, *created = NULL;
	char now[32];
	int r = kobj_store_get(p, o->kind, o->namespace_, o->name, &old, err);
	bool existed = r == 0 && old != NULL;

	if (r < 0 && r != -ENOENT)
		return r;
	if (existed) {
		r = check_update(old, o, err);
		if (r == 0 && kobj_equal(old, o)) {
			kobj_free(old);
			*ret_result = KOBJ_UNCHANGED;
			return 0;
		}
		uid = xstrdup(old->uid != NULL ? old->uid : "");
		created = xstrdup(old->creation_timestamp != NULL ? old->creation_timestamp : "");
		kobj_free(old);
		if (r < 0)
			return r;
	}
	if (uid == NULL) {
		uid = pod_uid_new();
		created = xstrdup(pod_time_format(pod_now(), now, sizeof(now)));
	}
	r = write_object(p, o, uid, created, err);
	if (r == 0)
		*ret_result = existed ? KOBJ_CONFIGURED : KOBJ_CREATED;
	return r;
}

int kobj_store_put(const struct pod_paths *p, const struct kobj *o,
                   enum kobj_put_result *ret_result, struct pp_error *err)
{
	cleanup_close int lock = -1;
	int r;

	lock = lock_for(p, o, err);
	if (lock < 0)
		return lock;
	r = put_locked(p, o, ret_result, err);
	return r;
}

int kobj_store_create(const struct pod_paths *p, const struct kobj *o, struct pp_error *err)
{
	cleanup_close int lock = -1;
	cleanup_free char *path = NULL, *uid = NULL;
	char now[32];

	lock = lock_for(p, o, err);
	if (lock < 0)
		return lock;
	path = object_path(p, o->kind, o->namespace_, o->name);
	if (access(path, F_OK) == 0)
		return pp_error_msg(err, EEXIST, "%s \"%s\" already exists",
		                    kobj_kind_resource(o->kind), o->name);
	uid = pod_uid_new();
	return write_object(p, o, uid, pod_time_format(pod_now(), now, sizeof(now)), err);
}

int kobj_store_delete(const struct pod_paths *p, enum kobj_kind kind, const char *ns,
                      const char *name, struct pp_error *err)
{
	cleanup_free char *path = NULL;
	cleanup_close int lock = -1;

	if (!valid_ref(ns, name))
		return not_found(kind, name != NULL ? name : "", err);
	lock = lock_store(p, err);
	if (lock < 0)
		return lock;
	path = object_path(p, kind, ns, name);
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return not_found(kind, name, err);
		return pp_error(err, errno, "remove '%s'", path);
	}
	return 0;
}

void kobj_free_all(struct kobj **objs, size_t n)
{
	for (size_t i = 0; objs != NULL && i < n; i++)
		kobj_free(objs[i]);
	free(objs);
}

struct kobj_list {
	struct kobj **objs;
	size_t n;
};

/* Every <name>.json of one namespace folder; malformed files skipped. */
static int list_ns(const struct pod_paths *p, enum kobj_kind kind, const char *ns,
                   struct kobj_list *l, struct pp_error *err)
{
	cleanup_free char *kdir = kind_dir(p, kind);
	cleanup_free char *dir = xstrfmt("%s/%s", kdir, ns);
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return errno == ENOENT ? 0 : pp_error(err, errno, "open '%s'", dir);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		cleanup_free char *name = NULL;
		struct kobj *o = NULL;
		struct pp_error e2 = {0};

		if (n <= 5 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		name = xstrndup(de->d_name, n - 5);
		if (kobj_store_get(p, kind, ns, name, &o, &e2) < 0)
			continue; /* malformed or removed since readdir */
		l->objs = xrealloc(l->objs, (l->n + 1) * sizeof(struct kobj *));
		l->objs[l->n++] = o;
	}
	return 0;
}

static int list_all(const struct pod_paths *p, enum kobj_kind kind, struct kobj_list *l,
                    struct pp_error *err)
{
	cleanup_free char *kdir = kind_dir(p, kind);
	cleanup_dir DIR *d = opendir(kdir);
	struct dirent *de;

	if (d == NULL)
		return errno == ENOENT ? 0 : pp_error(err, errno, "open '%s'", kdir);
	while ((de = readdir(d)) != NULL) {
		int r;

		if (!pod_is_dns1123_label(de->d_name))
			continue;
		r = list_ns(p, kind, de->d_name, l, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int obj_cmp(const void *a, const void *b)
{
	const struct kobj *x = *(struct kobj *const *)a, *y = *(struct kobj *const *)b;
	int c = strcmp(x->namespace_, y->namespace_);

	return c != 0 ? c : strcmp(x->name, y->name);
}

int kobj_store_list(const struct pod_paths *p, enum kobj_kind kind, const char *ns,
                    struct kobj ***ret_objs, size_t *ret_n, struct pp_error *err)
{
	struct kobj_list l = {NULL, 0};
	int r;

	if (ns != NULL && !pod_is_dns1123_label(ns))
		r = 0;
	else if (ns != NULL)
		r = list_ns(p, kind, ns, &l, err);
	else
		r = list_all(p, kind, &l, err);
	if (r < 0) {
		kobj_free_all(l.objs, l.n);
		return r;
	}
	if (l.n > 1)
		qsort(l.objs, l.n, sizeof(struct kobj *), obj_cmp);
	*ret_objs = l.objs;
	*ret_n = l.n;
	return 0;
}
