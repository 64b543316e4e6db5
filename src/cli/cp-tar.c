/* SPDX-License-Identifier: Apache-2.0 */
/* peapod cp's tar streams: extracting what a container's `tar cf -` sends
 * into a local destination safely, and making what `tar xf -` reads. */
#include "cli/cp-tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define CP_BLOCK 65536

static void archive_readp(struct archive **a)
{
	if (*a != NULL)
		(void)archive_read_free(*a);
}

static void archive_writep(struct archive **a)
{
	if (*a != NULL)
		(void)archive_write_free(*a);
}

/* Does rel (after the prefix) climb out with a ".." component? */
static bool escapes(const char *rel)
{
	for (const char *p = rel; p != NULL && *p != '\0'; p = strchr(p, '/'), p = p ? p + 1 : NULL)
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return true;
	return false;
}

static int copy_data(struct archive *in, struct archive *out, struct pp_error *err)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_OK)
			return pp_error_msg(err, EIO, "%s", archive_error_string(out));
	if (r != ARCHIVE_EOF)
		return pp_error_msg(err, EIO, "%s", archive_error_string(in));
	return 0;
}

/* One entry: renamed from prefix/REST to base/REST, or skipped. */
static int untar_entry(struct archive *in, struct archive *out, struct archive_entry *e,
                       const char *prefix, const char *base, struct pp_error *err)
{
	const char *name = archive_entry_pathname(e);
	size_t plen = strlen(prefix);
	cleanup_free char *target = NULL;
	mode_t type = archive_entry_filetype(e);

	while (name != NULL && (*name == '/' || strncmp(name, "./", 2) == 0))
		name += *name == '/' ? 1 : 2;
	if (name == NULL || strncmp(name, prefix, plen) != 0 ||
	    (name[plen] != '\0' && name[plen] != '/'))
		return pp_error_msg(err, EINVAL, "tar contents corrupted");
	target = xstrfmt("%s%s", base, name + plen);
	if (escapes(name + plen)) {
		fprintf(stderr, "warning: file \"%s\" is outside target destination, skipping\n",
		        target);
		return 0;
	}
	if (type == AE_IFLNK) {
		fprintf(stderr, "warning: skipping symlink: \"%s\" -> \"%s\"\n", target,
		        archive_entry_symlink(e));
		return 0;
	}
	/* folders and plain files only: no hard link into the host's tree, no
	 * device; and never a set-user-ID file made by root from what a
	 * container sent */
	if ((type != AE_IFREG && type != AE_IFDIR) || archive_entry_hardlink(e) != NULL)
		return 0;
	archive_entry_set_perm(e, archive_entry_perm(e) & 0777);
	archive_entry_set_pathname(e, target);
	if (archive_write_header(out, e) < ARCHIVE_OK)
		return pp_error_msg(err, EPERM, "%s", archive_error_string(out));
	if (type == AE_IFREG && copy_data(in, out, err) < 0)
		return -EIO;
	if (archive_write_finish_entry(out) < ARCHIVE_OK)
		return pp_error_msg(err, EIO, "%s", archive_error_string(out));
	return 0;
}

static int untar_all(struct archive *in, struct archive *out, const char *prefix, const char *base,
                     struct pp_error *err)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		int rc = untar_entry(in, out, e, prefix, base, err);

		if (rc < 0)
			return rc;
	}
	if (r != ARCHIVE_EOF)
		return pp_error_msg(err, EIO, "%s", archive_error_string(in));
	return 0;
}

int cp_untar(int fd, const char *prefix, const char *dest, struct pp_error *err)
{
	cleanup_(archive_readp) struct archive *in = archive_read_new();
	cleanup_(archive_writep) struct archive *out = archive_write_disk_new();
	cleanup_free char *d1 = xstrdup(dest), *d2 = xstrdup(dest);
	const char *parent = dirname(d1), *base = basename(d2);

	if (chdir(parent) < 0)
		return pp_error(err, errno, "%s", parent);
	(void)archive_read_support_format_tar(in);
	(void)archive_write_disk_set_options(
	    out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	             ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	if (archive_read_open_fd(in, fd, CP_BLOCK) != ARCHIVE_OK)
		return pp_error_msg(err, EIO, "%s", archive_error_string(in));
	return untar_all(in, out, prefix, base, err);
}

static int tar_data(struct archive *disk, struct archive *out, struct pp_error *err)
{
	cleanup_free char *buf = xmalloc(CP_BLOCK);
	la_ssize_t n;

	while ((n = archive_read_data(disk, buf, CP_BLOCK)) > 0)
		if (archive_write_data(out, buf, (size_t)n) < 0)
			return pp_error_msg(err, EIO, "%s", archive_error_string(out));
	if (n < 0)
		return pp_error_msg(err, EIO, "%s", archive_error_string(disk));
	return 0;
}

static int tar_all(struct archive *disk, struct archive *out, const char *src, const char *name,
                   struct pp_error *err)
{
	struct archive_entry *e = archive_entry_new();
	size_t slen = strlen(src);
	int r = 0;

	while (r == 0 && archive_read_next_header2(disk, e) == ARCHIVE_OK) {
		cleanup_free char *path = xstrfmt("%s%s", name, archive_entry_pathname(e) + slen);

		(void)archive_read_disk_descend(disk);
		archive_entry_set_pathname(e, path);
		if (archive_write_header(out, e) < ARCHIVE_OK)
			r = pp_error_msg(err, EIO, "%s", archive_error_string(out));
		else if (archive_entry_filetype(e) == AE_IFREG)
			r = tar_data(disk, out, err);
	}
	archive_entry_free(e);
	return r;
}

int cp_tar(const char *src, const char *name, int fd, struct pp_error *err)
{
	cleanup_(archive_readp) struct archive *disk = archive_read_disk_new();
	cleanup_(archive_writep) struct archive *out = archive_write_new();
	int r;

	(void)archive_read_disk_set_symlink_physical(disk);
	(void)archive_read_disk_set_standard_lookup(disk);
	(void)archive_write_set_format_pax_restricted(out);
	if (archive_read_disk_open(disk, src) != ARCHIVE_OK)
		return pp_error_msg(err, ENOENT, "%s", archive_error_string(disk));
	if (archive_write_open_fd(out, fd) != ARCHIVE_OK)
		return pp_error_msg(err, EIO, "%s", archive_error_string(out));
	r = tar_all(disk, out, src, name, err);
	if (r == 0 && archive_write_close(out) != ARCHIVE_OK)
		r = pp_error_msg(err, EIO, "%s", archive_error_string(out));
	return r;
}
