/* SPDX-License-Identifier: Apache-2.0 */
/* runc events --stats: a container's cgroup counters in runc's types.Stats
 * JSON (what podman stats and containerd's runc shim read). CPU time comes
 * from the v2 cpu.stat, which every v2 cgroup has; memory and pids from the
 * v1 twins on a hybrid host, else from v2; throttling from whichever has
 * it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* dir/file as a number into o.key: "max" is UINT64_MAX (runc's v2 reading),
 * an unreadable file adds nothing. */
static void add_file(json_object *o, const char *key, const char *dir, const char *file)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir, file);
	cleanup_free char *buf = NULL;
	uint64_t v;

	if (rt_cgroup_u64(path, &v) == 0)
		json_object_object_add(o, key, json_object_new_uint64(v));
	else if (fs_read_all(path, 64, &buf, NULL, NULL) == 0 && strncmp(buf, "max", 3) == 0)
		json_object_object_add(o, key, json_object_new_uint64(UINT64_MAX));
}

/* Every "KEY N" line of a flat-keyed file, as an object. */
static json_object *keyed_all(const char *dir, const char *file)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir, file);
	cleanup_free char *buf = NULL;
	json_object *o = json_object_new_object();
	char *save = NULL;

	if (fs_read_all(path, 1u << 20, &buf, NULL, NULL) < 0)
		return o;
	for (char *l = strtok_r(buf, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');

		if (sp == NULL)
			continue;
		*sp = '\0';
		json_object_object_add(o, l, json_object_new_uint64(strtoull(sp + 1, NULL, 10)));
	}
	return o;
}

/* o.key * mul, when o has key, into dst.name. */
static void copy_scaled(json_object *dst, const char *name, json_object *o, const char *key,
                        uint64_t mul)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v))
		json_object_object_add(dst, name,
		                       json_object_new_uint64(json_object_get_uint64(v) * mul));
}

/* A v1 twin folder of rel for controller ctrl, or NULL (caller frees). */
static char *twin(const char *ctrl, const char *rel)
{
	char *dir;

	if (rt_cgroup_layout() != RT_CGROUP_HYBRID)
		return NULL;
	dir = xstrfmt("/sys/fs/cgroup/%s%s", ctrl, rel);
	if (access(dir, F_OK) == 0)
		return dir;
	free(dir);
	return NULL;
}

static json_object *stats_cpu(const char *v2, const char *rel)
{
	cleanup_free char *cpu1 = twin("cpu", rel);
	json_object *stat = keyed_all(v2, "cpu.stat"), *v1stat = NULL;
	json_object *cpu = json_object_new_object(), *usage = json_object_new_object();
	json_object *thr = json_object_new_object();

	copy_scaled(usage, "total", stat, "usage_usec", 1000);
	copy_scaled(usage, "kernel", stat, "system_usec", 1000);
	copy_scaled(usage, "user", stat, "user_usec", 1000);
	copy_scaled(thr, "periods", stat, "nr_periods", 1);
	copy_scaled(thr, "throttled_periods", stat, "nr_throttled", 1);
	copy_scaled(thr, "throttled_time", stat, "throttled_usec", 1000);
	if (cpu1 != NULL) {
		v1stat = keyed_all(cpu1, "cpu.stat");
		copy_scaled(thr, "periods", v1stat, "nr_periods", 1);
		copy_scaled(thr, "throttled_periods", v1stat, "nr_throttled", 1);
		copy_scaled(thr, "throttled_time", v1stat, "throttled_time", 1);
		json_object_put(v1stat);
	}
	json_object_put(stat);
	json_object_object_add(cpu, "usage", usage);
	json_object_object_add(cpu, "throttling", thr);
	return cpu;
}

/* {usage, limit, max, failcnt} of a v1 memory twin, for prefix "memory"
 * ("memory.memsw", "memory.kmem"...). */
static json_object *v1_mem_entry(const char *dir, const char *prefix)
{
	json_object *e = json_object_new_object();
	char file[64];

	(void)snprintf(file, sizeof(file), "%s.usage_in_bytes", prefix);
	add_file(e, "usage", dir, file);
	(void)snprintf(file, sizeof(file), "%s.limit_in_bytes", prefix);
	add_file(e, "limit", dir, file);
	(void)snprintf(file, sizeof(file), "%s.max_usage_in_bytes", prefix);
	add_file(e, "max", dir, file);
	(void)snprintf(file, sizeof(file), "%s.failcnt", prefix);
	add_file(e, "failcnt", dir, file);
	return e;
}

static json_object *stats_memory(const char *v2, const char *rel)
{
	cleanup_free char *v1 = twin("memory", rel);
	json_object *mem = json_object_new_object(), *usage, *swap, *raw;

	if (v1 != NULL) {
		raw = keyed_all(v1, "memory.stat");
		json_object_object_add(mem, "usage", v1_mem_entry(v1, "memory"));
		json_object_object_add(mem, "swap", v1_mem_entry(v1, "memory.memsw"));
		json_object_object_add(mem, "kernel", v1_mem_entry(v1, "memory.kmem"));
		json_object_object_add(mem, "kernelTCP", v1_mem_entry(v1, "memory.kmem.tcp"));
		copy_scaled(mem, "cache", raw, "cache", 1);
	} else {
		raw = keyed_all(v2, "memory.stat");
		usage = json_object_new_object();
		add_file(usage, "usage", v2, "memory.current");
		add_file(usage, "limit", v2, "memory.max");
		add_file(usage, "max", v2, "memory.peak");
		swap = json_object_new_object();
		add_file(swap, "usage", v2, "memory.swap.current");
		add_file(swap, "limit", v2, "memory.swap.max");
		json_object_object_add(mem, "usage", usage);
		json_object_object_add(mem, "swap", swap);
		copy_scaled(mem, "cache", raw, "file", 1);
	}
	json_object_object_add(mem, "raw", raw);
	return mem;
}

static json_object *stats_pids(const char *v2, const char *rel)
{
	cleanup_free char *v1 = twin("pids", rel);
	const char *dir = v1 != NULL ? v1 : v2;
	json_object *pids = json_object_new_object(), *lim;

	add_file(pids, "current", dir, "pids.current");
	add_file(pids, "limit", dir, "pids.max");
	/* runc: no limit ("max") is 0 */
	if (json_object_object_get_ex(pids, "limit", &lim) &&
	    json_object_get_uint64(lim) == UINT64_MAX)
		json_object_object_add(pids, "limit", json_object_new_uint64(0));
	return pids;
}

int rt_container_stats(const char *state_root, const char *id, json_object **ret,
                       struct pp_error *err)
{
	struct rt_state st = {0};
	json_object *data;
	const char *rel;
	int r = rt_container_state(state_root, id, &st, err);

	if (r < 0)
		return r;
	rel = st.cgroup_path != NULL ? rt_cgroup_rel(st.cgroup_path) : NULL;
	if (st.status == RT_STATUS_STOPPED || rel == NULL) {
		rt_state_clear(&st);
		return pp_error_msg(err, EINVAL, "container '%s' is not running", id);
	}
	data = json_object_new_object();
	json_object_object_add(data, "cpu", stats_cpu(st.cgroup_path, rel));
	json_object_object_add(data, "memory", stats_memory(st.cgroup_path, rel));
	json_object_object_add(data, "pids", stats_pids(st.cgroup_path, rel));
	json_object_object_add(data, "blkio", json_object_new_object());
	json_object_object_add(data, "hugetlb", json_object_new_object());
	rt_state_clear(&st);
	*ret = data;
	return 0;
}
