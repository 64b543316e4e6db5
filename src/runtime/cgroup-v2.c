/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v2 backend: folder creation with the controllers a container's
 * limits need enabled down the path, limits (pids.max, memory.max,
 * cpu.weight, cpu.max), membership and removal. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

bool rt_cgroup_v2_has_controller(const char *dir, const char *controller)
{
	cleanup_free char *path = xstrfmt("%s/cgroup.controllers", dir);
	cleanup_free char *buf = NULL;
	size_t n = strlen(controller);

	if (fs_read_all(path, 4096, &buf, NULL, NULL) < 0)
		return false;
	for (char *p = buf; (p = strstr(p, controller)) != NULL; p += n)
		if ((p == buf || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* Controllers needed by cfg's limits, as a NULL-terminated list. */
static void wanted_controllers(const struct rt_config *cfg, const char *ret[4])
{
	size_t n = 0;

	if (cfg != NULL && cfg->pids_limit != 0)
		ret[n++] = "pids";
	if (cfg != NULL && cfg->memory_limit != 0)
		ret[n++] = "memory";
	if (cfg != NULL && (cfg->cpu_shares || cfg->cpu_quota || cfg->cpu_period))
		ret[n++] = "cpu";
	ret[n] = NULL;
}

/* mkdir every component of rel, enabling wanted controllers in each
 * parent's cgroup.subtree_control when the parent has them. */
static int make_path(const char *rel, const char *const *ctrls, struct pp_error *err)
{
	const char *root = rt_cgroup_v2_root();
	cleanup_free char *dir = xstrfmt("%s%s", root, rel);
	size_t rootlen = strlen(root);

	for (char *s = dir + rootlen + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		/* dir is now a child; its parent is everything before the last '/' */
		char *slash = strrchr(dir, '/');

		*slash = '\0';
		for (size_t i = 0; ctrls[i] != NULL; i++) {
			cleanup_free char *v = xstrfmt("+%s", ctrls[i]);

			if (rt_cgroup_v2_has_controller(dir, ctrls[i]))
				(void)rt_cgroup_write(dir, "cgroup.subtree_control", v, NULL);
		}
		*slash = '/';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return pp_error(err, errno, "create cgroup '%s'", dir);
		*s = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static int write_limit(const char *dir, const char *file, const char *field, int64_t v,
                       struct pp_error *err)
{
	char buf[32];
	int r;

	if (v < 0)
		(void)snprintf(buf, sizeof(buf), "max");
	else
		(void)snprintf(buf, sizeof(buf), "%lld", (long long)v);
	r = rt_cgroup_write(dir, file, buf, err);
	return r < 0 ? pp_error_prefix(err, r, "%s", field) : 0;
}

static int apply_cpu(const char *dir, const struct rt_config *cfg)
{
	char buf[64];

	/* Best effort, as containerd always sets shares: weight per the
	 * runtime-spec conversion of shares (2..262144) to weight (1..10000). */
	if (cfg->cpu_shares) {
		uint64_t s = cfg->cpu_shares < 2        ? 2
		             : cfg->cpu_shares > 262144 ? 262144
		                                        : cfg->cpu_shares;

		(void)snprintf(buf, sizeof(buf), "%llu",
		               (unsigned long long)(1 + ((s - 2) * 9999) / 262142));
		(void)rt_cgroup_write(dir, "cpu.weight", buf, NULL);
	}
	if (cfg->cpu_quota || cfg->cpu_period) {
		if (cfg->cpu_quota > 0)
			(void)snprintf(
			    buf, sizeof(buf), "%lld %llu", (long long)cfg->cpu_quota,
			    (unsigned long long)(cfg->cpu_period ? cfg->cpu_period : 100000));
		else
			(void)snprintf(
			    buf, sizeof(buf), "max %llu",
			    (unsigned long long)(cfg->cpu_period ? cfg->cpu_period : 100000));
		(void)rt_cgroup_write(dir, "cpu.max", buf, NULL);
	}
	return 0;
}

static bool has_file(const char *dir, const char *file)
{
	cleanup_free char *p = xstrfmt("%s/%s", dir, file);

	return access(p, F_OK) == 0;
}

static int v2_create(const char *rel, const struct rt_config *cfg, struct pp_error *err)
{
	const char *ctrls[4];
	cleanup_free char *dir = xstrfmt("%s%s", rt_cgroup_v2_root(), rel);
	bool hybrid = rt_cgroup_layout() == RT_CGROUP_HYBRID;
	int r;

	wanted_controllers(cfg, ctrls);
	r = make_path(rel, ctrls, err);
	if (r < 0 || cfg == NULL)
		return r;
	/* On a hybrid host the v1 backend sets what v2 lacks. */
	if (cfg->pids_limit && has_file(dir, "pids.max"))
		r = write_limit(dir, "pids.max", "linux.resources.pids.limit", cfg->pids_limit,
		                err);
	else if (cfg->pids_limit && !hybrid)
		r = pp_error_msg(err, ENOTSUP, "linux.resources.pids.limit: no pids controller");
	if (r >= 0 && cfg->memory_limit && has_file(dir, "memory.max"))
		r = write_limit(dir, "memory.max", "linux.resources.memory.limit",
		                cfg->memory_limit, err);
	else if (r >= 0 && cfg->memory_limit && !hybrid)
		r = pp_error_msg(err, ENOTSUP,
		                 "linux.resources.memory.limit: no memory controller");
	if (r >= 0)
		r = apply_cpu(dir, cfg);
	if (r >= 0 && !cfg->limits_only && !rt_cgroup_devices_v1_mounted())
		r = rt_cgroup_devices_bpf(dir, cfg, err);
	if (r < 0)
		(void)rmdir(dir);
	return r;
}

static int v2_enter(const char *rel, pid_t pid, struct pp_error *err)
{
	cleanup_free char *dir = xstrfmt("%s%s", rt_cgroup_v2_root(), rel);
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%d", (int)pid);
	return rt_cgroup_write(dir, "cgroup.procs", buf, err);
}

static int v2_destroy(const char *rel, struct pp_error *err)
{
	cleanup_free char *dir = xstrfmt("%s%s", rt_cgroup_v2_root(), rel);

	if (rmdir(dir) < 0 && errno != ENOENT)
		return pp_error(err, errno, "remove cgroup '%s'", dir);
	return 0;
}

const struct rt_cgroup_ops rt_cgroup_v2_ops = {
    .name = "v2",
    .create = v2_create,
    .enter = v2_enter,
    .destroy = v2_destroy,
};
