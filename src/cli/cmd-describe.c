/* SPDX-License-Identifier: Apache-2.0 */
/* peapod describe pod NAME: what kubectl describe pod prints, for the
 * fields peapod has, with the pod's events. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli-objects.h"
#include "cli/cli-util.h"
#include "cli/cli.h"
#include "client/client.h"
#include "pod/env.h"
#include "pod/events.h"
#include "pod/projected.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

/* Go's text/tabwriter as kubectl sets it up (padding 2): '\t' ends a cell,
 * the cells of a column are as wide as the widest of the run of
 * consecutive lines that have that column. */
struct tw_line {
	char **cells; /* tab-terminated cells, then the last one */
	size_t n;     /* number of cells (tabs + 1) */
	size_t *width;
};

static void tw_layout(struct tw_line *l, size_t lo, size_t hi, size_t col)
{
	size_t i = lo;

	while (i < hi) {
		size_t j = i, w = 0;

		if (l[i].n <= col + 1) {
			i++;
			continue;
		}
		for (; j < hi && l[j].n > col + 1; j++)
			if (strlen(l[j].cells[col]) > w)
				w = strlen(l[j].cells[col]);
		for (size_t k = i; k < j; k++)
			l[k].width[col] = w + 2;
		tw_layout(l, i, j, col + 1);
		i = j;
	}
}

static void tw_split(char *line, struct tw_line *l)
{
	l->n = 1;
	for (const char *p = line; *p; p++)
		l->n += *p == '\t';
	l->cells = xmalloc(l->n * sizeof(*l->cells));
	l->width = xmalloc(l->n * sizeof(*l->width));
	for (size_t c = 0; c < l->n; c++) {
		char *tab = strchr(line, '\t');

		l->cells[c] = line;
		l->width[c] = 0;
		if (tab != NULL) {
			*tab = '\0';
			line = tab + 1;
		}
	}
}

/* Print text (lines ending in '\n', cells ending in '\t') aligned. */
void cli_tw_print(char *text)
{
	struct tw_line *l = NULL;
	size_t n = 0;
	char *line;

	while ((line = strsep(&text, "\n")) != NULL) {
		if (text == NULL && *line == '\0')
			break; /* after the last '\n' */
		l = xrealloc(l, (n + 1) * sizeof(*l));
		tw_split(line, &l[n++]);
	}
	tw_layout(l, 0, n, 0);
	for (size_t i = 0; i < n; i++) {
		for (size_t c = 0; c + 1 < l[i].n; c++)
			printf("%-*s", (int)l[i].width[c], l[i].cells[c]);
		printf("%s\n", l[i].cells[l[i].n - 1]);
		free(l[i].cells);
		free(l[i].width);
	}
	free(l);
}

const char *cli_rfc1123z(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		(void)snprintf(buf, size, "<unknown>");
	return buf;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Labels (sep "=") or Annotations (sep ": "), sorted, one a line. */
void cli_print_map(FILE *f, const char *title, char *const *keys, char *const *values,
                   const char *sep)
{
	size_t n = 0;
	char **lines;

	while (keys != NULL && keys[n] != NULL)
		n++;
	if (n == 0) {
		fprintf(f, "%s:\t<none>\n", title);
		return;
	}
	lines = xmalloc(n * sizeof(*lines));
	for (size_t i = 0; i < n; i++)
		lines[i] = xstrfmt("%s%s%s", keys[i], sep, values[i]);
	qsort(lines, n, sizeof(*lines), str_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			fprintf(f, "%s:\t%s\n", title, lines[i]);
		else
			fprintf(f, "\t%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
}

static void print_terminated(FILE *f, const char *title, const struct ctr_terminated *t)
{
	char b1[64], b2[64];

	fprintf(f, "    %s:\tTerminated\n", title);
	if (t->reason != NULL && *t->reason)
		fprintf(f, "      Reason:\t%s\n", t->reason);
	if (t->message != NULL && *t->message)
		fprintf(f, "      Message:\t%s\n", t->message);
	fprintf(f, "      Exit Code:\t%d\n", t->exit_code);
	if (t->signal > 0)
		fprintf(f, "      Signal:\t%d\n", t->signal);
	fprintf(f, "      Started:\t%s\n      Finished:\t%s\n",
	        cli_rfc1123z(t->started_at, b1, sizeof(b1)),
	        cli_rfc1123z(t->finished_at, b2, sizeof(b2)));
}

static void print_state(FILE *f, const struct ctr_status *st)
{
	char buf[64];

	switch (st->state) {
	case CTR_STATE_RUNNING:
		fprintf(f, "    State:\tRunning\n      Started:\t%s\n",
		        cli_rfc1123z(st->started_at, buf, sizeof(buf)));
		break;
	case CTR_STATE_WAITING:
		fprintf(f, "    State:\tWaiting\n");
		if (st->reason != NULL && *st->reason)
			fprintf(f, "      Reason:\t%s\n", st->reason);
		break;
	case CTR_STATE_TERMINATED:
		print_terminated(f, "State", &st->term);
		break;
	}
	if (st->has_last)
		print_terminated(f, "Last State", &st->last);
}

static void print_strv(FILE *f, const char *title, char **v)
{
	if (v == NULL || v[0] == NULL)
		return;
	fprintf(f, "    %s:\n", title);
	for (; *v; v++)
		fprintf(f, "      %s\n", *v);
}

static void print_ports(FILE *f, const struct pod_container *pc)
{
	if (pc->n_ports == 0) {
		fprintf(f, "    Port:\t<none>\n    Host Port:\t<none>\n");
		return;
	}
	fprintf(f, "    Port:\t");
	for (size_t i = 0; i < pc->n_ports; i++)
		fprintf(f, "%s%d/%s", i ? ", " : "", pc->ports[i].container_port,
		        pc->ports[i].protocol ? pc->ports[i].protocol : "TCP");
	fprintf(f, "\n    Host Port:\t");
	for (size_t i = 0; i < pc->n_ports; i++)
		fprintf(f, "%s0/%s", i ? ", " : "",
		        pc->ports[i].protocol ? pc->ports[i].protocol : "TCP");
	fprintf(f, "\n");
}

/* kubectl's describeContainerEnvFrom */
static void print_env_from(FILE *f, const struct pod_container *pc)
{
	if (pc->n_env_from > 0)
		fprintf(f, "    Environment Variables from:\n");
	for (size_t i = 0; i < pc->n_env_from; i++) {
		const struct pod_env_from *e = &pc->env_from[i];
		const struct pod_key_ref *ref =
		    e->secret_ref.set ? &e->secret_ref : &e->config_map_ref;
		const char *from = e->secret_ref.set ? "Secret" : "ConfigMap";
		bool optional = ref->has_optional && ref->optional;

		if (e->prefix == NULL || e->prefix[0] == '\0')
			fprintf(f, "      %s\t%s\tOptional: %s\n", ref->name, from,
			        optional ? "true" : "false");
		else
			fprintf(f, "      %s\t%s with prefix '%s'\tOptional: %s\n", ref->name, from,
			        e->prefix, optional ? "true" : "false");
	}
}

/* One valueFrom as kubectl's describeContainerEnvVars shows it: a field's
 * value from the pod's metadata, a resource's from the container's own
 * limits ("node allocatable" when unset), a key's reference. */
static void print_value_from(FILE *f, const struct pod *pod, const struct pod_container *pc,
                             const struct pod_env *e)
{
	const struct pod_env_source *s = &e->value_from;
	const struct pod_key_ref *ref =
	    s->secret_key_ref.set ? &s->secret_key_ref : &s->config_map_key_ref;
	struct pod_env_ctx none = {0};
	struct pp_error err = {0};
	cleanup_free char *v = NULL;

	if (s->has_field_ref) {
		if (strncmp(s->field_path, "metadata.", 9) == 0)
			v = pod_env_field_value(pod, &none, s->field_path, &err);
		fprintf(f, "      %s:\t%s (%s:%s)\n", e->name, v != NULL ? v : "", s->api_version,
		        s->field_path);
	} else if (s->has_resource_ref) {
		v = pod_env_resource_value(pod, pc, &none, s, &err);
		if (v != NULL && strcmp(v, "0") == 0 &&
		    (strcmp(s->resource, "limits.cpu") == 0 ||
		     strcmp(s->resource, "limits.memory") == 0)) {
			free(v);
			v = xstrdup("node allocatable");
		}
		fprintf(f, "      %s:\t%s (%s)\n", e->name, v != NULL ? v : "", s->resource);
	} else {
		fprintf(f, "      %s:\t<set to the key '%s' %s '%s'>\tOptional: %s\n", e->name,
		        ref->key, s->secret_key_ref.set ? "in secret" : "of config map", ref->name,
		        ref->has_optional && ref->optional ? "true" : "false");
	}
}

static void print_env_mounts(FILE *f, const struct pod *pod, const struct pod_container *pc)
{
	print_env_from(f, pc);
	if (pc->n_env == 0)
		fprintf(f, "    Environment:\t<none>\n");
	else
		fprintf(f, "    Environment:\n");
	for (size_t i = 0; i < pc->n_env; i++) {
		if (pc->env[i].value_from.set)
			print_value_from(f, pod, pc, &pc->env[i]);
		else
			fprintf(f, "      %s:\t%s\n", pc->env[i].name, pc->env[i].value);
	}
	if (pc->n_volume_mounts == 0)
		fprintf(f, "    Mounts:\t<none>\n");
	else
		fprintf(f, "    Mounts:\n");
	for (size_t i = 0; i < pc->n_volume_mounts; i++) {
		const struct pod_volume_mount *vm = &pc->volume_mounts[i];
		bool sub = vm->sub_path != NULL && *vm->sub_path;

		fprintf(f, "      %s from %s (%s%s%s%s)\n", vm->mount_path, vm->name,
		        vm->read_only ? "ro" : "rw", sub ? ",path=\"" : "", sub ? vm->sub_path : "",
		        sub ? "\"" : "");
	}
}

/* "    Limits:" / "    Requests:" and their quantities, as written. */
static void print_resources(FILE *f, const char *title, const struct pod_resource_list *l)
{
	if (!l->cpu.set && !l->memory.set)
		return;
	fprintf(f, "    %s:\n", title);
	if (l->cpu.set)
		fprintf(f, "      cpu:\t%s\n", l->cpu.text);
	if (l->memory.set)
		fprintf(f, "      memory:\t%s\n", l->memory.text);
}

/* A probe as kubectl describes it: "http-get http://:80/ delay=0s
 * timeout=1s period=10s #success=1 #failure=3". */
static void print_probe(FILE *f, const char *what, const struct pod_probe *p)
{
	char port[64];

	if (!p->set)
		return;
	if (p->port_name != NULL)
		(void)snprintf(port, sizeof(port), "%s", p->port_name);
	else
		(void)snprintf(port, sizeof(port), "%d", (int)p->port);
	fprintf(f, "    %s:	", what);
	if (p->has_exec) {
		fprintf(f, "exec [");
		for (size_t i = 0; p->exec_command && p->exec_command[i]; i++)
			fprintf(f, "%s%s", i ? " " : "", p->exec_command[i]);
		fprintf(f, "]");
	} else if (p->has_http_get) {
		fprintf(f, "http-get %s://%s:%s%s",
		        p->scheme && strcmp(p->scheme, "HTTPS") == 0 ? "https" : "http",
		        p->host ? p->host : "", port, p->path ? p->path : "/");
	} else if (p->has_tcp_socket) {
		fprintf(f, "tcp-socket %s:%s", p->host ? p->host : "", port);
	}
	fprintf(f, " delay=%llds timeout=%llds period=%llds #success=%lld #failure=%lld\n",
	        (long long)p->initial_delay_seconds, (long long)p->timeout_seconds,
	        (long long)p->period_seconds, (long long)p->success_threshold,
	        (long long)p->failure_threshold);
}

static void print_container(FILE *f, const struct pod *pod, const struct pod_container *pc,
                            const struct ctr_status *st, json_object *js)
{
	const char *id = json_get_str(js, "containerID");

	fprintf(f, "  %s:\n", pc->name);
	if (id != NULL && *id)
		fprintf(f, "    Container ID:\t%s\n", id);
	fprintf(f, "    Image:\t%s\n", pc->image);
	if (st->image_id != NULL && *st->image_id)
		fprintf(f, "    Image ID:\t%s\n", st->image_id);
	print_ports(f, pc);
	print_strv(f, "Command", pc->command);
	print_strv(f, "Args", pc->args);
	print_state(f, st);
	fprintf(f, "    Ready:\t%s\n", st->ready ? "True" : "False");
	fprintf(f, "    Restart Count:\t%d\n", st->restart_count);
	print_resources(f, "Limits", &pc->limits);
	print_resources(f, "Requests", &pc->requests);
	print_probe(f, "Liveness", &pc->liveness_probe);
	print_probe(f, "Readiness", &pc->readiness_probe);
	print_probe(f, "Startup", &pc->startup_probe);
	print_env_mounts(f, pod, pc);
}

static void print_conditions(FILE *f, json_object *status)
{
	json_object *conds = json_get_arr(status, "conditions");
	size_t n = conds ? json_object_array_length(conds) : 0;

	if (n == 0)
		return;
	fprintf(f, "Conditions:\n  Type\tStatus\n");
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(conds, i);
		const char *type = json_get_str(c, "type"), *st = json_get_str(c, "status");

		fprintf(f, "  %s \t%s \n", type ? type : "", st ? st : "");
	}
}

static void print_downward_items(FILE *f, const struct pod_projection *pr)
{
	fprintf(f, "    Items:\n");
	for (size_t i = 0; i < pr->n_files; i++)
		fprintf(f, "      %s -> %s\n",
		        pr->files[i].field_path ? pr->files[i].field_path
		                                : pr->files[i].rf_resource,
		        pr->files[i].path);
}

/* kubectl's lines for one projection; a token names the key that signs
 * it, this root's, valid nowhere else. */
static void print_projection(FILE *f, const struct pod_projection *pr, bool projected)
{
	const char *opt = pr->optional ? "true" : "false";
	cleanup_free char *key = NULL;

	switch (pr->kind) {
	case POD_PROJ_CONFIGMAP:
		fprintf(f,
		        projected ? "    ConfigMapName:\t%s\n    ConfigMapOptional:\t%s\n"
		                  : "    Name:\t%s\n    Optional:\t%s\n",
		        pr->name, opt);
		break;
	case POD_PROJ_SECRET:
		fprintf(f, "    SecretName:\t%s\n    Optional:\t%s\n", pr->name, opt);
		break;
	case POD_PROJ_DOWNWARD_API:
		if (projected)
			fprintf(f, "    DownwardAPI:\ttrue\n");
		else
			print_downward_items(f, pr);
		break;
	case POD_PROJ_SA_TOKEN:
		key = pod_sa_key_path(cli_paths(), true);
		fprintf(
		    f,
		    "    TokenExpirationSeconds:\t%lld\n    TokenSigner:\tthis peapod root's key "
		    "(%s): valid for this peapod root only\n",
		    (long long)pr->expiration_seconds, key);
		break;
	case POD_PROJ_TRUST_BUNDLE:
		fprintf(f, "    ClusterTrustBundle:\t%s (none on one machine; optional: %s)\n",
		        pr->name ? pr->name : pr->signer_name, opt);
		break;
	default:
		break;
	}
}

static void print_api_volume(FILE *f, const struct pod_volume *v)
{
	static const char *const types[] = {
	    [POD_PROJ_NONE] =
	        "Projected (a volume that contains injected data from multiple sources)",
	    [POD_PROJ_CONFIGMAP] = "ConfigMap (a volume populated by a ConfigMap)",
	    [POD_PROJ_SECRET] = "Secret (a volume populated by a Secret)",
	    [POD_PROJ_DOWNWARD_API] =
	        "DownwardAPI (a volume populated by information about the pod)",
	};

	fprintf(f, "    Type:\t%s\n",
	        types[v->projection <= POD_PROJ_DOWNWARD_API ? v->projection : 0]);
	for (size_t i = 0; i < v->n_proj; i++)
		print_projection(f, &v->sources[i], v->projection == POD_PROJ_NONE);
}

/* kubectl's Readiness Gates: each gate's condition status; none is ever
 * set on one node. */
static void print_readiness_gates(FILE *f, const struct pod *p)
{
	if (p->readiness_gates == NULL)
		return;
	fprintf(f, "Readiness Gates:\n  Type\tStatus\n");
	for (char **g = p->readiness_gates; *g; g++)
		fprintf(f, "  %s \t<none> \n", *g);
}

static void print_volumes(FILE *f, const struct pod *p)
{
	if (p->n_volumes == 0) {
		fprintf(f, "Volumes:\t<none>\n");
		return;
	}
	fprintf(f, "Volumes:\n");
	for (size_t i = 0; i < p->n_volumes; i++) {
		const struct pod_volume *v = &p->volumes[i];

		fprintf(f, "  %s:\n", v->name);
		if (v->source_bits != 0)
			print_api_volume(f, v);
		else if (v->has_empty_dir)
			fprintf(f,
			        "    Type:\tEmptyDir (a temporary directory that shares a pod's "
			        "lifetime)\n    Medium:\t%s\n    SizeLimit:\t%s\n",
			        v->empty_dir_medium ? v->empty_dir_medium : "",
			        v->empty_dir_size_limit ? v->empty_dir_size_limit : "<unset>");
		else if (v->has_host_path)
			fprintf(f,
			        "    Type:\tHostPath (bare host directory volume)\n    Path:\t%s\n"
			        "    HostPathType:\t%s\n",
			        v->host_path, v->host_path_type ? v->host_path_type : "");
	}
}

static void print_events(FILE *f, const char *dir)
{
	struct pp_error err = {0};
	struct pod_event *ev = NULL;
	size_t n = 0;

	if (pod_events_read(dir, &ev, &n, &err) < 0)
		log_warn("events: %s", err.msg);
	if (n == 0) {
		fprintf(f, "Events:\t<none>\n");
		return;
	}
	fprintf(f, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n"
	           "  ----\t------\t----\t----\t-------\n");
	for (size_t i = 0; i < n; i++) {
		char a1[32], a2[32], age[96];

		if (ev[i].count > 1)
			(void)snprintf(age, sizeof(age), "%s (x%d over %s)",
			               cli_age(ev[i].last, a1, sizeof(a1)), ev[i].count,
			               cli_age(ev[i].first, a2, sizeof(a2)));
		else
			(void)snprintf(age, sizeof(age), "%s",
			               cli_age(ev[i].first, a1, sizeof(a1)));
		/* one line, no cell break: as kubectl's strings.TrimSpace'd message;
		 * and no terminal control sequence from a registry's words */
		for (char *p = ev[i].message; *p; p++)
			if (*p == '\t' || *p == '\n' || *p == '\r')
				*p = ' ';
			else if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		fprintf(f, "  %s\t%s\t%s\t%s\t%s\n", ev[i].type, ev[i].reason, age,
		        pod_event_source(ev[i].reason), ev[i].message);
	}
	pod_events_free(ev, n);
}

static void print_header(FILE *f, const struct pod_record *rec, json_object *status)
{
	const struct pod *p = rec->pod;
	char host[256] = "localhost", buf[64], age[32];

	(void)gethostname(host, sizeof(host) - 1);
	fprintf(f, "Name:\t%s\nNamespace:\t%s\nPriority:\t%d\n", p->name, p->namespace_,
	        (int)p->sched.priority);
	if (p->sched.priority_class_name != NULL)
		fprintf(f, "Priority Class Name:\t%s\n", p->sched.priority_class_name);
	fprintf(f, "Node:\t%s%s%s\n", !rec->scheduled ? "<none>" : host,
	        rec->scheduled && rec->host_ip ? "/" : "",
	        rec->scheduled && rec->host_ip ? rec->host_ip : "");
	if (rec->started_at > 0)
		fprintf(f, "Start Time:\t%s\n", cli_rfc1123z(rec->started_at, buf, sizeof(buf)));
	cli_print_map(f, "Labels", p->label_keys, p->label_values, "=");
	cli_print_map(f, "Annotations", p->annotation_keys, p->annotation_values, ": ");
	if (rec->deleting_at > 0)
		fprintf(f, "Status:\tTerminating (lasts %s)\nTermination Grace Period:\t%llds\n",
		        cli_age(rec->deleting_at, age, sizeof(age)),
		        (long long)p->termination_grace_period_seconds);
	else
		fprintf(f, "Status:\t%s\n", json_get_str(status, "phase"));
	if (rec->reason != NULL && *rec->reason)
		fprintf(f, "Reason:\t%s\n", rec->reason);
	if (rec->message != NULL && *rec->message)
		fprintf(f, "Message:\t%s\n", rec->message);
	if (json_get_str(status, "podIP") != NULL) {
		json_object *ips = json_get_arr(status, "podIPs");

		fprintf(f, "IP:\t%s\nIPs:\n", json_get_str(status, "podIP"));
		for (size_t i = 0; ips != NULL && i < json_object_array_length(ips); i++)
			fprintf(f, "  IP:\t%s\n",
			        json_get_str(json_object_array_get_idx(ips, i), "ip"));
	} else
		fprintf(f, "IP:\t\nIPs:\t<none>\n");
}

/* A pod whose monitor is gone is not watched: Unknown, as get says. */
static void mark_unwatched(struct pod_record *rec)
{
	cleanup_free char *dir = pod_dir_path(cli_paths(), rec->pod->uid);

	if (rec->deleting_at > 0 || client_monitor_alive(dir))
		return;
	rec->phase = POD_PHASE_UNKNOWN;
	free(rec->reason);
	free(rec->message);
	rec->reason = xstrdup("MonitorLost");
	rec->message = xstrdup("the pod's monitor is not running");
}

static void describe(struct pod_record *rec)
{
	cleanup_free char *dir = pod_dir_path(cli_paths(), rec->pod->uid);
	json_object *o, *status, *cs;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	mark_unwatched(rec);
	o = pod_record_to_json(rec);
	status = json_get_obj(o, "status");
	cs = json_get_arr(status, "initContainerStatuses");
	print_header(f, rec, status);
	if (rec->n_init_ctrs > 0)
		fprintf(f, "Init Containers:\n");
	for (size_t i = 0; i < rec->n_init_ctrs && i < rec->pod->n_init_containers; i++)
		print_container(f, rec->pod, &rec->pod->init_containers[i], &rec->init_ctrs[i],
		                cs ? json_object_array_get_idx(cs, i) : NULL);
	cs = json_get_arr(status, "containerStatuses");
	fprintf(f, "Containers:\n");
	for (size_t i = 0; i < rec->n_ctrs && i < rec->pod->n_containers; i++)
		print_container(f, rec->pod, &rec->pod->containers[i], &rec->ctrs[i],
		                cs ? json_object_array_get_idx(cs, i) : NULL);
	print_conditions(f, status);
	print_readiness_gates(f, rec->pod);
	print_volumes(f, rec->pod);
	fprintf(f, "QoS Class:\t%s\n", pod_qos_class(rec->pod));
	cli_print_sched(f, rec->pod);
	cli_print_exposure(f, rec);
	print_events(f, dir);
	json_object_put(o);
	(void)fclose(f);
	cli_tw_print(text);
	free(text);
}

static bool is_pod_resource(const char *s)
{
	return strcmp(s, "pods") == 0 || strcmp(s, "pod") == 0 || strcmp(s, "po") == 0;
}

/* NAMES as given after the resource (or "pod/NAME" words): 0 or 1. */
static int describe_names(const char *ns, char **names)
{
	struct pp_error err = {0};
	int failed = 0;

	for (; *names; names++) {
		const char *name = *names;
		struct pod_record *rec = NULL;

		if (strncmp(name, "pod/", 4) == 0 || strncmp(name, "pods/", 5) == 0 ||
		    strncmp(name, "po/", 3) == 0)
			name = strchr(name, '/') + 1;
		if (pod_load(cli_paths(), ns, name, &rec, &err) < 0) {
			fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
			failed = 1;
			continue;
		}
		describe(rec);
		if (names[1] != NULL)
			printf("\n\n");
		pod_record_free(rec);
	}
	return failed;
}

int cmd_describe(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"namespace", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *ns = "default";
	enum kobj_kind kind;
	int c;

	while ((c = cli_getopt(argc, argv, "n:", opts)) != -1) {
		if (c != 'n')
			return 1;
		ns = optarg;
	}
	if (optind >= argc) {
		log_error("You must specify the type of resource to describe. Use \"peapod "
		          "describe pods NAME\"");
		return 1;
	}
	if (cli_kobj_resource(argv[optind], &kind) == 0)
		return cli_kobj_describe(kind, argv + optind + 1, ns);
	if (cli_kobj_typed_name(argv[optind], &kind) != NULL)
		return cli_kobj_describe(kind, argv + optind, ns);
	if (strchr(argv[optind], '/') != NULL)
		return describe_names(ns, argv + optind);
	if (cli_is_node_resource(argv[optind]))
		return cli_node_describe(argv + optind + 1);
	if (!is_pod_resource(argv[optind])) {
		log_error("the server doesn't have a resource type \"%s\" (peapod runs pods, "
		          "configmaps and secrets only)",
		          argv[optind]);
		return 1;
	}
	if (optind + 1 >= argc) {
		log_error("peapod describe pods needs a pod NAME");
		return 1;
	}
	return describe_names(ns, argv + optind + 1);
}
