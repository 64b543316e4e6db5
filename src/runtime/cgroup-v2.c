/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup v2 backend: folder creation with the controllers a container's
 * limits need enabled down the path, membership and removal; the limits
 * are cgroup-resources.c's. */
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

/* Enable in dir's cgroup.subtree_control every controller dir has, as
 * crun does, so its children get them all; best effort (a folder with
 * processes of its own cannot). */
static void enable_all(const char *dir)
{
	cleanup_free char *buf = NULL;
	char *save = NULL;

	if (rt_cgroup_read(dir, "cgroup.controllers", &buf) < 0)
		return;
	for (char *c = strtok_r(buf, " \n", &save); c; c = strtok_r(NULL, " \n", &save)) {
		cleanup_free char *v = xstrfmt("+%s", c);

		(void)rt_cgroup_write(dir, "cgroup.subtree_control", v, NULL);
	}
}

/* mkdir every component of rel, enabling the controllers in each parent. */
static int make_path(const char *rel, struct pp_error *err)
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
		enable_all(dir);
		*slash = '/';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return pp_error(err, errno, "create cgroup '%s'", dir);
		*s = c;
		if (c == '\0')
			break;
	}
	return 0;
}

static int v2_create(const char *rel, const struct rt_config *cfg, struct pp_error *err)
{
	cleanup_free char *dir = xstrfmt("%s%s", rt_cgroup_v2_root(), rel);
	int r = make_path(rel, err);

	if (r < 0 || cfg == NULL)
		return r;
	if (!cfg->limits_only && !rt_cgroup_devices_v1_mounted())
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
