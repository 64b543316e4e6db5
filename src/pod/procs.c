/* SPDX-License-Identifier: Apache-2.0 */
/* peapod ps: the processes of a running pod, each matched to the sandbox
 * or a container by its cgroup (the ones the runtime gave them), read from
 * /proc through one folder fd a process so every file is of the same
 * process. What a container's process shows in /proc is untrusted: bounded
 * reads, a process that ends while it is read is left out, odd bytes
 * escaped. */
#include "pod/procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pod/paths.h"
#include "pod/plan.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#define CMD_MAX    4096
#define STATUS_MAX 65536
#define COMM_MAX   64

struct uid_name {
	uint32_t uid;
	char *name; /* NULL: not in the container's passwd */
};

/* The sandbox or a container: its cgroup and rootfs. */
struct target {
	long ctr;
	char *cgroup; /* as /proc/PID/cgroup's v2 line names it */
	int rootfd;   /* O_PATH of its rootfs, -1 when it cannot be opened */
	struct uid_name *names;
	size_t n_names;
};

struct scan {
	struct target *t;
	size_t n;
	struct pod_proc *procs;
	size_t n_procs;
};

static void targets_load(const struct pod_paths *paths, const struct pod_record *rec,
                         struct scan *s)
{
	for (long k = -1; k < (long)pod_n_all(rec); k++) {
		cleanup_free char *id =
		    k < 0 ? pod_sandbox_id(rec) : pod_container_id(rec, (size_t)k);
		cleanup_free char *bundle = NULL, *rootfs = NULL;
		struct pp_error err = {0};
		char *cg = NULL;

		if (rt_container_cgroup(paths->runtime, id, &cg, &bundle, &err) < 0)
			continue; /* never created, or gone */
		rootfs = xstrfmt("%s/rootfs", bundle);
		s->t = xrealloc(s->t, (s->n + 1) * sizeof(*s->t));
		s->t[s->n++] = (struct target){
		    .ctr = k,
		    .cgroup = cg,
		    .rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC),
		};
	}
}

static void targets_free(struct scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t j = 0; j < s->t[i].n_names; j++)
			free(s->t[i].names[j].name);
		free(s->t[i].names);
		free(s->t[i].cgroup);
		if (s->t[i].rootfd >= 0)
			(void)close(s->t[i].rootfd);
	}
	free(s->t);
}

/* The target whose cgroup is cg or holds it. */
static struct target *target_of(const struct scan *s, const char *cg)
{
	for (size_t i = 0; i < s->n; i++) {
		size_t n = strlen(s->t[i].cgroup);

		if (strncmp(cg, s->t[i].cgroup, n) == 0 && (cg[n] == '\0' || cg[n] == '/'))
			return &s->t[i];
	}
	return NULL;
}

/* The uid's name in the target's passwd (looked up once), else NULL. */
static const char *name_of(struct target *t, uint32_t uid)
{
	struct pp_error err = {0};
	char *name = NULL;

	for (size_t i = 0; i < t->n_names; i++)
		if (t->names[i].uid == uid)
			return t->names[i].name;
	if (t->rootfd >= 0 && pod_user_name(t->rootfd, uid, &name, &err) < 0)
		name = NULL; /* an unreadable passwd: the number */
	t->names = xrealloc(t->names, (t->n_names + 1) * sizeof(*t->names));
	t->names[t->n_names++] = (struct uid_name){.uid = uid, .name = name};
	return name;
}

/* The first max bytes of file name of the process at dirfd, as
 * fs_read_fd_head() reads them (caller frees; ret_len, ret_cut: their
 * length and whether the file goes on, may be NULL). NULL when it cannot
 * be read (the process is gone). */
static char *proc_file_read(int dirfd, const char *name, size_t max, size_t *ret_len, bool *ret_cut)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	int r;

	if (fd < 0)
		return NULL;
	r = fs_read_fd_head(fd, max, &buf, ret_len, NULL);
	if (r < 0)
		return NULL;
	if (ret_cut != NULL)
		*ret_cut = r > 0;
	return buf;
}

/* Field nth (0-based; SIZE_MAX: the last) of status line key ("NSpid:"). */
static bool status_field(const char *buf, const char *key, size_t nth, long *ret)
{
	size_t klen = strlen(key);
	const char *p = buf;
	bool found = false;

	while (strncmp(p, key, klen) != 0) {
		p = strchr(p, '\n');
		if (p == NULL)
			return false;
		p++;
	}
	p += klen;
	for (size_t i = 0; *p != '\n' && *p != '\0' && i <= nth; i++) {
		char *end = NULL;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		*ret = v;
		found = i == nth || nth == SIZE_MAX;
		p = end;
	}
	return found;
}

/* The command line of the process at dirfd, as struct pod_proc's cmd;
 * NULL when it is gone. Caller frees. */
static char *read_cmd(int dirfd)
{
	cleanup_free char *buf = NULL, *esc = NULL, *comm = NULL;
	size_t len = 0;
	bool cut = false;

	buf = proc_file_read(dirfd, "cmdline", CMD_MAX, &len, &cut);
	if (buf == NULL)
		return NULL;
	if (cut) {
		esc = pod_procs_escape(buf, len);
		return xstrfmt("%s...", esc);
	}
	if (len > 0 && buf[0] != '\0')
		return pod_procs_escape(buf, len);
	comm = proc_file_read(dirfd, "comm", COMM_MAX, NULL, NULL);
	if (comm == NULL)
		return NULL;
	esc = pod_procs_escape(comm, strcspn(comm, "\n"));
	return xstrfmt("[%s]", esc);
}

/* uid, as our user namespace sees it, in the user namespace of the
 * process at dirfd: its uid_map lines are "inside outside count", outside
 * in ours. uid itself when no line maps it. */
static uint32_t uid_inside(int dirfd, uint32_t uid)
{
	cleanup_free char *map = proc_file_read(dirfd, "uid_map", 4096, NULL, NULL);

	for (char *p = map; p != NULL && *p != '\0';) {
		unsigned long v[3];
		size_t k = 0;

		for (char *end = NULL; k < 3; k++, p = end) {
			v[k] = strtoul(p, &end, 10);
			if (end == p)
				break;
		}
		if (k == 3 && uid >= v[1] && uid - v[1] < v[2])
			return (uint32_t)(v[0] + (uid - v[1]));
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return uid;
}

/* The process at dirfd into *p (pid, uid, cmd). false when it is gone. */
static bool read_proc(int dirfd, struct pod_proc *p)
{
	cleanup_free char *status = NULL;
	long pid = 0, uid = 0;
	bool cut = false;

	status = proc_file_read(dirfd, "status", STATUS_MAX, NULL, &cut);
	if (status == NULL || cut || !status_field(status, "NSpid:", SIZE_MAX, &pid) ||
	    !status_field(status, "Uid:", 1, &uid) || pid <= 0 || uid < 0 || uid > UINT32_MAX)
		return false;
	p->cmd = read_cmd(dirfd);
	if (p->cmd == NULL)
		return false;
	p->pid = (pid_t)pid;
	p->uid = uid_inside(dirfd, (uint32_t)uid);
	return true;
}

/* /proc/<name>, when it is a process of a target, added to s. */
static void scan_one(struct scan *s, int procfd, const char *name)
{
	cleanup_close int dirfd = -1;
	cleanup_free char *cg = NULL;
	struct pp_error err = {0};
	struct pod_proc p = {0};
	struct target *t;
	const char *user;
	char *end = NULL;
	long pid = strtol(name, &end, 10);

	if (end == name || *end != '\0' || pid <= 0)
		return;
	dirfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || rt_proc_cgroup(dirfd, &cg, &err) < 0 || (t = target_of(s, cg)) == NULL)
		return;
	if (!read_proc(dirfd, &p))
		return; /* it ended while we read it */
	p.ctr = t->ctr;
	p.host_pid = (pid_t)pid;
	user = name_of(t, p.uid);
	p.user = user != NULL ? xstrdup(user) : xstrfmt("%" PRIu32, p.uid);
	s->procs = xrealloc(s->procs, (s->n_procs + 1) * sizeof(*s->procs));
	s->procs[s->n_procs++] = p;
}

/* The sandbox, init containers, app containers; then the pid. */
static int proc_cmp(const void *a, const void *b, void *arg)
{
	const struct pod_proc *x = a, *y = b;
	const struct pod_record *rec = arg;
	long n_ctrs = (long)rec->n_ctrs, n_init = (long)rec->n_init_ctrs;
	long rx = x->ctr < 0 ? -1 : x->ctr >= n_ctrs ? x->ctr - n_ctrs : n_init + x->ctr;
	long ry = y->ctr < 0 ? -1 : y->ctr >= n_ctrs ? y->ctr - n_ctrs : n_init + y->ctr;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->host_pid < y->host_pid ? -1 : x->host_pid > y->host_pid;
}

int pod_procs_list(const struct pod_paths *paths, const struct pod_record *rec,
                   struct pod_proc **ret, size_t *ret_n, struct pp_error *err)
{
	cleanup_dir DIR *dir = opendir("/proc");
	struct scan s = {0};
	struct dirent *de;

	if (dir == NULL)
		return pp_error(err, errno, "open '/proc'");
	targets_load(paths, rec, &s);
	while (s.n > 0 && (de = readdir(dir)) != NULL)
		scan_one(&s, dirfd(dir), de->d_name);
	targets_free(&s);
	if (s.n_procs > 1)
		qsort_r(s.procs, s.n_procs, sizeof(*s.procs), proc_cmp, (void *)rec);
	*ret = s.procs;
	*ret_n = s.n_procs;
	return 0;
}

void pod_procs_free(struct pod_proc *procs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(procs[i].user);
		free(procs[i].cmd);
	}
	free(procs);
}

char *pod_procs_escape(const char *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		abort(); /* out of memory, as x*alloc */
	while (n > 0 && s[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t k = utf8_seq_len(p, n - i);

		/* C0 and C1 controls (U+0080..U+009F, "\xc2\x80".."\xc2\x9f")
		 * could drive a terminal */
		if (*p == '\0') {
			(void)fputc(' ', f);
		} else if (k == 0 || *p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] < 0xa0)) {
			(void)fprintf(f, "\\x%02x", *p);
			k = 1;
		} else {
			(void)fwrite(p, 1, k, f);
		}
		i += k;
	}
	(void)fclose(f);
	return buf;
}
