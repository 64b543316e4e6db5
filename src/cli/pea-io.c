/* SPDX-License-Identifier: Apache-2.0 */
/* pea's plumbing around a foreground process: console sockets, receiving the
 * pty master, waiting with signal forwarding and the stdin/stdout ↔ pty
 * copy that `runc run`/`runc exec -t` do without --console-socket. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "cli/pea-cli.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"
#include "util/tty.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

int pea_console_connect(const char *path, struct pp_error *err)
{
	cleanup_close int fd = -1;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(addr.sun_path))
		return pp_error_msg(err, ENAMETOOLONG, "console socket path '%s' too long", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pp_error(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return pp_error(err, errno, "connect to console socket '%s'", path);
	return take_fd(&fd);
}

int pea_console_pair(int *ret_ours, int *ret_theirs, struct pp_error *err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return pp_error(err, errno, "socketpair");
	*ret_ours = sv[0];
	*ret_theirs = sv[1];
	return 0;
}

int pea_console_recv(int sock, struct pp_error *err)
{
	char data[64];
	int fd = -1;
	int r = fdpass_recv(sock, data, sizeof(data), -1, &fd);

	if (r < 0 && r != -EBADMSG)
		return pp_error(err, r, "receive pty master");
	if (r <= 0 || fd < 0)
		return pp_error_msg(err, EPROTO, "receive pty master: no fd sent");
	return fd;
}

void pea_signals_block(void)
{
	sigset_t set;

	(void)sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		(void)sigaddset(&set, forwarded[i]);
	(void)sigaddset(&set, SIGCHLD);
	(void)sigprocmask(SIG_BLOCK, &set, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
}

static int status_to_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

/* A foreground process: its pid, the pty master (-1: none), its status. */
struct fwd {
	pid_t pid;
	int master;
	int status;
};

/* Reap pid (*ret_status set, true); other children (reparented) are
 * reaped in passing. */
static bool reap(pid_t pid, int *ret_status)
{
	for (;;) {
		int status;
		pid_t w = waitpid(-1, &status, WNOHANG);

		if (w == pid) {
			*ret_status = status;
			return true;
		}
		if (w <= 0)
			return false;
	}
}

static int fwd_peer(struct tty_session *s)
{
	if (tty_copy(s->peer, STDOUT_FILENO) <= 0)
		s->peer = -1; /* every slave closed (EIO) */
	return TTY_MORE;
}

static int fwd_input(struct tty_session *s, const char *buf, size_t n)
{
	const struct fwd *f = s->data;

	/* stdin closed: keep the process running */
	return n > 0 ? fs_write_all(f->master, buf, n) : 0;
}

static void fwd_resize(struct tty_session *s, const struct winsize *ws)
{
	const struct fwd *f = s->data;

	(void)ioctl(f->master, TIOCSWINSZ, ws);
}

static int fwd_signal(struct tty_session *s, const struct signalfd_siginfo *si)
{
	struct fwd *f = s->data;

	if (si->ssi_signo != SIGCHLD) {
		pea_debugf("forwarding signal %u to %d", si->ssi_signo, (int)f->pid);
		(void)kill(f->pid, (int)si->ssi_signo); /* it may have just exited */
		return TTY_MORE;
	}
	if (!reap(f->pid, &f->status))
		return TTY_MORE;
	tty_drain(f->master, STDOUT_FILENO);
	return TTY_END;
}

int pea_wait_forward(pid_t pid, int master, struct pp_error *err)
{
	static const struct tty_session_ops ops = {
	    .peer = fwd_peer, .input = fwd_input, .resize = fwd_resize, .signal = fwd_signal};
	struct fwd f = {.pid = pid, .master = master};
	struct tty_session s = {.peer = master,
	                        .pidfd = -1,
	                        .in = master >= 0,
	                        .raw = master >= 0,
	                        .winsize = master >= 0,
	                        .ops = &ops,
	                        .data = &f};
	int r;

	/* It may have exited before the signalfd exists (SIGCHLD was then
	 * pending or discarded): look once first. */
	if (waitpid(pid, &f.status, WNOHANG) == pid) {
		tty_drain(master, STDOUT_FILENO);
		return status_to_exit(f.status);
	}
	(void)sigemptyset(&s.signals);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		if (forwarded[i] != SIGWINCH)
			(void)sigaddset(&s.signals, forwarded[i]);
	(void)sigaddset(&s.signals, SIGCHLD);
	r = tty_session_run(&s, err);
	return r < 0 ? r : status_to_exit(f.status);
}

int pea_signal_parse(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} names[] = {
	    {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
	    {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"IOT", SIGIOT},       {"BUS", SIGBUS},
	    {"FPE", SIGFPE},       {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
	    {"USR2", SIGUSR2},     {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
	    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
	    {"TSTP", SIGTSTP},     {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
	    {"XCPU", SIGXCPU},     {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
	    {"SYS", SIGSYS},
	};
	char *end;
	long n;

	if (isdigit((unsigned char)s[0])) {
		errno = 0;
		n = strtol(s, &end, 10);
		if (errno != 0 || *end != '\0' || n < 0 || n > SIGRTMAX)
			return -EINVAL;
		return (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].sig;
	return -EINVAL;
}

void pea_print_json(json_object *obj)
{
	(void)printf("%s\n", json_object_to_json_string_ext(
	                         obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
	                                  JSON_C_TO_STRING_NOSLASHESCAPE));
}

int pea_preserve_fds_parse(const char *s, unsigned *ret)
{
	char *end = NULL;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || n > 65536)
		return pea_failf("--preserve-fds '%s': want a number of fds", s);
	for (unsigned long fd = 3; fd < 3 + n; fd++)
		if (fcntl((int)fd, F_GETFD) < 0)
			return pea_failf("--preserve-fds %lu: fd %lu is not open", n, fd);
	*ret = (unsigned)n;
	return 0;
}

int pea_require_live(const char *id)
{
	struct pp_error err = {0};
	struct rt_state st = {0};
	bool stopped;

	if (rt_container_state(arg_root, id, &st, &err) < 0)
		return pea_fail(&err);
	stopped = st.status == RT_STATUS_STOPPED;
	rt_state_clear(&st);
	return stopped ? pea_failf("container '%s' is not running", id) : 0;
}
