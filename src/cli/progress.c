/* SPDX-License-Identifier: Apache-2.0 */
/* Pull progress as podman prints it without a terminal: one line when a
 * blob is done or skipped, and one when the manifest is written. */
#include "cli/progress.h"

#include <stdlib.h>

#include "image/image.h"
#include "util/xalloc.h"

struct cli_progress {
	FILE *out;
	bool tty;
};

struct cli_progress *cli_progress_new(FILE *out, bool tty)
{
	struct cli_progress *p = xcalloc(1, sizeof(*p));

	p->out = out;
	p->tty = tty;
	return p;
}

void cli_progress_event(struct cli_progress *p, const struct img_progress *ev)
{
	if (ev->state == IMG_PROGRESS_MANIFEST)
		fprintf(p->out, "Writing manifest to image destination\n");
	else if (ev->state == IMG_PROGRESS_CACHED)
		fprintf(p->out, "Copying %s sha256:%s skipped: already exists\n", ev->kind,
		        ev->hex);
	else if (ev->state == IMG_PROGRESS_DONE)
		fprintf(p->out, "Copying %s sha256:%s done\n", ev->kind, ev->hex);
	fflush(p->out);
}

struct cli_progress *cli_progress_free(struct cli_progress *p)
{
	free(p);
	return NULL;
}
