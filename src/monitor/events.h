/* SPDX-License-Identifier: Apache-2.0 */
/* A pod's Kubernetes-style events (what the kubelet reports: Pulled,
 * Created, Started, Killing, BackOff, Failed), kept in the append-only file
 * RUN/pods/<uid>/events.jsonl, one JSON object a line:
 * {"type":"Normal","reason":"Started","message":"...","count":1,
 *  "firstTimestamp":"...","lastTimestamp":"..."}.
 * The monitor appends; `peapod describe` reads them back aggregated. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct pp_error;

/* An event; times are seconds since the epoch. */
struct pod_event {
	char *type; /* "Normal" or "Warning" */
	char *reason;
	char *message;
	int count;
	int64_t first;
	int64_t last;
};

/* Append an event (message printf-style) to pod_dir/events.jsonl. Best
 * effort: a failure is logged, never fatal; the file stops growing at
 * 1 MiB. */
void pod_event_add(const char *pod_dir, const char *type, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Read the events of pod_dir, identical ones (type, reason, message)
 * aggregated as the kubelet's event recorder does (count summed, first and
 * last times kept), sorted by last time. Malformed lines are skipped; a
 * missing file is no event. *ret (free with pod_events_free) and *ret_n.
 * 0 or -errno. */
int pod_events_read(const char *pod_dir, struct pod_event **ret, size_t *ret_n,
                    struct pp_error *err);
void pod_events_free(struct pod_event *ev, size_t n);
