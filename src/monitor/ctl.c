/* SPDX-License-Identifier: Apache-2.0 */
/* The client side of the control socket: is a monitor alive, connect,
 * ask it to delete the pod. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "monitor/events.h"
#include "monitor/internal.h"
#include "monitor/monitor.h"
#include "monitor/probe.h"
#include "pod/pod.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

int monitor_alive(const char *pod_dir)
{
	cleanup_free char *path = xstrfmt("%s/monitor.lock", pod_dir);
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		return 0; /* nobody holds it: no monitor */
	return errno == EWOULDBLOCK;
}

int mon_ctl_connect(const char *pod_dir, struct pp_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_free char *path = xstrfmt("%s/monitor.sock", pod_dir);
	cleanup_close int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return pp_error(err, errno, "socket");
	if (strlen(path) >= sizeof(sa.sun_path))
		return pp_error_msg(err, ENAMETOOLONG, "'%s': path too long", path);
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return pp_error(err, errno, "connect '%s'", path);
	return take_fd(&fd);
}

int monitor_request_delete(const char *pod_dir, long grace_seconds, struct pp_error *err)
{
	cleanup_close int fd = mon_ctl_connect(pod_dir, err);
	char line[64], buf[256];
	int n;

	if (fd < 0)
		return fd;
	n = snprintf(line, sizeof(line), "delete %ld\n", grace_seconds);
	if (fs_write_all(fd, line, (size_t)n) < 0)
		return pp_error(err, errno, "send delete");
	/* The monitor closes the connection when it exits, the pod gone. */
	while ((n = (int)read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno != EINTR)
			return pp_error(err, errno, "wait for the monitor");
	}
	return 0;
}
