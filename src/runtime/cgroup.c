/* SPDX-License-Identifier: Apache-2.0 */
/* cgroups: layout detection, and the container-level operations (create,
 * enter, kill, wait, destroy) over the v2 and v1 backends. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <sys/statfs.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

enum rt_cgroup_layout rt_cgroup_layout(void)
{
	struct statfs fs;

	if (statfs(CGROUP_ROOT, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return RT_CGROUP_UNIFIED;
	if (statfs(CGROUP_ROOT "/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return RT_CGROUP_HYBRID;
	return RT_CGROUP_LEGACY;
}

const char *rt_cgroup_v2_root(void)
{
	return rt_cgroup_layout() == RT_CGROUP_UNIFIED ? CGROUP_ROOT : CGROUP_ROOT "/unified";
}

int rt_cgroup_write(const char *dir, const char *file, const char *value, struct pp_error *err)
{
	cleanup_free char *path = xstrfmt("%s/%s", dir, file);
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return pp_error(err, errno, "open '%s'", path);
	if (write(fd, value, strlen(value)) < 0)
		return pp_error(err, errno, "write '%s' to '%s'", value, path);
	return 0;
}

int rt_cgroup_read(const char *dir, const char *file, char **ret)
{
	cleanup_free char *path = NULL;

	*ret = NULL;
	if (dir == NULL)
		return -ENOENT;
	path = xstrfmt("%s/%s", dir, file);
	return fs_read_all(path, 65536, ret, NULL, NULL);
}

int rt_cgroup_put(const char *dir, const char *file, const char *field, struct pp_error *err,
                  const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int r;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r = rt_cgroup_write(dir, file, buf, err);
	return r < 0 ? pp_error_prefix(err, r, "%s", field) : 0;
}

/* rel from an absolute v2 folder, or NULL when path is not under the root. */
static const char *rel_of(const char *path)
{
	const char *root = rt_cgroup_v2_root();
	size_t n = strlen(root);

	if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return NULL;
	return path[n] ? path + n : "/";
}

static int validate_rel(const char *p, struct pp_error *err)
{
	if (strchr(p, ':') != NULL)
		return pp_error_msg(
		    err, EINVAL,
		    "linux.cgroupsPath: '%s': the systemd cgroup driver is not supported", p);
	if (strstr(p, "/../") || strncmp(p, "../", 3) == 0 || strcmp(p, "..") == 0 ||
	    (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0) || strlen(p) > 4096)
		return pp_error_msg(err, EINVAL, "linux.cgroupsPath: invalid path '%s'", p);
	return 0;
}

int rt_cgroup_create(const char *cgroups_path, const struct rt_config *cfg, char **ret_path,
                     struct pp_error *err)
{
	enum rt_cgroup_layout layout = rt_cgroup_layout();
	cleanup_free char *rel = NULL;
	int r;

	if (layout == RT_CGROUP_LEGACY)
		return pp_error_msg(err, ENOTSUP, "cgroup v1-only hosts are not supported");
	r = validate_rel(cgroups_path, err);
	if (r < 0)
		return r;
	rel = xstrfmt("%s%s", cgroups_path[0] == '/' ? "" : "/", cgroups_path);
	if (layout == RT_CGROUP_HYBRID) {
		r = rt_cgroup_v1_ops.create(rel, cfg, err);
		if (r < 0)
			return r;
	}
	r = rt_cgroup_v2_ops.create(rel, cfg, err);
	if (r >= 0 && cfg != NULL)
		r = rt_cgroup_apply(rel, cfg->resources, err);
	if (r < 0) {
		(void)rt_cgroup_v2_ops.destroy(rel, NULL);
		if (layout == RT_CGROUP_HYBRID)
			(void)rt_cgroup_v1_ops.destroy(rel, NULL);
		return r;
	}
	*ret_path = xstrfmt("%s%s", rt_cgroup_v2_root(), rel);
	return 0;
}

/* lim as a linux.resources object (0: unset). */
static json_object *limits_json(const struct rt_cgroup_limits *lim)
{
	json_object *res = json_object_new_object(), *cpu = json_object_new_object();

	if (lim->memory_limit) {
		json_object *mem = json_object_new_object();

		json_object_object_add(mem, "limit", json_object_new_int64(lim->memory_limit));
		json_object_object_add(res, "memory", mem);
	}
	if (lim->cpu_shares)
		json_object_object_add(cpu, "shares",
		                       json_object_new_int64((int64_t)lim->cpu_shares));
	if (lim->cpu_quota)
		json_object_object_add(cpu, "quota", json_object_new_int64(lim->cpu_quota));
	if (lim->cpu_period)
		json_object_object_add(cpu, "period",
		                       json_object_new_int64((int64_t)lim->cpu_period));
	json_object_object_add(res, "cpu", cpu);
	return res;
}

int rt_cgroup_setup(const char *cgroups_path, const struct rt_cgroup_limits *lim,
                    struct pp_error *err)
{
	struct rt_config cfg = {
	    .resources = limits_json(lim),
	    .limits_only = true,
	};
	cleanup_free char *path = NULL;
	int r = rt_cgroup_create(cgroups_path, &cfg, &path, err);

	json_object_put(cfg.resources);
	return r;
}

int rt_cgroup_enter(const char *path, pid_t pid, struct pp_error *err)
{
	const char *rel = rel_of(path);
	int r;

	if (rel == NULL)
		return pp_error_msg(err, EINVAL, "cgroup '%s' is not under '%s'", path,
		                    rt_cgroup_v2_root());
	r = rt_cgroup_v2_ops.enter(rel, pid, err);
	if (r >= 0 && rt_cgroup_layout() == RT_CGROUP_HYBRID)
		r = rt_cgroup_v1_ops.enter(rel, pid, err);
	return r;
}

static int read_procs(const char *path, pid_t **ret, size_t *ret_n, struct pp_error *err)
{
	cleanup_free char *file = xstrfmt("%s/cgroup.procs", path);
	cleanup_fclose FILE *f = fopen(file, "re");
	pid_t *pids = NULL;
	size_t n = 0;
	char line[32];

	if (f == NULL)
		return pp_error(err, errno, "open '%s'", file);
	while (fgets(line, sizeof(line), f) != NULL) {
		long pid = strtol(line, NULL, 10);

		if (pid <= 0)
			continue;
		pids = xrealloc(pids, (n + 1) * sizeof(pid_t));
		pids[n++] = (pid_t)pid;
	}
	*ret = pids;
	*ret_n = n;
	return 0;
}

int rt_cgroup_kill(const char *path, int sig, struct pp_error *err)
{
	cleanup_free pid_t *pids = NULL;
	cleanup_free char *killf = xstrfmt("%s/cgroup.kill", path);
	size_t n = 0;
	int r;

	if (sig == SIGKILL && access(killf, F_OK) == 0)
		return rt_cgroup_write(path, "cgroup.kill", "1", err);
	r = read_procs(path, &pids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return pp_error(err, errno, "kill %d", (int)pids[i]);
	return 0;
}

int rt_cgroup_populated(const char *path, struct pp_error *err)
{
	cleanup_free char *file = xstrfmt("%s/cgroup.events", path);
	cleanup_free char *buf = NULL;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;
	int r;

	if (access(path, F_OK) < 0)
		return 0;
	if (fs_read_all(file, 4096, &buf, NULL, NULL) == 0) {
		if (strstr(buf, "populated 0"))
			return 0;
		if (strstr(buf, "populated 1"))
			return 1;
	}
	r = read_procs(path, &pids, &n, err);
	if (r < 0)
		return r;
	return n > 0;
}

int rt_cgroup_destroy(const char *path, int timeout_ms, struct pp_error *err)
{
	const char *rel = rel_of(path);
	struct timespec ts = {.tv_nsec = 10L * 1000 * 1000};
	int r;

	if (rel == NULL)
		return pp_error_msg(err, EINVAL, "cgroup '%s' is not under '%s'", path,
		                    rt_cgroup_v2_root());
	for (int waited = 0;; waited += 10) {
		r = rt_cgroup_populated(path, err);
		if (r <= 0)
			break;
		if (waited >= timeout_ms)
			return pp_error_msg(err, EBUSY, "cgroup '%s' still has processes", path);
		(void)nanosleep(&ts, NULL);
	}
	if (r < 0)
		return r;
	if (rt_cgroup_layout() == RT_CGROUP_HYBRID)
		(void)rt_cgroup_v1_ops.destroy(rel, NULL); /* best effort, as the twins are */
	return rt_cgroup_v2_ops.destroy(rel, err);
}

int rt_cgroup_remove(const char *cgroups_path, struct pp_error *err)
{
	cleanup_free char *rel = NULL;
	int r = validate_rel(cgroups_path, err);

	if (r < 0)
		return r;
	if (rt_cgroup_layout() == RT_CGROUP_LEGACY)
		return 0;
	rel = xstrfmt("%s%s", cgroups_path[0] == '/' ? "" : "/", cgroups_path);
	if (strcmp(rel, "/") == 0)
		return pp_error_msg(err, EINVAL, "refusing to remove the root cgroup");
	if (rt_cgroup_layout() == RT_CGROUP_HYBRID) {
		r = rt_cgroup_v1_ops.destroy(rel, err);
		if (r < 0)
			return r;
	}
	return rt_cgroup_v2_ops.destroy(rel, err);
}
