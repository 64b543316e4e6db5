/* SPDX-License-Identifier: Apache-2.0 */
/* Removing images: untagging, removal by reference or id, prune, tagging,
 * and the garbage collection of blobs and unpacked layers that no image
 * record uses any more (a layer shared by two images stays until both are
 * gone). Removal holds "gc.lock" exclusively, so no load or pull (which hold
 * it shared) is half-way through; every change of refs.json holds
 * "refs.lock". */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "image/image.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

/* Collect "sha256:<hex>" members of every record's key into *used. */
static void collect_used(struct img_store *s, const char *key, char ***used)
{
	cleanup_dir DIR *d = opendir(s->images_dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		cleanup_json json_object *rec = NULL;
		cleanup_free char *p = NULL;
		cleanup_strv char **v = NULL;

		if (de->d_name[0] == '.')
			continue;
		p = xstrfmt("%s/%s", s->images_dir, de->d_name);
		if (json_parse_file(p, IMG_JSON_MAX, &rec, NULL) < 0 ||
		    img_json_strv(rec, key, &v) < 0)
			continue;
		for (char **x = v; x && *x; x++)
			if (img_digest_parse(*x, NULL) == 0)
				strv_push(used, *x + 7);
	}
}

static bool strv_has(char **v, const char *s, size_t n)
{
	for (; v && *v; v++)
		if (strncmp(*v, s, n) == 0 && (*v)[n] == '\0')
			return true;
	return false;
}

void img_store_gc(struct img_store *s)
{
	cleanup_strv char **blobs = NULL, **layers = NULL;
	cleanup_dir DIR *b = opendir(s->blobs_dir);
	cleanup_dir DIR *l = opendir(s->layers_dir);
	struct dirent *de;

	collect_used(s, "blobs", &blobs);
	collect_used(s, "layers", &layers);
	while (b != NULL && (de = readdir(b)) != NULL)
		if (de->d_name[0] != '.' && !strv_has(blobs, de->d_name, strlen(de->d_name)))
			(void)unlinkat(dirfd(b), de->d_name, 0); /* gc is best effort */
	while (l != NULL && (de = readdir(l)) != NULL) {
		size_t n = strcspn(de->d_name, ".");
		cleanup_free char *p = NULL;

		if (de->d_name[0] == '.' || strv_has(layers, de->d_name, n))
			continue;
		p = xstrfmt("%s/%s", s->layers_dir, de->d_name);
		if (strcmp(de->d_name + n, ".done") == 0)
			(void)unlink(p);
	}
	if (l != NULL)
		rewinddir(l);
	while (l != NULL && (de = readdir(l)) != NULL) {
		cleanup_free char *p = xstrfmt("%s/%s", s->layers_dir, de->d_name);
		size_t n = strcspn(de->d_name, ".");

		if (de->d_name[0] != '.' && de->d_name[n] == '\0' &&
		    !strv_has(layers, de->d_name, n))
			(void)fs_rm_rf(p, NULL);
	}
	(void)fs_rm_rf(s->tmp_dir, NULL);
	(void)mkdir(s->tmp_dir, 0700);
}

/* Both locks, gc first (the order loads and pulls take them in). */
static int lock_both(struct img_store *s, bool gc_exclusive, int *ret_gc, int *ret_refs,
                     struct pp_error *err)
{
	cleanup_close int gc = img_store_lock(s, "gc.lock", gc_exclusive, err);
	int refs;

	if (gc < 0)
		return gc;
	refs = img_store_lock(s, "refs.lock", true, err);
	if (refs < 0)
		return refs;
	*ret_gc = take_fd(&gc);
	*ret_refs = refs;
	return 0;
}

static int record_unlink(struct img_store *s, const char *hex, struct pp_error *err)
{
	cleanup_free char *p = xstrfmt("%s/%s.json", s->images_dir, hex);

	if (unlink(p) < 0 && errno != ENOENT)
		return pp_error(err, errno, "remove '%s'", p);
	return 0;
}

static void refs_drop(json_object *refs, char *const *drop)
{
	for (char *const *k = drop; k && *k; k++)
		json_object_object_del(refs, *k);
}

static char *join(char *const *v)
{
	char *s = xstrdup("");

	for (; v && *v; v++) {
		char *t = xstrfmt("%s%s%s", s, *s ? " " : "", *v);

		free(s);
		s = t;
	}
	return s;
}

/* By name when ref is a reference in refs.json pointing at id, else by id. */
static char *named(json_object *refs, const char *ref, const char *id)
{
	cleanup_free char *norm = NULL;
	const char *v;

	if (img_ref_normalize(ref, &norm, NULL) < 0)
		return NULL;
	v = json_object_get_string(json_object_object_get(refs, norm));
	return v != NULL && strcmp(v, id) == 0 ? take_ptr(&norm) : NULL;
}

/* Removal by id: the image exists, and has one reference at most unless
 * force (podman's rule). */
static int check_by_id(struct img_store *s, const char *ref, const char *hex, char *const *all,
                       bool force, struct pp_error *err)
{
	cleanup_free char *rec = xstrfmt("%s/%s.json", s->images_dir, hex);
	cleanup_free char *list = NULL;

	if (access(rec, F_OK) < 0)
		return pp_error_msg(err, ENOENT, "image \"%s\" not found in the peapod store", ref);
	if (strv_len(all) <= 1 || force)
		return 0;
	list = join(all);
	return pp_error_msg(err, EBUSY,
	                    "unable to delete image \"%s\" by ID with more than one tag ([%s]): "
	                    "please force removal",
	                    hex, list);
}

/* What a removal did: the references dropped, and the image id if it went. */
struct removed {
	char **untagged;
	char *deleted;
};

static int unref(struct img_store *s, json_object *refs, const char *ref, bool force,
                 struct removed *ret, struct pp_error *err)
{
	cleanup_free char *id = NULL, *norm = NULL;
	cleanup_strv char **all = NULL, **drop = NULL;
	char hex[IMG_HEX_LEN + 1];
	int r = img_find_id(s, ref, hex, err);

	if (r < 0)
		return r;
	id = xstrfmt("sha256:%s", hex);
	all = img_refs_of(refs, id);
	norm = named(refs, ref, id);
	if (norm == NULL)
		r = check_by_id(s, ref, hex, all, force, err);
	if (r < 0)
		return r;
	drop = norm != NULL ? strv_dup((char *[]){norm, NULL}) : strv_dup(all);
	refs_drop(refs, drop);
	r = img_refs_write(s, refs, err);
	if (r == 0 && strv_len(drop) == strv_len(all))
		r = record_unlink(s, hex, err);
	if (r < 0)
		return r;
	ret->deleted = strv_len(drop) == strv_len(all) ? take_ptr(&id) : NULL;
	ret->untagged = take_ptr(&drop);
	return 0;
}

int img_store_remove(struct img_store *s, const char *ref, bool force, char ***ret_untagged,
                     char **ret_deleted, struct pp_error *err)
{
	cleanup_close int gc = -1, lock = -1;
	cleanup_json json_object *refs = NULL;
	struct removed done = {0};
	int r = lock_both(s, true, &gc, &lock, err);

	if (r == 0)
		r = img_refs_read(s, &refs, err);
	if (r == 0)
		r = unref(s, refs, ref, force, &done, err);
	if (r < 0)
		return r;
	if (done.deleted != NULL)
		img_store_gc(s);
	if (ret_untagged != NULL)
		*ret_untagged = take_ptr(&done.untagged);
	if (ret_deleted != NULL)
		*ret_deleted = take_ptr(&done.deleted);
	strv_free(done.untagged);
	free(done.deleted);
	return 0;
}

static int prune_records(struct img_store *s, json_object *refs, bool all, char *const *keep,
                         char ***removed, struct pp_error *err)
{
	cleanup_dir DIR *d = opendir(s->images_dir);
	struct dirent *de;
	char hex[IMG_HEX_LEN + 1];

	if (d == NULL)
		return pp_error(err, errno, "open '%s'", s->images_dir);
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *id = NULL;
		cleanup_strv char **its = NULL;
		int r;

		if (!img_record_name(de->d_name, hex))
			continue;
		id = xstrfmt("sha256:%s", hex);
		its = img_refs_of(refs, id);
		if ((!all && its[0] != NULL) || strv_contains(keep, id))
			continue;
		refs_drop(refs, its);
		r = record_unlink(s, hex, err);
		if (r < 0)
			return r;
		strv_push(removed, id);
	}
	return 0;
}

int img_store_prune(struct img_store *s, bool all, char *const *keep, char ***ret_removed,
                    struct pp_error *err)
{
	cleanup_close int gc = -1, lock = -1;
	cleanup_json json_object *refs = NULL;
	cleanup_strv char **removed = xcalloc(1, sizeof(char *));
	int r = lock_both(s, true, &gc, &lock, err);

	if (r == 0)
		r = img_refs_read(s, &refs, err);
	if (r == 0)
		r = prune_records(s, refs, all, keep, &removed, err);
	if (r == 0)
		r = img_refs_write(s, refs, err);
	img_store_gc(s); /* also after a failure: what went is garbage now */
	if (r < 0)
		return r;
	r = (int)strv_len(removed);
	if (ret_removed != NULL)
		*ret_removed = take_ptr(&removed);
	return r;
}

int img_store_tag(struct img_store *s, const char *source, const char *target, struct pp_error *err)
{
	cleanup_close int gc = -1, lock = -1;
	cleanup_json json_object *refs = NULL, *rec = NULL;
	cleanup_free char *norm = NULL, *id = NULL;
	char hex[IMG_HEX_LEN + 1];
	int r = img_ref_normalize(target, &norm, err);

	if (r == 0 && strchr(norm, '@') != NULL)
		r = pp_error_msg(err, EINVAL, "tag '%s': a tag cannot be a digest reference",
		                 target);
	if (r == 0)
		r = lock_both(s, false, &gc, &lock, err);
	if (r == 0)
		r = img_find_id(s, source, hex, err);
	if (r == 0)
		r = img_record_read(s, hex, &rec, err);
	if (r == 0)
		r = img_refs_read(s, &refs, err);
	if (r < 0)
		return r;
	id = xstrfmt("sha256:%s", hex);
	json_object_object_add(refs, norm, json_object_new_string(id));
	return img_refs_write(s, refs, err);
}
