/* SPDX-License-Identifier: Apache-2.0 */
/* spec.securityContext.fsGroup on a volume: the kubelet's
 * SetVolumeOwnership (pkg/volume/volume_linux.go), with its
 * fsGroupChangePolicy OnRootMismatch shortcut. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>

#include <sys/stat.h>

#include "pod/volumes.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"

#define RW_MASK   0660
#define RO_MASK   0440
#define EXEC_MASK 0110

struct ownership {
	gid_t gid;
	bool readonly;
};

/* The kubelet's changeFilePermission: the group, then (not for a
 * symlink) group read (and write unless readonly), and on a folder
 * group search and setgid. The mode goes through an O_PATH fd of the very
 * entry, so a symlink swapped in meanwhile is never followed. */
static int change(int dirfd, const char *name, const struct stat *st, const struct ownership *o)
{
	cleanup_close int fd = -1;
	char proc[64];
	mode_t mask = o->readonly ? RO_MASK : RW_MASK;
	struct stat now;

	if (fchownat(dirfd, name, (uid_t)-1, o->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISLNK(st->st_mode))
		return 0;
	fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &now) < 0)
		return -errno;
	if (S_ISLNK(now.st_mode))
		return 0;
	if (S_ISDIR(now.st_mode))
		mask |= S_ISGID | EXEC_MASK;
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	return chmod(proc, (now.st_mode & 07777) | mask) < 0 ? -errno : 0;
}

static int visit(int dirfd, const char *name, const char *path, const struct stat *st, void *data)
{
	int r = change(dirfd, name, st, data);

	(void)path;
	if (r < 0)
		return r;
	return S_ISDIR(st->st_mode) ? FS_WALK_DESCEND : 0;
}

/* The kubelet's requiresPermissionChange for OnRootMismatch: the root
 * already has the group, the mode bits and setgid. */
static bool root_matches(const struct stat *st, const struct ownership *o)
{
	mode_t want = (o->readonly ? RO_MASK : RW_MASK) | EXEC_MASK;

	return st->st_gid == o->gid && S_ISDIR(st->st_mode) && (st->st_mode & want) == want &&
	       (st->st_mode & S_ISGID) != 0;
}

int pod_volume_ownership(const char *dir, gid_t gid, bool readonly, bool on_root_mismatch,
                         struct pp_error *err)
{
	struct ownership o = {.gid = gid, .readonly = readonly};
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return pp_error(err, errno, "open '%s'", dir);
	if (on_root_mismatch && root_matches(&st, &o))
		return 0;
	r = fchown(fd, (uid_t)-1, gid) < 0 ||
	            fchmod(fd, (st.st_mode & 07777) | S_ISGID | EXEC_MASK |
	                           (readonly ? RO_MASK : RW_MASK)) < 0
	        ? -errno
	        : 0;
	if (r == 0)
		r = fs_walk(fd, visit, &o);
	return r < 0 ? pp_error(err, r, "set the group of volume '%s' to fsGroup %u", dir,
	                        (unsigned)gid)
	             : 0;
}
