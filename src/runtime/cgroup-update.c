/* SPDX-License-Identifier: Apache-2.0 */
/* runc update: new linux.resources for a live container, parsed by the
 * same code as config.json's and written to its cgroup by the same backends
 * as at create, without device rules (runc update leaves them alone). */
#include <errno.h>
#include <stdlib.h>

#include "runtime/cgroup-internal.h"
#include "runtime/internal.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

/* resources as an rt_config (limits only), through the config parser:
 * errors name "linux.resources.<field>". */
static int parse_update(json_object *resources, struct rt_config **ret, struct pp_error *err)
{
	json_object *lx = json_object_new_object(), *ns = json_object_new_array();
	json_object *mnt = json_object_new_object();
	struct rt_config *c = xcalloc(1, sizeof(*c));
	int r;

	json_object_object_add(mnt, "type", json_object_new_string("mount"));
	json_object_array_add(ns, mnt);
	json_object_object_add(lx, "namespaces", ns);
	json_object_object_add(lx, "resources", json_object_get(resources));
	c->json = json_object_new_object();
	json_object_object_add(c->json, "linux", lx);
	r = rt_config_parse_linux(c->json, c, err);
	if (r < 0) {
		rt_config_free(c);
		return r;
	}
	c->limits_only = true;
	*ret = c;
	return 0;
}

int rt_container_update(const char *state_root, const char *id, json_object *resources,
                        struct pp_error *err)
{
	struct rt_state st = {0};
	struct rt_config *c = NULL;
	cleanup_free char *path = NULL;
	const char *rel;
	int r;

	if (!json_object_is_type(resources, json_type_object))
		return pp_error_msg(err, EINVAL, "linux.resources: expected an object");
	r = rt_container_state(state_root, id, &st, err);
	if (r < 0)
		return r;
	rel = st.cgroup_path != NULL ? rt_cgroup_rel(st.cgroup_path) : NULL;
	if (st.status == RT_STATUS_STOPPED || rel == NULL)
		r = pp_error_msg(err, EINVAL, "container '%s' is not running", id);
	if (r >= 0)
		r = parse_update(resources, &c, err);
	if (r >= 0)
		r = rt_cgroup_create(rel, c, &path, err);
	rt_config_free(c);
	rt_state_clear(&st);
	return r;
}
