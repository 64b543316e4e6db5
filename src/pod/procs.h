/* SPDX-License-Identifier: Apache-2.0 */
/* The processes of a running pod (peapod ps): each matched to the sandbox
 * or to its container by cgroup membership, with its PID inside the pod
 * and on the host, its user and its arguments. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

struct pp_error;
struct pod_paths;
struct pod_record;

/* One process. Strings owned by the struct. */
struct pod_proc {
	long ctr;       /* container idx (pod_ctr_spec()), -1: the sandbox (pause) */
	pid_t pid;      /* in its PID namespace (NSpid's last field): the pod's when
	                 * shareProcessNamespace, else its container's */
	pid_t host_pid; /* in ours */
	uint32_t uid;   /* effective uid in its user namespace (the container's view) */
	char *user;     /* uid's name in its container's /etc/passwd, else the number */
	char *cmd;      /* the arguments joined by spaces, bytes that are not printable
	                 * UTF-8 as \xHH; "[comm]" when it has none (a zombie) */
};

/* Every process of the pod rec whose cgroup (/proc/PID/cgroup, the cgroup
 * v2 line, on unified and hybrid hosts) is the sandbox's or a container's
 * (or below it), in order: the sandbox, the init containers, the app
 * containers (each in spec order), then by pid. /proc data of a container
 * is untrusted: reads are bounded (arguments cut at 4096 bytes, "..."
 * added), a process that ends while it is read is left out. *ret caller
 * frees with pod_procs_free(); it may be empty (nothing runs). 0 or
 * -errno (/proc unreadable). */
int pod_procs_list(const struct pod_paths *paths, const struct pod_record *rec,
                   struct pod_proc **ret, size_t *ret_n, struct pp_error *err);
void pod_procs_free(struct pod_proc *procs, size_t n);

/* The bytes s[0..n) as one printable line: NULs (argument separators) as
 * spaces, trailing ones dropped, valid UTF-8 kept, other control or
 * invalid bytes as \xHH. Caller frees. */
char *pod_procs_escape(const char *s, size_t n);
