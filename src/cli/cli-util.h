/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the subcommands: state folders, kubectl-style output. */
#pragma once

#include <stdint.h>
#include <stddef.h>

struct pod_paths;
struct pod_record;

/* The paths for this invocation (exits 1 with a message on a bad root). */
const struct pod_paths *cli_paths(void);
/* kubectl's HumanDuration of now - t ("5s", "3m2s", "2d"...) into buf. */
const char *cli_age(int64_t t, char *buf, size_t size);
/* kubectl's STATUS column of a pod. Borrowed or static string. */
const char *cli_pod_status(const struct pod_record *rec, char *buf, size_t size);
/* Read all manifest text from path ("-" = stdin). Caller frees. 0 or -1 (printed). */
int cli_read_manifest(const char *path, char **ret, size_t *ret_len);
