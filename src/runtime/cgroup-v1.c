/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v1 on a hybrid host: the container's processes go into every v1
 * hierarchy the host mounts under /sys/fs/cgroup (cpu, cpuset, memory,
 * blkio, pids, freezer, devices, name=systemd ...) at the same path, as
 * runc places them; the controllers' limits are cgroup-resources.c's, the
 * device rules cgroup-devices.c's. Joining is best effort but for the
 * devices hierarchy. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define CGROUP_V1 "/sys/fs/cgroup"

/* Call fn for each v1 hierarchy mounted under /sys/fs/cgroup (a folder
 * of a v1 cgroupfs; the symlinks of co-mounted controllers and the
 * unified mount are left out), as runc joins every one it finds. Stops at
 * the first negative return. */
static int each_hierarchy(int (*fn)(const char *base, void *arg), void *arg)
{
	cleanup_dir DIR *d = opendir(CGROUP_V1);
	struct dirent *e;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		cleanup_free char *base = NULL;
		struct statfs fs;
		int r;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		base = xstrfmt("%s/%s", CGROUP_V1, e->d_name);
		if (statfs(base, &fs) < 0 || fs.f_type != CGROUP_SUPER_MAGIC)
			continue;
		r = fn(base, arg);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool is_ctrl(const char *base, const char *ctrl)
{
	const char *name = strrchr(base, '/') + 1;
	size_t n = strlen(ctrl);

	for (const char *p = name; (p = strstr(p, ctrl)) != NULL; p += n)
		if ((p == name || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return true;
	return false;
}

/* A new v1 cpuset folder has empty cpuset.cpus and cpuset.mems, which
 * refuse tasks: copy the parent's, as runc's cpuset group does. */
static int cpuset_inherit(const char *dir, struct pp_error *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	cleanup_free char *parent = xstrndup(dir, (size_t)(strrchr(dir, '/') - dir));

	for (size_t i = 0; i < 2; i++) {
		cleanup_free char *mine = xstrfmt("%s/%s", dir, files[i]);
		cleanup_free char *theirs = xstrfmt("%s/%s", parent, files[i]);
		cleanup_free char *cur = NULL, *up = NULL;
		int r;

		if (fs_read_all(mine, 4096, &cur, NULL, NULL) < 0 || cur[strspn(cur, " \n")])
			continue;
		r = fs_read_all(theirs, 4096, &up, NULL, err);
		if (r < 0)
			return r;
		up[strcspn(up, "\n")] = '\0';
		if (up[0] == '\0')
			continue;
		r = rt_cgroup_write(dir, files[i], up, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* mkdir -p base+rel; in the cpuset hierarchy each new level inherits. */
static int make_dir(const char *base, const char *rel, struct pp_error *err)
{
	cleanup_free char *dir = xstrfmt("%s%s", base, rel);
	bool cpuset = is_ctrl(base, "cpuset");

	if (!cpuset)
		return fs_mkdir_p(dir, 0755, err);
	for (char *s = dir + strlen(base) + 1;; s++) {
		char c = *s;
		int r;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return pp_error(err, errno, "create cgroup '%s'", dir);
		r = cpuset_inherit(dir, err);
		if (r < 0)
			return r;
		*s = c;
		if (c == '\0')
			return 0;
	}
}

static int create_one(const char *base, void *rel)
{
	return make_dir(base, rel, NULL);
}

/* Every hierarchy gets the folder, best effort (a hierarchy we cannot
 * write is left out, as the controllers' limits say what they need). */
static int v1_create(const char *rel, const struct rt_config *cfg, struct pp_error *err)
{
	(void)each_hierarchy(create_one, (void *)rel);
	return cfg != NULL && !cfg->limits_only ? rt_cgroup_devices_v1(rel, cfg, err) : 0;
}

struct enter_arg {
	const char *rel;
	char pid[32];
	struct pp_error *err;
};

static int enter_one(const char *base, void *arg)
{
	struct enter_arg *a = arg;
	cleanup_free char *dir = xstrfmt("%s%s", base, a->rel);

	if (access(dir, F_OK) < 0)
		return 0;
	/* The devices twin holds the device rules: joining it is not
	 * optional. */
	if (strcmp(base, CGROUP_V1 "/devices") == 0)
		return rt_cgroup_write(dir, "cgroup.procs", a->pid, a->err);
	(void)rt_cgroup_write(dir, "cgroup.procs", a->pid, NULL);
	return 0;
}

static int v1_enter(const char *rel, pid_t pid, struct pp_error *err)
{
	struct enter_arg a = {.rel = rel, .err = err};

	(void)snprintf(a.pid, sizeof(a.pid), "%d", (int)pid);
	return each_hierarchy(enter_one, &a);
}

struct destroy_arg {
	const char *rel;
	int r;
	struct pp_error *err;
};

static int destroy_one(const char *base, void *arg)
{
	struct destroy_arg *a = arg;
	cleanup_free char *dir = xstrfmt("%s%s", base, a->rel);

	if (rmdir(dir) < 0 && errno != ENOENT && a->r == 0)
		a->r = pp_error(a->err, errno, "remove cgroup '%s'", dir);
	return 0;
}

static int v1_destroy(const char *rel, struct pp_error *err)
{
	struct destroy_arg a = {.rel = rel, .err = err};

	(void)each_hierarchy(destroy_one, &a);
	return a.r;
}

const struct rt_cgroup_ops rt_cgroup_v1_ops = {
    .name = "v1",
    .create = v1_create,
    .enter = v1_enter,
    .destroy = v1_destroy,
};
