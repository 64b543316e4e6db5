/* SPDX-License-Identifier: Apache-2.0 */
/* Pull progress as text lines, so the process that pulls (the monitor's
 * pull child) can hand its progress to the one that shows it (apply). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"
#include "image/internal.h"

static const char *const state_names[] = {
    [IMG_PROGRESS_START] = "start",       [IMG_PROGRESS_BYTES] = "bytes",
    [IMG_PROGRESS_DONE] = "done",         [IMG_PROGRESS_CACHED] = "cached",
    [IMG_PROGRESS_MANIFEST] = "manifest",
};

size_t img_progress_format(const struct img_progress *p, char buf[IMG_PROGRESS_LINE])
{
	const char *hex = p->hex && img_is_hex(p->hex, IMG_HEX_LEN) ? p->hex : "-";
	const char *kind =
	    p->kind && strchr(p->kind, ' ') == NULL && strlen(p->kind) < 16 ? p->kind : "-";
	int n = snprintf(buf, IMG_PROGRESS_LINE, "%s %s %s %" PRId64 " %" PRId64 "\n",
	                 state_names[p->state], kind, hex, p->done, p->total);

	return n < 0 ? 0 : (size_t)n;
}

static int parse_i64(const char *s, int64_t *ret)
{
	char *end = NULL;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -EINVAL;
	*ret = v;
	return 0;
}

int img_progress_parse(char *line, struct img_progress *ret)
{
	char *f[5], *save = NULL, *tok;
	struct img_progress p = {0};
	size_t n = 0, len = strlen(line);
	size_t i;

	if (len > 0 && line[len - 1] == '\n')
		line[len - 1] = '\0';
	for (tok = strtok_r(line, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (n == 5)
			return -EINVAL;
		f[n++] = tok;
	}
	if (n != 5)
		return -EINVAL;
	for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (strcmp(f[0], state_names[i]) == 0)
			break;
	if (i == sizeof(state_names) / sizeof(state_names[0]))
		return -EINVAL;
	if (strcmp(f[2], "-") != 0 && !img_is_hex(f[2], IMG_HEX_LEN))
		return -EINVAL;
	if (parse_i64(f[3], &p.done) < 0 || parse_i64(f[4], &p.total) < 0)
		return -EINVAL;
	p.state = (enum img_progress_state)i;
	p.kind = f[1];
	p.hex = f[2];
	*ret = p;
	return 0;
}
