/* SPDX-License-Identifier: Apache-2.0 */
/* peapod debug [-i] [-t] POD --image=IMAGE [--target=CONTAINER] [-c NAME]
 * [--profile=P] [-- COMMAND...] (kubectl debug with an ephemeral
 * container): build the EphemeralContainer as kubectl does, add it through
 * the pod's monitor, then attach to it or show its logs. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/random.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "client/client.h"
#include "pod/crilog.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

#define DEBUG_WAIT_MS 300000LL /* how long the container may take to start */

struct debug_opts {
	const char *ns, *pod, *name, *image, *target, *profile, *pull_policy;
	char **env; /* --env NAME=VALUE, NULL-terminated */
	char **command;
	bool in, tty, quiet, attach, attach_set;
};

/* kubectl's default name: "debugger-" and 5 of utilrand's characters. */
static char *default_name(void)
{
	static const char alnum[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char b[5];
	char s[6];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)(rand() ^ getpid() ^ (int)time(NULL));
	for (size_t i = 0; i < sizeof(b); i++)
		s[i] = alnum[b[i] % (sizeof(alnum) - 1)];
	s[5] = '\0';
	return xstrfmt("debugger-%s", s);
}

static void set_str(json_object *o, const char *key, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *str_list(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static void add_caps(json_object *sc, const char *key, const char *const *caps)
{
	json_object *c = json_object_new_object();

	json_object_object_add(c, key, str_list(caps));
	json_object_object_add(sc, "capabilities", c);
}

/* The securityContext kubectl's profile gives an ephemeral container
 * (kubectl/pkg/cmd/debug/profiles.go); NULL for none. -1 when the profile
 * is unknown. */
static int profile_context(const char *profile, json_object **ret)
{
	static const char *const ptrace[] = {"SYS_PTRACE", NULL};
	static const char *const all[] = {"ALL", NULL};
	static const char *const net[] = {"NET_ADMIN", "NET_RAW", NULL};
	json_object *sc = json_object_new_object();

	*ret = NULL;
	if (strcmp(profile, "general") == 0) {
		add_caps(sc, "add", ptrace);
	} else if (strcmp(profile, "restricted") == 0) {
		json_object *seccomp = json_object_new_object();

		json_object_object_add(sc, "runAsNonRoot", json_object_new_boolean(true));
		json_object_object_add(sc, "allowPrivilegeEscalation",
		                       json_object_new_boolean(false));
		add_caps(sc, "drop", all);
		set_str(seccomp, "type", "RuntimeDefault");
		json_object_object_add(sc, "seccompProfile", seccomp);
	} else if (strcmp(profile, "sysadmin") == 0) {
		json_object_object_add(sc, "privileged", json_object_new_boolean(true));
	} else if (strcmp(profile, "netadmin") == 0) {
		add_caps(sc, "add", net);
	} else if (strcmp(profile, "baseline") != 0 && strcmp(profile, "legacy") != 0) {
		json_object_put(sc);
		return -1;
	}
	if (json_object_object_length(sc) == 0)
		json_object_put(sc);
	else
		*ret = sc;
	return 0;
}

static json_object *env_list(char *const *env)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; env[i] != NULL; i++) {
		json_object *e = json_object_new_object();
		const char *eq = strchr(env[i], '=');
		cleanup_free char *name = xstrndup(env[i], (size_t)(eq - env[i]));

		set_str(e, "name", name);
		set_str(e, "value", eq + 1);
		json_object_array_add(a, e);
	}
	return a;
}

/* The EphemeralContainer kubectl's generateDebugContainer makes. */
static json_object *ephemeral_container(const struct debug_opts *o, json_object *sc)
{
	json_object *ec = json_object_new_object();

	set_str(ec, "name", o->name);
	set_str(ec, "image", o->image);
	if (o->pull_policy != NULL)
		set_str(ec, "imagePullPolicy", o->pull_policy);
	if (o->command != NULL && o->command[0] != NULL)
		json_object_object_add(ec, "command", str_list((const char *const *)o->command));
	if (o->env != NULL)
		json_object_object_add(ec, "env", env_list(o->env));
	json_object_object_add(ec, "stdin", json_object_new_boolean(o->in));
	json_object_object_add(ec, "tty", json_object_new_boolean(o->tty));
	set_str(ec, "terminationMessagePolicy", "File");
	set_str(ec, "targetContainerName", o->target);
	if (sc != NULL)
		json_object_object_add(ec, "securityContext", sc);
	return ec;
}

/* Print the log of ephemeral container idx (kubectl falls back to it when
 * the container ended before it could attach). */
static int print_logs(const struct pod_record *rec, size_t idx)
{
	cleanup_free char *path =
	    pod_container_log_path(cli_paths(), rec, idx, pod_ctr_status(rec, idx)->restart_count);
	struct cri_log_read_opts ro = {.tail = -1};
	struct pp_error err = {0};

	if (cri_log_print(path, STDOUT_FILENO, &ro, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	return 0;
}

/* Wait until the container runs (or ended), as kubectl's
 * waitForContainer: image pull trouble is shown as a warning once; a
 * completed pod is kubectl's ErrPodCompleted. *ret_rec caller frees. */
static int wait_running(const struct debug_opts *o, struct pod_record **ret_rec, size_t *ret_idx)
{
	bool warned = false;

	for (int64_t waited = 0; waited < DEBUG_WAIT_MS; waited += 100) {
		struct pod_record *rec = NULL;
		struct pp_error err = {0};
		const struct ctr_status *st;
		size_t idx;

		if (pod_load(cli_paths(), o->ns, o->pod, &rec, &err) < 0)
			return cli_server_error(-ENOENT, err.msg, false);
		idx = pod_ctr_index(rec, o->name);
		st = idx < pod_n_all(rec) ? pod_ctr_status(rec, idx) : NULL;
		if (st != NULL && st->state != CTR_STATE_WAITING) {
			*ret_rec = rec;
			*ret_idx = idx;
			return 0;
		}
		if (rec->phase == POD_PHASE_SUCCEEDED || rec->phase == POD_PHASE_FAILED) {
			pod_record_free(rec);
			log_error("pod ran to completion");
			return 1;
		}
		if (st != NULL && !warned && st->reason != NULL &&
		    (strcmp(st->reason, "ErrImagePull") == 0 ||
		     strcmp(st->reason, "ImagePullBackOff") == 0)) {
			fprintf(stderr, "Warning: container %s: %s\n", st->name,
			        st->message ? st->message : st->reason);
			warned = true;
		}
		pod_record_free(rec);
		(void)usleep(100 * 1000);
	}
	log_error("timed out waiting for the condition");
	return 1;
}

/* Attach to the new container once it runs, or print its logs when it
 * ended already. */
static int attach_after(const struct debug_opts *o)
{
	struct pod_record *rec = NULL;
	size_t idx = 0;
	int r = wait_running(o, &rec, &idx);

	if (r != 0)
		return r;
	if (pod_ctr_status(rec, idx)->state == CTR_STATE_TERMINATED)
		r = print_logs(rec, idx);
	else
		r = cli_attach_run(rec, pod_ctr_spec(rec, idx), o->in, o->tty, o->quiet);
	pod_record_free(rec);
	return r;
}

static int debug_pod(struct debug_opts *o)
{
	cleanup_free char *name = NULL;
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	json_object *sc = NULL, *ec;
	int r;

	if (pod_load(cli_paths(), o->ns, o->pod, &rec, &err) < 0)
		return cli_server_error(-ENOENT, err.msg, false);
	if (profile_context(o->profile, &sc) < 0) {
		pod_record_free(rec);
		log_error("unknown profile: %s", o->profile);
		return 1;
	}
	if (o->target != NULL && !o->quiet)
		fprintf(stderr,
		        "Targeting container \"%s\". If you don't see processes from this "
		        "container it may be because the container runtime doesn't support this "
		        "feature.\n",
		        o->target);
	if (o->name == NULL) {
		name = default_name();
		o->name = name;
		if (!o->quiet)
			fprintf(stderr, "Defaulting debug container name to %s.\n", o->name);
	}
	ec = ephemeral_container(o, sc);
	r = client_debug_request(cli_paths(), rec, ec, &err);
	json_object_put(ec);
	pod_record_free(rec);
	if (r == -EINVAL) {
		log_error("%s", err.msg);
		return 1;
	}
	if (r < 0) {
		log_error("error adding ephemeral container: %s", err.msg);
		return 1;
	}
	if (!o->attach)
		return 0;
	if (o->in && !o->quiet)
		fprintf(stderr, "All commands and output from this session will be recorded in "
		                "container logs, including credentials and sensitive information "
		                "passed through the command prompt.\n");
	return attach_after(o);
}

/* kubectl's checks of the flags before anything is asked of the pod. */
static int check_opts(const struct debug_opts *o)
{
	static const char *const policies[] = {"Always", "IfNotPresent", "Never", NULL};
	bool ok = o->pull_policy == NULL;

	if (o->image == NULL) {
		log_error("--image is required for ephemeral containers");
		return -1;
	}
	if (o->tty && !o->in) {
		log_error("-i/--stdin is required for containers with -t/--tty=true");
		return -1;
	}
	for (size_t i = 0; !ok && policies[i] != NULL; i++)
		ok = strcmp(o->pull_policy, policies[i]) == 0;
	if (!ok) {
		log_error("invalid image pull policy: %s", o->pull_policy);
		return -1;
	}
	for (size_t i = 0; o->env != NULL && o->env[i] != NULL; i++)
		if (strchr(o->env[i], '=') == NULL || o->env[i][0] == '=') {
			log_error("invalid env: %s", o->env[i]);
			return -1;
		}
	return 0;
}

enum {
	OPT_IMAGE = 256,
	OPT_TARGET,
	OPT_PROFILE,
	OPT_PULL,
	OPT_ENV,
	OPT_ATTACH,
};

static int parse_opt(int c, struct debug_opts *o)
{
	switch (c) {
	case 'i':
		o->in = true;
		break;
	case 't':
		o->tty = true;
		break;
	case 'q':
		o->quiet = true;
		break;
	case 'c':
		o->name = optarg;
		break;
	case 'n':
		o->ns = optarg;
		break;
	case OPT_IMAGE:
		o->image = optarg;
		break;
	case OPT_TARGET:
		o->target = optarg;
		break;
	case OPT_PROFILE:
		o->profile = optarg;
		break;
	case OPT_PULL:
		o->pull_policy = optarg;
		break;
	case OPT_ENV:
		strv_push(&o->env, optarg);
		break;
	case OPT_ATTACH:
		o->attach_set = true;
		o->attach = optarg == NULL || strcmp(optarg, "true") == 0;
		break;
	default:
		return -1;
	}
	return 0;
}

int cmd_debug(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stdin", no_argument, NULL, 'i'},
	    {"tty", no_argument, NULL, 't'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"container", required_argument, NULL, 'c'},
	    {"namespace", required_argument, NULL, 'n'},
	    {"image", required_argument, NULL, OPT_IMAGE},
	    {"target", required_argument, NULL, OPT_TARGET},
	    {"profile", required_argument, NULL, OPT_PROFILE},
	    {"image-pull-policy", required_argument, NULL, OPT_PULL},
	    {"env", required_argument, NULL, OPT_ENV},
	    {"attach", optional_argument, NULL, OPT_ATTACH},
	    {NULL, 0, NULL, 0},
	};
	struct debug_opts o = {.ns = "default", .profile = "general"};
	int dd = argc, c, r = 1;

	/* options may follow the pod's name; the command follows "--" */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	while ((c = cli_getopt(dd, argv, "itqc:n:", opts)) != -1)
		if (parse_opt(c, &o) < 0)
			goto out;
	if (optind != dd - 1) {
		log_error(optind >= dd ? "NAME is required for debug"
		                       : "only one pod may be debugged at a time");
		goto out;
	}
	o.pod = cli_pod_name(argv[optind]);
	o.command = dd < argc ? argv + dd + 1 : NULL;
	if (!o.attach_set)
		o.attach = o.in; /* kubectl: --attach defaults to -i */
	if (check_opts(&o) == 0)
		r = debug_pod(&o);
out:
	strv_free(o.env);
	return r;
}
