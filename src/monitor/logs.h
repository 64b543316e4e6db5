/* SPDX-License-Identifier: Apache-2.0 */
/* Container logs in the CRI format (kubelet's pkg/kubelet/kuberuntime/logs):
 * one record per line, `<RFC3339Nano> <stdout|stderr> <F|P> <text>`, where P
 * marks a partial line (a line longer than 16 KiB is split into P records
 * closed by an F record). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct pp_error;

#define CRI_LOG_MAX_LINE 16384

enum cri_stream {
	CRI_STDOUT,
	CRI_STDERR,
};

struct cri_log {
	int fd;                        /* append-only log file, -1 when closed */
	char buf[2][CRI_LOG_MAX_LINE]; /* pending partial line per stream */
	size_t len[2];
};

/* Open (create, append) path, creating its folder. 0 or -errno. */
int cri_log_open(struct cri_log *log, const char *path, struct pp_error *err);
/* Feed n bytes read from a stream; complete lines are written at once. */
void cri_log_feed(struct cri_log *log, enum cri_stream s, const char *data, size_t n);
/* Write out a stream's pending partial line (at EOF). */
void cri_log_flush(struct cri_log *log, enum cri_stream s);
/* Flush both streams and close. */
void cri_log_close(struct cri_log *log);

struct cri_log_read_opts {
	bool timestamps; /* prefix each line with its RFC3339Nano time */
	long tail;       /* last N lines only; -1 all */
};

/* Print the text of a CRI log file to out_fd as `kubectl logs` does. A
 * missing file prints nothing. Malformed records are skipped. 0 or -errno. */
int cri_log_print(const char *path, int out_fd, const struct cri_log_read_opts *o,
                  struct pp_error *err);
