/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl exec: a process built from the container's own settings (image
 * env, user, capabilities) with another argv, run by the runtime. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/image.h"
#include "pod/paths.h"
#include "pod/plan.h"
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
	for (size_t i = 0; i < rec->n_ctrs; i++)
		if (strcmp(rec->pod->containers[i].name, name) == 0) {
			*ret = i;
			return 0;
		}
	return -ENOENT;
}

static int exec_process(const struct pod_paths *paths, const struct pod_record *rec, size_t idx,
                        char *const *argv, bool tty, json_object **ret, struct pp_error *err)
{
	const struct pod_container *c = &rec->pod->containers[idx];
	cleanup_free char *bundle = pod_container_bundle(paths, rec, idx);
	cleanup_free char *rootfs = xstrfmt("%s/rootfs", bundle);
	cleanup_close int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct img_store *store = NULL;
	struct img_image *img = NULL;
	struct pod_user user = {0};
	json_object *proc = NULL;
	int r;

	if (rootfd < 0)
		return pp_error(err, errno, "open '%s'", rootfs);
	r = img_store_open(paths->images, &store, err);
	if (r == 0)
		r = img_store_resolve(
		    store, rec->ctrs[idx].image_id ? rec->ctrs[idx].image_id : c->image, &img, err);
	if (r == 0)
		r = pod_user_resolve(rootfd, img->config.user, &user, err);
	if (r == 0) {
		/* the container's own process, with the exec's argv as its command
		 * (so an image without Entrypoint/Cmd is no obstacle) */
		struct pod_container as_exec = *c;

		as_exec.command = (char **)argv;
		as_exec.args = NULL;
		as_exec.tty = tty;
		r = pod_plan_process(rec->pod, &as_exec, &img->config, &user, &proc, err);
	}
	if (r == 0)
		*ret = proc;
	free(user.additional_gids);
	img_image_free(img);
	img_store_free(store);
	return r;
}

int pod_exec(const struct pod_paths *paths, const struct pod_record *rec, const char *container,
             char *const *argv, bool tty, const int stdio[3], int console_socket, pid_t *ret_pid,
             struct pp_error *err)
{
	cleanup_free char *id = NULL;
	json_object *proc = NULL;
	size_t idx = 0;
	int r;

	if (find_container(rec, container, &idx) < 0)
		return pp_error_msg(err, ENOENT, "container %s is not valid for pod %s", container,
		                    rec->pod->name);
	if (rec->ctrs[idx].state != CTR_STATE_RUNNING || rec->ctrs[idx].pid <= 0)
		return pp_error_msg(
		    err, EINVAL,
		    "cannot exec into a container in a completed pod; current phase is %s",
		    pod_phase_name(rec->phase));
	r = exec_process(paths, rec, idx, argv, tty, &proc, err);
	if (r < 0)
		return r;
	id = pod_container_id(rec, idx);
	r = rt_container_exec(&(struct rt_exec_opts){.state_root = paths->runtime,
	                                             .id = id,
	                                             .process = proc,
	                                             .stdio = {stdio[0], stdio[1], stdio[2]},
	                                             .console_socket = console_socket},
	                      ret_pid, err);
	json_object_put(proc);
	return r;
}
