/* SPDX-License-Identifier: Apache-2.0 */
/* kube-scheduler's filter plugins for a cluster of one node (this machine),
 * run in the scheduler's order, stopping at the first that fails, with the
 * FitError and PostFilter (preemption) messages the scheduler records. */
#include "pod/sched-filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pod/state.h"
#include "spec/pod.h"
#include "spec/selector.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

/* A filter's verdict: NULL (fits) or reasons; resolvable by preemption
 * (Unschedulable) or not (UnschedulableAndUnresolvable). */
struct verdict {
	char **reasons;
	bool unresolvable;
};

static void add_ext(struct pod_sched_req *r, const char *name, uint64_t v, bool max)
{
	size_t i = 0;

	for (; r->ext_names != NULL && r->ext_names[i] != NULL; i++)
		if (strcmp(r->ext_names[i], name) == 0)
			break;
	if (r->ext_names == NULL || r->ext_names[i] == NULL) {
		strv_push(&r->ext_names, name);
		r->ext_values = xrealloc(r->ext_values, (i + 1) * sizeof(uint64_t));
		r->ext_values[i] = 0;
	}
	if (!max)
		r->ext_values[i] += v;
	else if (v > r->ext_values[i])
		r->ext_values[i] = v;
}

/* *sum += v, or *sum = max(*sum, v) */
static void acc(uint64_t *sum, uint64_t v, bool max)
{
	if (!max)
		*sum += v;
	else if (v > *sum)
		*sum = v;
}

static void add_container(struct pod_sched_req *r, const struct pod_container *c, bool max)
{
	const struct pod_resource_list *q = &c->requests, *l = &c->limits;

	acc(&r->cpu, q->cpu.value, max);
	acc(&r->memory, q->memory.value, max);
	acc(&r->cpu_limit, l->cpu.value, max);
	acc(&r->memory_limit, l->memory.value, max);
	for (size_t i = 0; i < q->n_ext; i++)
		add_ext(r, q->ext[i].name, q->ext[i].q.value, max);
}

void pod_sched_requests(const struct pod *pod, struct pod_sched_req *ret)
{
	struct pod_sched_req init = {0};

	*ret = (struct pod_sched_req){0};
	for (size_t i = 0; i < pod->n_containers; i++)
		add_container(ret, &pod->containers[i], false);
	for (size_t i = 0; i < pod->n_init_containers; i++)
		add_container(&init, &pod->init_containers[i], true);
	ret->cpu = init.cpu > ret->cpu ? init.cpu : ret->cpu;
	ret->memory = init.memory > ret->memory ? init.memory : ret->memory;
	ret->cpu_limit = init.cpu_limit > ret->cpu_limit ? init.cpu_limit : ret->cpu_limit;
	ret->memory_limit =
	    init.memory_limit > ret->memory_limit ? init.memory_limit : ret->memory_limit;
	for (size_t i = 0; init.ext_names != NULL && init.ext_names[i] != NULL; i++)
		add_ext(ret, init.ext_names[i], init.ext_values[i], true);
	pod_sched_req_clear(&init);
}

void pod_sched_req_clear(struct pod_sched_req *r)
{
	strv_free(r->ext_names);
	free(r->ext_values);
	*r = (struct pod_sched_req){0};
}

bool pod_sched_holds(const struct pod_record *rec)
{
	return rec->scheduled && rec->phase != POD_PHASE_SUCCEEDED &&
	       rec->phase != POD_PHASE_FAILED;
}

/* One NodeSelectorRequirement (key, operator, values) against a node's
 * labels (a JSON object): the semantics of labels.Requirement.Matches, Gt
 * and Lt comparing integers. */
static bool requirement_matches(json_object *req, json_object *labels)
{
	const char *key = json_get_str(req, "key"), *op = json_get_str(req, "operator");
	const char *v = key != NULL ? json_get_str(labels, key) : NULL;
	json_object *values = json_get_arr(req, "values");

	if (op == NULL)
		return false;
	if (strcmp(op, "In") == 0)
		return v != NULL && json_strs_has(values, v);
	if (strcmp(op, "NotIn") == 0)
		return v == NULL || !json_strs_has(values, v);
	if (strcmp(op, "Exists") == 0)
		return v != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return v == NULL;
	if (v != NULL && values != NULL && json_object_array_length(values) == 1) {
		char *end = NULL;
		long long have = strtoll(v, &end, 10);
		long long want =
		    strtoll(json_object_get_string(json_object_array_get_idx(values, 0)), NULL, 10);

		if (end == v || *end != '\0')
			return false;
		return strcmp(op, "Gt") == 0 ? have > want : strcmp(op, "Lt") == 0 && have < want;
	}
	return false;
}

/* Does every key=value of map (NULL: none) hold in labels? */
static bool map_matches(json_object *map, json_object *labels)
{
	if (map == NULL)
		return true;
	json_object_object_foreach(map, k, v)
	{
		const char *have = json_get_str(labels, k);

		if (have == NULL || strcmp(have, json_object_get_string(v)) != 0)
			return false;
	}
	return true;
}

/* A LabelSelector (matchLabels, matchExpressions) against a label set
 * (parallel NULL-terminated keys and values); NULL matches nothing, {}
 * everything, as metav1.LabelSelectorAsSelector. Validated at apply, so
 * one that does not decode matches nothing. */
static bool selector_matches(json_object *sel, char *const *keys, char *const *values)
{
	struct pod_selector *s = NULL;
	struct pp_error err = {0};
	bool ok;

	if (sel == NULL || pod_selector_from_json(sel, "labelSelector", &s, &err) < 0)
		return false;
	ok = pod_selector_matches(s, keys, values);
	pod_selector_free(s);
	return ok;
}

static bool pod_selected(json_object *sel, const struct pod *pod)
{
	return selector_matches(sel, pod->label_keys, pod->label_values);
}

/* A NodeSelectorTerm: its expressions against the node's labels, its
 * fields against metadata.name; a term with neither matches nothing. */
static bool term_matches(json_object *term, json_object *node)
{
	json_object *meta = json_get_obj(node, "metadata");
	json_object *exprs = json_get_arr(term, "matchExpressions");
	json_object *fields = json_get_arr(term, "matchFields");
	json_object *name = json_object_new_object();
	json_object *nl = json_get_obj(meta, "labels");
	size_t ne = exprs ? json_object_array_length(exprs) : 0;
	size_t nf = fields ? json_object_array_length(fields) : 0;
	bool ok = ne + nf > 0;

	json_object_object_add(name, "metadata.name",
	                       json_object_new_string(json_get_str(meta, "name")));
	for (size_t i = 0; ok && i < ne; i++)
		ok = requirement_matches(json_object_array_get_idx(exprs, i), nl);
	for (size_t i = 0; ok && i < nf; i++)
		ok = requirement_matches(json_object_array_get_idx(fields, i), name);
	json_object_put(name);
	return ok;
}

static struct verdict fail(const char *reason, bool unresolvable)
{
	struct verdict v = {.unresolvable = unresolvable};

	strv_push(&v.reasons, reason);
	return v;
}

static struct verdict node_name(const struct pod *pod, json_object *node)
{
	const char *name = json_get_str(json_get_obj(node, "metadata"), "name");

	if (pod->sched.node_name != NULL && *pod->sched.node_name != '\0' &&
	    strcmp(pod->sched.node_name, name) != 0)
		return fail("node(s) didn't match the requested node name", true);
	return (struct verdict){0};
}

/* v1helper.TolerationsTolerateTaint for one toleration. */
static bool tolerates(json_object *tol, json_object *taint)
{
	const char *effect = json_get_str(tol, "effect"), *key = json_get_str(tol, "key");
	const char *op = json_get_str(tol, "operator"), *value = json_get_str(tol, "value");
	const char *tkey = json_get_str(taint, "key"), *tvalue = json_get_str(taint, "value");

	if (effect != NULL && *effect != '\0' && strcmp(effect, json_get_str(taint, "effect")) != 0)
		return false;
	if (key != NULL && *key != '\0' && strcmp(key, tkey != NULL ? tkey : "") != 0)
		return false;
	if (op != NULL && strcmp(op, "Exists") == 0)
		return true;
	return (key != NULL && *key != '\0') &&
	       strcmp(value != NULL ? value : "", tvalue != NULL ? tvalue : "") == 0;
}

static bool tolerated(const struct pod *pod, json_object *taint)
{
	json_object *tols = pod->sched.tolerations;

	for (size_t i = 0; tols != NULL && i < json_object_array_length(tols); i++)
		if (tolerates(json_object_array_get_idx(tols, i), taint))
			return true;
	return false;
}

static struct verdict node_unschedulable(const struct pod *pod, json_object *node)
{
	json_object *taint = NULL;
	bool ok;

	if (!json_get_bool(json_get_obj(node, "spec"), "unschedulable", false))
		return (struct verdict){0};
	taint = json_object_new_object();
	json_object_object_add(taint, "key",
	                       json_object_new_string("node.kubernetes.io/unschedulable"));
	json_object_object_add(taint, "effect", json_object_new_string("NoSchedule"));
	ok = tolerated(pod, taint);
	json_object_put(taint);
	return ok ? (struct verdict){0} : fail("node(s) were unschedulable", true);
}

static struct verdict taint_toleration(const struct pod *pod, json_object *node)
{
	json_object *taints = json_get_arr(json_get_obj(node, "spec"), "taints");

	for (size_t i = 0; taints != NULL && i < json_object_array_length(taints); i++) {
		json_object *t = json_object_array_get_idx(taints, i);
		const char *effect = json_get_str(t, "effect"), *value = json_get_str(t, "value");
		cleanup_free char *why = NULL;

		if (effect == NULL ||
		    (strcmp(effect, "NoSchedule") != 0 && strcmp(effect, "NoExecute") != 0) ||
		    tolerated(pod, t))
			continue;
		why = xstrfmt("node(s) had untolerated taint {%s: %s}", json_get_str(t, "key"),
		              value != NULL ? value : "");
		return fail(why, true);
	}
	return (struct verdict){0};
}

static struct verdict node_affinity(const struct pod *pod, json_object *node)
{
	json_object *nl = json_get_obj(json_get_obj(node, "metadata"), "labels");
	json_object *req = json_get_obj(json_get_obj(pod->sched.affinity, "nodeAffinity"),
	                                "requiredDuringSchedulingIgnoredDuringExecution");
	json_object *terms = json_get_arr(req, "nodeSelectorTerms");
	bool ok = map_matches(pod->sched.node_selector, nl);

	if (ok && req != NULL) {
		ok = false;
		for (size_t i = 0; !ok && terms != NULL && i < json_object_array_length(terms); i++)
			ok = term_matches(json_object_array_get_idx(terms, i), node);
	}
	return ok ? (struct verdict){0}
	          : fail("node(s) didn't match Pod's node affinity/selector", true);
}

static uint64_t alloc_of(json_object *alloc, const char *name, bool milli)
{
	const char *s = json_get_str(alloc, name);
	uint64_t v = 0;

	if (s == NULL) {
		json_object *n = json_object_object_get(alloc, name);

		return n != NULL && json_object_is_type(n, json_type_int)
		           ? (uint64_t)json_object_get_int64(n) * (milli ? 1000 : 1)
		           : 0;
	}
	if ((milli ? pod_quantity_parse_milli(s, &v) : pod_quantity_parse(s, &v)) < 0)
		return 0;
	return v;
}

/* NodeResourcesFit's fitsRequest: pods, then each resource the pod
 * requests more of than is left. */
static struct verdict resources_fit(const struct pod *pod, json_object *node,
                                    struct pod_record *const *others, size_t n)
{
	json_object *alloc = json_get_obj(json_get_obj(node, "status"), "allocatable");
	struct pod_sched_req want = {0}, used = {0};
	struct verdict v = {0};
	uint64_t pods = 1;

	pod_sched_requests(pod, &want);
	for (size_t i = 0; i < n; i++) {
		struct pod_sched_req r = {0};

		if (!pod_sched_holds(others[i]))
			continue;
		pods++;
		pod_sched_requests(others[i]->pod, &r);
		used.cpu += r.cpu;
		used.memory += r.memory;
		for (size_t j = 0; r.ext_names != NULL && r.ext_names[j] != NULL; j++)
			add_ext(&used, r.ext_names[j], r.ext_values[j], false);
		pod_sched_req_clear(&r);
	}
	if (pods > alloc_of(alloc, "pods", false))
		strv_push(&v.reasons, "Too many pods");
	if (want.cpu > 0 && want.cpu + used.cpu > alloc_of(alloc, "cpu", true))
		strv_push(&v.reasons, "Insufficient cpu");
	if (want.memory > 0 && want.memory + used.memory > alloc_of(alloc, "memory", false))
		strv_push(&v.reasons, "Insufficient memory");
	for (size_t i = 0; want.ext_names != NULL && want.ext_names[i] != NULL; i++) {
		uint64_t u = 0;

		for (size_t j = 0; used.ext_names != NULL && used.ext_names[j] != NULL; j++)
			if (strcmp(used.ext_names[j], want.ext_names[i]) == 0)
				u = used.ext_values[j];
		if (want.ext_values[i] > 0 &&
		    want.ext_values[i] + u > alloc_of(alloc, want.ext_names[i], false)) {
			cleanup_free char *why = xstrfmt("Insufficient %s", want.ext_names[i]);

			strv_push(&v.reasons, why);
		}
	}
	pod_sched_req_clear(&want);
	pod_sched_req_clear(&used);
	return v;
}

/* The namespaces a PodAffinityTerm selects: its namespaces and
 * namespaceSelector (against a namespace's only label here,
 * kubernetes.io/metadata.name), or else the pod's own namespace. */
static bool term_namespace(json_object *term, const struct pod *owner, const char *ns)
{
	json_object *list = json_get_arr(term, "namespaces");
	json_object *nsel = json_get_obj(term, "namespaceSelector");
	char *keys[] = {"kubernetes.io/metadata.name", NULL};
	char *values[] = {(char *)ns, NULL};

	if ((list == NULL || json_object_array_length(list) == 0) && nsel == NULL)
		return strcmp(owner->namespace_, ns) == 0;
	if (json_strs_has(list, ns))
		return true;
	if (nsel == NULL)
		return false;
	return selector_matches(nsel, keys, values);
}

/* Does pod (owning term) select target through term on this node: the
 * node has the topology key (one domain), the namespace and labels match. */
static bool term_selects(json_object *term, const struct pod *owner, const struct pod *target,
                         json_object *node)
{
	const char *key = json_get_str(term, "topologyKey");
	json_object *labels = json_get_obj(json_get_obj(node, "metadata"), "labels");

	return key != NULL && json_get_str(labels, key) != NULL &&
	       term_namespace(term, owner, target->namespace_) &&
	       pod_selected(json_get_obj(term, "labelSelector"), target);
}

static json_object *required_terms(const struct pod *pod, const char *kind)
{
	return json_get_arr(json_get_obj(pod->sched.affinity, kind),
	                    "requiredDuringSchedulingIgnoredDuringExecution");
}

/* Does any holding pod satisfy term, owned by pod? */
static bool any_selected(json_object *term, const struct pod *pod, json_object *node,
                         struct pod_record *const *others, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pod_sched_holds(others[i]) && term_selects(term, pod, others[i]->pod, node))
			return true;
	return false;
}

/* InterPodAffinity: the existing pods' anti-affinity, the pod's
 * anti-affinity, then its affinity (a pod matching all of its own terms
 * may be the first of its group, as satisfyPodAffinity allows). */
static struct verdict inter_pod_affinity(const struct pod *pod, json_object *node,
                                         struct pod_record *const *others, size_t n)
{
	json_object *anti = required_terms(pod, "podAntiAffinity");
	json_object *aff = required_terms(pod, "podAffinity");
	bool found_all = true, self_all = true;

	for (size_t i = 0; i < n; i++) {
		json_object *ea = required_terms(others[i]->pod, "podAntiAffinity");

		for (size_t j = 0;
		     pod_sched_holds(others[i]) && ea != NULL && j < json_object_array_length(ea);
		     j++)
			if (term_selects(json_object_array_get_idx(ea, j), others[i]->pod, pod,
			                 node))
				return fail(
				    "node(s) didn't satisfy existing pods anti-affinity rules",
				    false);
	}
	for (size_t j = 0; anti != NULL && j < json_object_array_length(anti); j++)
		if (any_selected(json_object_array_get_idx(anti, j), pod, node, others, n))
			return fail("node(s) didn't match pod anti-affinity rules", false);
	for (size_t j = 0; aff != NULL && j < json_object_array_length(aff); j++) {
		json_object *t = json_object_array_get_idx(aff, j);

		found_all = found_all && any_selected(t, pod, node, others, n);
		self_all = self_all && term_selects(t, pod, pod, node);
	}
	if (aff == NULL || found_all || self_all)
		return (struct verdict){0};
	return fail("node(s) didn't match pod affinity rules", true);
}

/* PodTopologySpread's DoNotSchedule constraints with this node the one
 * domain: skew = matching pods + self - global minimum, the minimum 0 when
 * there are fewer domains (1) than minDomains. */
static struct verdict topology_spread(const struct pod *pod, json_object *node,
                                      struct pod_record *const *others, size_t n)
{
	json_object *cs = pod->sched.topology_spread;
	json_object *labels = json_get_obj(json_get_obj(node, "metadata"), "labels");

	for (size_t i = 0; cs != NULL && i < json_object_array_length(cs); i++) {
		json_object *c = json_object_array_get_idx(cs, i);
		json_object *sel = json_get_obj(c, "labelSelector");
		const char *when = json_get_str(c, "whenUnsatisfiable");
		int64_t count = 0, self, min, skew = json_get_int(c, "maxSkew", 1);

		if (when != NULL && strcmp(when, "DoNotSchedule") != 0)
			continue;
		if (json_get_str(labels, json_get_str(c, "topologyKey")) == NULL)
			return fail("node(s) didn't match pod topology spread constraints (missing "
			            "required label)",
			            true);
		for (size_t j = 0; j < n; j++)
			count += pod_sched_holds(others[j]) &&
			         strcmp(others[j]->pod->namespace_, pod->namespace_) == 0 &&
			         pod_selected(sel, others[j]->pod);
		self = pod_selected(sel, pod);
		min = json_get_int(c, "minDomains", 1) > 1 ? 0 : count;
		if (count + self - min > skew)
			return fail("node(s) didn't match pod topology spread constraints", false);
	}
	return (struct verdict){0};
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* FitError.Error() and the PostFilter's message for one node. */
static char *fit_error(const struct pod *pod, struct verdict *v)
{
	cleanup_free char *reasons = NULL;
	const char *post;
	size_t n = strv_len(v->reasons);

	qsort(v->reasons, n, sizeof(char *), str_cmp);
	for (size_t i = 0; i < n; i++) {
		char *next =
		    xstrfmt("%s%s1 %s", reasons ? reasons : "", reasons ? ", " : "", v->reasons[i]);

		free(reasons);
		reasons = next;
	}
	if (pod->sched.preemption_policy != NULL &&
	    strcmp(pod->sched.preemption_policy, "Never") == 0)
		post = "preemption: not eligible due to preemptionPolicy=Never.";
	else if (v->unresolvable)
		post = "preemption: 0/1 nodes are available: 1 Preemption is not helpful for "
		       "scheduling.";
	else
		post = "preemption: 0/1 nodes are available: 1 No preemption victims found for "
		       "incoming pod.";
	return xstrfmt("0/1 nodes are available: %s. %s", reasons, post);
}

char *pod_sched_filter(const struct pod *pod, json_object *node, struct pod_record *const *others,
                       size_t n_others)
{
	struct verdict v = node_unschedulable(pod, node);
	char *msg;

	if (v.reasons == NULL)
		v = node_name(pod, node);
	if (v.reasons == NULL)
		v = taint_toleration(pod, node);
	if (v.reasons == NULL)
		v = node_affinity(pod, node);
	if (v.reasons == NULL)
		v = resources_fit(pod, node, others, n_others);
	if (v.reasons == NULL)
		v = topology_spread(pod, node, others, n_others);
	if (v.reasons == NULL)
		v = inter_pod_affinity(pod, node, others, n_others);
	if (v.reasons == NULL)
		return NULL;
	msg = fit_error(pod, &v);
	strv_free(v.reasons);
	return msg;
}
