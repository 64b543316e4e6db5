/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's volumes on this machine, in the kubelet's layout under the pod
 * folder: emptyDir at volumes/kubernetes.io~empty-dir/<name>/ (a tmpfs for
 * medium Memory), hostPath checked or created per its type, and each subPath
 * bind-mounted at volume-subpaths/<volume>/<container>/<index> after a
 * confined resolution inside its volume. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <sys/types.h>

struct pp_error;
struct pod;
struct pod_container;
struct pod_volume;

/* The host folder (or file) a volume is, before any subPath: the emptyDir
 * folder under pod_dir, or hostPath.path. Caller frees. */
char *pod_volume_source(const char *pod_dir, const struct pod_volume *vol);

/* Where the subPath of volumeMounts[mount_idx] of container ctr is bound:
 * <pod_dir>/volume-subpaths/<volume>/<ctr>/<mount_idx>. Caller frees. */
char *pod_volume_subpath_target(const char *pod_dir, const char *volume, const char *ctr,
                                size_t mount_idx);

/* Create every emptyDir of the pod (mode 0777; medium Memory: a nosuid,
 * nodev tmpfs, size=sizeLimit when set), then with fsGroup give it that
 * group (pod_volume_ownership(), read-write, OnRootMismatch when
 * fsGroupChangePolicy says so). Idempotent. 0 or -errno with the
 * volume named. Removed by pod_teardown() (it unmounts and removes all
 * below the pod folder). */
int pod_volumes_setup(const struct pod *pod, const char *pod_dir, struct pp_error *err);

/* Before container c starts: check (or create) the hostPath of each
 * volume it mounts as the kubelet does per hostPath.type (errors like
 * `hostPath type check failed: /x is not a directory`), and bind each
 * subPath, resolved with openat2 RESOLVE_BENEATH inside its volume (missing
 * folders created; a subPath that resolves outside, e.g. through a symlink
 * a container wrote, is refused), at pod_volume_subpath_target(). 0 or
 * -errno. */
int pod_volumes_prepare(const struct pod *pod, const struct pod_container *c, const char *pod_dir,
                        struct pp_error *err);

/* The kubelet's SetVolumeOwnership of the folder dir and all below it
 * (never following a symlink nor crossing a mount): group gid on every
 * entry; group read, and write unless readonly, on every file and folder
 * (symlinks excepted); group search and setgid on folders. With
 * on_root_mismatch (fsGroupChangePolicy OnRootMismatch) nothing changes
 * when dir already has the group, those bits and setgid. 0 or -errno
 * naming dir and the group. */
int pod_volume_ownership(const char *dir, gid_t gid, bool readonly, bool on_root_mismatch,
                         struct pp_error *err);
