/* SPDX-License-Identifier: Apache-2.0 */
/* peapod logs POD [-c CONTAINER | --all-containers] [-f] [-p] [--timestamps]
 * [--tail N] [--since D | --since-time T] [--prefix] (kubectl logs). */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "pod/crilog.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

#define FOLLOW_POLL_MS 100 /* at the latest, look again (and at the pod's status) */

struct logs_opts {
	const char *ns;
	const char *pod;
	const char *container;
	bool previous;
	bool follow;
	bool all;
	bool prefix;
	const char *since;
	const char *since_time;
	struct cri_log_read_opts read;
};

/* One container whose logs are printed. */
struct logs_src {
	size_t idx;
	int restart; /* the run whose file is read */
	char *prefix;
	struct cri_log_reader *r;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A Go duration ("300ms", "1.5h", "2h45m") into nanoseconds; 0 or -EINVAL. */
static int go_duration_parse(const char *s, int64_t *ret_ns)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1},  {"us", 1e3}, {"µs", 1e3},  {"ms", 1e6},
	             {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	double total = 0;
	int sign = 1;

	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	if (strcmp(s, "0") == 0) {
		*ret_ns = 0;
		return 0;
	}
	if (*s == '\0')
		return -EINVAL;
	while (*s != '\0') {
		char *end = NULL;
		double v;
		size_t u = 0, ul = 0;

		if ((*s < '0' || *s > '9') && *s != '.')
			return -EINVAL;
		v = strtod(s, &end);
		if (end == s)
			return -EINVAL;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (strncmp(end, units[i].unit, l) == 0 && l > ul) {
				u = i;
				ul = l;
			}
		}
		if (ul == 0)
			return -EINVAL;
		total += v * units[u].ns;
		s = end + ul;
	}
	if (total > 9.2e18)
		return -EINVAL;
	*ret_ns = sign * (int64_t)total;
	return 0;
}

/* --since and --since-time into o->read.since_ns, as kubectl and the API
 * server turn them into sinceSeconds (rounded) and sinceTime (seconds). */
static int since_resolve(struct logs_opts *o)
{
	int64_t d, t;

	if (o->since != NULL && o->since_time != NULL) {
		log_error("at most one of `sinceTime` or `sinceSeconds` may be specified");
		return -EINVAL;
	}
	if (o->since != NULL) {
		if (go_duration_parse(o->since, &d) < 0) {
			log_error("invalid argument \"%s\" for \"--since\" flag: time: invalid "
			          "duration \"%s\"",
			          o->since, o->since);
			return -EINVAL;
		}
		d = (d + 500000000) / 1000000000;
		if (d < 0) {
			log_error("--since must be greater than 0");
			return -EINVAL;
		}
		if (d > 0)
			o->read.since_ns = now_ns() - d * 1000000000;
	}
	if (o->since_time != NULL) {
		if (cri_time_parse(o->since_time, &t) < 0) {
			log_error("parsing time \"%s\" as \"2006-01-02T15:04:05Z07:00\": invalid "
			          "RFC3339 time",
			          o->since_time);
			return -EINVAL;
		}
		t -= ((t % 1000000000) + 1000000000) % 1000000000;
		o->read.since_ns = t > 0 ? t : 1;
	}
	return 0;
}

/* Container status idx: app containers first, then init containers,
 * then ephemeral ones. */
static const struct ctr_status *status_at(const struct pod_record *rec, size_t idx)
{
	return pod_ctr_status(rec, idx);
}

/* The container -c names (app, init or ephemeral), or the first one (with kubectl's
 * notice). */
static int container_pick(const struct pod_record *rec, const struct logs_opts *o, size_t *ret)
{
	size_t idx = 0;

	if (o->container == NULL) {
		if (rec->n_ctrs + rec->n_init_ctrs > 1) {
			fprintf(stderr, "Defaulted container \"%s\" out of: ", rec->ctrs[0].name);
			for (size_t i = 0; i < rec->n_ctrs; i++)
				fprintf(stderr, "%s%s", i ? ", " : "", rec->ctrs[i].name);
			for (size_t i = 0; i < rec->n_init_ctrs; i++)
				fprintf(stderr, ", %s (init)", rec->init_ctrs[i].name);
			fprintf(stderr, "\n");
		}
		*ret = 0;
		return 0;
	}
	idx = pod_ctr_index(rec, o->container);
	if (idx == pod_n_all(rec)) {
		log_error("container %s is not valid for pod %s", o->container, rec->pod->name);
		return -ENOENT;
	}
	*ret = idx;
	return 0;
}

/* Has container idx not started yet, with no log to show? */
static bool waiting_without_log(const struct pod_record *rec, const struct logs_opts *o, size_t idx)
{
	const struct ctr_status *st = status_at(rec, idx);
	cleanup_free char *path = NULL;

	if (o->previous || st->state != CTR_STATE_WAITING || st->has_last)
		return false;
	path = pod_log_path(cli_paths(), rec, st->name, st->restart_count);
	return access(path, F_OK) < 0;
}

/* Set up the reader of container idx's current (or previous) run. */
static int src_open(const struct pod_record *rec, const struct logs_opts *o, size_t idx,
                    struct logs_src *s)
{
	const struct ctr_status *st = status_at(rec, idx);
	cleanup_free char *path = NULL;
	struct cri_log_read_opts ro = o->read;
	struct pp_error err = {0};

	s->idx = idx;
	s->restart = st->restart_count - (o->previous ? 1 : 0);
	if (s->restart < 0) {
		log_error("previous terminated container \"%s\" in pod \"%s\" not found", st->name,
		          rec->pod->name);
		return -ENOENT;
	}
	path = pod_log_path(cli_paths(), rec, st->name, s->restart);
	if (waiting_without_log(rec, o, idx)) {
		fprintf(stderr,
		        "Error from server (BadRequest): container \"%s\" in pod \"%s\" is waiting "
		        "to start: %s\n",
		        st->name, rec->pod->name, st->reason ? st->reason : "ContainerCreating");
		return -EAGAIN;
	}
	if (o->prefix)
		s->prefix = xstrfmt("[pod/%s/%s] ", rec->pod->name, st->name);
	ro.prefix = s->prefix;
	if (cri_log_reader_open(path, &ro, &s->r, &err) < 0) {
		log_error("%s", err.msg);
		return -EIO;
	}
	return 0;
}

/* Is any followed container still in the run being read? Not when the pod
 * is gone (deleted, or replaced by one of the same name) or unknown. */
static bool srcs_alive(const struct logs_opts *o, const char *uid, const struct logs_src *s,
                       size_t n)
{
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	bool alive = false;

	if (pod_load(cli_paths(), o->ns, o->pod, &rec, &err) < 0)
		return false;
	if (strcmp(rec->pod->uid, uid) == 0 && rec->phase != POD_PHASE_UNKNOWN) {
		for (size_t i = 0; i < n && !alive; i++) {
			const struct ctr_status *st = status_at(rec, s[i].idx);

			alive = st->state == CTR_STATE_RUNNING && st->restart_count == s[i].restart;
		}
	}
	pod_record_free(rec);
	return alive;
}

/* Wait until a source's log folder changes (inotify: an append or a
 * rotation wakes us at once, so that a follower keeps up with a log that
 * rotates fast), or FOLLOW_POLL_MS, after which the caller checks whether
 * the runs are still alive. */
static void srcs_wait(struct logs_src *s, size_t n)
{
	struct pollfd p[8];
	size_t np = 0;

	for (size_t i = 0; i < n && np < sizeof(p) / sizeof(p[0]); i++) {
		int fd = cri_log_reader_watch(s[i].r);

		if (fd >= 0)
			p[np++] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	(void)poll(p, np, FOLLOW_POLL_MS);
	for (size_t i = 0; i < n; i++)
		cri_log_reader_watch_clear(s[i].r);
}

/* Print each source to its end (in order); with follow, then keep printing
 * what they append until no followed run is alive. */
static int srcs_print(const struct logs_opts *o, const char *uid, struct logs_src *s, size_t n)
{
	struct pp_error err = {0};
	bool last = !o->follow || o->previous;

	for (;;) {
		int progress = 0;

		for (size_t i = 0; i < n; i++) {
			int k = cri_log_reader_step(s[i].r, STDOUT_FILENO, &err);

			if (k < 0) {
				if (k != -EPIPE)
					log_error("%s", err.msg);
				return 1;
			}
			progress += k;
		}
		if (last)
			return 0;
		if (progress > 0)
			continue;
		/* the monitor writes a run's last records before its status */
		if (!srcs_alive(o, uid, s, n))
			last = true;
		else
			srcs_wait(s, n);
	}
}

/* The idx (app, init, ephemeral: pod/state.h) of the i-th container in
 * the order kubectl visits them for --all-containers (podcmd.AllContainers):
 * the init containers, then the app containers, then the ephemeral ones. */
static size_t kubectl_order(const struct pod_record *rec, size_t i)
{
	if (i < rec->n_init_ctrs)
		return rec->n_ctrs + i;
	if (i < rec->n_init_ctrs + rec->n_ctrs)
		return i - rec->n_init_ctrs;
	return i;
}

/* --all-containers, in kubectl's order; those not started yet are left
 * out, unless none has a log. */
static size_t all_containers(const struct pod_record *rec, const struct logs_opts *o, size_t *idx)
{
	size_t n = 0;

	for (size_t i = 0; i < pod_n_all(rec); i++) {
		size_t c = kubectl_order(rec, i);

		if (!waiting_without_log(rec, o, c))
			idx[n++] = c;
	}
	if (n == 0)
		idx[n++] = 0; /* its "waiting to start" error */
	return n;
}

static int logs_of(const struct pod_record *rec, const struct logs_opts *o)
{
	size_t *idx = xcalloc(pod_n_all(rec) + 1, sizeof(size_t));
	size_t n = 1;
	struct logs_src *s = NULL;
	int r = 0;

	if (o->all)
		n = all_containers(rec, o, idx);
	else if (container_pick(rec, o, &idx[0]) < 0)
		r = 1;
	s = xcalloc(n, sizeof(*s));
	for (size_t i = 0; r == 0 && i < n; i++)
		if (src_open(rec, o, idx[i], &s[i]) < 0)
			r = 1;
	if (r == 0)
		r = srcs_print(o, rec->pod->uid, s, n);
	for (size_t i = 0; i < n; i++) {
		cri_log_reader_free(s[i].r);
		free(s[i].prefix);
	}
	free(s);
	free(idx);
	return r;
}

enum {
	OPT_TIMESTAMPS = 0x100,
	OPT_TAIL,
	OPT_SINCE,
	OPT_SINCE_TIME,
	OPT_ALL,
	OPT_PREFIX,
};

static int tail_parse(const char *s, long *ret)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0') {
		log_error("invalid argument \"%s\" for \"--tail\" flag: strconv.ParseInt: parsing "
		          "\"%s\": invalid syntax",
		          s, s);
		return -EINVAL;
	}
	if (v < -1) {
		log_error("--tail must be greater than or equal to -1");
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* kubectl's checks of flags that go together. */
static int opts_check(struct logs_opts *o)
{
	if (o->all && o->container != NULL) {
		log_error("--all-containers=true should not be specified with container name %s",
		          o->container);
		return -EINVAL;
	}
	return since_resolve(o);
}

static int opts_parse(int argc, char **argv, struct logs_opts *o)
{
	static const struct option opts[] = {
	    {"container", required_argument, NULL, 'c'},
	    {"namespace", required_argument, NULL, 'n'},
	    {"previous", no_argument, NULL, 'p'},
	    {"follow", no_argument, NULL, 'f'},
	    {"timestamps", no_argument, NULL, OPT_TIMESTAMPS},
	    {"tail", required_argument, NULL, OPT_TAIL},
	    {"since", required_argument, NULL, OPT_SINCE},
	    {"since-time", required_argument, NULL, OPT_SINCE_TIME},
	    {"all-containers", no_argument, NULL, OPT_ALL},
	    {"prefix", no_argument, NULL, OPT_PREFIX},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = cli_getopt(argc, argv, "c:n:pf", opts)) != -1) {
		switch (c) {
		case 'c':
			o->container = optarg;
			break;
		case 'n':
			o->ns = optarg;
			break;
		case 'p':
			o->previous = true;
			break;
		case 'f':
			o->follow = true;
			break;
		case OPT_TIMESTAMPS:
			o->read.timestamps = true;
			break;
		case OPT_TAIL:
			if (tail_parse(optarg, &o->read.tail) < 0)
				return -EINVAL;
			break;
		case OPT_SINCE:
			o->since = optarg;
			break;
		case OPT_SINCE_TIME:
			o->since_time = optarg;
			break;
		case OPT_ALL:
			o->all = true;
			break;
		case OPT_PREFIX:
			o->prefix = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		log_error("expected exactly one pod name (peapod logs POD [-c CONTAINER])");
		return -EINVAL;
	}
	o->pod = cli_pod_name(argv[optind]);
	return opts_check(o);
}

int cmd_logs(int argc, char **argv)
{
	struct logs_opts o = {.ns = "default", .read = {.tail = -1}};
	struct pod_record *rec = NULL;
	struct pp_error err = {0};
	int r;

	if (opts_parse(argc, argv, &o) < 0)
		return 1;
	if (pod_load(cli_paths(), o.ns, o.pod, &rec, &err) < 0) {
		fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
		return 1;
	}
	r = logs_of(rec, &o);
	pod_record_free(rec);
	return r;
}
