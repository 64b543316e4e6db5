/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources.memory and linux.resources.blockIO into a container's
 * cgroup: runc's v1 memory group (limit and swap written in the order the
 * kernel accepts on update) and blkio group, and its v2 conversions
 * (memory.max, memory.low, memory.swap.max = swap - limit; io.weight,
 * io.max). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define MEM "linux.resources.memory"
#define BLK "linux.resources.blockIO"

struct mem_vals {
	int64_t limit, reservation, swap, kernel, kernel_tcp, swappiness;
	bool has_swappiness, no_oom_killer;
};

static int mem_read(json_object *o, struct mem_vals *v, struct pp_error *err)
{
	json_object *b = NULL;
	int r = rt_cgroup_i64(o, MEM, "limit", &v->limit, err);

	if (r >= 0)
		r = rt_cgroup_i64(o, MEM, "reservation", &v->reservation, err);
	if (r >= 0)
		r = rt_cgroup_i64(o, MEM, "swap", &v->swap, err);
	if (r >= 0)
		r = rt_cgroup_i64(o, MEM, "kernel", &v->kernel, err);
	if (r >= 0)
		r = rt_cgroup_i64(o, MEM, "kernelTCP", &v->kernel_tcp, err);
	if (r >= 0)
		r = rt_cgroup_i64(o, MEM, "swappiness", &v->swappiness, err);
	v->has_swappiness = r > 0;
	if (r >= 0)
		r = rt_json_member(o, MEM, "disableOOMKiller", json_type_boolean, &b, err);
	v->no_oom_killer = r > 0 && json_object_get_boolean(b);
	if (v->has_swappiness && (v->swappiness < 0 || v->swappiness > 100))
		return pp_error_msg(err, EINVAL,
		                    MEM ".swappiness: invalid value:%lld. valid memory swappiness "
		                        "range is 0-100",
		                    (long long)v->swappiness);
	return r < 0 ? r : 0;
}

static int put_bytes(const char *d, const char *file, const char *field, int64_t v,
                     struct pp_error *err)
{
	return rt_cgroup_put(d, file, field, err, "%lld", (long long)(v < 0 ? -1 : v));
}

/* runc's setMemoryAndSwap: raising the limit above the current
 * memory+swap needs memsw first, lowering it needs the limit first. */
static int limit_v1(const char *d, struct mem_vals *v, struct pp_error *err)
{
	cleanup_free char *cur_path = xstrfmt("%s/memory.limit_in_bytes", d);
	cleanup_free char *cur = NULL;
	bool swap_first;
	int r = 0;

	if (v->limit == -1 && v->swap == 0)
		v->swap = -1;
	if (v->swap != 0 && access(d, F_OK) == 0) {
		cleanup_free char *sw = xstrfmt("%s/memory.memsw.limit_in_bytes", d);

		if (access(sw, F_OK) < 0)
			return pp_error_msg(err, ENOTSUP,
			                    MEM ".swap: the kernel has no swap accounting");
	}
	(void)fs_read_all(cur_path, 64, &cur, NULL, NULL);
	swap_first =
	    v->limit != 0 && v->swap != 0 &&
	    (v->swap == -1 || (cur != NULL && strtoull(cur, NULL, 10) < (uint64_t)v->swap));
	if (swap_first)
		r = put_bytes(d, "memory.memsw.limit_in_bytes", MEM ".swap", v->swap, err);
	if (r >= 0 && v->limit != 0)
		r = put_bytes(d, "memory.limit_in_bytes", MEM ".limit", v->limit, err);
	if (r == -EBUSY) /* runc's words for a limit below the usage */
		return pp_error_msg(
		    err, EBUSY,
		    MEM ".limit: unable to set memory limit to %lld (current usage: "
		        "%llu, peak usage: %llu)",
		    (long long)v->limit,
		    (unsigned long long)rt_cgroup_num(d, "memory.usage_in_bytes", NULL),
		    (unsigned long long)rt_cgroup_num(d, "memory.max_usage_in_bytes", NULL));
	if (r >= 0 && !swap_first && v->swap != 0)
		r = put_bytes(d, "memory.memsw.limit_in_bytes", MEM ".swap", v->swap, err);
	return r;
}

static int mem_v1(const char *d, struct mem_vals *v, struct pp_error *err)
{
	int r = limit_v1(d, v, err);

	if (r >= 0 && v->reservation)
		r = put_bytes(d, "memory.soft_limit_in_bytes", MEM ".reservation", v->reservation,
		              err);
	if (r >= 0 && v->kernel)
		r = put_bytes(d, "memory.kmem.limit_in_bytes", MEM ".kernel", v->kernel, err);
	if (r >= 0 && v->kernel_tcp)
		r = put_bytes(d, "memory.kmem.tcp.limit_in_bytes", MEM ".kernelTCP", v->kernel_tcp,
		              err);
	if (r >= 0 && v->has_swappiness)
		r = put_bytes(d, "memory.swappiness", MEM ".swappiness", v->swappiness, err);
	if (r >= 0 && v->no_oom_killer)
		r = rt_cgroup_put(d, "memory.oom_control", MEM ".disableOOMKiller", err, "1");
	return r;
}

/* runc's ConvertMemorySwapToCgroupV2Value. */
static int swap_v2(const struct mem_vals *v, int64_t *ret, struct pp_error *err)
{
	*ret = v->swap;
	if (v->limit == -1 && v->swap == 0)
		*ret = -1;
	else if (v->swap == -1 || v->swap == 0)
		return 0;
	else if (v->limit == 0 || v->limit == -1)
		return pp_error_msg(err, EINVAL,
		                    MEM ".swap: unable to set swap limit without memory limit");
	else if (v->swap < v->limit)
		return pp_error_msg(err, EINVAL,
		                    MEM ".swap: memory+swap limit should be >= memory limit");
	else
		*ret = v->swap - v->limit;
	return 0;
}

static int put_max(const char *d, const char *file, const char *field, int64_t v,
                   struct pp_error *err)
{
	if (v < 0)
		return rt_cgroup_put(d, file, field, err, "max");
	return rt_cgroup_put(d, file, field, err, "%lld", (long long)v);
}

static int mem_v2(const char *d, const struct mem_vals *v, struct pp_error *err)
{
	int64_t swap = 0;
	int r = swap_v2(v, &swap, err);

	if (r < 0)
		return r;
	if (v->kernel || v->kernel_tcp || v->has_swappiness || v->no_oom_killer)
		return pp_error_msg(err, ENOTSUP,
		                    MEM ": kernel, kernelTCP, swappiness and disableOOMKiller are "
		                        "not supported with cgroup v2");
	/* swap equal to the limit: no swap at all ("0"), as runc */
	if (swap != 0 || v->swap > 0)
		r = put_max(d, "memory.swap.max", MEM ".swap", swap, err);
	if (r >= 0 && v->limit != 0)
		r = put_max(d, "memory.max", MEM ".limit", v->limit, err);
	if (r >= 0 && v->reservation != 0)
		r = put_max(d, "memory.low", MEM ".reservation", v->reservation, err);
	return r;
}

int rt_cgroup_memory_apply(const char *rel, json_object *res, struct pp_error *err)
{
	struct mem_vals v = {0};
	cleanup_free char *dir = NULL;
	json_object *o = NULL;
	bool v1;
	int r = rt_json_member(res, "linux.resources", "memory", json_type_object, &o, err);

	if (r > 0)
		r = mem_read(o, &v, err);
	if (r < 0 || o == NULL)
		return r;
	if (!v.limit && !v.reservation && !v.swap && !v.kernel && !v.kernel_tcp &&
	    !v.has_swappiness && !v.no_oom_killer)
		return 0;
	dir = rt_cgroup_ctrl_dir(rel, "memory", "memory", &v1);
	if (dir == NULL)
		return rt_cgroup_none(MEM, "memory", err);
	return v1 ? mem_v1(dir, &v, err) : mem_v2(dir, &v, err);
}

/* runc's ConvertBlkIOToIOWeightValue: [10, 1000] onto [1, 10000]. */
static int64_t blkio_to_io_weight(int64_t w)
{
	return w == 0 ? 0 : 1 + (w - 10) * 9999 / 990;
}

/* One "major:minor VALUE" list (weightDevice, throttle*) into file. */
static int device_list(const char *d, json_object *o, const char *key, const char *vkey,
                       const char *file, struct pp_error *err)
{
	json_object *arr = NULL;
	int r = rt_json_member(o, BLK, key, json_type_array, &arr, err);

	for (size_t i = 0; r > 0 && i < json_object_array_length(arr); i++) {
		cleanup_free char *p = xstrfmt(BLK ".%s[%zu]", key, i);
		json_object *e = json_object_array_get_idx(arr, i);
		int64_t maj = 0, min = 0, val = 0;

		r = rt_cgroup_i64(e, p, "major", &maj, err);
		if (r >= 0)
			r = rt_cgroup_i64(e, p, "minor", &min, err);
		if (r >= 0)
			r = rt_cgroup_i64(e, p, vkey, &val, err);
		if (r < 0)
			return r;
		if (r == 0 && strcmp(vkey, "rate") != 0)
			continue; /* a weightDevice entry without weight */
		if (strncmp(file, "io.max", 6) == 0)
			r = rt_cgroup_put(d, "io.max", p, err, "%lld:%lld %s=%lld", (long long)maj,
			                  (long long)min, file + 7, (long long)val);
		else
			r = rt_cgroup_put(
			    d, file, p, err, "%lld:%lld %lld", (long long)maj, (long long)min,
			    (long long)(strcmp(file, "io.weight") == 0 ? blkio_to_io_weight(val)
			                                               : val));
		if (r < 0)
			return r;
		r = 1;
	}
	return r < 0 ? r : 0;
}

static int blkio_v1(const char *d, json_object *o, struct pp_error *err)
{
	int64_t w = 0, lw = 0;
	cleanup_free char *bfq = xstrfmt("%s/blkio.bfq.weight", d);
	const char *wfile = access(bfq, F_OK) == 0 ? "blkio.bfq.weight" : "blkio.weight";
	int r = rt_cgroup_i64(o, BLK, "weight", &w, err);

	if (r > 0 && w)
		r = rt_cgroup_put(d, wfile, BLK ".weight", err, "%lld", (long long)w);
	if (r >= 0)
		r = rt_cgroup_i64(o, BLK, "leafWeight", &lw, err);
	if (r > 0 && lw)
		r = rt_cgroup_put(d, "blkio.leaf_weight", BLK ".leafWeight", err, "%lld",
		                  (long long)lw);
	if (r >= 0)
		r = device_list(d, o, "weightDevice", "weight",
		                strcmp(wfile, "blkio.weight") == 0 ? "blkio.weight_device"
		                                                   : "blkio.bfq.weight_device",
		                err);
	if (r >= 0)
		r = device_list(d, o, "weightDevice", "leafWeight", "blkio.leaf_weight_device",
		                err);
	if (r >= 0)
		r = device_list(d, o, "throttleReadBpsDevice", "rate",
		                "blkio.throttle.read_bps_device", err);
	if (r >= 0)
		r = device_list(d, o, "throttleWriteBpsDevice", "rate",
		                "blkio.throttle.write_bps_device", err);
	if (r >= 0)
		r = device_list(d, o, "throttleReadIOPSDevice", "rate",
		                "blkio.throttle.read_iops_device", err);
	if (r >= 0)
		r = device_list(d, o, "throttleWriteIOPSDevice", "rate",
		                "blkio.throttle.write_iops_device", err);
	return r < 0 ? r : 0;
}

static int blkio_v2(const char *d, json_object *o, struct pp_error *err)
{
	int64_t w = 0, lw = 0;
	cleanup_free char *bfq = xstrfmt("%s/io.bfq.weight", d);
	bool has_bfq = access(bfq, F_OK) == 0;
	int r = rt_cgroup_i64(o, BLK, "leafWeight", &lw, err);

	if (r > 0 && lw)
		return pp_error_msg(err, ENOTSUP, BLK ".leafWeight: not supported with cgroup v2");
	if (r >= 0)
		r = rt_cgroup_i64(o, BLK, "weight", &w, err);
	if (r > 0 && w)
		r = has_bfq ? rt_cgroup_put(d, "io.bfq.weight", BLK ".weight", err, "%lld",
		                            (long long)w)
		            : rt_cgroup_put(d, "io.weight", BLK ".weight", err, "default %lld",
		                            (long long)blkio_to_io_weight(w));
	if (r >= 0)
		r = device_list(d, o, "weightDevice", "weight",
		                has_bfq ? "io.bfq.weight" : "io.weight", err);
	if (r >= 0)
		r = device_list(d, o, "throttleReadBpsDevice", "rate", "io.max rbps", err);
	if (r >= 0)
		r = device_list(d, o, "throttleWriteBpsDevice", "rate", "io.max wbps", err);
	if (r >= 0)
		r = device_list(d, o, "throttleReadIOPSDevice", "rate", "io.max riops", err);
	if (r >= 0)
		r = device_list(d, o, "throttleWriteIOPSDevice", "rate", "io.max wiops", err);
	return r < 0 ? r : 0;
}

int rt_cgroup_blkio_apply(const char *rel, json_object *res, struct pp_error *err)
{
	cleanup_free char *dir = NULL;
	json_object *o = NULL;
	bool v1;
	int r = rt_json_member(res, "linux.resources", "blockIO", json_type_object, &o, err);

	if (r <= 0 || json_object_object_length(o) == 0)
		return r;
	dir = rt_cgroup_ctrl_dir(rel, "blkio", "io", &v1);
	if (dir == NULL)
		return rt_cgroup_none(BLK, "blkio", err);
	return v1 ? blkio_v1(dir, o, err) : blkio_v2(dir, o, err);
}
