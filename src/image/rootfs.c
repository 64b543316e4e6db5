/* SPDX-License-Identifier: Apache-2.0 */
/* A container's rootfs: overlayfs with the image's unpacked layers as
 * lowerdirs and a per-container upper and work folder. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>

#include "image/image.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

/* mount(2) copies at most one page of options. */
#define OPTS_MAX 4000

/* "lowerdir=top:...:bottom,upperdir=U,workdir=W,index=off"; prefix_len
 * bytes are cut from each lowerdir (relative names after a chdir). */
static char *overlay_opts(const struct img_image *img, size_t prefix_len, const char *upper,
                          const char *work)
{
	size_t n = 0, cap = 256;
	char *s = xmalloc(cap);
	size_t count = 0;

	while (img->layer_dirs[count] != NULL)
		count++;
	n = (size_t)snprintf(s, cap, "lowerdir=");
	for (size_t i = count; i-- > 0;) {
		const char *d = img->layer_dirs[i] + prefix_len;
		size_t need = strlen(d) + 2;

		if (n + need + 1 > cap) {
			cap = (n + need + 1) * 2;
			s = xrealloc(s, cap);
		}
		n += (size_t)snprintf(s + n, cap - n, "%s%s", d, i > 0 ? ":" : "");
	}
	char *out = xstrfmt("%s,upperdir=%s,workdir=%s,index=off", s, upper, work);

	free(s);
	return out;
}

/* The folder all layers share ("/.../layers/sha256/") or NULL. */
static char *common_parent(const struct img_image *img)
{
	const char *first = img->layer_dirs[0];
	const char *slash = strrchr(first, '/');
	size_t n = slash ? (size_t)(slash - first) + 1 : 0;

	if (n == 0)
		return NULL;
	for (char **d = img->layer_dirs; *d; d++)
		if (strncmp(*d, first, n) != 0 || strchr(*d + n, '/') != NULL)
			return NULL;
	return xstrndup(first, n);
}

/* Too long for one page: name the layers relative to their folder, after a
 * chdir there (the kernel resolves the options at mount time). */
static int mount_relative(const struct img_image *img, const char *opts_upper,
                          const char *opts_work, const char *target, struct pp_error *err)
{
	cleanup_free char *parent = common_parent(img);
	cleanup_free char *opts = NULL;
	cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = 0;

	if (parent == NULL || cwd < 0)
		return pp_error_msg(err, E2BIG,
		                    "rootfs '%s': overlay options exceed a page (%zu layers)",
		                    target, strv_len(img->layer_dirs));
	opts = overlay_opts(img, strlen(parent), opts_upper, opts_work);
	if (strlen(opts) > OPTS_MAX)
		return pp_error_msg(
		    err, E2BIG,
		    "rootfs '%s': overlay options exceed a page even with relative layer names (%zu layers)",
		    target, strv_len(img->layer_dirs));
	if (chdir(parent) < 0)
		return pp_error(err, errno, "chdir '%s'", parent);
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		r = pp_error(err, errno, "mount overlay on '%s'", target);
	if (fchdir(cwd) < 0 && r == 0)
		r = pp_error(err, errno, "fchdir back");
	return r;
}

static int rootfs_mount(const struct img_image *img, const char *upper, const char *work,
                        const char *target, struct pp_error *err);

/* Layer dir, idmapped to userns (open_tree(OPEN_TREE_CLONE) and
 * mount_setattr(MOUNT_ATTR_IDMAP) need the host's CAP_SYS_ADMIN: done here,
 * not in the container), attached at at (created). */
static int idmap_layer(const char *dir, int userns, const char *at, struct pp_error *err)
{
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
	cleanup_close int fd = -1;

	if (mkdir(at, 0700) < 0 && errno != EEXIST)
		return pp_error(err, errno, "mkdir '%s'", at);
	fd = sys_open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open_tree '%s'", dir);
	if (sys_mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return pp_error(err, errno, "idmap layer '%s'", dir);
	if (sys_move_mount(fd, "", AT_FDCWD, at, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return pp_error(err, errno, "attach idmapped layer at '%s'", at);
	return 0;
}

/* Detach and remove what idmap_layers attached (the overlay holds its own
 * references to the layers). */
static void idmap_layers_drop(const char *dir, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *at = xstrfmt("%s/%zu", dir, i);

		(void)umount2(at, MNT_DETACH | UMOUNT_NOFOLLOW);
		(void)rmdir(at);
	}
	(void)rmdir(dir);
}

/* A copy of img whose layer_dirs are idmapped views of its own, at
 * <dir>/<i>. */
static int idmap_layers(const struct img_image *img, int userns, const char *dir,
                        struct img_image *ret, struct pp_error *err)
{
	size_t n = strv_len(img->layer_dirs);
	int r = 0;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return pp_error(err, errno, "mkdir '%s'", dir);
	ret->layer_dirs = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n && r >= 0; i++) {
		ret->layer_dirs[i] = xstrfmt("%s/%zu", dir, i);
		r = idmap_layer(img->layer_dirs[i], userns, ret->layer_dirs[i], err);
	}
	if (r < 0)
		idmap_layers_drop(dir, n);
	return r;
}

int img_rootfs_mount(const struct img_image *img, const char *upper, const char *work,
                     const char *target, int userns, struct pp_error *err)
{
	struct img_image mapped = {0};
	cleanup_free char *dir = NULL;
	int r;

	if (userns < 0)
		return rootfs_mount(img, upper, work, target, err);
	if (img->layer_dirs == NULL || img->layer_dirs[0] == NULL)
		return pp_error_msg(err, EINVAL, "rootfs '%s': image has no layers", target);
	dir = xstrfmt("%s.idmap", target);
	r = idmap_layers(img, userns, dir, &mapped, err);
	if (r < 0)
		return r;
	r = rootfs_mount(&mapped, upper, work, target, err);
	idmap_layers_drop(dir, strv_len(mapped.layer_dirs));
	strv_free(mapped.layer_dirs);
	return r;
}

static int rootfs_mount(const struct img_image *img, const char *upper, const char *work,
                        const char *target, struct pp_error *err)
{
	cleanup_free char *opts = NULL;
	int r;

	if (img->layer_dirs == NULL || img->layer_dirs[0] == NULL)
		return pp_error_msg(err, EINVAL, "rootfs '%s': image has no layers", target);
	if (upper[0] != '/' || work[0] != '/' || strchr(upper, ',') || strchr(work, ',') ||
	    strchr(upper, ':') || strchr(work, ':'))
		return pp_error_msg(
		    err, EINVAL,
		    "rootfs '%s': upper and work must be absolute paths without ',' or ':'",
		    target);
	r = fs_mkdir_p(upper, 0755, err);
	if (r == 0)
		r = fs_mkdir_p(work, 0700, err);
	if (r == 0)
		r = fs_mkdir_p(target, 0755, err);
	if (r < 0)
		return pp_error_prefix(err, r, "rootfs '%s'", target);
	opts = overlay_opts(img, 0, upper, work);
	if (strlen(opts) > OPTS_MAX)
		return mount_relative(img, upper, work, target, err);
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		return pp_error(err, errno, "mount overlay on '%s'", target);
	return 0;
}

int img_rootfs_umount(const char *target, struct pp_error *err)
{
	if (umount2(target, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno == EINVAL || errno == ENOENT)
		return 0; /* not a mount point (any more) */
	if (errno == EBUSY && umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		return 0;
	return pp_error(err, errno, "umount '%s'", target);
}
