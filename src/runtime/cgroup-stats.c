/* SPDX-License-Identifier: Apache-2.0 */
/* A container's resource usage from its cgroup, as the kubelet's
 * /metrics/resource reports it: CPU time from the v2 cpu.stat usage_usec,
 * and the memory working set (usage minus inactive_file) from the v2
 * memory files or, on a hybrid host whose unified hierarchy has no memory
 * controller, from the v1 memory twin. And which cgroup a container and a
 * process are in, for peapod ps. */
#include <errno.h>
#include <fcntl.h>
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

uint64_t rt_cgroup_keyed(const char *path, const char *key, bool *ret_found)
{
	cleanup_free char *buf = NULL;
	size_t klen = strlen(key);

	if (ret_found != NULL)
		*ret_found = false;
	if (fs_read_all(path, 65536, &buf, NULL, NULL) < 0)
		return 0;
	for (const char *p = buf; p != NULL && *p != '\0';
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			if (ret_found != NULL)
				*ret_found = true;
			return strtoull(p + klen + 1, NULL, 10);
		}
	}
	return 0;
}

/* A single-number cgroup file ("1234\n"); -errno when unreadable. */
static int read_u64(const char *path, uint64_t *ret)
{
	cleanup_free char *buf = NULL;
	char *end = NULL;
	int r = fs_read_all(path, 64, &buf, NULL, NULL);

	if (r < 0)
		return r;
	errno = 0;
	*ret = strtoull(buf, &end, 10);
	if (errno != 0 || end == buf)
		return -EINVAL;
	return 0;
}

/* usage - inactive_file, floored at 0 (the kubelet's working set). */
static uint64_t working_set(uint64_t usage, uint64_t inactive)
{
	return inactive < usage ? usage - inactive : 0;
}

static void read_memory(const char *v2dir, const char *rel, struct rt_usage *u)
{
	cleanup_free char *cur = xstrfmt("%s/memory.current", v2dir);
	cleanup_free char *stat = xstrfmt("%s/memory.stat", v2dir);
	cleanup_free char *v1 = xstrfmt("/sys/fs/cgroup/memory%s", rel);
	cleanup_free char *v1use = xstrfmt("%s/memory.usage_in_bytes", v1);
	cleanup_free char *v1stat = xstrfmt("%s/memory.stat", v1);
	uint64_t usage = 0;

	if (read_u64(cur, &usage) == 0) {
		u->memory_working_set =
		    working_set(usage, rt_cgroup_keyed(stat, "inactive_file", NULL));
		u->has_memory = true;
	} else if (read_u64(v1use, &usage) == 0) {
		u->memory_working_set =
		    working_set(usage, rt_cgroup_keyed(v1stat, "total_inactive_file", NULL));
		u->has_memory = true;
	}
}

int rt_container_usage(const char *state_root, const char *id, struct rt_usage *ret,
                       struct pp_error *err)
{
	struct rt_state st = {0};
	const char *root = rt_cgroup_v2_root();
	size_t n = strlen(root);
	struct rt_usage u = {0};
	int r = rt_container_state(state_root, id, &st, err);

	if (r < 0)
		return r;
	if (st.status != RT_STATUS_RUNNING || st.cgroup_path == NULL ||
	    strncmp(st.cgroup_path, root, n) != 0 || st.cgroup_path[n] != '/') {
		rt_state_clear(&st);
		return pp_error_msg(err, ENOENT, "container '%s' is not running", id);
	}
	{
		cleanup_free char *cpu = xstrfmt("%s/cpu.stat", st.cgroup_path);
		bool found = false;

		u.cpu_usec = rt_cgroup_keyed(cpu, "usage_usec", &found);
		u.has_cpu = found;
	}
	read_memory(st.cgroup_path, st.cgroup_path + n, &u);
	rt_state_clear(&st);
	*ret = u;
	return 0;
}

int rt_container_cgroup(const char *state_root, const char *id, char **ret_cgroup,
                        char **ret_bundle, struct pp_error *err)
{
	struct rt_state st = {0};
	const char *root = rt_cgroup_v2_root();
	size_t n = strlen(root);
	int r = rt_container_state(state_root, id, &st, err);

	if (r < 0)
		return r;
	if (st.cgroup_path == NULL || strncmp(st.cgroup_path, root, n) != 0 ||
	    st.cgroup_path[n] != '/' || st.bundle == NULL) {
		rt_state_clear(&st);
		return pp_error_msg(err, ENOENT, "container '%s' has no cgroup", id);
	}
	*ret_cgroup = xstrdup(st.cgroup_path + n);
	*ret_bundle = xstrdup(st.bundle);
	rt_state_clear(&st);
	return 0;
}

int rt_proc_cgroup(int procfd, char **ret, struct pp_error *err)
{
	cleanup_close int fd = openat(procfd, "cgroup", O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	const char *line;
	int r;

	if (fd < 0)
		return pp_error(err, errno, "open cgroup");
	/* one line a hierarchy, each path at most PATH_MAX: 64 KiB is ample */
	r = fs_read_fd(fd, 65536, &buf, NULL, err);
	if (r < 0)
		return r;
	line = strncmp(buf, "0::", 3) == 0 ? buf : strstr(buf, "\n0::");
	if (line == NULL)
		return pp_error_msg(err, ENOENT, "no cgroup v2 membership");
	line += line == buf ? 3 : 4;
	*ret = xstrndup(line, strcspn(line, "\n"));
	return 0;
}
