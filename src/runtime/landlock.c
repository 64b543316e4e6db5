/* SPDX-License-Identifier: Apache-2.0 */
/* The annotation run.peapod.ptrace-scope: "container": the container's init
 * gets a Landlock domain of its own (Documentation/userspace-api/
 * landlock.rst), so that it and its descendants cannot ptrace, nor open
 * the ptrace-guarded /proc/PID files (environ, mem, root, fd) of, any
 * process outside that domain: other containers, the sandbox, processes
 * `exec` started. The kernel's ptrace rules still decide inside the
 * domain. Signals are not scoped. peapod asks for it under RuntimeDefault
 * for containers without CAP_SYS_PTRACE (Yama's ptrace_scope 1, with the
 * container's process tree as the unit). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"

#define PTRACE_SCOPE_KEY "run.peapod.ptrace-scope"

int rt_landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? -errno : (int)abi;
}

int rt_ptrace_scope_parse(json_object *annotations, bool *ret, struct pp_error *err)
{
	const char *v = json_get_str(annotations, PTRACE_SCOPE_KEY);

	*ret = false;
	if (v == NULL)
		return 0;
	if (strcmp(v, "container") != 0)
		return pp_error_msg(err, EINVAL,
		                    "annotations." PTRACE_SCOPE_KEY
		                    ": unsupported value \"%s\": expected \"container\"",
		                    v);
	*ret = true;
	return 0;
}

/* A Landlock domain needs a handled access: making block devices, allowed
 * under the container's root (a rule there), so nothing changes inside
 * it. Its side effect, besides the ptrace scope: no mount, umount or
 * pivot_root (the caller asks only when the container lacks
 * CAP_SYS_ADMIN, which they need anyway). */
int rt_ptrace_scope_apply(struct pp_error *err)
{
	struct landlock_ruleset_attr attr = {.handled_access_fs = LANDLOCK_ACCESS_FS_MAKE_BLOCK};
	struct landlock_path_beneath_attr beneath = {.allowed_access =
	                                                 LANDLOCK_ACCESS_FS_MAKE_BLOCK};
	cleanup_close int ruleset = -1;
	cleanup_close int root = -1;

	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (ruleset < 0)
		return pp_error(err, errno,
		                "annotations." PTRACE_SCOPE_KEY ": Landlock is not available");
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return pp_error(err, errno, "open /");
	beneath.parent_fd = root;
	if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) < 0)
		return pp_error(err, errno, "landlock_add_rule");
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		return pp_error(err, errno, "landlock_restrict_self");
	return 0;
}
