/* SPDX-License-Identifier: Apache-2.0 */
/* pea's plumbing around a foreground process: console sockets, receiving the
 * pty master, waiting with signal forwarding and the stdin/stdout ↔ pty
 * copy that `runc run`/`runc exec -t` do without --console-socket. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "cli/pea-cli.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/fs.h"

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

static void copy_winsize(int master)
{
	struct winsize ws;

	if (master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(master, TIOCSWINSZ, &ws);
}

/* Copy what is readable on from to to. false on EOF or error. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return fs_write_all(to, buf, (size_t)n) == 0;
}

/* Whatever the pty still holds after the process is gone. */
static void drain(int master)
{
	struct pollfd p = {.fd = master, .events = POLLIN};

	while (master >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
		if (!pump(master, STDOUT_FILENO))
			break;
}

/* One signal from the signalfd: reap pid (*ret_status set, true) or forward. */
static bool handle_signal(int sfd, pid_t pid, int master, int *ret_status)
{
	struct signalfd_siginfo si;
	int status;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return false;
	if (si.ssi_signo == SIGWINCH) {
		copy_winsize(master);
		return false;
	}
	if (si.ssi_signo != SIGCHLD) {
		pea_debugf("forwarding signal %u to %d", si.ssi_signo, (int)pid);
		(void)kill(pid, (int)si.ssi_signo); /* it may have just exited */
		return false;
	}
	for (;;) {
		pid_t w = waitpid(-1, &status, WNOHANG);

		if (w == pid) {
			*ret_status = status;
			return true;
		}
		if (w <= 0)
			return false; /* other children (reparented) are reaped in passing */
	}
}

static int wait_loop(int sfd, pid_t pid, int master, struct pp_error *err)
{
	struct pollfd p[3] = {
	    {.fd = sfd, .events = POLLIN},
	    {.fd = master >= 0 ? STDIN_FILENO : -1, .events = POLLIN},
	    {.fd = master, .events = POLLIN},
	};
	int status = 0;

	/* It may have exited before the signalfd existed (SIGCHLD was then
	 * pending or discarded): look once first. */
	if (waitpid(pid, &status, WNOHANG) == pid) {
		drain(master);
		return status_to_exit(status);
	}
	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return pp_error(err, errno, "poll");
		}
		if ((p[0].revents & POLLIN) && handle_signal(sfd, pid, master, &status)) {
			drain(master);
			return status_to_exit(status);
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR) && !pump(STDIN_FILENO, master))
			p[1].fd = -1; /* stdin closed: keep the process running */
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR) && !pump(master, STDOUT_FILENO))
			p[2].fd = -1; /* every slave closed (EIO) */
	}
}

int pea_wait_forward(pid_t pid, int master, struct pp_error *err)
{
	cleanup_close int sfd = -1;
	struct termios saved, raw;
	bool restore = false;
	sigset_t set;
	int r;

	(void)sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		(void)sigaddset(&set, forwarded[i]);
	(void)sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return pp_error(err, errno, "signalfd");
	if (master >= 0 && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		restore = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
		copy_winsize(master);
	}
	r = wait_loop(sfd, pid, master, err);
	if (restore)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return r;
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
		if (errno != 0 || *end != '\0' || n <= 0 || n > SIGRTMAX)
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
