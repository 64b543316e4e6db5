/* SPDX-License-Identifier: Apache-2.0 */
/* containers[].resources: limits and requests of cpu and memory, decoded,
 * defaulted (requests from limits) and checked as the API server does
 * (ValidateResourceRequirements), their encoding, and the pod's QoS class
 * (GetPodQOS). Other resource names are refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/error.h"
#include "util/xalloc.h"

#define QUANTITY_MSG                                    \
	"quantities must match the regular expression " \
	"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

/* v (a string or a number) as quantity text in buf; false for other types. */
static bool quantity_text(json_object *v, char *buf, size_t len)
{
	if (json_object_is_type(v, json_type_int))
		(void)snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
	else if (json_object_is_type(v, json_type_double))
		(void)snprintf(buf, len, "%.17g", json_object_get_double(v));
	else if (json_object_is_type(v, json_type_string) &&
	         (size_t)json_object_get_string_len(v) < len)
		(void)snprintf(buf, len, "%s", json_object_get_string(v));
	else
		return false;
	return true;
}

/* Names the API server accepts for a container that peapod does not
 * implement: the other standard ones and extended (domain/name) ones. */
static bool is_other_resource(const char *name)
{
	return strcmp(name, "ephemeral-storage") == 0 || strncmp(name, "hugepages-", 10) == 0 ||
	       strchr(name, '/') != NULL;
}

static int decode_quantity(json_object *v, const char *name, const char *path,
                           struct pod_quantity *q, struct pp_error *err)
{
	bool milli = strcmp(name, "cpu") == 0;
	bool neg;
	int r;

	if (!quantity_text(v, q->text, sizeof(q->text)))
		return pod_type_error(path, v, "a quantity (e.g. \"128Mi\")", err);
	neg = q->text[0] == '-';
	r = milli ? pod_quantity_parse_milli(q->text + neg, &q->value)
	          : pod_quantity_parse(q->text + neg, &q->value);
	if (r == -EINVAL || (r == 0 && neg && q->text[1] == '-'))
		return pod_invalid(path, q->text, QUANTITY_MSG, err);
	if (r == 0 && neg && q->value > 0)
		return pod_invalid(path, q->text, "must be greater than or equal to 0", err);
	if (r < 0)
		return pod_invalid(path, q->text, "must be less than 2^62", err);
	q->set = true;
	return 0;
}

/* IsExtendedResourceName: a domain-prefixed name outside kubernetes.io,
 * not a quota "requests." name. */
static bool is_extended(const char *name)
{
	const char *slash = strchr(name, '/');

	return slash != NULL && strncmp(name, "requests.", 9) != 0 &&
	       !(slash - name >= 13 && strncmp(slash - 13, "kubernetes.io", 13) == 0);
}

/* An extended resource: a qualified name and a whole number. */
static int decode_ext(json_object *v, const char *name, const char *path,
                      struct pod_resource_list *l, struct pp_error *err)
{
	struct pod_quantity q = {0};
	uint64_t milli = 0;
	int r = pod_check_qualified_name(path, name, err);

	if (r == 0)
		r = decode_quantity(v, name, path, &q, err);
	if (r < 0)
		return r;
	if (pod_quantity_parse_milli(q.text, &milli) < 0 || milli % 1000 != 0)
		return pod_invalid(path, q.text, "must be an integer", err);
	l->ext = xrealloc(l->ext, (l->n_ext + 1) * sizeof(*l->ext));
	l->ext[l->n_ext].name = xstrdup(name);
	l->ext[l->n_ext++].q = q;
	return 0;
}

/* Pod-level names (validatePodResourceName): cpu, memory and hugepages-*;
 * peapod implements cpu and memory. */
static int check_pod_level_name(const char *name, const char *path, struct pp_error *err)
{
	char q[128];

	if (strncmp(name, "hugepages-", 10) == 0)
		return pod_unsupported(path, err);
	if (strchr(name, '/') == NULL && strcmp(name, "ephemeral-storage") != 0)
		return pod_invalid(path, name,
		                   "must be a standard resource type or fully qualified", err);
	return pp_error_msg(
	    err, EINVAL,
	    "%s: Unsupported value: %s: supported values: \"cpu\", \"hugepages-\", \"memory\"",
	    path, pod_quote(name, q, sizeof(q)));
}

static int decode_list(json_object *v, struct pod_resource_list *l, bool pod_level,
                       const char *path, struct pp_error *err)
{
	char sub[POD_PATH_MAX];

	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	json_object_object_foreach(v, name, q)
	{
		(void)snprintf(sub, sizeof(sub), "%s[%s]", path, name);
		if (strcmp(name, "cpu") == 0 || strcmp(name, "memory") == 0) {
			int r = decode_quantity(q, name, sub, name[0] == 'c' ? &l->cpu : &l->memory,
			                        err);

			if (r < 0)
				return r;
		} else if (pod_level) {
			return check_pod_level_name(name, sub, err);
		} else if (is_extended(name)) {
			int r = decode_ext(q, name, sub, l, err);

			if (r < 0)
				return r;
		} else if (is_other_resource(name)) {
			return pod_unsupported(sub, err);
		} else {
			return pod_invalid(sub, name, "must be a standard resource for containers",
			                   err);
		}
	}
	return 0;
}

static int decode_limits(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_list(v, &((struct pod_container *)obj)->limits, false, path, err);
}

static int decode_requests(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_list(v, &((struct pod_container *)obj)->requests, false, path, err);
}

static int decode_pod_limits(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_list(v, &((struct pod *)obj)->pod_limits, true, path, err);
}

static int decode_pod_requests(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_list(v, &((struct pod *)obj)->pod_requests, true, path, err);
}

static const struct pod_field resources_fields[] = {
    {"limits", POD_FIELD_CUSTOM, 0, decode_limits},
    {"requests", POD_FIELD_CUSTOM, 0, decode_requests},
    {"claims", POD_FIELD_UNSUPPORTED, 0, NULL},
    {NULL, 0, 0, NULL},
};

/* A request above its limit: `PATH.requests: Invalid value: "2": must be
 * less than or equal to cpu limit of 1`. */
static int check_request(const struct pod_quantity *req, const struct pod_quantity *lim,
                         const char *name, const char *path, struct pp_error *err)
{
	char why[128];

	if (!req->set || !lim->set || req->value <= lim->value)
		return 0;
	(void)snprintf(why, sizeof(why), "must be less than or equal to %s limit of %s", name,
	               lim->text);
	return pod_invalid(path, req->text, why, err);
}

static const struct pod_ext_resource *ext_find(const struct pod_resource_list *l, const char *name)
{
	for (size_t i = 0; i < l->n_ext; i++)
		if (strcmp(l->ext[i].name, name) == 0)
			return &l->ext[i];
	return NULL;
}

/* Extended resources are not overcommitted: a request defaults to its
 * limit, needs one, and must equal it. */
static int check_extended(struct pod_container *c, const char *path, struct pp_error *err)
{
	char sub[POD_PATH_MAX], why[160];

	for (size_t i = 0; i < c->limits.n_ext; i++) {
		const struct pod_ext_resource *e = &c->limits.ext[i];

		if (ext_find(&c->requests, e->name) == NULL) {
			struct pod_resource_list *q = &c->requests;

			q->ext = xrealloc(q->ext, (q->n_ext + 1) * sizeof(*q->ext));
			q->ext[q->n_ext].name = xstrdup(e->name);
			q->ext[q->n_ext++].q = e->q;
		}
	}
	for (size_t i = 0; i < c->requests.n_ext; i++) {
		const struct pod_ext_resource *e = &c->requests.ext[i];
		const struct pod_ext_resource *lim = ext_find(&c->limits, e->name);

		(void)snprintf(sub, sizeof(sub), "%s.limits[%s]", path, e->name);
		if (lim == NULL)
			return pp_error_msg(
			    err, EINVAL,
			    "%s: Required value: Limit must be set for non overcommitable resources",
			    sub);
		(void)snprintf(sub, sizeof(sub), "%s.requests[%s]", path, e->name);
		(void)snprintf(why, sizeof(why), "must be equal to %s limit of %s", e->name,
		               lim->q.text);
		if (lim->q.value != e->q.value)
			return pod_invalid(sub, e->q.text, why, err);
	}
	return 0;
}

int pod_decode_resources(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_container *c = obj;
	char sub[POD_PATH_MAX];
	int r = pod_decode_fields(v, resources_fields, c, path, err);

	if (r < 0)
		return r;
	/* SetDefaults_Container: a request defaults to its limit */
	if (c->limits.cpu.set && !c->requests.cpu.set)
		c->requests.cpu = c->limits.cpu;
	if (c->limits.memory.set && !c->requests.memory.set)
		c->requests.memory = c->limits.memory;
	pod_path_key(sub, path, "requests");
	r = check_request(&c->requests.cpu, &c->limits.cpu, "cpu", sub, err);
	if (r == 0)
		r = check_request(&c->requests.memory, &c->limits.memory, "memory", sub, err);
	if (r == 0)
		r = check_extended(c, path, err);
	return r;
}

static const struct pod_field pod_resources_fields[] = {
    {"limits", POD_FIELD_CUSTOM, 0, decode_pod_limits},
    {"requests", POD_FIELD_CUSTOM, 0, decode_pod_requests},
    {"claims", POD_FIELD_UNSUPPORTED, 0, NULL},
    {NULL, 0, 0, NULL},
};

int pod_decode_pod_resources(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod *pod = obj;
	int r;

	if (v == NULL)
		return 0;
	r = pod_decode_fields(v, pod_resources_fields, pod, path, err);
	if (r == 0)
		pod->has_resources = pod->pod_limits.cpu.set || pod->pod_limits.memory.set ||
		                     pod->pod_requests.cpu.set || pod->pod_requests.memory.set;
	return r;
}

static bool quantity_eq(const struct pod_quantity *a, const struct pod_quantity *b)
{
	return a->set == b->set && a->value == b->value && strcmp(a->text, b->text) == 0;
}

static bool ext_eq(const struct pod_resource_list *a, const struct pod_resource_list *b)
{
	if (a->n_ext != b->n_ext)
		return false;
	for (size_t i = 0; i < a->n_ext; i++)
		if (strcmp(a->ext[i].name, b->ext[i].name) != 0 ||
		    !quantity_eq(&a->ext[i].q, &b->ext[i].q))
			return false;
	return true;
}

void pod_resources_free(struct pod_container *c)
{
	for (size_t i = 0; i < c->limits.n_ext; i++)
		free(c->limits.ext[i].name);
	free(c->limits.ext);
	for (size_t i = 0; i < c->requests.n_ext; i++)
		free(c->requests.ext[i].name);
	free(c->requests.ext);
}

bool pod_resources_equal(const struct pod_container *a, const struct pod_container *b)
{
	return ext_eq(&a->limits, &b->limits) && ext_eq(&a->requests, &b->requests) &&
	       quantity_eq(&a->limits.cpu, &b->limits.cpu) &&
	       quantity_eq(&a->limits.memory, &b->limits.memory) &&
	       quantity_eq(&a->requests.cpu, &b->requests.cpu) &&
	       quantity_eq(&a->requests.memory, &b->requests.memory);
}

static json_object *list_to_json(const struct pod_resource_list *l)
{
	json_object *o;

	if (!l->cpu.set && !l->memory.set && l->n_ext == 0)
		return NULL;
	o = json_object_new_object();
	if (l->cpu.set)
		json_object_object_add(o, "cpu", json_object_new_string(l->cpu.text));
	if (l->memory.set)
		json_object_object_add(o, "memory", json_object_new_string(l->memory.text));
	for (size_t i = 0; i < l->n_ext; i++)
		json_object_object_add(o, l->ext[i].name, json_object_new_string(l->ext[i].q.text));
	return o;
}

void pod_resources_add(json_object *o, const struct pod_container *c)
{
	json_object *lim = list_to_json(&c->limits), *req = list_to_json(&c->requests);
	json_object *res;

	if (lim == NULL && req == NULL)
		return;
	res = json_object_new_object();
	if (lim != NULL)
		json_object_object_add(res, "limits", lim);
	if (req != NULL)
		json_object_object_add(res, "requests", req);
	json_object_object_add(o, "resources", res);
}

/* Sums over the pod's containers for GetPodQOS; only non-zero quantities
 * count. */
struct qos_sums {
	uint64_t req_cpu, req_mem, lim_cpu, lim_mem;
	bool any;
	bool guaranteed; /* every container limits both cpu and memory */
};

static void qos_add(struct qos_sums *s, const struct pod_container *c)
{
	s->req_cpu += c->requests.cpu.value;
	s->req_mem += c->requests.memory.value;
	s->lim_cpu += c->limits.cpu.value;
	s->lim_mem += c->limits.memory.value;
	if (c->requests.cpu.value || c->requests.memory.value || c->limits.cpu.value ||
	    c->limits.memory.value)
		s->any = true;
	if (c->limits.cpu.value == 0 || c->limits.memory.value == 0)
		s->guaranteed = false;
}

/* GetPodQOS with pod-level resources: those alone decide. */
static const char *pod_level_qos(const struct pod *pod)
{
	const struct pod_resource_list *l = &pod->pod_limits, *r = &pod->pod_requests;

	if (!l->cpu.value && !l->memory.value && !r->cpu.value && !r->memory.value)
		return "BestEffort";
	if (l->cpu.value && l->memory.value && r->cpu.value == l->cpu.value &&
	    r->memory.value == l->memory.value)
		return "Guaranteed";
	return "Burstable";
}

const char *pod_qos_class(const struct pod *pod)
{
	struct qos_sums s = {.guaranteed = true};

	if (pod->has_resources)
		return pod_level_qos(pod);
	for (size_t i = 0; i < pod->n_init_containers; i++)
		qos_add(&s, &pod->init_containers[i]);
	for (size_t i = 0; i < pod->n_containers; i++)
		qos_add(&s, &pod->containers[i]);
	if (!s.any)
		return "BestEffort";
	if (s.guaranteed && s.req_cpu == s.lim_cpu && s.req_mem == s.lim_mem)
		return "Guaranteed";
	return "Burstable";
}

/* v in the canonical form of a resource.Quantity: cpu "1500m" or "2";
 * memory in the largest binary (when binary, as "Mi" was written) or
 * decimal suffix that divides it exactly. */
void pod_quantity_format(uint64_t v, bool milli, bool binary, char *buf, size_t len)
{
	static const char *const bin[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
	static const char *const dec[] = {"k", "M", "G", "T", "P", "E"};
	uint64_t base = binary ? 1024 : 1000;
	int unit = -1;

	if (milli) {
		if (v % 1000 == 0)
			(void)snprintf(buf, len, "%llu", (unsigned long long)(v / 1000));
		else
			(void)snprintf(buf, len, "%llum", (unsigned long long)v);
		return;
	}
	while (v != 0 && v % base == 0 && unit < 5) {
		v /= base;
		unit++;
	}
	(void)snprintf(buf, len, "%llu%s", (unsigned long long)v,
	               unit < 0 ? "" : (binary ? bin[unit] : dec[unit]));
}

/* The effective request of the containers for one resource, as
 * AggregateContainerRequests: max(sum of app containers, largest init). */
struct aggregate {
	uint64_t value;
	bool set;    /* some container gives it */
	bool binary; /* the first one given was written with a binary suffix */
};

static const struct pod_quantity *pick(const struct pod_resource_list *l, bool cpu)
{
	return cpu ? &l->cpu : &l->memory;
}

static void aggregate_add(struct aggregate *a, const struct pod_quantity *q)
{
	if (!q->set)
		return;
	if (!a->set)
		a->binary = strchr(q->text, 'i') != NULL;
	a->set = true;
}

static struct aggregate aggregate_requests(const struct pod *pod, bool cpu)
{
	struct aggregate a = {0};
	uint64_t init_max = 0;

	for (size_t i = 0; i < pod->n_containers; i++) {
		const struct pod_quantity *q = pick(&pod->containers[i].requests, cpu);

		aggregate_add(&a, q);
		a.value += q->value;
	}
	for (size_t i = 0; i < pod->n_init_containers; i++) {
		const struct pod_quantity *q = pick(&pod->init_containers[i].requests, cpu);

		aggregate_add(&a, q);
		if (q->value > init_max)
			init_max = q->value;
	}
	if (init_max > a.value)
		a.value = init_max;
	return a;
}

/* defaultPodRequests: with a pod-level limit, a missing pod-level request
 * is the containers' aggregate request when one gives it, else the limit. */
static void default_pod_request(struct pod *pod, bool cpu)
{
	const struct pod_quantity *lim = pick(&pod->pod_limits, cpu);
	struct pod_quantity *req = (struct pod_quantity *)pick(&pod->pod_requests, cpu);
	struct aggregate a = aggregate_requests(pod, cpu);

	if (req->set)
		return;
	if (a.set) {
		req->set = true;
		req->value = a.value;
		pod_quantity_format(a.value, cpu, a.binary, req->text, sizeof(req->text));
	} else if (lim->set) {
		*req = *lim;
	}
}

void pod_resources_pod_default(struct pod *pod)
{
	if (!pod->pod_limits.cpu.set && !pod->pod_limits.memory.set)
		return;
	default_pod_request(pod, true);
	default_pod_request(pod, false);
}

/* validatePodResourceConsistency for one resource: the pod's request
 * covers the containers' aggregate and no app container's limit is above
 * the pod's. */
static int check_consistency(const struct pod *pod, bool cpu, struct pp_error *err)
{
	const char *name = cpu ? "cpu" : "memory";
	const struct pod_quantity *req = pick(&pod->pod_requests, cpu);
	const struct pod_quantity *lim = pick(&pod->pod_limits, cpu);
	struct aggregate a = aggregate_requests(pod, cpu);
	char path[POD_PATH_MAX], why[128], agg[48];

	if (req->set && a.set && a.value > req->value) {
		pod_quantity_format(a.value, cpu, a.binary, agg, sizeof(agg));
		(void)snprintf(path, sizeof(path), "spec.resources.requests[%s]", name);
		(void)snprintf(
		    why, sizeof(why),
		    "must be greater than or equal to aggregate container requests of %s", agg);
		return pod_invalid(path, req->text, why, err);
	}
	for (size_t i = 0; lim->set && i < pod->n_containers; i++) {
		const struct pod_quantity *cl = pick(&pod->containers[i].limits, cpu);

		if (!cl->set || cl->value <= lim->value)
			continue;
		/* the API server builds this path from spec.resources */
		(void)snprintf(path, sizeof(path), "spec.resources.containers[%zu][%s].limits", i,
		               name);
		(void)snprintf(why, sizeof(why), "must be less than or equal to pod limits of %s",
		               lim->text);
		return pod_invalid(path, cl->text, why, err);
	}
	return 0;
}

int pod_validate_pod_resources(const struct pod *pod, struct pp_error *err)
{
	int r;

	if (!pod->has_resources)
		return 0;
	if (pod->os_name != NULL && strcmp(pod->os_name, "windows") == 0)
		return pp_error_msg(err, EINVAL,
		                    "spec.resources: Forbidden: may not be set for a windows pod");
	r = check_request(&pod->pod_requests.cpu, &pod->pod_limits.cpu, "cpu",
	                  "spec.resources.requests", err);
	if (r == 0)
		r = check_request(&pod->pod_requests.memory, &pod->pod_limits.memory, "memory",
		                  "spec.resources.requests", err);
	if (r == 0)
		r = check_consistency(pod, true, err);
	if (r == 0)
		r = check_consistency(pod, false, err);
	return r;
}

bool pod_resources_pod_equal(const struct pod *a, const struct pod *b)
{
	return a->has_resources == b->has_resources &&
	       quantity_eq(&a->pod_limits.cpu, &b->pod_limits.cpu) &&
	       quantity_eq(&a->pod_limits.memory, &b->pod_limits.memory) &&
	       quantity_eq(&a->pod_requests.cpu, &b->pod_requests.cpu) &&
	       quantity_eq(&a->pod_requests.memory, &b->pod_requests.memory);
}

void pod_resources_pod_add(json_object *spec, const struct pod *pod)
{
	json_object *lim, *req, *res;

	if (!pod->has_resources)
		return;
	lim = list_to_json(&pod->pod_limits);
	req = list_to_json(&pod->pod_requests);
	res = json_object_new_object();
	if (lim != NULL)
		json_object_object_add(res, "limits", lim);
	if (req != NULL)
		json_object_object_add(res, "requests", req);
	json_object_object_add(spec, "resources", res);
}
