/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's Kubernetes-style events, kept in the append-only file
 * RUN/pods/<uid>/events.jsonl, one JSON object a line:
 * {"type":"Normal","reason":"Started","message":"...","count":1,
 *  "firstTimestamp":"...","lastTimestamp":"..."}.
 * The monitor appends; `peapod describe` reads them back aggregated,
 * without a monitor. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

struct pp_error;

#define POD_EVENTS_FILE      "events.jsonl"
#define POD_EVENTS_MAX_BYTES ((off_t)1024 * 1024) /* the file grows no further */
#define POD_EVENT_MAX_MSG    ((off_t)1024)        /* a message's bytes, its NUL included */

/* An event; times are seconds since the epoch. */
struct pod_event {
	char *type; /* "Normal" or "Warning" */
	char *reason;
	char *message;
	int count;
	int64_t first;
	int64_t last;
};

/* Append one event, stamped now, to pod_dir's events file in one write (so
 * appends never interleave). Borrows every string. 0, also when the file
 * is full (POD_EVENTS_MAX_BYTES) and the event dropped, or -errno. */
int pod_event_append(const char *pod_dir, const char *type, const char *reason, const char *msg,
                     struct pp_error *err);

/* Read the events of pod_dir, identical ones (type, reason, message)
 * aggregated as the kubelet's event recorder does (count summed, first and
 * last times kept), sorted by last time. Malformed lines are skipped; a
 * missing file is no event. *ret (free with pod_events_free) and *ret_n.
 * 0 or -errno. */
int pod_events_read(const char *pod_dir, struct pod_event **ret, size_t *ret_n,
                    struct pp_error *err);
void pod_events_free(struct pod_event *ev, size_t n);

/* The component that reports events of this reason: "default-scheduler"
 * for FailedScheduling and Scheduled, else "kubelet". Static string. */
const char *pod_event_source(const char *reason);
