/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl exec: the container's own process (its env, user, capabilities,
 * cwd, from its bundle's config.json, as `runc exec` takes it) with another
 * argv, run by the runtime. */
#include <stdlib.h>
#include <string.h>

#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

static int find_container(const struct pod_record *rec, const char *name, size_t *ret)
{
	for (size_t i = 0; i < pod_n_all(rec); i++)
		if (strcmp(pod_ctr_spec(rec, i)->name, name) == 0) {
			*ret = i;
			return 0;
		}
	return -ENOENT;
}

/* Does env (a JSON array of "K=V") set name? */
static bool env_has(json_object *env, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; env != NULL && i < json_object_array_length(env); i++) {
		const char *kv = json_object_get_string(json_object_array_get_idx(env, i));

		if (kv != NULL && strncmp(kv, name, n) == 0 && kv[n] == '=')
			return true;
	}
	return false;
}

/* The process object of running container idx, with argv and terminal
 * replaced. *ret caller owns. */
static int exec_process(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                        const struct pod_exec_opts *o, json_object **ret, struct pp_error *err)
{
	json_object *proc = NULL, *env;
	int r = pod_container_process(paths, rec, idx, &proc, err);

	if (r < 0)
		return r;
	json_object_object_add(proc, "args", json_from_strv(o->argv));
	json_object_object_add(proc, "terminal", json_object_new_boolean(o->tty));
	env = json_get_arr(proc, "env");
	/* containerd gives a terminal TERM=xterm unless the env sets it */
	if (o->tty && env != NULL && !env_has(env, "TERM"))
		json_object_array_add(env, json_object_new_string("TERM=xterm"));
	*ret = proc;
	return 0;
}

int pod_exec(const struct pod_paths *paths, const struct pod_record *rec,
             const struct pod_exec_opts *o, pid_t *ret_pid, struct pp_error *err)
{
	const char *container = o->container;
	cleanup_free char *id = NULL;
	json_object *proc = NULL;
	size_t idx = 0;
	int r;

	if (find_container(rec, container, &idx) < 0)
		return pp_error_msg(err, ENOENT, "container %s is not valid for pod %s", container,
		                    rec->pod->name);
	if (pod_ctr_status(rec, idx)->state != CTR_STATE_RUNNING ||
	    pod_ctr_status(rec, idx)->pid <= 0)
		return pp_error_msg(err, EINVAL, "container \"%s\" is not running (pod phase %s)",
		                    container, pod_phase_name(rec->phase));
	r = exec_process(paths, rec, idx, o, &proc, err);
	if (r < 0)
		return r;
	id = pod_container_id(rec, idx);
	r = rt_container_exec(
	    &(struct rt_exec_opts){.state_root = paths->runtime,
	                           .id = id,
	                           .process = proc,
	                           .stdio = {o->io.fd[0], o->io.fd[1], o->io.fd[2]},
	                           .console_socket = o->io.console_socket},
	    ret_pid, err);
	json_object_put(proc);
	return r;
}
