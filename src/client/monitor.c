/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's monitor seen from the CLI: starting it and reading its report,
 * whether it lives, its control socket and the delete request. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "client/client.h"
#include "pod/monitor-proto.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/syscall.h"
#include "util/xalloc.h"

/* In the grandchild: become the monitor, with the notify pipe as fd 3. */
static void exec_monitor(const struct pod *pod, const char *root, int notify_fd, int lock_fd,
                         const char *logpath, bool adopt)
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
	if (root != NULL) {
		argv[n++] = "--root";
		argv[n++] = root;
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

int client_monitor_start(const struct pod *pod, const char *root, const char *pod_dir, int lock_fd,
                         bool adopt, int *ret_fd)
{
	cleanup_free char *logpath = xstrfmt("%s/" MON_LOG_FILE, pod_dir);
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
		exec_monitor(pod, root, p[1], lock_fd, logpath, adopt);
	}
	(void)close(p[1]);
	(void)waitpid(pid, &status, 0);
	*ret_fd = p[0];
	return 0;
}

/* One line of the report: "ok", or a note. Returns 1 for "ok", else 0. */
static int report_line(const char *line, const struct client_wait *w)
{
	if (strcmp(line, MON_NOTIFY_OK) == 0)
		return 1;
	if (strncmp(line, MON_NOTIFY_ERROR, strlen(MON_NOTIFY_ERROR)) == 0)
		w->note(CLIENT_NOTE_ERROR, line + strlen(MON_NOTIFY_ERROR), w->data);
	else if (strncmp(line, MON_NOTIFY_WARNING, strlen(MON_NOTIFY_WARNING)) == 0)
		w->note(CLIENT_NOTE_WARNING, line + strlen(MON_NOTIFY_WARNING), w->data);
	return 0;
}

/* Hand each complete line of buf[0..*len) to fn, keeping the rest. A line
 * longer than the buffer is cut. */
static void split_lines(char *buf, size_t *len, size_t cap, void (*fn)(const char *line, void *arg),
                        void *arg)
{
	char *start = buf, *nl;

	while ((nl = memchr(start, '\n', *len - (size_t)(start - buf))) != NULL) {
		*nl = '\0';
		fn(start, arg);
		start = nl + 1;
	}
	*len -= (size_t)(start - buf);
	memmove(buf, start, *len);
	if (*len == cap - 1) { /* no newline in a full buffer */
		buf[*len] = '\0';
		fn(buf, arg);
		*len = 0;
	}
}

struct tail {
	const struct client_wait *w;
	int fd;
	char buf[1024];
	size_t len;
};

static void pull_line(const char *line, void *arg)
{
	const struct client_wait *w = arg;

	w->pull(line, w->data);
}

/* The new lines of the pull file, if any. */
static void tail_pull(struct tail *t)
{
	ssize_t n;

	if (t->w->pull == NULL || t->w->pull_file == NULL)
		return;
	if (t->fd < 0) {
		t->fd = open(t->w->pull_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (t->fd < 0 || lseek(t->fd, t->w->pull_offset, SEEK_SET) < 0)
			return;
	}
	while ((n = read(t->fd, t->buf + t->len, sizeof(t->buf) - 1 - t->len)) > 0) {
		t->len += (size_t)n;
		split_lines(t->buf, &t->len, sizeof(t->buf), pull_line, (void *)t->w);
	}
}

struct report {
	const struct client_wait *w;
	int ok;
	bool any;
};

static void note_line(const char *line, void *arg)
{
	struct report *rp = arg;

	rp->any = true;
	if (report_line(line, rp->w))
		rp->ok = 1;
}

int client_monitor_wait(int fd, const struct client_wait *w)
{
	cleanup_close int cfd = fd;
	struct tail t = {.w = w, .fd = -1};
	struct report rp = {.w = w};
	char buf[4096];
	size_t len = 0;

	for (;;) {
		struct pollfd p = {.fd = cfd, .events = POLLIN};
		int r = poll(&p, 1, 100);
		ssize_t n;

		tail_pull(&t);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			if (t.fd >= 0)
				(void)close(t.fd);
			return r;
		}
		if (r == 0)
			continue;
		n = read(cfd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		split_lines(buf, &len, sizeof(buf), note_line, &rp);
	}
	tail_pull(&t);
	if (t.fd >= 0)
		(void)close(t.fd);
	if (!rp.ok && !rp.any) {
		w->note(CLIENT_NOTE_ERROR, "the monitor exited before it started the pod", w->data);
		return -ECHILD;
	}
	return rp.ok ? 0 : -EIO;
}

int client_monitor_alive(const char *pod_dir)
{
	cleanup_free char *path = xstrfmt("%s/" MON_LOCK_FILE, pod_dir);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return 0; /* nobody holds it: no monitor */
	return errno == EWOULDBLOCK;
}

int client_monitor_connect(const char *pod_dir, struct pp_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_free char *path = xstrfmt("%s/" MON_SOCK_FILE, pod_dir);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return pp_error(err, errno, "socket");
	if (strlen(path) >= sizeof(sa.sun_path))
		return pp_error_msg(err, ENAMETOOLONG, "'%s': path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pp_error(err, errno, "connect '%s'", path);
	return take_fd(&fd);
}

int client_delete_request(const char *pod_dir, long grace_seconds, struct pp_error *err)
{
	cleanup_close int fd = client_monitor_connect(pod_dir, err);
	char line[64], buf[256];
	int n;

	if (fd < 0)
		return fd;
	n = snprintf(line, sizeof(line), MON_REQ_DELETE " %ld\n", grace_seconds);
	if (fs_write_all(fd, line, (size_t)n) < 0)
		return pp_error(err, errno, "send delete");
	/* The monitor closes the connection when it exits, the pod gone. */
	while ((n = (int)read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno != EINTR)
			return pp_error(err, errno, "wait for the monitor");
	}
	return 0;
}

int client_monitor_ask(const char *dir, const char *req, struct pp_error *err)
{
	cleanup_close int fd = client_monitor_connect(dir, err);
	cleanup_free char *line = xstrfmt("%s\n", req);
	char buf[600];
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return fd;
	if (fs_write_all(fd, line, strlen(line)) < 0)
		return pp_error(err, errno, "send %s", req);
	while (len + 1 < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pp_error(err, errno, "read the monitor's answer");
		len += (size_t)n;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strncmp(buf, MON_REPLY_ERROR, strlen(MON_REPLY_ERROR)) == 0)
		return pp_error_msg(err, EINVAL, "%s", buf + strlen(MON_REPLY_ERROR));
	if (strcmp(buf, MON_REPLY_OK) != 0)
		return pp_error_msg(err, EIO, "the pod's monitor did not answer");
	return 0;
}
