/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI's side of a pod's monitor: starting it and reading its report,
 * asking it to delete the pod, attaching to a container through it, and
 * whether one is alive. Speaks only the wire of pod/monitor-proto.h; links
 * pod and util, never the monitor. Prints nothing: what the monitor says
 * reaches the caller through err or a callback. */
#pragma once

#include <stdbool.h>

struct pod;
struct pod_paths;
struct pod_record;
struct json_object;
struct pp_error;

/* Start the monitor of pod (its supervisor, `peapod monitor NS/NAME`)
 * detached: own session, reparented away from us, stdin /dev/null, stdout
 * and stderr appended to pod_dir/monitor.log, the pod's lock lock_fd
 * (borrowed; the monitor gets a copy) and the write end of a notify pipe
 * as its fds. root (NULL: the default) is passed on as --root; with adopt
 * the monitor takes back a running pod. *ret_fd is the read end of the
 * notify pipe (O_CLOEXEC, for client_monitor_wait(), which takes it).
 * 0 or -errno (pipe2, fork). */
int client_monitor_start(const struct pod *pod, const char *root, const char *pod_dir, int lock_fd,
                         bool adopt, int *ret_fd);

enum client_note {
	CLIENT_NOTE_WARNING, /* a "warning: MSG" line: the pod goes on */
	CLIENT_NOTE_ERROR,   /* an "error: MSG" line, or the monitor said nothing */
};

/* Called with each message of the monitor's report, in order; msg is
 * borrowed for the call. */
typedef void (*client_note_fn)(enum client_note kind, const char *msg, void *data);

/* Called with each line the monitor's image pulls append to the pod's
 * MON_PULL_FILE (without its newline), borrowed for the call. */
typedef void (*client_pull_fn)(const char *line, void *data);

/* What client_monitor_wait reports to. All borrowed. */
struct client_wait {
	client_note_fn note;
	client_pull_fn pull;   /* may be NULL */
	const char *pull_file; /* the pod's MON_PULL_FILE, read from pull_offset on */
	long pull_offset;
	void *data;
};

/* Read the monitor's report from fd (takes it) until the monitor closes
 * it, handing each warning and error to w->note; meanwhile (every 100 ms)
 * each new line of w->pull_file goes to w->pull. Returns 0 when the
 * monitor said "ok", -EIO when it did not (its errors were noted),
 * -ECHILD when it exited saying nothing (noted as an error, "the monitor
 * exited before it started the pod"), or -errno. */
int client_monitor_wait(int fd, const struct client_wait *w);

/* 1 when a monitor is alive for the pod folder pod_dir (it holds
 * monitor.lock), else 0. */
int client_monitor_alive(const char *pod_dir);

/* Connect to the control socket of the monitor of pod_dir. Returns the fd
 * (O_CLOEXEC, caller closes) or -errno: -ENOENT/-ECONNREFUSED when no
 * monitor listens, -ENAMETOOLONG. */
int client_monitor_connect(const char *pod_dir, struct pp_error *err);

/* Send the one-line request req (without its newline) to the monitor of
 * pod_dir and read its answer: 0 for "ok", -EINVAL with the monitor's
 * words for "error MSG", -EIO for anything else, -ENOENT/-ECONNREFUSED
 * when no monitor listens, or -errno. */
int client_monitor_ask(const char *dir, const char *req, struct pp_error *err);

/* Add ephemeral container ec (an EphemeralContainer object, borrowed) to
 * the running pod of rec through its monitor, as the API server's
 * ephemeralcontainers subresource: 0, -EINVAL with its words (`Pod "x" is
 * invalid: ...`), -ENOENT/-ECONNREFUSED when the pod has no monitor, or
 * -errno. */
int client_debug_request(const struct pod_paths *paths, const struct pod_record *rec,
                         struct json_object *ec, struct pp_error *err);

/* Ask the monitor of pod_dir to delete the pod with grace_seconds (-1: the
 * pod's own) and wait until it is gone (the monitor closes the
 * connection). 0, -ENOENT/-ECONNREFUSED when no monitor answers (the
 * caller then tears down itself), or -errno. */
int client_delete_request(const char *pod_dir, long grace_seconds, struct pp_error *err);

/* Ask the monitor of pod_dir to attach to container ctr (in: its stdin
 * too; tty: a terminal). The monitor refuses a container that is not
 * running ("container not found (\"NAME\")"). *ret_fd (O_CLOEXEC, caller
 * closes) is ready for client_attach_session(). 0,
 * -ECONNREFUSED/-ENOENT (no monitor), -ESRCH (refused, err has the
 * monitor's words), -ECONNRESET, -EBADMSG. */
int client_attach_open(const char *pod_dir, const char *ctr, bool in, bool tty, int *ret_fd,
                       struct pp_error *err);

/* Copy between the local stdin/stdout/stderr and the attach connection fd
 * (borrowed) until the monitor closes it. With raw, a terminal stdin is put
 * in raw mode (restored on return) and its size passed on, also at
 * SIGWINCH. SIGINT/SIGTERM/SIGHUP detach (they stay blocked). Returns 0
 * when the container exited or the client detached, 128+signal after a
 * signal, or -errno; *ret_exit gets the container's exit code when the
 * monitor sent it, else -1 (also on error). */
int client_attach_session(int fd, bool in, bool raw, int *ret_exit, struct pp_error *err);

/* Change the labels, annotations or schedulingGates of the pod of rec
 * (pod/update.h's update object; borrowed): through its monitor when one
 * runs, else under the pod's lock. 0 or -errno/-EINVAL with the API
 * server's words (`The Pod "x" is invalid: ...`). */
int client_pod_update(const struct pod_paths *paths, const struct pod_record *rec,
                      struct json_object *update, struct pp_error *err);
