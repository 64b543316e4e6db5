/* SPDX-License-Identifier: Apache-2.0 */
/* File and directory helpers: host paths we own (state, images, logs), and
 * confined lookups inside a container rootfs. */
#pragma once

#include <stddef.h>

#include <sys/types.h>

struct pp_error;

/* mkdir -p with mode for each created component. 0 or -errno. */
int fs_mkdir_p(const char *path, mode_t mode, struct pp_error *err);

/* The same without the fsync, for files of a folder that does not outlive
 * a boot (a runtime's state under /run, as runc and crun write theirs):
 * readers see the old or the new content, never part of one. */
int fs_write_atomic_volatile(const char *path, const void *data, size_t len, mode_t mode,
                             struct pp_error *err);

/* Write data to path atomically (temp file in the same folder, fsync,
 * rename). 0 or -errno. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                    struct pp_error *err);

/* Read a whole file, NUL-terminated. *ret_buf is caller-freed; ret_len may be
 * NULL. Refuses files over max_len bytes with -EFBIG. 0 or -errno. */
int fs_read_all(const char *path, size_t max_len, char **ret_buf, size_t *ret_len,
                struct pp_error *err);

/* fs_read_all of a regular file only: a FIFO, a device or a folder at path
 * is -EINVAL ("not a regular file"), never a read that may block forever.
 * For files a user names (configs, credentials). */
int fs_read_regular(const char *path, size_t max_len, char **ret_buf, size_t *ret_len,
                    struct pp_error *err);

/* Same, from an fd the caller keeps. */
int fs_read_fd(int fd, size_t max_len, char **ret_buf, size_t *ret_len, struct pp_error *err);
/* The first max_len bytes of fd (caller keeps it), NUL-terminated:
 * *ret_buf caller-freed, ret_len may be NULL. 0 when that is all of it, 1
 * when it goes on past max_len (the rest is left unread), -errno. For
 * files whose head serves, like /proc/PID/cmdline. */
int fs_read_fd_head(int fd, size_t max_len, char **ret_buf, size_t *ret_len, struct pp_error *err);

/* rm -rf that never crosses mount points (a mount found below path gives
 * -EBUSY) and never follows symlinks. Missing path is success. */
int fs_rm_rf(const char *path, struct pp_error *err);

/* Open path inside the tree rooted at rootfd, resolving every component
 * (symlinks and "..") as if rootfd were "/": openat2 RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS. Returns an O_CLOEXEC fd or -errno. */
int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode);

/* mkdir -p of path inside rootfd, each component created and opened with
 * fs_open_in_root semantics. Returns an O_PATH|O_DIRECTORY fd of the last
 * component (caller closes) or -errno. */
int fs_mkdir_in_root(int rootfd, const char *path, mode_t mode);

/* Open (creating it 0600, never through a symlink) and flock path
 * exclusively, waiting for the holder. Returns the fd (caller closes, which
 * unlocks) or -errno. */
int fs_lock_file(const char *path, struct pp_error *err);

/* Write all of buf to fd, retrying on EINTR/short writes. 0 or -errno. */
int fs_write_all(int fd, const void *buf, size_t len);

struct stat;

/* fs_walk's visitor: an entry of folder dirfd (borrowed), its name, its
 * path below the walk's top ("a/b") and its lstat. Returns FS_WALK_DESCEND
 * to enter a folder, 0 to go on, or -errno to stop the walk. */
#define FS_WALK_DESCEND 1
typedef int (*fs_walk_fn)(int dirfd, const char *name, const char *path, const struct stat *st,
                          void *data);

/* Visit every entry below the folder topfd (borrowed), breadth first,
 * never following a symlink nor crossing a mount point: each folder is
 * opened beneath topfd (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_XDEV), so a tree changed during the walk cannot lead it out.
 * A folder that cannot be opened is skipped. 0, or visit's -errno. */
int fs_walk(int topfd, fs_walk_fn visit, void *data);
