/* SPDX-License-Identifier: Apache-2.0 */
/* peapod delete pod NAME... | -f FILE [--grace-period N] [--now] (kubectl delete). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/mman.h>
#include <sys/wait.h>

#include "cli/cli-objects.h"
#include "cli/cli-util.h"
#include "cli/cli.h"
#include "client/client.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/manifest.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

struct delete_opts {
	const char *ns;
	long grace; /* -1: the pod's own */
	bool ignore_not_found;
};

/* A pod nobody runs (its monitor and supervisor are gone) whose
 * containers may still run: stop them as the kubelet would (pod_stop);
 * the teardown that follows removes the rest. */
static void stop_orphans(const struct pod_paths *paths, const char *ns, const char *name,
                         long grace)
{
	struct pod_record *rec = NULL;

	if (pod_load(paths, ns, name, &rec, NULL) < 0)
		return;
	pod_stop(paths, rec, grace);
	pod_record_free(rec);
}

/* The pod delete_by_uid() deletes. */
struct delete_target {
	const char *uid, *ns, *name;
	const char *dir; /* its folder, RUN/pods/<uid> */
};

/* Whoever holds the pod's lock runs it: ask that monitor to delete the pod
 * (retrying while an apply is still starting it). When nobody holds the
 * lock (the monitor was killed, or the machine rebooted), take it and tear
 * the pod down here; holding it, no monitor can start meanwhile. */
static int delete_by_uid(const struct pod_paths *paths, const struct delete_target *t, long grace,
                         struct pp_error *err)
{
	const char *uid = t->uid, *ns = t->ns, *name = t->name, *dir = t->dir;
	const struct timespec pause = {.tv_nsec = 50L * 1000 * 1000};
	int r = -ETIMEDOUT;

	for (int tries = 0; tries < 400; tries++) {
		int lockfd = pod_lock_try(paths, uid);

		if (lockfd >= 0 || lockfd == -ENOENT) {
			if (lockfd >= 0)
				stop_orphans(paths, ns, name, grace);
			r = pod_teardown(paths, uid, ns, name, err);
			if (lockfd >= 0)
				(void)close(lockfd);
			return r;
		}
		r = client_delete_request(dir, grace, err);
		if (r == 0 && access(dir, F_OK) < 0)
			return 0; /* the monitor went with the pod */
		if (r < 0 && r != -ENOENT && r != -ECONNREFUSED && r != -ECONNRESET)
			return r;
		/* the monitor is not listening yet, or died (mid-delete too) and
		 * its supervisor is starting a new one, or nobody runs the pod
		 * any more: ask again, or tear down here */
		(void)nanosleep(&pause, NULL);
	}
	return pp_error_msg(err, ETIMEDOUT, "the pod's monitor does not answer");
}

static int delete_pod(const char *ns, const char *name, const struct delete_opts *o)
{
	const struct pod_paths *paths = cli_paths();
	cleanup_free char *uid = NULL, *dir = NULL;
	struct pp_error err = {0};
	int r = pod_lookup(paths, ns, name, &uid, &err);

	if (r < 0)
		return cli_server_error(r, err.msg, o->ignore_not_found);
	dir = pod_dir_path(paths, uid);
	r = delete_by_uid(paths,
	                  &(struct delete_target){.uid = uid, .ns = ns, .name = name, .dir = dir},
	                  o->grace, &err);
	if (r < 0) {
		log_error("delete pod \"%s\": %s", name, err.msg);
		return 1;
	}
	/* kubectl: a zero grace period is a force deletion */
	printf("pod \"%s\" %s\n", name, o->grace == 0 ? "force deleted" : "deleted");
	return 0;
}

/* The pods one command deletes: namespace, name pairs. */
struct targets {
	char **ns, **name;
	size_t n;
};

static void targets_add(struct targets *t, const char *ns, const char *name)
{
	t->ns = xrealloc(t->ns, (t->n + 1) * sizeof(char *));
	t->name = xrealloc(t->name, (t->n + 1) * sizeof(char *));
	t->ns[t->n] = xstrdup(ns);
	t->name[t->n++] = xstrdup(name);
}

static void targets_free(struct targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->ns[i]);
		free(t->name[i]);
	}
	free(t->ns);
	free(t->name);
}

static void copy_out(int fd, FILE *to)
{
	char buf[4096];
	ssize_t n;

	(void)fflush(to);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		(void)!fwrite(buf, 1, (size_t)n, to);
	(void)fflush(to);
}

/* Delete every target at once, as kubectl deletes them all and then
 * waits, so grace periods do not add up; each pod's output is printed in
 * the order given. Returns 1 when any failed. */
static int delete_all(const struct targets *t, const struct delete_opts *o)
{
	int(*fds)[2] = xcalloc(t->n, sizeof(*fds));
	pid_t *pids = xcalloc(t->n, sizeof(pid_t));
	int failed = 0;

	if (t->n == 1) {
		failed = delete_pod(t->ns[0], t->name[0], o);
		goto out;
	}
	(void)fflush(stdout);
	(void)fflush(stderr);
	for (size_t i = 0; i < t->n; i++) {
		fds[i][0] = memfd_create("out", MFD_CLOEXEC);
		fds[i][1] = memfd_create("err", MFD_CLOEXEC);
		pids[i] = fds[i][0] < 0 || fds[i][1] < 0 ? -1 : fork();
		if (pids[i] == 0) {
			if (dup2(fds[i][0], STDOUT_FILENO) < 0 ||
			    dup2(fds[i][1], STDERR_FILENO) < 0)
				_exit(1);
			failed = delete_pod(t->ns[i], t->name[i], o);
			(void)fflush(stdout);
			_exit(failed);
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		int status = 1;

		if (pids[i] < 0 || waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			failed = 1;
		copy_out(fds[i][0], stdout);
		copy_out(fds[i][1], stderr);
		(void)close(fds[i][0]);
		(void)close(fds[i][1]);
	}
out:
	free(fds);
	free(pids);
	return failed;
}

/* kubectl delete -f reads each document's kind, namespace and name only:
 * a field apply would refuse does not keep a pod from being deleted. Pods
 * are added to t; ConfigMaps and Secrets deleted here. */
static int delete_file(const char *file, struct targets *t, const struct delete_opts *o)
{
	struct manifest_ref *refs = NULL;
	size_t n = 0;
	int failed = 0;

	if (cli_parse_manifest_refs(file, &refs, &n) < 0)
		return 1;
	for (size_t i = 0; i < n; i++) {
		if (refs[i].kind == MANIFEST_POD)
			targets_add(t, refs[i].ns, refs[i].name);
		else
			failed |= cli_kobj_delete(refs[i].kind == MANIFEST_SECRET ? KOBJ_SECRET
			                                                          : KOBJ_CONFIGMAP,
			                          refs[i].ns, refs[i].name, o->ignore_not_found);
	}
	manifest_refs_free(refs, n);
	return failed;
}

/* delete configmap|secret NAME..., or TYPE/NAME words of one kind. */
static int delete_objects(int argc, char **argv, const struct delete_opts *o)
{
	enum kobj_kind kind = KOBJ_CONFIGMAP;
	int failed = 0, i = 0;

	if (cli_kobj_resource(argv[0], &kind) == 0) {
		i = 1;
		if (argc == 1) {
			log_error("resource(s) were provided, but no name was specified");
			return 1;
		}
	}
	for (; i < argc; i++) {
		enum kobj_kind k = kind;
		const char *name = cli_kobj_typed_name(argv[i], &k);

		failed |=
		    cli_kobj_delete(k, o->ns, name != NULL ? name : argv[i], o->ignore_not_found);
	}
	return failed;
}

static int delete_names(int argc, char **argv, const struct delete_opts *o)
{
	struct targets t = {0};
	int failed;

	enum kobj_kind kind;

	if (argc < 1) {
		log_error("You must provide one or more resources by argument or filename.");
		return 1;
	}
	if (cli_kobj_resource(argv[0], &kind) == 0 || cli_kobj_typed_name(argv[0], &kind) != NULL)
		return delete_objects(argc, argv, o);
	for (int i = 0; i < argc; i++) {
		const char *name = argv[i];

		if (strncmp(name, "pod/", 4) == 0 || strncmp(name, "pods/", 5) == 0)
			name = strchr(name, '/') + 1;
		else if (i == 0 && (strcmp(name, "pod") == 0 || strcmp(name, "pods") == 0 ||
		                    strcmp(name, "po") == 0)) {
			if (argc > 1)
				continue;
			log_error("resource(s) were provided, but no name was specified");
			return 1;
		} else if (i == 0) {
			log_error("the server doesn't have a resource type \"%s\" (peapod runs "
			          "pods, configmaps and secrets only)",
			          name);
			targets_free(&t);
			return 1;
		}
		targets_add(&t, o->ns, name);
	}
	failed = delete_all(&t, o);
	targets_free(&t);
	return failed;
}

int cmd_delete(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"filename", required_argument, NULL, 'f'},
	    {"namespace", required_argument, NULL, 'n'},
	    {"grace-period", required_argument, NULL, 'g'},
	    {"now", no_argument, NULL, 'N'},
	    {"force", no_argument, NULL, 'F'},
	    {"ignore-not-found", no_argument, NULL, 'I'},
	    {NULL, 0, NULL, 0},
	};
	struct delete_opts o = {.ns = "default", .grace = -1};
	const char *file = NULL;
	char *end = NULL;
	bool force = false;
	int c;

	while ((c = cli_getopt(argc, argv, "f:n:", opts)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'n':
			o.ns = optarg;
			break;
		case 'g':
			o.grace = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0') {
				log_error("invalid argument \"%s\" for \"--grace-period\"", optarg);
				return 1;
			}
			break;
		case 'N':
			o.grace = 1; /* kubectl: --now is --grace-period=1 */
			break;
		case 'F':
			force = true;
			break;
		case 'I':
			o.ignore_not_found = true;
			break;
		default:
			return 1;
		}
	}
	/* kubectl: --force means no grace period unless one is given, and
	 * --grace-period=0 without --force means 1 */
	if (force && o.grace < 0)
		o.grace = 0;
	else if (!force && o.grace == 0)
		o.grace = 1;
	if (o.grace == 0)
		fprintf(stderr,
		        "Warning: Immediate deletion does not wait for confirmation that the "
		        "running resource has been terminated. The resource may continue to "
		        "run on the cluster indefinitely.\n");
	if (file != NULL) {
		cleanup_strv char **files = cli_manifest_files(file);
		struct targets t = {0};
		int failed = 0;

		for (size_t i = 0; files[i]; i++)
			failed |= delete_file(files[i], &t, &o);
		if (t.n > 0)
			failed |= delete_all(&t, &o);
		targets_free(&t);
		return failed;
	}
	return delete_names(argc - optind, argv + optind, &o);
}
