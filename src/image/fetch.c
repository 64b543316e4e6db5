/* SPDX-License-Identifier: Apache-2.0 */
/* A pull's blob downloads: a few at once, each into tmp/partial/<hex> under
 * a lock on that file (so concurrent pulls fetch it once, and a later pull
 * resumes it with a Range request), verified, then linked into blobs/. A
 * layer is unpacked by a second thread reading the partial file as it
 * grows; its folder is renamed into place only once the download verified. */
#include "image/fetch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>

#include "image/registry.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define BYTES_EVERY_NS (100LL * 1000 * 1000) /* BYTES events: at most 10/s a blob */
#define REHASH_BLOCK   ((size_t)256 * 1024)

/* One download in progress, shared by its downloading and unpacking
 * threads (mu guards have, ended, status, stale). */
struct dl {
	struct img_fetch *f;
	struct img_fetch_blob *b;
	int fd; /* the partial file, locked */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t have; /* bytes in fd */
	bool ended;   /* the download is over: status says how */
	int status;   /* 0: every byte verified */
	bool stale;   /* the file restarted under the unpacker's feet */
	int64_t off;  /* the unpacker's read offset (written by it, under mu) */
	int64_t last; /* when the last BYTES event went, ns */
	int uresult;  /* the unpacker's result */
	struct pp_error uerr;
};

int img_fetch_init(struct img_fetch *f, struct pp_error *err)
{
	f->partial_dir = xstrfmt("%s/partial", f->s->tmp_dir);
	(void)pthread_mutex_init(&f->lock, NULL);
	return fs_mkdir_p(f->partial_dir, 0700, err);
}

void img_fetch_clear(struct img_fetch *f)
{
	if (f->partial_dir == NULL)
		return;
	(void)pthread_mutex_destroy(&f->lock);
	free(f->partial_dir);
	f->partial_dir = NULL;
}

void img_fetch_progress(struct img_fetch *f, enum img_progress_state state, const char *kind,
                        const char *hex, int64_t done, int64_t total)
{
	struct img_progress ev = {
	    .state = state, .kind = kind, .hex = hex, .done = done, .total = total};

	if (f->o == NULL || f->o->progress == NULL)
		return;
	(void)pthread_mutex_lock(&f->lock);
	f->o->progress(f->o->data, &ev);
	(void)pthread_mutex_unlock(&f->lock);
}

static bool fetch_failed(struct img_fetch *f)
{
	bool failed;

	(void)pthread_mutex_lock(&f->lock);
	failed = f->failed;
	(void)pthread_mutex_unlock(&f->lock);
	return failed;
}

/* The partial file of hex, created, locked: a locked fd, -EAGAIN when the
 * holder finished (and removed it) while we waited, or -errno. */
static int lock_partial(const char *path, struct pp_error *err)
{
	cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	struct stat a, b;

	if (fd < 0)
		return pp_error(err, errno, "open '%s'", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return pp_error(err, errno, "lock '%s'", path);
	if (fstat(fd, &a) < 0)
		return pp_error(err, errno, "stat '%s'", path);
	if (stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		return -EAGAIN;
	return take_fd(&fd);
}

/* The sha256 of the first *have bytes of fd, the bytes of an earlier pull;
 * a file longer than size is emptied. */
static int rehash(int fd, int64_t size, struct img_sha256 *h, int64_t *ret_have,
                  struct pp_error *err)
{
	cleanup_free char *buf = xmalloc(REHASH_BLOCK);
	struct stat st;
	int64_t off = 0, have;

	if (fstat(fd, &st) < 0)
		return pp_error(err, errno, "stat");
	if (st.st_size > size && ftruncate(fd, 0) < 0)
		return pp_error(err, errno, "truncate");
	have = st.st_size > size ? 0 : st.st_size;
	while (off < have) {
		ssize_t n = pread(fd, buf, REHASH_BLOCK, off);

		if (n < 0)
			return pp_error(err, errno, "read");
		if (n == 0)
			break;
		img_sha256_update(h, buf, (size_t)n);
		off += n;
	}
	*ret_have = off;
	return 0;
}

/* The downloading thread: more bytes are in the file (fewer: it restarted). */
static int on_data(void *data, int64_t have)
{
	struct dl *d = data;
	int64_t now;

	(void)pthread_mutex_lock(&d->mu);
	if (have < d->have && d->off > 0)
		d->stale = true;
	d->have = have;
	(void)pthread_cond_broadcast(&d->cv);
	(void)pthread_mutex_unlock(&d->mu);
	now = pp_now_ns();
	if (now - d->last >= BYTES_EVERY_NS) {
		d->last = now;
		img_fetch_progress(d->f, IMG_PROGRESS_BYTES, d->b->kind, d->b->hex, have,
		                   d->b->size);
	}
	return fetch_failed(d->f) ? -ECANCELED : 0;
}

/* The unpacking thread's source: the partial file, waiting for bytes; its
 * end once the download verified. */
static ssize_t spool_read(void *data, void *buf, size_t n)
{
	struct dl *d = data;
	ssize_t r;

	(void)pthread_mutex_lock(&d->mu);
	while (!d->ended && !d->stale && d->off >= d->have)
		(void)pthread_cond_wait(&d->cv, &d->mu);
	if (d->stale || (d->ended && d->status < 0))
		r = d->stale ? -ESTALE : d->status;
	else if (d->off >= d->have)
		r = 0;
	else
		r = (ssize_t)(d->have - d->off < (int64_t)n ? d->have - d->off : (int64_t)n);
	(void)pthread_mutex_unlock(&d->mu);
	if (r <= 0)
		return r;
	r = pread(d->fd, buf, (size_t)r, d->off);
	if (r < 0)
		return -errno;
	(void)pthread_mutex_lock(&d->mu);
	d->off += r;
	(void)pthread_mutex_unlock(&d->mu);
	return r;
}

static void *unpack_thread(void *data)
{
	struct dl *d = data;
	struct img_layer_src src = {.read = spool_read, .data = d};
	cleanup_free char *what = xstrfmt("sha256:%s", d->b->hex);

	d->uresult = img_layer_unpack_src(&src, d->f->s->layers_dir, d->b->diffid, what, &d->uerr);
	return NULL;
}

static void dl_end(struct dl *d, int status)
{
	(void)pthread_mutex_lock(&d->mu);
	d->ended = true;
	d->status = status;
	(void)pthread_cond_broadcast(&d->cv);
	(void)pthread_mutex_unlock(&d->mu);
}

/* Start over from byte zero. */
static int restart(struct dl *d, struct img_blob_get *g, struct pp_error *err)
{
	if (ftruncate(d->fd, 0) < 0)
		return pp_error(err, errno, "truncate");
	img_sha256_clear(g->hash);
	g->have = 0;
	(void)on_data(d, 0);
	return img_sha256_init(g->hash, err);
}

/* Download into d->fd after what it holds, and verify; a resumed download
 * that the registry refuses (416) or that ends with the wrong content is
 * started over once. */
static int download(struct dl *d, struct img_registry *reg, struct pp_error *err)
{
	cleanup_free char *digest = xstrfmt("sha256:%s", d->b->hex);
	struct img_sha256 h = {0};
	struct img_blob_get g = {
	    .fd = d->fd, .size = d->b->size, .hash = &h, .on_data = on_data, .data = d};
	char got[IMG_HEX_LEN + 1];
	int r = img_sha256_init(&h, err);

	if (r == 0)
		r = rehash(d->fd, d->b->size, &h, &g.have, err);
	if (r < 0)
		return r;
	(void)on_data(d, g.have);
	img_fetch_progress(d->f, IMG_PROGRESS_START, d->b->kind, d->b->hex, g.have, d->b->size);
	for (int attempt = 0;; attempt++) {
		bool resumed = g.have > 0;

		/* all there (killed before it was linked): only the check is left */
		r = g.have == g.size ? 0 : img_registry_blob(reg, digest, &g, err);
		if (r == 0) {
			img_sha256_final(&h, got);
			if (strcmp(got, d->b->hex) != 0)
				r = pp_error_msg(err, EBADMSG,
				                 "blob %s is corrupted: its content has sha256:%s",
				                 digest, got);
		}
		if (r == 0 || attempt > 0 || !resumed || (r != -EBADMSG && r != -ERANGE))
			break;
		r = restart(d, &g, err);
		if (r < 0)
			break;
	}
	img_sha256_clear(&h);
	return r;
}

/* Download d (and unpack it alongside when it is a layer not yet there). */
static int download_unpack(struct dl *d, struct img_registry *reg, struct pp_error *err)
{
	cleanup_free char *what = xstrfmt("sha256:%s", d->b->hex);
	cleanup_free char *done = NULL;
	bool stream = false;
	pthread_t t;
	int r;

	if (d->b->diffid != NULL) {
		done = xstrfmt("%s/%s.done", d->f->s->layers_dir, d->b->diffid);
		stream = access(done, F_OK) < 0 && pthread_create(&t, NULL, unpack_thread, d) == 0;
	}
	r = download(d, reg, err);
	dl_end(d, r);
	if (stream)
		(void)pthread_join(t, NULL);
	if (r < 0 || d->b->diffid == NULL || (stream && d->uresult >= 0))
		return r;
	/* not streamed, or the stream went wrong (a restart): from the file */
	r = img_layer_unpack(d->fd, d->f->s->layers_dir, d->b->diffid, what, err);
	return r < 0 ? r : 0; /* device nodes skipped are no error */
}

/* Did a failure show the partial's bytes wrong (then they go)? */
static bool bad_content(int r)
{
	return r == -EBADMSG || r == -ERANGE || r == -EINVAL || r == -ENOTSUP;
}

/* The blob is in the store: a layer is unpacked (or checked) from it. */
static int cached(struct img_fetch *f, struct img_fetch_blob *b, char **have, struct pp_error *err)
{
	cleanup_free char *what = xstrfmt("sha256:%s", b->hex);
	cleanup_close int fd = -1;
	int r;

	img_fetch_progress(f, IMG_PROGRESS_CACHED, b->kind, b->hex, b->size, b->size);
	b->file = take_ptr(have);
	if (b->diffid == NULL)
		return 0;
	fd = open(b->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open '%s'", b->file);
	r = img_layer_unpack(fd, f->s->layers_dir, b->diffid, what, err);
	return r < 0 ? r : 0; /* device nodes skipped are no error */
}

/* Was d stopped because a sibling blob's content was wrong? The image is
 * then unusable as published, so nothing of the pull is kept for a resume
 * (a download stopped by a network failure keeps its partial). */
static bool stopped_by_bad_blob(struct img_fetch *f, int r)
{
	bool bad;

	if (r != -ECANCELED)
		return false;
	(void)pthread_mutex_lock(&f->lock);
	bad = f->bad_blob;
	(void)pthread_mutex_unlock(&f->lock);
	return bad;
}

static int fetch_locked(struct img_fetch *f, struct img_registry *reg, struct img_fetch_blob *b,
                        int fd, const char *partial, struct pp_error *err)
{
	struct dl d = {.f = f, .b = b, .fd = fd, .last = pp_now_ns()};
	cleanup_free char *have = xstrfmt("%s/%s", f->s->blobs_dir, b->hex);
	int r;

	(void)pthread_mutex_init(&d.mu, NULL);
	(void)pthread_cond_init(&d.cv, NULL);
	r = download_unpack(&d, reg, err);
	(void)pthread_cond_destroy(&d.cv);
	(void)pthread_mutex_destroy(&d.mu);
	if (r == 0)
		r = img_blob_link(f->s, partial, b->hex, err);
	if (r == 0 || bad_content(r) || stopped_by_bad_blob(f, r))
		(void)unlink(partial); /* in the store, or not worth resuming */
	if (r < 0)
		return r;
	b->file = take_ptr(&have);
	img_fetch_progress(f, IMG_PROGRESS_DONE, b->kind, b->hex, b->size, b->size);
	return 0;
}

static int fetch_one(struct img_fetch *f, struct img_registry *reg, struct img_fetch_blob *b,
                     struct pp_error *err)
{
	cleanup_free char *have = xstrfmt("%s/%s", f->s->blobs_dir, b->hex);
	cleanup_free char *partial = xstrfmt("%s/%s", f->partial_dir, b->hex);

	for (;;) {
		cleanup_close int fd = -1;

		if (access(have, F_OK) == 0)
			return cached(f, b, &have, err);
		fd = lock_partial(partial, err);
		if (fd == -EAGAIN)
			continue; /* another pull finished it: look again */
		if (fd < 0)
			return fd;
		if (access(have, F_OK) == 0) {
			(void)unlink(partial); /* left by a pull killed after linking it */
			continue;
		}
		return fetch_locked(f, reg, b, fd, partial, err);
	}
}

int img_fetch_one(struct img_fetch *f, struct img_fetch_blob *b, struct pp_error *err)
{
	return fetch_one(f, f->reg, b, err);
}

/* A worker of img_fetch_all. */
struct worker {
	struct img_fetch *f;
	struct img_registry *reg;
	struct img_fetch_blob *b;
	size_t n, *next;
	pthread_t t;
};

static void *worker_main(void *data)
{
	struct worker *w = data;

	for (;;) {
		struct pp_error e = {0};
		size_t i;
		int r;

		(void)pthread_mutex_lock(&w->f->lock);
		i = *w->next;
		if (!w->f->failed && i < w->n)
			++*w->next;
		(void)pthread_mutex_unlock(&w->f->lock);
		if (i >= w->n || fetch_failed(w->f))
			return NULL;
		r = fetch_one(w->f, w->reg, &w->b[i], &e);
		(void)pthread_mutex_lock(&w->f->lock);
		if (r < 0 && !w->f->failed) {
			w->f->failed = true;
			w->f->bad_blob = bad_content(r);
			*w->f->first_err = e;
		}
		(void)pthread_mutex_unlock(&w->f->lock);
	}
}

int img_fetch_all(struct img_fetch *f, struct img_fetch_blob *b, size_t n, struct pp_error *err)
{
	struct worker w[IMG_FETCH_WORKERS] = {0};
	size_t next = 0, nw = 0;
	int r = 0;

	f->first_err = err;
	for (; nw < IMG_FETCH_WORKERS && nw < n; nw++) {
		w[nw] = (struct worker){.f = f, .b = b, .n = n, .next = &next};
		r = img_registry_clone(f->reg, &w[nw].reg, err);
		if (r == 0 && pthread_create(&w[nw].t, NULL, worker_main, &w[nw]) != 0)
			r = pp_error_msg(err, EAGAIN, "cannot start a download thread");
		if (r < 0) {
			img_registry_free(w[nw].reg);
			break;
		}
	}
	if (r < 0 && nw == 0)
		return r;
	for (size_t i = 0; i < nw; i++) {
		(void)pthread_join(w[i].t, NULL);
		img_registry_free(w[i].reg);
	}
	return f->failed ? -(err->code > 0 ? err->code : EIO) : 0;
}

int img_fetch_prune_partials(struct img_store *s, int64_t max_age)
{
	cleanup_free char *dir = xstrfmt("%s/partial", s->tmp_dir);
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		cleanup_close int fd = -1;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || fstat(fd, &st) < 0)
			continue; /* a pull is downloading into it */
		if ((int64_t)time(NULL) - st.st_mtime > max_age &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
	}
	return removed;
}
