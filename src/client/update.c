/* SPDX-License-Identifier: Apache-2.0 */
/* Changing a pod's labels, annotations or schedulingGates: through its
 * monitor, which owns pod.json, or under the pod's lock when it has none. */
#include "pod/update.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "client/client.h"
#include "pod/monitor-proto.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

/* No monitor: the change is made here, under the pod's lock. */
static int apply_locked(const struct pod_paths *paths, const struct pod_record *rec,
                        json_object *update, struct pp_error *err)
{
	cleanup_close int lockfd = pod_lock_try(paths, rec->pod->uid);
	struct pod_record *cur = NULL;
	int r;

	if (lockfd < 0)
		return pp_error(err, lockfd, "lock pod '%s'", rec->pod->name);
	r = pod_load(paths, rec->pod->namespace_, rec->pod->name, &cur, err);
	if (r == 0)
		r = pod_update_apply(cur, update, err);
	if (r == 0)
		r = pod_save(paths, cur, err);
	pod_record_free(cur);
	return r;
}

int client_pod_update(const struct pod_paths *paths, const struct pod_record *rec,
                      json_object *update, struct pp_error *err)
{
	cleanup_free char *dir = pod_dir_path(paths, rec->pod->uid);
	cleanup_free char *file = xstrfmt("%s/" POD_UPDATE_FILE, dir);
	int r;

	if (!client_monitor_alive(dir))
		return apply_locked(paths, rec, update, err);
	r = json_write_file(file, update, err);
	if (r == 0)
		r = client_monitor_ask(dir, MON_REQ_UPDATE, err);
	(void)unlink(file); /* the monitor read it, or it is of no use */
	return r;
}
