/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl's formatting rules: ages, the STATUS column; manifest input. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "cli/cli-util.h"
#include "cli/yaml-out.h"
#include "pod/state.h"
#include "spec/manifest.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#define MANIFEST_MAX (16u << 20)

const char *cli_age(int64_t t, char *buf, size_t size)
{
	int64_t s = pod_now() - t, m = s / 60, h = s / 3600, d = h / 24;

	if (t <= 0)
		(void)snprintf(buf, size, "<unknown>");
	else if (s < 0)
		(void)snprintf(buf, size, "0s");
	else if (s < 120)
		(void)snprintf(buf, size, "%llds", (long long)s);
	else if (m < 10)
		(void)snprintf(buf, size, s % 60 ? "%lldm%llds" : "%lldm", (long long)m,
		               (long long)(s % 60));
	else if (m < 180)
		(void)snprintf(buf, size, "%lldm", (long long)m);
	else if (h < 8)
		(void)snprintf(buf, size, m % 60 ? "%lldh%lldm" : "%lldh", (long long)h,
		               (long long)(m % 60));
	else if (h < 48)
		(void)snprintf(buf, size, "%lldh", (long long)h);
	else if (h < INT64_C(24) * 8)
		(void)snprintf(buf, size, h % 24 ? "%lldd%lldh" : "%lldd", (long long)d,
		               (long long)(h % 24));
	else if (d < INT64_C(365) * 2)
		(void)snprintf(buf, size, "%lldd", (long long)d);
	else
		(void)snprintf(buf, size, "%lldy", (long long)(d / 365));
	return buf;
}

/* kubectl's printPod for init containers: the first one that has not
 * completed (or, a sidecar, started) names the status ("Init:Error",
 * "Init:CrashLoopBackOff", "Init:1/2"); false once all completed. */
static bool init_status(const struct pod_record *rec, char *buf, size_t size,
                        const char **ret_reason)
{
	for (size_t i = 0; i < rec->n_init_ctrs; i++) {
		const struct ctr_status *c = &rec->init_ctrs[i];
		const struct ctr_terminated *t = &c->term;

		if (pod_ctr_is_sidecar(rec, rec->n_ctrs + i) && c->started)
			continue;
		if (c->state == CTR_STATE_TERMINATED && t->exit_code == 0)
			continue;
		if (c->state == CTR_STATE_TERMINATED && t->reason && *t->reason)
			(void)snprintf(buf, size, "Init:%s", t->reason);
		else if (c->state == CTR_STATE_TERMINATED)
			(void)snprintf(buf, size, t->signal ? "Init:Signal:%d" : "Init:ExitCode:%d",
			               t->signal ? t->signal : t->exit_code);
		else if (c->state == CTR_STATE_WAITING && c->reason && *c->reason &&
		         strcmp(c->reason, "PodInitializing") != 0)
			(void)snprintf(buf, size, "Init:%s", c->reason);
		else
			(void)snprintf(buf, size, "Init:%zu/%zu", i, rec->n_init_ctrs);
		*ret_reason = buf;
		return true;
	}
	return false;
}

const char *cli_pod_status(const struct pod_record *rec, char *buf, size_t size)
{
	const char *reason = rec->reason ? rec->reason : pod_phase_name(rec->phase);
	bool running = false;

	if (rec->deleting_at > 0)
		return "Terminating";
	if (rec->phase == POD_PHASE_UNKNOWN)
		return "Unknown";
	/* an unplaced pod has no container statuses: its phase, or kubectl's
	 * SchedulingGated for a PodScheduled condition of that reason */
	if (!rec->scheduled)
		return rec->sched_reason != NULL &&
		               strcmp(rec->sched_reason, "SchedulingGated") == 0
		           ? "SchedulingGated"
		           : reason;
	/* kubectl: the init containers name it unless the pod is Initialized */
	if (!pod_record_initialized(rec) && init_status(rec, buf, size, &reason))
		return reason;
	/* As kubectl: the first container with a waiting or terminated
	 * reason names the pod's status (the loop runs last to first). */
	for (size_t i = rec->n_ctrs; i-- > 0;) {
		const struct ctr_status *c = &rec->ctrs[i];

		if (c->state == CTR_STATE_WAITING && c->reason && *c->reason) {
			reason = c->reason;
		} else if (c->state == CTR_STATE_TERMINATED && c->term.reason && *c->term.reason) {
			reason = c->term.reason;
		} else if (c->state == CTR_STATE_TERMINATED) {
			(void)snprintf(buf, size, c->term.signal ? "Signal:%d" : "ExitCode:%d",
			               c->term.signal ? c->term.signal : c->term.exit_code);
			reason = buf;
		} else if (c->state == CTR_STATE_RUNNING && c->ready) {
			running = true;
		}
	}
	/* kubectl: a pod with a running container is Running when it is Ready
	 * (every container ready), else NotReady */
	if (strcmp(reason, "Completed") == 0 && running) {
		reason = "Running";
		for (size_t i = 0; i < rec->n_ctrs; i++)
			if (!rec->ctrs[i].ready)
				reason = "NotReady";
	}
	return reason;
}

/* Read the manifest at path ("-" = stdin) and parse it: its documents
 * (refs false, struct manifest_doc) or their references (struct
 * manifest_ref) into *ret. 0, or -1 with the error printed. */
static int parse_manifest(const char *path, bool refs, void **ret, size_t *ret_n)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	cleanup_free char *text = NULL;
	struct pp_error err = {0};
	size_t len = 0;
	int r;

	if (strcmp(path, "-") == 0)
		r = fs_read_fd(STDIN_FILENO, MANIFEST_MAX, &text, &len, &err);
	else
		r = fs_read_all(path, MANIFEST_MAX, &text, &len, &err);
	if (r == -ENOENT) {
		log_error("the path \"%s\" does not exist", path);
		return -1;
	}
	if (r == 0 && refs)
		r = manifest_parse_refs(text, len, name, (struct manifest_ref **)ret, ret_n, &err);
	else if (r == 0)
		r = manifest_parse(text, len, name, (struct manifest_doc **)ret, ret_n, &err);
	if (r == 0 && *ret_n == 0) {
		free(*ret);
		log_error("no objects passed to %s (%s holds no object)", refs ? "delete" : "apply",
		          name);
		return -1;
	}
	if (r < 0) {
		/* syntax errors already start with "FILE:LINE:COL:" */
		if (strncmp(err.msg, name, strlen(name)) == 0)
			log_error("%s", err.msg);
		else
			log_error("%s: %s", name, err.msg);
		return -1;
	}
	return 0;
}

int cli_parse_manifest(const char *path, struct manifest_doc **ret_docs, size_t *ret_n)
{
	return parse_manifest(path, false, (void **)ret_docs, ret_n);
}

int cli_parse_manifest_refs(const char *path, struct manifest_ref **ret_refs, size_t *ret_n)
{
	return parse_manifest(path, true, (void **)ret_refs, ret_n);
}

int cli_server_error(int r, const char *msg, bool ignore_not_found)
{
	if (r == -ENOENT) {
		if (ignore_not_found)
			return 0;
		fprintf(stderr, "Error from server (NotFound): %s\n", msg);
		return 1;
	}
	log_error("%s", msg);
	return 1;
}

void cli_print_json(json_object *o, bool yaml)
{
	if (yaml)
		yaml_print(stdout, o);
	else
		printf("%s\n", json_object_to_json_string_ext(
		                   o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                          JSON_C_TO_STRING_NOSLASHESCAPE));
}

static bool manifest_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL &&
	       (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0 || strcmp(dot, ".json") == 0);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR/NAME as Go's filepath.Join gives it: repeated and trailing slashes
 * of DIR dropped ("dir//" + "a.yaml" → "dir/a.yaml"). Caller frees. */
static char *join_clean(const char *dir, const char *name)
{
	cleanup_free char *d = xstrdup(dir);
	size_t n = 0;

	for (const char *p = dir; *p; p++)
		if (*p != '/' || n == 0 || d[n - 1] != '/')
			d[n++] = *p;
	while (n > 1 && d[n - 1] == '/')
		n--;
	d[n] = '\0';
	return xstrfmt("%s%s%s", d, strcmp(d, "/") == 0 ? "" : "/", name);
}

char **cli_manifest_files(const char *path)
{
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	char **v = NULL;

	if (strcmp(path, "-") == 0 || stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		strv_push(&v, path);
		return v;
	}
	/* kubectl -f DIR: the .yaml, .yml and .json files in it, by name */
	d = opendir(path);
	while (d != NULL && (de = readdir(d)) != NULL) {
		cleanup_free char *p = NULL;

		if (de->d_name[0] == '.' || !manifest_ext(de->d_name))
			continue;
		p = join_clean(path, de->d_name);
		strv_push(&v, p);
	}
	if (v == NULL)
		v = xcalloc(1, sizeof(char *));
	qsort(v, strv_len(v), sizeof(char *), name_cmp);
	return v;
}

void cli_table_init(struct cli_table *t, size_t ncols)
{
	*t = (struct cli_table){.ncols = ncols};
}

void cli_table_add(struct cli_table *t, const char *const *row)
{
	t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	for (size_t i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = xstrdup(row[i] ? row[i] : "");
	t->nrows++;
}

void cli_table_print(const struct cli_table *t)
{
	size_t width[16] = {0};

	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols && c < 16; c++) {
			size_t w = strlen(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];

			if (c + 1 == t->ncols)
				printf("%s\n", cell);
			else
				printf("%-*s   ", (int)width[c < 16 ? c : 15], cell);
		}
	}
}

void cli_table_free(struct cli_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = 0;
}

const char *cli_pod_name(const char *arg)
{
	static const char *const prefixes[] = {"pod/", "pods/", "po/"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(arg, prefixes[i], strlen(prefixes[i])) == 0)
			return arg + strlen(prefixes[i]);
	return arg;
}

json_object *cli_list_new(json_object *items)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "apiVersion", json_object_new_string("v1"));
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "kind", json_object_new_string("List"));
	return o;
}
