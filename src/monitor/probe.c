/* SPDX-License-Identifier: Apache-2.0 */
/* Container probes as the kubelet runs them: startupProbe, livenessProbe
 * and readinessProbe, each check a child of the monitor (an exec process
 * in the container, or a fork that joins the pod's network namespace for
 * httpGet, tcpSocket and grpc) whose exit status is the result; the monitor
 * never blocks. A check still running at timeoutSeconds is killed and
 * counts as a failure. */
#include "monitor/probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "monitor/events.h"
#include "monitor/grpc-probe.h"
#include "monitor/internal.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define PROBE_UA     "kube-probe/1.31"
#define PROBE_OUTPUT 1024 /* bytes of a check's output kept for the event */

enum probe_kind { PROBE_STARTUP, PROBE_LIVENESS, PROBE_READINESS, PROBE_N };

static const char *const kind_name[PROBE_N] = {"Startup", "Liveness", "Readiness"};
static const char *const kind_word[PROBE_N] = {"startup", "liveness", "readiness"};

struct mprobe {
	pid_t pid;                   /* the running check, 0 when none */
	int out;                     /* memfd the check writes its output to, or -1 */
	bool timed_out;              /* killed at timeoutSeconds */
	bool stale;                  /* its container stopped: the result is dropped */
	int64_t next_ms;             /* next run (CLOCK_MONOTONIC ms), 0 never */
	int64_t deadline_ms;         /* timeout of the running check */
	int64_t successes, failures; /* consecutive */
};

struct mprobe_set {
	struct mprobe p[PROBE_N];
	bool active;  /* the container runs: probes on */
	bool started; /* the startup probe succeeded (or there is none) */
};

static const struct pod_probe *probe_spec(const struct pod_container *pc, int k)
{
	const struct pod_probe *p = k == PROBE_STARTUP    ? &pc->startup_probe
	                            : k == PROBE_LIVENESS ? &pc->liveness_probe
	                                                  : &pc->readiness_probe;

	return p->set ? p : NULL;
}

static void update_next(struct mon *m, size_t idx)
{
	struct mprobe_set *s = m->c[idx].probes;
	int64_t next = 0;

	for (int k = 0; k < PROBE_N; k++) {
		const struct mprobe *p = &s->p[k];
		int64_t t = 0;

		if (p->pid > 0 && !p->timed_out)
			t = p->deadline_ms;
		else if (p->pid == 0 && s->active && (k == PROBE_STARTUP) != s->started)
			t = p->next_ms;
		if (t > 0 && (next == 0 || t < next))
			next = t;
	}
	m->c[idx].probe_next_ms = next;
}

static void probe_kill_check(struct mprobe *p)
{
	if (p->pid > 0) {
		(void)kill(p->pid, SIGKILL);
		p->stale = true;
	}
}

void mon_probe_start(struct mon *m, size_t idx)
{
	const struct pod_container *pc = mon_spec(m, idx);
	int64_t now = pp_now_ms();
	struct mprobe_set *s;

	if (mon_kind(m, idx) == POD_CTR_INIT ||
	    (!pc->liveness_probe.set && !pc->readiness_probe.set && !pc->startup_probe.set))
		return;
	if (m->c[idx].probes == NULL) {
		m->c[idx].probes = xcalloc(1, sizeof(struct mprobe_set));
		for (int k = 0; k < PROBE_N; k++)
			m->c[idx].probes->p[k].out = -1;
	}
	s = m->c[idx].probes;
	for (int k = 0; k < PROBE_N; k++) {
		struct mprobe *p = &s->p[k];
		const struct pod_probe *ps = probe_spec(pc, k);

		probe_kill_check(p); /* a leftover of the last run: dropped */
		p->successes = p->failures = 0;
		p->next_ms = ps ? now + ps->initial_delay_seconds * 1000 : 0;
		if (p->next_ms == 0 && ps)
			p->next_ms = 1;
	}
	s->active = true;
	s->started = !pc->startup_probe.set;
	/* the kubelet: not started until the startup probe succeeds, not
	 * ready before that nor before the readiness probe succeeds */
	mctr_probe_status(m, idx, s->started, s->started && !pc->readiness_probe.set);
	update_next(m, idx);
}

void mon_probe_stop(struct mon *m, size_t idx)
{
	struct mprobe_set *s = m->c[idx].probes;

	if (s == NULL)
		return;
	for (int k = 0; k < PROBE_N; k++)
		probe_kill_check(&s->p[k]);
	s->active = false;
	update_next(m, idx);
}

/* Container idx failed probe k for good: stop it as the kubelet does
 * (preStop, STOPSIGNAL, SIGKILL after the grace period); its exit then
 * restarts it per restartPolicy. */
static void fail_kill(struct mon *m, size_t idx, int k, const struct pod_probe *ps)
{
	struct mprobe_set *s = m->c[idx].probes;
	const char *name = mon_status(m, idx)->name;
	int64_t grace = ps->has_termination_grace_period
	                    ? ps->termination_grace_period_seconds
	                    : m->rec->pod->termination_grace_period_seconds;
	cleanup_free char *why =
	    xstrfmt("Container %s failed %s probe, will be restarted", name, kind_word[k]);

	log_info("container '%s' failed its %s probe, killing it", name, kind_word[k]);
	for (int i = 0; i < PROBE_N; i++)
		probe_kill_check(&s->p[i]);
	s->active = false;
	mon_ctr_stop(m, idx, grace, why);
}

/* One result of probe k of container idx. */
static void probe_result(struct mon *m, size_t idx, int k, bool ok, const char *msg)
{
	const struct pod_probe *ps = probe_spec(mon_spec(m, idx), k);
	struct mprobe_set *s = m->c[idx].probes;
	struct mprobe *p = &s->p[k];
	const struct ctr_status *st = mon_status(m, idx);
	int64_t now = pp_now_ms();

	/* a stopping container's results are dropped */
	if (ps == NULL || !s->active || m->c[idx].phase != MCTR_RUNNING)
		return;
	p->successes = ok ? p->successes + 1 : 0;
	p->failures = ok ? 0 : p->failures + 1;
	p->next_ms = now + ps->period_seconds * 1000;
	if (!ok)
		pod_event_add(m->dir, "Warning", "Unhealthy", "%s probe failed: %s", kind_name[k],
		              msg);
	if (k == PROBE_STARTUP && ok) {
		s->started = true;
		mctr_probe_status(m, idx, true, !mon_spec(m, idx)->readiness_probe.set);
		for (int i = PROBE_LIVENESS; i < PROBE_N; i++)
			if (s->p[i].next_ms > 0 && s->p[i].next_ms < now)
				s->p[i].next_ms = now;
	} else if (k == PROBE_READINESS && ok && p->successes >= ps->success_threshold) {
		mctr_probe_status(m, idx, st->started, true);
	} else if (k == PROBE_READINESS && !ok && p->failures >= ps->failure_threshold) {
		mctr_probe_status(m, idx, st->started, false);
	} else if (!ok && p->failures >= ps->failure_threshold) {
		fail_kill(m, idx, k, ps); /* liveness or startup */
	}
	update_next(m, idx);
}

/* The port number of a probe, a named one looked up in the container's
 * ports as the kubelet does; 0 when there is none. */
static int probe_port(const struct pod_container *pc, const struct pod_probe *ps)
{
	if (ps->port_name == NULL)
		return ps->port;
	for (size_t i = 0; i < pc->n_ports; i++)
		if (pc->ports[i].name != NULL && strcmp(pc->ports[i].name, ps->port_name) == 0)
			return pc->ports[i].container_port;
	return 0;
}

/* errno e as Go's syscall package words it (lower case). */
static const char *go_strerror(int e, char *buf, size_t len)
{
	(void)snprintf(buf, len, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/* host:port as Go's net.JoinHostPort writes it. */
static void join_host_port(const char *host, int port, char *buf, size_t len)
{
	bool v6 = strchr(host, ':') != NULL;

	(void)snprintf(buf, len, "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

/* The kubelet's words for a grpc probe that cannot connect: grpc-go dials
 * with WithBlock, so a refused connection is retried until the deadline. */
static void grpc_connect_failed(const char *host, int port, int64_t timeout_s)
{
	char hp[300];

	join_host_port(host, port, hp, sizeof(hp));
	dprintf(STDOUT_FILENO,
	        "timeout: failed to connect service \"%s\" within %llds: context deadline "
	        "exceeded",
	        hp, (long long)timeout_s);
}

/* Connect to host:port inside the current network namespace. An fd or
 * -1, the reason written on stdout as Go's net package words it. */
static int net_connect(const struct pod_probe *ps, const char *host, int port)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai = NULL;
	char portstr[16], ebuf[128];
	int fd = -1, e = 0;

	(void)snprintf(portstr, sizeof(portstr), "%d", port);
	if ((e = getaddrinfo(host, portstr, &hints, &ai)) != 0) {
		dprintf(STDOUT_FILENO, "dial tcp: lookup %s: %s", host, gai_strerror(e));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		e = errno;
		if (ps->has_grpc)
			grpc_connect_failed(host, port, ps->timeout_seconds);
		else if (ps->has_http_get)
			dprintf(STDOUT_FILENO, "Get \"http://%s:%d%s\": ", host, port, ps->path);
		if (!ps->has_grpc)
			dprintf(STDOUT_FILENO, "dial tcp %s:%d: connect: %s", host, port,
			        go_strerror(e, ebuf, sizeof(ebuf)));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

/* The HTTP check: GET, success on a status 200..399. Exit code. */
static int http_check(const struct pod_probe *ps, const char *host, int port, int fd)
{
	bool has_ua = false, has_accept = false, has_host = false;
	char buf[4096];
	ssize_t n, len = 0;
	int code = 0;
	FILE *f = fdopen(dup(fd), "w");

	if (f == NULL)
		return 1;
	fprintf(f, "GET %s HTTP/1.1\r\n", ps->path ? ps->path : "/");
	for (size_t i = 0; i < ps->n_headers; i++) {
		const struct pod_http_header *h = &ps->headers[i];

		has_ua |= strcasecmp(h->name, "User-Agent") == 0;
		has_accept |= strcasecmp(h->name, "Accept") == 0;
		has_host |= strcasecmp(h->name, "Host") == 0;
		fprintf(f, "%s: %s\r\n", h->name, h->value ? h->value : "");
	}
	if (!has_host) {
		char hp[300];

		join_host_port(host, port, hp, sizeof(hp));
		fprintf(f, "Host: %s\r\n", hp);
	}
	if (!has_ua)
		fprintf(f, "User-Agent: " PROBE_UA "\r\n");
	if (!has_accept)
		fprintf(f, "Accept: */*\r\n");
	fprintf(f, "Connection: close\r\n\r\n");
	if (fclose(f) != 0)
		return 1;
	while (len < (ssize_t)sizeof(buf) - 1 && memchr(buf, '\n', (size_t)len) == NULL &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = '\0';
	if (sscanf(buf, "HTTP/%*d.%*d %d", &code) != 1) {
		dprintf(STDOUT_FILENO, "Get \"http://%s:%d%s\": malformed HTTP response", host,
		        port, ps->path);
		return 1;
	}
	if (code >= 200 && code < 400)
		return 0;
	dprintf(STDOUT_FILENO, "HTTP probe failed with statuscode: %d", code);
	return 1;
}

/* The grpc check on connected fd: fd when SERVING, else -1 with the
 * kubelet's message on stdout. */
static int grpc_child_check(const struct pod_probe *ps, const char *host, int port, int fd)
{
	char hp[300], msg[PROBE_OUTPUT];

	join_host_port(host, port, hp, sizeof(hp));
	if (grpc_check(fd, hp, ps->grpc_service ? ps->grpc_service : "", ps->timeout_seconds, msg,
	               sizeof(msg)) == 0)
		return fd;
	dprintf(STDOUT_FILENO, "%s", msg);
	return -1;
}

/* Where an httpGet, tcpSocket or grpc check connects, as the kubelet does: the
 * handler's host, else the pod's IP; a pod with no IP of its own (no CNI
 * network) is checked on 127.0.0.1 inside its network namespace. */
static const char *probe_host(const struct pod_record *rec, const struct pod_probe *ps)
{
	if (ps->host != NULL && ps->host[0] != '\0')
		return ps->host;
	return rec->pod_ips[0] != NULL ? rec->pod_ips[0] : "127.0.0.1";
}

/* The forked child of an httpGet or tcpSocket check: join the pod's
 * network namespace unless the pod has an IP to reach it by, check, exit
 * with the result. Never returns. */
static void net_child(const struct pod_record *rec, const struct pod_probe *ps, int port, int out,
                      int64_t timeout_s)
{
	char ns[64];
	const char *host = probe_host(rec, ps);
	int fd;

	(void)alarm((unsigned int)timeout_s + 2); /* the monitor kills us before */
	if (dup2(out, STDOUT_FILENO) < 0)
		_exit(1);
	(void)sys_close_range(3, ~0U, 0);
	if (rec->pod_ips[0] == NULL) {
		(void)snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)rec->sandbox_pid);
		fd = open(ns, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
			dprintf(STDOUT_FILENO, "join the pod's network namespace: %s",
			        strerror(errno));
			_exit(1);
		}
		(void)close(fd);
	}
	fd = net_connect(ps, host, port);
	if (fd >= 0 && ps->has_http_get)
		fd = http_check(ps, host, port, fd) == 0 ? fd : -1;
	if (fd >= 0 && ps->has_grpc)
		fd = grpc_child_check(ps, host, port, fd);
	_exit(fd < 0 ? 1 : 0);
}

static int spawn_exec(struct mon *m, size_t idx, const struct pod_probe *ps, int out,
                      pid_t *ret_pid)
{
	struct pp_error err = {0};
	cleanup_close int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int stdio[3] = {null, out, out};
	int r;

	if (null < 0)
		return -errno;
	r = pod_exec(&m->paths, m->rec,
	             &(struct pod_exec_opts){
	                 .container = mon_status(m, idx)->name,
	                 .argv = ps->exec_command,
	                 .io = {.fd = {stdio[0], stdio[1], stdio[2]}, .console_socket = -1}},
	             ret_pid, &err);
	if (r < 0)
		dprintf(out, "%s", err.msg);
	return r;
}

/* Start probe k of container idx; a check that cannot start is a
 * failure at once. */
static void probe_spawn(struct mon *m, size_t idx, int k)
{
	const struct pod_container *pc = mon_spec(m, idx);
	const struct pod_probe *ps = probe_spec(pc, k);
	struct mprobe *p = &m->c[idx].probes->p[k];
	int port = probe_port(pc, ps);
	pid_t pid = 0;
	char msg[256];

	if (!ps->has_exec && port == 0) {
		(void)snprintf(msg, sizeof(msg), "couldn't find port: %s in container %s",
		               ps->port_name, pc->name);
		probe_result(m, idx, k, false, msg);
		return;
	}
	p->out = memfd_create("probe", MFD_CLOEXEC);
	if (p->out < 0) {
		probe_result(m, idx, k, false, strerror(errno));
		return;
	}
	if (ps->has_exec) {
		if (spawn_exec(m, idx, ps, p->out, &pid) < 0)
			pid = 0;
	} else if ((pid = fork()) == 0) {
		net_child(m->rec, ps, port, p->out, ps->timeout_seconds);
	}
	if (pid <= 0) {
		char out[PROBE_OUTPUT] = "";

		(void)!pread(p->out, out, sizeof(out) - 1, 0);
		(void)close(p->out);
		p->out = -1;
		probe_result(m, idx, k, false, out[0] ? out : "cannot start the check");
		return;
	}
	p->pid = pid;
	p->timed_out = p->stale = false;
	p->deadline_ms = pp_now_ms() + ps->timeout_seconds * 1000;
}

void mon_probe_run(struct mon *m)
{
	int64_t now = pp_now_ms();

	for (size_t i = 0; i < MON_N(m); i++) {
		struct mprobe_set *s = m->c[i].probes;

		if (s == NULL)
			continue;
		for (int k = 0; k < PROBE_N; k++) {
			struct mprobe *p = &s->p[k];

			if (p->pid > 0 && !p->timed_out && now >= p->deadline_ms) {
				(void)kill(p->pid, SIGKILL);
				p->timed_out = true;
			}
			if (p->pid == 0 && s->active && m->c[i].phase == MCTR_RUNNING &&
			    (k == PROBE_STARTUP) != s->started && p->next_ms > 0 &&
			    now >= p->next_ms)
				probe_spawn(m, i, k);
		}
		update_next(m, i);
	}
}

/* What a check that ran out of time reports, as the kubelet words it. */
static void timeout_msg(const struct pod_record *rec, const struct pod_container *pc,
                        const struct pod_probe *ps, char *buf, size_t len)
{
	const char *host = probe_host(rec, ps);
	int port = probe_port(pc, ps);

	if (ps->has_exec) {
		size_t n = (size_t)snprintf(buf, len, "command \"");

		for (char **a = ps->exec_command; *a && n + 2 < len; a++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			                      a == ps->exec_command ? "" : " ", *a);
		if (n + 12 < len)
			(void)snprintf(buf + n, len - n, "\" timed out");
	} else if (ps->has_grpc) {
		(void)snprintf(buf, len, "timeout: health rpc did not complete within %llds",
		               (long long)ps->timeout_seconds);
	} else if (ps->has_http_get)
		(void)snprintf(buf, len,
		               "Get \"http://%s:%d%s\": context deadline exceeded (Client.Timeout "
		               "exceeded while awaiting headers)",
		               host, port, ps->path);
	else
		(void)snprintf(buf, len, "dial tcp %s:%d: i/o timeout", host, port);
}

bool mon_probe_reaped(struct mon *m, pid_t pid, int status)
{
	for (size_t i = 0; i < MON_N(m); i++) {
		struct mprobe_set *s = m->c[i].probes;

		for (int k = 0; s != NULL && k < PROBE_N; k++) {
			struct mprobe *p = &s->p[k];
			char out[PROBE_OUTPUT] = "";
			ssize_t n;

			if (p->pid <= 0 || p->pid != pid)
				continue;
			p->pid = 0;
			n = p->out >= 0 ? pread(p->out, out, sizeof(out) - 1, 0) : 0;
			out[n > 0 ? n : 0] = '\0';
			while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
				out[--n] = '\0';
			if (p->out >= 0)
				(void)close(p->out);
			p->out = -1;
			if (p->stale) {
				update_next(m, i);
				return true;
			}
			if (p->timed_out)
				timeout_msg(m->rec, mon_spec(m, i), probe_spec(mon_spec(m, i), k),
				            out, sizeof(out));
			probe_result(m, i, k,
			             WIFEXITED(status) && WEXITSTATUS(status) == 0 && !p->timed_out,
			             out);
			return true;
		}
	}
	return false;
}

void mon_probe_free(struct mon *m, size_t idx)
{
	struct mprobe_set *s = m->c[idx].probes;

	if (s == NULL)
		return;
	for (int k = 0; k < PROBE_N; k++) {
		probe_kill_check(&s->p[k]);
		if (s->p[k].out >= 0)
			(void)close(s->p[k].out);
	}
	free(s);
	m->c[idx].probes = NULL;
}
