/* SPDX-License-Identifier: Apache-2.0 */
/* The wire between a pod's monitor and its clients (src/client): the files
 * in the pod folder, the notify lines the monitor reports its start with,
 * the control socket's requests and attach's frames. Both sides include
 * this; nothing here links either. */
#pragma once

#include <stdint.h>

/* In the pod folder RUN/pods/<uid>/. */
#define MON_SOCK_FILE "monitor.sock" /* the control socket, SOCK_STREAM */
#define MON_LOCK_FILE "monitor.lock" /* flock()ed while a monitor lives */
#define MON_LOG_FILE  "monitor.log"  /* the monitor's stdout and stderr */
/* The progress of the monitor's image pulls, appended: for each pull a line
 * MON_PULL_LINE REF, then img_progress_format() lines (image/image.h). */
#define MON_PULL_FILE "pull.progress"
#define MON_PULL_LINE "pull "

/* The notify pipe (fd 3 of `peapod monitor --notify-fd=3`): "warning: MSG"
 * lines, then "ok" or "error: MSG", each ending in '\n'. */
#define MON_NOTIFY_OK      "ok"
#define MON_NOTIFY_ERROR   "error: "
#define MON_NOTIFY_WARNING "warning: "

/* Control requests, one line each:
 *   "delete [GRACE]\n"  delete the pod (GRACE seconds, else the pod's
 *                       own); the monitor closes the connection when the
 *                       pod is gone.
 *   "update\n"          apply the pod folder's update.json (pod/update.h)
 *                       to the record; the answer is "ok\n" or
 *                       "error MSG\n".
 *   "debug\n"           add the pod folder's MON_DEBUG_FILE (an
 *                       EphemeralContainer object) to the pod, as the API
 *                       server's ephemeralcontainers subresource; the
 *                       answer is "ok\n" or "error MSG\n" (its words).
 *   "attach CTR FLAGS\n" FLAGS "-", or letters: i = stdin, t = terminal;
 *                       the answer is "ok\n" or "error MSG\n", then
 *                       frames both ways. */
#define MON_REQ_DELETE "delete"
#define MON_REQ_ATTACH "attach"
#define MON_REQ_UPDATE "update"
#define MON_REQ_DEBUG  "debug"
/* the ephemeral container of a debug request, written under an flock of
 * MON_DEBUG_FILE ".lock" held until the answer */
#define MON_DEBUG_FILE  "debug.json"
#define MON_REPLY_OK    "ok"
#define MON_REPLY_ERROR "error "

/* An attach frame: 1 byte type, 4 bytes big-endian length, the payload (at
 * most ATTACH_FRAME_MAX bytes). The client half-closes its side (shutdown
 * SHUT_WR) when its stdin ends; the monitor closes the connection when the
 * container exits or the client detaches. */
#define ATTACH_FRAME_MAX 32768
#define ATTACH_HDR       5

enum attach_frame {
	ATTACH_STDIN = 0,  /* client → monitor: bytes for the container's stdin */
	ATTACH_STDOUT = 1, /* monitor → client: what the container wrote (or its pty) */
	ATTACH_STDERR = 2, /* monitor → client */
	ATTACH_EXIT = 3,   /* monitor → client: 4 bytes, the exit code, then close */
	ATTACH_RESIZE = 4, /* client → monitor: rows, cols (2 bytes each) */
};

static inline void attach_put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static inline uint32_t attach_get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
