/* SPDX-License-Identifier: Apache-2.0 */
/* The store on disk: folders, locks, refs.json, image records, resolving a
 * reference to layers and config, listing and removal with garbage
 * collection of unreferenced blobs and layers. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>

#include "image/image.h"
#include "image/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

int img_store_open(const char *root, struct img_store **ret, struct pp_error *err)
{
	struct img_store *s = xzalloc(sizeof(*s));
	const char *dirs[4];
	int r = 0;

	s->root = xstrdup(root);
	s->blobs_dir = xstrfmt("%s/blobs/sha256", root);
	s->layers_dir = xstrfmt("%s/layers/sha256", root);
	s->images_dir = xstrfmt("%s/images", root);
	s->tmp_dir = xstrfmt("%s/tmp", root);
	dirs[0] = s->blobs_dir;
	dirs[1] = s->layers_dir;
	dirs[2] = s->images_dir;
	dirs[3] = s->tmp_dir;
	for (size_t i = 0; i < 4 && r == 0; i++)
		r = fs_mkdir_p(dirs[i], 0700, err);
	if (r < 0) {
		img_store_free(s);
		return pp_error_prefix(err, r, "image store '%s'", root);
	}
	*ret = s;
	return 0;
}

struct img_store *img_store_free(struct img_store *s)
{
	if (s == NULL)
		return NULL;
	free(s->root);
	free(s->blobs_dir);
	free(s->layers_dir);
	free(s->images_dir);
	free(s->tmp_dir);
	free(s);
	return NULL;
}

void img_store_on_wait(struct img_store *s, void (*fn)(const char *why))
{
	s->on_wait = fn;
}

int img_store_lock(struct img_store *s, const char *name, bool exclusive, struct pp_error *err)
{
	cleanup_free char *p = xstrfmt("%s/%s", s->root, name);
	cleanup_close int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return pp_error(err, errno, "open '%s'", p);
	if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
		return take_fd(&fd);
	/* only the gc lock is held long (a whole pull, a prune): refs.lock is
	 * held for one write, and waiting on it is no news */
	if (errno == EWOULDBLOCK && s->on_wait != NULL && strcmp(name, "gc.lock") == 0)
		s->on_wait(exclusive
		               ? "a pull or load is using the image store: waiting for it to end"
		               : "an image removal or prune holds the image store: waiting for it");
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return pp_error(err, errno, "lock '%s'", p);
	return take_fd(&fd);
}

int img_refs_read(struct img_store *s, json_object **ret, struct pp_error *err)
{
	cleanup_free char *p = xstrfmt("%s/refs.json", s->root);
	json_object *o = NULL;
	int r;

	if (access(p, F_OK) < 0 && errno == ENOENT) {
		*ret = json_object_new_object();
		return 0;
	}
	r = json_parse_file(p, IMG_JSON_MAX, &o, err);
	if (r < 0)
		return r;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return pp_error_msg(err, EINVAL, "'%s': not a JSON object", p);
	}
	*ret = o;
	return 0;
}

int img_refs_write(struct img_store *s, json_object *refs, struct pp_error *err)
{
	cleanup_free char *p = xstrfmt("%s/refs.json", s->root);

	return json_write_file(p, refs, err);
}

static json_object *record_to_json(const struct img_record *rec)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "config", json_object_new_string(rec->config_hex));
	json_object_object_add(o, "layers", json_from_strv(rec->diffids));
	json_object_object_add(o, "blobs", json_from_strv(rec->blobs));
	json_object_object_add(o, "refs", json_from_strv(rec->refs));
	json_object_object_add(o, "size", json_object_new_int64(rec->size));
	json_object_object_add(o, "created",
	                       json_object_new_string(rec->created ? rec->created : ""));
	return o;
}

int img_store_commit(struct img_store *s, const struct img_record *rec, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/%s.json", s->images_dir, rec->config_hex);
	cleanup_free char *id = xstrfmt("sha256:%s", rec->config_hex);
	cleanup_json json_object *o = record_to_json(rec);
	cleanup_json json_object *refs = NULL;
	cleanup_close int lock = -1;
	int r;

	json_object_object_add(o, "config", json_object_new_string(id));
	lock = img_store_lock(s, "refs.lock", true, err);
	if (lock < 0)
		return lock;
	r = json_write_file(path, o, err);
	if (r == 0)
		r = img_refs_read(s, &refs, err);
	if (r < 0)
		return r;
	for (char **ref = rec->refs; ref && *ref; ref++)
		json_object_object_add(refs, *ref, json_object_new_string(id));
	return img_refs_write(s, refs, err);
}

int img_blob_link(struct img_store *s, const char *file, const char *hex, struct pp_error *err)
{
	cleanup_free char *dst = xstrfmt("%s/%s", s->blobs_dir, hex);

	if (link(file, dst) < 0 && errno != EEXIST)
		return pp_error(err, errno, "link '%s'", dst);
	return 0;
}

int img_config_layers(struct json_object *cfg, const char *what, size_t nlayers,
                      char ***ret_diffids, char **ret_created, struct pp_error *err)
{
	json_object *ids = json_get_arr(json_get_obj(cfg, "rootfs"), "diff_ids");
	cleanup_strv char **diffids = NULL;
	size_t n;

	if (ids == NULL || json_to_strv(ids, &diffids) < 0)
		return pp_error_msg(
		    err, EINVAL, "image config '%s': rootfs.diff_ids must be an array of strings",
		    what);
	n = strv_len(diffids);
	if (n != nlayers)
		return pp_error_msg(err, EINVAL, "image config '%s': %zu diff_ids for %zu layers",
		                    what, n, nlayers);
	for (size_t i = 0; i < n; i++)
		if (img_digest_parse(diffids[i], NULL) < 0)
			return pp_error_msg(err, EINVAL, "image config '%s': invalid diff_id '%s'",
			                    what, diffids[i]);
	*ret_created = xstrdup(json_get_str(cfg, "created"));
	*ret_diffids = take_ptr(&diffids);
	return 0;
}

static int not_found(const char *ref, struct pp_error *err)
{
	return pp_error_msg(
	    err, ENOENT,
	    "image \"%s\" not found in the peapod store (load it with: peapod image load -i FILE)",
	    ref);
}

bool img_record_name(const char *name, char hex[IMG_HEX_LEN + 1])
{
	if (strlen(name) != IMG_HEX_LEN + 5 || strcmp(name + IMG_HEX_LEN, ".json") != 0)
		return false;
	memcpy(hex, name, IMG_HEX_LEN);
	hex[IMG_HEX_LEN] = '\0';
	return img_is_hex(hex, IMG_HEX_LEN);
}

int img_find_id(struct img_store *s, const char *ref, char hex[IMG_HEX_LEN + 1],
                struct pp_error *err)
{
	cleanup_json json_object *refs = NULL;
	cleanup_free char *norm = NULL;
	size_t n = strlen(ref);
	int r;

	if (img_digest_parse(ref, hex) == 0)
		return 0;
	if (n >= 12 && n <= IMG_HEX_LEN && img_is_hex(ref, n)) {
		cleanup_dir DIR *d = opendir(s->images_dir);
		struct dirent *de;
		int found = 0;

		while (d != NULL && (de = readdir(d)) != NULL)
			if (strncmp(de->d_name, ref, n) == 0 &&
			    strlen(de->d_name) == IMG_HEX_LEN + 5) {
				memcpy(hex, de->d_name, IMG_HEX_LEN);
				hex[IMG_HEX_LEN] = '\0';
				found++;
			}
		if (found == 1)
			return 0;
		if (found > 1)
			return pp_error_msg(err, EINVAL, "image id prefix '%s' is ambiguous", ref);
		if (n == IMG_HEX_LEN)
			return not_found(ref, err);
	}
	r = img_ref_normalize(ref, &norm, err);
	if (r < 0)
		return r;
	r = img_refs_read(s, &refs, err);
	if (r < 0)
		return r;
	if (img_digest_parse(json_object_get_string(json_object_object_get(refs, norm)), hex) < 0)
		return not_found(ref, err);
	return 0;
}

int img_store_id(struct img_store *s, const char *ref, char **ret_id, struct pp_error *err)
{
	cleanup_free char *rec = NULL;
	char hex[IMG_HEX_LEN + 1];
	int r = img_find_id(s, ref, hex, err);

	if (r < 0)
		return r;
	rec = xstrfmt("%s/%s.json", s->images_dir, hex);
	if (access(rec, F_OK) < 0)
		return not_found(ref, err);
	*ret_id = xstrfmt("sha256:%s", hex);
	return 0;
}

int img_record_read(struct img_store *s, const char *hex, json_object **ret, struct pp_error *err)
{
	cleanup_free char *p = xstrfmt("%s/%s.json", s->images_dir, hex);
	int r = json_parse_file(p, IMG_JSON_MAX, ret, err);

	if (r == -ENOENT)
		return pp_error_msg(err, ENOENT, "image sha256:%.12s not found in the peapod store",
		                    hex);
	return r;
}

int img_json_strv(json_object *o, const char *key, char ***ret)
{
	json_object *v = NULL;

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return -EINVAL;
	return json_to_strv(v, ret);
}

static int config_parse(json_object *root, struct img_config *c)
{
	json_object *cfg = json_get_obj(root, "config");
	int r;

	memset(c, 0, sizeof(*c));
	if (cfg == NULL)
		return 0;
	r = img_json_strv(cfg, "Entrypoint", &c->entrypoint);
	if (r == 0)
		r = img_json_strv(cfg, "Cmd", &c->cmd);
	if (r == 0)
		r = img_json_strv(cfg, "Env", &c->env);
	if (r < 0)
		return r;
	c->working_dir = json_get_str(cfg, "WorkingDir") && *json_get_str(cfg, "WorkingDir")
	                     ? xstrdup(json_get_str(cfg, "WorkingDir"))
	                     : NULL;
	c->user = xstrdup(json_get_str(cfg, "User"));
	c->stop_signal = xstrdup(json_get_str(cfg, "StopSignal"));
	return 0;
}

static int image_config_load(struct img_store *s, const char *hex, struct img_config *c,
                             struct pp_error *err)
{
	cleanup_free char *p = xstrfmt("%s/%s", s->blobs_dir, hex);
	cleanup_json json_object *o = NULL;
	int r = json_parse_file(p, IMG_JSON_MAX, &o, err);

	if (r < 0)
		return r;
	if (config_parse(o, c) < 0) {
		img_config_clear(c);
		return pp_error_msg(
		    err, EINVAL,
		    "image config '%s': Entrypoint, Cmd and Env must be arrays of strings", p);
	}
	return 0;
}

static int layers_resolve(struct img_store *s, json_object *rec, char ***ret, struct pp_error *err)
{
	cleanup_strv char **ids = NULL, **dirs = NULL;
	char hex[IMG_HEX_LEN + 1];

	if (img_json_strv(rec, "layers", &ids) < 0 || ids == NULL)
		return pp_error_msg(err, EINVAL, "image record: bad 'layers'");
	dirs = xcalloc(1, sizeof(char *));
	for (char **id = ids; *id; id++) {
		cleanup_free char *dir = NULL, *done = NULL;

		if (img_digest_parse(*id, hex) < 0)
			return pp_error_msg(err, EINVAL, "image record: bad layer '%s'", *id);
		dir = xstrfmt("%s/%s", s->layers_dir, hex);
		done = xstrfmt("%s.done", dir);
		if (access(done, F_OK) < 0)
			return pp_error(err, errno, "layer '%s' is missing from the store", *id);
		strv_push(&dirs, dir);
	}
	*ret = take_ptr(&dirs);
	return 0;
}

int img_store_resolve(struct img_store *s, const char *ref, struct img_image **ret,
                      struct pp_error *err)
{
	cleanup_json json_object *rec = NULL;
	char hex[IMG_HEX_LEN + 1];
	struct img_image *img;
	int r = img_find_id(s, ref, hex, err);

	if (r == 0)
		r = img_record_read(s, hex, &rec, err);
	if (r < 0)
		return r;
	img = xzalloc(sizeof(*img));
	img->id = xstrfmt("sha256:%s", hex);
	img->size = json_get_int(rec, "size", 0);
	img->created = img_time_parse(json_get_str(rec, "created"));
	if (img_digest_parse(ref, NULL) < 0 && !img_is_hex(ref, strlen(ref)))
		(void)img_ref_normalize(ref, &img->reference, NULL); /* valid: found by it */
	r = layers_resolve(s, rec, &img->layer_dirs, err);
	if (r == 0)
		r = image_config_load(s, hex, &img->config, err);
	if (r < 0) {
		img_image_free(img);
		return pp_error_prefix(err, r, "image '%s'", ref);
	}
	*ret = img;
	return 0;
}

void img_config_clear(struct img_config *c)
{
	if (c == NULL)
		return;
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	strv_free(c->env);
	free(c->working_dir);
	free(c->user);
	free(c->stop_signal);
	memset(c, 0, sizeof(*c));
}

struct img_image *img_image_free(struct img_image *img)
{
	if (img == NULL)
		return NULL;
	free(img->id);
	free(img->reference);
	strv_free(img->layer_dirs);
	img_config_clear(&img->config);
	free(img);
	return NULL;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct img_list_entry *x = a, *y = b;

	if (x->created != y->created)
		return x->created > y->created ? -1 : 1;
	return strcmp(x->id, y->id);
}

char **img_refs_of(json_object *refs, const char *id)
{
	char **v = xcalloc(1, sizeof(char *));

	json_object_object_foreach(refs, key, val)
	{
		if (json_object_is_type(val, json_type_string) &&
		    strcmp(json_object_get_string(val), id) == 0)
			strv_push(&v, key);
	}
	return v;
}

static void list_add(struct img_store *s, struct img_list_entry **l, size_t *n, json_object *rec,
                     json_object *refs)
{
	const char *id = json_get_str(rec, "config");
	struct img_list_entry *e;

	if (img_digest_parse(id, NULL) < 0)
		return;
	*l = xrealloc(*l, (*n + 1) * sizeof(**l));
	e = &(*l)[(*n)++];
	e->id = xstrdup(id);
	e->refs = img_refs_of(refs, id);
	e->size = img_record_size(s, rec);
	e->created = img_time_parse(json_get_str(rec, "created"));
}

int img_store_list(struct img_store *s, struct img_list_entry **ret, size_t *ret_n,
                   struct pp_error *err)
{
	cleanup_json json_object *refs = NULL;
	cleanup_dir DIR *d = NULL;
	struct img_list_entry *l = NULL;
	struct dirent *de;
	size_t n = 0;
	int r = img_refs_read(s, &refs, err);

	if (r < 0)
		return r;
	d = opendir(s->images_dir);
	if (d == NULL)
		return pp_error(err, errno, "open '%s'", s->images_dir);
	while ((de = readdir(d)) != NULL) {
		cleanup_json json_object *rec = NULL;
		char hex[IMG_HEX_LEN + 1];

		if (img_record_name(de->d_name, hex) && img_record_read(s, hex, &rec, NULL) == 0)
			list_add(s, &l, &n, rec, refs);
	}
	if (n > 1)
		qsort(l, n, sizeof(*l), cmp_entry);
	*ret = l;
	*ret_n = n;
	return 0;
}

void img_list_free(struct img_list_entry *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].id);
		strv_free(l[i].refs);
	}
	free(l);
}
