/* SPDX-License-Identifier: Apache-2.0 */
/* peapod create configmap|secret generic|secret docker-registry NAME
 * (kubectl create): the object built from --from-literal, --from-file and
 * --from-env-file sources with kubectl's checks and words, then stored. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "cli/cli-objects.h"
#include "cli/cli-util.h"
#include "cli/cli.h"
#include "pod/objects.h"
#include "pod/paths.h"
#include "spec/pod.h"
#include "util/base64.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/log.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* A source file larger than this is refused as the API server would (the
 * object's data is at most 1 MiB). */
#define SOURCE_MAX ((size_t)8 << 20)

#define DEFAULT_DOCKER_SERVER "https://index.docker.io/v1/"

enum create_what {
	CREATE_CONFIGMAP,
	CREATE_SECRET_GENERIC,
	CREATE_SECRET_DOCKER,
};

struct create_opts {
	enum create_what what;
	const char *ns;
	char **literals, **files, **env_files;
	const char *type;
	const char *server, *user, *password, *email;
	const char *output;
	const char *dry_run; /* NULL, "client", "server" */
};

static void create_opts_clear(struct create_opts *o)
{
	strv_free(o->literals);
	strv_free(o->files);
	strv_free(o->env_files);
}

/* Add key to o as kubectl's addKeyFrom...To{ConfigMap,Secret} do: a valid
 * key, not there yet. Takes value. 0 or -1 with the error printed. */
static int add_key(struct kobj *o, const char *key, unsigned char *value, size_t len)
{
	const char *why = kobj_key_problem(key);
	bool cm = o->kind == KOBJ_CONFIGMAP;
	const struct kobj_entry *e = kobj_entry_find(o, key);

	if (why != NULL || e != NULL) {
		if (why != NULL && cm)
			log_error("\"%s\" is not a valid key name for a ConfigMap: %s", key, why);
		else if (why != NULL)
			log_error("\"%s\" is not valid key name for a Secret %s", key, why);
		else if (cm)
			log_error(
			    "cannot add key \"%s\", another key by that name already exists in "
			    "%s for ConfigMap \"%s\"",
			    key, e->binary ? "BinaryData" : "Data", o->name);
		else
			log_error("cannot add key %s, another key by that name already exists",
			          key);
		free(value);
		return -1;
	}
	o->entries = xrealloc(o->entries, (o->n_entries + 1) * sizeof(*o->entries));
	o->entries[o->n_entries++] = (struct kobj_entry){
	    .key = xstrdup(key),
	    .value = value,
	    .len = len,
	    .binary = !cm || !utf8_valid(value, len),
	};
	return 0;
}

static int add_literal(struct kobj *o, const char *src)
{
	const char *eq = strchr(src, '=');
	cleanup_free char *key = NULL;

	if (eq == NULL || eq == src) {
		log_error("invalid literal source %s, expected key=value", src);
		return -1;
	}
	key = xstrndup(src, (size_t)(eq - src));
	return add_key(o, key, (unsigned char *)xstrdup(eq + 1), strlen(eq + 1));
}

static int add_file(struct kobj *o, const char *key, const char *path)
{
	struct pp_error err = {0};
	char *data = NULL;
	size_t len = 0;

	if (fs_read_regular(path, SOURCE_MAX, &data, &len, &err) < 0) {
		log_error("error reading %s: %s", path, err.msg);
		return -1;
	}
	return add_key(o, key, (unsigned char *)data, len);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder: each regular file in it (not following links), by name. */
static int add_dir(struct kobj *o, const char *path)
{
	cleanup_dir DIR *d = opendir(path);
	cleanup_strv char **names = NULL;
	struct dirent *de;

	if (d == NULL) {
		log_error_errno(-errno, "error listing files in %s", path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			strv_push(&names, de->d_name);
	}
	if (names == NULL)
		return 0;
	qsort(names, strv_len(names), sizeof(char *), name_cmp);
	for (size_t i = 0; names[i] != NULL; i++) {
		cleanup_free char *p = xstrfmt("%s/%s", path, names[i]);

		if (add_file(o, names[i], p) < 0)
			return -1;
	}
	return 0;
}

/* --from-file=[KEY=]PATH (kubectl's ParseFileSource). */
static int add_file_source(struct kobj *o, const char *src)
{
	const char *eq = strchr(src, '='), *path = eq != NULL ? eq + 1 : src;
	cleanup_free char *key = NULL;
	struct stat st;

	if (eq != NULL && strchr(eq + 1, '=') != NULL) {
		log_error("key names or file paths cannot contain '='");
		return -1;
	}
	if (eq == src) {
		log_error("key name for file path %s missing", path);
		return -1;
	}
	if (eq != NULL && eq[1] == '\0') {
		log_error("file path for key name %.*s missing", (int)(eq - src), src);
		return -1;
	}
	if (stat(path, &st) < 0) {
		log_error_errno(-errno, "error reading %s", path);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (eq != NULL) {
			log_error("cannot give a key name for a directory path");
			return -1;
		}
		return add_dir(o, path);
	}
	key = eq != NULL ? xstrndup(src, (size_t)(eq - src))
	                 : xstrdup(strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path);
	return add_file(o, key, path);
}

/* One line of an env file (kubectl's processEnvFileLine). */
static int env_line(struct kobj *o, char *line, const char *path, size_t lineno)
{
	const char *value;
	char *eq;

	if (lineno == 0 && strncmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3;
	if (!utf8_valid((const unsigned char *)line, strlen(line))) {
		log_error("env file %s contains invalid utf8 bytes at line %zu", path, lineno + 1);
		return -1;
	}
	line += strspn(line, " \t\r\n\v\f");
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	eq = strchr(line, '=');
	if (eq != NULL)
		*eq = '\0';
	if (pod_env_name_problem(line) != NULL) {
		log_error("\"%s\" is not a valid key name: %s", line, pod_env_name_problem(line));
		return -1;
	}
	/* KEY alone takes its value from the environment */
	value = eq != NULL ? eq + 1 : getenv(line);
	if (value == NULL)
		value = "";
	return add_key(o, line, (unsigned char *)xstrdup(value), strlen(value));
}

static int add_env_file(struct kobj *o, const char *path)
{
	struct pp_error err = {0};
	cleanup_free char *text = NULL;
	char *p, *line;
	struct stat st;
	size_t n = 0;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		log_error("env config file cannot be a directory");
		return -1;
	}
	if (fs_read_regular(path, SOURCE_MAX, &text, NULL, &err) < 0) {
		log_error("error reading %s: %s", path, err.msg);
		return -1;
	}
	p = text;
	while ((line = strsep(&p, "\n")) != NULL) {
		if (p == NULL && line[0] == '\0')
			break;
		if (env_line(o, line, path, n++) < 0)
			return -1;
	}
	return 0;
}

/* .dockerconfigjson as kubectl's handleDockerCfgJSONContent writes it. */
static int add_docker_config(struct kobj *o, const struct create_opts *c)
{
	cleanup_json json_object *root = json_object_new_object();
	json_object *auths = json_object_new_object(), *entry = json_object_new_object();
	cleanup_free char *plain = xstrfmt("%s:%s", c->user, c->password);
	cleanup_free char *auth = b64_encode(plain, strlen(plain));
	const char *text;

	json_object_object_add(entry, "username", json_object_new_string(c->user));
	json_object_object_add(entry, "password", json_object_new_string(c->password));
	if (c->email != NULL && c->email[0] != '\0')
		json_object_object_add(entry, "email", json_object_new_string(c->email));
	json_object_object_add(entry, "auth", json_object_new_string(auth));
	json_object_object_add(auths, c->server, entry);
	json_object_object_add(root, "auths", auths);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	                                                JSON_C_TO_STRING_NOSLASHESCAPE);
	return add_key(o, ".dockerconfigjson", (unsigned char *)xstrdup(text), strlen(text));
}

static int add_sources(struct kobj *o, const struct create_opts *c)
{
	for (size_t i = 0; c->files != NULL && c->files[i] != NULL; i++)
		if (add_file_source(o, c->files[i]) < 0)
			return -1;
	for (size_t i = 0; c->literals != NULL && c->literals[i] != NULL; i++)
		if (add_literal(o, c->literals[i]) < 0)
			return -1;
	for (size_t i = 0; c->env_files != NULL && c->env_files[i] != NULL; i++)
		if (add_env_file(o, c->env_files[i]) < 0)
			return -1;
	if (c->what == CREATE_SECRET_DOCKER && c->files == NULL)
		return add_docker_config(o, c);
	return 0;
}

static const char *what_word(enum create_what w)
{
	return w == CREATE_CONFIGMAP ? "configmap" : "secret";
}

/* The object from the sources, then through the API shape: sorted and
 * validated as the API server validates it. NULL with the error printed. */
static struct kobj *build(const char *name, const struct create_opts *c)
{
	struct kobj *o = xzalloc(sizeof(*o)), *out = NULL;
	cleanup_json json_object *j = NULL;
	struct pp_error err = {0};

	o->kind = c->what == CREATE_CONFIGMAP ? KOBJ_CONFIGMAP : KOBJ_SECRET;
	o->name = xstrdup(name);
	o->namespace_ = xstrdup(c->ns);
	if (o->kind == KOBJ_SECRET)
		o->type = xstrdup(c->what == CREATE_SECRET_DOCKER ? "kubernetes.io/dockerconfigjson"
		                  : c->type != NULL               ? c->type
		                                                  : "Opaque");
	if (add_sources(o, c) < 0) {
		kobj_free(o);
		return NULL;
	}
	j = kobj_to_json(o);
	if (kobj_from_json(j, &out, &err) < 0)
		log_error("failed to create %s%s %s \"%s\" is invalid: %s", what_word(c->what),
		          c->what == CREATE_CONFIGMAP ? ":" : "", kobj_kind_name(o->kind), name,
		          err.msg);
	kobj_free(o);
	return out;
}

static int create_object(const char *name, const struct create_opts *c)
{
	struct pp_error err = {0};
	struct kobj *o = build(name, c), *stored = NULL;
	const char *word = what_word(c->what);
	int r;

	if (o == NULL)
		return 1;
	if (c->dry_run != NULL && strcmp(c->dry_run, "client") == 0) {
		if (c->output != NULL)
			cli_kobj_print(o, c->output);
		else
			printf("%s/%s created (dry run)\n", word, name);
		kobj_free(o);
		return 0;
	}
	r = kobj_store_create(cli_paths(), o, &err);
	if (r == 0 && c->output != NULL)
		r = kobj_store_get(cli_paths(), o->kind, o->namespace_, o->name, &stored, &err);
	if (r < 0)
		log_error("failed to create %s%s %s", word, c->what == CREATE_CONFIGMAP ? ":" : "",
		          err.msg);
	else if (stored != NULL)
		cli_kobj_print(stored, c->output);
	else
		printf("%s/%s created\n", word, name);
	kobj_free(stored);
	kobj_free(o);
	return r < 0 ? 1 : 0;
}

static int parse_dry_run(const char *s, struct create_opts *c)
{
	if (s == NULL || strcmp(s, "client") == 0 || strcmp(s, "unchanged") == 0)
		c->dry_run = "client";
	else if (strcmp(s, "server") == 0)
		c->dry_run = "server";
	else if (strcmp(s, "none") == 0)
		c->dry_run = NULL;
	else {
		log_error(
		    "Invalid dry-run value (%s). Must be \"none\", \"server\", or \"client\".", s);
		return -1;
	}
	return 0;
}

static int parse_option(int opt, struct create_opts *c)
{
	switch (opt) {
	case 'n':
		c->ns = optarg;
		return 0;
	case 'L':
		strv_push(&c->literals, optarg);
		return 0;
	case 'F':
		strv_push(&c->files, optarg);
		return 0;
	case 'E':
		strv_push(&c->env_files, optarg);
		return 0;
	case 'T':
		c->type = optarg;
		return 0;
	case 'S':
		c->server = optarg;
		return 0;
	case 'U':
		c->user = optarg;
		return 0;
	case 'P':
		c->password = optarg;
		return 0;
	case 'M':
		c->email = optarg;
		return 0;
	case 'o':
		c->output = optarg;
		if (strcmp(optarg, "yaml") == 0 || strcmp(optarg, "json") == 0 ||
		    strcmp(optarg, "name") == 0)
			return 0;
		log_error("unable to match a printer suitable for the output format \"%s\", "
		          "allowed formats are: json,name,yaml",
		          optarg);
		return -1;
	case 'D':
		return parse_dry_run(optarg, c);
	default:
		return -1;
	}
}

/* What the words after `create` name; *ret_name the NAME. 0 or -1. */
static int parse_what(int argc, char **argv, struct create_opts *c, const char **ret_name)
{
	int need;

	if (argc >= 1 && (strcmp(argv[0], "configmap") == 0 || strcmp(argv[0], "cm") == 0)) {
		c->what = CREATE_CONFIGMAP;
		need = 2;
	} else if (argc >= 2 && strcmp(argv[0], "secret") == 0 &&
	           (strcmp(argv[1], "generic") == 0 || strcmp(argv[1], "docker-registry") == 0)) {
		c->what = argv[1][0] == 'g' ? CREATE_SECRET_GENERIC : CREATE_SECRET_DOCKER;
		need = 3;
	} else {
		log_error("peapod create makes a configmap, a secret generic or a secret "
		          "docker-registry (see 'peapod create --help')");
		return -1;
	}
	if (argc != need) {
		log_error("exactly one NAME is required, got %d", argc - need + 1);
		return -1;
	}
	*ret_name = argv[need - 1];
	return 0;
}

static int check_sources(const struct create_opts *c)
{
	if (c->env_files != NULL && (c->files != NULL || c->literals != NULL)) {
		log_error("from-env-file cannot be combined with from-file or from-literal");
		return -1;
	}
	if (c->type != NULL && c->what != CREATE_SECRET_GENERIC) {
		log_error("unknown flag: --type");
		return -1;
	}
	if (c->what == CREATE_SECRET_DOCKER && c->files == NULL &&
	    (c->user == NULL || c->user[0] == '\0' || c->password == NULL ||
	     c->password[0] == '\0' || c->server[0] == '\0')) {
		log_error("either --from-file or the combination of --docker-username, "
		          "--docker-password and --docker-server is required");
		return -1;
	}
	return 0;
}

int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"namespace", required_argument, NULL, 'n'},
	    {"from-literal", required_argument, NULL, 'L'},
	    {"from-file", required_argument, NULL, 'F'},
	    {"from-env-file", required_argument, NULL, 'E'},
	    {"type", required_argument, NULL, 'T'},
	    {"docker-server", required_argument, NULL, 'S'},
	    {"docker-username", required_argument, NULL, 'U'},
	    {"docker-password", required_argument, NULL, 'P'},
	    {"docker-email", required_argument, NULL, 'M'},
	    {"output", required_argument, NULL, 'o'},
	    {"dry-run", optional_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	struct create_opts c = {.ns = "default", .server = DEFAULT_DOCKER_SERVER};
	const char *name = NULL;
	int opt, r = 1;

	while ((opt = cli_getopt(argc, argv, "n:o:", opts)) != -1)
		if (parse_option(opt, &c) < 0)
			goto out;
	if (parse_what(argc - optind, argv + optind, &c, &name) < 0 || check_sources(&c) < 0)
		goto out;
	r = create_object(name, &c);
out:
	create_opts_clear(&c);
	return r;
}
