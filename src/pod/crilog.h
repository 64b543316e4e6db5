/* SPDX-License-Identifier: Apache-2.0 */
/* Container logs in the CRI format (kubelet's pkg/kubelet/kuberuntime/logs),
 * as readers find them on disk without a monitor: one record per line,
 * `<RFC3339Nano> <stdout|stderr> <F|P> <text>`, where P marks a partial
 * line. Files rotate as the kubelet's container log manager rotates them:
 * `<restart>.log` becomes `<restart>.log.<stamp>[.<n>]`. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pp_error;

/* The rotated files of path (`path.<stamp>[.<n>]`), oldest first. *ret is a
 * NULL-terminated vector of full paths, caller frees (strv). 0 or -errno. */
int cri_log_rotated(const char *path, char ***ret, size_t *ret_n, struct pp_error *err);
/* The name path rotates to now: `<path>.<20060102-150405>` (the kubelet's
 * stamp, UTC), `.N` added past the newest of v (n rotated files, as
 * cri_log_rotated() lists them) when it has the same second. Caller frees. */
char *cri_log_rotated_name(const char *path, char *const *v, size_t n);

/* RFC 3339 time (`2006-01-02T15:04:05[.frac](Z|±hh:mm)`) into nanoseconds
 * since the epoch. 0 or -EINVAL. */
int cri_time_parse(const char *s, int64_t *ret_ns);

struct cri_log_read_opts {
	bool timestamps;    /* prefix each line with its RFC3339Nano time */
	long tail;          /* last N lines only (across rotated files); -1 all */
	int64_t since_ns;   /* skip records older than this (ns since epoch); 0 none */
	const char *prefix; /* printed before each line, or NULL */
};

struct cri_log_reader;

/* A reader of path's logs: its rotated files in order, then path. Nothing
 * is printed yet; a missing file is no error. Borrows o. Caller frees. */
int cri_log_reader_open(const char *path, const struct cri_log_read_opts *o,
                        struct cri_log_reader **ret, struct pp_error *err);
/* Print every whole record available now to out_fd, following rotation.
 * Returns the number of records read (0: nothing new yet) or -errno. */
int cri_log_reader_step(struct cri_log_reader *r, int out_fd, struct pp_error *err);
struct cri_log_reader *cri_log_reader_free(struct cri_log_reader *r);
/* An inotify fd (owned by r) that turns readable when r's log folder
 * changes (appends, rotation), for a follower to wait on instead of a
 * fixed-interval poll; -errno (e.g. no folder yet) when there is none. */
int cri_log_reader_watch(struct cri_log_reader *r);
/* Discard the events pending on r's watch fd. */
void cri_log_reader_watch_clear(struct cri_log_reader *r);

/* The termination message of FallbackToLogsOnError (kubelet): the text of
 * the last max_lines lines of the CRI log file path alone (not its rotated
 * files), then its last max_bytes bytes. *ret (caller frees) is NULL when
 * there is nothing. 0 or -errno. */
int cri_log_tail_text(const char *path, long max_lines, size_t max_bytes, char **ret,
                      struct pp_error *err);

/* Print the text of a CRI log (rotated files, then path) to out_fd as
 * `kubectl logs` does. A missing file prints nothing. Malformed records are
 * skipped. 0 or -errno. */
int cri_log_print(const char *path, int out_fd, const struct cri_log_read_opts *o,
                  struct pp_error *err);
