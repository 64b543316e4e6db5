/* SPDX-License-Identifier: Apache-2.0 */
/* Inside src/image only: one repository of a registry over the OCI
 * distribution API v2 (registry.c), and the credentials for it (auth.c). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct pp_error;
struct img_registry; /* opaque */
struct img_sha256;

/* A client for the repository of the normalised reference ref ("docker.io"
 * is served from registry-1.docker.io), as the registries config at conf
 * (NULL: img_regconf_load's default) says: its mirrors first, HTTPS with the
 * host's CA folder, plain HTTP for localhost, 127.0.0.1, ::1 and insecure
 * hosts; the basic credentials found for each host (img_auth_lookup). *ret
 * caller-freed with img_registry_free(). 0 or -errno (a bad config file). */
int img_registry_open(const char *ref, const char *authfile, const char *conf,
                      struct img_registry **ret, struct pp_error *err);
struct img_registry *img_registry_free(struct img_registry *r);

/* The tag or "sha256:..." digest ref names (borrowed from the registry). */
const char *img_registry_target(const struct img_registry *r);

/* A manifest as the registry sent it. */
struct img_manifest_body {
	char *body; /* NUL-terminated */
	size_t len;
	char *type; /* Content-Type, may be "" */
};
/* Free what *m holds (m itself is the caller's); safe twice. */
void img_manifest_body_clear(struct img_manifest_body *m);

/* GET the manifest named by target (a tag or digest) as an OCI index or
 * manifest, or a Docker manifest list or schema 2 manifest, at most max
 * bytes, into *ret (cleared with img_manifest_body_clear()). 0 or -errno;
 * the message carries the registry's error text. */
int img_registry_manifest(struct img_registry *r, const char *target, size_t max,
                          struct img_manifest_body *ret, struct pp_error *err);

/* One blob download (all borrowed): bytes are appended to fd after the
 * have bytes it holds already, hash (started by the caller over those) is
 * fed every byte. on_data (may be NULL) is told the bytes in fd after each
 * write, and about once a second while none come, from the downloading
 * thread; a value that went down means the download restarted from zero;
 * returning < 0 aborts the download. */
struct img_blob_get {
	int fd;
	int64_t size; /* the descriptor's size: more is refused */
	int64_t have; /* in: bytes in fd already (a Range request when > 0); out: in fd now */
	struct img_sha256 *hash;
	int (*on_data)(void *data, int64_t have);
	void *data;
};

/* GET the blob digest into g->fd; with g->have > 0 only the rest is asked
 * for (a 206 continues, a 200 starts over, truncating fd). Does not check
 * the digest: the caller finishes g->hash. 0 when fd holds g->size bytes;
 * -ERANGE when the registry refused the range, -EBADMSG for more or fewer
 * bytes than size, -ECANCELED when on_data aborted, else -errno; what fd
 * holds is kept for a later resume. */
int img_registry_blob(struct img_registry *r, const char *digest, struct img_blob_get *g,
                      struct pp_error *err);

/* A second client of the same repository with its own connection and a
 * copy of the credentials and token, for another thread: one client is
 * never used by two threads at once. *ret caller-freed with
 * img_registry_free() (from the thread that opened r). 0 or -ENOMEM. */
int img_registry_clone(const struct img_registry *r, struct img_registry **ret,
                       struct pp_error *err);

/* The base64 "user:password" for registry host domain in a Docker-style
 * config.json ("auths"): from authfile when given (missing is an error),
 * else $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json.
 * *ret caller-freed, NULL when none. 0 or -errno. */
int img_auth_lookup(const char *authfile, const char *domain, char **ret, struct pp_error *err);

/* The value of parameter key of a WWW-Authenticate challenge
 * (`Bearer realm="...",service="..."`), unquoted; caller frees, NULL when
 * absent. */
char *img_auth_param(const char *challenge, const char *key);
