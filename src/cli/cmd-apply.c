/* SPDX-License-Identifier: Apache-2.0 */
/* peapod apply -f FILE: create pods (kubectl apply), start their monitors. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "cli/cli-objects.h"
#include "cli/cli-util.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "client/client.h"
#include "image/image.h"
#include "pod/monitor-proto.h"
#include "pod/paths.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/manifest.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

struct waiting {
	const char *name;
	struct cli_progress *view; /* created at the first pull */
};

/* The monitor's report on the pod: its warnings and errors, printed. */
static void print_note(enum client_note kind, const char *msg, void *data)
{
	const struct waiting *wt = data;

	if (kind == CLIENT_NOTE_ERROR)
		log_error("pod \"%s\": %s", wt->name, msg);
	else
		log_warn("pod \"%s\": %s", wt->name, msg);
}

/* A line of the monitor's pulls: podman's "Trying to pull" for each image,
 * then its progress. */
static void print_pull(const char *line, void *data)
{
	struct waiting *wt = data;
	cleanup_free char *copy = xstrdup(line);
	struct img_progress ev;

	if (strncmp(line, MON_PULL_LINE, strlen(MON_PULL_LINE)) == 0) {
		wt->view = cli_progress_free(wt->view);
		fprintf(stderr, "Trying to pull %s...\n", line + strlen(MON_PULL_LINE));
		return;
	}
	if (img_progress_parse(copy, &ev) < 0)
		return;
	if (wt->view == NULL)
		wt->view = cli_progress_new(stderr, isatty(STDERR_FILENO));
	cli_progress_event(wt->view, &ev);
}

/* Wait for the monitor's report, showing the progress of its image pulls
 * (the lines of the pod folder dir's pull file from offset on); print its
 * warnings. 0, or -1 on error. */
static int wait_monitor(int fd, const char *name, const char *dir, long offset)
{
	cleanup_free char *file = xstrfmt("%s/" MON_PULL_FILE, dir);
	struct waiting wt = {.name = name};
	int r = client_monitor_wait(fd, &(struct client_wait){.note = print_note,
	                                                      .pull = print_pull,
	                                                      .pull_file = file,
	                                                      .pull_offset = offset,
	                                                      .data = &wt});

	cli_progress_free(wt.view);
	return r < 0 ? -1 : 0;
}

/* The size of the pod folder dir's pull file: where new progress starts. */
static long pull_file_end(const char *dir)
{
	cleanup_free char *file = xstrfmt("%s/" MON_PULL_FILE, dir);
	struct stat sb;

	return stat(file, &sb) == 0 ? (long)sb.st_size : 0;
}

/* A pod whose monitor and supervisor are both gone (killed, or a crash):
 * start a monitor that takes it back, as a restarted kubelet does. Its
 * containers keep running; their output from now on has no reader. */
static int take_back(const struct pod_paths *paths, const struct pod_record *cur)
{
	cleanup_free char *dir = pod_dir_path(paths, cur->pod->uid);
	cleanup_close int lockfd = pod_lock_try(paths, cur->pod->uid);
	long offset;
	int fd = -1, r;

	if (lockfd < 0)
		return 0; /* a monitor (or a deleting CLI) runs it */
	/* nobody runs it: a new monitor takes it back, and finishes a
	 * deletion that was under way with the grace period left */
	offset = pull_file_end(dir);
	r = client_monitor_start(cur->pod, arg_root, dir, lockfd, true, &fd);
	if (r < 0)
		return log_error_errno(r, "start the monitor of pod \"%s\"", cur->pod->name);
	return wait_monitor(fd, cur->pod->name, dir, offset);
}

/* keys/values (parallel) over base's, as a new JSON map: kubectl apply's
 * merge of a manifest's labels or annotations into the pod's (without a
 * last-applied configuration nothing is removed). */
static json_object *map_merge(char *const *bk, char *const *bv, char *const *keys,
                              char *const *values)
{
	json_object *m = json_object_new_object();

	for (size_t i = 0; bk != NULL && bk[i] != NULL; i++)
		json_object_object_add(m, bk[i], json_object_new_string(bv[i]));
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		json_object_object_add(m, keys[i], json_object_new_string(values[i]));
	return m;
}

/* Does the map hold the same pairs as keys/values? */
static bool map_same(json_object *m, char *const *keys, char *const *values)
{
	size_t n = 0;

	for (; keys != NULL && keys[n] != NULL; n++) {
		const char *v = json_get_str(m, keys[n]);

		if (v == NULL || strcmp(v, values[n]) != 0)
			return false;
	}
	return (size_t)json_object_object_length(m) == n;
}

/* What the API server lets an update of a pod change: labels, annotations
 * and the removal of schedulingGates. 1 when pod differs from cur in
 * nothing else and changes one of those (the update then made and
 * "configured" printed), 0 when it changes nothing of them, -1 when the
 * update was refused (its error printed). Borrows both. */
static int apply_update(const struct pod_paths *paths, const struct pod_record *cur,
                        struct pod *pod)
{
	cleanup_json json_object *update = json_object_new_object();
	json_object *labels = map_merge(cur->pod->label_keys, cur->pod->label_values,
	                                pod->label_keys, pod->label_values);
	json_object *notes = map_merge(cur->pod->annotation_keys, cur->pod->annotation_values,
	                               pod->annotation_keys, pod->annotation_values);
	struct pod copy = *pod;
	struct pp_error err = {0};
	bool ungate;

	json_object_object_add(update, "labels", labels);
	json_object_object_add(update, "annotations", notes);
	copy.label_keys = cur->pod->label_keys;
	copy.label_values = cur->pod->label_values;
	copy.annotation_keys = cur->pod->annotation_keys;
	copy.annotation_values = cur->pod->annotation_values;
	ungate = pod_sched_only_gates_removed(cur->pod, &copy);
	if (ungate) {
		copy.sched.scheduling_gates = cur->pod->sched.scheduling_gates;
		json_object_object_add(update, "schedulingGates",
		                       json_from_strv(pod->sched.scheduling_gates));
	}
	if (!pod_spec_equal(cur->pod, &copy) ||
	    (!ungate && map_same(labels, cur->pod->label_keys, cur->pod->label_values) &&
	     map_same(notes, cur->pod->annotation_keys, cur->pod->annotation_values)))
		return 0;
	if (client_pod_update(paths, cur, update, &err) < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	printf("pod/%s configured\n", pod->name);
	return 1;
}

/* The pod exists: an identical spec is "unchanged", changed labels,
 * annotations or removed schedulingGates "configured", another spec is
 * refused as the API server refuses most pod updates. Borrows pod. */
static int apply_existing(const struct pod_paths *paths, struct pod *pod)
{
	struct pod_record *cur = NULL;
	struct pp_error err = {0};
	int r = pod_load(paths, pod->namespace_, pod->name, &cur, &err);

	if (r < 0) {
		log_error("%s", err.msg);
		return -1;
	}
	/* what apply leaves unsaid the server keeps (kubectl's merge):
	 * the node the pod was bound to, the priority admission gave it */
	if (pod->sched.node_name == NULL && cur->pod->sched.node_name != NULL)
		pod->sched.node_name = xstrdup(cur->pod->sched.node_name);
	if (pod_priority_admit(pod, &err) == 0) {
		r = apply_update(paths, cur, pod);
		if (r != 0) {
			pod_record_free(cur);
			return r < 0 ? -1 : 0;
		}
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

	r = pod_priority_admit(pod, &err);
	if (r < 0) {
		fprintf(stderr, "Error from server (Forbidden): error when creating \"%s\": %s\n",
		        strcmp(file, "-") == 0 ? "STDIN" : file, err.msg);
		pod_record_free(rec);
		return -1;
	}
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
		/* a host port taken: refused here, where kube-scheduler would
		 * leave the pod Pending with a FailedScheduling event */
		if (r == -EADDRINUSE)
			log_error("pod \"%s\": %s", pod->name, err.msg);
		else
			log_error("The Pod \"%s\" is invalid: %s", pod->name, err.msg);
		pod_record_free(rec);
		return -1;
	}
	dir = pod_dir_path(paths, pod->uid);
	r = client_monitor_start(pod, arg_root, dir, lockfd, false, &fd);
	if (r < 0) {
		log_error_errno(r, "start the monitor of pod \"%s\"", pod->name);
		(void)pod_teardown(paths, pod->uid, pod->namespace_, pod->name, NULL);
	} else {
		r = wait_monitor(fd, pod->name, dir, 0);
	}
	if (r == 0) {
		cli_warn_exposure(rec);
		printf("pod/%s created\n", pod->name);
	}
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

/* Every document of file in its order: Pods started, ConfigMaps and
 * Secrets stored (kubectl apply's created/configured/unchanged). */
static int apply_file(const char *file)
{
	const struct pod_paths *paths = cli_paths();
	struct manifest_doc *docs = NULL;
	struct img_store *store = NULL;
	struct pp_error err = {0};
	size_t n = 0;
	int failed = 0;

	if (cli_parse_manifest(file, &docs, &n) < 0)
		return -1;
	if (pod_paths_ensure(paths, &err) < 0 || img_store_open(paths->images, &store, &err) < 0) {
		log_error("%s", err.msg);
		manifest_docs_free(docs, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (docs[i].kind != MANIFEST_POD)
			failed |= cli_kobj_apply(docs[i].obj) < 0;
		else if (apply_one(paths, store, take_ptr(&docs[i].pod), file) < 0)
			failed = 1;
	}
	manifest_docs_free(docs, n);
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
