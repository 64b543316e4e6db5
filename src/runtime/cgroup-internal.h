/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup backends behind one ops struct (crun cgroup-internal.h): v2
 * (pure or the unified hierarchy of a hybrid host) owns membership, kill
 * and limits; v1 adds the pids/freezer/memory twins on hybrid hosts. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <sys/types.h>

struct pp_error;
struct rt_config;

enum rt_cgroup_layout {
	RT_CGROUP_UNIFIED, /* /sys/fs/cgroup is cgroup2 */
	RT_CGROUP_HYBRID,  /* cgroup2 at /sys/fs/cgroup/unified, v1 beside */
	RT_CGROUP_LEGACY,  /* v1 only: unsupported */
};

struct rt_cgroup_ops {
	const char *name;
	/* Create <root>/<rel> and apply limits; rel starts with '/'. */
	int (*create)(const char *rel, const struct rt_config *cfg, struct pp_error *err);
	int (*enter)(const char *rel, pid_t pid, struct pp_error *err);
	/* Remove; missing is success. */
	int (*destroy)(const char *rel, struct pp_error *err);
};

extern const struct rt_cgroup_ops rt_cgroup_v2_ops;
extern const struct rt_cgroup_ops rt_cgroup_v1_ops;

/* A single-number cgroup file ("1234\n"); -errno when unreadable. */
int rt_cgroup_u64(const char *path, uint64_t *ret);
/* The path of an absolute v2 folder (as a state's cgroup_path) relative
 * to the v2 root ("/a/b"), pointing into path; NULL when path is not a
 * folder under the root (cgroup-freeze.c). */
const char *rt_cgroup_rel(const char *path);

enum rt_cgroup_layout rt_cgroup_layout(void);
/* The v2 mount point for this host's layout. */
const char *rt_cgroup_v2_root(void);
/* Write a string to dir/file. 0 or -errno (err filled). */
int rt_cgroup_write(const char *dir, const char *file, const char *value, struct pp_error *err);
/* True when controller is listed in dir/cgroup.controllers. */
bool rt_cgroup_v2_has_controller(const char *dir, const char *controller);
/* The value of the "KEY N" line of a flat-keyed cgroup file (memory.stat,
 * cpu.stat, memory.events); 0 when the file or the key is missing.
 * *ret_found (may be NULL) says whether it was there. */
uint64_t rt_cgroup_keyed(const char *path, const char *key, bool *ret_found);
