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

static int decode_list(json_object *v, struct pod_resource_list *l, const char *path,
                       struct pp_error *err)
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
	return decode_list(v, &((struct pod_container *)obj)->limits, path, err);
}

static int decode_requests(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_list(v, &((struct pod_container *)obj)->requests, path, err);
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

const char *pod_qos_class(const struct pod *pod)
{
	struct qos_sums s = {.guaranteed = true};

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
