/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v1 twins on a hybrid host: the container's processes also go into
 * the pids, freezer and devices hierarchies (memory too when the unified
 * one cannot account it, cpu when limits need them) at the same path, and pids/memory/cpu limits
 * land there when the unified hierarchy lacks those controllers; the device rules always do. All
 * best effort but the limits and the devices twin. */
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

static const char *const twins[] = {"pids", "freezer", "memory", "cpu", "devices"};

#define N_TWINS (sizeof(twins) / sizeof(twins[0]))

static bool needed(const char *ctrl, const struct rt_config *cfg)
{
	if (strcmp(ctrl, "cpu") == 0)
		return cfg != NULL && (cfg->cpu_shares || cfg->cpu_quota || cfg->cpu_period) &&
		       !rt_cgroup_v2_has_controller(rt_cgroup_v2_root(), "cpu");
	/* memory: also without a limit, for the usage (top pod, the OOM
	 * counter) when the unified hierarchy cannot account memory */
	if (strcmp(ctrl, "memory") != 0)
		return true;
	return !rt_cgroup_v2_has_controller(rt_cgroup_v2_root(), "memory");
}

/* cpu.shares, cpu.cfs_period_us then cpu.cfs_quota_us (-1: no quota), as
 * runc's v1 cpu group does. */
static int set_cpu(const char *dir, const struct rt_config *cfg, struct pp_error *err)
{
	char buf[32];
	int r = 0;

	if (cfg->cpu_shares) {
		(void)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cfg->cpu_shares);
		r = rt_cgroup_write(dir, "cpu.shares", buf, err);
		if (r < 0)
			return pp_error_prefix(err, r, "linux.resources.cpu.shares");
	}
	if (cfg->cpu_period) {
		(void)snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cfg->cpu_period);
		r = rt_cgroup_write(dir, "cpu.cfs_period_us", buf, err);
		if (r < 0)
			return pp_error_prefix(err, r, "linux.resources.cpu.period");
	}
	if (cfg->cpu_quota) {
		(void)snprintf(buf, sizeof(buf), "%lld",
		               (long long)(cfg->cpu_quota < 0 ? -1 : cfg->cpu_quota));
		r = rt_cgroup_write(dir, "cpu.cfs_quota_us", buf, err);
		if (r < 0)
			return pp_error_prefix(err, r, "linux.resources.cpu.quota");
	}
	return 0;
}

static int set_limit(const char *dir, const char *ctrl, const struct rt_config *cfg,
                     struct pp_error *err)
{
	char buf[32];
	int r = 0;

	if (strcmp(ctrl, "pids") == 0 && cfg->pids_limit != 0 &&
	    !rt_cgroup_v2_has_controller(rt_cgroup_v2_root(), "pids")) {
		if (cfg->pids_limit < 0)
			(void)snprintf(buf, sizeof(buf), "max");
		else
			(void)snprintf(buf, sizeof(buf), "%lld", (long long)cfg->pids_limit);
		r = rt_cgroup_write(dir, "pids.max", buf, err);
		if (r < 0)
			return pp_error_prefix(err, r, "linux.resources.pids.limit");
	}
	if (strcmp(ctrl, "memory") == 0 && cfg->memory_limit != 0) {
		(void)snprintf(buf, sizeof(buf), "%lld",
		               (long long)(cfg->memory_limit < 0 ? -1 : cfg->memory_limit));
		r = rt_cgroup_write(dir, "memory.limit_in_bytes", buf, err);
		if (r < 0)
			return pp_error_prefix(err, r, "linux.resources.memory.limit");
	}
	if (strcmp(ctrl, "cpu") == 0)
		return set_cpu(dir, cfg, err);
	return 0;
}

static int v1_create(const char *rel, const struct rt_config *cfg, struct pp_error *err)
{
	for (size_t i = 0; i < N_TWINS; i++) {
		cleanup_free char *base = xstrfmt("/sys/fs/cgroup/%s", twins[i]);
		cleanup_free char *dir = NULL;
		int r;

		if (!needed(twins[i], cfg) || access(base, F_OK) < 0)
			continue;
		dir = xstrfmt("%s%s", base, rel);
		r = fs_mkdir_p(dir, 0755, err);
		if (r < 0)
			return r;
		if (cfg != NULL) {
			r = set_limit(dir, twins[i], cfg, err);
			if (r < 0)
				return r;
		}
	}
	return cfg != NULL && !cfg->limits_only ? rt_cgroup_devices_v1(rel, cfg, err) : 0;
}

static int v1_enter(const char *rel, pid_t pid, struct pp_error *err)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < N_TWINS; i++) {
		cleanup_free char *dir = xstrfmt("/sys/fs/cgroup/%s%s", twins[i], rel);

		if (access(dir, F_OK) < 0)
			continue;
		/* The devices twin holds the device rules: joining it is not
		 * optional. */
		if (strcmp(twins[i], "devices") == 0) {
			int r = rt_cgroup_write(dir, "cgroup.procs", buf, err);

			if (r < 0)
				return r;
			continue;
		}
		(void)rt_cgroup_write(dir, "cgroup.procs", buf, NULL);
	}
	return 0;
}

static int v1_destroy(const char *rel, struct pp_error *err)
{
	int r = 0;

	for (size_t i = 0; i < N_TWINS; i++) {
		cleanup_free char *dir = xstrfmt("/sys/fs/cgroup/%s%s", twins[i], rel);

		if (rmdir(dir) < 0 && errno != ENOENT && r == 0)
			r = pp_error(err, errno, "remove cgroup '%s'", dir);
	}
	return r;
}

const struct rt_cgroup_ops rt_cgroup_v1_ops = {
    .name = "v1",
    .create = v1_create,
    .enter = v1_enter,
    .destroy = v1_destroy,
};
