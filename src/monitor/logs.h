/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor's CRI log writer (the format is pod/crilog.h's): a line longer
 * than 16 KiB is split into P records closed by an F record; files rotate as
 * the kubelet's container log manager rotates them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pod/crilog.h"

struct pp_error;

#define CRI_LOG_MAX_LINE  16384
#define CRI_LOG_MAX_SIZE  ((uint64_t)10 * 1024 * 1024) /* kubelet containerLogMaxSize */
#define CRI_LOG_MAX_FILES 5                            /* kubelet containerLogMaxFiles */

enum cri_stream {
	CRI_STDOUT,
	CRI_STDERR,
};

struct cri_log {
	int fd;                        /* append-only log file, -1 when closed */
	char *path;                    /* the current file; owned */
	uint64_t size;                 /* bytes in the current file */
	uint64_t max_size;             /* rotate rather than grow past this */
	int max_files;                 /* current plus rotated files kept */
	char buf[2][CRI_LOG_MAX_LINE]; /* pending partial line per stream */
	size_t len[2];
};

/* Open (create, append) path, creating its folder. The rotation limits are
 * the kubelet's defaults unless PEAPOD_LOG_MAX_SIZE (bytes) or
 * PEAPOD_LOG_MAX_FILES (>= 2) say otherwise. 0 or -errno. */
int cri_log_open(struct cri_log *log, const char *path, struct pp_error *err);
/* Feed n bytes read from a stream; complete lines are written at once. A
 * record that would take the file past max_size first rotates it. */
void cri_log_feed(struct cri_log *log, enum cri_stream s, const char *data, size_t n);
/* Write out a stream's pending partial line (at EOF). */
void cri_log_flush(struct cri_log *log, enum cri_stream s);
/* Flush both streams and close. */
void cri_log_close(struct cri_log *log);
