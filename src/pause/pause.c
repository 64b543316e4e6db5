/* SPDX-License-Identifier: Apache-2.0 */
/* peapod-pause: PID 1 of every pod sandbox, seen as /pause inside the pod.
 * It holds the pod's namespaces open, reaps orphans re-parented to it and
 * exits 0 on SIGINT/SIGTERM; every other signal is ignored. Static, libc
 * only, no allocation (as Kubernetes' build/pause and catatonit). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include "config.h"

static void say(const char *msg)
{
	/* One write(2), nothing buffered: we may be killed at any moment. */
	(void)!write(STDERR_FILENO, msg, strlen(msg));
}

/* Reap every exited child; orphans of the pod land here (wait(2), and
 * pid_namespaces(7) "the init process ... becomes the parent"). */
static void reap_zombies(void)
{
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid > 0)
			continue;
		if (pid < 0 && errno == EINTR)
			continue;
		return; /* 0: children alive but none exited; ECHILD: none left */
	}
}

static int usage(const char *prog, int status)
{
	char line[256];

	(void)snprintf(line, sizeof(line), "usage: %s [-v]\n", prog);
	say(line);
	return status;
}

int main(int argc, char **argv)
{
	sigset_t all;

	if (argc > 1) {
		if (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0) {
			say("peapod-pause " PEAPOD_VERSION "\n");
			return 0;
		}
		return usage(argv[0], 2);
	}
	if (getpid() != 1)
		say("peapod-pause: warning: not running as PID 1, orphans will not be reaped here\n");

	/* Block every signal and take them synchronously: a PID 1 only gets
	 * the signals it has handlers for (or takes this way), so SIGHUP,
	 * SIGUSR1 ... sent from a container are simply dropped. */
	(void)sigfillset(&all);
	if (sigprocmask(SIG_BLOCK, &all, NULL) < 0) {
		say("peapod-pause: error: sigprocmask failed\n");
		return 1;
	}
	reap_zombies();
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(&all, &info);

		if (sig < 0)
			continue; /* EINTR only: the set is valid */
		switch (sig) {
		case SIGINT:
		case SIGTERM:
			return 0;
		case SIGCHLD:
			reap_zombies();
			break;
		default:
			break;
		}
	}
}
