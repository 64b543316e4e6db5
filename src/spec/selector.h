/* SPDX-License-Identifier: Apache-2.0 */
/* Label selectors: the string form kubectl's -l takes ("app=web,tier in
 * (a,b),!canary") and the structured LabelSelector of the API
 * ({matchLabels, matchExpressions}), parsed into one requirement list and
 * matched against a label set. Pure: no I/O, no logging. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

struct pp_error;

enum pod_sel_op {
	POD_SEL_EQ,         /* k=v, k==v; matchLabels */
	POD_SEL_NE,         /* k!=v */
	POD_SEL_IN,         /* k in (a,b); In */
	POD_SEL_NOTIN,      /* k notin (a); NotIn */
	POD_SEL_EXISTS,     /* k; Exists */
	POD_SEL_NOT_EXISTS, /* !k; DoesNotExist */
	POD_SEL_GT,         /* k>1 (string form only) */
	POD_SEL_LT,         /* k<1 (string form only) */
};

struct pod_sel_req {
	char *key;
	enum pod_sel_op op;
	char **values; /* NULL-terminated, sorted and unique for in/notin */
};

/* ANDed requirements, sorted by key as apimachinery sorts them. n == 0
 * selects everything. */
struct pod_selector {
	struct pod_sel_req *reqs;
	size_t n;
};

/* Parse kubectl's selector string (labels.Parse): equality (=, ==, !=),
 * set-based (in, notin), existence (k, !k) and gt/lt, comma-joined. Keys
 * and values are checked as the API server checks labels. *ret_sel caller
 * frees with pod_selector_free(). 0, or -EINVAL with apimachinery's words
 * ("unable to parse requirement: found ')', expected: ...") in err. */
int pod_selector_parse(const char *s, struct pod_selector **ret_sel, struct pp_error *err);

/* Decode a LabelSelector object (metav1.LabelSelector; NULL or JSON null
 * selects everything, an empty object too) found at field path `path`
 * ("spec.affinity.podAffinity.requiredDuringScheduling...[0].labelSelector").
 * Validated as the API server validates it; errors name the field
 * ("PATH.matchExpressions[0].operator: Unsupported value: ..."). Borrows o;
 * *ret_sel caller frees. 0 or -EINVAL. */
int pod_selector_from_json(json_object *o, const char *path, struct pod_selector **ret_sel,
                           struct pp_error *err);

/* Does the label set (parallel NULL-terminated keys/values; NULL for none)
 * satisfy every requirement? Labels.Matches semantics: != and notin match
 * a missing key; gt/lt need an integer value. */
bool pod_selector_matches(const struct pod_selector *sel, char *const *keys, char *const *values);

/* NULL-safe; returns NULL. */
struct pod_selector *pod_selector_free(struct pod_selector *sel);
