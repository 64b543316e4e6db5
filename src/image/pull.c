/* SPDX-License-Identifier: Apache-2.0 */
/* Pulling an image from a registry into the store: the manifest (an index
 * resolved to this machine's platform), then the config and the layers,
 * downloaded, verified and unpacked by fetch.c, and only then is the
 * reference committed, as img_store_load does for archives. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/fetch.h"
#include "image/image.h"
#include "image/internal.h"
#include "image/registry.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define MAX_INDEX_DEPTH 2

struct pull {
	struct img_store *s;
	struct img_registry *reg;
	struct img_fetch fetch;
	char *ref; /* normalised */
	char *tmp;
	struct img_fetch_blob manifest, config;
	struct img_fetch_blob layers[IMG_MAX_LAYERS];
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
		(void)fs_rm_rf(p->tmp,
		               NULL); /* the manifest is linked into the store or unwanted */
	free(p->tmp);
	free(p->ref);
	img_fetch_clear(&p->fetch);
	img_registry_free(p->reg);
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

/* A descriptor's digest and size, checked. */
static int descriptor(json_object *d, const char *what, struct img_fetch_blob *b, int64_t max,
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

/* The image manifest for this machine, following an index; its bytes are
 * kept as a blob of the image. *ret caller json_object_put()s. */
static int resolve_manifest(struct pull *p, json_object **ret, struct pp_error *err)
{
	cleanup_free char *target = xstrdup(img_registry_target(p->reg));

	for (int depth = 0;; depth++) {
		cleanup_(manifest_clearp) struct img_manifest_body mb = {0};
		cleanup_json json_object *m = NULL;
		const char *want = NULL, *digest;
		struct img_fetch_blob entry = {0};
		cleanup_free char *what = NULL;
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
		/* the entry is fetched by its digest, then checked against it:
		 * nothing else may stand there (a tag, a path) */
		what = xstrfmt("entry for %s", want);
		r = descriptor(d, what, &entry, IMG_JSON_MAX, err);
		if (r < 0)
			return pp_error_prefix(err, r, "index %s", target);
		free(target);
		target = xstrdup(digest);
	}
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
	p->config.kind = "config";
	r = img_fetch_one(&p->fetch, &p->config, err);
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
		struct img_fetch_blob *b = &p->layers[i];
		int r =
		    descriptor(json_object_array_get_idx(layers, i), "layer", b, INT64_MAX, err);

		if (r < 0)
			return r;
		b->kind = "blob";
		b->diffid = p->diffids[i] + 7;
		p->nlayers++;
	}
	return img_fetch_all(&p->fetch, p->layers, p->nlayers, err);
}

static int commit(struct pull *p, struct pp_error *err)
{
	cleanup_strv char **blobs = xcalloc(1, sizeof(char *));
	char *refs[] = {p->ref, NULL};
	struct img_record rec = {.config_hex = p->config.hex,
	                         .diffids = p->diffids,
	                         .refs = refs,
	                         .created = p->created};
	struct img_fetch_blob *all[IMG_MAX_LAYERS + 2];
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
	img_fetch_progress(&p->fetch, IMG_PROGRESS_MANIFEST, "manifest", p->manifest.hex,
	                   p->manifest.size, p->manifest.size);
	return img_store_commit(p->s, &rec, err);
}

int img_store_pull(struct img_store *s, const char *ref, const struct img_pull_opts *opts,
                   char **ret_id, struct pp_error *err)
{
	cleanup_close int gc = img_store_lock(s, "gc.lock", false, err);
	cleanup_json json_object *m = NULL;
	struct pull p = {.s = s, .fetch = {.s = s, .o = opts}};
	int r = 0;

	if (gc < 0)
		return gc;
	r = img_ref_normalize(ref, &p.ref, err);
	if (r == 0)
		r = img_registry_open(p.ref, opts ? opts->authfile : NULL,
		                      opts ? opts->registries_conf : NULL, &p.reg, err);
	if (r == 0) {
		p.fetch.reg = p.reg;
		r = img_fetch_init(&p.fetch, err);
	}
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
