/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's image manager in the monitor: by imagePullPolicy a
 * container's image is taken from the store or pulled, each pull in a child
 * process of its own, so the monitor's loop never waits on a registry. The
 * child appends its progress to the pod's MON_PULL_FILE, for apply to show,
 * and leaves its result in a memfd read when it is reaped. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "image/image.h"
#include "monitor/events.h"
#include "monitor/internal.h"
#include "pod/monitor-proto.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/syscall.h"
#include "util/xalloc.h"

#define PULL_RESULT_MAX 1024

/* Progress lines, appended to the pod's MON_PULL_FILE (fd in data). */
static void child_progress(void *data, const struct img_progress *p)
{
	char line[IMG_PROGRESS_LINE];
	size_t n = img_progress_format(p, line);

	(void)!write(*(int *)data, line, n);
}

/* In the child: pull ref, leave "sha256:<id>" or the error in fd 3, and
 * exit 0 or 1. It dies with the monitor (a pull cut short is resumed by
 * the next one). */
static _Noreturn void pull_child(struct mon *m, const char *ref, const char *authfile, int out)
{
	struct img_pull_opts o = {.progress = child_progress, .authfile = authfile};
	cleanup_free char *file = xstrfmt("%s/" MON_PULL_FILE, m->dir);
	cleanup_free char *id = NULL;
	struct pp_error err = {0};
	sigset_t all;
	int pfd, r;

	(void)sigfillset(&all);
	(void)sigprocmask(SIG_UNBLOCK, &all, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* nothing of the monitor's: not its lock, sockets or container pipes */
	if (dup2(out, 3) < 0)
		_exit(1);
	(void)sys_close_range(4, ~0U, 0);
	pfd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (pfd >= 0)
		(void)!dprintf(pfd, MON_PULL_LINE "%s\n", ref);
	o.data = &pfd;
	if (pfd < 0)
		o.progress = NULL;
	r = img_store_pull(m->store, ref, &o, &id, &err);
	if (r == 0)
		(void)!dprintf(3, "%s", id);
	else
		(void)!dprintf(3, "%s", err.msg);
	_exit(r == 0 ? 0 : 1);
}

/* Start pulling ref (normalised), the image of container idx: PULLING.
 * 0 or -errno. */
static int pull_start(struct mon *m, size_t idx, const char *ref, struct pp_error *err)
{
	int out = memfd_create("pull", MFD_CLOEXEC);
	cleanup_free char *authfile = NULL;
	pid_t pid;

	if (out < 0)
		return pp_error(err, errno, "memfd_create");
	/* only a running apply reads the progress: start afresh when none
	 * may (pulls run one at a time, so no other pull writes it now) */
	if (m->notify < 0) {
		cleanup_free char *file = xstrfmt("%s/" MON_PULL_FILE, m->dir);

		(void)!truncate(file, 0);
	}
	authfile = mon_pull_auth(m, ref);
	pid = fork();
	if (pid < 0) {
		(void)close(out);
		return pp_error(err, errno, "fork");
	}
	if (pid == 0)
		pull_child(m, ref, authfile, out);
	mctr_pull_started(m, idx, pid, out);
	log_info("container '%s': pulling image '%s' (pid %d)", mon_status(m, idx)->name, ref,
	         (int)pid);
	return 0;
}

/* Does the policy want a pull, with the image img (NULL: absent)? */
static bool pull_wanted(enum pod_pull_policy policy, const struct img_image *img)
{
	if (policy == POD_PULL_ALWAYS)
		return true;
	return policy == POD_PULL_IF_NOT_PRESENT && img == NULL;
}

/* The image the last pull brought, when there is one and it is still in
 * the store. */
static struct img_image *take_pulled(struct mon *m, size_t idx)
{
	cleanup_free char *id = take_ptr(&m->c[idx].pulled_id);
	struct img_image *img = NULL;

	if (id != NULL && img_store_resolve(m->store, id, &img, NULL) < 0)
		img = NULL;
	return img;
}

int mon_image_ensure(struct mon *m, size_t idx, struct img_image **ret_img, struct pp_error *err)
{
	const struct pod_container *pc = mon_spec(m, idx);
	struct ctr_status *st = mon_status(m, idx);
	cleanup_free char *norm = NULL;
	struct img_image *img = take_pulled(m, idx);
	struct pp_error perr = {0};
	int r;

	if (img != NULL) {
		*ret_img = img;
		return 0;
	}
	r = img_store_resolve(m->store, st->image_id && *st->image_id ? st->image_id : pc->image,
	                      &img, &perr);
	if (r < 0 && r != -ENOENT && r != -EINVAL)
		return pp_error_msg(err, -r, "%s", perr.msg);
	if (img_ref_normalize(pc->image, &norm, NULL) < 0) {
		if (img != NULL) { /* an image id: only the store has it */
			*ret_img = img;
			return 0;
		}
		cleanup_free char *msg =
		    xstrfmt("Failed to apply default image tag \"%s\": couldn't "
		            "parse image name \"%s\": invalid reference format",
		            pc->image, pc->image);

		mctr_image_invalid(m, idx, msg);
		return pp_error_msg(err, EINVAL, "%s", msg);
	}
	if (!pull_wanted(pc->image_pull_policy, img)) {
		if (img != NULL) {
			pod_event_add(m->dir, "Normal", "Pulled",
			              "Container image \"%s\" already present on machine",
			              pc->image);
			*ret_img = img;
			return 0;
		}
		mctr_image_missing(m, idx);
		return pp_error_msg(err, ENOENT, "%s", st->message);
	}
	img_image_free(img);
	/* one pull at a time, as the kubelet's serialized image pulls: the
	 * container waits for its turn */
	if (mon_pulling(m))
		return -EINPROGRESS;
	r = pull_start(m, idx, norm, err);
	return r < 0 ? r : -EINPROGRESS;
}

/* The child's result: its exit and what it left in the memfd. */
static void pull_exited(struct mon *m, size_t idx, int status)
{
	struct mctr *c = &m->c[idx];
	char out[PULL_RESULT_MAX] = "";
	ssize_t n = pread(c->pull_out, out, sizeof(out) - 1, 0);
	struct img_image *img = NULL;
	cleanup_free char *auth = xstrfmt("%s/" MON_PULL_AUTH_FILE, m->dir);

	(void)unlink(auth); /* the pull has read its credentials */
	out[n > 0 ? n : 0] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    img_store_resolve(m->store, out, &img, NULL) == 0) {
		log_info("container '%s': pulled image %s", mon_status(m, idx)->name, img->id);
		mctr_pull_done(m, idx, img->id, img->size);
		img_image_free(img);
		return;
	}
	if (out[0] == '\0' || WIFSIGNALED(status))
		(void)snprintf(out, sizeof(out), "the pull ended with %s %d",
		               WIFSIGNALED(status) ? "signal" : "exit status",
		               WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	log_error("container '%s': pull of '%s' failed: %s", mon_status(m, idx)->name,
	          mon_spec(m, idx)->image, out);
	mctr_pull_failed(m, idx, out);
}

bool mon_pull_reaped(struct mon *m, pid_t pid, int status)
{
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].pull_pid > 0 && m->c[i].pull_pid == pid) {
			pull_exited(m, i, status);
			return true;
		}
	return false;
}

void mon_pull_cancel(struct mon *m, size_t idx)
{
	if (m->c[idx].pull_pid > 0)
		(void)kill(m->c[idx].pull_pid, SIGKILL); /* reaped as any child */
}

bool mon_pulling(const struct mon *m)
{
	for (size_t i = 0; i < MON_N(m); i++)
		if (m->c[i].pull_pid > 0)
			return true;
	return false;
}
