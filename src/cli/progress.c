/* SPDX-License-Identifier: Apache-2.0 */
/* Pull progress as podman prints it: on a terminal, one line per blob
 * redrawn in place (ANSI cursor-up) with a bar, bytes done and total, and
 * the rate; otherwise one line when a blob is done or skipped, and one when
 * the manifest is written. */
#include "cli/progress.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sys/ioctl.h>

#include "image/image.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define MAX_ROWS  256
#define SHORT_HEX 12
#define BAR_WIDTH 20
#define REDRAW_NS (100LL * 1000 * 1000) /* at most 10 redraws a second */
#define KIND_MAX  16

enum row_state { ROW_RUNNING, ROW_DONE, ROW_CACHED };

struct row {
	char hex[SHORT_HEX + 1];
	char kind[KIND_MAX];
	enum row_state state;
	int64_t done, total;
	int64_t start_ns, start_done; /* for the rate */
};

struct cli_progress {
	FILE *out;
	bool tty;
	struct row rows[MAX_ROWS];
	size_t nrows;
	size_t drawn;    /* lines of the last redraw, to move up over */
	int64_t last_ns; /* when it was */
};

struct cli_progress *cli_progress_new(FILE *out, bool tty)
{
	struct cli_progress *p = xcalloc(1, sizeof(*p));

	p->out = out;
	p->tty = tty;
	return p;
}

/* "12.3MiB", go-units' BytesSize as podman shows it. */
static void human(int64_t n, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	(void)snprintf(buf, len, u == 0 ? "%.0f%s" : "%.1f%s", v, units[u]);
}

/* The terminal's width in columns; 0 when unknown. */
static int term_cols(FILE *f)
{
	struct winsize ws;

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) < 0)
		return 0;
	return ws.ws_col;
}

/* One row, cut to the terminal's width so that it never wraps (a wrapped
 * row would throw the cursor-up redraw off). */
static void draw_row(struct cli_progress *p, const struct row *r, int64_t now, int cols)
{
	char bar[BAR_WIDTH + 1], done[32], total[32], rate[32], line[256];
	int64_t ns = now - r->start_ns;
	int fill = r->total > 0 ? (int)(r->done * BAR_WIDTH / r->total) : 0;

	if (r->state != ROW_RUNNING) {
		(void)snprintf(line, sizeof(line), "Copying %s %s%s", r->kind, r->hex,
		               r->state == ROW_DONE ? " done" : " skipped: already exists");
	} else {
		for (int i = 0; i < BAR_WIDTH; i++)
			bar[i] = (char)(i < fill ? '=' : i == fill ? '>' : '-');
		bar[BAR_WIDTH] = '\0';
		human(r->done, done, sizeof(done));
		human(r->total, total, sizeof(total));
		human(ns > 0 ? (int64_t)((double)(r->done - r->start_done) * 1e9 / (double)ns) : 0,
		      rate, sizeof(rate));
		(void)snprintf(line, sizeof(line), "Copying %s %s [%s] %s / %s | %s/s", r->kind,
		               r->hex, bar, done, total, rate);
	}
	fprintf(p->out, "\r\033[K%.*s\n", cols > 1 ? cols - 1 : (int)sizeof(line), line);
}

static void redraw(struct cli_progress *p)
{
	int64_t now = pp_now_ns();
	int cols = term_cols(p->out);

	if (p->drawn > 0)
		fprintf(p->out, "\033[%zuA", p->drawn);
	for (size_t i = 0; i < p->nrows; i++)
		draw_row(p, &p->rows[i], now, cols);
	p->drawn = p->nrows;
	p->last_ns = now;
	(void)fflush(p->out);
}

/* The row of ev's blob, added when new; NULL when there is no room. */
static struct row *row_of(struct cli_progress *p, const struct img_progress *ev)
{
	struct row *r;

	for (size_t i = 0; i < p->nrows; i++)
		if (strncmp(p->rows[i].hex, ev->hex, SHORT_HEX) == 0)
			return &p->rows[i];
	if (p->nrows == MAX_ROWS)
		return NULL;
	r = &p->rows[p->nrows++];
	memset(r, 0, sizeof(*r));
	(void)snprintf(r->hex, sizeof(r->hex), "%s", ev->hex);
	(void)snprintf(r->kind, sizeof(r->kind), "%s", ev->kind);
	r->start_ns = pp_now_ns();
	r->start_done = ev->done;
	return r;
}

static void tty_event(struct cli_progress *p, const struct img_progress *ev)
{
	struct row *r;

	if (ev->state == IMG_PROGRESS_MANIFEST) {
		redraw(p);
		p->nrows = p->drawn = 0;
		fprintf(p->out, "Writing manifest to image destination\n");
		(void)fflush(p->out);
		return;
	}
	r = row_of(p, ev);
	if (r == NULL)
		return;
	r->done = ev->done;
	r->total = ev->total;
	if (ev->state == IMG_PROGRESS_START) {
		r->start_ns = pp_now_ns();
		r->start_done = ev->done;
	}
	r->state = ev->state == IMG_PROGRESS_DONE     ? ROW_DONE
	           : ev->state == IMG_PROGRESS_CACHED ? ROW_CACHED
	                                              : ROW_RUNNING;
	if (ev->state != IMG_PROGRESS_BYTES || pp_now_ns() - p->last_ns >= REDRAW_NS)
		redraw(p);
}

void cli_progress_event(struct cli_progress *p, const struct img_progress *ev)
{
	if (p->tty) {
		tty_event(p, ev);
		return;
	}
	if (ev->state == IMG_PROGRESS_MANIFEST)
		fprintf(p->out, "Writing manifest to image destination\n");
	else if (ev->state == IMG_PROGRESS_CACHED)
		fprintf(p->out, "Copying %s sha256:%s skipped: already exists\n", ev->kind,
		        ev->hex);
	else if (ev->state == IMG_PROGRESS_DONE)
		fprintf(p->out, "Copying %s sha256:%s done\n", ev->kind, ev->hex);
	(void)fflush(p->out);
}

struct cli_progress *cli_progress_free(struct cli_progress *p)
{
	if (p == NULL)
		return NULL;
	if (p->tty && p->nrows > 0)
		redraw(p);
	free(p);
	return NULL;
}
