/* SPDX-License-Identifier: Apache-2.0 */
/* Stopping a pod's containers without a monitor (the CLI's path for a pod
 * whose monitor and supervisor are gone): the kubelet's killContainer
 * done in one blocking call, the same steps the monitor takes in its
 * event loop: preStop hook or else STOPSIGNAL (a sidecar's once the app
 * containers and the sidecars after it stopped), then SIGKILL to what is
 * left when the grace period ends. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/prctl.h>
#include <sys/wait.h>

#include "image/image.h"
#include "pod/lifecycle.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/log.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define TICK_MS 100

int pod_stop_signal(const char *stop_signal)
{
	const char *s = stop_signal;
	char *end = NULL;
	long n;

	if (s == NULL || *s == '\0')
		return SIGTERM;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev != NULL && strcasecmp(abbrev, s) == 0)
			return i;
	}
	n = strtol(s, &end, 10);
	return end != s && *end == '\0' && n > 0 && n < NSIG ? (int)n : SIGTERM;
}

int pod_ctr_stop_signal(const struct pod_container *c, const char *image_stop_signal)
{
	return pod_stop_signal(c->stop_signal != NULL ? c->stop_signal : image_stop_signal);
}

/* The stop signal of container idx: its lifecycle.stopSignal, else its
 * image's STOPSIGNAL; SIGTERM when both are unknown. */
static int image_stop_signal(struct img_store *store, const struct pod_record *rec, size_t idx)
{
	const struct ctr_status *st = pod_ctr_status(rec, idx);
	struct img_image *img = NULL;
	int sig = SIGTERM;

	if (pod_ctr_spec(rec, idx)->stop_signal != NULL)
		return pod_ctr_stop_signal(pod_ctr_spec(rec, idx), NULL);
	if (store != NULL &&
	    img_store_resolve(store, st->image_id && *st->image_id ? st->image_id : st->image, &img,
	                      NULL) == 0) {
		sig = pod_stop_signal(img->config.stop_signal);
		img_image_free(img);
	}
	return sig;
}

struct stopping {
	bool running;
	bool waits; /* its STOPSIGNAL waits for its turn (pod_stop_turn) */
	int sig;
	pid_t hook; /* its preStop hook, 0 when none runs */
};

/* Send container idx its STOPSIGNAL if its turn came, else mark it
 * waiting. */
static void signal_in_turn(const struct pod_paths *paths, const struct pod_record *rec,
                           struct stopping *s, size_t idx)
{
	size_t n = pod_n_all(rec);
	cleanup_free struct pod_stop_ctr *v = xcalloc(n, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = (struct pod_stop_ctr){.sidecar = pod_ctr_is_sidecar(rec, i),
		                             .running = s[i].running};
	s[idx].waits = !pod_stop_turn(v, rec->n_ctrs, n, idx);
	if (!s[idx].waits)
		(void)pod_container_signal(paths, rec, idx, s[idx].sig, false, NULL);
}

int pod_hook_sleep(int64_t seconds, pid_t *ret_pid)
{
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct timespec ts = {.tv_sec = (time_t)seconds};

		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		(void)sys_close_range(0, ~0U, 0);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	*ret_pid = pid;
	return 0;
}

/* Start container idx's preStop hook; its pid, or 0 (none, or it failed). */
static pid_t pre_stop(const struct pod_paths *paths, const struct pod_record *rec, size_t idx)
{
	const struct pod_container *pc = pod_ctr_spec(rec, idx);
	pid_t pid = 0;

	if ((pod_ctr_is_init(rec, idx) && !pc->restart_always) || !pc->pre_stop.set)
		return 0;
	if (pc->pre_stop.has_sleep)
		return pod_hook_sleep(pc->pre_stop.sleep_seconds, &pid) < 0 ? 0 : pid;
	if (pod_exec(paths, rec,
	             &(struct pod_exec_opts){.container = pc->name,
	                                     .argv = pc->pre_stop.exec_command,
	                                     .io = {.fd = {-1, -1, -1}, .console_socket = -1}},
	             &pid, NULL) < 0)
		return 0;
	return pid;
}

/* Reap the hooks that ended and send their containers the STOPSIGNAL.
 * Returns whether a container still runs. */
static bool stop_progress(const struct pod_paths *paths, const struct pod_record *rec,
                          struct stopping *s)
{
	bool any = false;

	for (size_t i = 0; i < pod_n_all(rec); i++) {
		if (s[i].hook > 0 && waitpid(s[i].hook, NULL, WNOHANG) == s[i].hook) {
			s[i].hook = 0;
			s[i].waits = true;
		}
		if (s[i].waits && s[i].running && s[i].hook == 0)
			signal_in_turn(paths, rec, s, i);
		if (s[i].running)
			s[i].running = pod_container_running(paths, rec, i);
		any |= s[i].running;
	}
	return any;
}

/* Wait until no container runs or deadline (CLOCK_MONOTONIC ms). */
static bool stop_wait(const struct pod_paths *paths, const struct pod_record *rec,
                      struct stopping *s, int64_t deadline)
{
	const struct timespec tick = {.tv_nsec = (long)TICK_MS * 1000 * 1000};
	bool any;

	while ((any = stop_progress(paths, rec, s)) && pp_now_ms() < deadline)
		(void)nanosleep(&tick, NULL);
	return any;
}

void pod_stop(const struct pod_paths *paths, const struct pod_record *rec, long grace_s)
{
	size_t n = pod_n_all(rec);
	cleanup_free struct stopping *s = xcalloc(n > 0 ? n : 1, sizeof(*s));
	struct img_store *store = NULL;
	bool any = false, extend = false;

	if (grace_s < 0)
		grace_s = (long)rec->pod->termination_grace_period_seconds;
	(void)img_store_open(paths->images, &store, NULL);
	for (size_t i = 0; i < n; i++) {
		s[i].running = pod_container_running(paths, rec, i);
		if (!s[i].running || grace_s <= 0)
			continue;
		any = true;
		s[i].sig = image_stop_signal(store, rec, i);
		s[i].hook = pre_stop(paths, rec, i);
		s[i].waits = s[i].hook == 0;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i].waits)
			signal_in_turn(paths, rec, s, i);
	img_store_free(store);
	if (any && stop_wait(paths, rec, s, pp_now_ms() + (int64_t)grace_s * 1000)) {
		/* a preStop hook that used up the grace period: the STOPSIGNAL
		 * still goes, and 2 s more */
		for (size_t i = 0; i < n; i++)
			if (s[i].hook > 0 || (s[i].waits && s[i].running)) {
				if (s[i].hook > 0) {
					(void)kill(s[i].hook, SIGKILL);
					(void)waitpid(s[i].hook, NULL, 0);
				}
				s[i].hook = 0;
				s[i].waits = false;
				(void)pod_container_signal(paths, rec, i, s[i].sig, false, NULL);
				extend = true;
			}
		if (extend)
			(void)stop_wait(paths, rec, s, pp_now_ms() + POD_PRE_STOP_EXTRA_MS);
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i].hook > 0) {
			(void)kill(s[i].hook, SIGKILL);
			(void)waitpid(s[i].hook, NULL, 0);
		}
		if (pod_container_running(paths, rec, i))
			(void)pod_container_signal(paths, rec, i, SIGKILL, true, NULL);
	}
}
