/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's mutable fields changed in its record: labels, annotations, and
 * schedulingGates removed. */
#include "pod/update.h"

#include <errno.h>
#include <stdlib.h>

#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* A string map → parallel vectors (NULL when empty). */
static void map_split(json_object *map, char ***ret_keys, char ***ret_values)
{
	char **keys = NULL, **values = NULL;

	json_object_object_foreach(map, k, v)
	{
		strv_push(&keys, k);
		strv_push(&values, json_object_get_string(v));
	}
	*ret_keys = keys;
	*ret_values = values;
}

static int check_gates(const struct pod *pod, json_object *gates, struct pp_error *err)
{
	size_t n = json_object_array_length(gates);

	for (size_t i = 0; i < n; i++)
		if (!strv_contains(pod->sched.scheduling_gates,
		                   json_object_get_string(json_object_array_get_idx(gates, i))))
			return pp_error_msg(
			    err, EINVAL,
			    "The Pod \"%s\" is invalid: spec.schedulingGates: Forbidden: "
			    "only deletion is allowed, but found new scheduling gate '%s'",
			    pod->name, json_object_get_string(json_object_array_get_idx(gates, i)));
	return 0;
}

int pod_update_apply(struct pod_record *rec, json_object *update, struct pp_error *err)
{
	json_object *labels = json_get_obj(update, "labels");
	json_object *annotations = json_get_obj(update, "annotations");
	json_object *gates = json_get_arr(update, "schedulingGates");
	cleanup_strv char **lk = NULL, **lv = NULL, **ak = NULL, **av = NULL;
	struct pod *pod = rec->pod;
	int r = 0;

	if (labels != NULL) {
		map_split(labels, &lk, &lv);
		r = pod_check_labels(lk, lv, err);
	}
	if (r == 0 && annotations != NULL) {
		map_split(annotations, &ak, &av);
		r = pod_check_annotations(ak, av, err);
	}
	if (r < 0)
		return pp_error_prefix(err, r, "The Pod \"%s\" is invalid", pod->name);
	if (gates != NULL && (r = check_gates(pod, gates, err)) < 0)
		return r;
	if (labels != NULL) {
		strv_free(take_ptr(&pod->label_keys));
		strv_free(take_ptr(&pod->label_values));
		pod->label_keys = take_ptr(&lk);
		pod->label_values = take_ptr(&lv);
	}
	if (annotations != NULL) {
		strv_free(take_ptr(&pod->annotation_keys));
		strv_free(take_ptr(&pod->annotation_values));
		pod->annotation_keys = take_ptr(&ak);
		pod->annotation_values = take_ptr(&av);
	}
	if (gates != NULL) {
		char **names = NULL;

		(void)json_to_strv(gates, &names);
		strv_free(pod->sched.scheduling_gates);
		pod->sched.scheduling_gates = names != NULL && names[0] != NULL ? names : NULL;
		if (pod->sched.scheduling_gates == NULL)
			strv_free(names);
	}
	return 0;
}
