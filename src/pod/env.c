/* SPDX-License-Identifier: Apache-2.0 */
/* A container's environment by the kubelet's rules (kubelet_pods.go
 * makeEnvironmentVariables, podFieldSelectorRuntimeValue,
 * containerResourceRuntimeValue; third_party/forked/golang/expansion). */
#include "pod/env.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/statvfs.h>
#include <sys/sysinfo.h>

#include "pod/objects.h"
#include "spec/object.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

/* execve's limit for one argument or env string (MAX_ARG_STRLEN): a
 * longer expansion could never run, so references past it stay as written. */
#define EXPAND_MAX ((size_t)32 * 4096)

/* Value of name in a "K=V" vector, the last definition winning (the
 * kubelet builds a map); NULL when undefined. */
static const char *env_lookup(char *const *env, const char *name, size_t len)
{
	const char *found = NULL;

	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			found = env[i] + len + 1;
	return found;
}

static void buf_add(char **buf, size_t *len, const char *s, size_t n)
{
	char *b = xrealloc(*buf, *len + n + 1);

	memcpy(b + *len, s, n);
	*len += n;
	b[*len] = '\0';
	*buf = b;
}

char *pod_env_expand(const char *in, char *const *env)
{
	char *out = xstrdup("");
	size_t len = 0;
	const char *p = in, *close, *val;

	while (*p != '\0') {
		const char *dollar = strchr(p, '$');

		if (dollar == NULL || dollar[1] == '\0') {
			buf_add(&out, &len, p, strlen(p));
			break;
		}
		buf_add(&out, &len, p, (size_t)(dollar - p));
		p = dollar + 2;
		if (dollar[1] == '$') {
			buf_add(&out, &len, "$", 1);
		} else if (dollar[1] == '(' && (close = strchr(dollar + 2, ')')) != NULL) {
			val = env_lookup(env, dollar + 2, (size_t)(close - dollar - 2));
			/* bounded: each reference may double the size */
			if (val != NULL && len + strlen(val) <= EXPAND_MAX)
				buf_add(&out, &len, val, strlen(val));
			else
				buf_add(&out, &len, dollar, (size_t)(close - dollar + 1));
			p = close + 1;
		} else {
			buf_add(&out, &len, dollar, 2);
		}
	}
	return out;
}

static size_t env_key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq != NULL ? (size_t)(eq - kv) : strlen(kv);
}

void pod_env_set(char ***env, const char *kv)
{
	size_t klen = env_key_len(kv), n = strv_len(*env);

	for (size_t i = 0; *env != NULL && i < n; i++) {
		if (env_key_len((*env)[i]) != klen || strncmp((*env)[i], kv, klen) != 0)
			continue;
		free((*env)[i]);
		if (kv[klen] == '=') {
			(*env)[i] = xstrdup(kv);
		} else {
			for (size_t j = i; j < n; j++)
				(*env)[j] = (*env)[j + 1];
		}
		return;
	}
	if (kv[klen] == '=')
		strv_push(env, kv);
}

/* One resolution: the objects fetched so far (each once, as the kubelet's
 * configMaps/secrets maps), the environment and the warnings. */
struct resolver {
	const struct pod *pod;
	const struct pod_container *c;
	const struct pod_env_ctx *ctx;
	struct kobj **objs;
	size_t n_objs;
	char **env;
	char **warnings;
};

static void resolver_clear(struct resolver *rs)
{
	kobj_free_all(rs->objs, rs->n_objs);
	strv_free(rs->env);
	strv_free(rs->warnings);
}

static void env_put(struct resolver *rs, const char *name, const char *value)
{
	cleanup_free char *kv = xstrfmt("%s=%s", name, value);

	pod_env_set(&rs->env, kv);
}

/* The object kind/name of the pod's namespace: 0 and *ret (borrowed), or
 * with optional and none there 0 and *ret NULL; -ENOENT `configmap "x" not
 * found`; or the lookup's error. */
static int object_get(struct resolver *rs, enum kobj_kind kind, const char *name, bool optional,
                      const struct kobj **ret, struct pp_error *err)
{
	const struct pod_env_ctx *ctx = rs->ctx;
	struct kobj *o = NULL;
	int r = -ENOENT;

	for (size_t i = 0; i < rs->n_objs; i++)
		if (rs->objs[i]->kind == kind && strcmp(rs->objs[i]->name, name) == 0) {
			*ret = rs->objs[i];
			return 0;
		}
	if (ctx->lookup != NULL)
		r = ctx->lookup(ctx->lookup_data, kind, rs->pod->namespace_, name, &o, err);
	if (r == -ENOENT && optional) {
		*ret = NULL;
		return 0;
	}
	if (r == -ENOENT)
		return pp_error_msg(err, ENOENT, "%s \"%s\" not found",
		                    kind == KOBJ_SECRET ? "secret" : "configmap", name);
	if (r < 0)
		return r;
	rs->objs = xrealloc(rs->objs, (rs->n_objs + 1) * sizeof(struct kobj *));
	rs->objs[rs->n_objs++] = o;
	*ret = o;
	return 0;
}

/* A ConfigMap's env values are its `data` (binaryData is not), a Secret's
 * every key. */
static const struct kobj_entry *entry_for_env(const struct kobj *o, const char *key)
{
	const struct kobj_entry *e = kobj_entry_find(o, key);

	return e != NULL && (o->kind == KOBJ_SECRET || !e->binary) ? e : NULL;
}

static int env_from_one(struct resolver *rs, const struct pod_env_from *f, struct pp_error *err)
{
	bool secret = f->secret_ref.set;
	const struct pod_key_ref *ref = secret ? &f->secret_ref : &f->config_map_ref;
	const struct kobj *o = NULL;
	cleanup_strv char **invalid = NULL;
	cleanup_free char *list = NULL, *msg = NULL;
	int r = object_get(rs, secret ? KOBJ_SECRET : KOBJ_CONFIGMAP, ref->name,
	                   ref->has_optional && ref->optional, &o, err);

	if (r < 0 || o == NULL)
		return r;
	for (size_t i = 0; i < o->n_entries; i++) {
		const struct kobj_entry *e = &o->entries[i];
		cleanup_free char *k = NULL;

		if (entry_for_env(o, e->key) == NULL)
			continue;
		k = xstrfmt("%s%s", f->prefix != NULL ? f->prefix : "", e->key);
		if (!pod_is_env_name(k))
			strv_push(&invalid, k);
		else
			env_put(rs, k, (const char *)e->value);
	}
	if (invalid == NULL)
		return 0;
	/* entries are sorted by key, so these are too, as the kubelet sorts them */
	list = strv_join(invalid, ", ");
	msg = xstrfmt("Keys [%s] from the EnvFrom %s %s/%s were skipped since they are "
	              "considered invalid environment variable names.",
	              list, secret ? "secret" : "configMap", rs->pod->namespace_, ref->name);
	strv_push(&rs->warnings, msg);
	return 0;
}

/* configMapKeyRef / secretKeyRef: 0 and *ret (borrowed), or NULL to skip. */
static int key_ref_value(struct resolver *rs, const struct pod_key_ref *ref, bool secret,
                         const char **ret, struct pp_error *err)
{
	bool optional = ref->has_optional && ref->optional;
	const struct kobj *o = NULL;
	const struct kobj_entry *e;
	int r = object_get(rs, secret ? KOBJ_SECRET : KOBJ_CONFIGMAP, ref->name, optional, &o, err);

	*ret = NULL;
	if (r < 0 || o == NULL)
		return r;
	e = entry_for_env(o, ref->key);
	if (e != NULL)
		*ret = (const char *)e->value;
	else if (!optional)
		return pp_error_msg(err, ENOENT, "couldn't find key %s in %s %s/%s", ref->key,
		                    secret ? "Secret" : "ConfigMap", rs->pod->namespace_,
		                    ref->name);
	return 0;
}

static const char *map_get(char *const *keys, char *const *values, const char *key, size_t len)
{
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		if (strlen(keys[i]) == len && strncmp(keys[i], key, len) == 0)
			return values[i];
	return "";
}

/* metadata.labels['k'] / metadata.annotations['k']: the value, "" when absent. */
static const char *subscript_value(const struct pod *pod, const char *fp)
{
	static const char labels[] = "metadata.labels['", annotations[] = "metadata.annotations['";
	size_t n = strlen(fp);

	if (strncmp(fp, labels, sizeof(labels) - 1) == 0)
		return map_get(pod->label_keys, pod->label_values, fp + sizeof(labels) - 1,
		               n - (sizeof(labels) - 1) - 2);
	if (strncmp(fp, annotations, sizeof(annotations) - 1) == 0)
		return map_get(pod->annotation_keys, pod->annotation_values,
		               fp + sizeof(annotations) - 1, n - (sizeof(annotations) - 1) - 2);
	return NULL;
}

char *pod_env_field_value(const struct pod *pod, const struct pod_env_ctx *ctx, const char *fp,
                          struct pp_error *err)
{
	const char *v = subscript_value(pod, fp);

	if (v != NULL)
		return xstrdup(v);
	if (strcmp(fp, "metadata.name") == 0)
		v = pod->name;
	else if (strcmp(fp, "metadata.namespace") == 0)
		v = pod->namespace_;
	else if (strcmp(fp, "metadata.uid") == 0)
		v = pod->uid;
	else if (strcmp(fp, "spec.nodeName") == 0 || strcmp(fp, "spec.host") == 0)
		v = ctx->node_name;
	else if (strcmp(fp, "spec.serviceAccountName") == 0)
		v = "default"; /* the only service account peapod accepts */
	else if (strcmp(fp, "status.hostIP") == 0 || strcmp(fp, "status.hostIPs") == 0)
		v = ctx->host_ip;
	else if (strcmp(fp, "status.podIP") == 0)
		v = ctx->pod_ips != NULL && ctx->pod_ips[0] != NULL ? ctx->pod_ips[0] : "";
	else if (strcmp(fp, "status.podIPs") == 0)
		return ctx->pod_ips != NULL ? strv_join((char *const *)ctx->pod_ips, ",")
		                            : xstrdup("");
	else {
		(void)pp_error_msg(err, EINVAL, "unsupported fieldPath: %s", fp);
		return NULL;
	}
	return xstrdup(v != NULL ? v : "");
}

void pod_env_node_allocatable(const char *root, struct pod_env_ctx *ctx)
{
	struct sysinfo si;
	struct statvfs vfs;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	ctx->node_cpu_milli = cpus > 0 ? (uint64_t)cpus * 1000 : 1000;
	if (sysinfo(&si) == 0)
		ctx->node_memory = (uint64_t)si.totalram * si.mem_unit;
	if (statvfs(root, &vfs) == 0)
		ctx->node_ephemeral = (uint64_t)vfs.f_blocks * vfs.f_frsize;
}

/* The container a resourceFieldRef names: c when none. */
static const struct pod_container *resource_container(const struct pod *pod,
                                                      const struct pod_container *c,
                                                      const char *name, struct pp_error *err)
{
	if (name == NULL || name[0] == '\0')
		return c;
	for (size_t i = 0; i < pod->n_containers; i++)
		if (strcmp(pod->containers[i].name, name) == 0)
			return &pod->containers[i];
	for (size_t i = 0; i < pod->n_init_containers; i++)
		if (strcmp(pod->init_containers[i].name, name) == 0)
			return &pod->init_containers[i];
	(void)pp_error_msg(err, EINVAL, "container %s not found", name);
	return NULL;
}

static uint64_t ceil_div(uint64_t v, uint64_t d)
{
	return d == 0 ? v : v / d + (v % d != 0);
}

char *pod_env_resource_value(const struct pod *pod, const struct pod_container *c,
                             const struct pod_env_ctx *ctx, const struct pod_env_source *s,
                             struct pp_error *err)
{
	const struct pod_container *target = resource_container(pod, c, s->container_name, err);
	bool limit = strncmp(s->resource, "limits.", 7) == 0;
	const struct pod_resource_list *l;
	uint64_t v = 0, d = 1;

	if (target == NULL)
		return NULL;
	l = limit ? &target->limits : &target->requests;
	if (strstr(s->resource, ".cpu") != NULL) {
		v = l->cpu.set && l->cpu.value > 0 ? l->cpu.value : limit ? ctx->node_cpu_milli : 0;
		d = s->divisor != NULL && strcmp(s->divisor, "1m") == 0 ? 1 : 1000;
	} else if (strstr(s->resource, ".memory") != NULL) {
		v = l->memory.set && l->memory.value > 0 ? l->memory.value
		    : limit                              ? ctx->node_memory
		                                         : 0;
	} else if (limit) { /* ephemeral-storage: peapod sets no such limit */
		v = ctx->node_ephemeral;
	}
	if (strstr(s->resource, ".cpu") == NULL && s->divisor != NULL &&
	    pod_quantity_parse(s->divisor, &d) < 0) {
		(void)pp_error_msg(err, EINVAL, "invalid divisor %s", s->divisor);
		return NULL;
	}
	return xstrfmt("%llu", (unsigned long long)ceil_div(v, d));
}

/* One env entry: its value set, or nothing for a skipped optional one. */
static int env_one(struct resolver *rs, const struct pod_env *e, struct pp_error *err)
{
	const struct pod_env_source *s = &e->value_from;
	cleanup_free char *v = NULL;
	const char *ref = NULL;
	int r;

	if ((e->value != NULL && e->value[0] != '\0') || !s->set) {
		v = pod_env_expand(e->value != NULL ? e->value : "", rs->env);
	} else if (s->has_field_ref) {
		v = pod_env_field_value(rs->pod, rs->ctx, s->field_path, err);
	} else if (s->has_resource_ref) {
		v = pod_env_resource_value(rs->pod, rs->c, rs->ctx, s, err);
	} else {
		bool secret = s->secret_key_ref.set;

		r = key_ref_value(rs, secret ? &s->secret_key_ref : &s->config_map_key_ref, secret,
		                  &ref, err);
		if (r < 0)
			return r;
		if (ref == NULL)
			return 0;
		v = xstrdup(ref);
	}
	if (v == NULL)
		return -EINVAL;
	env_put(rs, e->name, v);
	return 0;
}

int pod_env_resolve(const struct pod *pod, const struct pod_container *c,
                    const struct pod_env_ctx *ctx, char ***ret_env, char ***ret_warnings,
                    struct pp_error *err)
{
	struct resolver rs = {.pod = pod, .c = c, .ctx = ctx};
	int r = 0;

	for (size_t i = 0; r == 0 && i < c->n_env_from; i++)
		r = env_from_one(&rs, &c->env_from[i], err);
	for (size_t i = 0; r == 0 && i < c->n_env; i++)
		r = env_one(&rs, &c->env[i], err);
	if (r < 0) {
		resolver_clear(&rs);
		return r;
	}
	if (rs.env == NULL)
		rs.env = xcalloc(1, sizeof(char *));
	*ret_env = take_ptr(&rs.env);
	*ret_warnings = take_ptr(&rs.warnings);
	resolver_clear(&rs);
	return 0;
}
