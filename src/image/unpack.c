/* SPDX-License-Identifier: Apache-2.0 */
/* Layer unpacking: a tar stream (plain or gzip) becomes a folder in
 * overlayfs form, every entry created with *at() calls under a parent opened
 * with RESOLVE_IN_ROOT, so no path, symlink or hardlink can leave it. */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "image/internal.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define BLOCK ((size_t)64 * 1024)
/* What an uncompressed tar may hold beyond its files' data: headers (pax
 * ones with long names and xattrs, sparse maps) an entry, and the end
 * blocks and padding. More is a bomb (data after the end of the tar). */
#define ENTRY_OVERHEAD ((uint64_t)16 * 1024)
#define TAR_SLACK      ((uint64_t)1024 * 1024)
#define WH_PREFIX      ".wh."
#define WH_OPAQUE      ".wh..wh..opq"
#define OVL_OPAQUE     "trusted.overlay.opaque"

/* The uncompressed stream (reader "raw") feeds the tar reader through
 * read_cb; every byte passes the hash on its way. */
struct stream {
	struct archive *raw;
	struct img_sha256 hash;
	char buf[BLOCK];
	const char *what;
	uint64_t max_raw; /* bound on the uncompressed stream */
	int error;        /* 1: archive error seen in raw; -EFBIG: over max_raw */
	const struct img_layer_src *src;
	char cbuf[BLOCK]; /* compressed bytes from src */
	size_t peeked;    /* bytes in cbuf read ahead for the magic, not yet served */
};

struct fd_src {
	int fd;
	off_t off;
};

struct dir_time {
	char *path;
	struct timespec ts[2];
};

struct unpack {
	int rootfd;
	struct archive *tar;
	struct dir_time *dirs;
	size_t ndirs;
	char *parent_path; /* cached parent of the previous entry */
	int parent_fd;
	struct img_layer_limits lim;
	uint64_t bytes;   /* apparent size of the files so far */
	unsigned devices; /* device nodes skipped */
	bool no_parent;   /* the failed entry's folder could not be had */
};

static void archive_freep(struct archive **a)
{
	if (*a != NULL)
		(void)archive_read_free(*a);
}

/* Hash n more bytes of the uncompressed stream; -EFBIG once it grows past
 * its bound (a compressed bomb, or data after the end of the tar). */
static int account(struct stream *s, size_t n)
{
	img_sha256_update(&s->hash, s->buf, n);
	if (s->hash.len > s->max_raw)
		s->error = -EFBIG;
	return s->error == -EFBIG ? -EFBIG : 0;
}

static int too_big(struct stream *s, struct pp_error *err)
{
	return pp_error_msg(err, EFBIG,
	                    "layer '%s': its uncompressed tar is over %llu bytes, more than its "
	                    "files and headers (PEAPOD_LAYER_MAX_BYTES)",
	                    s->what, (unsigned long long)s->max_raw);
}

static ssize_t read_cb(struct archive *a, void *data, const void **ret)
{
	struct stream *s = data;
	la_ssize_t n = archive_read_data(s->raw, s->buf, sizeof(s->buf));

	(void)a;
	if (n < 0) {
		s->error = 1;
		return -1;
	}
	if (account(s, (size_t)n) < 0)
		return -1;
	*ret = s->buf;
	return n;
}

static ssize_t fd_read(void *data, void *buf, size_t n)
{
	struct fd_src *f = data;
	ssize_t r;

	do
		r = pread(f->fd, buf, n, f->off);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	f->off += r;
	return r;
}

/* The compressed bytes for the raw reader: the read-ahead first. */
static la_ssize_t raw_read_cb(struct archive *a, void *data, const void **ret)
{
	struct stream *s = data;
	ssize_t n = (ssize_t)s->peeked;

	s->peeked = 0;
	if (n == 0)
		n = s->src->read(s->src->data, s->cbuf, sizeof(s->cbuf));
	if (n < 0) {
		archive_set_error(a, (int)-n, "read: %s", strerror((int)-n));
		return -1;
	}
	*ret = s->cbuf;
	return n;
}

/* The uncompressed stream to its end, then the source to its end: only
 * then has a source that verifies (a download) vouched for every byte. */
static int drain(struct stream *s, struct pp_error *err)
{
	for (;;) {
		la_ssize_t n = archive_read_data(s->raw, s->buf, sizeof(s->buf));

		if (n == 0)
			break;
		if (n < 0)
			return pp_error_msg(err, EIO, "layer '%s': %s", s->what,
			                    archive_error_string(s->raw));
		if (account(s, (size_t)n) < 0)
			return too_big(s, err);
	}
	for (;;) {
		ssize_t n = s->src->read(s->src->data, s->cbuf, sizeof(s->cbuf));

		if (n == 0)
			return 0;
		if (n < 0)
			return pp_error(err, (int)-n, "layer '%s': read", s->what);
	}
}

/* Choose the decompressor from the magic bytes, not the media type. */
static int open_raw(struct stream *s, struct pp_error *err)
{
	const unsigned char *m = (const unsigned char *)s->cbuf;
	struct archive_entry *e;
	ssize_t n = 1;

	while (s->peeked < 4 && n > 0) {
		n = s->src->read(s->src->data, s->cbuf + s->peeked, sizeof(s->cbuf) - s->peeked);
		if (n < 0)
			return pp_error(err, (int)-n, "layer '%s': read", s->what);
		s->peeked += (size_t)n;
	}
	s->raw = archive_read_new();
	if (s->raw == NULL)
		return pp_error(err, ENOMEM, "layer '%s'", s->what);
	if (s->peeked >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		(void)archive_read_support_filter_gzip(s->raw);
	else if (s->peeked >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd &&
	         archive_read_support_filter_zstd(s->raw) != ARCHIVE_OK)
		return pp_error_msg(
		    err, ENOTSUP,
		    "layer '%s': zstd-compressed, and this libarchive cannot read zstd", s->what);
	(void)archive_read_support_format_raw(s->raw);
	if (archive_read_open(s->raw, s, NULL, raw_read_cb, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(s->raw, &e) != ARCHIVE_OK)
		return pp_error_msg(err, EINVAL, "layer '%s': %s", s->what,
		                    archive_error_string(s->raw));
	return 0;
}

static int env_limit(const char *name, uint64_t def, uint64_t *ret, struct pp_error *err)
{
	const char *v = getenv(name);
	uint64_t n = 0;

	if (v == NULL || *v == '\0') {
		*ret = def;
		return 0;
	}
	if (pod_quantity_parse(v, &n) < 0 || n == 0)
		return pp_error_msg(err, EINVAL, "%s '%s': not a positive quantity (e.g. 1Gi, 1M)",
		                    name, v);
	*ret = n;
	return 0;
}

int img_layer_limits_get(struct img_layer_limits *ret, struct pp_error *err)
{
	struct img_layer_limits l = {0};
	int r = env_limit("PEAPOD_LAYER_MAX_BYTES", IMG_LAYER_MAX_BYTES, &l.max_bytes, err);

	if (r == 0)
		r = env_limit("PEAPOD_LAYER_MAX_ENTRIES", IMG_LAYER_MAX_ENTRIES, &l.max_entries,
		              err);
	if (r == 0)
		*ret = l;
	return r;
}

static int stream_init(struct stream *s, const struct img_layer_limits *lim, const char *what,
                       struct pp_error *err)
{
	s->what = what;
	s->max_raw = lim->max_bytes + lim->max_entries * ENTRY_OVERHEAD + TAR_SLACK;
	return img_sha256_init(&s->hash, err);
}

static void stream_clear(struct stream *s)
{
	archive_freep(&s->raw);
	img_sha256_clear(&s->hash);
}

int img_layer_diffid(int fd, const char *what, char ret_hex[IMG_HEX_LEN + 1], struct pp_error *err)
{
	struct fd_src f = {.fd = fd};
	struct img_layer_src src = {.read = fd_read, .data = &f};
	struct stream *s = xzalloc(sizeof(*s));
	struct img_layer_limits lim = {0};
	int r = img_layer_limits_get(&lim, err);

	if (r == 0)
		r = stream_init(s, &lim, what, err);
	s->src = &src;
	if (r == 0)
		r = open_raw(s, err);
	if (r == 0)
		r = drain(s, err);
	if (r == 0)
		img_sha256_final(&s->hash, ret_hex);
	stream_clear(s);
	free(s);
	return r;
}

char *img_path_clean(const char *in)
{
	char *out = xmalloc(strlen(in) + 1);
	size_t len = 0;
	const char *p = in;

	while (*p != '\0') {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (len > 0)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p = *end ? end + 1 : end;
	}
	out[len] = '\0';
	return out;
}

static void unpack_clear(struct unpack *u)
{
	for (size_t i = 0; i < u->ndirs; i++)
		free(u->dirs[i].path);
	free(u->dirs);
	free(u->parent_path);
	if (u->parent_fd >= 0)
		(void)close(u->parent_fd);
	archive_freep(&u->tar);
	if (u->rootfd >= 0)
		(void)close(u->rootfd);
}

static void forget_parent(struct unpack *u)
{
	if (u->parent_fd >= 0)
		(void)close(u->parent_fd);
	u->parent_fd = -1;
	free(u->parent_path);
	u->parent_path = NULL;
}

/* The parent folder of path, created as needed, resolved inside the layer
 * (a symlink component means what it means inside the layer). Returns an
 * O_PATH fd owned by the cache, and points *ret_base into path. */
static int open_parent(struct unpack *u, const char *path, const char **ret_base)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = xstrndup(path, slash ? (size_t)(slash - path) : 0);
	int fd;

	*ret_base = slash ? slash + 1 : path;
	if (u->parent_fd >= 0 && strcmp(u->parent_path, dir) == 0)
		return u->parent_fd;
	fd = fs_mkdir_in_root(u->rootfd, dir, 0755);
	if (fd < 0)
		return fd;
	forget_parent(u);
	u->parent_path = take_ptr(&dir);
	u->parent_fd = fd;
	return fd;
}

/* Make room for base: 1 when it is a folder to keep, 0 when free, -errno. */
static int remove_existing(int dfd, const char *base, bool keep_dir)
{
	struct stat st;
	char proc[64];

	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode) && keep_dir)
		return 1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, base, 0) < 0 ? -errno : 0;
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dfd);
	cleanup_free char *p = xstrfmt("%s/%s", proc, base);
	/* fs_rm_rf never follows a symlink below p; p itself names the
	 * folder through our confined parent fd. */
	return fs_rm_rf(p, NULL);
}

static void entry_times(struct archive_entry *e, struct timespec ts[2])
{
	ts[1].tv_sec = archive_entry_mtime(e);
	ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	ts[0] = ts[1];
}

/* Only xattrs that cannot change how overlayfs reads the layer. */
static void set_xattrs(int fd, struct archive_entry *e)
{
	const char *name;
	const void *val;
	size_t len;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &val, &len) == ARCHIVE_OK) {
		if (strncmp(name, "user.", 5) != 0 && strcmp(name, "security.capability") != 0)
			continue;
		(void)fsetxattr(fd, name, val, len, 0); /* best effort, as docker */
	}
}

/* Owner, then mode (chown clears set-id bits), xattrs. */
static int set_meta_fd(int fd, struct archive_entry *e)
{
	if (fchown(fd, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e)) < 0)
		return -errno;
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return -errno;
	set_xattrs(fd, e);
	return 0;
}

static int pwrite_all(int fd, const char *p, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
		off += w;
	}
	return 0;
}

static int make_regular(struct unpack *u, struct archive_entry *e, int dfd, const char *base)
{
	cleanup_close int fd =
	    openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	struct timespec ts[2];
	int r;

	if (fd < 0)
		return -errno;
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t off;

		r = archive_read_data_block(u->tar, &buf, &size, &off);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return -EIO;
		/* a sparse map may not place data past the size that was bounded */
		if (off < 0 || (uint64_t)off + size > (uint64_t)archive_entry_size(e))
			return -EFBIG;
		r = pwrite_all(fd, buf, size, (off_t)off);
		if (r < 0)
			return r;
	}
	if (ftruncate(fd, (off_t)archive_entry_size(e)) < 0)
		return -errno;
	r = set_meta_fd(fd, e);
	if (r < 0)
		return r;
	entry_times(e, ts);
	return futimens(fd, ts) < 0 ? -errno : 0;
}

static int make_dir(struct unpack *u, struct archive_entry *e, int dfd, const char *base,
                    const char *path)
{
	cleanup_close int fd = -1;
	struct dir_time *d;
	int r = 1;

	if (*path != '\0')
		r = remove_existing(dfd, base, true);
	if (r < 0)
		return r;
	if (r == 0 && mkdirat(dfd, base, 0700) < 0)
		return -errno;
	fd = *path ? openat(dfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
	           : openat(u->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = set_meta_fd(fd, e);
	if (r < 0)
		return r;
	if (u->ndirs % 64 == 0)
		u->dirs = xrealloc(u->dirs, (u->ndirs + 64) * sizeof(*u->dirs));
	d = &u->dirs[u->ndirs++];
	d->path = xstrdup(path);
	entry_times(e, d->ts);
	return 0;
}

static int set_meta_at(int dfd, const char *base, struct archive_entry *e, bool chmod_too)
{
	struct timespec ts[2];

	if (fchownat(dfd, base, (uid_t)archive_entry_uid(e), (gid_t)archive_entry_gid(e),
	             AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* only for nodes we just created, never a symlink: fchmodat follows */
	if (chmod_too && fchmodat(dfd, base, archive_entry_perm(e) & 07777, 0) < 0)
		return -errno;
	entry_times(e, ts);
	return utimensat(dfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

static int make_symlink(struct archive_entry *e, int dfd, const char *base)
{
	const char *target = archive_entry_symlink(e);

	if (target == NULL || *target == '\0')
		return -EINVAL;
	/* The target text is kept as is: it is only ever resolved inside a
	 * container root (or here with RESOLVE_IN_ROOT), never on the host. */
	if (symlinkat(target, dfd, base) < 0)
		return -errno;
	return set_meta_at(dfd, base, e, false);
}

static int make_hardlink(struct unpack *u, struct archive_entry *e, int dfd, const char *base)
{
	cleanup_free char *target = img_path_clean(archive_entry_hardlink(e));
	cleanup_close int tfd = -1;

	if (*target == '\0')
		return -EINVAL;
	/* The target is resolved inside the layer only, and the link made
	 * to that very inode: nothing outside can be reached. */
	tfd = fs_open_in_root(u->rootfd, target, O_PATH | O_NOFOLLOW, 0);
	if (tfd < 0)
		return tfd;
	if (linkat(tfd, "", dfd, base, AT_EMPTY_PATH) < 0)
		return -errno;
	return 0;
}

static int make_node(struct archive_entry *e, int dfd, const char *base, mode_t type)
{
	if (mknodat(dfd, base, type | 0600, 0) < 0)
		return -errno;
	return set_meta_at(dfd, base, e, true);
}

/* OCI whiteouts → overlayfs: ".wh.NAME" is a 0/0 char device NAME,
 * ".wh..wh..opq" the opaque xattr on the folder (image-spec layer.md). */
static int make_whiteout(int dfd, const char *base)
{
	const char *name = base + strlen(WH_PREFIX);
	cleanup_close int fd = -1;
	int r;

	if (strcmp(base, WH_OPAQUE) == 0) {
		fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		return fsetxattr(fd, OVL_OPAQUE, "y", 1, 0) < 0 ? -errno : 0;
	}
	if (strncmp(name, WH_PREFIX, strlen(WH_PREFIX)) == 0)
		return 0; /* other aufs metadata (.wh..wh.plnk...): not content */
	if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return -EINVAL;
	r = remove_existing(dfd, name, false);
	if (r < 0)
		return r;
	return mknodat(dfd, name, S_IFCHR | 0000, makedev(0, 0)) < 0 ? -errno : 0;
}

static int unpack_entry(struct unpack *u, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *base = NULL;
	mode_t type = archive_entry_filetype(e);
	cleanup_free char *path = NULL;
	int dfd, r;

	if (raw == NULL)
		return -EINVAL;
	path = img_path_clean(raw);
	if (type != AE_IFREG || archive_entry_hardlink(e) != NULL)
		forget_parent(u);
	if (*path == '\0')
		return type == AE_IFDIR ? make_dir(u, e, -1, "", "") : 0;
	dfd = open_parent(u, path, &base);
	if (dfd < 0) {
		u->no_parent = dfd == -ENOENT || dfd == -ENOTDIR || dfd == -ELOOP;
		return dfd;
	}
	if (strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0)
		return make_whiteout(dfd, base);
	if ((type == AE_IFCHR || type == AE_IFBLK) && archive_entry_hardlink(e) == NULL) {
		/* no image may make device nodes: peapod has no privileged-only
		 * images, and a container gets its devices from the runtime */
		u->devices++;
		return 0;
	}
	if (type == AE_IFDIR)
		return make_dir(u, e, dfd, base, path);
	r = remove_existing(dfd, base, false);
	if (r < 0)
		return r;
	if (archive_entry_hardlink(e) != NULL)
		return make_hardlink(u, e, dfd, base);
	switch (type) {
	case AE_IFREG:
		return make_regular(u, e, dfd, base);
	case AE_IFLNK:
		return make_symlink(e, dfd, base);
	case AE_IFIFO:
		return make_node(e, dfd, base, type);
	default:
		return 0; /* sockets and unknown types are not layer content */
	}
}

/* Count the entry (number n) and its file's apparent size against the
 * bounds, before anything of it is written. */
static int check_bounds(struct unpack *u, struct stream *s, struct archive_entry *e, uint64_t n,
                        struct pp_error *err)
{
	const char *name = archive_entry_pathname(e);

	if (n >= u->lim.max_entries)
		return pp_error_msg(err, EFBIG,
		                    "layer '%s': entry '%s': more than %llu entries "
		                    "(PEAPOD_LAYER_MAX_ENTRIES)",
		                    s->what, name, (unsigned long long)u->lim.max_entries);
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e) != NULL)
		return 0;
	if (archive_entry_size(e) < 0)
		return pp_error_msg(err, EINVAL, "layer '%s': entry '%s': negative size", s->what,
		                    name);
	u->bytes += (uint64_t)archive_entry_size(e);
	if (u->bytes > u->lim.max_bytes)
		return pp_error_msg(err, EFBIG,
		                    "layer '%s': entry '%s': the layer's files exceed %llu bytes "
		                    "(PEAPOD_LAYER_MAX_BYTES)",
		                    s->what, name, (unsigned long long)u->lim.max_bytes);
	return 0;
}

static int entry_error(struct unpack *u, struct stream *s, struct archive_entry *e, int r,
                       struct pp_error *err)
{
	const char *name = archive_entry_pathname(e), *link = archive_entry_hardlink(e);

	if (u->no_parent)
		return pp_error(err, -r,
		                "layer '%s': entry '%s': its folder is outside the layer "
		                "(through a symlink) or not a folder",
		                s->what, name);
	if (link != NULL)
		return pp_error(err, -r, "layer '%s': entry '%s': hardlink to '%s' in the layer",
		                s->what, name, link);
	return pp_error(err, -r, "layer '%s': entry '%s'", s->what, name);
}

static int unpack_entries(struct unpack *u, struct stream *s, struct pp_error *err)
{
	for (uint64_t n = 0;; n++) {
		struct archive_entry *e;
		int r = archive_read_next_header(u->tar, &e);

		if (r == ARCHIVE_EOF)
			return 0;
		if (s->error == -EFBIG)
			return too_big(s, err);
		if (r < ARCHIVE_WARN || s->error)
			return pp_error_msg(err, EINVAL, "layer '%s': %s", s->what,
			                    archive_error_string(s->error ? s->raw : u->tar));
		r = check_bounds(u, s, e, n, err);
		if (r < 0)
			return r;
		/* the stream so far: the files' data, the headers up to the next */
		s->max_raw = u->bytes + (n + 2) * ENTRY_OVERHEAD + TAR_SLACK;
		r = unpack_entry(u, e);
		if (s->error == -EFBIG)
			return too_big(s, err);
		if (r < 0)
			return entry_error(u, s, e, r, err);
	}
}

static void apply_dir_times(struct unpack *u)
{
	for (size_t i = u->ndirs; i-- > 0;) {
		cleanup_close int fd = fs_open_in_root(u->rootfd, u->dirs[i].path,
		                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);

		if (fd >= 0)
			(void)futimens(fd, u->dirs[i].ts); /* times are cosmetic */
	}
}

/* Unpack into the folder tmp; *ret_hex gets the uncompressed sha256. */
static int unpack_into(const struct img_layer_src *src, const char *tmp, const char *what,
                       char ret_hex[IMG_HEX_LEN + 1], struct pp_error *err)
{
	struct stream *s = xzalloc(sizeof(*s));
	struct unpack u = {.rootfd = -1, .parent_fd = -1};
	int r = img_layer_limits_get(&u.lim, err);

	if (r == 0)
		r = stream_init(s, &u.lim, what, err);
	s->max_raw = ENTRY_OVERHEAD + TAR_SLACK; /* grows with each entry */
	s->src = src;
	if (r == 0)
		r = open_raw(s, err);
	if (r == 0) {
		u.rootfd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
		u.tar = archive_read_new();
		if (u.rootfd < 0 || u.tar == NULL)
			r = pp_error(err, errno, "open '%s'", tmp);
	}
	if (r == 0) {
		(void)archive_read_support_format_tar(u.tar);
		if (archive_read_open(u.tar, s, NULL, read_cb, NULL) != ARCHIVE_OK)
			r = pp_error_msg(err, EINVAL, "layer '%s': not a tar archive: %s", what,
			                 archive_error_string(s->error ? s->raw : u.tar));
	}
	if (r == 0)
		r = unpack_entries(&u, s, err);
	if (r == 0)
		r = drain(s, err);
	if (r == 0) {
		apply_dir_times(&u);
		img_sha256_final(&s->hash, ret_hex);
		r = (int)u.devices;
	}
	unpack_clear(&u);
	stream_clear(s);
	free(s);
	return r;
}

static int check_diffid(const char *got, const char *want, const char *what, struct pp_error *err)
{
	if (strcmp(got, want) == 0)
		return 0;
	return pp_error_msg(
	    err, EINVAL,
	    "layer '%s': uncompressed content has sha256:%s, the image config says diff_id sha256:%s",
	    what, got, want);
}

int img_layer_unpack_src(const struct img_layer_src *src, const char *layers_dir,
                         const char *diffid_hex, const char *what, struct pp_error *err)
{
	cleanup_free char *dir = xstrfmt("%s/%s", layers_dir, diffid_hex);
	cleanup_free char *done = xstrfmt("%s.done", dir);
	cleanup_free char *tmp = xstrfmt("%s/tmp-XXXXXX", layers_dir);
	char hex[IMG_HEX_LEN + 1];
	int r, devices = 0;

	if (mkdtemp(tmp) == NULL)
		return pp_error(err, errno, "mkdtemp '%s'", tmp);
	if (chmod(tmp, 0755) < 0)
		r = pp_error(err, errno, "chmod '%s'", tmp);
	else
		r = devices = unpack_into(src, tmp, what, hex, err);
	if (r >= 0)
		r = check_diffid(hex, diffid_hex, what, err);
	if (r == 0 && rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		r = pp_error(err, errno, "rename '%s'", dir);
	(void)fs_rm_rf(tmp, NULL); /* gone after rename; a loser's or failed copy otherwise */
	if (r == 0)
		r = fs_write_atomic(done, "", 0, 0644, err);
	return r < 0 ? r : devices;
}

int img_layer_unpack(int fd, const char *layers_dir, const char *diffid_hex, const char *what,
                     struct pp_error *err)
{
	cleanup_free char *done = xstrfmt("%s/%s.done", layers_dir, diffid_hex);
	struct fd_src f = {.fd = fd};
	struct img_layer_src src = {.read = fd_read, .data = &f};
	char hex[IMG_HEX_LEN + 1];
	int r;

	if (access(done, F_OK) == 0) {
		r = img_layer_diffid(fd, what, hex, err);
		return r < 0 ? r : check_diffid(hex, diffid_hex, what, err);
	}
	return img_layer_unpack_src(&src, layers_dir, diffid_hex, what, err);
}
