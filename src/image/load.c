/* SPDX-License-Identifier: Apache-2.0 */
/* Loading docker-archive and OCI-archive tarballs: every regular entry is
 * spooled (hashed on the way) into a private folder of the store, the
 * manifests are checked against the digests, the layers unpacked, and only
 * then are blobs linked into place and references committed. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
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

#define MAX_ARCHIVE_ENTRIES 100000
#define MAX_IMAGES          64

struct spooled {
	char *name; /* cleaned archive path */
	char *file; /* spool file, or NULL for a symlink */
	char *link; /* cleaned symlink target */
	char hex[IMG_HEX_LEN + 1];
	int64_t size;
};

struct image_plan {
	struct spooled *config;
	struct spooled *manifest; /* OCI only */
	struct spooled *layers[IMG_MAX_LAYERS];
	size_t nlayers;
	char **diffids;
	char **refs;
	char *created;
};

struct load {
	struct img_store *s;
	char *tmp;
	struct spooled *e;
	size_t n;
	struct image_plan plans[MAX_IMAGES];
	size_t nplans;
	unsigned devices; /* device nodes the layers had, skipped */
};

static void load_clear(struct load *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->e[i].name);
		free(l->e[i].file);
		free(l->e[i].link);
	}
	free(l->e);
	for (size_t i = 0; i < l->nplans; i++) {
		strv_free(l->plans[i].diffids);
		strv_free(l->plans[i].refs);
		free(l->plans[i].created);
	}
	if (l->tmp != NULL)
		(void)fs_rm_rf(l->tmp, NULL); /* spool files are copies or already linked */
	free(l->tmp);
}

static void archive_freep(struct archive **a)
{
	if (*a != NULL)
		(void)archive_read_free(*a);
}

static int spool_data(struct archive *a, struct spooled *sp, struct pp_error *err)
{
	cleanup_close int fd = open(sp->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	struct img_sha256 h;
	char buf[64 * 1024];
	int r;

	if (fd < 0)
		return pp_error(err, errno, "create '%s'", sp->file);
	r = img_sha256_init(&h, err);
	if (r < 0)
		return r;
	for (;;) {
		la_ssize_t n = archive_read_data(a, buf, sizeof(buf));

		if (n == 0)
			break;
		if (n < 0) {
			img_sha256_clear(&h);
			return pp_error_msg(err, EIO, "'%s': %s", sp->name,
			                    archive_error_string(a));
		}
		img_sha256_update(&h, buf, (size_t)n);
		r = fs_write_all(fd, buf, (size_t)n);
		if (r < 0) {
			img_sha256_clear(&h);
			return pp_error(err, -r, "write '%s'", sp->file);
		}
	}
	sp->size = (int64_t)h.len;
	img_sha256_final(&h, sp->hex);
	return 0;
}

static int spool_entry(struct load *l, struct archive *a, struct archive_entry *e,
                       struct pp_error *err)
{
	mode_t type = archive_entry_filetype(e);
	struct spooled *sp;

	if ((type != AE_IFREG && type != AE_IFLNK) || archive_entry_pathname(e) == NULL ||
	    archive_entry_hardlink(e) != NULL)
		return 0;
	if (l->n >= MAX_ARCHIVE_ENTRIES)
		return pp_error_msg(err, EFBIG, "more than %d entries", MAX_ARCHIVE_ENTRIES);
	if (l->n % 64 == 0)
		l->e = xrealloc(l->e, (l->n + 64) * sizeof(*l->e));
	sp = &l->e[l->n++];
	memset(sp, 0, sizeof(*sp));
	sp->name = img_path_clean(archive_entry_pathname(e));
	if (type == AE_IFLNK) {
		const char *t = archive_entry_symlink(e), *slash = strrchr(sp->name, '/');
		cleanup_free char *joined = NULL;

		if (t == NULL)
			return 0;
		joined = xstrfmt("%.*s/%s", slash ? (int)(slash - sp->name) : 0, sp->name, t);
		sp->link = img_path_clean(joined);
		return 0;
	}
	sp->file = xstrfmt("%s/%zu", l->tmp, l->n);
	return spool_data(a, sp, err);
}

static int spool_all(struct load *l, const char *path, struct pp_error *err)
{
	cleanup_close int fd = -1;
	cleanup_(archive_freep) struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r;

	if (a == NULL)
		return pp_error(err, ENOMEM, "archive");
	(void)archive_read_support_filter_gzip(a);
	(void)archive_read_support_format_tar(a);
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pp_error(err, errno, "open '%s'", path);
	}
	r = archive_read_open_fd(a, fd >= 0 ? fd : STDIN_FILENO, (size_t)64 * 1024);
	if (r != ARCHIVE_OK)
		return pp_error_msg(err, EINVAL,
		                    "'%s': not an image archive (a tar, plain or gzip): %s", path,
		                    archive_error_string(a));
	for (;;) {
		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return pp_error_msg(err, EINVAL,
			                    "'%s': not an image archive (a tar, plain or gzip): %s",
			                    path, archive_error_string(a));
		r = spool_entry(l, a, e, err);
		if (r < 0)
			return pp_error_prefix(err, r, "'%s'", path);
	}
}

/* An entry by archive path, following symlinks inside the archive (docker
 * save links repeated layers to their first copy). */
static struct spooled *find_entry(struct load *l, const char *name)
{
	cleanup_free char *want = img_path_clean(name);

	for (int hops = 0; hops < 8; hops++) {
		struct spooled *found = NULL;

		for (size_t i = 0; i < l->n; i++)
			if (strcmp(l->e[i].name, want) == 0)
				found = &l->e[i]; /* the last copy wins, as tar -x */
		if (found == NULL || found->file != NULL)
			return found;
		free(want);
		want = xstrdup(found->link);
	}
	return NULL;
}

static int read_json(struct spooled *sp, json_type type, json_object **ret, struct pp_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int r;

	if (sp->size > (int64_t)IMG_JSON_MAX)
		return pp_error_msg(err, EFBIG,
		                    "'%s': %lld bytes, over the %zu bytes a manifest, "
		                    "index or config may have",
		                    sp->name, (long long)sp->size, IMG_JSON_MAX);
	r = fs_read_all(sp->file, IMG_JSON_MAX, &buf, &len, err);
	if (r < 0)
		return pp_error_prefix(err, r, "'%s'", sp->name);
	r = json_parse_text(buf, len, sp->name, ret, err);
	if (r == 0 && !json_object_is_type(*ret, type)) {
		json_object_put(take_ptr(ret));
		return pp_error_msg(err, EINVAL, "'%s': unexpected JSON type", sp->name);
	}
	return r;
}

/* An OCI blob by descriptor digest, its content checked against it. */
static int find_blob(struct load *l, const char *digest, struct spooled **ret, struct pp_error *err)
{
	char hex[IMG_HEX_LEN + 1];
	cleanup_free char *name = NULL;
	struct spooled *sp;

	if (img_digest_parse(digest, hex) < 0)
		return pp_error_msg(err, EINVAL, "unsupported or invalid digest '%s'",
		                    digest ? digest : "");
	name = xstrfmt("blobs/sha256/%s", hex);
	sp = find_entry(l, name);
	if (sp == NULL)
		return pp_error_msg(err, ENOENT, "blob '%s' is missing from the archive", name);
	if (strcmp(sp->hex, hex) != 0)
		return pp_error_msg(err, EINVAL,
		                    "blob '%s' is corrupted: its content has sha256:%s", name,
		                    sp->hex);
	*ret = sp;
	return 0;
}

/* The member key of o, of any type; NULL when o is no object or has none. */
static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A name the archive gives its image. A digest reference is refused, as
 * docker load refuses one: an archive cannot vouch that its image is what
 * the registry serves under that digest. */
static int add_ref(struct image_plan *p, json_object *v, struct pp_error *err)
{
	cleanup_free char *norm = NULL;
	const char *ref =
	    json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	int r;

	if (ref == NULL)
		return pp_error_msg(err, EINVAL, "not a string");
	r = img_ref_normalize(ref, &norm, err);
	if (r < 0)
		return r;
	if (strchr(norm, '@') != NULL)
		return pp_error_msg(err, EINVAL,
		                    "'%s': refusing a digest reference from an archive (pull it by "
		                    "digest from its registry instead)",
		                    norm);
	for (char **x = p->refs; x && *x; x++)
		if (strcmp(*x, norm) == 0)
			return 0;
	strv_push(&p->refs, norm);
	return 0;
}

/* The config names the layers' diff_ids, one per layer, lowest first. */
static int plan_config(struct image_plan *p, struct pp_error *err)
{
	cleanup_json json_object *cfg = NULL;
	int r = read_json(p->config, json_type_object, &cfg, err);

	if (r < 0)
		return r;
	return img_config_layers(cfg, p->config->name, p->nlayers, &p->diffids, &p->created, err);
}

static struct image_plan *new_plan(struct load *l, struct pp_error *err)
{
	if (l->nplans >= MAX_IMAGES) {
		(void)pp_error_msg(err, EFBIG, "more than %d images in one archive", MAX_IMAGES);
		return NULL;
	}
	return &l->plans[l->nplans++];
}

static int plan_docker_one(struct load *l, json_object *m, struct pp_error *err)
{
	struct image_plan *p = new_plan(l, err);
	json_object *layers = json_get_arr(m, "Layers"), *tags = json_get_arr(m, "RepoTags");
	const char *cfg = json_get_str(m, "Config");
	int r;

	if (p == NULL)
		return -EFBIG;
	if (cfg == NULL || layers == NULL)
		return pp_error_msg(err, EINVAL, "manifest.json: an entry lacks Config or Layers");
	p->config = find_entry(l, cfg);
	if (p->config == NULL)
		return pp_error_msg(err, ENOENT,
		                    "manifest.json: config '%s' is missing from the archive", cfg);
	if (json_object_array_length(layers) > IMG_MAX_LAYERS)
		return pp_error_msg(err, EFBIG, "manifest.json: more than %d layers",
		                    IMG_MAX_LAYERS);
	for (size_t i = 0; i < json_object_array_length(layers); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(layers, i));

		p->layers[i] = name ? find_entry(l, name) : NULL;
		if (p->layers[i] == NULL)
			return pp_error_msg(err, ENOENT,
			                    "manifest.json: layer '%s' is missing from the archive",
			                    name ? name : "");
		p->nlayers++;
	}
	if (tags == NULL && member(m, "RepoTags") != NULL &&
	    !json_object_is_type(member(m, "RepoTags"), json_type_null))
		return pp_error_msg(err, EINVAL, "manifest.json: RepoTags: not a list");
	for (size_t i = 0; tags && i < json_object_array_length(tags); i++) {
		r = add_ref(p, json_object_array_get_idx(tags, i), err);
		if (r < 0)
			return pp_error_prefix(err, r, "manifest.json: RepoTags[%zu]", i);
	}
	return plan_config(p, err);
}

static int plan_docker(struct load *l, struct spooled *manifest, struct pp_error *err)
{
	cleanup_json json_object *arr = NULL;
	int r = read_json(manifest, json_type_array, &arr, err);

	for (size_t i = 0; r == 0 && i < json_object_array_length(arr); i++)
		r = plan_docker_one(l, json_object_array_get_idx(arr, i), err);
	return r;
}

static int plan_oci_manifest(struct load *l, struct image_plan *p, struct pp_error *err)
{
	cleanup_json json_object *m = NULL;
	json_object *layers;
	int r = read_json(p->manifest, json_type_object, &m, err);

	if (r < 0)
		return r;
	layers = json_get_arr(m, "layers");
	if (layers == NULL || json_get_obj(m, "config") == NULL)
		return pp_error_msg(err, EINVAL, "manifest '%s': no config or layers",
		                    p->manifest->name);
	r = find_blob(l, json_get_str(json_get_obj(m, "config"), "digest"), &p->config, err);
	if (json_object_array_length(layers) > IMG_MAX_LAYERS)
		return pp_error_msg(err, EFBIG, "manifest '%s': more than %d layers",
		                    p->manifest->name, IMG_MAX_LAYERS);
	for (size_t i = 0; r == 0 && i < json_object_array_length(layers); i++) {
		json_object *d = json_object_array_get_idx(layers, i);

		r = find_blob(l, json_get_str(d, "digest"), &p->layers[i], err);
		p->nlayers++;
	}
	if (r < 0)
		return pp_error_prefix(err, r, "manifest '%s'", p->manifest->name);
	return plan_config(p, err);
}

/* A nested index (multi-platform): take the manifest for this machine. */
static int pick_platform(struct load *l, struct spooled *idx, struct spooled **ret,
                         struct pp_error *err)
{
	cleanup_json json_object *o = NULL;
	json_object *d;
	const char *want = NULL;
	int r = read_json(idx, json_type_object, &o, err);

	if (r < 0)
		return r;
	d = img_index_pick(o, &want);
	if (d == NULL)
		return pp_error_msg(err, ENOENT, "index '%s': no manifest for %s", idx->name, want);
	return find_blob(l, json_get_str(d, "digest"), ret, err);
}

static int plan_oci_one(struct load *l, json_object *d, struct pp_error *err)
{
	struct image_plan *p = new_plan(l, err);
	json_object *ann = json_get_obj(d, "annotations");
	const char *mt = json_get_str(d, "mediaType");
	json_object *name = member(ann, "io.containerd.image.name");
	int r;

	if (p == NULL)
		return -EFBIG;
	if (name == NULL)
		name = member(ann, "org.opencontainers.image.ref.name");
	r = find_blob(l, json_get_str(d, "digest"), &p->manifest, err);
	if (r == 0 && p->manifest != NULL && mt &&
	    (strcmp(mt, IMG_OCI_INDEX_TYPE) == 0 || strcmp(mt, IMG_DOCKER_LIST_TYPE) == 0))
		r = pick_platform(l, p->manifest, &p->manifest, err);
	if (r == 0 && name != NULL)
		r = add_ref(p, name, err);
	if (r < 0)
		return pp_error_prefix(err, r, "index.json");
	return plan_oci_manifest(l, p, err);
}

static int plan_oci(struct load *l, struct spooled *index, struct pp_error *err)
{
	cleanup_json json_object *o = NULL;
	json_object *ms;
	int r = read_json(index, json_type_object, &o, err);

	if (r < 0)
		return r;
	ms = json_get_arr(o, "manifests");
	if (ms == NULL)
		return pp_error_msg(err, EINVAL, "index.json: no manifests");
	for (size_t i = 0; r == 0 && i < json_object_array_length(ms); i++)
		r = plan_oci_one(l, json_object_array_get_idx(ms, i), err);
	return r;
}

static int unpack_plan(struct load *l, struct image_plan *p, struct pp_error *err)
{
	for (size_t i = 0; i < p->nlayers; i++) {
		cleanup_close int fd = open(p->layers[i]->file, O_RDONLY | O_CLOEXEC);
		int r;

		if (fd < 0)
			return pp_error(err, errno, "open '%s'", p->layers[i]->file);
		r = img_layer_unpack(fd, l->s->layers_dir, p->diffids[i] + 7, p->layers[i]->name,
		                     err);
		if (r < 0)
			return r;
		l->devices += (unsigned)r;
	}
	return 0;
}

static int link_blob(struct load *l, struct spooled *sp, char ***blobs, struct pp_error *err)
{
	cleanup_free char *digest = xstrfmt("sha256:%s", sp->hex);
	int r = img_blob_link(l->s, sp->file, sp->hex, err);

	if (r < 0)
		return r;
	strv_push(blobs, digest);
	return 0;
}

static int commit_plan(struct load *l, struct image_plan *p, struct pp_error *err)
{
	cleanup_strv char **blobs = xcalloc(1, sizeof(char *));
	struct img_record rec = {.config_hex = p->config->hex,
	                         .diffids = p->diffids,
	                         .refs = p->refs,
	                         .created = p->created};
	int r = link_blob(l, p->config, &blobs, err);

	if (r == 0 && p->manifest != NULL)
		r = link_blob(l, p->manifest, &blobs, err);
	for (size_t i = 0; r == 0 && i < p->nlayers; i++) {
		r = link_blob(l, p->layers[i], &blobs, err);
		rec.size += p->layers[i]->size;
	}
	if (r < 0)
		return r;
	rec.blobs = blobs;
	return img_store_commit(l->s, &rec, err);
}

static int plan_archive(struct load *l, const char *path, struct pp_error *err)
{
	struct spooled *m = find_entry(l, "manifest.json");
	struct spooled *idx = find_entry(l, "index.json");

	if (m != NULL)
		return plan_docker(l, m, err);
	if (idx != NULL && find_entry(l, "oci-layout") != NULL)
		return plan_oci(l, idx, err);
	return pp_error_msg(
	    err, EINVAL,
	    "'%s': neither a docker-archive (manifest.json) nor an OCI archive (oci-layout, index.json)",
	    path);
}

static void collect_refs(struct load *l, char ***ret)
{
	cleanup_strv char **refs = xcalloc(1, sizeof(char *));

	for (size_t i = 0; i < l->nplans; i++) {
		cleanup_free char *id = xstrfmt("sha256:%s", l->plans[i].config->hex);

		for (char **x = l->plans[i].refs; x && *x; x++)
			strv_push(&refs, *x);
		if (strv_len(l->plans[i].refs) == 0)
			strv_push(&refs, id);
	}
	*ret = take_ptr(&refs);
}

int img_store_load(struct img_store *s, const char *path, char ***ret_refs, unsigned *ret_devices,
                   struct pp_error *err)
{
	cleanup_close int gc = img_store_lock(s, "gc.lock", false, err);
	struct load l = {.s = s};
	int r = 0;

	if (gc < 0)
		return gc;
	l.tmp = xstrfmt("%s/load-XXXXXX", s->tmp_dir);
	if (mkdtemp(l.tmp) == NULL) {
		r = pp_error(err, errno, "mkdtemp '%s'", l.tmp);
		free(take_ptr(&l.tmp));
	}
	if (r == 0)
		r = spool_all(&l, path, err);
	if (r == 0)
		r = plan_archive(&l, path, err);
	for (size_t i = 0; r == 0 && i < l.nplans; i++)
		r = unpack_plan(&l, &l.plans[i], err);
	for (size_t i = 0; r == 0 && i < l.nplans; i++)
		r = commit_plan(&l, &l.plans[i], err);
	if (r == 0 && ret_refs != NULL)
		collect_refs(&l, ret_refs);
	if (r == 0 && ret_devices != NULL)
		*ret_devices = l.devices;
	if (r == 0)
		r = (int)l.nplans;
	load_clear(&l);
	return r;
}
