/* SPDX-License-Identifier: Apache-2.0 */
/* The changes a running pod's record takes (the API server's mutable
 * fields): metadata.labels, metadata.annotations and the removal of
 * spec.schedulingGates. The CLI writes the change as RUN/pods/<uid>/
 * update.json and asks the pod's monitor, which owns pod.json, to apply it
 * (monitor-proto.h MON_REQ_UPDATE); with no monitor the CLI applies it
 * itself under the pod's lock. */
#pragma once

#include <json-c/json.h>

struct pp_error;
struct pod_record;

#define POD_UPDATE_FILE "update.json"

/* Apply update ({"labels": {..}, "annotations": {..}, "schedulingGates":
 * [names]}, each optional and replacing the whole field) to rec, after
 * checking it as the API server does (label and annotation keys and values;
 * gates may only be removed). Nothing changes on error. 0 or -EINVAL with
 * `The Pod "x" is invalid: ...`. */
int pod_update_apply(struct pod_record *rec, json_object *update, struct pp_error *err);
