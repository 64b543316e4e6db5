/* SPDX-License-Identifier: Apache-2.0 */
/* An image as the store holds it, for save and inspect: its record, config
 * blob, layer blobs and manifest (the stored one, or an OCI manifest built
 * from the blobs for images that came without one), and its size as podman
 * counts it. */
#include <fcntl.h>
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

#define OCI_CONFIG_TYPE "application/vnd.oci.image.config.v1+json"

const char *img_layer_media_type(int fd)
{
	unsigned char m[4] = {0};

	if (pread(fd, m, sizeof(m), 0) == (ssize_t)sizeof(m)) {
		if (m[0] == 0x1f && m[1] == 0x8b)
			return "application/vnd.oci.image.layer.v1.tar+gzip";
		if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
			return "application/vnd.oci.image.layer.v1.tar+zstd";
	}
	return "application/vnd.oci.image.layer.v1.tar";
}

/* A blob's size; for a layer (uncompressed) the gzip trailer's ISIZE (RFC
 * 1952 §2.3.1: the input size modulo 2^32), else its bytes. 0 when absent. */
static int64_t blob_size(struct img_store *s, const char *digest, bool uncompressed)
{
	cleanup_free char *p = NULL;
	cleanup_close int fd = -1;
	unsigned char t[4];
	struct stat st;

	if (digest == NULL || img_digest_parse(digest, NULL) < 0)
		return 0;
	p = xstrfmt("%s/%s", s->blobs_dir, digest + 7);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return 0;
	if (uncompressed && st.st_size > 18 && strstr(img_layer_media_type(fd), "gzip") &&
	    pread(fd, t, sizeof(t), st.st_size - 4) == (ssize_t)sizeof(t))
		return (int64_t)t[0] | (int64_t)t[1] << 8 | (int64_t)t[2] << 16 |
		       (int64_t)t[3] << 24;
	return st.st_size;
}

/* The record's blobs are the config, the manifest when the image came with
 * one (OCI archives, pulls), then one per layer, lowest first. */
static int record_blobs(json_object *rec, char ***ret_diffids, char ***ret_blobs)
{
	cleanup_strv char **ids = NULL, **blobs = NULL;
	size_t n;

	if (img_json_strv(rec, "layers", &ids) < 0 || ids == NULL ||
	    img_json_strv(rec, "blobs", &blobs) < 0 || blobs == NULL)
		return -EINVAL;
	n = strv_len(blobs);
	if (n != strv_len(ids) + 1 && n != strv_len(ids) + 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (img_digest_parse(blobs[i], NULL) < 0)
			return -EINVAL;
	*ret_diffids = take_ptr(&ids);
	*ret_blobs = take_ptr(&blobs);
	return 0;
}

int64_t img_record_size(struct img_store *s, json_object *rec)
{
	cleanup_strv char **ids = NULL, **blobs = NULL;
	size_t nl, nb;
	int64_t size = 0;

	if (record_blobs(rec, &ids, &blobs) < 0)
		return json_get_int(rec, "size", 0);
	nl = strv_len(ids);
	nb = strv_len(blobs);
	for (size_t i = 0; i < nb; i++)
		size += blob_size(s, blobs[i], i >= nb - nl);
	return size;
}

static void sha256_hex(const char *p, size_t n, char hex[IMG_HEX_LEN + 1])
{
	struct img_sha256 h;

	if (img_sha256_init(&h, NULL) < 0)
		abort(); /* out of memory: as xmalloc */
	img_sha256_update(&h, p, n);
	img_sha256_final(&h, hex);
}

static json_object *descriptor(const char *type, const char *digest, int64_t size)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "mediaType", json_object_new_string(type));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64(size));
	return d;
}

static int build_manifest(struct img_store *s, struct img_stored *st, struct pp_error *err)
{
	cleanup_json json_object *m = json_object_new_object();
	cleanup_free char *cfg = xstrfmt("sha256:%s", st->hex);
	json_object *layers = json_object_new_array();
	const char *text;

	json_object_object_add(m, "schemaVersion", json_object_new_int(2));
	json_object_object_add(m, "mediaType", json_object_new_string(IMG_OCI_MANIFEST_TYPE));
	json_object_object_add(m, "config", descriptor(OCI_CONFIG_TYPE, cfg, blob_size(s, cfg, 0)));
	json_object_object_add(m, "layers", layers);
	for (char **l = st->layers; *l; l++) {
		cleanup_free char *p = xstrfmt("%s/%s", s->blobs_dir, *l + 7);
		cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
		struct stat sb;

		if (fd < 0 || fstat(fd, &sb) < 0)
			return pp_error(err, errno, "layer blob '%s' is missing from the store",
			                *l);
		json_object_array_add(
		    layers, descriptor(img_layer_media_type(fd), *l, (int64_t)sb.st_size));
	}
	text = json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN |
	                                             JSON_C_TO_STRING_NOSLASHESCAPE);
	st->manifest_len = strlen(text);
	st->manifest = xstrdup(text);
	sha256_hex(st->manifest, st->manifest_len, st->manifest_hex);
	return 0;
}

/* The stored manifest, if any: kept for save when it is OCI, and its digest
 * and type are the image's in any case. */
static int stored_manifest(struct img_store *s, struct img_stored *st, const char *digest,
                           struct pp_error *err)
{
	cleanup_free char *p = xstrfmt("%s/%s", s->blobs_dir, digest + 7);
	cleanup_free char *text = NULL;
	cleanup_json json_object *m = NULL;
	const char *type;
	size_t len = 0;
	int r = fs_read_all(p, IMG_JSON_MAX, &text, &len, err);

	if (r == 0)
		r = json_parse_text(text, len, p, &m, err);
	if (r < 0)
		return r;
	type = json_get_str(m, "mediaType");
	if (type == NULL && strcmp(json_get_str(json_get_obj(m, "config"), "mediaType") ?: "",
	                           OCI_CONFIG_TYPE) == 0)
		type = IMG_OCI_MANIFEST_TYPE;
	snprintf(st->digest, sizeof(st->digest), "%s", digest);
	st->manifest_type = xstrdup(type ? type : IMG_DOCKER_MANIFEST_TYPE);
	if (strcmp(st->manifest_type, IMG_OCI_MANIFEST_TYPE) == 0) {
		st->manifest = take_ptr(&text);
		st->manifest_len = len;
		memcpy(st->manifest_hex, digest + 7, IMG_HEX_LEN + 1);
	}
	return 0;
}

static int read_parts(struct img_store *s, struct img_stored *st, struct pp_error *err)
{
	cleanup_json json_object *rec = NULL, *refs = NULL;
	cleanup_strv char **blobs = NULL;
	cleanup_free char *cfg = xstrfmt("%s/%s", s->blobs_dir, st->hex);
	cleanup_free char *id = xstrfmt("sha256:%s", st->hex);
	size_t nl, nb;
	int r = img_record_read(s, st->hex, &rec, err);

	if (r == 0)
		r = img_refs_read(s, &refs, err);
	if (r == 0)
		r = json_parse_file(cfg, IMG_JSON_MAX, &st->config, err);
	if (r < 0)
		return r;
	if (record_blobs(rec, &st->diffids, &blobs) < 0)
		return pp_error_msg(err, EINVAL, "image record '%s': bad 'layers' or 'blobs'", id);
	st->refs = img_refs_of(refs, id);
	st->size = img_record_size(s, rec);
	nl = strv_len(st->diffids);
	nb = strv_len(blobs);
	st->layers = strv_dup(blobs + (nb - nl));
	if (nb == nl + 2)
		r = stored_manifest(s, st, blobs[1], err);
	if (r == 0 && st->manifest == NULL)
		r = build_manifest(s, st, err);
	if (r == 0 && st->manifest_type == NULL) {
		st->manifest_type = xstrdup(IMG_OCI_MANIFEST_TYPE);
		snprintf(st->digest, sizeof(st->digest), "sha256:%s", st->manifest_hex);
	}
	return r;
}

int img_stored_read(struct img_store *s, const char *ref, struct img_stored *ret,
                    struct pp_error *err)
{
	int r;

	memset(ret, 0, sizeof(*ret));
	r = img_find_id(s, ref, ret->hex, err);
	if (r < 0)
		return r;
	r = read_parts(s, ret, err);
	if (r < 0)
		return pp_error_prefix(err, r, "image '%s'", ref);
	return 0;
}

void img_stored_clear(struct img_stored *st)
{
	if (st->config != NULL)
		json_object_put(st->config);
	strv_free(st->diffids);
	strv_free(st->layers);
	strv_free(st->refs);
	free(st->manifest);
	free(st->manifest_type);
	memset(st, 0, sizeof(*st));
}
