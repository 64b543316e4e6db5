/* SPDX-License-Identifier: Apache-2.0 */
/* pod.json: encoding and decoding of the record, lookups by name. */
#include "pod/state.h"

#include <arpa/inet.h>
#include <assert.h>
#include <dirent.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "pod/paths.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

#define POD_JSON_MAX (8u << 20)

static const char *const phase_names[] = {"Pending", "Running", "Succeeded", "Failed", "Unknown"};

const char *pod_phase_name(enum pod_phase p)
{
	return (unsigned)p < 5 ? phase_names[p] : "Unknown";
}

int64_t pod_now(void)
{
	return (int64_t)time(NULL);
}

const char *pod_time_format(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void)snprintf(buf, size, "1970-01-01T00:00:00Z");
	return buf;
}

int64_t pod_time_parse(const char *s)
{
	struct tm tm = {0};
	const char *end;

	if (s == NULL)
		return 0;
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

char *pod_uid_new(void)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
		/* getrandom on 16 bytes only fails before the pool is ready */
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() ^ (getpid() >> (i % 8)));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	return xstrfmt("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
	               b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
	               b[13], b[14], b[15]);
}

static struct ctr_status *statuses_new(const struct pod_container *pc, size_t n, const char *reason)
{
	struct ctr_status *st = xcalloc(n, sizeof(struct ctr_status));

	for (size_t i = 0; i < n; i++) {
		st[i].name = xstrdup(pc[i].name);
		st[i].image = xstrdup(pc[i].image);
		st[i].state = CTR_STATE_WAITING;
		st[i].reason = xstrdup(reason);
	}
	return st;
}

/* The address the kubelet reports as hostIP: the host's first
 * non-loopback IPv4 address of an up interface, else 127.0.0.1. */
char *pod_host_ip(void)
{
	struct ifaddrs *ifs = NULL;
	char buf[INET_ADDRSTRLEN] = "127.0.0.1";

	if (getifaddrs(&ifs) < 0)
		return xstrdup(buf);
	for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)(void *)i->ifa_addr;

		if (sin == NULL || sin->sin_family != AF_INET || (i->ifa_flags & IFF_LOOPBACK) ||
		    !(i->ifa_flags & IFF_UP))
			continue;
		if (inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf)) != NULL)
			break;
	}
	freeifaddrs(ifs);
	return xstrdup(buf);
}

size_t pod_n_all(const struct pod_record *rec)
{
	return rec->n_ctrs + rec->n_init_ctrs + rec->n_eph_ctrs;
}

bool pod_ctr_is_init(const struct pod_record *rec, size_t idx)
{
	return idx >= rec->n_ctrs && idx - rec->n_ctrs < rec->n_init_ctrs;
}

bool pod_ctr_is_ephemeral(const struct pod_record *rec, size_t idx)
{
	return idx >= rec->n_ctrs + rec->n_init_ctrs;
}

size_t pod_record_add_ephemeral(struct pod_record *rec, struct pod_container *c)
{
	struct pod *pod = rec->pod;
	size_t n = pod->n_ephemeral_containers;

	pod->ephemeral_containers =
	    xrealloc(pod->ephemeral_containers, (n + 1) * sizeof(*pod->ephemeral_containers));
	pod->ephemeral_containers[n] = *c;
	memset(c, 0, sizeof(*c));
	pod->n_ephemeral_containers = n + 1;
	rec->eph_ctrs = xrealloc(rec->eph_ctrs, (n + 1) * sizeof(*rec->eph_ctrs));
	rec->eph_ctrs[n] = (struct ctr_status){
	    .name = xstrdup(pod->ephemeral_containers[n].name),
	    .image = xstrdup(pod->ephemeral_containers[n].image),
	    .state = CTR_STATE_WAITING,
	    .reason = xstrdup("ContainerCreating"),
	};
	rec->n_eph_ctrs = n + 1;
	return rec->n_ctrs + rec->n_init_ctrs + n;
}

size_t pod_ctr_index(const struct pod_record *rec, const char *name)
{
	size_t i = 0;

	for (; i < pod_n_all(rec); i++)
		if (strcmp(pod_ctr_status(rec, i)->name, name) == 0)
			break;
	return i;
}

bool pod_ctr_is_sidecar(const struct pod_record *rec, size_t idx)
{
	return pod_ctr_is_init(rec, idx) && idx - rec->n_ctrs < rec->pod->n_init_containers &&
	       pod_ctr_spec(rec, idx)->restart_always;
}

bool pod_record_initialized(const struct pod_record *rec)
{
	bool done = true;

	for (size_t i = 0; i < rec->n_ctrs; i++)
		if (rec->ctrs[i].state != CTR_STATE_WAITING || rec->ctrs[i].has_last)
			return true;
	for (size_t i = 0; i < rec->n_init_ctrs; i++) {
		const struct ctr_status *st = &rec->init_ctrs[i];

		if (pod_ctr_is_sidecar(rec, rec->n_ctrs + i))
			done = done && st->started;
		else
			done = done && st->state == CTR_STATE_TERMINATED && st->term.exit_code == 0;
	}
	return done;
}

struct ctr_status *pod_ctr_status(const struct pod_record *rec, size_t idx)
{
	if (pod_ctr_is_ephemeral(rec, idx))
		return &rec->eph_ctrs[idx - rec->n_ctrs - rec->n_init_ctrs];
	return pod_ctr_is_init(rec, idx) ? &rec->init_ctrs[idx - rec->n_ctrs] : &rec->ctrs[idx];
}

const struct pod_container *pod_ctr_spec(const struct pod_record *rec, size_t idx)
{
	if (pod_ctr_is_ephemeral(rec, idx))
		return &rec->pod->ephemeral_containers[idx - rec->n_ctrs - rec->n_init_ctrs];
	return pod_ctr_is_init(rec, idx) ? &rec->pod->init_containers[idx - rec->n_ctrs]
	                                 : &rec->pod->containers[idx];
}

struct pod_record *pod_record_new(struct pod *pod)
{
	struct pod_record *rec = xzalloc(sizeof(*rec));

	if (pod->uid == NULL)
		pod->uid = pod_uid_new();
	rec->pod = pod;
	rec->phase = POD_PHASE_PENDING;
	rec->created_at = pod_now();
	rec->host_ip = pod_host_ip();
	rec->n_ctrs = pod->n_containers;
	rec->ctrs =
	    statuses_new(pod->containers, pod->n_containers,
	                 pod->n_init_containers > 0 ? "PodInitializing" : "ContainerCreating");
	rec->n_init_ctrs = pod->n_init_containers;
	rec->init_ctrs =
	    statuses_new(pod->init_containers, pod->n_init_containers, "PodInitializing");
	rec->n_eph_ctrs = pod->n_ephemeral_containers;
	rec->eph_ctrs = statuses_new(pod->ephemeral_containers, pod->n_ephemeral_containers,
	                             "ContainerCreating");
	return rec;
}

static void term_clear(struct ctr_terminated *t)
{
	free(t->reason);
	free(t->message);
	memset(t, 0, sizeof(*t));
}

static void statuses_free(struct ctr_status *st, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct ctr_status *c = &st[i];

		free(c->name);
		free(c->image);
		free(c->image_id);
		free(c->reason);
		free(c->message);
		if (c->user != NULL)
			json_object_put(c->user);
		term_clear(&c->term);
		term_clear(&c->last);
	}
	free(st);
}

struct pod_record *pod_record_free(struct pod_record *rec)
{
	if (rec == NULL)
		return NULL;
	statuses_free(rec->ctrs, rec->n_ctrs);
	statuses_free(rec->init_ctrs, rec->n_init_ctrs);
	statuses_free(rec->eph_ctrs, rec->n_eph_ctrs);
	free(rec->reason);
	free(rec->message);
	free(rec->sched_reason);
	free(rec->sched_message);
	free(rec->host_ip);
	for (size_t i = 0; i < POD_IPS_MAX; i++)
		free(rec->pod_ips[i]);
	pod_free(rec->pod);
	free(rec);
	return NULL;
}

static void json_set_str(json_object *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, key, json_object_new_string(v));
}

static void json_set_time(json_object *o, const char *key, int64_t t)
{
	char buf[40];

	if (t > 0)
		json_object_object_add(
		    o, key, json_object_new_string(pod_time_format(t, buf, sizeof(buf))));
}

static json_object *term_to_json(const struct ctr_terminated *t)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "exitCode", json_object_new_int(t->exit_code));
	if (t->signal)
		json_object_object_add(o, "signal", json_object_new_int(t->signal));
	json_set_str(o, "reason", t->reason);
	json_set_str(o, "message", t->message);
	json_set_time(o, "startedAt", t->started_at);
	json_set_time(o, "finishedAt", t->finished_at);
	return o;
}

static json_object *state_to_json(const struct ctr_status *c)
{
	json_object *st = json_object_new_object(), *inner = json_object_new_object();

	switch (c->state) {
	case CTR_STATE_WAITING:
		json_set_str(inner, "reason", c->reason);
		json_set_str(inner, "message", c->message);
		json_object_object_add(st, "waiting", inner);
		break;
	case CTR_STATE_RUNNING:
		json_set_time(inner, "startedAt", c->started_at);
		json_object_object_add(st, "running", inner);
		break;
	case CTR_STATE_TERMINATED:
		json_object_put(inner);
		json_object_object_add(st, "terminated", term_to_json(&c->term));
		break;
	}
	return st;
}

static json_object *ctr_to_json(const struct pod_record *rec, const struct ctr_status *c)
{
	json_object *o = json_object_new_object(), *last = json_object_new_object();

	json_set_str(o, "name", c->name);
	json_set_str(o, "image", c->image);
	json_set_str(o, "imageID", c->image_id ? c->image_id : "");
	json_object_object_add(o, "state", state_to_json(c));
	if (c->has_last)
		json_object_object_add(last, "terminated", term_to_json(&c->last));
	json_object_object_add(o, "lastState", last);
	json_object_object_add(o, "ready", json_object_new_boolean(c->ready));
	json_object_object_add(o, "restartCount", json_object_new_int(c->restart_count));
	json_object_object_add(o, "started", json_object_new_boolean(c->started));
	if (c->user != NULL)
		json_object_object_add(o, "user", json_object_get(c->user));
	if (c->pid > 0) {
		char *id = xstrfmt("peapod://%s-%s", rec->pod->uid, c->name);

		json_object_object_add(o, "containerID", json_object_new_string(id));
		free(id);
	}
	return o;
}

static json_object *condition(const char *type, bool status, int64_t since)
{
	json_object *o = json_object_new_object();

	json_set_str(o, "type", type);
	json_set_str(o, "status", status ? "True" : "False");
	json_set_time(o, "lastTransitionTime", since);
	return o;
}

/* PodScheduled, with the scheduler's reason and message while unplaced. */
static json_object *scheduled_condition(const struct pod_record *rec)
{
	json_object *o = condition("PodScheduled", rec->scheduled, rec->created_at);

	if (!rec->scheduled) {
		json_set_str(o, "reason", rec->sched_reason);
		json_set_str(o, "message", rec->sched_message);
	}
	return o;
}

/* The Ready condition of a pod whose containers are ready but that has
 * readiness gates: nothing on one node sets their conditions, so it stays
 * False with the kubelet's reason and message (GeneratePodReadyCondition). */
static json_object *gated_ready(const struct pod_record *rec)
{
	json_object *o = condition("Ready", false, rec->started_at);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort(); /* out of memory, as xmalloc */
	for (char **g = rec->pod->readiness_gates; *g; g++)
		(void)fprintf(
		    f, "%scorresponding condition of pod readiness gate \"%s\" does not exist.",
		    g == rec->pod->readiness_gates ? "" : ", ", *g);
	if (fclose(f) != 0)
		abort();
	json_set_str(o, "reason", "ReadinessGatesNotReady");
	json_set_str(o, "message", buf);
	free(buf);
	return o;
}

/* PodConditions as the kubelet sets them: Initialized
 * (pod_record_initialized); ContainersReady when the app containers and
 * sidecars are; Ready when the containers are and every readiness
 * gate's condition is True (never, here). */
static json_object *conditions_to_json(const struct pod_record *rec)
{
	json_object *a = json_object_new_array();
	bool ready = rec->n_ctrs > 0 && rec->phase == POD_PHASE_RUNNING;
	bool initialized = pod_record_initialized(rec);
	bool gated = rec->pod->readiness_gates != NULL && rec->pod->readiness_gates[0] != NULL;

	for (size_t i = 0; i < rec->n_ctrs; i++)
		ready = ready && rec->ctrs[i].ready;
	for (size_t i = 0; i < rec->n_init_ctrs; i++)
		if (pod_ctr_is_sidecar(rec, rec->n_ctrs + i))
			ready = ready && rec->init_ctrs[i].ready;
	if (!rec->scheduled) {
		json_object_array_add(a, scheduled_condition(rec));
		return a; /* an unplaced pod has only this condition */
	}
	json_object_array_add(a, condition("Initialized", initialized, rec->created_at));
	json_object_array_add(a, ready && gated ? gated_ready(rec)
	                                        : condition("Ready", ready, rec->started_at));
	json_object_array_add(a, condition("ContainersReady", ready, rec->started_at));
	json_object_array_add(a, scheduled_condition(rec));
	return a;
}

/* ips: [{ip: IP}] */
/* [{"ip": IP}, ...] of the non-NULL ips[0..n) */
static json_object *ip_list(char *const *ips, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n && ips[i] != NULL; i++) {
		json_object *o = json_object_new_object();

		json_set_str(o, "ip", ips[i]);
		json_object_array_add(a, o);
	}
	return a;
}

const char *pod_record_ip(const struct pod_record *rec)
{
	if (rec->pod->host_network)
		return rec->started_at != 0 ? rec->host_ip : NULL;
	return rec->pod_ips[0];
}

/* hostIP(s); podIP(s): the CNI result's, or the host's for hostNetwork
 * pods (a pod without a CNI network has loopback only: none). */
static void add_ips(json_object *st, const struct pod_record *rec)
{
	char *const *ips = rec->pod_ips;
	char *host[POD_IPS_MAX] = {rec->host_ip};

	if (rec->host_ip != NULL) {
		json_set_str(st, "hostIP", rec->host_ip);
		json_object_object_add(st, "hostIPs", ip_list(host, 1));
	}
	if (rec->pod->host_network)
		ips = rec->started_at != 0 ? host : NULL;
	if (ips == NULL || ips[0] == NULL)
		return;
	json_set_str(st, "podIP", ips[0]);
	json_object_object_add(st, "podIPs", ip_list(ips, POD_IPS_MAX));
}

static json_object *status_to_json(const struct pod_record *rec)
{
	json_object *st = json_object_new_object(), *cs = json_object_new_array();

	json_set_str(st, "phase", pod_phase_name(rec->phase));
	json_object_object_add(st, "conditions", conditions_to_json(rec));
	json_set_str(st, "reason", rec->reason);
	json_set_str(st, "message", rec->message);
	json_set_time(st, "startTime", rec->started_at);
	add_ips(st, rec);
	json_set_str(st, "qosClass", pod_qos_class(rec->pod));
	if (!rec->scheduled)
		return st; /* no container statuses before the pod is placed */
	for (size_t i = 0; i < rec->n_ctrs; i++)
		json_object_array_add(cs, ctr_to_json(rec, &rec->ctrs[i]));
	json_object_object_add(st, "containerStatuses", cs);
	if (rec->n_init_ctrs > 0) {
		cs = json_object_new_array();
		for (size_t i = 0; i < rec->n_init_ctrs; i++)
			json_object_array_add(cs, ctr_to_json(rec, &rec->init_ctrs[i]));
		json_object_object_add(st, "initContainerStatuses", cs);
	}
	if (rec->n_eph_ctrs > 0) {
		cs = json_object_new_array();
		for (size_t i = 0; i < rec->n_eph_ctrs; i++) {
			json_object *o = ctr_to_json(rec, &rec->eph_ctrs[i]);

			/* the kubelet's prober sets started for app and init
			 * containers only */
			json_object_object_del(o, "started");
			json_object_array_add(cs, o);
		}
		json_object_object_add(st, "ephemeralContainerStatuses", cs);
	}
	return st;
}

json_object *pod_record_to_json(const struct pod_record *rec)
{
	json_object *o = pod_spec_to_json(rec->pod);
	json_object *meta = json_get_obj(o, "metadata");

	if (meta != NULL) {
		json_set_str(meta, "uid", rec->pod->uid);
		json_set_time(meta, "creationTimestamp", rec->created_at);
		json_set_time(meta, "deletionTimestamp", rec->deleting_at);
	}
	json_object_object_add(o, "status", status_to_json(rec));
	return o;
}

static json_object *peapod_to_json(const struct pod_record *rec)
{
	json_object *o = json_object_new_object(), *pids = json_object_new_object();

	json_object_object_add(o, "monitorPid", json_object_new_int(rec->monitor_pid));
	json_object_object_add(o, "sandboxPid", json_object_new_int(rec->sandbox_pid));
	for (size_t i = 0; i < rec->n_ctrs; i++)
		json_object_object_add(pids, rec->ctrs[i].name,
		                       json_object_new_int(rec->ctrs[i].pid));
	json_object_object_add(o, "containerPids", pids);
	if (rec->n_init_ctrs > 0) {
		pids = json_object_new_object();
		for (size_t i = 0; i < rec->n_init_ctrs; i++)
			json_object_object_add(pids, rec->init_ctrs[i].name,
			                       json_object_new_int(rec->init_ctrs[i].pid));
		json_object_object_add(o, "initContainerPids", pids);
	}
	if (rec->n_eph_ctrs > 0) {
		pids = json_object_new_object();
		for (size_t i = 0; i < rec->n_eph_ctrs; i++)
			json_object_object_add(pids, rec->eph_ctrs[i].name,
			                       json_object_new_int(rec->eph_ctrs[i].pid));
		json_object_object_add(o, "ephemeralContainerPids", pids);
	}
	return o;
}

char *pod_record_text(const struct pod_record *rec)
{
	json_object *o = pod_record_to_json(rec);
	char *s;

	json_object_object_add(o, "peapod", peapod_to_json(rec));
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

int pod_record_write(const char *path, const struct pod_record *rec, struct pp_error *err)
{
	cleanup_free char *s = pod_record_text(rec);

	return fs_write_atomic(path, s, strlen(s), 0644, err);
}

static char *json_dup_str(json_object *o, const char *key)
{
	return xstrdup(json_get_str(o, key));
}

static void term_from_json(json_object *o, struct ctr_terminated *t)
{
	t->exit_code = (int)json_get_int(o, "exitCode", 0);
	t->signal = (int)json_get_int(o, "signal", 0);
	t->reason = json_dup_str(o, "reason");
	t->message = json_dup_str(o, "message");
	t->started_at = pod_time_parse(json_get_str(o, "startedAt"));
	t->finished_at = pod_time_parse(json_get_str(o, "finishedAt"));
}

static void ctr_from_json(json_object *o, struct ctr_status *c)
{
	json_object *st = json_get_obj(o, "state"), *inner;

	free(c->image_id);
	c->image_id = json_dup_str(o, "imageID");
	c->ready = json_get_bool(o, "ready", false);
	c->started = json_get_bool(o, "started", false);
	c->restart_count = (int)json_get_int(o, "restartCount", 0);
	if (c->user != NULL)
		json_object_put(c->user);
	c->user = json_get_obj(o, "user") != NULL ? json_object_get(json_get_obj(o, "user")) : NULL;
	free(c->reason);
	c->reason = NULL;
	if ((inner = json_get_obj(st, "running")) != NULL) {
		c->state = CTR_STATE_RUNNING;
		c->started_at = pod_time_parse(json_get_str(inner, "startedAt"));
	} else if ((inner = json_get_obj(st, "terminated")) != NULL) {
		c->state = CTR_STATE_TERMINATED;
		term_from_json(inner, &c->term);
	} else {
		inner = json_get_obj(st, "waiting");
		c->state = CTR_STATE_WAITING;
		c->reason = json_dup_str(inner, "reason");
		c->message = json_dup_str(inner, "message");
	}
	inner = json_get_obj(json_get_obj(o, "lastState"), "terminated");
	if (inner != NULL) {
		c->has_last = true;
		term_from_json(inner, &c->last);
	}
}

static enum pod_phase phase_from_name(const char *s)
{
	for (size_t i = 0; s != NULL && i < 5; i++)
		if (strcmp(s, phase_names[i]) == 0)
			return (enum pod_phase)i;
	return POD_PHASE_UNKNOWN;
}

static void statuses_from_json(struct ctr_status *sts, size_t n, json_object *cs, json_object *pids)
{
	for (size_t i = 0; i < n; i++) {
		json_object *c = cs ? json_object_array_get_idx(cs, i) : NULL;

		if (c != NULL && json_object_is_type(c, json_type_object))
			ctr_from_json(c, &sts[i]);
		sts[i].pid = (pid_t)json_get_int(pids, sts[i].name, 0);
	}
}

static void pod_ips_from_json(struct pod_record *rec, json_object *list)
{
	size_t n = 0;

	if (rec->pod->host_network)
		return; /* the host's, from hostIP */
	for (size_t i = 0; list && i < json_object_array_length(list) && n < POD_IPS_MAX; i++) {
		const char *ip = json_get_str(json_object_array_get_idx(list, i), "ip");

		if (ip != NULL)
			rec->pod_ips[n++] = xstrdup(ip);
	}
}

/* PodScheduled; a record without it (written before it existed) is placed. */
static void scheduled_from_json(struct pod_record *rec, json_object *conds)
{
	rec->scheduled = true;
	for (size_t i = 0; conds != NULL && i < json_object_array_length(conds); i++) {
		json_object *c = json_object_array_get_idx(conds, i);
		const char *type = json_get_str(c, "type"), *st = json_get_str(c, "status");

		if (type == NULL || strcmp(type, "PodScheduled") != 0 || st == NULL ||
		    strcmp(st, "False") != 0)
			continue;
		rec->scheduled = false;
		rec->sched_reason = json_dup_str(c, "reason");
		rec->sched_message = json_dup_str(c, "message");
	}
}

static void record_fill_status(struct pod_record *rec, json_object *o)
{
	json_object *meta = json_get_obj(o, "metadata"), *st = json_get_obj(o, "status");
	json_object *cs = json_get_arr(st, "containerStatuses");
	json_object *pp = json_get_obj(o, "peapod"), *pids = json_get_obj(pp, "containerPids");

	rec->created_at = pod_time_parse(json_get_str(meta, "creationTimestamp"));
	rec->deleting_at = pod_time_parse(json_get_str(meta, "deletionTimestamp"));
	rec->phase = phase_from_name(json_get_str(st, "phase"));
	rec->reason = json_dup_str(st, "reason");
	rec->message = json_dup_str(st, "message");
	rec->started_at = pod_time_parse(json_get_str(st, "startTime"));
	rec->host_ip = json_dup_str(st, "hostIP");
	scheduled_from_json(rec, json_get_arr(st, "conditions"));
	pod_ips_from_json(rec, json_get_arr(st, "podIPs"));
	rec->monitor_pid = (pid_t)json_get_int(pp, "monitorPid", 0);
	rec->sandbox_pid = (pid_t)json_get_int(pp, "sandboxPid", 0);
	statuses_from_json(rec->ctrs, rec->n_ctrs, cs, pids);
	statuses_from_json(rec->init_ctrs, rec->n_init_ctrs,
	                   json_get_arr(st, "initContainerStatuses"),
	                   json_get_obj(pp, "initContainerPids"));
	statuses_from_json(rec->eph_ctrs, rec->n_eph_ctrs,
	                   json_get_arr(st, "ephemeralContainerStatuses"),
	                   json_get_obj(pp, "ephemeralContainerPids"));
}

int pod_record_read(const char *path, struct pod_record **ret, struct pp_error *err)
{
	json_object *o = NULL, *spec = NULL;
	struct pod *pod = NULL;
	struct pod_record *rec;
	int r;

	r = json_parse_file(path, POD_JSON_MAX, &o, err);
	if (r < 0)
		return r;
	/* decode metadata+spec with the manifest decoder, without our extras */
	r = json_object_deep_copy(o, &spec, NULL);
	if (r == 0) {
		json_object *meta = json_get_obj(spec, "metadata");

		/* our own record fields, which a manifest may not set */
		json_object_object_del(meta, "deletionTimestamp");
		json_object_object_del(spec, "status");
		json_object_object_del(spec, "peapod");
		r = pod_spec_from_json(spec, &pod, err);
	} else {
		r = pp_error(err, ENOMEM, "copy");
	}
	json_object_put(spec);
	if (r < 0) {
		json_object_put(o);
		(void)pp_error_prefix(err, r, "'%s'", path); /* returns r */
		return r;
	}
	assert(pod != NULL); /* pod_spec_from_json sets it on success */
	free(pod->uid);
	pod->uid = xstrdup(json_get_str(json_get_obj(o, "metadata"), "uid"));
	rec = pod_record_new(pod);
	record_fill_status(rec, o);
	json_object_put(o);
	*ret = rec;
	return 0;
}

char *pod_name_link(const struct pod_paths *paths, const char *ns, const char *name)
{
	return xstrfmt("%s/%s/%s", paths->names, ns, name);
}

char *pod_dir_path(const struct pod_paths *paths, const char *uid)
{
	return xstrfmt("%s/%s", paths->pods, uid);
}

int pod_lookup(const struct pod_paths *paths, const char *ns, const char *name, char **ret_uid,
               struct pp_error *err)
{
	cleanup_free char *link = pod_name_link(paths, ns, name);
	char buf[128];
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);

	if (n < 0) {
		if (errno == ENOENT)
			return pp_error_msg(err, ENOENT, "pods \"%s\" not found", name);
		return pp_error(err, errno, "readlink '%s'", link);
	}
	buf[n] = '\0';
	if (strchr(buf, '/') != NULL || buf[0] == '.')
		return pp_error_msg(err, EINVAL, "'%s': bad pod link", link);
	*ret_uid = xstrdup(buf);
	return 0;
}

int pod_load(const struct pod_paths *paths, const char *ns, const char *name,
             struct pod_record **ret, struct pp_error *err)
{
	cleanup_free char *uid = NULL, *file = NULL;
	int r = pod_lookup(paths, ns, name, &uid, err);

	if (r < 0)
		return r;
	file = xstrfmt("%s/%s/pod.json", paths->pods, uid);
	r = pod_record_read(file, ret, err);
	if (r == -ENOENT)
		(void)pp_error_msg(err, ENOENT, "pods \"%s\" not found", name); /* returns r */
	return r;
}

static int record_cmp(const void *a, const void *b)
{
	const struct pod_record *x = *(struct pod_record *const *)a;
	const struct pod_record *y = *(struct pod_record *const *)b;
	int c = strcmp(x->pod->namespace_, y->pod->namespace_);

	return c ? c : strcmp(x->pod->name, y->pod->name);
}

/* Append the records of namespace ns (a folder of RUN/names) to *v. */
static void list_namespace(const struct pod_paths *paths, const char *ns, struct pod_record ***v,
                           size_t *n)
{
	cleanup_free char *dir = xstrfmt("%s/%s", paths->names, ns);
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		struct pod_record *rec = NULL;
		struct pp_error e2 = {0};

		/* a pod removed meanwhile, or an unreadable record, is not listed */
		if (de->d_name[0] == '.' || pod_load(paths, ns, de->d_name, &rec, &e2) < 0)
			continue;
		*v = xrealloc(*v, (*n + 1) * sizeof(struct pod_record *));
		(*v)[(*n)++] = rec;
	}
}

int pod_list(const struct pod_paths *paths, const char *ns, struct pod_record ***ret, size_t *ret_n,
             struct pp_error *err)
{
	cleanup_dir DIR *d = NULL;
	struct pod_record **v = NULL;
	size_t n = 0;
	struct dirent *de;

	*ret = NULL;
	*ret_n = 0;
	if (ns != NULL) {
		list_namespace(paths, ns, &v, &n);
	} else {
		d = opendir(paths->names);
		if (d == NULL)
			return errno == ENOENT ? 0
			                       : pp_error(err, errno, "open '%s'", paths->names);
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				list_namespace(paths, de->d_name, &v, &n);
	}
	if (n > 1)
		qsort(v, n, sizeof(struct pod_record *), record_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

int pod_image_user(const struct pod_paths *paths, const char *image_id, char **ret_pod,
                   struct pp_error *err)
{
	struct pod_record **recs = NULL;
	size_t n = 0;
	int r = pod_list(paths, NULL, &recs, &n, err);

	for (size_t i = 0; r == 0 && i < n; i++)
		for (size_t j = 0; r == 0 && j < recs[i]->n_ctrs; j++) {
			const char *id = recs[i]->ctrs[j].image_id;

			if (id != NULL && strcmp(id, image_id) == 0) {
				*ret_pod =
				    xstrfmt("%s/%s", recs[i]->pod->namespace_, recs[i]->pod->name);
				r = 1;
			}
		}
	for (size_t i = 0; i < n; i++)
		pod_record_free(recs[i]);
	free(recs);
	return r;
}
