/* SPDX-License-Identifier: Apache-2.0 */
/* describe's Exposure section and apply's warning for a pod with
 * shareProcessNamespace: the inputs of pod/exposure.c read from the
 * containers' bundles, the Secret store and the host's Yama setting. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli-util.h"
#include "pod/exposure.h"
#include "pod/objects.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "runtime/runtime.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

#define YAMA_SCOPE "/proc/sys/kernel/yama/ptrace_scope"

struct loaded {
	struct pod_exposure *e;
	struct pod_exposure_input *in;
	char ****keys; /* per input, per envFrom: NULL or the strv of its Secret's keys */
	size_t n;
};

/* kernel.yama.ptrace_scope, -1 when the host has no Yama. */
static int yama_scope(void)
{
	struct pp_error err = {0};
	cleanup_free char *buf = NULL;
	size_t len = 0;
	char *end = NULL;
	long v;

	if (fs_read_all(YAMA_SCOPE, 64, &buf, &len, &err) < 0)
		return -1;
	v = strtol(buf, &end, 10);
	/* an unreadable value: the strictest scope, so that nothing is said
	 * to be readable that might not be */
	if (end == buf || v < 0 || v > 3)
		return 3;
	return (int)v;
}

/* Container idx's config.json as the runtime got it; NULL when the
 * container was not created. Caller puts. */
static json_object *bundle_config(const struct pod_record *rec, size_t idx)
{
	struct pp_error err = {0};
	json_object *config = NULL;

	if (pod_container_config(cli_paths(), rec, idx, &config, &err) < 0)
		return NULL;
	return config;
}

/* The keys of each envFrom Secret of c (NULL entries when unknown). */
static char **secret_keys(const char *ns, const struct pod_env_from *f)
{
	struct pp_error err = {0};
	struct kobj *o = NULL;
	char **keys;
	int r;

	if (!f->secret_ref.set)
		return NULL;
	r = kobj_store_get(cli_paths(), KOBJ_SECRET, ns, f->secret_ref.name, &o, &err);
	/* a missing Secret gave no variable (the container waits for one that
	 * is not optional); an unreadable one leaves its keys unknown */
	if (r < 0)
		return r == -ENOENT ? xcalloc(1, sizeof(char *)) : NULL;
	keys = xcalloc(1, sizeof(*keys)); /* an empty Secret: no variable */
	for (size_t i = 0; i < o->n_entries; i++)
		strv_push(&keys, o->entries[i].key);
	kobj_free(o);
	return keys;
}

static void loaded_free(struct loaded *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = 0; l->keys[i] != NULL && k < l->in[i].c->n_env_from; k++)
			strv_free(l->keys[i][k]);
		free(l->keys[i]);
		json_object_put(l->in[i].config);
	}
	free(l->keys);
	free(l->in);
	pod_exposure_free(l->e);
}

/* The analysis of rec's containers that run side by side (app containers
 * and sidecars); -1 when the pod does not share its pid namespace or a
 * bundle is malformed (said at debug level). */
static int load(const struct pod_record *rec, struct loaded *ret)
{
	size_t all = pod_n_all(rec);
	struct loaded l = {.in = xcalloc(all, sizeof(*l.in)),
	                   .keys = xcalloc(all, sizeof(char ***))};
	struct pp_error err = {0};

	if (!rec->pod->share_process_namespace) {
		loaded_free(&l);
		return -1;
	}
	for (size_t idx = 0; idx < all; idx++) {
		const struct pod_container *c = pod_ctr_spec(rec, idx);

		if (pod_ctr_is_init(rec, idx) && !pod_ctr_is_sidecar(rec, idx))
			continue;
		l.keys[l.n] = xcalloc(c->n_env_from + 1, sizeof(char **));
		for (size_t k = 0; k < c->n_env_from; k++)
			l.keys[l.n][k] = secret_keys(rec->pod->namespace_, &c->env_from[k]);
		l.in[l.n] = (struct pod_exposure_input){
		    .c = c,
		    .config = bundle_config(rec, idx),
		    .secret_keys = (char *const *const *)l.keys[l.n],
		};
		l.n++;
	}
	if (pod_exposure_analyze(l.in, l.n, yama_scope(), &l.e, &err) < 0) {
		log_debug("exposure: %s", err.msg);
		loaded_free(&l);
		return -1;
	}
	*ret = l;
	return 0;
}

static void print_caps(FILE *f, uint64_t set)
{
	const char *sep = "";

	fprintf(f, "    Capabilities:\t");
	for (int c = 0; c < 64; c++)
		if (set & (UINT64_C(1) << c)) {
			fprintf(f, "%s%s", sep, rt_cap_name(c) != NULL ? rt_cap_name(c) : "?");
			sep = ", ";
		}
	fprintf(f, "%s\n", *sep == '\0' ? "<none>" : "");
}

/* PREFIX*: an envFrom Secret whose keys are not known */
static bool is_wildcard(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && name[n - 1] == '*';
}

/* "    Secret variables:" or "    Credential-like variables:" */
static void print_vars(FILE *f, const struct pod_exposure_ctr *c, bool secret)
{
	const char *sep = "";

	fprintf(f, "    %s variables:\t", secret ? "Secret" : "Credential-like");
	for (size_t i = 0; i < c->n_vars; i++) {
		const struct pod_exposure_var *v = &c->vars[i];

		if (secret && v->secret != NULL && is_wildcard(v->name))
			fprintf(f, "%s%s (every key of Secret %s)", sep, v->name, v->secret);
		else if (secret && v->secret != NULL)
			fprintf(f, "%s%s (from Secret %s)", sep, v->name, v->secret);
		else if (!secret && v->secret == NULL)
			fprintf(f, "%s%s", sep, v->name);
		else
			continue;
		sep = ", ";
	}
	fprintf(f, "%s\n", *sep == '\0' ? "<none>" : "");
}

static const char *yes_no(enum pod_exposure_why w)
{
	if (w == POD_EXPOSURE_UNKNOWN)
		return "-";
	return pod_exposure_allowed(w) ? "yes" : "no";
}

/* One row a sibling: what it can do to c, and why. */
static void print_siblings(FILE *f, const struct pod_exposure *e, size_t t)
{
	const struct pod_exposure_ctr *c = &e->ctrs[t];

	fprintf(f, "    Sibling\tEnviron\tRoot\tMem\tSignal\tWhy\n"
	           "    -------\t-------\t----\t---\t------\t---\n");
	for (size_t j = 0; j < e->n; j++) {
		const struct pod_exposure_access *a = &c->by[j];

		if (j == t)
			continue;
		fprintf(f, "    %s\t%s\t%s\t%s\t%s\t%s", e->ctrs[j].name, yes_no(a->environ),
		        yes_no(a->root), yes_no(a->mem), yes_no(a->signal),
		        pod_exposure_why_text(a->root));
		if (a->environ != a->root)
			fprintf(f, "; environ: %s", pod_exposure_why_text(a->environ));
		if (a->mem != a->environ)
			fprintf(f, "; mem: %s", pod_exposure_why_text(a->mem));
		fprintf(f, "; signal: %s\n", pod_exposure_why_text(a->signal));
	}
}

/* ", groups A, B" of a process's user.additionalGids (they enter none of
 * the kernel's rules here: the /proc files are 0400 and 0600). */
static void print_groups(FILE *f, json_object *process)
{
	json_object *gids = json_get_arr(json_get_obj(process, "user"), "additionalGids");

	for (size_t i = 0; gids != NULL && i < json_object_array_length(gids); i++)
		fprintf(f, "%s%lld", i == 0 ? ", groups " : ", ",
		        (long long)json_object_get_int64(json_object_array_get_idx(gids, i)));
}

static void print_ctr(FILE *f, const struct loaded *l, size_t t)
{
	const struct pod_exposure *e = l->e;
	const struct pod_exposure_ctr *c = &e->ctrs[t];

	fprintf(f, "  %s:\n", c->name);
	if (c->creds.known) {
		fprintf(f, "    Main process:\tuid %u, gid %u", c->creds.uid, c->creds.gid);
		print_groups(f, json_get_obj(l->in[t].config, "process"));
		fprintf(f, "\n");
		print_caps(f, c->creds.cap_effective);
		fprintf(f, "    Ptrace scope:\t%s\n",
		        c->creds.scoped ? "its container (Landlock): no ptrace access to other "
		                          "containers' processes"
		                        : "<none>");
	} else {
		fprintf(f, "    Main process:\tnot created yet\n");
	}
	fprintf(f, "    Arguments:\tvisible to every container (/proc/PID/cmdline)\n");
	print_vars(f, c, true);
	print_vars(f, c, false);
	print_siblings(f, e, t);
}

void cli_print_exposure(FILE *f, const struct pod_record *rec)
{
	struct loaded l;

	if (load(rec, &l) < 0)
		return;
	fprintf(f, "Exposure:\n"
	           "  Process namespace:\tshared: every container sees every process of the pod\n"
	           "  Verdicts:\tfor each container's main process as started (a process it "
	           "starts may change its user, as nginx's workers do)\n");
	if (l.e->yama_scope < 0)
		fprintf(f, "  Yama ptrace_scope:\t<none>\n");
	else
		fprintf(f, "  Yama ptrace_scope:\t%d\n", l.e->yama_scope);
	for (size_t t = 0; t < l.e->n; t++)
		print_ctr(f, &l, t);
	loaded_free(&l);
}

/* ", "-joined names of c's variables worth hiding, and of the siblings
 * that read its environ; NULL when either is empty. Caller frees. */
static char *exposed_line(const struct pod_exposure *e, size_t t)
{
	const struct pod_exposure_ctr *c = &e->ctrs[t];
	cleanup_free char *vars = NULL;
	cleanup_free char *readers = NULL;

	for (size_t i = 0; i < c->n_vars; i++) {
		const struct pod_exposure_var *v = &c->vars[i];
		cleanup_free char *one =
		    v->secret == NULL ? xstrdup(v->name)
		    : is_wildcard(v->name)
		        ? xstrfmt("%s (every key of Secret \"%s\")", v->name, v->secret)
		        : xstrfmt("%s (from Secret \"%s\")", v->name, v->secret);
		char *next = xstrfmt("%s%s%s", vars ? vars : "", vars ? ", " : "", one);

		free(vars);
		vars = next;
	}
	for (size_t j = 0; j < e->n; j++) {
		char *next;

		if (j == t || !pod_exposure_allowed(c->by[j].environ))
			continue;
		next = xstrfmt("%s%s\"%s\"", readers ? readers : "", readers ? ", " : "",
		               e->ctrs[j].name);
		free(readers);
		readers = next;
	}
	if (vars == NULL || readers == NULL)
		return NULL;
	return xstrfmt("container \"%s\" has %s in its environment, readable by container(s) %s "
	               "through /proc/PID/environ (shareProcessNamespace: true)",
	               c->name, vars, readers);
}

void cli_warn_exposure(const struct pod_record *rec)
{
	struct loaded l;

	if (load(rec, &l) < 0)
		return;
	for (size_t t = 0; t < l.e->n; t++) {
		cleanup_free char *line = exposed_line(l.e, t);

		if (line != NULL)
			fprintf(stderr, "Warning: %s\n", line);
	}
	loaded_free(&l);
}
