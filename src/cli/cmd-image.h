/* SPDX-License-Identifier: Apache-2.0 */
/* The `peapod image` subcommands split over cmd-image.c (load, pull, ls,
 * mount) and cmd-image-store.c (inspect, tag, rm, prune, save). */
#pragma once

struct img_store;

/* Open the store of this invocation into *ret (caller frees with
 * img_store_free()). 0, or 1 with the error printed. */
int cli_image_store(struct img_store **ret);
void cli_store_freep(struct img_store **s);

/* Each takes argv[0] = the subcommand and returns the exit code. */
int cli_image_inspect(int argc, char **argv);
int cli_image_tag(int argc, char **argv);
int cli_image_rm(int argc, char **argv);
int cli_image_prune(int argc, char **argv);
int cli_image_save(int argc, char **argv);
