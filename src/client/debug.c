/* SPDX-License-Identifier: Apache-2.0 */
/* Adding an ephemeral container to a running pod (`peapod debug`):
 * through its monitor, which owns pod.json and starts the container. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <sys/file.h>

#include "client/client.h"
#include "pod/monitor-proto.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/xalloc.h"

int client_debug_request(const struct pod_paths *paths, const struct pod_record *rec,
                         json_object *ec, struct pp_error *err)
{
	cleanup_free char *dir = pod_dir_path(paths, rec->pod->uid);
	cleanup_free char *file = xstrfmt("%s/" MON_DEBUG_FILE, dir);
	cleanup_free char *lock = xstrfmt("%s.lock", file);
	cleanup_close int lockfd = -1;
	int r;

	if (!client_monitor_alive(dir))
		return pp_error_msg(err, ENOENT, "pod \"%s\" has no monitor", rec->pod->name);
	/* one request at a time owns the file */
	lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lockfd < 0 || flock(lockfd, LOCK_EX) < 0)
		return pp_error(err, errno, "lock '%s'", lock);
	r = json_write_file(file, ec, err);
	if (r == 0)
		r = client_monitor_ask(dir, MON_REQ_DEBUG, err);
	(void)unlink(file); /* the monitor read it, or it is of no use */
	return r;
}
