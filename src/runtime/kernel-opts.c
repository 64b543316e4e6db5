/* SPDX-License-Identifier: Apache-2.0 */
/* The knobs of config.md and config-linux.md that are one syscall each in
 * the container's init before execve: linux.personality, linux.memoryPolicy,
 * process.scheduler and process.ioPriority. Parsed with field paths,
 * applied where the kernel has them (an error naming the field where it
 * has not). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <sys/personality.h>
#include <sys/syscall.h>

#include "runtime/internal.h"
#include "util/error.h"

#ifndef MPOL_WEIGHTED_INTERLEAVE
#define MPOL_WEIGHTED_INTERLEAVE 6
#endif

/* sched_setattr(2)'s argument (linux/sched/types.h clashes with sched.h). */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

struct named {
	const char *name;
	unsigned long value;
};

struct table {
	const struct named *v;
	size_t n;
};

#define TABLE(a) ((struct table){(a), N_OF(a)})

static int lookup(struct table t, const char *s, unsigned long *ret)
{
	for (size_t i = 0; i < t.n; i++) {
		if (strcmp(t.v[i].name, s) == 0) {
			*ret = t.v[i].value;
			return 0;
		}
	}
	return -EINVAL;
}

/* o.key, a string naming one of t, into *ret. 1 when set, 0 when absent. */
static int parse_named(json_object *o, const char *path, const char *key, struct table t,
                       unsigned long *ret, struct pp_error *err)
{
	json_object *v;
	int r = rt_json_member(o, path, key, json_type_string, &v, err);

	if (r <= 0)
		return r;
	if (lookup(t, json_object_get_string(v), ret) < 0)
		return pp_error_msg(err, EINVAL, "%s.%s: unknown value '%s'", path, key,
		                    json_object_get_string(v));
	return 1;
}

/* o.key, an array of names of t, OR-ed into *ret. */
static int parse_flags(json_object *o, const char *path, struct table t, unsigned long *ret,
                       struct pp_error *err)
{
	json_object *arr;
	int r = rt_json_member(o, path, "flags", json_type_array, &arr, err);

	for (size_t i = 0; r > 0 && i < json_object_array_length(arr); i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		unsigned long f;

		if (!json_object_is_type(e, json_type_string) ||
		    lookup(t, json_object_get_string(e), &f) < 0)
			return pp_error_msg(err, EINVAL, "%s.flags[%zu]: unknown flag '%s'", path,
			                    i, json_object_get_string(e));
		*ret |= f;
	}
	return r < 0 ? r : 0;
}

static int parse_u64(json_object *o, const char *path, const char *key, uint64_t *ret,
                     struct pp_error *err)
{
	json_object *v;
	int r = rt_json_member(o, path, key, json_type_int, &v, err);

	if (r > 0)
		*ret = (uint64_t)json_object_get_int64(v);
	return r;
}

static int parse_personality(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	static const struct named domains[] = {{"LINUX", PER_LINUX}, {"LINUX32", PER_LINUX32}};
	const char *p = "linux.personality";
	json_object *o;
	unsigned long d = 0, flags = 0;
	int r = rt_json_member(lx, "linux", "personality", json_type_object, &o, err);

	if (r <= 0)
		return r;
	r = parse_named(o, p, "domain", TABLE(domains), &d, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.domain: Required value", p);
	if (r > 0) /* the spec defines no flag yet */
		r = parse_flags(o, p, (struct table){NULL, 0}, &flags, err);
	if (r < 0)
		return r;
	c->has_personality = true;
	c->personality = d;
	return 0;
}

/* "0-3,7" into the bitmask nodes (RT_MAX_NUMA_NODES bits). */
static int parse_nodes(const char *s, unsigned long *nodes, struct pp_error *err)
{
	const char *p = s;

	while (*p != '\0') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			b = strtoul(p, &end, 10);
			if (end == p)
				goto bad;
		}
		if (b < a || b >= RT_MAX_NUMA_NODES)
			goto bad;
		for (unsigned long n = a; n <= b; n++)
			nodes[n / (8 * sizeof(long))] |= 1UL << (n % (8 * sizeof(long)));
		p = *end == ',' ? end + 1 : end;
		if (*end != ',' && *end != '\0')
			goto bad;
	}
	return 0;
bad:
	return pp_error_msg(err, EINVAL, "linux.memoryPolicy.nodes: invalid '%s'", s);
}

static int parse_mempolicy(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	static const struct named modes[] = {
	    {"MPOL_DEFAULT", MPOL_DEFAULT},
	    {"MPOL_PREFERRED", MPOL_PREFERRED},
	    {"MPOL_BIND", MPOL_BIND},
	    {"MPOL_INTERLEAVE", MPOL_INTERLEAVE},
	    {"MPOL_LOCAL", MPOL_LOCAL},
	    {"MPOL_PREFERRED_MANY", MPOL_PREFERRED_MANY},
	    {"MPOL_WEIGHTED_INTERLEAVE", MPOL_WEIGHTED_INTERLEAVE},
	};
	static const struct named flags[] = {
	    {"MPOL_F_NUMA_BALANCING", MPOL_F_NUMA_BALANCING},
	    {"MPOL_F_RELATIVE_NODES", MPOL_F_RELATIVE_NODES},
	    {"MPOL_F_STATIC_NODES", MPOL_F_STATIC_NODES},
	};
	const char *p = "linux.memoryPolicy";
	json_object *o, *v;
	unsigned long mode = 0, f = 0;
	int r = rt_json_member(lx, "linux", "memoryPolicy", json_type_object, &o, err);

	if (r <= 0)
		return r;
	r = parse_named(o, p, "mode", TABLE(modes), &mode, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.mode: Required value", p);
	if (r > 0)
		r = parse_flags(o, p, TABLE(flags), &f, err);
	if (r >= 0)
		r = rt_json_member(o, p, "nodes", json_type_string, &v, err);
	if (r > 0)
		r = parse_nodes(json_object_get_string(v), c->mempolicy_nodes, err);
	if (r < 0)
		return r;
	c->has_mempolicy = true;
	c->mempolicy_mode = (int)(mode | f);
	return 0;
}

static int parse_time_offsets(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	static const char *const clocks[] = {"monotonic", "boottime"};
	const char *p = "linux.timeOffsets";
	json_object *o;
	int r = rt_json_member(lx, "linux", "timeOffsets", json_type_object, &o, err);

	if (r <= 0)
		return r;
	if (!c->ns[RT_NS_TIME].enabled || c->ns[RT_NS_TIME].path != NULL)
		return pp_error_msg(err, EINVAL, "%s: needs a new 'time' namespace", p);
	json_object_object_foreach(o, k, v)
	{
		char path[64];
		size_t i = 0;
		uint64_t secs = 0, nsecs = 0;

		while (i < N_OF(clocks) && strcmp(k, clocks[i]) != 0)
			i++;
		if (i == N_OF(clocks))
			return pp_error_msg(err, EINVAL, "%s.%s: unknown clock", p, k);
		(void)snprintf(path, sizeof(path), "%s.%s", p, k);
		if (!json_object_is_type(v, json_type_object))
			return pp_error_msg(err, EINVAL, "%s: expected an object", path);
		r = parse_u64(v, path, "secs", &secs, err);
		if (r >= 0)
			r = parse_u64(v, path, "nanosecs", &nsecs, err);
		if (r < 0)
			return r;
		if (nsecs >= 1000000000)
			return pp_error_msg(err, EINVAL, "%s.nanosecs: must be below 1000000000",
			                    path);
		c->time_offsets[i][0] = (int64_t)secs;
		c->time_offsets[i][1] = (int64_t)nsecs;
	}
	c->has_time_offsets = true;
	return 0;
}

int rt_kopts_parse_linux(json_object *lx, struct rt_config *c, struct pp_error *err)
{
	int r = parse_personality(lx, c, err);

	if (r >= 0)
		r = parse_time_offsets(lx, c, err);
	return r < 0 ? r : parse_mempolicy(lx, c, err);
}

int rt_timens_setup(const struct rt_config *c, struct pp_error *err)
{
	char buf[128];
	int fd, n, r = 0;

	if (!c->ns[RT_NS_TIME].enabled || c->ns[RT_NS_TIME].path != NULL)
		return 0;
	if (unshare(CLONE_NEWTIME) < 0)
		return pp_error(err, errno, "new time namespace");
	n = snprintf(buf, sizeof(buf), "monotonic %lld %lld\nboottime %lld %lld\n",
	             (long long)c->time_offsets[0][0], (long long)c->time_offsets[0][1],
	             (long long)c->time_offsets[1][0], (long long)c->time_offsets[1][1]);
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)n) != n)
		r = pp_error(err, errno, "linux.timeOffsets: write /proc/self/timens_offsets");
	if (fd >= 0)
		(void)close(fd);
	if (r < 0)
		return r;
	fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWTIME) < 0)
		r = pp_error(err, errno, "enter the new time namespace");
	if (fd >= 0)
		(void)close(fd);
	return r;
}

int rt_kopts_apply_linux(const struct rt_config *c, struct pp_error *err)
{
	if (c->has_personality && personality(c->personality) < 0)
		return pp_error(err, errno, "linux.personality: set");
	if (c->has_mempolicy && syscall(SYS_set_mempolicy, c->mempolicy_mode, c->mempolicy_nodes,
	                                (unsigned long)RT_MAX_NUMA_NODES + 1) < 0)
		return pp_error(err, errno, "linux.memoryPolicy: set_mempolicy");
	return 0;
}

static int parse_scheduler(json_object *proc, struct rt_process *p, struct pp_error *err)
{
	static const struct named policies[] = {
	    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO}, {"SCHED_RR", SCHED_RR},
	    {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_ISO", 4},           {"SCHED_IDLE", SCHED_IDLE},
	    {"SCHED_DEADLINE", 6},
	};
	static const struct named flags[] = {
	    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
	    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
	    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
	    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
	};
	const char *path = "process.scheduler";
	json_object *o;
	unsigned long v = 0, f = 0;
	uint64_t nice = 0, prio = 0;
	int r = rt_json_member(proc, "process", "scheduler", json_type_object, &o, err);

	if (r <= 0)
		return r;
	r = parse_named(o, path, "policy", TABLE(policies), &v, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.policy: Required value", path);
	if (r > 0)
		r = parse_flags(o, path, TABLE(flags), &f, err);
	if (r >= 0)
		r = parse_u64(o, path, "nice", &nice, err);
	if (r >= 0)
		r = parse_u64(o, path, "priority", &prio, err);
	if (r >= 0)
		r = parse_u64(o, path, "runtime", &p->sched_runtime, err);
	if (r >= 0)
		r = parse_u64(o, path, "deadline", &p->sched_deadline, err);
	if (r >= 0)
		r = parse_u64(o, path, "period", &p->sched_period, err);
	p->has_sched = r >= 0;
	p->sched_policy = (uint32_t)v;
	p->sched_flags = f;
	p->sched_nice = (int32_t)nice;
	p->sched_priority = (uint32_t)prio;
	return r < 0 ? r : 0;
}

static int parse_ioprio(json_object *proc, struct rt_process *p, struct pp_error *err)
{
	static const struct named classes[] = {{"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
	                                       {"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
	                                       {"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE}};
	const char *path = "process.ioPriority";
	json_object *o;
	unsigned long cls = 0;
	uint64_t prio = 0;
	int r = rt_json_member(proc, "process", "ioPriority", json_type_object, &o, err);

	if (r <= 0)
		return r;
	r = parse_named(o, path, "class", TABLE(classes), &cls, err);
	if (r == 0)
		return pp_error_msg(err, EINVAL, "%s.class: Required value", path);
	if (r > 0)
		r = parse_u64(o, path, "priority", &prio, err);
	if (r < 0)
		return r;
	if (prio > 7)
		return pp_error_msg(err, EINVAL, "%s.priority: must be between 0 and 7", path);
	p->has_ioprio = true;
	p->ioprio = (int)IOPRIO_PRIO_VALUE(cls, prio);
	return 0;
}

int rt_kopts_parse_process(json_object *proc, struct rt_process *p, struct pp_error *err)
{
	int r = parse_scheduler(proc, p, err);

	return r < 0 ? r : parse_ioprio(proc, p, err);
}

int rt_kopts_apply_process(const struct rt_process *p, struct pp_error *err)
{
	if (p->has_sched) {
		struct sched_attr a = {
		    .size = sizeof(a),
		    .sched_policy = p->sched_policy,
		    .sched_flags = p->sched_flags,
		    .sched_nice = p->sched_nice,
		    .sched_priority = p->sched_priority,
		    .sched_runtime = p->sched_runtime,
		    .sched_deadline = p->sched_deadline,
		    .sched_period = p->sched_period,
		};

		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			return pp_error(err, errno, "process.scheduler: sched_setattr");
	}
	if (p->has_ioprio && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, p->ioprio) < 0)
		return pp_error(err, errno, "process.ioPriority: ioprio_set");
	return 0;
}
