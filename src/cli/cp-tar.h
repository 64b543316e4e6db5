/* SPDX-License-Identifier: Apache-2.0 */
/* The host side of peapod cp: the tar stream a container's tar reads or
 * writes, made from or extracted into a local path with libarchive. */
#pragma once

struct pp_error;

/* Extract the tar stream read from fd (borrowed) to dest as kubectl cp
 * does: the entry named prefix becomes dest, prefix/REST becomes
 * dest/REST. Only folders and regular files are written; symlinks and
 * entries that would land outside dest are skipped with kubectl's
 * warnings on stderr; extraction refuses "..", absolute paths and writes
 * through symlinks (libarchive's SECURE flags). Changes the working
 * directory to dest's parent. 0 or -errno. */
int cp_untar(int fd, const char *prefix, const char *dest, struct pp_error *err);

/* Write src (a file or a folder, recursively; symlinks as symlinks) as a
 * tar stream to fd (borrowed), its entries named name and name/REST.
 * 0 or -errno. */
int cp_tar(const char *src, const char *name, int fd, struct pp_error *err);
