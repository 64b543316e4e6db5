/* SPDX-License-Identifier: Apache-2.0 */
/* peapod cp [-c CONTAINER] [-n NS] SRC DEST (kubectl cp): one side is
 * [NAMESPACE/]POD:PATH. The container's own tar makes or extracts the
 * stream, run through peapod exec's path; the host side is cp-tar.c. */
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "cli/cp-tar.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

struct cp_spec {
	char *ns;   /* NULL: -n */
	char *pod;  /* NULL: a local path */
	char *path; /* the file part */
};

static void cp_spec_clear(struct cp_spec *s)
{
	free(s->ns);
	free(s->pod);
	free(s->path);
}

/* kubectl's extractFileSpec: [[namespace/]pod:]file/path. */
static void parse_spec(const char *arg, struct cp_spec *ret)
{
	const char *colon = strchr(arg, ':');
	const char *slash;

	*ret = (struct cp_spec){0};
	if (colon == NULL || colon == arg) {
		ret->path = xstrdup(arg);
		return;
	}
	ret->path = xstrdup(colon + 1);
	slash = memchr(arg, '/', (size_t)(colon - arg));
	if (slash != NULL) {
		ret->ns = xstrndup(arg, (size_t)(slash - arg));
		ret->pod = xstrndup(slash + 1, (size_t)(colon - slash - 1));
	} else {
		ret->pod = xstrndup(arg, (size_t)(colon - arg));
	}
}

/* A running pod and its container to copy with; NULL when reported. */
static struct pod_record *load_target(const struct cp_spec *s, const char *ns, const char *want,
                                      const char **ret_ctr)
{
	struct pod_record *rec = NULL;
	struct pp_error err = {0};

	if (pod_load(cli_paths(), s->ns != NULL ? s->ns : ns, s->pod, &rec, &err) < 0) {
		fprintf(stderr, "Error from server (NotFound): %s\n", err.msg);
		return NULL;
	}
	*ret_ctr = cli_pick_container(rec, want);
	if (*ret_ctr == NULL)
		return pod_record_free(rec);
	return rec;
}

/* A command run in the container: feed (when set) writes its stdin
 * (to_stdin) or reads its stdout; the other fd is /dev/null. */
struct cp_exec {
	const struct pod_record *rec;
	const char *ctr;
	char *const *argv;
	bool to_stdin;
	int (*feed)(const struct cp_exec *x, int fd, struct pp_error *err);
	const char *arg;  /* the local path */
	const char *name; /* the tar entries' top name */
};

static void relay_stderr(int fd)
{
	cleanup_free char *buf = NULL;
	size_t n = 0;

	if (fs_read_fd(fd, 65536, &buf, &n, NULL) == 0 && n > 0)
		(void)fwrite(buf, 1, n, stderr);
}

/* Run x; the container's stderr is copied to ours. Its exit status, or
 * -errno. */
static int cp_run(const struct cp_exec *x, struct pp_error *err)
{
	int ep[2], dp[2] = {-1, -1}, r;
	pid_t pid = 0;
	bool feed_in = x->to_stdin;

	if (pipe2(ep, O_CLOEXEC) < 0 || (x->feed != NULL && pipe2(dp, O_CLOEXEC) < 0))
		return pp_error(err, errno, "pipe");
	r = pod_exec(cli_paths(), x->rec,
	             &(struct pod_exec_opts){
	                 .container = x->ctr,
	                 .argv = x->argv,
	                 .io = {.fd = {feed_in ? dp[0] : -1, feed_in ? -1 : dp[1], ep[1]},
	                        .console_socket = -1}},
	             &pid, err);
	(void)close(ep[1]);
	if (x->feed != NULL)
		(void)close(feed_in ? dp[0] : dp[1]);
	if (r == 0 && x->feed != NULL)
		r = x->feed(x, feed_in ? dp[1] : dp[0], err);
	if (x->feed != NULL)
		(void)close(feed_in ? dp[1] : dp[0]);
	relay_stderr(ep[0]);
	(void)close(ep[0]);
	if (pid > 0) {
		int status = cli_wait_exit(pid);

		return r < 0 ? r : status;
	}
	return r;
}

static int feed_untar(const struct cp_exec *x, int fd, struct pp_error *err)
{
	char buf[4096];
	int r = cp_untar(fd, x->name, x->arg, err);

	/* the stream's padding after the end marker: read it, so that the
	 * container's tar does not die of SIGPIPE */
	while (r == 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	return r;
}

static int feed_tar(const struct cp_exec *x, int fd, struct pp_error *err)
{
	return cp_tar(x->arg, x->name, fd, err);
}

/* POD:SRC → DEST: `tar cf - -C DIR BASE` in the container. */
static int copy_from(const struct pod_record *rec, const char *ctr, const char *src,
                     const char *dest, struct pp_error *err)
{
	cleanup_free char *d1 = xstrdup(src), *d2 = xstrdup(src);
	char *dir = dirname(d1), *base = basename(d2);
	char *argv[] = {"tar", "cf", "-", "-C", dir, base, NULL};

	return cp_run(&(struct cp_exec){.rec = rec,
	                                .ctr = ctr,
	                                .argv = argv,
	                                .feed = feed_untar,
	                                .arg = dest,
	                                .name = base},
	              err);
}

/* SRC → POD:DEST: `tar -xmf - -C DIR` in the container, DEST/BASE(SRC)
 * when DEST is a folder there (kubectl runs `test -d` first). */
static int copy_to(const struct pod_record *rec, const char *ctr, const char *src, const char *dest,
                   struct pp_error *err)
{
	char *test[] = {"test", "-d", (char *)dest, NULL};
	cleanup_free char *s1 = xstrdup(src), *target = NULL, *d1 = NULL, *d2 = NULL;
	char *argv[] = {"tar", "-xmf", "-", "-C", NULL, NULL};
	int r = cp_run(&(struct cp_exec){.rec = rec, .ctr = ctr, .argv = test}, err);

	if (r < 0)
		return r;
	target = r == 0 ? xstrfmt("%s/%s", dest, basename(s1)) : xstrdup(dest);
	d1 = xstrdup(target);
	d2 = xstrdup(target);
	argv[4] = dirname(d1);
	return cp_run(&(struct cp_exec){.rec = rec,
	                                .ctr = ctr,
	                                .argv = argv,
	                                .to_stdin = true,
	                                .feed = feed_tar,
	                                .arg = src,
	                                .name = basename(d2)},
	              err);
}

/* Strip trailing slashes (not a lone "/"), in place. */
static char *trim_slashes(char *p)
{
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	return p;
}

static int cp_specs(const struct cp_spec *src, const struct cp_spec *dst, const char *ns,
                    const char *ctr)
{
	const struct cp_spec *remote = src->pod != NULL ? src : dst;
	const char *c = NULL;
	struct pp_error err = {0};
	struct pod_record *rec;
	struct stat st;
	int r;

	if (src->path[0] == '\0' || dst->path[0] == '\0') {
		log_error("filepath can not be empty");
		return 1;
	}
	if (remote == dst && lstat(src->path, &st) < 0) {
		log_error("%s doesn't exist in local filesystem", src->path);
		return 1;
	}
	rec = load_target(remote, ns, ctr, &c);
	if (rec == NULL)
		return 1;
	if (remote == src)
		r = copy_from(rec, c, trim_slashes(src->path), trim_slashes(dst->path), &err);
	else
		r = copy_to(rec, c, trim_slashes(src->path), trim_slashes(dst->path), &err);
	pod_record_free(rec);
	if (r < 0)
		log_error("%s", err.msg);
	else if (r > 0)
		fprintf(stderr, "command terminated with exit code %d\n", r);
	return r != 0 ? 1 : 0;
}

int cmd_cp(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"container", required_argument, NULL, 'c'},
	    {"namespace", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *ns = "default", *ctr = NULL;
	struct cp_spec src, dst;
	int c, r = 1;

	while ((c = cli_getopt(argc, argv, "c:n:", opts)) != -1) {
		if (c == 'c')
			ctr = optarg;
		else if (c == 'n')
			ns = optarg;
		else
			return 1;
	}
	if (argc - optind != 2) {
		log_error("source and destination are required");
		return 1;
	}
	parse_spec(argv[optind], &src);
	parse_spec(argv[optind + 1], &dst);
	if (src.pod == NULL && dst.pod == NULL)
		log_error("one of src or dest must be a remote file specification");
	else if (src.pod != NULL && dst.pod != NULL)
		log_error("one of src or dest must be a local file specification");
	else
		r = cp_specs(&src, &dst, ns, ctr);
	cp_spec_clear(&src);
	cp_spec_clear(&dst);
	return r;
}
