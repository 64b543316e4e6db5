/* SPDX-License-Identifier: Apache-2.0 */
/* Pull progress on the terminal, as podman shows it: `image pull` and
 * `apply` (while the monitor pulls) feed it img_progress events. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct img_progress;
struct cli_progress; /* opaque */

/* A display writing to out (borrowed): with tty, one line per blob redrawn
 * in place with bytes done, total and rate; without, podman's plain lines
 * ("Copying blob sha256:... done"). Caller frees with cli_progress_free(). */
struct cli_progress *cli_progress_new(FILE *out, bool tty);

/* Show one event (borrowed for the call). Not thread-safe: one call at a
 * time, as img_store_pull makes them. */
void cli_progress_event(struct cli_progress *p, const struct img_progress *ev);

/* Finish the display (the last redraw) and free it. NULL-safe; returns NULL. */
struct cli_progress *cli_progress_free(struct cli_progress *p);
