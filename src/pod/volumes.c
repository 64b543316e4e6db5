/* SPDX-License-Identifier: Apache-2.0 */
/* Volumes on the host: emptyDir folders and tmpfs, hostPath type checks
 * (pkg/volume/hostpath checkTypeInternal), and subPath binds made from an
 * fd opened inside the volume (the kubelet's pkg/volume/util/subpath). */
#include "pod/volumes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mount.h>
#include <sys/stat.h>

#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define EMPTY_DIR_PLUGIN "kubernetes.io~empty-dir"
#define SUBPATH_MAX      4096

char *pod_volume_source(const char *pod_dir, const struct pod_volume *vol)
{
	const char *plugin = (vol->source_bits & POD_VOL_SRC_CONFIGMAP)  ? "configmap"
	                     : (vol->source_bits & POD_VOL_SRC_SECRET)   ? "secret"
	                     : (vol->source_bits & POD_VOL_SRC_DOWNWARD) ? "downward-api"
	                                                                 : "projected";

	if (vol->has_host_path)
		return xstrdup(vol->host_path);
	if (vol->source_bits != 0)
		return xstrfmt("%s/volumes/kubernetes.io~%s/%s", pod_dir, plugin, vol->name);
	return xstrfmt("%s/volumes/" EMPTY_DIR_PLUGIN "/%s", pod_dir, vol->name);
}

char *pod_volume_subpath_target(const char *pod_dir, const char *volume, const char *ctr,
                                size_t mount_idx)
{
	return xstrfmt("%s/volume-subpaths/%s/%s/%zu", pod_dir, volume, ctr, mount_idx);
}

/* Is dir the root of a mount (another device than its parent)? */
static bool is_mount_point(const char *dir)
{
	cleanup_free char *parent = xstrfmt("%s/..", dir);
	struct stat a, b;

	return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static int empty_dir_setup(const struct pod_volume *vol, const char *dir, struct pp_error *err)
{
	cleanup_free char *opts = NULL;
	int r = fs_mkdir_p(dir, 0750, err);

	if (r < 0)
		return r;
	/* emptyDir is world-writable, whatever the umask */
	if (chmod(dir, 0777) < 0)
		return pp_error(err, errno, "chmod '%s'", dir);
	if (vol->empty_dir_medium == NULL || strcmp(vol->empty_dir_medium, "Memory") != 0 ||
	    is_mount_point(dir))
		return 0;
	if (vol->empty_dir_size_bytes > 0)
		opts =
		    xstrfmt("mode=0777,size=%llu", (unsigned long long)vol->empty_dir_size_bytes);
	else
		opts = xstrdup("mode=0777");
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return pp_error(err, errno, "mount tmpfs on '%s'", dir);
	return 0;
}

static bool on_root_mismatch(const struct pod *pod)
{
	return pod->fs_group_change_policy != NULL &&
	       strcmp(pod->fs_group_change_policy, "OnRootMismatch") == 0;
}

int pod_volumes_setup(const struct pod *pod, const char *pod_dir, struct pp_error *err)
{
	for (size_t i = 0; i < pod->n_volumes; i++) {
		const struct pod_volume *vol = &pod->volumes[i];
		cleanup_free char *dir = NULL;
		int r;

		if (!vol->has_empty_dir)
			continue;
		dir = pod_volume_source(pod_dir, vol);
		r = empty_dir_setup(vol, dir, err);
		if (r == 0 && pod->has_fs_group)
			r = pod_volume_ownership(dir, (gid_t)pod->fs_group, false,
			                         on_root_mismatch(pod), err);
		if (r < 0)
			return pp_error_prefix(err, r, "volume '%s'", vol->name);
	}
	return 0;
}

static int make_file(const char *path, struct pp_error *err)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return pp_error(err, errno, "create '%s'", path);
	close(fd);
	return 0;
}

/* The kubelet's hostPath type check; "" checks nothing, but a missing path
 * is created as a folder, as containerd does for a missing bind source. */
static int host_path_check(const struct pod_volume *vol, struct pp_error *err)
{
	const char *p = vol->host_path, *t = vol->host_path_type ? vol->host_path_type : "";
	struct stat st;
	bool exists = stat(p, &st) == 0;

	if (!exists && (t[0] == '\0' || strcmp(t, "DirectoryOrCreate") == 0))
		return fs_mkdir_p(p, 0755, err);
	if (!exists && strcmp(t, "FileOrCreate") == 0)
		return make_file(p, err);
	if (t[0] == '\0')
		return 0;
	if (strstr(t, "Directory") == t && (!exists || !S_ISDIR(st.st_mode)))
		return pp_error_msg(err, ENOTDIR,
		                    "hostPath type check failed: %s is not a directory", p);
	if (strstr(t, "File") == t && (!exists || !S_ISREG(st.st_mode)))
		return pp_error_msg(err, EINVAL, "hostPath type check failed: %s is not a file", p);
	if (strcmp(t, "Socket") == 0 && (!exists || !S_ISSOCK(st.st_mode)))
		return pp_error_msg(err, EINVAL,
		                    "hostPath type check failed: %s is not a socket file", p);
	if (strcmp(t, "CharDevice") == 0 && (!exists || !S_ISCHR(st.st_mode)))
		return pp_error_msg(err, EINVAL,
		                    "hostPath type check failed: %s is not a character device", p);
	if (strcmp(t, "BlockDevice") == 0 && (!exists || !S_ISBLK(st.st_mode)))
		return pp_error_msg(err, EINVAL,
		                    "hostPath type check failed: %s is not a block device", p);
	return 0;
}

/* Open rel beneath basefd: no absolute symlink, no ".." or symlink that
 * leaves it, no magic link. An O_PATH fd or -errno. */
static int open_beneath(int basefd, const char *rel, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(O_PATH | O_CLOEXEC | flags),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd, tries = 0;

	/* EAGAIN: a concurrent rename; bounded, as a container may loop on it */
	do
		fd = sys_openat2(basefd, rel, &how, sizeof(how));
	while (fd < 0 && (errno == EAGAIN || errno == EINTR) && ++tries < 32);
	return fd < 0 ? -errno : fd;
}

/* The kubelet's SafeMakeDir: create the missing folders of sub inside the
 * volume, each made in its parent opened beneath the volume, so a symlink
 * planted in the volume cannot send a mkdir elsewhere. Returns an O_PATH fd
 * of sub (a folder or a file) or -errno. */
static int open_sub_path(int basefd, const char *sub, mode_t mode)
{
	char prefix[SUBPATH_MAX];
	cleanup_close int parent = -1;
	size_t len = strlen(sub);
	int fd;

	if (len >= sizeof(prefix))
		return -ENAMETOOLONG;
	fd = open_beneath(basefd, sub, 0);
	if (fd != -ENOENT)
		return fd;
	parent = fcntl(basefd, F_DUPFD_CLOEXEC, 3);
	if (parent < 0)
		return -errno;
	for (size_t i = 0; i <= len; i++) {
		const char *name;

		if (sub[i] != '/' && sub[i] != '\0')
			continue;
		memcpy(prefix, sub, i);
		prefix[i] = '\0';
		name = strrchr(prefix, '/') ? strrchr(prefix, '/') + 1 : prefix;
		if (name[0] == '\0' || strcmp(name, ".") == 0)
			continue;
		fd = open_beneath(basefd, prefix, 0);
		if (fd == -ENOENT) {
			if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
				return -errno;
			fd = open_beneath(basefd, prefix, O_DIRECTORY);
		}
		if (fd < 0 || sub[i] == '\0')
			return fd;
		close(parent);
		parent = fd;
	}
	return take_fd(&parent); /* sub ended with '/' or "/." */
}

/* A fresh mount point at target of the kind of the file at fd. */
static int subpath_target_make(const char *target, int fd, struct pp_error *err)
{
	cleanup_free char *parent = xstrdup(target);
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return pp_error(err, errno, "stat subPath");
	*strrchr(parent, '/') = '\0';
	if ((r = fs_mkdir_p(parent, 0750, err)) < 0)
		return r;
	/* a previous start's bind (the container restarts) is replaced */
	while (umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		;
	if (unlink(target) < 0 && errno == EISDIR)
		(void)rmdir(target);
	if (S_ISDIR(st.st_mode))
		r = mkdir(target, 0750) < 0 && errno != EEXIST ? -errno : 0;
	else
		r = mknod(target, S_IFREG | 0640, 0) < 0 && errno != EEXIST ? -errno : 0;
	return r < 0 ? pp_error(err, r, "create '%s'", target) : 0;
}

static int subpath_bind(const char *base, const char *sub, const char *target, struct pp_error *err)
{
	cleanup_close int basefd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int fd = -1;
	char proc[64];
	struct stat st;
	int r;

	if (basefd < 0)
		return pp_error(err, errno, "open volume '%s'", base);
	if (fstat(basefd, &st) < 0)
		return pp_error(err, errno, "stat volume '%s'", base);
	fd = open_sub_path(basefd, sub, st.st_mode & 07777);
	if (fd < 0)
		return pp_error(err, fd, "subpath \"%s\" not within volume path \"%s\"", sub, base);
	r = subpath_target_make(target, fd, err);
	if (r < 0)
		return r;
	/* bind what fd is, not what a path names now: no later swap counts */
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (mount(proc, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return pp_error(err, errno, "bind subPath at '%s'", target);
	return 0;
}

static int mount_prepare(const struct pod *pod, const struct pod_container *c, size_t i,
                         const char *pod_dir, struct pp_error *err)
{
	const struct pod_volume_mount *m = &c->volume_mounts[i];
	const struct pod_volume *vol = pod_volume_find(pod, m->name);
	cleanup_free char *base = NULL, *target = NULL;
	int r;

	if (vol == NULL)
		return pp_error_msg(err, ENOENT, "volume '%s' not found", m->name);
	if (vol->has_host_path && (r = host_path_check(vol, err)) < 0)
		return pp_error_prefix(err, r, "MountVolume.SetUp failed for volume \"%s\" ",
		                       vol->name);
	if (m->sub_path == NULL || m->sub_path[0] == '\0')
		return 0;
	base = pod_volume_source(pod_dir, vol);
	target = pod_volume_subpath_target(pod_dir, vol->name, c->name, i);
	r = subpath_bind(base, m->sub_path, target, err);
	if (r < 0)
		return pp_error_prefix(
		    err, r, "failed to prepare subPath for volumeMount \"%s\" of container \"%s\"",
		    m->name, c->name);
	return 0;
}

int pod_volumes_prepare(const struct pod *pod, const struct pod_container *c, const char *pod_dir,
                        struct pp_error *err)
{

	for (size_t i = 0; i < c->n_volume_mounts; i++) {
		int r = mount_prepare(pod, c, i, pod_dir, err);

		if (r < 0)
			return r;
	}
	return 0;
}
