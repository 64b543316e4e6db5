/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the peapod subcommands: global options and the command
 * signature. Each cmd-<verb>.c parses its own options and calls the pod,
 * image or monitor layer; no logic lives here. */
#pragma once

/* A subcommand: argv[0] is the verb ("apply", "image", ...). Returns the
 * process exit status (0 success, 1 error as kubectl). */
typedef int (*cli_cmd_fn)(int argc, char **argv);

/* Global options (set by main.c before the subcommand runs). */
extern const char *arg_root; /* --root or $PEAPOD_ROOT; NULL → default */

/* The state folders derived from arg_root; strings live for the process.
 * ROOT defaults to /var/lib/peapod; RUN to /run/peapod, or ROOT/run when a
 * root is given. */
const char *cli_root_dir(void);   /* ROOT */
const char *cli_images_dir(void); /* ROOT/images */

int cmd_apply(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_describe(int argc, char **argv); /* describe pod NAME [-n NS] */
int cmd_exec(int argc, char **argv);
int cmd_attach(int argc, char **argv); /* attach [-i] [-t] POD [-c CONTAINER] */
int cmd_logs(int argc, char **argv);
int cmd_delete(int argc, char **argv);
/* create configmap|secret generic|secret docker-registry NAME [sources] */
int cmd_create(int argc, char **argv);
int cmd_image(int argc,
              char **argv); /* image load, pull, ls, inspect, tag, rm, prune, save, mount */
/* port-forward [--address ADDR] POD [LOCAL:]REMOTE... */
int cmd_port_forward(int argc, char **argv);
int cmd_label(int argc, char **argv);    /* label pod|node NAME k=v k- [--overwrite] */
int cmd_annotate(int argc, char **argv); /* annotate pod|node NAME k=v k- [--overwrite] */
int cmd_taint(int argc, char **argv);    /* taint node NAME k=v:Effect k:Effect- k- */
/* top pod [NAME] [-n NS | -A] [--containers] [-l SELECTOR] */
int cmd_top(int argc, char **argv);
/* ps POD [-n NS] [-o json|yaml] [--no-headers] */
int cmd_ps(int argc, char **argv);
/* cp [-c CONTAINER] [-n NS] SRC DEST, one of them [NS/]POD:PATH */
int cmd_cp(int argc, char **argv);
int cmd_monitor(int argc, char **argv); /* internal: peapod monitor NAMESPACE/NAME */
