/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the subcommands: state folders, kubectl-style output. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

struct pod_paths;
struct pod_record;
struct pod;
struct pod_selector;

/* The paths for this invocation (exits 1 with a message on a bad root). */
const struct pod_paths *cli_paths(void);
/* kubectl's HumanDuration of now - t ("5s", "3m2s", "2d"...) into buf. */
const char *cli_age(int64_t t, char *buf, size_t size);
/* kubectl's STATUS column of a pod. Borrowed or static string. */
const char *cli_pod_status(const struct pod_record *rec, char *buf, size_t size);
/* Read and parse the Pod manifest at path ("-" = stdin): every document
 * validated and defaulted. *ret_pods caller frees with pod_free_all().
 * 0, or -1 with the error line printed. */
int cli_parse_manifest(const char *path, struct pod **ret_pods, size_t *ret_n);

/* The manifest files -f PATH names: PATH itself, or the .yaml, .yml and
 * .json files of a folder, sorted (kubectl). Caller strv_free()s. */
char **cli_manifest_files(const char *path);

/* A table printed as kubectl prints one: each column as wide as its widest
 * cell, three spaces between columns, the header row first. */
struct cli_table {
	size_t ncols;
	size_t nrows;
	char **cells; /* nrows * ncols, owned */
};

void cli_table_init(struct cli_table *t, size_t ncols);
/* Append a row of t->ncols cells (copied). */
void cli_table_add(struct cli_table *t, const char *const *row);
void cli_table_print(const struct cli_table *t);
void cli_table_free(struct cli_table *t);

/* The verb being run ("get", "image"...), for "See 'peapod VERB --help'". */
extern const char *cli_verb;
/* Print VERB's help to stdout as kubectl does (description, Examples:,
 * Options:, Usage:). -1 when VERB has no help entry (help.c). */
int cli_print_help(const char *verb);
/* VERB's one-line description for `peapod --help`; NULL if none. */
const char *cli_verb_summary(const char *verb);
/* Is -h or --help among the arguments (before "--")? */
bool cli_help_requested(int argc, char **argv);
/* getopt_long() that reports a bad option in kubectl's words ("error:
 * unknown flag: --foo" + "See 'peapod VERB --help' for usage.") and then
 * returns '?'. */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* The container a verb acts on: want (-c; NULL: the first app container,
 * with kubectl's "Defaulted container" notice when there are several).
 * NULL, reported as kubectl does, when want is not a container of rec.
 * Borrowed from rec. */
const char *cli_pick_container(const struct pod_record *rec, const char *want);
/* Wait for child pid: its exit status, or 128 + the signal that ended it. */
int cli_wait_exit(pid_t pid);

/* Keep the records of recs[0..*n) whose labels sel selects (in order),
 * free the others; *n becomes their count (cmd-get.c). */
void cli_pods_select(struct pod_record **recs, size_t *n, const struct pod_selector *sel);

/* A pod named as kubectl takes it: NAME, pod/NAME, pods/NAME or po/NAME.
 * Returns the NAME part of arg (borrowed). */
const char *cli_pod_name(const char *arg);
