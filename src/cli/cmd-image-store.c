/* SPDX-License-Identifier: Apache-2.0 */
/* peapod image inspect|tag|rm|prune|save: option parsing and output over
 * the image store, in podman's words. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/cli-util.h"
#include "cli/cmd-image.h"
#include "image/image.h"
#include "pod/state.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/log.h"
#include "util/xalloc.h"

int cli_image_inspect(int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	cleanup_(cli_store_freep) struct img_store *s = NULL;
	cleanup_json json_object *all = json_object_new_array();
	int ret = 0;

	optind = 0;
	if (cli_getopt(argc, argv, "+", opts) != -1)
		return 1;
	if (optind >= argc) {
		log_error("image inspect: a reference is required: peapod image inspect REF...");
		return 1;
	}
	if (cli_image_store(&s))
		return 1;
	for (int i = optind; i < argc; i++) {
		struct pp_error err = {0};
		json_object *o = NULL;

		if (img_store_inspect(s, argv[i], &o, &err) < 0) {
			log_error("%s", err.msg);
			ret = 1;
			continue;
		}
		json_object_array_add(all, o);
	}
	if (json_object_array_length(all) == 0)
		printf("[]\n");
	else
		printf("%s\n", json_object_to_json_string_ext(
		                   all, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		                            JSON_C_TO_STRING_NOSLASHESCAPE));
	return ret;
}

int cli_image_tag(int argc, char **argv)
{
	cleanup_(cli_store_freep) struct img_store *s = NULL;

	if (argc < 3) {
		log_error("image tag: a source and a target are required: peapod image tag SOURCE "
		          "TARGET...");
		return 1;
	}
	if (cli_image_store(&s))
		return 1;
	for (int i = 2; i < argc; i++) {
		struct pp_error err = {0};

		if (img_store_tag(s, argv[1], argv[i], &err) < 0) {
			log_error("%s", err.msg);
			return 1;
		}
	}
	return 0;
}

/* Does removing ref take the image id with it (podman: untagging one of
 * several names leaves the image, even one a container uses)? */
static bool removes_image(struct img_store *s, const char *ref, const char *id)
{
	cleanup_free char *norm = NULL;
	struct img_list_entry *l = NULL;
	bool named = false, last = true;
	size_t n = 0;

	if (img_ref_normalize(ref, &norm, NULL) < 0 || img_store_list(s, &l, &n, NULL) < 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(l[i].id, id) != 0)
			continue;
		for (char **r = l[i].refs; *r; r++)
			named |= strcmp(*r, norm) == 0;
		last = strv_len(l[i].refs) <= 1;
	}
	img_list_free(l, n);
	return !named || last;
}

/* The pod using the image ref names, if removing ref removes the image (its
 * layers are the lower layers of the pod's rootfs). 1 with the error
 * printed, else 0. */
static int in_use(struct img_store *s, const char *ref)
{
	cleanup_free char *id = NULL, *user = NULL;
	struct pp_error err = {0};
	int r = img_store_id(s, ref, &id, &err);

	if (r == -ENOENT)
		return 0; /* a name left without its record: removal reports or cleans it */
	if (r == 0 && removes_image(s, ref, id))
		r = pod_image_user(cli_paths(), id, &user, &err);
	if (r > 0)
		log_error("image \"%s\" is in use by pod \"%s\" (delete the pod first)", ref, user);
	else if (r < 0)
		log_error("%s", err.msg);
	return r != 0;
}

static int rm_one(struct img_store *s, const char *ref, bool force)
{
	cleanup_strv char **untagged = NULL;
	cleanup_free char *deleted = NULL;
	struct pp_error err = {0};

	if (in_use(s, ref))
		return 1;
	if (img_store_remove(s, ref, force, &untagged, &deleted, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	for (char **u = untagged; u && *u; u++)
		printf("Untagged: %s\n", *u);
	if (deleted != NULL)
		printf("Deleted: %s\n", deleted + 7);
	return 0;
}

int cli_image_rm(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_(cli_store_freep) struct img_store *s = NULL;
	bool force = false;
	int c, ret = 0;

	optind = 0;
	while ((c = cli_getopt(argc, argv, "+f", opts)) != -1) {
		if (c != 'f')
			return 1;
		force = true;
	}
	if (optind >= argc) {
		log_error("image rm: a reference is required: peapod image rm [-f] REF...");
		return 1;
	}
	if (cli_image_store(&s))
		return 1;
	for (int i = optind; i < argc; i++)
		ret |= rm_one(s, argv[i], force);
	return ret;
}

/* The ids of the images pods use. Caller strv_free()s; NULL on error
 * (printed). */
static char **images_in_use(void)
{
	struct pod_record **recs = NULL;
	struct pp_error err = {0};
	char **ids = xcalloc(1, sizeof(char *));
	size_t n = 0;

	if (pod_list(cli_paths(), NULL, &recs, &n, &err) < 0) {
		log_error("%s", err.msg);
		strv_free(ids);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < pod_n_all(recs[i]); j++) {
			const char *id = pod_ctr_status(recs[i], j)->image_id;

			if (id != NULL && *id != '\0')
				strv_push(&ids, id);
		}
		pod_record_free(recs[i]);
	}
	free(recs);
	return ids;
}

/* podman's confirmation: anything but y or yes (or no input) is no. */
static bool confirm(bool all)
{
	char line[64] = "";

	printf("WARNING! This command removes all %s.\nAre you sure you want to continue? [y/N] ",
	       all ? "images without at least one pod using them" : "dangling images");
	(void)fflush(stdout); /* the prompt before the answer; a failure shows later */
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

int cli_image_prune(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"force", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_(cli_store_freep) struct img_store *s = NULL;
	cleanup_strv char **keep = NULL, **removed = NULL;
	struct pp_error err = {0};
	bool all = false, force = false;
	int c;

	optind = 0;
	while ((c = cli_getopt(argc, argv, "+af", opts)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			force = true;
		else
			return 1;
	}
	if (optind != argc) {
		log_error("image prune: no arguments are taken: peapod image prune [-a] [-f]");
		return 1;
	}
	if (!force && !confirm(all))
		return 0;
	keep = images_in_use();
	if (keep == NULL || cli_image_store(&s))
		return 1;
	if (img_store_prune(s, all, keep, &removed, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	for (char **id = removed; *id; id++)
		printf("%s\n", *id + 7);
	return 0;
}

static int save_format(const char *name, enum img_save_format *ret)
{
	if (strcmp(name, "docker-archive") == 0)
		*ret = IMG_SAVE_DOCKER;
	else if (strcmp(name, "oci-archive") == 0)
		*ret = IMG_SAVE_OCI;
	else
		return log_error_errno(-EINVAL,
		                       "image save: unsupported format \"%s\" (want docker-archive "
		                       "or oci-archive)",
		                       name);
	return 0;
}

int cli_image_save(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"format", required_argument, NULL, 'F'},
	    {"quiet", no_argument, NULL, 'q'},
	    {NULL, 0, NULL, 0},
	};
	cleanup_(cli_store_freep) struct img_store *s = NULL;
	enum img_save_format format = IMG_SAVE_DOCKER;
	struct pp_error err = {0};
	const char *out = NULL;
	int c;

	optind = 0;
	while ((c = cli_getopt(argc, argv, "+o:q", opts)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'F':
			if (save_format(optarg, &format) < 0)
				return 1;
			break;
		case 'q':
			break; /* podman's --quiet: save prints nothing anyway */
		default:
			return 1;
		}
	}
	if (optind >= argc) {
		log_error("image save: a reference is required: peapod image save [-o FILE] "
		          "[--format docker-archive|oci-archive] REF...");
		return 1;
	}
	if (out == NULL && isatty(STDOUT_FILENO)) {
		log_error("image save: refusing to save to terminal. Use -o flag or redirect");
		return 1;
	}
	if (cli_image_store(&s))
		return 1;
	if (img_store_save(s, argv + optind, format, out, &err) < 0) {
		log_error("%s", err.msg);
		return 1;
	}
	return 0;
}
