/* SPDX-License-Identifier: Apache-2.0 */
/* peapod image load|pull|ls|mount|umount and the dispatch of every image
 * subcommand: option parsing and output over the image store (src/image). */
#include "cli/cmd-image.h"

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli-util.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "image/image.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/log.h"
#include "util/xalloc.h"

void cli_store_freep(struct img_store **s)
{
	img_store_free(*s);
}

/* Say why a command waits, as podman does for its storage lock. */
static void store_wait_notice(const char *why)
{
	log_info("%s", why);
}

int cli_image_store(struct img_store **ret)
{
	struct pp_error err = {0};

	if (img_store_open(cli_images_dir(), ret, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	img_store_on_wait(*ret, store_wait_notice);
	return 0;
}

static int image_load(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"input", required_argument, NULL, 'i'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_(cli_store_freep) struct img_store *s = NULL;
	cleanup_strv char **refs = NULL;
	struct pp_error err = {0};
	const char *input = NULL;
	unsigned devices = 0;
	int c, quiet = 0;

	optind = 0;
	while ((c = cli_getopt(argc, argv, "+i:q", opts)) != -1) {
		if (c == 'i')
			input = optarg;
		else if (c == 'q')
			quiet = 1;
		else
			return 1;
	}
	if (input == NULL && optind < argc)
		input = argv[optind];
	if (input == NULL) {
		log_error("image load: an archive is required: peapod image load -i FILE");
		return 1;
	}
	if (cli_image_store(&s))
		return 1;
	if (img_store_load(s, input, &refs, &devices, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	if (devices > 0)
		fprintf(stderr,
		        "Warning: %u device node(s) in the image's layers were skipped "
		        "(peapod has no privileged-only images)\n",
		        devices);
	for (char **r = refs; !quiet && r && *r; r++)
		printf("Loaded image: %s\n", *r);
	return 0;
}

static void pull_progress(void *data, const struct img_progress *p)
{
	cli_progress_event(data, p);
}

static int image_pull(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"authfile", required_argument, NULL, 'a'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"registries-conf", required_argument, NULL, 'R'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_(cli_store_freep) struct img_store *s = NULL;
	cleanup_free char *id = NULL;
	struct img_pull_opts po = {.progress = pull_progress};
	struct cli_progress *view = NULL;
	struct pp_error err = {0};
	int c, r;

	optind = 0;
	while ((c = cli_getopt(argc, argv, "+q", opts)) != -1) {
		if (c == 'a')
			po.authfile = optarg;
		else if (c == 'q')
			po.progress = NULL;
		else if (c == 'R')
			po.registries_conf = optarg;
		else
			return 1;
	}
	if (optind + 1 != argc) {
		log_error(
		    "image pull: one reference is required: peapod image pull [--authfile FILE] "
		    "[--registries-conf FILE] REF");
		return 1;
	}
	if (cli_image_store(&s))
		return 1;
	if (po.progress != NULL) {
		fprintf(stderr, "Trying to pull %s...\n", argv[optind]);
		po.data = view = cli_progress_new(stderr, isatty(STDERR_FILENO));
	}
	r = img_store_pull(s, argv[optind], &po, &id, &err);
	cli_progress_free(view);
	if (r < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	printf("%s\n", id + 7);
	return 0;
}

/* Docker's units.HumanDuration, "... ago". */
static char *human_ago(int64_t created)
{
	int64_t d = (int64_t)time(NULL) - created;

	if (created <= 0)
		return xstrdup("unknown");
	if (d < 1)
		return xstrdup("Less than a second ago");
	if (d < 60)
		return xstrfmt("%lld seconds ago", (long long)d);
	if (d < 120)
		return xstrdup("About a minute ago");
	if (d < 3600)
		return xstrfmt("%lld minutes ago", (long long)(d / 60));
	if (d < INT64_C(2) * 3600)
		return xstrdup("About an hour ago");
	if (d < INT64_C(48) * 3600)
		return xstrfmt("%lld hours ago", (long long)(d / 3600));
	if (d < INT64_C(14) * 86400)
		return xstrfmt("%lld days ago", (long long)(d / 86400));
	if (d < INT64_C(60) * 86400)
		return xstrfmt("%lld weeks ago", (long long)(d / (INT64_C(7) * 86400)));
	if (d < INT64_C(730) * 86400)
		return xstrfmt("%lld months ago", (long long)(d / (INT64_C(30) * 86400)));
	return xstrfmt("%lld years ago", (long long)(d / (INT64_C(365) * 86400)));
}

/* podman's size column: decimal units, 3 significant digits. */
static char *human_size(int64_t n)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000.0 && u < 4) {
		v /= 1000.0;
		u++;
	}
	return xstrfmt("%.3g %s", v, units[u]);
}

struct row {
	char *repo, *tag, *id, *created, *size;
};

static void split_ref(const char *ref, char **repo, char **tag)
{
	const char *at = strchr(ref, '@'), *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');

	if (at != NULL) {
		*repo = xstrndup(ref, (size_t)(at - ref));
		*tag = xstrdup("<none>");
	} else if (colon != NULL) {
		*repo = xstrndup(ref, (size_t)(colon - ref));
		*tag = xstrdup(colon + 1);
	} else {
		*repo = xstrdup(ref);
		*tag = xstrdup("<none>");
	}
}

static size_t make_rows(struct img_list_entry *l, size_t n, struct row **ret)
{
	struct row *rows = NULL;
	size_t nr = 0;

	for (size_t i = 0; i < n; i++) {
		size_t nrefs = strv_len(l[i].refs);

		for (size_t j = 0; j < (nrefs ? nrefs : 1); j++) {
			struct row *r;

			rows = xrealloc(rows, (nr + 1) * sizeof(*rows));
			r = &rows[nr++];
			if (nrefs)
				split_ref(l[i].refs[j], &r->repo, &r->tag);
			else
				r->repo = xstrdup("<none>"), r->tag = xstrdup("<none>");
			r->id = xstrndup(l[i].id + 7, 12);
			r->created = human_ago(l[i].created);
			r->size = human_size(l[i].size);
		}
	}
	*ret = rows;
	return nr;
}

static int width(struct row *rows, size_t n, size_t off, const char *title)
{
	size_t w = strlen(title);

	for (size_t i = 0; i < n; i++) {
		const char *s = *(char **)((char *)&rows[i] + off);

		if (strlen(s) > w)
			w = strlen(s);
	}
	return (int)w;
}

/* podman images -q: each image id once, in the listing's order. */
static void print_ids(struct img_list_entry *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%.12s\n", l[i].id + 7);
}

static void print_table(struct img_list_entry *l, size_t n)
{
	struct row *rows = NULL;
	size_t nr = make_rows(l, n, &rows);
	int wr = width(rows, nr, offsetof(struct row, repo), "REPOSITORY");
	int wt = width(rows, nr, offsetof(struct row, tag), "TAG");
	int wc = width(rows, nr, offsetof(struct row, created), "CREATED");

	printf("%-*s  %-*s  %-12s  %-*s  %s\n", wr, "REPOSITORY", wt, "TAG", "IMAGE ID", wc,
	       "CREATED", "SIZE");
	for (size_t i = 0; i < nr; i++) {
		printf("%-*s  %-*s  %-12s  %-*s  %s\n", wr, rows[i].repo, wt, rows[i].tag,
		       rows[i].id, wc, rows[i].created, rows[i].size);
		free(rows[i].repo), free(rows[i].tag), free(rows[i].id);
		free(rows[i].created), free(rows[i].size);
	}
	free(rows);
}

static int image_ls(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_(cli_store_freep) struct img_store *s = NULL;
	struct img_list_entry *l = NULL;
	struct pp_error err = {0};
	bool quiet = false;
	size_t n = 0;
	int c;

	optind = 0;
	while ((c = cli_getopt(argc, argv, "+q", opts)) != -1) {
		if (c != 'q')
			return 1;
		quiet = true;
	}
	if (optind != argc) {
		log_error("image ls: no arguments are taken: peapod image ls [-q]");
		return 1;
	}
	if (cli_image_store(&s))
		return 1;
	if (img_store_list(s, &l, &n, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	if (quiet)
		print_ids(l, n);
	else
		print_table(l, n);
	img_list_free(l, n);
	return 0;
}

/* peapod image mount REF DIR: DIR/rootfs over DIR/upper and DIR/work (a
 * debugging aid, like podman image mount). */
static int image_mount(int argc, char **argv)
{
	cleanup_(cli_store_freep) struct img_store *s = NULL;
	cleanup_free char *dir = NULL, *up = NULL, *work = NULL, *target = NULL;
	struct img_image *img = NULL;
	struct pp_error err = {0};
	int r;

	if (argc != 3) {
		log_error("usage: peapod image mount REF DIR");
		return 1;
	}
	dir = realpath(argv[2], NULL);
	if (dir == NULL) {
		log_error("image mount: '%s': %m", argv[2]);
		return 1;
	}
	if (cli_image_store(&s))
		return 1;
	up = xstrfmt("%s/upper", dir);
	work = xstrfmt("%s/work", dir);
	target = xstrfmt("%s/rootfs", dir);
	r = img_store_resolve(s, argv[1], &img, &err);
	if (r == 0)
		r = img_rootfs_mount(img, up, work, target, -1, &err);
	img_image_free(img);
	if (r < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	printf("%s\n", target);
	return 0;
}

static int image_umount(int argc, char **argv)
{
	cleanup_free char *target = NULL;
	struct pp_error err = {0};

	if (argc != 2) {
		log_error("usage: peapod image umount DIR");
		return 1;
	}
	target = xstrfmt("%s/rootfs", argv[1]);
	if (img_rootfs_umount(target, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	return 0;
}

#define IMAGE_USAGE                                                                            \
	"Usage: peapod image load -i FILE | pull REF | ls [-q] | inspect REF... | tag SOURCE " \
	"TARGET... | rm [-f] REF... | prune [-a] [-f] | save [-o FILE] [--format "             \
	"docker-archive|oci-archive] REF... | mount REF DIR | umount DIR\n"

static const struct {
	const char *name, *alias;
	int (*fn)(int argc, char **argv);
} subs[] = {
    {"load", NULL, image_load},       {"pull", NULL, image_pull},
    {"ls", "list", image_ls},         {"inspect", NULL, cli_image_inspect},
    {"tag", NULL, cli_image_tag},     {"rm", "remove", cli_image_rm},
    {"prune", NULL, cli_image_prune}, {"save", NULL, cli_image_save},
    {"mount", NULL, image_mount},     {"umount", "unmount", image_umount},
};

int cmd_image(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (sub == NULL || strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		(void)fputs(IMAGE_USAGE, sub ? stdout : stderr); /* nothing to do if it fails */
		return sub ? 0 : 1;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(sub, subs[i].name) == 0 ||
		    (subs[i].alias != NULL && strcmp(sub, subs[i].alias) == 0))
			return subs[i].fn(argc - 1, argv + 1);
	log_error("unknown command \"image %s\" (want load, pull, ls, inspect, tag, rm, prune, "
	          "save, mount or umount)",
	          sub);
	return 1;
}
