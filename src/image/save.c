/* SPDX-License-Identifier: Apache-2.0 */
/* `image save`: images back out as a docker-archive (manifest.json,
 * repositories, <config hex>.json, one <blob hex>.tar a layer, the layout
 * podman and skopeo write) or an oci-archive (oci-layout, index.json,
 * blobs/sha256/), with the store's original blobs so digests survive. */
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

#define MAX_SAVE 64

/* One image to save and the names it is saved under. */
struct saved {
	struct img_stored st;
	char **names; /* normalised references; may be empty */
};

struct saver {
	struct img_store *s;
	struct archive *a;
	const char *what; /* the output, for errors */
	char **written;   /* entry names already in the archive */
	struct saved img[MAX_SAVE];
	size_t n;
};

static void saver_clear(struct saver *w)
{
	for (size_t i = 0; i < w->n; i++) {
		img_stored_clear(&w->img[i].st);
		strv_free(w->img[i].names);
	}
	strv_free(w->written);
}

static bool seen(struct saver *w, const char *name)
{
	for (char **x = w->written; x && *x; x++)
		if (strcmp(*x, name) == 0)
			return true;
	strv_push(&w->written, name);
	return false;
}

static int header(struct saver *w, const char *name, int64_t size, struct pp_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	if (e == NULL)
		return pp_error(err, ENOMEM, "archive entry");
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	archive_entry_set_mtime(e, 0, 0);
	r = archive_write_header(w->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return pp_error_msg(err, EIO, "write '%s': %s: %s", w->what, name,
		                    archive_error_string(w->a));
	return 0;
}

static int add_bytes(struct saver *w, const char *name, const char *p, size_t n,
                     struct pp_error *err)
{
	int r;

	if (seen(w, name))
		return 0;
	r = header(w, name, (int64_t)n, err);
	if (r == 0 && n > 0 && archive_write_data(w->a, p, n) != (la_ssize_t)n)
		r = pp_error_msg(err, EIO, "write '%s': %s", w->what, archive_error_string(w->a));
	return r;
}

static int add_json(struct saver *w, const char *name, json_object *o, struct pp_error *err)
{
	const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                      JSON_C_TO_STRING_NOSLASHESCAPE);

	return add_bytes(w, name, t, strlen(t), err);
}

/* A blob of the store, copied as it is. */
static int add_blob(struct saver *w, const char *name, const char *hex, struct pp_error *err)
{
	cleanup_free char *p = xstrfmt("%s/%s", w->s->blobs_dir, hex);
	cleanup_close int fd = -1;
	char buf[64 * 1024];
	struct stat st;
	int64_t left;
	int r;

	if (seen(w, name))
		return 0;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return pp_error(err, errno, "blob sha256:%s is missing from the store", hex);
	r = header(w, name, st.st_size, err);
	for (left = st.st_size; r == 0 && left > 0;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return pp_error(err, n < 0 ? errno : EIO, "read '%s'", p);
		if (archive_write_data(w->a, buf, (size_t)n) != (la_ssize_t)n)
			return pp_error_msg(err, EIO, "write '%s': %s", w->what,
			                    archive_error_string(w->a));
		left -= n;
	}
	return r;
}

/* The name ref gives the image in the archive: its reference when it is
 * one of the image's, none when it is an id. */
static void add_name(struct saved *img, const char *ref)
{
	cleanup_free char *norm = NULL;

	/* a digest is no name in an archive: docker save writes none, and a
	 * load refuses one */
	if (img_ref_normalize(ref, &norm, NULL) < 0 || strchr(norm, '@') != NULL)
		return;
	for (char **r = img->st.refs; r && *r; r++)
		if (strcmp(*r, norm) == 0) {
			for (char **x = img->names; *x; x++)
				if (strcmp(*x, norm) == 0)
					return;
			strv_push(&img->names, norm);
			return;
		}
}

static int resolve_all(struct saver *w, char *const *refs, struct pp_error *err)
{
	for (char *const *ref = refs; *ref; ref++) {
		struct saved *img = &w->img[w->n];
		size_t i;
		int r;

		if (w->n >= MAX_SAVE)
			return pp_error_msg(err, EFBIG, "more than %d images in one archive",
			                    MAX_SAVE);
		r = img_stored_read(w->s, *ref, &img->st, err);
		if (r < 0) {
			img_stored_clear(&img->st);
			return r;
		}
		for (i = 0; i < w->n && strcmp(w->img[i].st.hex, img->st.hex) != 0; i++)
			;
		if (i < w->n) {
			img_stored_clear(&img->st);
			img = &w->img[i];
		} else {
			img->names = xcalloc(1, sizeof(char *));
			w->n++;
		}
		add_name(img, *ref);
	}
	return 0;
}

static json_object *docker_entry(struct saved *img, const char *config)
{
	json_object *e = json_object_new_object(), *layers = json_object_new_array();

	json_object_object_add(e, "Config", json_object_new_string(config));
	json_object_object_add(e, "RepoTags", json_from_strv(img->names));
	for (char **l = img->st.layers; *l; l++) {
		cleanup_free char *name = xstrfmt("%s.tar", *l + 7);

		json_object_array_add(layers, json_object_new_string(name));
	}
	json_object_object_add(e, "Layers", layers);
	return e;
}

/* repositories: {"repo": {"tag": "<top layer>"}}, docker save's legacy index. */
static void docker_repos(json_object *repos, struct saved *img)
{
	size_t nl = strv_len(img->st.layers);

	for (char **n = img->names; *n && nl > 0; n++) {
		const char *colon = strrchr(*n, ':');
		cleanup_free char *repo = xstrndup(*n, (size_t)(colon - *n));
		json_object *tags = json_get_obj(repos, repo);

		if (tags == NULL) {
			tags = json_object_new_object();
			json_object_object_add(repos, repo, tags);
		}
		json_object_object_add(tags, colon + 1,
		                       json_object_new_string(img->st.layers[nl - 1] + 7));
	}
}

static int write_docker(struct saver *w, struct pp_error *err)
{
	cleanup_json json_object *m = json_object_new_array();
	cleanup_json json_object *repos = json_object_new_object();
	int r = 0;

	for (size_t i = 0; r == 0 && i < w->n; i++) {
		struct saved *img = &w->img[i];
		cleanup_free char *config = xstrfmt("%s.json", img->st.hex);

		r = add_blob(w, config, img->st.hex, err);
		for (char **l = img->st.layers; r == 0 && *l; l++) {
			cleanup_free char *name = xstrfmt("%s.tar", *l + 7);

			r = add_blob(w, name, *l + 7, err);
		}
		json_object_array_add(m, docker_entry(img, config));
		docker_repos(repos, img);
	}
	if (r == 0)
		r = add_json(w, "manifest.json", m, err);
	if (r == 0)
		r = add_json(w, "repositories", repos, err);
	return r;
}

static json_object *oci_descriptor(struct saved *img, const char *name)
{
	json_object *d = json_object_new_object();
	cleanup_free char *digest = xstrfmt("sha256:%s", img->st.manifest_hex);

	json_object_object_add(d, "mediaType", json_object_new_string(IMG_OCI_MANIFEST_TYPE));
	json_object_object_add(d, "digest", json_object_new_string(digest));
	json_object_object_add(d, "size", json_object_new_int64((int64_t)img->st.manifest_len));
	if (name != NULL) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "io.containerd.image.name", json_object_new_string(name));
		json_object_object_add(a, "org.opencontainers.image.ref.name",
		                       json_object_new_string(name));
		json_object_object_add(d, "annotations", a);
	}
	return d;
}

static int oci_blobs(struct saver *w, struct saved *img, struct pp_error *err)
{
	cleanup_free char *config = xstrfmt("blobs/sha256/%s", img->st.hex);
	cleanup_free char *manifest = xstrfmt("blobs/sha256/%s", img->st.manifest_hex);
	int r = add_blob(w, config, img->st.hex, err);

	for (char **l = img->st.layers; r == 0 && *l; l++) {
		cleanup_free char *name = xstrfmt("blobs/sha256/%s", *l + 7);

		r = add_blob(w, name, *l + 7, err);
	}
	if (r == 0)
		r = add_bytes(w, manifest, img->st.manifest, img->st.manifest_len, err);
	return r;
}

static int write_oci(struct saver *w, struct pp_error *err)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	cleanup_json json_object *index = json_object_new_object();
	json_object *ms = json_object_new_array();
	int r = add_bytes(w, "oci-layout", layout, strlen(layout), err);

	json_object_object_add(index, "schemaVersion", json_object_new_int(2));
	json_object_object_add(index, "mediaType", json_object_new_string(IMG_OCI_INDEX_TYPE));
	json_object_object_add(index, "manifests", ms);
	for (size_t i = 0; r == 0 && i < w->n; i++) {
		struct saved *img = &w->img[i];

		r = oci_blobs(w, img, err);
		for (char **n = img->names; *n; n++)
			json_object_array_add(ms, oci_descriptor(img, *n));
		if (img->names[0] == NULL)
			json_object_array_add(ms, oci_descriptor(img, NULL));
	}
	if (r == 0)
		r = add_json(w, "index.json", index, err);
	return r;
}

static int write_archive(struct saver *w, int fd, enum img_save_format format, struct pp_error *err)
{
	int r;

	w->a = archive_write_new();
	if (w->a == NULL)
		return pp_error(err, ENOMEM, "archive");
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, fd) != ARCHIVE_OK)
		r = pp_error_msg(err, EIO, "write '%s': %s", w->what, archive_error_string(w->a));
	else
		r = format == IMG_SAVE_OCI ? write_oci(w, err) : write_docker(w, err);
	if (r == 0 && archive_write_close(w->a) != ARCHIVE_OK)
		r = pp_error_msg(err, EIO, "write '%s': %s", w->what, archive_error_string(w->a));
	(void)archive_write_free(take_ptr(&w->a)); /* closed above, or failed already */
	return r;
}

/* Into a temporary file beside path, renamed over it once complete. */
static int save_file(struct saver *w, const char *path, enum img_save_format format,
                     struct pp_error *err)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *tmp = xstrfmt("%.*s.%s.tmp-XXXXXX", slash ? (int)(slash - path + 1) : 0,
	                                 path, slash ? slash + 1 : path);
	cleanup_close int fd = mkostemp(tmp, O_CLOEXEC);
	int r;

	if (fd < 0)
		return pp_error(err, errno, "create '%s'", path);
	r = write_archive(w, fd, format, err);
	if (r == 0 && (fchmod(fd, 0644) < 0 || fsync(fd) < 0))
		r = pp_error(err, errno, "write '%s'", path);
	if (r == 0 && rename(tmp, path) < 0)
		r = pp_error(err, errno, "rename '%s' to '%s'", tmp, path);
	if (r < 0)
		(void)unlink(tmp); /* the half-written archive */
	return r;
}

int img_store_save(struct img_store *s, char *const *refs, enum img_save_format format,
                   const char *path, struct pp_error *err)
{
	cleanup_close int gc = img_store_lock(s, "gc.lock", false, err);
	struct saver w = {.s = s, .what = path ? path : "stdout"};
	int r;

	if (gc < 0)
		return gc;
	w.written = xcalloc(1, sizeof(char *));
	r = resolve_all(&w, refs, err);
	if (r == 0 && path != NULL)
		r = save_file(&w, path, format, err);
	else if (r == 0)
		r = write_archive(&w, STDOUT_FILENO, format, err);
	saver_clear(&w);
	return r;
}
