/* SPDX-License-Identifier: Apache-2.0 */
/* Inside src/image only: downloading a pull's blobs into the store
 * (fetch.c), several at once, each resumable and fetched once however many
 * pulls want it, layers unpacked while they stream. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/image.h"
#include "image/internal.h"

struct pp_error;
struct img_registry;

/* Layers downloaded at once. */
#define IMG_FETCH_WORKERS 3

/* One pull's downloads. Set s, reg and o, then img_fetch_init(). */
struct img_fetch {
	struct img_store *s;           /* borrowed */
	struct img_registry *reg;      /* borrowed; used by the calling thread only */
	const struct img_pull_opts *o; /* borrowed, may be NULL */
	pthread_mutex_t lock;          /* progress callbacks and the fields below */
	bool failed;                   /* a download failed: the others stop */
	bool bad_blob;                 /* ... because a blob's content was wrong */
	struct pp_error *first_err;    /* where the first failure is told */
	char *partial_dir;             /* tmp/partial */
};

/* One blob to fetch. */
struct img_fetch_blob {
	char hex[IMG_HEX_LEN + 1];
	int64_t size;
	const char *kind;   /* "blob" (a layer), "config" */
	const char *diffid; /* a layer's diff-id hex, to unpack it; NULL otherwise */
	char *file;         /* out: the blob in the store; freed by the owner */
};

/* Make f ready (the partial folder, the lock). 0 or -errno. */
int img_fetch_init(struct img_fetch *f, struct pp_error *err);
/* Release what img_fetch_init took; safe on a zeroed struct. */
void img_fetch_clear(struct img_fetch *f);

/* Report one step to the pull's callback, under f->lock. */
void img_fetch_progress(struct img_fetch *f, enum img_progress_state state, const char *kind,
                        const char *hex, int64_t done, int64_t total);

/* Put b in the store: kept when there (CACHED), else downloaded into
 * tmp/partial/<hex> (resumed from what an interrupted pull left there),
 * verified, then linked into blobs/. While another process downloads the
 * same blob this waits for it (a lock on the partial file). A layer is
 * unpacked too (while it streams). 0 or -errno (-EBADMSG: wrong content). */
int img_fetch_one(struct img_fetch *f, struct img_fetch_blob *b, struct pp_error *err);

/* img_fetch_one for n blobs, IMG_FETCH_WORKERS at a time, each worker
 * with its own registry client; the first failure stops the rest. 0 or
 * -errno. */
int img_fetch_all(struct img_fetch *f, struct img_fetch_blob *b, size_t n, struct pp_error *err);

/* Remove the partial downloads under store s that nobody downloads into
 * and that were last written more than max_age seconds ago (gc calls this
 * with a day). Returns how many were removed; best effort. */
int img_fetch_prune_partials(struct img_store *s, int64_t max_age);
