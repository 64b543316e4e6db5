/* SPDX-License-Identifier: Apache-2.0 */
/* Container probes (livenessProbe, readinessProbe, startupProbe): decoding
 * with the API server's defaults, validation in its words, encoding,
 * comparison and freeing. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

/* An int32 field of a probe. */
static int decode_i32(json_object *v, const char *path, int64_t *ret, struct pp_error *err)
{
	int64_t n = 0;
	int r = pod_decode_int64(v, path, &n, err);

	if (r < 0)
		return r;
	if (n < INT32_MIN || n > INT32_MAX)
		return pod_type_error(path, v, "int32", err);
	*ret = n;
	return 0;
}

#define I32_FIELD(fn, member)                                                            \
	static int fn(json_object *v, void *obj, const char *path, struct pp_error *err) \
	{                                                                                \
		return decode_i32(v, path, &((struct pod_probe *)obj)->member, err);     \
	}
I32_FIELD(decode_initial_delay, initial_delay_seconds)
I32_FIELD(decode_timeout, timeout_seconds)
I32_FIELD(decode_period, period_seconds)
I32_FIELD(decode_success, success_threshold)
I32_FIELD(decode_failure, failure_threshold)

static int decode_grace(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_probe *p = obj;

	if (json_object_is_type(v, json_type_null))
		return 0;
	p->has_termination_grace_period = true;
	return pod_decode_int64(v, path, &p->termination_grace_period_seconds, err);
}

/* port: an IntOrString. */
static int decode_port(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_probe *p = obj;
	int64_t n = 0;

	if (json_object_is_type(v, json_type_string)) {
		free(p->port_name);
		p->port_name = xstrdup(json_object_get_string(v));
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return pod_type_error(path, v, "integer or string", err);
	n = json_object_get_int64(v);
	if (n < INT32_MIN || n > INT32_MAX)
		return pod_type_error(path, v, "int32", err);
	p->port = (int32_t)n;
	return 0;
}

static const struct pod_field header_fields[] = {
    {"name", POD_FIELD_STR, offsetof(struct pod_http_header, name), NULL},
    {"value", POD_FIELD_STR, offsetof(struct pod_http_header, value), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_headers(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct pod_probe *p = obj;

	return pod_decode_object_array(
	    v, path, &(const struct pod_element){header_fields, sizeof(*p->headers)},
	    (void **)&p->headers, &p->n_headers, err);
}

static int decode_action(json_object *v, const struct pod_field *fields, bool *has, void *obj,
                         const char *path, struct pp_error *err)
{
	if (json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	*has = true;
	return pod_decode_fields(v, fields, obj, path, err);
}

static int decode_exec(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	static const struct pod_field fields[] = {
	    {"command", POD_FIELD_STRV, offsetof(struct pod_probe, exec_command), NULL},
	    {NULL, 0, 0, NULL},
	};

	return decode_action(v, fields, &((struct pod_probe *)obj)->has_exec, obj, path, err);
}

static int decode_http_get(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	static const struct pod_field fields[] = {
	    {"path", POD_FIELD_STR, offsetof(struct pod_probe, path), NULL},
	    {"port", POD_FIELD_CUSTOM, 0, decode_port},
	    {"host", POD_FIELD_STR, offsetof(struct pod_probe, host), NULL},
	    {"scheme", POD_FIELD_STR, offsetof(struct pod_probe, scheme), NULL},
	    {"httpHeaders", POD_FIELD_CUSTOM, 0, decode_headers},
	    {NULL, 0, 0, NULL},
	};

	return decode_action(v, fields, &((struct pod_probe *)obj)->has_http_get, obj, path, err);
}

static int decode_tcp_socket(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	static const struct pod_field fields[] = {
	    {"port", POD_FIELD_CUSTOM, 0, decode_port},
	    {"host", POD_FIELD_STR, offsetof(struct pod_probe, host), NULL},
	    {NULL, 0, 0, NULL},
	};

	return decode_action(v, fields, &((struct pod_probe *)obj)->has_tcp_socket, obj, path, err);
}

/* grpc.port: a plain int32 (GRPCAction.Port), never a name. */
static int decode_grpc_port(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	int64_t n = 0;
	int r = decode_i32(v, path, &n, err);

	if (r == 0)
		((struct pod_probe *)obj)->port = (int32_t)n;
	return r;
}

static int decode_grpc(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	static const struct pod_field fields[] = {
	    {"port", POD_FIELD_CUSTOM, 0, decode_grpc_port},
	    {"service", POD_FIELD_STR, offsetof(struct pod_probe, grpc_service), NULL},
	    {NULL, 0, 0, NULL},
	};

	return decode_action(v, fields, &((struct pod_probe *)obj)->has_grpc, obj, path, err);
}

static const struct pod_field probe_fields[] = {
    {"exec", POD_FIELD_CUSTOM, 0, decode_exec},
    {"httpGet", POD_FIELD_CUSTOM, 0, decode_http_get},
    {"tcpSocket", POD_FIELD_CUSTOM, 0, decode_tcp_socket},
    {"grpc", POD_FIELD_CUSTOM, 0, decode_grpc},
    {"initialDelaySeconds", POD_FIELD_CUSTOM, 0, decode_initial_delay},
    {"timeoutSeconds", POD_FIELD_CUSTOM, 0, decode_timeout},
    {"periodSeconds", POD_FIELD_CUSTOM, 0, decode_period},
    {"successThreshold", POD_FIELD_CUSTOM, 0, decode_success},
    {"failureThreshold", POD_FIELD_CUSTOM, 0, decode_failure},
    {"terminationGracePeriodSeconds", POD_FIELD_CUSTOM, 0, decode_grace},
    {NULL, 0, 0, NULL},
};

/* The API server's defaults (SetDefaults_Probe, SetDefaults_HTTPGetAction,
 * GRPCAction.service's generated default ""): a 0 is unset. */
static void probe_default(struct pod_probe *p)
{
	if (p->timeout_seconds == 0)
		p->timeout_seconds = 1;
	if (p->period_seconds == 0)
		p->period_seconds = 10;
	if (p->success_threshold == 0)
		p->success_threshold = 1;
	if (p->failure_threshold == 0)
		p->failure_threshold = 3;
	if (p->has_http_get && (p->path == NULL || p->path[0] == '\0')) {
		free(p->path);
		p->path = xstrdup("/");
	}
	if (p->has_http_get && (p->scheme == NULL || p->scheme[0] == '\0')) {
		free(p->scheme);
		p->scheme = xstrdup("HTTP");
	}
	if (p->has_grpc && p->grpc_service == NULL)
		p->grpc_service = xstrdup("");
}

static int decode_probe(json_object *v, struct pod_probe *p, const char *path, struct pp_error *err)
{
	int r;

	if (v == NULL || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return pod_type_error(path, v, "object", err);
	p->set = true;
	r = pod_decode_fields(v, probe_fields, p, path, err);
	probe_default(p);
	return r;
}

int pod_decode_liveness_probe(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_probe(v, &((struct pod_container *)obj)->liveness_probe, path, err);
}

int pod_decode_readiness_probe(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_probe(v, &((struct pod_container *)obj)->readiness_probe, path, err);
}

int pod_decode_startup_probe(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	return decode_probe(v, &((struct pod_container *)obj)->startup_probe, path, err);
}

/* ValidatePortNumOrName */
static int check_port(const struct pod_probe *p, const char *apath, struct pp_error *err)
{
	char path[POD_PATH_MAX];
	const char *why;

	pod_path_key(path, apath, "port");
	if (p->port_name != NULL) {
		if ((why = pod_port_name_problem(p->port_name)) != NULL)
			return pod_invalid(path, p->port_name, why, err);
		return 0;
	}
	if (p->port < 1 || p->port > 65535)
		return pp_error_msg(err, EINVAL,
		                    "%s: Invalid value: %d: must be between 1 and 65535, inclusive",
		                    path, (int)p->port);
	return 0;
}

/* An HTTP header name is an RFC 7230 token. */
static bool is_token(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return false;
	for (; *s; s++)
		if (!pod_is_alnum(*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
			return false;
	return true;
}

static int check_http_get(const struct pod_probe *p, const char *ppath, struct pp_error *err)
{
	char apath[POD_PATH_MAX], path[POD_PATH_MAX], q[128];
	int r;

	pod_path_key(apath, ppath, "httpGet");
	r = check_port(p, apath, err);
	if (r < 0)
		return r;
	pod_path_key(path, apath, "scheme");
	if (strcmp(p->scheme, "HTTPS") == 0)
		return pod_unsupported(path, err);
	if (strcmp(p->scheme, "HTTP") != 0)
		return pp_error_msg(
		    err, EINVAL, "%s: Unsupported value: %s: supported values: \"HTTP\", \"HTTPS\"",
		    path, pod_quote(p->scheme, q, sizeof(q)));
	pod_path_key(path, apath, "httpHeaders");
	for (size_t i = 0; i < p->n_headers; i++)
		if (!is_token(p->headers[i].name))
			return pod_invalid(
			    path, p->headers[i].name ? p->headers[i].name : "",
			    "a valid HTTP header must consist of alphanumeric characters, '-', '_' or "
			    "'.', and must start and end with an alphanumeric character (e.g. "
			    "'X-Header-Name',  or 'X_Header_Name',  or 'X.Header.Name', regex used for "
			    "validation is '[-A-Za-z0-9]+')",
			    err);
	return 0;
}

/* The handler validateHandler names when there are more than one: the
 * second in its order (exec, httpGet, tcpSocket, grpc). */
static const char *later_handler(const struct pod_probe *p)
{
	const char *names[] = {"exec", "httpGet", "tcpSocket", "grpc"};
	bool has[] = {p->has_exec, p->has_http_get, p->has_tcp_socket, p->has_grpc};
	int seen = 0;

	for (size_t i = 0; i < 4; i++)
		if (has[i] && ++seen == 2)
			return names[i];
	return "grpc";
}

/* validateHandler: exactly one handler, and that one well formed. */
static int check_handler(const struct pod_probe *p, const char *ppath, struct pp_error *err)
{
	char path[POD_PATH_MAX];
	int n = p->has_exec + p->has_http_get + p->has_tcp_socket + p->has_grpc;

	if (n == 0)
		return pp_error_msg(err, EINVAL, "%s: Required value: must specify a handler type",
		                    ppath);
	if (n > 1) {
		pod_path_key(path, ppath, later_handler(p));
		return pp_error_msg(
		    err, EINVAL, "%s: Forbidden: may not specify more than 1 handler type", path);
	}
	if (p->has_exec && (p->exec_command == NULL || p->exec_command[0] == NULL)) {
		pod_path_key(path, ppath, "exec.command");
		return pp_error_msg(err, EINVAL, "%s: Required value", path);
	}
	if (p->has_http_get)
		return check_http_get(p, ppath, err);
	if (p->has_tcp_socket) {
		pod_path_key(path, ppath, "tcpSocket");
		return check_port(p, path, err);
	}
	if (p->has_grpc) {
		pod_path_key(path, ppath, "grpc");
		return check_port(p, path, err);
	}
	return 0;
}

static int check_nonneg(int64_t v, const char *ppath, const char *name, struct pp_error *err)
{
	char path[POD_PATH_MAX];

	if (v >= 0)
		return 0;
	pod_path_key(path, ppath, name);
	return pp_error_msg(err, EINVAL,
	                    "%s: Invalid value: %lld: must be greater than or equal to 0", path,
	                    (long long)v);
}

/* validateProbe plus the liveness/startup (successThreshold 1) and
 * readiness (no terminationGracePeriodSeconds) rules. */
static int check_probe(const struct pod_probe *p, const char *cpath, const char *name,
                       struct pp_error *err)
{
	char ppath[POD_PATH_MAX], path[POD_PATH_MAX];
	int r;

	if (!p->set)
		return 0;
	pod_path_key(ppath, cpath, name);
	r = check_handler(p, ppath, err);
	if (r == 0)
		r = check_nonneg(p->initial_delay_seconds, ppath, "initialDelaySeconds", err);
	if (r == 0)
		r = check_nonneg(p->timeout_seconds, ppath, "timeoutSeconds", err);
	if (r == 0)
		r = check_nonneg(p->period_seconds, ppath, "periodSeconds", err);
	if (r == 0)
		r = check_nonneg(p->success_threshold, ppath, "successThreshold", err);
	if (r == 0)
		r = check_nonneg(p->failure_threshold, ppath, "failureThreshold", err);
	if (r < 0)
		return r;
	pod_path_key(path, ppath, "terminationGracePeriodSeconds");
	if (p->has_termination_grace_period && strcmp(name, "readinessProbe") == 0)
		return pp_error_msg(err, EINVAL,
		                    "%s: Invalid value: %lld: must not be set for readinessProbes",
		                    path, (long long)p->termination_grace_period_seconds);
	if (p->has_termination_grace_period && p->termination_grace_period_seconds <= 0)
		return pp_error_msg(err, EINVAL, "%s: Invalid value: %lld: must be greater than 0",
		                    path, (long long)p->termination_grace_period_seconds);
	pod_path_key(path, ppath, "successThreshold");
	if (strcmp(name, "readinessProbe") != 0 && p->success_threshold != 1)
		return pp_error_msg(err, EINVAL, "%s: Invalid value: %lld: must be 1", path,
		                    (long long)p->success_threshold);
	return 0;
}

int pod_validate_probes(const struct pod_container *c, const char *cpath, struct pp_error *err)
{
	int r = check_probe(&c->liveness_probe, cpath, "livenessProbe", err);

	if (r == 0)
		r = check_probe(&c->readiness_probe, cpath, "readinessProbe", err);
	if (r == 0)
		r = check_probe(&c->startup_probe, cpath, "startupProbe", err);
	return r;
}

static void add_port(json_object *o, const struct pod_probe *p)
{
	if (p->port_name != NULL)
		json_object_object_add(o, "port", json_object_new_string(p->port_name));
	else
		json_object_object_add(o, "port", json_object_new_int(p->port));
	if (p->host != NULL)
		json_object_object_add(o, "host", json_object_new_string(p->host));
}

static json_object *http_get_to_json(const struct pod_probe *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(p->path ? p->path : "/"));
	add_port(o, p);
	json_object_object_add(o, "scheme", json_object_new_string(p->scheme ? p->scheme : "HTTP"));
	if (p->n_headers > 0) {
		json_object *a = json_object_new_array();

		for (size_t i = 0; i < p->n_headers; i++) {
			json_object *h = json_object_new_object();
			const struct pod_http_header *hd = &p->headers[i];

			json_object_object_add(h, "name",
			                       json_object_new_string(hd->name ? hd->name : ""));
			json_object_object_add(h, "value",
			                       json_object_new_string(hd->value ? hd->value : ""));
			json_object_array_add(a, h);
		}
		json_object_object_add(o, "httpHeaders", a);
	}
	return o;
}

static json_object *handler_to_json(const struct pod_probe *p, json_object *o)
{
	if (p->has_exec) {
		json_object *e = json_object_new_object(), *cmd = json_object_new_array();

		for (char **s = p->exec_command; s && *s; s++)
			json_object_array_add(cmd, json_object_new_string(*s));
		json_object_object_add(e, "command", cmd);
		json_object_object_add(o, "exec", e);
	}
	if (p->has_http_get)
		json_object_object_add(o, "httpGet", http_get_to_json(p));
	if (p->has_tcp_socket) {
		json_object *t = json_object_new_object();

		add_port(t, p);
		json_object_object_add(o, "tcpSocket", t);
	}
	if (p->has_grpc) {
		json_object *g = json_object_new_object();

		json_object_object_add(g, "port", json_object_new_int(p->port));
		json_object_object_add(
		    g, "service", json_object_new_string(p->grpc_service ? p->grpc_service : ""));
		json_object_object_add(o, "grpc", g);
	}
	return o;
}

static void add_probe(json_object *c, const char *key, const struct pod_probe *p)
{
	json_object *o;

	if (!p->set)
		return;
	o = handler_to_json(p, json_object_new_object());
	json_object_object_add(o, "initialDelaySeconds",
	                       json_object_new_int64(p->initial_delay_seconds));
	json_object_object_add(o, "timeoutSeconds", json_object_new_int64(p->timeout_seconds));
	json_object_object_add(o, "periodSeconds", json_object_new_int64(p->period_seconds));
	json_object_object_add(o, "successThreshold", json_object_new_int64(p->success_threshold));
	json_object_object_add(o, "failureThreshold", json_object_new_int64(p->failure_threshold));
	if (p->has_termination_grace_period)
		json_object_object_add(o, "terminationGracePeriodSeconds",
		                       json_object_new_int64(p->termination_grace_period_seconds));
	json_object_object_add(c, key, o);
}

void pod_probes_to_json(json_object *o, const struct pod_container *c)
{
	add_probe(o, "livenessProbe", &c->liveness_probe);
	add_probe(o, "readinessProbe", &c->readiness_probe);
	add_probe(o, "startupProbe", &c->startup_probe);
}

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

static bool strv_eq(char *const *a, char *const *b)
{
	size_t i = 0;

	if (a == NULL || b == NULL)
		return a == b;
	for (; a[i] != NULL && b[i] != NULL; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return a[i] == b[i];
}

static bool probe_eq(const struct pod_probe *a, const struct pod_probe *b)
{
	if (a->set != b->set || a->has_exec != b->has_exec || a->has_http_get != b->has_http_get ||
	    a->has_tcp_socket != b->has_tcp_socket || a->has_grpc != b->has_grpc ||
	    !str_eq(a->grpc_service, b->grpc_service) ||
	    !strv_eq(a->exec_command, b->exec_command) || a->port != b->port ||
	    !str_eq(a->port_name, b->port_name) || !str_eq(a->host, b->host) ||
	    !str_eq(a->path, b->path) || !str_eq(a->scheme, b->scheme) ||
	    a->n_headers != b->n_headers || a->initial_delay_seconds != b->initial_delay_seconds ||
	    a->timeout_seconds != b->timeout_seconds || a->period_seconds != b->period_seconds ||
	    a->success_threshold != b->success_threshold ||
	    a->failure_threshold != b->failure_threshold ||
	    a->has_termination_grace_period != b->has_termination_grace_period ||
	    a->termination_grace_period_seconds != b->termination_grace_period_seconds)
		return false;
	for (size_t i = 0; i < a->n_headers; i++)
		if (!str_eq(a->headers[i].name, b->headers[i].name) ||
		    !str_eq(a->headers[i].value, b->headers[i].value))
			return false;
	return true;
}

bool pod_probes_equal(const struct pod_container *a, const struct pod_container *b)
{
	return probe_eq(&a->liveness_probe, &b->liveness_probe) &&
	       probe_eq(&a->readiness_probe, &b->readiness_probe) &&
	       probe_eq(&a->startup_probe, &b->startup_probe);
}

static void probe_free(struct pod_probe *p)
{
	strv_free(p->exec_command);
	free(p->port_name);
	free(p->host);
	free(p->path);
	free(p->scheme);
	free(p->grpc_service);
	for (size_t i = 0; i < p->n_headers; i++) {
		free(p->headers[i].name);
		free(p->headers[i].value);
	}
	free(p->headers);
	memset(p, 0, sizeof(*p));
}

void pod_probes_free(struct pod_container *c)
{
	probe_free(&c->liveness_probe);
	probe_free(&c->readiness_probe);
	probe_free(&c->startup_probe);
}
