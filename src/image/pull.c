/* SPDX-License-Identifier: Apache-2.0 */
/* Pulling an image from a registry into the store: the manifest (an index
 * resolved to this machine's platform), the config and the layers are
 * downloaded and verified into a private folder of the store, the layers
 * unpacked, and only then are blobs linked into place and the reference
 * committed, as img_store_load does for archives. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "image/internal.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define MAX_INDEX_DEPTH 2

struct blob {
	char hex[IMG_HEX_LEN + 1];
	int64_t size;
	char *file; /* verified content: in the store already, or in tmp */
};

struct pull {
	struct img_store *s;
	struct img_registry *reg;
	const struct img_pull_opts *o;
	char *ref; /* normalised */
	char *tmp;
	struct blob manifest, config;
	struct blob layers[IMG_MAX_LAYERS];
	size_t nlayers;
	char **diffids;
	char *created;
};

static void pull_clear(struct pull *p)
{
	free(p->manifest.file);
	free(p->config.file);
	for (size_t i = 0; i < p->nlayers; i++)
		free(p->layers[i].file);
	strv_free(p->diffids);
	free(p->created);
	if (p->tmp != NULL)
		(void)fs_rm_rf(p->tmp, NULL); /* downloads are linked into the store or unwanted */
	free(p->tmp);
	free(p->ref);
	img_registry_free(p->reg);
}

static void progress(struct pull *p, enum img_progress_state state, const char *kind,
                     const struct blob *b)
{
	struct img_progress ev = {.state = state,
	                          .kind = kind,
	                          .hex = b->hex,
	                          .done = state == IMG_PROGRESS_START ? 0 : b->size,
	                          .total = b->size};

	if (p->o != NULL && p->o->progress != NULL)
		p->o->progress(p->o->data, &ev);
}

static bool is_index(const char *type, json_object *m)
{
	const char *mt = json_get_str(m, "mediaType");

	if (mt == NULL || *mt == '\0')
		mt = type ? type : "";
	if (strcmp(mt, IMG_OCI_INDEX_TYPE) == 0 || strcmp(mt, IMG_DOCKER_LIST_TYPE) == 0)
		return true;
	return json_get_arr(m, "manifests") != NULL && json_get_arr(m, "layers") == NULL;
}

static void manifest_clearp(struct img_manifest_body *m)
{
	img_manifest_body_clear(m);
}

/* GET one manifest; by digest its content must match. */
static int get_manifest(struct pull *p, const char *target, struct img_manifest_body *ret_body,
                        json_object **ret, struct pp_error *err)
{
	cleanup_(manifest_clearp) struct img_manifest_body mb = {0};
	char want[IMG_HEX_LEN + 1], got[IMG_HEX_LEN + 1];
	struct img_sha256 h;
	int r = img_registry_manifest(p->reg, target, IMG_JSON_MAX, &mb, err);

	if (r == 0)
		r = img_sha256_init(&h, err);
	if (r < 0)
		return r;
	img_sha256_update(&h, mb.body, mb.len);
	img_sha256_final(&h, got);
	if (img_digest_parse(target, want) == 0 && strcmp(want, got) != 0)
		return pp_error_msg(err, EBADMSG,
		                    "manifest %s is corrupted: its content has sha256:%s", target,
		                    got);
	r = json_parse_text(mb.body, mb.len, "manifest", ret, err);
	if (r == 0 && !json_object_is_type(*ret, json_type_object)) {
		json_object_put(take_ptr(ret));
		return pp_error_msg(err, EINVAL, "manifest %s: not a JSON object", target);
	}
	if (r < 0)
		return r;
	memcpy(p->manifest.hex, got, sizeof(got));
	*ret_body = mb;
	memset(&mb, 0, sizeof(mb));
	return 0;
}

/* The image manifest for this machine, following an index; its bytes are
 * kept as a blob of the image. *ret caller json_object_put()s. */
static int resolve_manifest(struct pull *p, json_object **ret, struct pp_error *err)
{
	cleanup_free char *target = xstrdup(img_registry_target(p->reg));

	for (int depth = 0;; depth++) {
		cleanup_(manifest_clearp) struct img_manifest_body mb = {0};
		cleanup_json json_object *m = NULL;
		const char *want = NULL, *digest;
		json_object *d;
		int r = get_manifest(p, target, &mb, &m, err);

		if (r < 0)
			return r;
		if (!is_index(mb.type, m)) {
			p->manifest.file = xstrfmt("%s/manifest", p->tmp);
			p->manifest.size = (int64_t)mb.len;
			r = fs_write_atomic(p->manifest.file, mb.body, mb.len, 0600, err);
			if (r == 0)
				*ret = take_ptr(&m);
			return r;
		}
		d = img_index_pick(m, &want);
		digest = json_get_str(d, "digest");
		if (d == NULL || digest == NULL)
			return pp_error_msg(err, ENOENT, "index %s: no manifest for %s", target,
			                    want);
		if (depth + 1 >= MAX_INDEX_DEPTH)
			return pp_error_msg(err, EINVAL, "index %s: nested too deep", target);
		free(target);
		target = xstrdup(digest);
	}
}

/* A descriptor's digest and size, checked. */
static int descriptor(json_object *d, const char *what, struct blob *b, int64_t max,
                      struct pp_error *err)
{
	const char *digest = json_get_str(d, "digest");

	b->size = json_get_int(d, "size", -1);
	if (img_digest_parse(digest, b->hex) < 0)
		return pp_error_msg(err, EINVAL, "manifest: %s: unsupported or invalid digest '%s'",
		                    what, digest ? digest : "");
	if (b->size < 0 || b->size > max)
		return pp_error_msg(err, EFBIG, "manifest: %s sha256:%s: size %lld out of bounds",
		                    what, b->hex, (long long)b->size);
	return 0;
}

/* The blob in the store when it is there already (it was verified when it
 * came), else downloaded into tmp and verified while it streams. */
static int fetch_blob(struct pull *p, struct blob *b, const char *kind, struct pp_error *err)
{
	cleanup_free char *have = xstrfmt("%s/%s", p->s->blobs_dir, b->hex);
	cleanup_free char *digest = xstrfmt("sha256:%s", b->hex);
	cleanup_free char *file = NULL;
	cleanup_close int fd = -1;
	int r;

	if (access(have, F_OK) == 0) {
		b->file = take_ptr(&have);
		progress(p, IMG_PROGRESS_CACHED, kind, b);
		return 0;
	}
	file = xstrfmt("%s/%s", p->tmp, b->hex);
	progress(p, IMG_PROGRESS_START, kind, b);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return pp_error(err, errno, "create '%s'", file);
	r = img_registry_blob(p->reg, digest, b->size, fd, err);
	if (r < 0) {
		(void)unlink(file); /* nothing of a bad blob is kept */
		return r;
	}
	b->file = take_ptr(&file);
	progress(p, IMG_PROGRESS_DONE, kind, b);
	return 0;
}

static int fetch_config(struct pull *p, json_object *m, struct pp_error *err)
{
	cleanup_json json_object *cfg = NULL;
	json_object *layers = json_get_arr(m, "layers");
	cleanup_free char *what = NULL;
	int r;

	if (json_get_int(m, "schemaVersion", 0) == 1)
		return pp_error_msg(err, ENOTSUP, "manifest: Docker schema 1 is not supported");
	r = descriptor(json_get_obj(m, "config"), "config", &p->config, IMG_JSON_MAX, err);
	if (r < 0)
		return r;
	if (layers == NULL)
		return pp_error_msg(err, EINVAL, "manifest: no layers");
	if (json_object_array_length(layers) > IMG_MAX_LAYERS)
		return pp_error_msg(err, EFBIG, "manifest: more than %d layers", IMG_MAX_LAYERS);
	r = fetch_blob(p, &p->config, "config", err);
	if (r == 0)
		r = json_parse_file(p->config.file, IMG_JSON_MAX, &cfg, err);
	if (r < 0)
		return r;
	what = xstrfmt("sha256:%s", p->config.hex);
	return img_config_layers(cfg, what, json_object_array_length(layers), &p->diffids,
	                         &p->created, err);
}

static int fetch_layers(struct pull *p, json_object *m, struct pp_error *err)
{
	json_object *layers = json_get_arr(m, "layers");

	for (size_t i = 0; i < json_object_array_length(layers); i++) {
		struct blob *b = &p->layers[i];
		cleanup_free char *what = NULL;
		cleanup_close int fd = -1;
		int r =
		    descriptor(json_object_array_get_idx(layers, i), "layer", b, INT64_MAX, err);

		if (r < 0)
			return r;
		p->nlayers++;
		r = fetch_blob(p, b, "blob", err);
		if (r < 0)
			return r;
		fd = open(b->file, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pp_error(err, errno, "open '%s'", b->file);
		what = xstrfmt("sha256:%s", b->hex);
		r = img_layer_unpack(fd, p->s->layers_dir, p->diffids[i] + 7, what, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int commit(struct pull *p, struct pp_error *err)
{
	cleanup_strv char **blobs = xcalloc(1, sizeof(char *));
	char *refs[] = {p->ref, NULL};
	struct img_record rec = {.config_hex = p->config.hex,
	                         .diffids = p->diffids,
	                         .refs = refs,
	                         .created = p->created};
	struct blob *all[IMG_MAX_LAYERS + 2];
	size_t n = 0;

	all[n++] = &p->config;
	all[n++] = &p->manifest;
	for (size_t i = 0; i < p->nlayers; i++) {
		all[n++] = &p->layers[i];
		rec.size += p->layers[i].size;
	}
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *digest = xstrfmt("sha256:%s", all[i]->hex);
		int r = img_blob_link(p->s, all[i]->file, all[i]->hex, err);

		if (r < 0)
			return r;
		strv_push(&blobs, digest);
	}
	rec.blobs = blobs;
	progress(p, IMG_PROGRESS_MANIFEST, "manifest", &p->manifest);
	return img_store_commit(p->s, &rec, err);
}

int img_store_pull(struct img_store *s, const char *ref, const struct img_pull_opts *opts,
                   char **ret_id, struct pp_error *err)
{
	cleanup_close int gc = img_store_lock(s, "gc.lock", false, err);
	cleanup_json json_object *m = NULL;
	struct pull p = {.s = s, .o = opts};
	int r = 0;

	if (gc < 0)
		return gc;
	r = img_ref_normalize(ref, &p.ref, err);
	if (r == 0)
		r = img_registry_open(p.ref, opts ? opts->authfile : NULL,
		                      opts ? opts->registries_conf : NULL, &p.reg, err);
	if (r == 0) {
		p.tmp = xstrfmt("%s/pull-XXXXXX", s->tmp_dir);
		if (mkdtemp(p.tmp) == NULL) {
			r = pp_error(err, errno, "mkdtemp '%s'", p.tmp);
			free(take_ptr(&p.tmp));
		}
	}
	if (r == 0)
		r = resolve_manifest(&p, &m, err);
	if (r == 0)
		r = fetch_config(&p, m, err);
	if (r == 0)
		r = fetch_layers(&p, m, err);
	if (r == 0)
		r = commit(&p, err);
	if (r == 0 && ret_id != NULL)
		*ret_id = xstrfmt("sha256:%s", p.config.hex);
	if (r < 0)
		(void)pp_error_prefix(err, r, "pull '%s'", p.ref ? p.ref : ref);
	pull_clear(&p);
	return r;
}
