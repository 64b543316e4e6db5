/* SPDX-License-Identifier: Apache-2.0 */
/* Did the kernel's OOM killer kill in a container's cgroup? The oom_kill
 * counter of memory.events (v2) or memory.oom_control (the v1 memory twin
 * of a hybrid host), as containerd's OOM watcher sees it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/xalloc.h"

int rt_container_oom_count(const char *state_root, const char *id, uint64_t *ret,
                           struct pp_error *err)
{
	struct rt_state st = {0};
	const char *root = rt_cgroup_v2_root();
	size_t n = strlen(root);
	uint64_t kills = 0;
	int r = rt_container_state(state_root, id, &st, err);

	*ret = 0;
	if (r < 0)
		return r;
	if (st.cgroup_path != NULL && strncmp(st.cgroup_path, root, n) == 0 &&
	    st.cgroup_path[n] == '/') {
		cleanup_free char *v2 = xstrfmt("%s/memory.events", st.cgroup_path);
		cleanup_free char *v1 =
		    xstrfmt("/sys/fs/cgroup/memory%s/memory.oom_control", st.cgroup_path + n);

		kills = rt_cgroup_keyed(v2, "oom_kill", NULL);
		if (rt_cgroup_layout() == RT_CGROUP_HYBRID)
			kills += rt_cgroup_keyed(v1, "oom_kill", NULL);
	}
	rt_state_clear(&st);
	*ret = kills;
	return 0;
}

int rt_container_oom_killed(const char *state_root, const char *id, bool *ret, struct pp_error *err)
{
	uint64_t kills = 0;
	int r = rt_container_oom_count(state_root, id, &kills, err);

	*ret = kills > 0;
	return r;
}
