/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go): a
 * projected volume's files written so a reader sees the old set or the new
 * one, never a mix. The volume folder holds `..<timestamp>/` with the
 * files, `..data` -> that folder (swapped by renaming a temporary
 * symlink), and for each top-level name `<name> -> ..data/<name>`. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <sys/types.h>

struct pp_error;

/* One file of a payload: a relative path (no ".." element, not starting
 * with ".."), its bytes and its mode. */
struct pod_payload_file {
	char *path;
	unsigned char *data;
	size_t len;
	mode_t mode;
};

struct pod_payload {
	struct pod_payload_file *files;
	size_t n;
};

/* Add a file (path and data copied) to pl. */
void pod_payload_add(struct pod_payload *pl, const char *path, const void *data, size_t len,
                     mode_t mode);
/* Free pl's files and reset it to empty. */
void pod_payload_clear(struct pod_payload *pl);

/* Write pl into folder dir (which must exist) as above. When the files
 * under ..data already hold exactly pl (same paths, bytes and modes),
 * nothing is written and *ret_changed is false. Otherwise a new timestamped
 * folder is filled, ..data swapped to it, the top-level symlinks added or
 * removed and the old folder removed; *ret_changed is true. A path that
 * would escape dir, or two files at one path, is -EINVAL (nothing written).
 * 0 or -errno. */
int pod_atomic_write(const char *dir, const struct pod_payload *pl, bool *ret_changed,
                     struct pp_error *err);
