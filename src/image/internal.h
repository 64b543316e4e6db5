/* SPDX-License-Identifier: Apache-2.0 */
/* Shared inside src/image only: sha256 streaming, the store handle, layer
 * unpacking and the image records the loader commits. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

struct json_object;
struct pp_error;
typedef struct evp_md_ctx_st EVP_MD_CTX;

#define IMG_JSON_MAX   ((size_t)4 * 1024 * 1024)
#define IMG_HEX_LEN    64
#define IMG_MAX_LAYERS 128

#define IMG_OCI_INDEX_TYPE       "application/vnd.oci.image.index.v1+json"
#define IMG_OCI_MANIFEST_TYPE    "application/vnd.oci.image.manifest.v1+json"
#define IMG_DOCKER_LIST_TYPE     "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_DOCKER_MANIFEST_TYPE "application/vnd.docker.distribution.manifest.v2+json"

struct img_store {
	char *root;                       /* borrowed by nobody: owned */
	char *blobs_dir;                  /* root/blobs/sha256 */
	char *layers_dir;                 /* root/layers/sha256 */
	char *images_dir;                 /* root/images */
	char *tmp_dir;                    /* root/tmp */
	void (*on_wait)(const char *why); /* told when a store lock must be waited for */
};

struct img_sha256 {
	EVP_MD_CTX *ctx;
	uint64_t len;
};

/* Start a sha256 stream. 0 or -ENOMEM. */
int img_sha256_init(struct img_sha256 *h, struct pp_error *err);
void img_sha256_update(struct img_sha256 *h, const void *p, size_t n);
/* Finish into 64 lowercase hex digits + NUL and release the context. */
void img_sha256_final(struct img_sha256 *h, char ret_hex[IMG_HEX_LEN + 1]);
/* Release without a result (safe after final or on a zeroed struct). */
void img_sha256_clear(struct img_sha256 *h);

/* Is d "sha256:<64 lowercase hex>"? On success copies the hex to ret_hex
 * (may be NULL) and returns 0, else -EINVAL (no message). */
int img_digest_parse(const char *d, char ret_hex[IMG_HEX_LEN + 1]);

/* Is s exactly n lowercase hex digits? */
bool img_is_hex(const char *s, size_t n);

/* Lexically clean an archive entry path relative to its root: "", "." and
 * leading "/" vanish, ".." pops (never above the root); "" is the root.
 * Caller frees. */
char *img_path_clean(const char *in);

/* Bounds on one layer, against tar bombs: the apparent size of its files
 * (sparse ones count whole) and its entries; its uncompressed tar may be
 * max_bytes plus 1 KiB an allowed entry. */
struct img_layer_limits {
	uint64_t max_bytes;
	uint64_t max_entries;
};

#define IMG_LAYER_MAX_BYTES   ((uint64_t)32 << 30)
#define IMG_LAYER_MAX_ENTRIES ((uint64_t)1000000)

/* The bounds from $PEAPOD_LAYER_MAX_BYTES and $PEAPOD_LAYER_MAX_ENTRIES
 * (Kubernetes quantities: "64Mi", "1M"), else the defaults above. 0, or
 * -EINVAL naming a variable that is not a positive quantity. */
int img_layer_limits_get(struct img_layer_limits *ret, struct pp_error *err);

/* Unpack the layer blob read from fd (plain tar, gzip or zstd)
 * into layers_dir/<diffid>/ in overlayfs form, under a temporary name that is
 * renamed once the uncompressed sha256 equals diffid_hex; then writes the
 * "<diffid>.done" marker. An already finished layer is only verified. what
 * names the blob in errors. Entries stay inside the folder; device nodes
 * are skipped (no image may create them); img_layer_limits_get bounds it.
 * Borrows fd. Returns the number of device nodes skipped, or -errno (the
 * message names the layer and the entry; nothing of the layer is left). */
int img_layer_unpack(int fd, const char *layers_dir, const char *diffid_hex, const char *what,
                     struct pp_error *err);

/* Hash the uncompressed stream of a layer blob into ret_hex. Borrows fd. */
int img_layer_diffid(int fd, const char *what, char ret_hex[IMG_HEX_LEN + 1], struct pp_error *err);

/* Where a layer's compressed bytes come from: read() returns up to n
 * bytes into buf, 0 at the end (a source that verifies, such as a
 * download, says so only once every byte matched), or -errno. */
struct img_layer_src {
	ssize_t (*read)(void *data, void *buf, size_t n);
	void *data;
};

/* img_layer_unpack from src, read once from start to end (a download can be
 * unpacked while it streams): the folder is renamed into place only after
 * src ended and the diff-id matched. An existing layer is not looked at.
 * Borrows src. 0 or -errno. */
int img_layer_unpack_src(const struct img_layer_src *src, const char *layers_dir,
                         const char *diffid_hex, const char *what, struct pp_error *err);

/* What the loader hands to the store for one image. Strings borrowed. */
struct img_record {
	const char *config_hex;
	char **diffids;      /* "sha256:<hex>", lowest first, NULL-terminated */
	char **blobs;        /* every blob digest the image is made of */
	char **refs;         /* normalised references, NULL-terminated, may be empty */
	int64_t size;        /* bytes of layer blobs */
	const char *created; /* config "created", may be NULL */
};

/* Write the image record and point refs at it, under the refs lock. The
 * blobs and layers must be in place. 0 or -errno. */
int img_store_commit(struct img_store *s, const struct img_record *rec, struct pp_error *err);

/* Link the verified file (a spool copy named by its sha256 hex) into the
 * store's blobs; an existing blob is kept. 0 or -errno. */
int img_blob_link(struct img_store *s, const char *file, const char *hex, struct pp_error *err);

/* From a parsed image config (what names it): rootfs.diff_ids, which must
 * be nlayers "sha256:<hex>" strings, and "created" (NULL when unset). Both
 * caller-freed, written only on success. 0 or -EINVAL. */
int img_config_layers(struct json_object *cfg, const char *what, size_t nlayers,
                      char ***ret_diffids, char **ret_created, struct pp_error *err);

/* The descriptor, in an OCI index or Docker manifest list, of the manifest
 * for this machine's platform (linux, its GOARCH name and variant); an
 * entry without a platform matches. Borrowed from index; NULL when none,
 * with *ret_want (may be NULL) naming the platform looked for. */
struct json_object *img_index_pick(struct json_object *index, const char **ret_want);

/* Take the store's lock name ("gc.lock": shared by loaders and pulls,
 * exclusive for removal; "refs.lock": exclusive, for one write), waiting
 * for it; a wait on gc.lock is told to the store's on_wait first. Returns a
 * lock fd the caller closes, or -errno. */
int img_store_lock(struct img_store *s, const char *name, bool exclusive, struct pp_error *err);

/* Parse RFC 3339 "2024-01-02T03:04:05.123Z" / "+01:00" into epoch seconds;
 * 0 when unparsable. */
int64_t img_time_parse(const char *s);

/* refs.json as an object (empty when the file is missing). Caller puts *ret.
 * Callers that change it hold "refs.lock". 0 or -errno. */
int img_refs_read(struct img_store *s, struct json_object **ret, struct pp_error *err);
/* Write refs.json atomically. 0 or -errno. */
int img_refs_write(struct img_store *s, struct json_object *refs, struct pp_error *err);
/* The references in refs that point at id ("sha256:<hex>"), in refs.json's
 * order. Never NULL; caller strv_free()s. */
char **img_refs_of(struct json_object *refs, const char *id);

/* "sha256:<hex>", an unambiguous 12+ hex id prefix, or a reference (the
 * message of -ENOENT names it) → config hex. 0 or -errno. */
int img_find_id(struct img_store *s, const char *ref, char hex[IMG_HEX_LEN + 1],
                struct pp_error *err);
/* Is name (in images/) "<hex>.json"? Copies the hex into hex (scratch
 * even when false). */
bool img_record_name(const char *name, char hex[IMG_HEX_LEN + 1]);
/* Read images/<hex>.json into *ret (caller puts). 0, -ENOENT or -errno. */
int img_record_read(struct img_store *s, const char *hex, struct json_object **ret,
                    struct pp_error *err);
/* Member key of o as a string vector: *ret NULL when absent or null.
 * 0 or -EINVAL (not an array of strings). Caller strv_free()s. */
int img_json_strv(struct json_object *o, const char *key, char ***ret);

/* An image as saved and inspected: its record, config blob and manifest. */
struct img_stored {
	char hex[IMG_HEX_LEN + 1];  /* the config blob, = the image id */
	struct json_object *config; /* the parsed config blob */
	char **diffids;             /* "sha256:<hex>", lowest first */
	char **layers;              /* "sha256:<hex>" of the layer blobs, lowest first */
	char **refs;                /* the references pointing at the image */
	char *manifest;             /* an OCI manifest: the stored one, else built */
	size_t manifest_len;
	char manifest_hex[IMG_HEX_LEN + 1];
	char digest[IMG_HEX_LEN +
	            8];      /* "sha256:" the stored manifest's (any type), else the built */
	char *manifest_type; /* the media type digest names */
	int64_t size;        /* bytes of the uncompressed layers, config and manifest */
};

/* Read the image ref names (img_find_id's forms) into *ret, which the caller
 * clears with img_stored_clear() (also on failure). The caller holds the gc
 * lock (shared) while it uses the blobs. 0 or -errno naming ref. */
int img_stored_read(struct img_store *s, const char *ref, struct img_stored *ret,
                    struct pp_error *err);
void img_stored_clear(struct img_stored *st);

/* Bytes of an image as podman counts them (uncompressed layers, config and
 * manifest) from its record; best effort, never fails. */
int64_t img_record_size(struct img_store *s, struct json_object *rec);

/* The OCI media type of a layer blob by its magic: tar, tar+gzip or
 * tar+zstd. Borrows fd. */
const char *img_layer_media_type(int fd);

/* Remove what no image record uses: blobs, unpacked layers, and everything
 * in tmp/ (loads and pulls hold the gc lock shared for their whole run, so
 * under the exclusive lock it is all leftovers of dead processes). Caller
 * holds "gc.lock" exclusively. Best effort. */
void img_store_gc(struct img_store *s);
