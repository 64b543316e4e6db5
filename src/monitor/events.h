/* SPDX-License-Identifier: Apache-2.0 */
/* The monitor records a pod's Kubernetes-style events (what the kubelet
 * reports: Pulled, Created, Started, Killing, BackOff, Failed) in the pod's
 * events file (pod/events.h). */
#pragma once

/* Append an event (message printf-style, cut at POD_EVENT_MAX_MSG) to
 * pod_dir's events file. Best effort: a failure is logged, never fatal;
 * the file stops growing at 1 MiB. */
void pod_event_add(const char *pod_dir, const char *type, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
