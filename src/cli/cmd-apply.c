/* SPDX-License-Identifier: Apache-2.0 */
/* peapod apply -f FILE: create pods (kubectl apply), start their monitors. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "image/image.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/syscall.h"
#include "util/xalloc.h"

/* In the grandchild: become the monitor, with the notify pipe as fd 3. */
static void exec_monitor(const struct pod *pod, int notify_fd, int lock_fd, const char *logpath,
                         bool adopt)
{
	cleanup_free char *target = xstrfmt("%s/%s", pod->namespace_, pod->name);
	const char *argv[10];
	int n = 0, devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	/* move both out of 0..4 first, so no dup2 below overwrites the other */
	notify_fd = fcntl(notify_fd, F_DUPFD, 10);
	lock_fd = fcntl(lock_fd, F_DUPFD, 10);
	if (devnull < 0 || logfd < 0 || notify_fd < 0 || lock_fd < 0 || dup2(devnull, 0) < 0 ||
	    dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0 || dup2(notify_fd, 3) < 0 ||
	    dup2(lock_fd, 4) < 0)
		_exit(127);
	(void)sys_close_range(5, ~0U, 0); /* nothing of our caller's (bats' fd 3...) */
	argv[n++] = "peapod";
	if (arg_root != NULL) {
		argv[n++] = "--root";
		argv[n++] = arg_root;
	}
	argv[n++] = "monitor";
	argv[n++] = target;
	argv[n++] = "--notify-fd=3";
	argv[n++] = "--lock-fd=4"; /* the pod's lock, held from creation on */
	if (adopt)
		argv[n++] = "--adopt"; /* take back a pod whose monitor is gone */
	argv[n] = NULL;
	if (chdir("/") < 0)
		_exit(127);
	execv("/proc/self/exe", (char **)argv);
	_exit(127);
}

/* Start the monitor detached (own session, reparented away from us) and
 * return the read end of its notify pipe. */
static int spawn_monitor(const struct pod *pod, const char *pod_dir, int lock_fd, bool adopt,
                         int *ret_fd)
{
	cleanup_free char *logpath = xstrfmt("%s/monitor.log", pod_dir);
	int p[2], status = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setsid() < 0 || fork() != 0)
			_exit(0);
		exec_monitor(pod, p[1], lock_fd, logpath, adopt);
	}
	(void)close(p[1]);
	(void)waitpid(pid, &status, 0);
	*ret_fd = p[0];
	return 0;
}

/* Wait for the monitor's report; print its warnings. 0, or -1 on error. */
static int wait_monitor(int fd, const char *name)
{
	cleanup_fclose FILE *f = fdopen(fd, "r");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	int result = -1;
	ssize_t n;

	if (f == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (strcmp(line, "ok") == 0)
			result = 0;
		else if (strncmp(line, "error: ", 7) == 0)
			log_error("pod \"%s\": %s", name, line + 7);
		else if (strncmp(line, "warning: ", 9) == 0)
			log_warn("pod \"%s\": %s", name, line + 9);
	}
	if (result < 0 && line == NULL)
		log_error("pod \"%s\": the monitor exited before it started the pod", name);
	return result;
}

/* A pod whose monitor and supervisor are both gone (killed, or a crash):
 * start a monitor that takes it back, as a restarted kubelet does. Its
 * containers keep running; their output from now on has no reader. */
static int take_back(const struct pod_paths *paths, const struct pod_record *cur)
{
	cleanup_free char *dir = pod_dir_path(paths, cur->pod->uid);
	cleanup_close int lockfd = pod_lock_try(paths, cur->pod->uid);
	int fd = -1, r;

	if (lockfd < 0 || cur->deleting_at > 0)
		return 0; /* a monitor runs it, or it is being deleted */
	r = spawn_monitor(cur->pod, dir, lockfd, true, &fd);
	if (r < 0)
		return log_error_errno(r, "start the monitor of pod \"%s\"", cur->pod->name);
	return wait_monitor(fd, cur->pod->name);
}

/* The pod exists: an identical spec is "unchanged", another is refused as
 * the API server refuses most pod updates. Borrows pod. */
static int apply_existing(const struct pod_paths *paths, const struct pod *pod)
{
	struct pod_record *cur = NULL;
	struct pp_error err = {0};
	int r = pod_load(paths, pod->namespace_, pod->name, &cur, &err);

	if (r < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	r = pod_spec_equal(cur->pod, pod) ? 0 : -1;
	if (r == 0)
		r = take_back(paths, cur);
	if (r == 0)
		printf("pod/%s unchanged\n", pod->name);
	else
		log_error("The Pod \"%s\" is invalid: spec: Forbidden: pod updates may not change "
		          "fields other than those peapod can update in place (none yet); "
		          "delete the pod and apply again",
		          pod->name);
	pod_record_free(cur);
	return r;
}

static int apply_new(const struct pod_paths *paths, struct img_store *store, struct pod *pod,
                     const char *file)
{
	struct pod_record *rec = pod_record_new(pod);
	struct pp_error err = {0};
	cleanup_free char *dir = NULL;
	cleanup_close int lockfd = -1;
	int fd = -1, r;

	r = pod_resolve_images(store, rec, &err);
	if (r == 0)
		r = pod_create(paths, rec, &lockfd, &err);
	if (r == -EEXIST) {
		/* another apply created it since we looked: as kubectl losing
		 * that race, AlreadyExists */
		fprintf(
		    stderr,
		    "Error from server (AlreadyExists): error when creating \"%s\": pods \"%s\" "
		    "already exists\n",
		    strcmp(file, "-") == 0 ? "STDIN" : file, pod->name);
		pod_record_free(rec);
		return -1;
	}
	if (r < 0) {
		log_error("The Pod \"%s\" is invalid: %s", pod->name, err.msg);
		pod_record_free(rec);
		return -1;
	}
	dir = pod_dir_path(paths, pod->uid);
	r = spawn_monitor(pod, dir, lockfd, false, &fd);
	if (r < 0) {
		log_error_errno(r, "start the monitor of pod \"%s\"", pod->name);
		(void)pod_teardown(paths, pod->uid, pod->namespace_, pod->name, NULL);
	} else {
		r = wait_monitor(fd, pod->name);
	}
	if (r == 0)
		printf("pod/%s created\n", pod->name);
	pod_record_free(rec);
	return r < 0 ? -1 : 0;
}

static int apply_one(const struct pod_paths *paths, struct img_store *store, struct pod *pod,
                     const char *file)
{
	cleanup_free char *uid = NULL;
	int r;

	if (pod_lookup(paths, pod->namespace_, pod->name, &uid, NULL) == -ENOENT)
		return apply_new(paths, store, pod, file);
	r = apply_existing(paths, pod);
	pod_free(pod);
	return r;
}

static int apply_file(const char *file)
{
	const struct pod_paths *paths = cli_paths();
	struct pod *pods = NULL;
	struct img_store *store = NULL;
	struct pp_error err = {0};
	size_t n = 0;
	int failed = 0;

	if (cli_parse_manifest(file, &pods, &n) < 0)
		return -1;
	if (pod_paths_ensure(paths, &err) < 0 || img_store_open(paths->images, &store, &err) < 0) {
		log_error("%s", err.msg);
		pod_free_all(pods, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct pod *p = xmalloc(sizeof(*p));

		*p = pods[i]; /* apply_one takes it */
		if (apply_one(paths, store, p, file) < 0)
			failed = 1;
	}
	free(pods);
	img_store_free(store);
	return failed ? -1 : 0;
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"filename", required_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_strv char **files = NULL;
	int c, failed = 0;

	while ((c = cli_getopt(argc, argv, "f:", opts)) != -1) {
		if (c != 'f')
			return 1;
		strv_push(&files, optarg);
	}
	if (files == NULL || optind < argc) {
		log_error("must specify one of -f and -k (peapod apply -f FILENAME)");
		return 1;
	}
	for (size_t i = 0; files[i]; i++) {
		cleanup_strv char **expanded = cli_manifest_files(files[i]);

		if (expanded[0] == NULL) {
			log_error(
			    "error reading [%s]: recognized file extensions are [.json .yaml .yml]",
			    files[i]);
			failed = 1;
		}
		for (size_t j = 0; expanded[j]; j++)
			if (apply_file(expanded[j]) < 0)
				failed = 1;
	}
	return failed;
}
