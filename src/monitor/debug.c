/* SPDX-License-Identifier: Apache-2.0 */
/* Ephemeral containers added to a running pod (`peapod debug`): the
 * monitor's side of the API server's ephemeralcontainers subresource. The
 * container is validated with the whole pod, kept in its spec and status,
 * and started by sched.c once; it is never restarted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/internal.h"
#include "pod/monitor-proto.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

/* The pod with ec appended to spec.ephemeralContainers, decoded and
 * validated as the API server validates the subresource's update. */
static int pod_with(const struct mon *m, json_object *ec, struct pod **ret, struct pp_error *err)
{
	json_object *o = pod_spec_to_json(m->rec->pod);
	json_object *spec = json_get_obj(o, "spec");
	json_object *list = json_get_arr(spec, "ephemeralContainers");
	int r;

	if (list == NULL) {
		list = json_object_new_array();
		json_object_object_add(spec, "ephemeralContainers", list);
	}
	json_object_array_add(list, json_object_get(ec));
	json_object_object_del(json_get_obj(o, "metadata"), "uid");
	r = pod_spec_from_json(o, ret, err);
	json_object_put(o);
	if (r < 0)
		return pp_error_prefix(err, r, "The Pod \"%s\" is invalid", m->rec->pod->name);
	return 0;
}

/* Read POD_DEBUG_FILE and add its container to the pod. */
static int debug_add(struct mon *m, struct pp_error *err)
{
	cleanup_free char *file = xstrfmt("%s/" MON_DEBUG_FILE, m->dir);
	cleanup_json json_object *ec = NULL;
	struct pod *pod = NULL;
	size_t idx;
	int r = json_parse_file(file, 1u << 20, &ec, err);

	if (r < 0)
		return r;
	if (m->deleting || m->rec->deleting_at > 0)
		return pp_error_msg(err, EINVAL, "pod \"%s\" is being deleted", m->rec->pod->name);
	r = pod_with(m, ec, &pod, err);
	if (r < 0)
		return r;
	idx = pod_record_add_ephemeral(m->rec,
	                               &pod->ephemeral_containers[pod->n_ephemeral_containers - 1]);
	pod_free(pod);
	m->c = xrealloc(m->c, MON_N(m) * sizeof(*m->c));
	mctr_init(&m->c[idx]);
	m->c[idx].stop_signal = pod_ctr_stop_signal(mon_spec(m, idx), NULL);
	log_info("ephemeral container '%s' added", mon_status(m, idx)->name);
	return 0;
}

void mon_debug_request(struct mon *m, int *fd)
{
	struct pp_error err = {0};

	if (debug_add(m, &err) < 0 || pod_save_changed(&m->paths, m->rec, &m->saved, &err) < 0)
		(void)!dprintf(*fd, MON_REPLY_ERROR "%s\n", err.msg);
	else
		(void)!dprintf(*fd, MON_REPLY_OK "\n");
	mon_unwatch_close(m, fd);
}
