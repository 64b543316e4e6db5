/* SPDX-License-Identifier: Apache-2.0 */
/* The image store: docker-archive and OCI-archive loading, content-addressed
 * blobs, unpacked layers, references, and overlayfs rootfs mounts.
 *
 * On disk under <root> (= $PEAPOD_ROOT/images):
 *   blobs/sha256/<hex>        every blob (manifest, config, compressed layer)
 *   layers/sha256/<diffid>/   a layer unpacked once (a finished layer has a
 *                             ".done" marker beside it: layers/sha256/<diffid>.done)
 *   tmp/partial/<hex>         a blob being pulled (or what an interrupted pull got of
 *                             it: the next pull resumes it), locked by its downloader
 *   refs.json                 {"docker.io/library/nginx:latest": "sha256:<config digest>", ...}
 *   images/<config hex>.json  {"config": "sha256:..", "layers": ["sha256:<diffid>", ...],
 *                              "refs": [...], "size": N, "created": "..."}
 * Images come from archives (load.c) or registries (pull.c).
 * A store is safe against concurrent loaders (a lock file, atomic renames). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct pp_error;

/* The parts of the OCI image config (image-spec config.md, "config") that a
 * container's process comes from. All strings owned by the struct. */
struct img_config {
	char **entrypoint; /* NULL-terminated; NULL when unset */
	char **cmd;        /* NULL-terminated; NULL when unset */
	char **env;        /* "K=V" strings, NULL-terminated; NULL when unset */
	char *working_dir; /* NULL when unset */
	char *user;        /* "", "name", "uid", "uid:gid", "name:group"; NULL when unset */
	char *stop_signal; /* e.g. "SIGQUIT"; NULL when unset */
};

/* One resolved image. */
struct img_image {
	char *id;          /* "sha256:<hex>" of the config blob */
	char *reference;   /* normalised reference it was found by, may be NULL */
	char **layer_dirs; /* absolute paths of unpacked layers, lowest first; NULL-terminated */
	struct img_config config;
	int64_t size;    /* bytes of compressed layers */
	int64_t created; /* seconds since the epoch, 0 when unknown */
};

struct img_store; /* opaque */

/* Open (creating folders as needed) the store under root (e.g.
 * "$PEAPOD_ROOT/images"). *ret caller-freed with img_store_free(). 0 or -errno. */
int img_store_open(const char *root, struct img_store **ret, struct pp_error *err);
struct img_store *img_store_free(struct img_store *s);

/* Have fn (NULL: nobody) told, with a sentence, each time an operation on
 * s must wait for another process's lock on the store (a long pull holds
 * it shared; removal and prune exclusively). */
void img_store_on_wait(struct img_store *s, void (*fn)(const char *why));

/* Normalise a reference the way Docker does: "nginx" →
 * "docker.io/library/nginx:latest", "busybox:1.28" →
 * "docker.io/library/busybox:1.28", "quay.io/a/b@sha256:..." kept with its
 * digest ("name:tag@digest" is "name@digest", as podman stores it). Returns 0 and a caller-freed
 * string, or -EINVAL with a message naming the reference. */
int img_ref_normalize(const char *ref, char **ret, struct pp_error *err);

/* Does the (normalised) reference have the tag "latest" or no tag/digest?
 * (drives imagePullPolicy's default) */
int img_ref_is_latest(const char *ref);

/* Load a docker-archive (`docker save`) or OCI archive (oci-layout +
 * index.json) tarball, plain or gzip-compressed, from path ("-" for
 * stdin). Every blob is checked against its sha256 digest (and layer
 * diff-ids against the config's rootfs.diff_ids); layers are unpacked with
 * OCI whiteouts honoured and no entry landing outside its layer folder.
 * Device nodes in layers are skipped. On success *ret_refs (may be NULL)
 * receives the loaded normalised references (caller strv_free()s) and
 * *ret_devices (may be NULL) the number of device nodes skipped in layers
 * unpacked now. On error nothing new is referenced or left behind.
 * Returns the number of images loaded or -errno. */
int img_store_load(struct img_store *s, const char *path, char ***ret_refs, unsigned *ret_devices,
                   struct pp_error *err);

/* One step of a pull, as img_store_pull reports it (podman's words). */
enum img_progress_state {
	IMG_PROGRESS_START,    /* a blob download begins; done = bytes already had (resumed) */
	IMG_PROGRESS_BYTES,    /* more bytes arrived: done of total */
	IMG_PROGRESS_DONE,     /* the blob is verified and in place */
	IMG_PROGRESS_CACHED,   /* the store had the blob: "skipped: already exists" */
	IMG_PROGRESS_MANIFEST, /* all blobs in place: "Writing manifest to image destination" */
};

/* What a progress callback gets; strings borrowed for the call only. */
struct img_progress {
	enum img_progress_state state;
	const char *kind; /* "blob" (a layer), "config" or "manifest" */
	const char *hex;  /* the blob's sha256 hex */
	int64_t done;     /* bytes of the blob in place so far */
	int64_t total;    /* bytes of the blob (its descriptor's size) */
};

/* How img_store_pull reports and authenticates. All borrowed. */
struct img_pull_opts {
	const char *authfile;        /* Docker-style config.json; NULL: the default paths */
	const char *registries_conf; /* registries.yaml; NULL: $PEAPOD_REGISTRIES_CONF or
	                                /etc/peapod/registries.yaml */
	/* Called for each step; may be NULL. Calls come from the pulling
	 * thread or its download threads, one at a time (under a lock of the
	 * pull), so the callback needs no locking of its own but must not
	 * block long. BYTES events come at most 10 times a second per blob. */
	void (*progress)(void *data, const struct img_progress *p);
	void *data;
};

/* One progress event as one text line ("STATE KIND HEX DONE TOTAL\n", at
 * most IMG_PROGRESS_LINE bytes with the NUL), so a pulling process can hand
 * its progress to another (the monitor's pull to `apply`). Returns the
 * length written into buf. */
#define IMG_PROGRESS_LINE 128
size_t img_progress_format(const struct img_progress *p, char buf[IMG_PROGRESS_LINE]);

/* Parse a line written by img_progress_format (trailing newline optional)
 * into *ret; ret->kind and ret->hex point into line, which the caller keeps
 * and which is modified. 0 or -EINVAL for anything else. */
int img_progress_parse(char *line, struct img_progress *ret);

/* Pull ref (normalised here; a tag or a digest) from its registry over the
 * OCI distribution API: an index resolved to this machine's platform, every
 * blob verified against its digest and size while it streams, layers
 * (IMG_FETCH_WORKERS at once) unpacked while they stream as img_store_load
 * does. A blob another pull is downloading is waited for, not fetched
 * again; an interrupted download is resumed. Nothing is referenced until
 * all of it is in place. *ret_id (may be NULL) gets "sha256:<config hex>", caller-freed.
 * 0 or -errno; the message names the reference and carries the registry's
 * error text (-ENOENT for MANIFEST_UNKNOWN, -EACCES for UNAUTHORIZED,
 * -EBADMSG for a blob that does not match its digest). */
int img_store_pull(struct img_store *s, const char *ref, const struct img_pull_opts *opts,
                   char **ret_id, struct pp_error *err);

/* Find an image by reference (normalised here), by "sha256:<id>" or by an
 * unambiguous id prefix of 12+ hex digits. *ret caller-freed with
 * img_image_free(). -ENOENT (message: `image "nginx" not found in the
 * peapod store (load it with: peapod image load -i FILE)`) when absent. */
int img_store_resolve(struct img_store *s, const char *ref, struct img_image **ret,
                      struct pp_error *err);

/* The id ("sha256:<hex>", caller-freed) of the image ref names
 * (img_store_resolve's forms), which need not be complete. 0 or -ENOENT
 * (img_store_resolve's message). */
int img_store_id(struct img_store *s, const char *ref, char **ret_id, struct pp_error *err);

/* Every image (one entry per image id, with all its refs). *ret (array of
 * n, caller frees with img_image_free_all) . 0 or -errno. */
struct img_list_entry {
	char *id;
	char **refs;  /* NULL-terminated, may be empty */
	int64_t size; /* as podman counts: uncompressed layers, config, manifest */
	int64_t created;
};
int img_store_list(struct img_store *s, struct img_list_entry **ret, size_t *ret_n,
                   struct pp_error *err);
void img_list_free(struct img_list_entry *l, size_t n);

/* Remove ref: a reference untags only it, and the image goes with its last
 * reference; an id (img_store_resolve's forms) untags every reference and
 * removes the image, refused (-EBUSY, podman's message) when it has more
 * than one reference unless force. Blobs and layers no other image uses are
 * deleted. Callers check that no pod uses the image. On success
 * *ret_untagged (may be NULL) gets the references removed and *ret_deleted
 * (may be NULL) the removed image's id or NULL; caller frees both. 0, -ENOENT
 * or -errno. */
int img_store_remove(struct img_store *s, const char *ref, bool force, char ***ret_untagged,
                     char **ret_deleted, struct pp_error *err);

/* Remove the images without references (all: every image) whose id is not
 * in keep (NULL-terminated "sha256:<hex>" ids, may be NULL: the images pods
 * use), then garbage-collect blobs, layers and leftovers of dead loads and
 * pulls. *ret_removed (may be NULL) gets the removed ids, caller
 * strv_free()s. Returns how many were removed or -errno. */
int img_store_prune(struct img_store *s, bool all, char *const *keep, char ***ret_removed,
                    struct pp_error *err);

/* Point the reference target (normalised here; not a digest) at the image
 * source names (img_store_resolve's forms), moving it from any image it
 * named before. 0, -ENOENT (no source) or -EINVAL (bad target). */
int img_store_tag(struct img_store *s, const char *source, const char *target,
                  struct pp_error *err);

/* The image ref names as `podman image inspect` prints it: Id, Digest,
 * RepoTags, RepoDigests, Created, Config, Architecture, Os, Size, RootFS,
 * ... *ret caller json_object_put()s. 0, -ENOENT or -errno. */
int img_store_inspect(struct img_store *s, const char *ref, struct json_object **ret,
                      struct pp_error *err);

enum img_save_format {
	IMG_SAVE_DOCKER, /* docker-archive: manifest.json, repositories, <config>.json, layers */
	IMG_SAVE_OCI,    /* oci-archive: oci-layout, index.json, blobs/sha256/ */
};

/* Write the images refs names (NULL-terminated; a reference is kept as its
 * name in the archive, an id saves the image without one) as a tar archive
 * to path, through a temporary file renamed into place (nothing is left
 * behind on failure), or to stdout when path is NULL. Layers are the
 * store's original blobs, so digests and the image id are preserved.
 * 0 or -errno naming the reference or file. */
int img_store_save(struct img_store *s, char *const *refs, enum img_save_format format,
                   const char *path, struct pp_error *err);

struct img_image *img_image_free(struct img_image *img);
void img_config_clear(struct img_config *c);

/* Mount an overlayfs rootfs for a container at target: lowerdirs are the
 * image's layer_dirs (top layer first in the mount options), upper and work
 * are created if missing (same filesystem). An image of one layer and no
 * writes still gets an overlay, so the image is never written to. With a
 * user namespace fd (userns >= 0, borrowed), each layer is an idmapped
 * mount of it (a hostUsers: false pod: ids seen shifted into the pod's
 * range, no chown copy), attached at <target>.idmap/<i> only while the
 * overlay is made. 0 or -errno (the message names target). */
int img_rootfs_mount(const struct img_image *img, const char *upper, const char *work,
                     const char *target, int userns, struct pp_error *err);

/* Unmount a rootfs mounted by img_rootfs_mount (MNT_DETACH as last resort).
 * Not mounted is success. 0 or -errno. */
int img_rootfs_umount(const char *target, struct pp_error *err);

/* This machine's architecture as Go's GOARCH names it ("amd64", "arm64"),
 * as images and Node labels use it; uname's name when unknown. Static. */
const char *img_machine_arch(void);
