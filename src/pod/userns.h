/* SPDX-License-Identifier: Apache-2.0 */
/* A hostUsers: false pod's user namespace: its range of 65536 host uids
 * and gids, allocated under RUN/userns/ so that no two pods share one, and
 * the namespace itself pinned at RUN/pods/<uid>/userns. */
#pragma once

#include <stdint.h>

struct pod_paths;
struct pod_record;
struct pp_error;

/* What the kubelet gives a pod: 65536 ids, 0..65535 inside. */
#define POD_USERNS_SIZE 65536u
/* Ranges are 65536 * N for N in [1, POD_USERNS_SLOTS], as the kubelet's
 * default (a "kubelet:65536:7208960" subuid entry: 110 pods). */
#define POD_USERNS_SLOTS 110u

/* The range of pod uid: the one it holds, else the lowest free one (a
 * range whose pod folder is gone is free again). Under RUN/userns/lock;
 * RUN/userns/<N> holds the pod's uid. *ret_base = 65536 * N. The ranges
 * are the kubelet's (KEP-127 "Configuration of ranges"): when /etc/passwd
 * has a user peapod with a range in /etc/subuid and /etc/subgid (the same
 * in both, whole blocks of 65536 ids, at most POD_USERNS_SLOTS of them
 * used), its blocks; else N in [1, POD_USERNS_SLOTS]. $PEAPOD_HOST_ETC
 * stands for /etc (tests). 0, -EINVAL naming the file of a bad range, or
 * -ENOSPC "no free user namespace range" when all are taken. */
int pod_userns_alloc(const struct pod_paths *paths, const char *uid, uint32_t *ret_base,
                     struct pp_error *err);
/* The range pod uid holds: 0 and *ret_base, or -ENOENT. */
int pod_userns_find(const struct pod_paths *paths, const char *uid, uint32_t *ret_base);
/* Give back pod uid's range (nothing when it holds none). */
void pod_userns_release(const struct pod_paths *paths, const char *uid);
/* RUN/pods/<uid>/userns; caller frees. */
char *pod_userns_path(const struct pod_paths *paths, const char *uid);
/* For a hostUsers: false pod: its range, and its user namespace (0 inside
 * mapped to the range's base, uids and gids alike) pinned at
 * pod_userns_path() unless it already is (a new monitor, a new sandbox).
 * Nothing for other pods. 0 or -errno. */
int pod_userns_setup(const struct pod_paths *paths, const struct pod_record *rec,
                     struct pp_error *err);
