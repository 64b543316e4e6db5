/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources (config-linux.md "Control groups") written to a
 * container's cgroup, on create and on update: each controller goes to the
 * v1 hierarchy where the host mounts it (a hybrid host), else to the v2
 * folder, with runc's v1 files and its v1->v2 conversions (shares->
 * cpu.weight, blkio weight->io.weight, swap->memory.swap.max). A field the
 * host cannot take fails with its path; the memory group is in
 * cgroup-memory.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/magic.h>
#include <sys/statfs.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define RES "linux.resources"

char *rt_cgroup_ctrl_dir(const char *rel, const char *v1name, const char *v2name, bool *ret_v1)
{
	cleanup_free char *v1 = xstrfmt("/sys/fs/cgroup/%s", v1name);
	cleanup_free char *v2 = xstrfmt("%s%s", rt_cgroup_v2_root(), rel);
	struct statfs fs;

	*ret_v1 = false;
	if (rt_cgroup_layout() != RT_CGROUP_UNIFIED && statfs(v1, &fs) == 0 &&
	    fs.f_type == CGROUP_SUPER_MAGIC) {
		*ret_v1 = true;
		return xstrfmt("%s%s", v1, rel);
	}
	if (v2name != NULL && rt_cgroup_v2_has_controller(v2, v2name))
		return xstrdup(v2);
	return NULL;
}

int rt_cgroup_i64(json_object *o, const char *path, const char *key, int64_t *ret,
                  struct pp_error *err)
{
	json_object *v = NULL;
	int r = rt_json_member(o, path, key, json_type_int, &v, err);

	if (r > 0)
		*ret = json_object_get_int64(v);
	return r;
}

int rt_cgroup_none(const char *field, const char *ctrl, struct pp_error *err)
{
	return pp_error_msg(err, ENOTSUP, "%s: the host has no %s cgroup controller", field, ctrl);
}

/* runc's ConvertCPUSharesToCgroupV2Value: [2, 262144] onto [1, 10000]. */
static uint64_t shares_to_weight(uint64_t s)
{
	if (s == 0)
		return 0;
	s = s < 2 ? 2 : s > 262144 ? 262144 : s;
	return 1 + ((s - 2) * 9999) / 262142;
}

struct cpu_vals {
	int64_t shares, quota, period, rt_runtime, rt_period;
};

static int cpu_read(json_object *o, struct cpu_vals *v, struct pp_error *err)
{
	const char *p = RES ".cpu";
	int r = rt_cgroup_i64(o, p, "shares", &v->shares, err);

	if (r >= 0)
		r = rt_cgroup_i64(o, p, "quota", &v->quota, err);
	if (r >= 0)
		r = rt_cgroup_i64(o, p, "period", &v->period, err);
	if (r >= 0)
		r = rt_cgroup_i64(o, p, "realtimeRuntime", &v->rt_runtime, err);
	if (r >= 0)
		r = rt_cgroup_i64(o, p, "realtimePeriod", &v->rt_period, err);
	return r < 0 ? r : 0;
}

/* As runc's v1 cpu group: shares, period before quota (-1: no quota),
 * realtime period before runtime. */
static int cpu_v1(const char *d, const struct cpu_vals *v, struct pp_error *err)
{
	int r = 0;

	if (v->shares)
		r = rt_cgroup_put(d, "cpu.shares", RES ".cpu.shares", err, "%lld",
		                  (long long)v->shares);
	if (r >= 0 && v->period)
		r = rt_cgroup_put(d, "cpu.cfs_period_us", RES ".cpu.period", err, "%lld",
		                  (long long)v->period);
	if (r >= 0 && v->quota)
		r = rt_cgroup_put(d, "cpu.cfs_quota_us", RES ".cpu.quota", err, "%lld",
		                  (long long)(v->quota < 0 ? -1 : v->quota));
	if (r >= 0 && v->rt_period)
		r = rt_cgroup_put(d, "cpu.rt_period_us", RES ".cpu.realtimePeriod", err, "%lld",
		                  (long long)v->rt_period);
	if (r >= 0 && v->rt_runtime)
		r = rt_cgroup_put(d, "cpu.rt_runtime_us", RES ".cpu.realtimeRuntime", err, "%lld",
		                  (long long)v->rt_runtime);
	return r;
}

static int cpu_v2(const char *d, const struct cpu_vals *v, struct pp_error *err)
{
	char buf[64];
	int r = 0;

	if (v->rt_runtime || v->rt_period)
		return pp_error_msg(err, ENOTSUP,
		                    RES ".cpu.realtimeRuntime: not supported with cgroup v2");
	if (v->shares)
		r = rt_cgroup_put(d, "cpu.weight", RES ".cpu.shares", err, "%llu",
		                  (unsigned long long)shares_to_weight((uint64_t)v->shares));
	if (r < 0 || (!v->quota && !v->period))
		return r;
	if (v->quota > 0)
		(void)snprintf(buf, sizeof(buf), "%lld", (long long)v->quota);
	else
		(void)snprintf(buf, sizeof(buf), "max");
	/* the kernel's default period, as runc writes it */
	(void)snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %lld",
	               (long long)(v->period ? v->period : 100000));
	return rt_cgroup_put(d, "cpu.max", RES ".cpu.quota", err, "%s", buf);
}

/* cpu.cpus and cpu.mems into the cpuset controller. */
static int cpuset_apply(const char *rel, json_object *o, struct pp_error *err)
{
	static const char *const keys[] = {"cpus", "mems"};

	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *field = xstrfmt(RES ".cpu.%s", keys[i]);
		cleanup_free char *file = xstrfmt("cpuset.%s", keys[i]);
		cleanup_free char *dir = NULL;
		json_object *v = NULL;
		bool v1;
		int r = rt_json_member(o, RES ".cpu", keys[i], json_type_string, &v, err);

		if (r <= 0) {
			if (r < 0)
				return r;
			continue;
		}
		dir = rt_cgroup_ctrl_dir(rel, "cpuset", "cpuset", &v1);
		if (dir == NULL)
			return rt_cgroup_none(field, "cpuset", err);
		r = rt_cgroup_put(dir, file, field, err, "%s", json_object_get_string(v));
		if (r < 0)
			return r;
	}
	return 0;
}

static int cpu_apply(const char *rel, json_object *res, struct pp_error *err)
{
	struct cpu_vals v = {0};
	cleanup_free char *dir = NULL;
	json_object *o = NULL;
	bool v1;
	int r = rt_json_member(res, RES, "cpu", json_type_object, &o, err);

	if (r <= 0)
		return r;
	r = cpu_read(o, &v, err);
	if (r < 0)
		return r;
	if (v.shares || v.quota || v.period || v.rt_runtime || v.rt_period) {
		dir = rt_cgroup_ctrl_dir(rel, "cpu", "cpu", &v1);
		/* shares alone are a weight under contention, which containerd and
		 * the kubelet always set: a host without the cpu controller (one
		 * that does not delegate it) runs without, as before */
		if (dir == NULL && (v.quota || v.period || v.rt_runtime || v.rt_period))
			return rt_cgroup_none(RES ".cpu", "cpu", err);
		r = dir == NULL ? 0 : v1 ? cpu_v1(dir, &v, err) : cpu_v2(dir, &v, err);
		if (r < 0)
			return r;
	}
	return cpuset_apply(rel, o, err);
}

static int pids_apply(const char *rel, json_object *res, struct pp_error *err)
{
	cleanup_free char *dir = NULL;
	json_object *o = NULL;
	int64_t limit = 0;
	bool v1;
	int r = rt_json_member(res, RES, "pids", json_type_object, &o, err);

	if (r > 0)
		r = rt_cgroup_i64(o, RES ".pids", "limit", &limit, err);
	if (r <= 0 || limit == 0)
		return r;
	dir = rt_cgroup_ctrl_dir(rel, "pids", "pids", &v1);
	if (dir == NULL)
		return rt_cgroup_none(RES ".pids.limit", "pids", err);
	if (limit < 0)
		return rt_cgroup_put(dir, "pids.max", RES ".pids.limit", err, "max");
	return rt_cgroup_put(dir, "pids.max", RES ".pids.limit", err, "%lld", (long long)limit);
}

/* hugepageLimits: [{pageSize "2MB", limit}] to hugetlb.<size>.limit_in_bytes
 * (v1) or hugetlb.<size>.max (v2). */
static int hugetlb_apply(const char *rel, json_object *res, struct pp_error *err)
{
	json_object *arr = NULL;
	cleanup_free char *dir = NULL;
	bool v1 = false;
	int r = rt_json_member(res, RES, "hugepageLimits", json_type_array, &arr, err);

	if (r <= 0 || json_object_array_length(arr) == 0)
		return r;
	dir = rt_cgroup_ctrl_dir(rel, "hugetlb", "hugetlb", &v1);
	if (dir == NULL)
		return rt_cgroup_none(RES ".hugepageLimits", "hugetlb", err);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		cleanup_free char *p = xstrfmt(RES ".hugepageLimits[%zu]", i);
		cleanup_free char *file = NULL;
		json_object *e = json_object_array_get_idx(arr, i), *size = NULL;
		int64_t limit = 0;

		r = rt_json_member(e, p, "pageSize", json_type_string, &size, err);
		if (r == 0 || strchr(json_object_get_string(size), '/') != NULL)
			return pp_error_msg(err, EINVAL, "%s.pageSize: invalid", p);
		if (r > 0)
			r = rt_cgroup_i64(e, p, "limit", &limit, err);
		if (r < 0)
			return r;
		file = xstrfmt("hugetlb.%s.%s", json_object_get_string(size),
		               v1 ? "limit_in_bytes" : "max");
		r = rt_cgroup_put(dir, file, p, err, "%lld", (long long)limit);
		if (r < 0)
			return r;
	}
	return 0;
}

/* rdma: {"mlx4_0": {hcaHandles, hcaObjects}} to rdma.max lines. */
static int rdma_apply(const char *rel, json_object *res, struct pp_error *err)
{
	json_object *o = NULL;
	cleanup_free char *dir = NULL;
	bool v1;
	int r = rt_json_member(res, RES, "rdma", json_type_object, &o, err);

	if (r <= 0 || json_object_object_length(o) == 0)
		return r;
	dir = rt_cgroup_ctrl_dir(rel, "rdma", "rdma", &v1);
	if (dir == NULL)
		return rt_cgroup_none(RES ".rdma", "rdma", err);
	json_object_object_foreach(o, dev, lim)
	{
		cleanup_free char *p = xstrfmt(RES ".rdma.%s", dev);
		int64_t h = -1, obj = -1;
		char hb[32] = "max", ob[32] = "max";

		r = rt_cgroup_i64(lim, p, "hcaHandles", &h, err);
		if (r >= 0)
			r = rt_cgroup_i64(lim, p, "hcaObjects", &obj, err);
		if (r < 0)
			return r;
		if (h >= 0)
			(void)snprintf(hb, sizeof(hb), "%lld", (long long)h);
		if (obj >= 0)
			(void)snprintf(ob, sizeof(ob), "%lld", (long long)obj);
		r = rt_cgroup_put(dir, "rdma.max", p, err, "%s hca_handle=%s hca_object=%s", dev,
		                  hb, ob);
		if (r < 0)
			return r;
	}
	return 0;
}

/* unified: cgroup v2 files by name, only on a pure v2 host (runc: "cannot
 * use unified on cgroup v1"). */
static int unified_apply(const char *rel, json_object *res, struct pp_error *err)
{
	json_object *o = NULL;
	cleanup_free char *dir = xstrfmt("%s%s", rt_cgroup_v2_root(), rel);
	int r = rt_json_member(res, RES, "unified", json_type_object, &o, err);

	if (r <= 0 || json_object_object_length(o) == 0)
		return r;
	if (rt_cgroup_layout() != RT_CGROUP_UNIFIED)
		return pp_error_msg(err, ENOTSUP, RES ".unified: cannot use unified on cgroup v1");
	json_object_object_foreach(o, key, val)
	{
		cleanup_free char *p = xstrfmt(RES ".unified.%s", key);

		if (!json_object_is_type(val, json_type_string))
			return pp_error_msg(err, EINVAL, "%s: expected string", p);
		if (strchr(key, '/') != NULL || key[0] == '.' || strchr(key, '.') == NULL)
			return pp_error_msg(err, EINVAL, "%s: invalid cgroup file name", p);
		r = rt_cgroup_put(dir, key, p, err, "%s", json_object_get_string(val));
		if (r < 0)
			return r;
	}
	return 0;
}

int rt_cgroup_apply(const char *rel, json_object *res, struct pp_error *err)
{
	static int (*const groups[])(const char *, json_object *, struct pp_error *) = {
	    rt_cgroup_memory_apply, cpu_apply,  pids_apply,    rt_cgroup_blkio_apply,
	    hugetlb_apply,          rdma_apply, unified_apply,
	};

	if (res == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		int r = groups[i](rel, res, err);

		if (r < 0)
			return r;
	}
	return 0;
}
