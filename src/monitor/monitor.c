/* SPDX-License-Identifier: Apache-2.0 */
/* The per-pod monitor: setup, the epoll loop, and the container life cycle
 * (start, exit, restart with back-off, delete). */
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
#include "monitor/internal.h"
#include "monitor/io.h"
#include "monitor/keeper.h"
#include "monitor/logs.h"
#include "monitor/probe.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

int64_t mon_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void mon_save(struct mon *m)
{
	struct pp_error err = {0};

	if (m->finished)
		return;
	if (pod_save(&m->paths, m->rec, &err) < 0)
		log_warn("save pod.json: %s, ignoring", err.msg);
}

int mon_watch(struct mon *m, int fd, enum mon_ev kind, size_t idx)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = MON_EV(kind, idx)};

	if (epoll_ctl(m->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return log_warn_errno(-errno, "epoll add fd %d", fd);
	return 0;
}

void mon_unwatch_close(struct mon *m, int *fd)
{
	if (*fd < 0)
		return;
	(void)epoll_ctl(m->ep, EPOLL_CTL_DEL, *fd, NULL);
	(void)close(*fd);
	*fd = -1;
}

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

void mon_update_phase(struct mon *m)
{
	struct pod_record *rec = m->rec;
	bool any_live = false, any_started = false, all_ok = true;

	for (size_t i = 0; i < rec->n_ctrs; i++) {
		struct ctr_status *c = &rec->ctrs[i];

		if (c->state == CTR_STATE_RUNNING || m->c[i].restart_at_ms > 0)
			any_live = true;
		if (m->c[i].started_ms > 0)
			any_started = true;
		if (c->state == CTR_STATE_WAITING && m->c[i].restart_at_ms == 0)
			any_live = true; /* still being created */
		if (c->state == CTR_STATE_TERMINATED && c->term.exit_code != 0)
			all_ok = false;
	}
	if (m->sandbox_lost)
		any_live = true; /* its containers start again in a new sandbox */
	if (mon_init_failed(m) || m->evicted)
		rec->phase = POD_PHASE_FAILED; /* restartPolicy Never, or evicted */
	else if (any_live)
		rec->phase = any_started ? POD_PHASE_RUNNING : POD_PHASE_PENDING;
	else
		rec->phase = all_ok ? POD_PHASE_SUCCEEDED : POD_PHASE_FAILED;
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
	cleanup_free char *path = xstrfmt("%s/monitor.sock", m->dir);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
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

void mon_arm_timer(struct mon *m)
{
	int64_t next = 0;
	struct itimerspec its = {0};

	for (size_t i = 0; i < MON_N(m); i++) {
		if (m->c[i].restart_at_ms > 0 && (next == 0 || m->c[i].restart_at_ms < next))
			next = m->c[i].restart_at_ms;
		if (m->c[i].kill_at_ms > 0 && (next == 0 || m->c[i].kill_at_ms < next))
			next = m->c[i].kill_at_ms;
	}
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].probe_next_ms > 0 && (next == 0 || m->c[i].probe_next_ms < next))
			next = m->c[i].probe_next_ms;
	if (m->kill_at_ms > 0 && (next == 0 || m->kill_at_ms < next))
		next = m->kill_at_ms;
	if (m->evict_at_ms > 0 && (next == 0 || m->evict_at_ms < next))
		next = m->evict_at_ms;
	if (next > 0) {
		if (next <= 0)
			next = 1;
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000;
	}
	(void)timerfd_settime(m->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

static int start_pod(struct mon *m)
{
	cleanup_free char *pause = NULL;
	struct pp_error err = {0};
	int r;

	r = img_store_open(m->paths.images, &m->store, &err);
	if (r == 0)
		r = pod_pause_binary(&pause, &err);
	if (r == 0)
		r = pod_sandbox_start(&m->paths, m->rec, pause, &err);
	if (r < 0) {
		notify(m, "error: %s\n", err.msg);
		return log_error_errno(r, "%s", err.msg);
	}
	m->rec->started_at = pod_now();
	mon_save(m);
	if (m->rec->n_init_ctrs > 0)
		mon_start_next(m); /* the first init container */
	for (size_t i = 0; m->rec->n_init_ctrs == 0 && i < m->rec->n_ctrs; i++) {
		if (mon_ctr_start(m, i, &err) < 0)
			notify(m, "warning: container \"%s\": %s\n", m->rec->ctrs[i].name, err.msg);
	}
	mon_evict_arm(m);
	mon_update_phase(m);
	mon_save(m);
	mon_arm_timer(m);
	return 0;
}

static void handle_signal(struct mon *m)
{
	struct signalfd_siginfo si;

	while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			mon_reap(m);
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
	if (strncmp(buf, "attach ", 7) == 0) {
		mon_attach_request(m, &m->clients[slot], buf + 7);
		return;
	}
	if (sscanf(buf, "delete %ld", &grace) == 1 || strncmp(buf, "delete", 6) == 0) {
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
		mon_timers_run(m);
		break;
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
	case MON_EV_KEEPER:
		mon_keeper_event(m);
		break;
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
		for (int i = 0; i < n && !m->finished; i++)
			dispatch(m, evs[i].data.u64);
	}
	return 0;
}

static void mon_free(struct mon *m)
{
	mon_keeper_done(m); /* the supervisor goes too */
	for (size_t i = 0; m->c && i < MON_N(m); i++) {
		cri_log_close(&m->c[i].log);
		mon_probe_free(m, i);
	}
	free(m->c);
	free(m->dir);
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
	for (size_t i = 0; i < MON_N(m); i++)
		mctr_init(&m->c[i]);
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

int monitor_run(const char *root, const char *ns, const char *name, int notify_fd, int lock_fd,
                int keeper_fd, bool adopt)
{
	struct mon m = {.notify = notify_fd,
	                .ep = -1,
	                .sigfd = -1,
	                .ctl = -1,
	                .timer = -1,
	                .lockfd = lock_fd,
	                .keeper = keeper_fd,
	                .sandbox_pidfd = -1};
	struct pp_error err = {0};
	int r;

	for (size_t i = 0; i < MON_MAX_CLIENTS; i++)
		m.clients[i] = -1;
	log_open("peapod-monitor", 0);
	r = mon_init(&m, root, ns, name, &err);
	if (r < 0) {
		notify(&m, "error: %s\n", err.msg);
		log_error("%s", err.msg);
		if (m.rec != NULL && r != -EBUSY && !adopt)
			(void)pod_teardown(&m.paths, m.rec->pod->uid, ns, name, NULL);
		mon_free(&m);
		return 1;
	}
	log_info("%s pod %s/%s (%s)", adopt ? "taking back" : "monitoring", ns, name,
	         m.rec->pod->uid);
	r = adopt ? mon_adopt(&m, &err) : start_pod(&m);
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
	notify(&m, "ok\n");
	notify_done(&m);
	r = loop(&m);
	mon_free(&m);
	return r < 0 ? 1 : 0;
}
