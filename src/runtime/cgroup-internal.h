/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup backends behind one ops struct (crun cgroup-internal.h): v2
 * (pure or the unified hierarchy of a hybrid host) owns membership, kill
 * and limits; v1 adds the pids/freezer/memory twins on hybrid hosts. */
#pragma once

#include <json-c/json.h>
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

/* The path of an absolute v2 folder (as a state's cgroup_path) relative
 * to the v2 root ("/a/b"), pointing into path; NULL when path is not a
 * folder under the root (cgroup-freeze.c). */
const char *rt_cgroup_rel(const char *path);

enum rt_cgroup_layout rt_cgroup_layout(void);
/* The v2 mount point for this host's layout. */
const char *rt_cgroup_v2_root(void);
/* Write a string to dir/file. 0 or -errno (err filled). */
int rt_cgroup_write(const char *dir, const char *file, const char *value, struct pp_error *err);
/* dir/file's text (up to 64 KiB) into *ret (caller frees); -ENOENT when
 * dir is NULL, -errno when unreadable. */
int rt_cgroup_read(const char *dir, const char *file, char **ret);
/* True when controller is listed in dir/cgroup.controllers. */
bool rt_cgroup_v2_has_controller(const char *dir, const char *controller);
/* The value of the "KEY N" line of a flat-keyed cgroup file (memory.stat,
 * cpu.stat, memory.events); 0 when the file or the key is missing.
 * *ret_found (may be NULL) says whether it was there. */
uint64_t rt_cgroup_keyed(const char *path, const char *key, bool *ret_found);

/* ---- linux.resources (cgroup-resources.c, cgroup-memory.c) ---- */

/* The folder of rel for a controller: the v1 hierarchy /sys/fs/cgroup/
 * v1name on a hybrid host that mounts it there, else the v2 folder when
 * v2name is in its cgroup.controllers; NULL when the host has neither.
 * *ret_v1 says which. Caller frees. */
char *rt_cgroup_ctrl_dir(const char *rel, const char *v1name, const char *v2name, bool *ret_v1);
/* Write the printf-formatted value to dir/file; errors prefixed by field. */
int rt_cgroup_put(const char *dir, const char *file, const char *field, struct pp_error *err,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* dir/file (dir may be NULL) as one number: "max" reads as UINT64_MAX
 * (runc's v2 value), a missing or odd file as 0 with *ret_found (may be
 * NULL) false. */
uint64_t rt_cgroup_num(const char *dir, const char *file, bool *ret_found);
/* An integer member: 1 and *ret when present, 0 when absent, -EINVAL. */
int rt_cgroup_i64(json_object *o, const char *path, const char *key, int64_t *ret,
                  struct pp_error *err);
/* -ENOTSUP "FIELD: the host has no CTRL cgroup controller". */
int rt_cgroup_none(const char *field, const char *ctrl, struct pp_error *err);
int rt_cgroup_memory_apply(const char *rel, json_object *res, struct pp_error *err);
int rt_cgroup_blkio_apply(const char *rel, json_object *res, struct pp_error *err);
/* Write a linux.resources object (res, may be NULL) to the cgroup rel
 * (relative to each hierarchy's root, starting with '/'): memory, cpu,
 * cpuset, pids, blockIO, hugepageLimits, rdma, unified; devices are
 * cgroup-devices.c's. 0, or -errno naming the field the host refused. */
int rt_cgroup_apply(const char *rel, json_object *res, struct pp_error *err);
