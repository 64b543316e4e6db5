/* SPDX-License-Identifier: Apache-2.0 */
/* A container's cgroup counters as runc's `events --stats` "data" object
 * (libcontainer types/events.go: cpu, memory, pids, blkio, hugetlb), read
 * from the v1 hierarchies of a hybrid host or the v2 folder, which is what
 * podman stats and ctr task metrics read; and linux.resources applied to a
 * running container (runc update). */
#include <dirent.h>
#include <errno.h>
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

/* USER_HZ ticks of cpuacct.stat to nanoseconds. */
#define TICK_NS (1000000000ULL / 100)

uint64_t rt_cgroup_num(const char *dir, const char *file, bool *ret_found)
{
	cleanup_free char *buf = NULL;

	if (ret_found != NULL)
		*ret_found = false;
	if (rt_cgroup_read(dir, file, &buf) < 0)
		return 0;
	if (ret_found != NULL)
		*ret_found = true;
	if (strncmp(buf, "max", 3) == 0)
		return UINT64_MAX;
	return strtoull(buf, NULL, 10);
}

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

/* Call fn(line, into) for each line of dir/file; returns into. */
static json_object *each_line(const char *dir, const char *file, json_object *into,
                              void (*fn)(char *line, json_object *into))
{
	cleanup_free char *buf = NULL;
	char *save = NULL;

	if (rt_cgroup_read(dir, file, &buf) < 0)
		return into;
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		fn(l, into);
	return into;
}

/* "key N" into o. */
static void keyed_line(char *l, json_object *o)
{
	char *sp = strchr(l, ' ');

	if (sp == NULL)
		return;
	*sp = '\0';
	add_u64(o, l, strtoull(sp + 1, NULL, 10));
}

static json_object *cpu_v1(const char *rel)
{
	bool v1;
	cleanup_free char *acct = rt_cgroup_ctrl_dir(rel, "cpuacct", NULL, &v1);
	cleanup_free char *cpu = rt_cgroup_ctrl_dir(rel, "cpu", NULL, &v1);
	cleanup_free char *stat = acct ? xstrfmt("%s/cpuacct.stat", acct) : NULL;
	cleanup_free char *pc = acct ? xstrfmt("%s/cpuacct.usage_percpu", acct) : NULL;
	cleanup_free char *buf = NULL;
	json_object *usage = json_object_new_object(), *thr = json_object_new_object();
	json_object *cpuo = json_object_new_object(), *percpu = json_object_new_array();

	add_u64(usage, "total", rt_cgroup_num(acct, "cpuacct.usage", NULL));
	if (pc != NULL && fs_read_all(pc, 4096, &buf, NULL, NULL) == 0)
		for (char *p = buf, *end = NULL;; p = end) {
			uint64_t v = strtoull(p, &end, 10);

			if (end == p)
				break;
			json_object_array_add(percpu, json_object_new_uint64(v));
		}
	json_object_object_add(usage, "percpu", percpu);
	add_u64(usage, "kernel", stat ? rt_cgroup_keyed(stat, "system", NULL) * TICK_NS : 0);
	add_u64(usage, "user", stat ? rt_cgroup_keyed(stat, "user", NULL) * TICK_NS : 0);
	if (cpu != NULL) {
		cleanup_free char *cs = xstrfmt("%s/cpu.stat", cpu);

		add_u64(thr, "periods", rt_cgroup_keyed(cs, "nr_periods", NULL));
		add_u64(thr, "throttledPeriods", rt_cgroup_keyed(cs, "nr_throttled", NULL));
		add_u64(thr, "throttledTime", rt_cgroup_keyed(cs, "throttled_time", NULL));
	}
	json_object_object_add(cpuo, "usage", usage);
	json_object_object_add(cpuo, "throttling", thr);
	return cpuo;
}

static json_object *cpu_v2(const char *dir)
{
	cleanup_free char *cs = xstrfmt("%s/cpu.stat", dir);
	json_object *usage = json_object_new_object(), *thr = json_object_new_object();
	json_object *cpuo = json_object_new_object();

	add_u64(usage, "total", rt_cgroup_keyed(cs, "usage_usec", NULL) * 1000);
	add_u64(usage, "kernel", rt_cgroup_keyed(cs, "system_usec", NULL) * 1000);
	add_u64(usage, "user", rt_cgroup_keyed(cs, "user_usec", NULL) * 1000);
	add_u64(thr, "periods", rt_cgroup_keyed(cs, "nr_periods", NULL));
	add_u64(thr, "throttledPeriods", rt_cgroup_keyed(cs, "nr_throttled", NULL));
	add_u64(thr, "throttledTime", rt_cgroup_keyed(cs, "throttled_usec", NULL) * 1000);
	json_object_object_add(cpuo, "usage", usage);
	json_object_object_add(cpuo, "throttling", thr);
	return cpuo;
}

/* {limit, usage, max, failcnt} of one v1 memory prefix ("memory",
 * "memory.memsw", "memory.kmem", "memory.kmem.tcp"). */
static json_object *mem_entry_v1(const char *dir, const char *prefix)
{
	static const char *const files[][2] = {{"limit", "limit_in_bytes"},
	                                       {"usage", "usage_in_bytes"},
	                                       {"max", "max_usage_in_bytes"},
	                                       {"failcnt", "failcnt"}};
	json_object *e = json_object_new_object();

	for (size_t i = 0; i < 4; i++) {
		cleanup_free char *f = xstrfmt("%s.%s", prefix, files[i][1]);

		add_u64(e, files[i][0], rt_cgroup_num(dir, f, NULL));
	}
	return e;
}

/* {limit, usage, max, failcnt} of a v2 prefix ("memory", "memory.swap"):
 * current, max, peak (where the kernel has it), events "max". */
static json_object *mem_entry_v2(const char *dir, const char *prefix)
{
	cleanup_free char *cur = xstrfmt("%s.current", prefix);
	cleanup_free char *max = xstrfmt("%s.max", prefix);
	cleanup_free char *peak = xstrfmt("%s.peak", prefix);
	cleanup_free char *ev = xstrfmt("%s/%s.events", dir, prefix);
	json_object *e = json_object_new_object();

	add_u64(e, "limit", rt_cgroup_num(dir, max, NULL));
	add_u64(e, "usage", rt_cgroup_num(dir, cur, NULL));
	add_u64(e, "max", rt_cgroup_num(dir, peak, NULL));
	add_u64(e, "failcnt", rt_cgroup_keyed(ev, "max", NULL));
	return e;
}

/* v2 swap as v1's memsw, memory and swap combined, as runc reports it. */
static json_object *swap_v2(const char *dir, json_object *mem)
{
	json_object *e = mem_entry_v2(dir, "memory.swap");
	uint64_t lim = json_object_get_uint64(json_object_object_get(e, "limit"));
	uint64_t mlim = json_object_get_uint64(json_object_object_get(mem, "limit"));

	add_u64(e, "usage",
	        json_object_get_uint64(json_object_object_get(e, "usage")) +
	            json_object_get_uint64(json_object_object_get(mem, "usage")));
	if (lim != UINT64_MAX && mlim != UINT64_MAX)
		add_u64(e, "limit", lim + mlim);
	return e;
}

static json_object *memory(const char *rel)
{
	bool v1;
	cleanup_free char *dir = rt_cgroup_ctrl_dir(rel, "memory", "memory", &v1);
	json_object *m = json_object_new_object(), *raw;

	if (dir == NULL)
		return m;
	raw = each_line(dir, "memory.stat", json_object_new_object(), keyed_line);
	add_u64(m, "cache",
	        json_object_get_uint64(json_object_object_get(raw, v1 ? "cache" : "file")));
	json_object_object_add(m, "usage",
	                       v1 ? mem_entry_v1(dir, "memory") : mem_entry_v2(dir, "memory"));
	json_object_object_add(m, "swap",
	                       v1 ? mem_entry_v1(dir, "memory.memsw")
	                          : swap_v2(dir, json_object_object_get(m, "usage")));
	if (v1) {
		json_object_object_add(m, "kernel", mem_entry_v1(dir, "memory.kmem"));
		json_object_object_add(m, "kernelTCP", mem_entry_v1(dir, "memory.kmem.tcp"));
	}
	json_object_object_add(m, "raw", raw);
	return m;
}

static json_object *pids(const char *rel)
{
	bool v1, found;
	cleanup_free char *dir = rt_cgroup_ctrl_dir(rel, "pids", "pids", &v1);
	json_object *p = json_object_new_object();
	uint64_t max;

	add_u64(p, "current", rt_cgroup_num(dir, "pids.current", NULL));
	max = rt_cgroup_num(dir, "pids.max", &found);
	add_u64(p, "limit", max == UINT64_MAX ? 0 : max);
	return p;
}

static json_object *blkio_entry(const char *dev, const char *op, uint64_t v)
{
	json_object *e = json_object_new_object();
	char *colon = NULL;

	add_u64(e, "major", strtoull(dev, &colon, 10));
	add_u64(e, "minor", *colon == ':' ? strtoull(colon + 1, NULL, 10) : 0);
	json_object_object_add(e, "op", json_object_new_string(op));
	add_u64(e, "value", v);
	return e;
}

/* A v1 "MAJ:MIN Op N" line into arr (the "Total N" summary left out). */
static void blkio_v1_line(char *l, json_object *arr)
{
	char *save = NULL, *dev = strtok_r(l, " ", &save), *op = strtok_r(NULL, " ", &save);
	char *v = strtok_r(NULL, " ", &save);

	if (dev != NULL && op != NULL && v != NULL)
		json_object_array_add(arr, blkio_entry(dev, op, strtoull(v, NULL, 10)));
}

/* A v2 io.stat line "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." into
 * runc's two lists of b. */
static void io_v2_line(char *l, json_object *b)
{
	static const char *const keys[][3] = {
	    {"rbytes=", "Read", "ioServiceBytesRecursive"},
	    {"wbytes=", "Write", "ioServiceBytesRecursive"},
	    {"rios=", "Read", "ioServicedRecursive"},
	    {"wios=", "Write", "ioServicedRecursive"},
	};
	char *save = NULL, *dev = strtok_r(l, " ", &save);

	for (char *t = strtok_r(NULL, " ", &save); dev && t; t = strtok_r(NULL, " ", &save))
		for (size_t k = 0; k < 4; k++)
			if (strncmp(t, keys[k][0], strlen(keys[k][0])) == 0)
				json_object_array_add(
				    json_object_object_get(b, keys[k][2]),
				    blkio_entry(dev, keys[k][1],
				                strtoull(t + strlen(keys[k][0]), NULL, 10)));
}

static json_object *blkio(const char *rel)
{
	bool v1;
	cleanup_free char *dir = rt_cgroup_ctrl_dir(rel, "blkio", "io", &v1);
	json_object *b = json_object_new_object();

	if (dir == NULL)
		return b;
	if (!v1) {
		json_object_object_add(b, "ioServiceBytesRecursive", json_object_new_array());
		json_object_object_add(b, "ioServicedRecursive", json_object_new_array());
		return each_line(dir, "io.stat", b, io_v2_line);
	}
	json_object_object_add(b, "ioServiceBytesRecursive",
	                       each_line(dir, "blkio.throttle.io_service_bytes_recursive",
	                                 json_object_new_array(), blkio_v1_line));
	json_object_object_add(b, "ioServicedRecursive",
	                       each_line(dir, "blkio.throttle.io_serviced_recursive",
	                                 json_object_new_array(), blkio_v1_line));
	return b;
}

/* "hugepages-2048kB" as the cgroup's size name "2MB". */
static void page_size_name(const char *dirent, char *buf, size_t size)
{
	unsigned long long kb = strtoull(dirent + strlen("hugepages-"), NULL, 10);

	if (kb >= 1024ULL * 1024 && kb % (1024ULL * 1024) == 0)
		(void)snprintf(buf, size, "%lluGB", kb / (1024ULL * 1024));
	else if (kb >= 1024 && kb % 1024 == 0)
		(void)snprintf(buf, size, "%lluMB", kb / 1024);
	else
		(void)snprintf(buf, size, "%lluKB", kb);
}

/* {usage, max, failcnt} of one page size: v1 usage_in_bytes,
 * max_usage_in_bytes, failcnt; v2 current and events "max". */
static json_object *hugetlb_size(const char *dir, const char *name, bool v1)
{
	cleanup_free char *use = xstrfmt("hugetlb.%s.%s", name, v1 ? "usage_in_bytes" : "current");
	cleanup_free char *max = xstrfmt("hugetlb.%s.max_usage_in_bytes", name);
	cleanup_free char *fail = xstrfmt("hugetlb.%s.failcnt", name);
	cleanup_free char *ev = xstrfmt("%s/hugetlb.%s.events", dir, name);
	json_object *s = json_object_new_object();

	add_u64(s, "usage", rt_cgroup_num(dir, use, NULL));
	add_u64(s, "max", v1 ? rt_cgroup_num(dir, max, NULL) : 0);
	add_u64(s, "failcnt",
	        v1 ? rt_cgroup_num(dir, fail, NULL) : rt_cgroup_keyed(ev, "max", NULL));
	return s;
}

static json_object *hugetlb(const char *rel)
{
	bool v1;
	cleanup_free char *dir = rt_cgroup_ctrl_dir(rel, "hugetlb", "hugetlb", &v1);
	cleanup_dir DIR *d = opendir("/sys/kernel/mm/hugepages");
	json_object *h = json_object_new_object();
	struct dirent *e;

	while (dir != NULL && d != NULL && (e = readdir(d)) != NULL) {
		char name[32];

		if (strncmp(e->d_name, "hugepages-", 10) != 0)
			continue;
		page_size_name(e->d_name, name, sizeof(name));
		json_object_object_add(h, name, hugetlb_size(dir, name, v1));
	}
	return h;
}

int rt_container_stats(const char *state_root, const char *id, json_object **ret,
                       struct pp_error *err)
{
	cleanup_free char *rel = NULL, *bundle = NULL;
	cleanup_free char *acct = NULL, *v2 = NULL;
	json_object *data;
	bool v1 = false;
	int r = rt_container_cgroup(state_root, id, &rel, &bundle, err);

	if (r < 0)
		return r;
	/* v2's cpu.stat has the usage even without the cpu controller */
	acct = rt_cgroup_ctrl_dir(rel, "cpuacct", NULL, &v1);
	v2 = xstrfmt("%s%s", rt_cgroup_v2_root(), rel);
	data = json_object_new_object();
	json_object_object_add(data, "cpu", acct != NULL ? cpu_v1(rel) : cpu_v2(v2));
	json_object_object_add(data, "memory", memory(rel));
	json_object_object_add(data, "pids", pids(rel));
	json_object_object_add(data, "blkio", blkio(rel));
	json_object_object_add(data, "hugetlb", hugetlb(rel));
	*ret = data;
	return 0;
}

int rt_container_update(const char *state_root, const char *id, json_object *resources,
                        struct pp_error *err)
{
	cleanup_free char *rel = NULL, *bundle = NULL;
	int r = rt_container_cgroup(state_root, id, &rel, &bundle, err);

	if (r < 0)
		return r;
	if (!json_object_is_type(resources, json_type_object))
		return pp_error_msg(err, EINVAL, "linux.resources: expected an object");
	return rt_cgroup_apply(rel, resources, err);
}
