/* SPDX-License-Identifier: Apache-2.0 */
/* Where peapod keeps things. ROOT (default /var/lib/peapod) holds images and
 * logs; RUN (default /run/peapod, or ROOT/run when a root is given) holds
 * pods and runtime state. PEAPOD_ROOT or --root moves everything. */
#pragma once

struct pp_error;

struct pod_paths {
	char *root;    /* ROOT */
	char *run;     /* RUN */
	char *images;  /* ROOT/images */
	char *logs;    /* ROOT/logs */
	char *pods;    /* RUN/pods: <uid>/ per pod */
	char *names;   /* RUN/names: <namespace>_<name> → <uid> symlinks */
	char *runtime; /* RUN/runtime: the runtime's state root */
	/* CNI: $PEAPOD_CNI_CONF_DIR (default /etc/cni/net.d) and
	 * $PEAPOD_CNI_BIN_DIR (folders separated by ':', default
	 * /usr/lib/cni:/opt/cni/bin) */
	char *cni_conf_dir;
	char *cni_bin_dirs;
};

/* Fill ret from root (NULL → $PEAPOD_ROOT → defaults) and the CNI
 * variables; creates nothing.
 * Members caller-freed with pod_paths_clear(). 0 or -EINVAL (relative root). */
int pod_paths_init(const char *root, struct pod_paths *ret, struct pp_error *err);
void pod_paths_clear(struct pod_paths *p);
/* Create the folders (0700 for RUN, 0755 for ROOT). 0 or -errno. */
int pod_paths_ensure(const struct pod_paths *p, struct pp_error *err);
