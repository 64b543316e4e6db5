/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the subcommands: state folders, kubectl-style output. */
#pragma once

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <sys/types.h>

struct pod_paths;
struct pod_record;
struct pod;
struct manifest_doc;
struct manifest_ref;
struct json_object;
struct pod_selector;

/* The paths for this invocation (exits 1 with a message on a bad root). */
const struct pod_paths *cli_paths(void);
/* kubectl's HumanDuration of now - t ("5s", "3m2s", "2d"...) into buf. */
const char *cli_age(int64_t t, char *buf, size_t size);
/* kubectl's STATUS column of a pod. Borrowed or static string. */
const char *cli_pod_status(const struct pod_record *rec, char *buf, size_t size);
/* Read and parse the manifest at path ("-" = stdin): Pods, ConfigMaps and
 * Secrets, every document validated and defaulted. *ret_docs caller frees
 * with manifest_docs_free(). 0, or -1 with the error line printed. */
int cli_parse_manifest(const char *path, struct manifest_doc **ret_docs, size_t *ret_n);
/* The kind, namespace and name of each document at path, as kubectl
 * delete -f reads them. *ret_refs caller frees with manifest_refs_free().
 * 0, or -1 with the error line printed. */
int cli_parse_manifest_refs(const char *path, struct manifest_ref **ret_refs, size_t *ret_n);

/* A failed lookup's exit status: -ENOENT is kubectl's `Error from server
 * (NotFound): MSG` (0 when ignore_not_found), anything else an error line. */
int cli_server_error(int r, const char *msg, bool ignore_not_found);
/* o as -o json (pretty, as kubectl) or -o yaml prints it, to stdout. */
void cli_print_json(json_object *o, bool yaml);

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

/* Print text (lines ending in '\n', cells ending in '\t') aligned as Go's
 * text/tabwriter does with kubectl describe's settings (padding 2).
 * Modifies text. */
void cli_tw_print(char *text);
/* describe's Labels (sep "=") or Annotations (sep ": ") to f: sorted, one
 * a line, "<none>" when empty; cells for cli_tw_print(). */
void cli_print_map(FILE *f, const char *title, char *const *keys, char *const *values,
                   const char *sep);

/* describe's "Exposure:" section of a pod with shareProcessNamespace
 * (nothing for another pod): per container (app containers and sidecars)
 * its main process's uid, gid, groups and capabilities as its bundle says, its
 * Secret and credential-like variables, and what each sibling can do to
 * it (pod/exposure.h); cells for cli_tw_print(). */
void cli_print_exposure(FILE *f, const struct pod_record *rec);
/* apply's warnings, kubectl's "Warning: ..." lines on stderr: one per
 * container of a shareProcessNamespace pod that has a Secret or
 * credential-like variable and a sibling that can read its environ. */
void cli_warn_exposure(const struct pod_record *rec);

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

/* Print text (lines ending in '\n', cells ending in '\t') aligned as Go's
 * text/tabwriter does for kubectl describe (padding 2). Modifies text. */
void cli_tw_print(char *text);
/* kubectl's time.RFC1123Z of t in local time into buf; "<unknown>" for 0. */
const char *cli_rfc1123z(int64_t t, char *buf, size_t size);

/* kubectl's List of items (an array, taken); caller puts. */
struct json_object *cli_list_new(struct json_object *items);

/* The node (cmd-node.c): is s "nodes", "node" or "no"? */
bool cli_is_node_resource(const char *s);
/* get nodes [NAME...]: output NULL (the table), "wide", "json", "yaml" or
 * "name". The exit status. */
int cli_node_get(char **names, const char *output, bool no_headers);
/* describe pod's Node-Selectors and Tolerations lines (tab-separated). */
void cli_print_sched(FILE *f, const struct pod *pod);
/* describe nodes [NAME...]: kubectl's layout. The exit status. */
int cli_node_describe(char **names);
