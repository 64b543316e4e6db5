/* SPDX-License-Identifier: Apache-2.0 */
/* The per-pod monitor: setup, and the epoll loop. Each batch of events is
 * handled (exits, timers, requests, output), then the monitor settles
 * once (settle()): a new sandbox if due, the end of a deletion, what
 * starts next, the pod's phase, pod.json saved if it changed, the next
 * timer armed. Nothing else saves pod.json or arms the timer. */
#include "monitor/monitor.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "image/image.h"
#include "monitor/events.h"
#include "monitor/internal.h"
#include "monitor/io.h"
#include "monitor/keeper.h"
#include "monitor/logs.h"
#include "monitor/probe.h"
#include "pod/monitor-proto.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "pod/sysctl.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

static void notify(struct mon *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notify(struct mon *m, const char *fmt, ...)
{
	va_list ap;

	if (m->notify < 0)
		return;
	va_start(ap, fmt);
	(void)!vdprintf(m->notify, fmt, ap);
	va_end(ap);
}

static void notify_done(struct mon *m)
{
	if (m->notify >= 0)
		(void)close(m->notify);
	m->notify = -1;
}

static int setup_signals(struct mon *m)
{
	m->sigfd = monitor_signalfd();
	if (m->sigfd < 0)
		return m->sigfd;
	return mon_watch(m, m->sigfd, MON_EV_SIGNAL, 0);
}

static int setup_ctl(struct mon *m)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_free char *path = xstrfmt("%s/" MON_SOCK_FILE, m->dir);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	(void)unlink(path);
	m->ctl = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->ctl < 0)
		return -errno;
	if (bind(m->ctl, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(m->ctl, 16) < 0)
		return -errno;
	m->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->timer < 0)
		return -errno;
	if (mon_watch(m, m->timer, MON_EV_TIMER, 0) < 0)
		return -EIO;
	return mon_watch(m, m->ctl, MON_EV_CTL, 0);
}

static int take_lock(struct mon *m)
{
	if (m->lockfd >= 0) /* handed over by apply, already held */
		return fcntl(m->lockfd, F_SETFD, FD_CLOEXEC) < 0 ? -errno : 0;
	m->lockfd = pod_lock_try(&m->paths, m->rec->pod->uid);
	if (m->lockfd < 0) {
		int r = m->lockfd;

		m->lockfd = -1;
		return r == -EWOULDBLOCK ? -EBUSY : r;
	}
	return 0;
}

static void next_at(int64_t *next, int64_t t)
{
	if (t > 0 && (*next == 0 || t < *next))
		*next = t;
}

/* The timer: at the first restart, SIGKILL, probe or eviction check due. */
static void arm_timer(struct mon *m)
{
	int64_t next = 0;
	struct itimerspec its = {0};

	for (size_t i = 0; i < MON_N(m); i++) {
		const struct mctr *c = &m->c[i];

		if (c->phase == MCTR_BACKOFF)
			next_at(&next, c->restart_at_ms > 0 ? c->restart_at_ms : 1);
		if (c->phase == MCTR_STOPPING)
			next_at(&next, c->kill_at_ms);
		next_at(&next, c->probe_next_ms);
	}
	next_at(&next, m->evict_at_ms);
	next_at(&next, m->vol_sync_at_ms);
	next_at(&next, m->deadline_at_ms);
	next_at(&next, m->sandbox_retry_ms);
	next_at(&next, m->place_retry_ms);
	its.it_value.tv_sec = next / 1000;
	its.it_value.tv_nsec = (next % 1000) * 1000000;
	(void)timerfd_settime(m->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

/* pod.json, when it differs from what was written last. */
static void save(struct mon *m)
{
	struct pp_error err = {0};

	if (pod_save_changed(&m->paths, m->rec, &m->saved, &err) < 0)
		log_warn("save pod.json: %s, ignoring", err.msg);
}

static bool all_stopped(const struct mon *m)
{
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].pid > 0 || m->c[i].pull_pid > 0)
			return false;
	return true;
}

/* The deleted pod's containers are gone: the rest of it goes. */
static void finish(struct mon *m)
{
	struct pp_error err = {0};
	const struct pod *p = m->rec->pod;

	for (size_t i = 0; i < MON_N(m); i++)
		cri_log_close(&m->c[i].log);
	m->finished = true;
	if (pod_teardown(&m->paths, p->uid, p->namespace_, p->name, &err) < 0)
		log_error("teardown of pod '%s': %s", p->name, err.msg);
	else
		log_info("pod %s/%s deleted", p->namespace_, p->name);
}

/* apply's report, once no image is being pulled: a warning for each app
 * container that does not run (when the pod has no init containers), then
 * "ok". */
static void report(struct mon *m)
{
	if (m->notify < 0 || mon_pulling(m))
		return;
	for (size_t i = 0; m->report_warnings && m->rec->n_init_ctrs == 0 && i < m->rec->n_ctrs;
	     i++) {
		const struct ctr_status *st = &m->rec->ctrs[i];

		if (m->c[i].phase != MCTR_RUNNING)
			notify(m, MON_NOTIFY_WARNING "container \"%s\": %s\n", st->name,
			       st->message ? st->message
			       : st->state == CTR_STATE_TERMINATED && st->term.message
			           ? st->term.message
			           : "not started");
	}
	notify(m, MON_NOTIFY_OK "\n");
	notify_done(m);
}

static int start_sandbox(struct mon *m);

/* The one commit point, after each batch of events. */
static void settle(struct mon *m)
{
	if (m->finished)
		return;
	mon_sandbox_check(m);
	mon_stop_turns(m);
	if (m->deleting && all_stopped(m)) {
		report(m); /* apply waited for a pull: the pod is gone */
		finish(m);
		return;
	}
	if (mon_place_check(m) && start_sandbox(m) < 0)
		mon_delete_begin(m, 0); /* the pod cannot run here: it goes */
	mon_start_due(m);
	mon_update_phase(m);
	save(m);
	arm_timer(m);
	report(m);
}

/* The kubelet's sysctl admission: the safe set and the node's
 * allowedUnsafeSysctls. The rejection message, or NULL. */
static char *sysctl_rejection(struct mon *m)
{
	struct pp_error err = {0};
	cleanup_strv char **allowed = NULL;

	if (m->rec->pod->n_sysctls == 0)
		return NULL;
	if (pod_sysctl_allowed_unsafe(&m->paths, &allowed, &err) < 0)
		return xstrfmt("forbidden sysctl: %s", err.msg);
	return pod_sysctl_admit(m->rec->pod, allowed);
}

/* The kubelet's admission: a pod whose spec.os is not this node's
 * (linux), or that sets a sysctl the node does not allow, is rejected:
 * Failed with the kubelet's reason, nothing of it created or started. */
static bool rejected(struct mon *m)
{
	struct pod_record *rec = m->rec;
	const char *os = rec->pod->os_name;
	const char *reason = MON_REASON_OS;
	cleanup_free char *msg = NULL;

	if (os != NULL && strcmp(os, "linux") != 0)
		msg = xstrdup(MON_MESSAGE_OS);
	else if ((msg = sysctl_rejection(m)) != NULL)
		reason = MON_REASON_SYSCTL;
	if (msg == NULL)
		return false;
	m->evicted = true; /* Failed for good: nothing starts */
	free(rec->reason);
	free(rec->message);
	rec->reason = xstrdup(reason);
	rec->message = xstrfmt("Pod was rejected: %s", msg);
	pod_event_add(m->dir, "Warning", reason, "%s", msg);
	for (size_t i = 0; i < MON_N(m); i++)
		mctr_rejected(m, i);
	log_info("pod rejected: %s", msg);
	return true;
}

static int start_pod(struct mon *m)
{
	struct pp_error err = {0};
	int r;

	if (rejected(m)) {
		save(m);
		return 0;
	}
	r = img_store_open(m->paths.images, &m->store, &err);
	if (r < 0) {
		notify(m, MON_NOTIFY_ERROR "%s\n", err.msg);
		return log_error_errno(r, "%s", err.msg);
	}
	if (mon_place_pending(m)) {
		save(m);
		return 0; /* Pending, unplaced: apply returns, settle() tries again */
	}
	return start_sandbox(m);
}

/* The placed pod's sandbox, then its containers. */
static int start_sandbox(struct mon *m)
{
	struct pp_error err = {0};
	int r = pod_sandbox_prepare(&m->paths, m->rec, &err);

	if (r < 0) {
		notify(m, MON_NOTIFY_ERROR "%s\n", err.msg);
		return log_error_errno(r, "%s", err.msg);
	}
	/* a sandbox that cannot be created now is tried again: the pod stays
	 * Pending, its containers ContainerCreating, as on a node */
	if (mon_sandbox_create(m, &err) < 0)
		notify(m, MON_NOTIFY_WARNING "Failed to create pod sandbox: %s\n", err.msg);
	m->rec->started_at = pod_now();
	save(m);
	mon_volumes_arm(m);
	mon_volumes_sync(m);
	mon_start_due(m);
	m->report_warnings = true;
	mon_evict_arm(m);
	return 0;
}

/* Is pid gone, a zombie, or on its way out (PF_EXITING)? */
static bool pid_exiting(pid_t pid)
{
	cleanup_free char *path = xstrfmt("/proc/%d/stat", (int)pid);
	cleanup_free char *buf = NULL;
	unsigned long flags = 0;
	const char *p;
	char state = 0;

	if (fs_read_all(path, 4096, &buf, NULL, NULL) < 0 || (p = strrchr(buf, ')')) == NULL)
		return true;
	/* fields after the name: state ppid pgrp session tty_nr tpgid flags */
	if (sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) != 2)
		return false;
	return state == 'Z' || state == 'X' || (flags & 0x4) != 0; /* PF_EXITING */
}

/* Act on the exit (wait status) of child pid: pause, a hook, a probe
 * check, a container. */
static void child_exited(struct mon *m, pid_t pid, int status)
{
	if (pid == m->rec->sandbox_pid) {
		m->rec->sandbox_pid = 0;
		if (!m->deleting)
			mon_sandbox_lost(m, pid);
		return;
	}
	if (mon_hook_reaped(m, pid, status) || mon_probe_reaped(m, pid, status) ||
	    mon_pull_reaped(m, pid, status))
		return;
	/* In a shared pid namespace the containers die as pause exits, and
	 * are reaped before it: see that the sandbox goes first, so that
	 * nothing restarts into it. */
	if (!m->deleting && !m->sandbox_lost && m->rec->sandbox_pid > 0 &&
	    pid_exiting(m->rec->sandbox_pid)) {
		pid_t sandbox = m->rec->sandbox_pid;

		m->rec->sandbox_pid = 0;
		mon_sandbox_lost(m, sandbox);
	}
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].pid == pid)
			mon_ctr_exited(m, i, status);
}

static void exits_run(struct mon *m, const struct mon_exits *ex)
{
	for (size_t i = 0; i < ex->n && !m->finished; i++)
		child_exited(m, ex->pid[i], ex->status[i]);
}

static void reap(struct mon *m)
{
	for (;;) {
		int status = 0;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid <= 0)
			break;
		child_exited(m, pid, status);
	}
}

static void handle_signal(struct mon *m)
{
	struct signalfd_siginfo si;

	while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(m);
		else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			mon_delete_begin(m, -1);
	}
}

static void handle_client(struct mon *m, size_t slot)
{
	char buf[128];
	ssize_t n = read(m->clients[slot], buf, sizeof(buf) - 1);
	long grace = -1;

	if (n <= 0) {
		mon_unwatch_close(m, &m->clients[slot]);
		return;
	}
	buf[n] = '\0';
	if (strncmp(buf, MON_REQ_ATTACH " ", strlen(MON_REQ_ATTACH " ")) == 0) {
		mon_attach_request(m, &m->clients[slot], buf + strlen(MON_REQ_ATTACH " "));
		return;
	}
	if (strncmp(buf, MON_REQ_UPDATE "\n", strlen(MON_REQ_UPDATE "\n")) == 0) {
		mon_update_request(m, &m->clients[slot]);
		return;
	}
	if (strncmp(buf, MON_REQ_DEBUG "\n", strlen(MON_REQ_DEBUG "\n")) == 0) {
		mon_debug_request(m, &m->clients[slot]);
		return;
	}
	if (sscanf(buf, MON_REQ_DELETE " %ld", &grace) == 1 ||
	    strncmp(buf, MON_REQ_DELETE, strlen(MON_REQ_DELETE)) == 0) {
		/* the client stays connected: it sees EOF when the pod is gone */
		mon_delete_begin(m, grace);
		return;
	}
	mon_unwatch_close(m, &m->clients[slot]);
}

static void handle_accept(struct mon *m)
{
	int fd = accept4(m->ctl, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (size_t i = 0; i < MON_MAX_CLIENTS; i++)
		if (m->clients[i] < 0) {
			m->clients[i] = fd;
			(void)mon_watch(m, fd, MON_EV_CLIENT, i);
			return;
		}
	(void)close(fd); /* too many clients at once */
}

static void dispatch(struct mon *m, uint64_t data)
{
	enum mon_ev kind = (enum mon_ev)(data >> 32);
	size_t idx = (size_t)(uint32_t)data;

	switch (kind) {
	case MON_EV_SIGNAL:
		handle_signal(m);
		break;
	case MON_EV_CTL:
		handle_accept(m);
		break;
	case MON_EV_CLIENT:
		handle_client(m, idx);
		break;
	case MON_EV_TIMER: {
		uint64_t ticks;

		(void)!read(m->timer, &ticks, sizeof(ticks));
		mon_stop_timers(m);
		mon_evict_check(m);
		mon_volumes_sync(m);
		mon_probe_run(m);
		break; /* restarts due: settle() */
	}
	case MON_EV_OUT:
		mon_ctr_output(m, idx, CRI_STDOUT);
		break;
	case MON_EV_ERR:
		mon_ctr_output(m, idx, CRI_STDERR);
		break;
	case MON_EV_ATTACH:
		mon_attach_event(m, idx);
		break;
	case MON_EV_KEEPER: {
		struct mon_exits ex = {.n = 0};

		mon_keeper_event(m, &ex);
		exits_run(m, &ex);
		break;
	}
	case MON_EV_PIDFD:
		mon_pidfd_event(m, idx);
		break;
	}
}

static int loop(struct mon *m)
{
	while (!m->finished) {
		struct epoll_event evs[16];
		int n = epoll_wait(m->ep, evs, 16, -1);

		if (n < 0 && errno != EINTR)
			return log_error_errno(-errno, "epoll_wait");
		bool output_only = n > 0;

		for (int i = 0; i < n && !m->finished; i++) {
			enum mon_ev kind = (enum mon_ev)(evs[i].data.u64 >> 32);

			output_only = output_only && (kind == MON_EV_OUT || kind == MON_EV_ERR);
			dispatch(m, evs[i].data.u64);
		}
		/* a container's output changes nothing to settle */
		if (!output_only)
			settle(m);
	}
	return 0;
}

static void mon_free(struct mon *m)
{
	mon_keeper_done(m); /* the supervisor goes too */
	for (size_t i = 0; m->c && i < MON_N(m); i++) {
		cri_log_close(&m->c[i].log);
		mon_probe_free(m, i);
		free(m->c[i].pulled_id);
		if (m->c[i].pull_out >= 0)
			(void)close(m->c[i].pull_out);
	}
	free(m->c);
	free(m->dir);
	free(m->saved);
	img_store_free(m->store);
	pod_record_free(m->rec);
	pod_paths_clear(&m->paths);
}

static int mon_init(struct mon *m, const char *root, const char *ns, const char *name,
                    struct pp_error *err)
{
	int r = pod_paths_init(root, &m->paths, err);

	if (r == 0)
		r = pod_load(&m->paths, ns, name, &m->rec, err);
	if (r < 0)
		return r;
	m->dir = pod_dir_path(&m->paths, m->rec->pod->uid);
	m->c = xcalloc(MON_N(m), sizeof(struct mctr));
	for (size_t i = 0; i < MON_N(m); i++) {
		mctr_init(&m->c[i]);
		/* an adopted container's image is not looked at again */
		m->c[i].stop_signal = pod_ctr_stop_signal(pod_ctr_spec(m->rec, i), NULL);
	}
	if ((r = take_lock(m)) < 0)
		return pp_error(err, r, "monitor lock of pod '%s'", name);
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	if (m->ep < 0)
		return pp_error(err, errno, "epoll_create1");
	if ((r = setup_signals(m)) < 0 || (r = setup_ctl(m)) < 0)
		return pp_error(err, r, "monitor setup");
	if (m->keeper >= 0 && mon_watch(m, m->keeper, MON_EV_KEEPER, 0) < 0)
		return pp_error(err, EIO, "monitor setup");
	m->rec->monitor_pid = getpid();
	return 0;
}

int monitor_run(const struct monitor_opts *o)
{
	const char *ns = o->ns, *name = o->name;
	bool adopt = o->adopt;
	struct mon m = {.notify = o->notify_fd,
	                .ep = -1,
	                .sigfd = -1,
	                .ctl = -1,
	                .timer = -1,
	                .lockfd = o->lock_fd,
	                .keeper = o->keeper_fd,
	                .sandbox_pidfd = -1};
	struct pp_error err = {0};
	int r;

	for (size_t i = 0; i < MON_MAX_CLIENTS; i++)
		m.clients[i] = -1;
	log_open("peapod-monitor", 0);
	r = mon_init(&m, o->root, ns, name, &err);
	if (r < 0) {
		notify(&m, MON_NOTIFY_ERROR "%s\n", err.msg);
		log_error("%s", err.msg);
		if (m.rec != NULL && r != -EBUSY && !adopt)
			(void)pod_teardown(&m.paths, m.rec->pod->uid, ns, name, NULL);
		mon_free(&m);
		return 1;
	}
	log_info("%s pod %s/%s (%s)", adopt ? "taking back" : "monitoring", ns, name,
	         m.rec->pod->uid);
	if (adopt) {
		struct mon_exits ex = {.n = 0};

		r = mon_adopt(&m, &ex, &err);
		if (r == 0) {
			exits_run(&m, &ex);
			mon_adopt_finish(&m);
		}
	} else {
		r = start_pod(&m);
	}
	if (r < 0 && adopt) {
		log_error("%s", err.msg);
		mon_free(&m);
		return 1;
	}
	if (r < 0) {
		m.finished = true;
		(void)pod_teardown(&m.paths, m.rec->pod->uid, ns, name, NULL);
		notify_done(&m);
		mon_free(&m);
		return 1;
	}
	settle(&m);
	r = loop(&m);
	mon_free(&m);
	return r < 0 ? 1 : 0;
}
