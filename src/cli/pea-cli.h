/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the pea (OCI runtime CLI) source files: global options, error
 * reporting to stderr and the --log file, and the verbs. Each pea-*.c file
 * parses its verb's options and calls src/runtime; no runtime logic here. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include <sys/types.h>

struct pp_error;

/* A verb: argv[0] is the verb. Returns the exit status (0, or 1 on error). */
typedef int (*pea_cmd_fn)(int argc, char **argv);

/* Global options, set by pea-main.c before the verb runs. */
extern const char *arg_root; /* --root, default /run/pea */
extern bool arg_debug;
extern bool arg_systemd_cgroup; /* --systemd-cgroup: cgroupsPath is slice:prefix:name */

/* Report an error: one line on stderr and, with --log, one line in the log
 * file (a JSON object with --log-format json). Return 1 (the exit status). */
int pea_fail(const struct pp_error *err);
int pea_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning, same destinations. */
void pea_warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A debug line, only with --debug. */
void pea_debugf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Verbs (pea-cmds.c, pea-exec.c, pea-spec.c). */
int pea_cmd_create(int argc, char **argv);
int pea_cmd_start(int argc, char **argv);
int pea_cmd_run(int argc, char **argv);
int pea_cmd_state(int argc, char **argv);
int pea_cmd_kill(int argc, char **argv);
int pea_cmd_delete(int argc, char **argv);
int pea_cmd_list(int argc, char **argv);
int pea_cmd_ps(int argc, char **argv);
int pea_cmd_exec(int argc, char **argv);
int pea_cmd_pause(int argc, char **argv);
int pea_cmd_resume(int argc, char **argv);
int pea_cmd_update(int argc, char **argv);
int pea_cmd_events(int argc, char **argv);
int pea_cmd_spec(int argc, char **argv);
int pea_cmd_features(int argc, char **argv);

/* ---- pea-io.c ---- */

/* Connect an AF_UNIX stream socket to path (for --console-socket). fd
 * (O_CLOEXEC, caller closes) or -errno. */
int pea_console_connect(const char *path, struct pp_error *err);

/* A console socket pea keeps for itself, for a foreground process with a
 * terminal and no --console-socket: *ret_ours receives the pty master later
 * (pea_console_recv), *ret_theirs goes into the runtime opts and is closed
 * by the caller once the process is created. 0 or -errno. */
int pea_console_pair(int *ret_ours, int *ret_theirs, struct pp_error *err);
/* Receive the pty master over sock (SCM_RIGHTS). fd or -errno. */
int pea_console_recv(int sock, struct pp_error *err);

/* Wait for our child pid, forwarding SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGUSR1/2 to it and, when master >= 0, copying stdin → master → stdout
 * (raw mode on a tty stdin, window size kept). Returns the exit status as
 * a shell shows it (code, or 128 + signal), or -errno. Call
 * pea_signals_block() first, before the child exists. */
int pea_wait_forward(pid_t pid, int master, struct pp_error *err);
/* Block the forwarded signals (so none is lost before pea_wait_forward). */
void pea_signals_block(void);

/* "TERM", "SIGTERM", "sigterm" or "15" → signal number ("0": no signal, a
 * check that the process exists, as runc takes it), or -EINVAL. */
int pea_signal_parse(const char *s);

/* 0 when container id exists and is not stopped, else 1 after reporting
 * ("container 'ID' is not running", as runc's update and events). */
int pea_require_live(const char *id);

/* --preserve-fds N into *ret, after checking fds 3..3+N-1 are open. 0, or
 * 1 after reporting. */
int pea_preserve_fds_parse(const char *s, unsigned *ret);

/* Print obj as pretty JSON with a trailing newline on stdout. */
void pea_print_json(json_object *obj);
