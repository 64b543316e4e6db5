/* SPDX-License-Identifier: Apache-2.0 */
/* Namespaces: names and clone flags, joining by path or pid, and the setup
 * a new namespace needs (loopback up in a new net ns, hostname). */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/socket.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"

static const char *const proc_names[RT_NS_COUNT] = {
    [RT_NS_USER] = "user", [RT_NS_PID] = "pid", [RT_NS_NET] = "net",       [RT_NS_IPC] = "ipc",
    [RT_NS_UTS] = "uts",   [RT_NS_MNT] = "mnt", [RT_NS_CGROUP] = "cgroup", [RT_NS_TIME] = "time",
};

static const int clone_flags[RT_NS_COUNT] = {
    [RT_NS_USER] = CLONE_NEWUSER,     [RT_NS_PID] = CLONE_NEWPID,   [RT_NS_NET] = CLONE_NEWNET,
    [RT_NS_IPC] = CLONE_NEWIPC,       [RT_NS_UTS] = CLONE_NEWUTS,   [RT_NS_MNT] = CLONE_NEWNS,
    [RT_NS_CGROUP] = CLONE_NEWCGROUP, [RT_NS_TIME] = CLONE_NEWTIME,
};

const char *rt_ns_proc_name(enum rt_ns_type t)
{
	return proc_names[t];
}

int rt_ns_clone_flag(enum rt_ns_type t)
{
	return clone_flags[t];
}

int rt_ns_open(pid_t pid, enum rt_ns_type t, struct pp_error *err)
{
	char path[64];
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, proc_names[t]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pp_error(err, errno, "open '%s'", path);
	return fd;
}

int rt_ns_enter(int fd, enum rt_ns_type t, struct pp_error *err)
{
	if (setns(fd, clone_flags[t]) < 0)
		return pp_error(err, errno, "join %s namespace", proc_names[t]);
	return 0;
}

/* Open every namespace given by path (before clone: the paths are host
 * paths, and they must be valid namespaces of the right type). fds[t] = -1
 * for those not joined. Caller closes. */
int rt_ns_open_paths(const struct rt_config *c, int fds[RT_NS_COUNT], struct pp_error *err)
{
	for (int t = 0; t < RT_NS_COUNT; t++)
		fds[t] = -1;
	for (int t = 0; t < RT_NS_COUNT; t++) {
		if (!c->ns[t].enabled || c->ns[t].path == NULL)
			continue;
		fds[t] = open(c->ns[t].path, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0)
			return pp_error(err, errno, "%s namespace path '%s'", proc_names[t],
			                c->ns[t].path);
	}
	return 0;
}

/* CLONE_NEW* for the namespaces to create. */
int rt_ns_new_flags(const struct rt_config *c)
{
	int flags = 0;

	/* A time namespace's offsets must be written before a process is in
	 * it: rt_timens_setup unshares it. */
	for (int t = 0; t < RT_NS_COUNT; t++)
		if (c->ns[t].enabled && c->ns[t].path == NULL && t != RT_NS_TIME)
			flags |= clone_flags[t];
	return flags;
}

/* In the child: join every namespace opened by rt_ns_open_paths() except
 * pid (joined by the parent before clone, since it affects children only).
 * Closes what it joined. */
int rt_ns_join_paths(int fds[RT_NS_COUNT], struct pp_error *err)
{
	for (int t = 0; t < RT_NS_COUNT; t++) {
		int r;

		if (fds[t] < 0 || t == RT_NS_PID)
			continue;
		r = rt_ns_enter(fds[t], t, err);
		if (r < 0)
			return r;
		(void)close(take_fd(&fds[t]));
	}
	return 0;
}

/* Bring "lo" up in the current (new) network namespace. */
int rt_ns_loopback_up(struct pp_error *err)
{
	struct ifreq ifr = {0};
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return pp_error(err, errno, "socket for loopback");
	(void)strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return pp_error(err, errno, "get 'lo' flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return pp_error(err, errno, "bring 'lo' up");
	return 0;
}
