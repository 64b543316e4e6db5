/* SPDX-License-Identifier: Apache-2.0 */
/* SCMP_ACT_NOTIFY's other end (config-linux.md "Seccomp", runtime.md
 * "Listener"): the runtime connects to linux.seccomp.listenerPath and
 * sends the filter's listener fd with the containerProcessState, in one
 * message, as runc does. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "runtime/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fdpass.h"
#include "util/xalloc.h"

/* The containerProcessState as JSON text (caller frees). */
static char *process_state(const struct rt_seccomp *s, pid_t pid, const char *state_json)
{
	json_object *o = json_object_new_object(), *fds = json_object_new_array();
	json_object *st = json_tokener_parse(state_json);
	char *text;

	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_array_add(fds, json_object_new_string("seccompFd"));
	json_object_object_add(o, "fds", fds);
	json_object_object_add(o, "pid", json_object_new_int(pid));
	json_object_object_add(
	    o, "metadata",
	    json_object_new_string(s->listener_metadata != NULL ? s->listener_metadata : ""));
	json_object_object_add(o, "state", st);
	text = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

int rt_seccomp_send_listener(const struct rt_seccomp *s, int fd, pid_t pid, const char *state_json,
                             struct pp_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int sock = -1;
	cleanup_free char *msg = NULL;
	int r;

	if (strlen(s->listener_path) >= sizeof(addr.sun_path))
		return pp_error_msg(err, EINVAL, "linux.seccomp.listenerPath: '%s' is too long",
		                    s->listener_path);
	memcpy(addr.sun_path, s->listener_path, strlen(s->listener_path));
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return pp_error(err, errno, "linux.seccomp.listenerPath: connect to '%s'",
		                s->listener_path);
	msg = process_state(s, pid, state_json);
	r = fdpass_send(sock, msg, strlen(msg), fd);
	if (r < 0)
		return pp_error(err, r, "linux.seccomp.listenerPath: send to '%s'",
		                s->listener_path);
	return 0;
}
