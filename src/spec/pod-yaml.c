/* SPDX-License-Identifier: Apache-2.0 */
/* YAML (and so JSON) text → json-c documents with libyaml's event API.
 * Plain scalars resolve by the YAML 1.2 core schema; aliases are expanded
 * by reference and counted, so alias bombs hit the node bound. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "spec/internal.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 100000
#define YAML_MAX_TEXT  (8u << 20)

#define TAG_PREFIX "tag:yaml.org,2002:"

struct yframe {
	json_object *node; /* the mapping or sequence being built */
	char *key;         /* a mapping's pending key; NULL while a key is expected */
	char *anchor;      /* the collection's anchor, if any */
	size_t nodes_at_start;
	size_t index;  /* a sequence's next index */
	size_t height; /* max height of the children so far */
};

struct yanchor {
	char *name;
	json_object *node;
	size_t nodes;
	size_t height;
};

struct yconv {
	const char *src;
	struct yframe stack[YAML_MAX_DEPTH];
	size_t depth;
	size_t nodes;
	struct yanchor *anchors;
	size_t n_anchors;
	json_object *docs; /* array of finished documents */
	json_object *root; /* current document's root */
};

static int conv_error(struct yconv *c, const yaml_mark_t *m, const char *what, struct pp_error *err)
{
	return pp_error_msg(err, EINVAL, "%s:%zu:%zu: %s", c->src, m->line + 1, m->column + 1,
	                    what);
}

/* The field path of the current position, e.g. `spec.containers[1].name`. */
static void conv_path(const struct yconv *c, char buf[POD_PATH_MAX])
{
	char tmp[POD_PATH_MAX];

	buf[0] = '\0';
	for (size_t i = 0; i < c->depth; i++) {
		const struct yframe *f = &c->stack[i];

		if (json_object_is_type(f->node, json_type_array))
			pod_path_index(tmp, buf, f->index);
		else if (f->key != NULL)
			pod_path_key(tmp, buf, f->key);
		else
			continue;
		memcpy(buf, tmp, POD_PATH_MAX);
	}
}

static void anchors_clear(struct yconv *c)
{
	for (size_t i = 0; i < c->n_anchors; i++) {
		free(c->anchors[i].name);
		json_object_put(c->anchors[i].node);
	}
	free(c->anchors);
	c->anchors = NULL;
	c->n_anchors = 0;
}

static void conv_free(struct yconv *c)
{
	while (c->depth > 0) {
		struct yframe *f = &c->stack[--c->depth];

		json_object_put(f->node);
		free(f->key);
		free(f->anchor);
	}
	anchors_clear(c);
	json_object_put(c->root);
	json_object_put(c->docs);
}

static struct yanchor *anchor_find(struct yconv *c, const char *name)
{
	for (size_t i = 0; i < c->n_anchors; i++)
		if (strcmp(c->anchors[i].name, name) == 0)
			return &c->anchors[i];
	return NULL;
}

/* Remember node under name (a later definition replaces an earlier one). */
static void anchor_set(struct yconv *c, const char *name, json_object *node, size_t nodes,
                       size_t height)
{
	struct yanchor *a = anchor_find(c, name);

	if (a == NULL) {
		c->anchors = xrealloc(c->anchors, (c->n_anchors + 1) * sizeof(*c->anchors));
		a = &c->anchors[c->n_anchors++];
		a->name = xstrdup(name);
	} else {
		json_object_put(a->node);
	}
	a->node = json_object_get(node);
	a->nodes = nodes;
	a->height = height;
}

/* Attach a finished value (owned) of the given height to its parent, or
 * make it the document root. */
static int conv_add(struct yconv *c, json_object *v, size_t height, const yaml_mark_t *m,
                    struct pp_error *err)
{
	struct yframe *f;

	if (c->depth == 0) {
		json_object_put(c->root);
		c->root = v;
		return 0;
	}
	f = &c->stack[c->depth - 1];
	if (height + 1 > f->height)
		f->height = height + 1;
	if (c->depth + height > YAML_MAX_DEPTH) {
		json_object_put(v);
		return conv_error(c, m, "document nested too deeply", err);
	}
	if (json_object_is_type(f->node, json_type_array)) {
		json_object_array_add(f->node, v);
		f->index++;
		return 0;
	}
	if (f->key == NULL) {
		json_object_put(v);
		return conv_error(c, m, "mapping keys must be scalars", err);
	}
	json_object_object_add(f->node, f->key, v);
	free(take_ptr(&f->key));
	return 0;
}

static int count_node(struct yconv *c, size_t n, const yaml_mark_t *m, struct pp_error *err)
{
	if (n > YAML_MAX_NODES - c->nodes)
		return conv_error(c, m, "too many nodes (more than 100000, alias expansion?)", err);
	c->nodes += n;
	return 0;
}

static bool match_digits(const char *s, const char *set)
{
	if (*s == '\0')
		return false;
	return s[strspn(s, set)] == '\0';
}

/* YAML 1.2 core schema integers: [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+;
 * and, as kubectl's YAML (go-yaml v2, YAML 1.1) reads them, 0[0-7]+ is
 * octal, so `defaultMode: 0400` means 0400 as in every manifest. */
static json_object *resolve_int(const char *s)
{
	const char *d = s + (*s == '-' || *s == '+');
	int base = 10;
	char *end = NULL;
	long long v;

	if (strncmp(s, "0o", 2) == 0 && match_digits(s + 2, "01234567"))
		base = 8, d = s + 2;
	else if (strncmp(s, "0x", 2) == 0 && match_digits(s + 2, "0123456789abcdefABCDEF"))
		base = 16, d = s + 2;
	else if (!match_digits(d, "0123456789"))
		return NULL;
	else if (d[0] == '0' && d[1] != '\0' && match_digits(d, "01234567"))
		base = 8;
	errno = 0;
	v = strtoll(base == 16 || (base == 8 && s[1] == 'o') ? d : s, &end, base);
	if (errno == ERANGE || *end != '\0')
		return json_object_new_double(strtod(s, NULL));
	return json_object_new_int64(v);
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?, .inf, .nan */
static json_object *resolve_float(const char *s)
{
	const char *p = s + (*s == '-' || *s == '+');
	size_t n = strspn(p, "0123456789");
	bool frac = false;

	if (strcmp(p, ".inf") == 0 || strcmp(p, ".Inf") == 0 || strcmp(p, ".INF") == 0)
		return json_object_new_double(*s == '-' ? -INFINITY : INFINITY);
	if (strcmp(s, ".nan") == 0 || strcmp(s, ".NaN") == 0 || strcmp(s, ".NAN") == 0)
		return json_object_new_double(NAN);
	p += n;
	if (*p == '.') {
		size_t f = strspn(p + 1, "0123456789");

		frac = true;
		if (n == 0 && f == 0)
			return NULL;
		p += 1 + f;
	} else if (n == 0) {
		return NULL;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		p += (*p == '-' || *p == '+');
		if (strspn(p, "0123456789") == 0)
			return NULL;
		p += strspn(p, "0123456789");
	} else if (!frac) {
		return NULL;
	}
	if (*p != '\0')
		return NULL;
	return json_object_new_double(strtod(s, NULL));
}

static bool is_null_text(const char *s)
{
	return *s == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
	       strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* Resolve a plain scalar by the core schema; *ret NULL means null. */
static int resolve_plain(const char *s, size_t len, json_object **ret)
{
	json_object *v;

	if (strlen(s) != len) {
		*ret = json_object_new_string_len(s, (int)len);
		return 0;
	}
	if (is_null_text(s)) {
		*ret = NULL;
		return 0;
	}
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0) {
		*ret = json_object_new_boolean(1);
		return 0;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0) {
		*ret = json_object_new_boolean(0);
		return 0;
	}
	v = resolve_int(s);
	if (v == NULL)
		v = resolve_float(s);
	if (v == NULL)
		v = json_object_new_string_len(s, (int)len);
	*ret = v;
	return 0;
}

/* Honour the standard scalar tags; anything else is refused. */
static int resolve_tagged(const char *tag, const char *s, size_t len, json_object **ret)
{
	json_object *v = NULL;
	const char *t = tag + strlen(TAG_PREFIX);

	if (strcmp(tag, "!") == 0 || strcmp(tag, TAG_PREFIX "str") == 0) {
		*ret = json_object_new_string_len(s, (int)len);
		return 0;
	}
	if (strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)) != 0)
		return -EINVAL;
	if (resolve_plain(s, len, &v) < 0)
		return -EINVAL;
	if ((strcmp(t, "null") == 0 && v == NULL) ||
	    (strcmp(t, "bool") == 0 && json_object_is_type(v, json_type_boolean)) ||
	    (strcmp(t, "int") == 0 && json_object_is_type(v, json_type_int)) ||
	    (strcmp(t, "float") == 0 &&
	     (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))) {
		*ret = v;
		return 0;
	}
	json_object_put(v);
	return -EINVAL;
}

static int scalar_key(struct yconv *c, struct yframe *f, const yaml_event_t *ev,
                      struct pp_error *err)
{
	const char *key = (const char *)ev->data.scalar.value;
	char path[POD_PATH_MAX];

	if (strlen(key) != ev->data.scalar.length)
		return conv_error(c, &ev->start_mark, "mapping key contains a NUL character", err);
	f->key = xstrdup(key);
	if (json_object_object_get_ex(f->node, key, NULL)) {
		conv_path(c, path);
		return pp_error_msg(err, EINVAL, "%s: duplicate key", path);
	}
	return 0;
}

static int on_scalar(struct yconv *c, const yaml_event_t *ev, struct pp_error *err)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	const char *tag = (const char *)ev->data.scalar.tag;
	json_object *v = NULL;
	int r = count_node(c, 1, &ev->start_mark, err);

	if (r < 0)
		return r;
	if (len > INT32_MAX)
		return conv_error(c, &ev->start_mark, "scalar too long", err);
	if (c->depth > 0 && c->stack[c->depth - 1].key == NULL &&
	    json_object_is_type(c->stack[c->depth - 1].node, json_type_object))
		return scalar_key(c, &c->stack[c->depth - 1], ev, err);
	if (tag != NULL && !ev->data.scalar.plain_implicit && !ev->data.scalar.quoted_implicit) {
		if (resolve_tagged(tag, s, len, &v) < 0)
			return conv_error(c, &ev->start_mark, "unsupported tag or value for tag",
			                  err);
	} else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		(void)resolve_plain(s, len, &v); /* cannot fail */
	} else {
		v = json_object_new_string_len(s, (int)len);
	}
	if (ev->data.scalar.anchor != NULL)
		anchor_set(c, (const char *)ev->data.scalar.anchor, v, 1, 0);
	return conv_add(c, v, 0, &ev->start_mark, err);
}

static int on_start(struct yconv *c, const yaml_event_t *ev, bool mapping, struct pp_error *err)
{
	const yaml_char_t *anchor =
	    mapping ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
	struct yframe *f;
	int r = count_node(c, 1, &ev->start_mark, err);

	if (r < 0)
		return r;
	if (c->depth > 0 && c->stack[c->depth - 1].key == NULL &&
	    json_object_is_type(c->stack[c->depth - 1].node, json_type_object))
		return conv_error(c, &ev->start_mark, "mapping keys must be scalars", err);
	if (c->depth >= YAML_MAX_DEPTH)
		return conv_error(c, &ev->start_mark,
		                  "document nested too deeply (more than 64 levels)", err);
	f = &c->stack[c->depth++];
	*f = (struct yframe){
	    .node = mapping ? json_object_new_object() : json_object_new_array(),
	    .anchor = anchor != NULL ? xstrdup((const char *)anchor) : NULL,
	    .nodes_at_start = c->nodes - 1,
	};
	return 0;
}

static int on_end(struct yconv *c, const yaml_event_t *ev, struct pp_error *err)
{
	struct yframe f = c->stack[--c->depth];

	free(f.key); /* libyaml never ends a mapping after a lone key */
	if (f.anchor != NULL) {
		anchor_set(c, f.anchor, f.node, c->nodes - f.nodes_at_start, f.height);
		free(f.anchor);
	}
	return conv_add(c, f.node, f.height, &ev->start_mark, err);
}

static int on_alias(struct yconv *c, const yaml_event_t *ev, struct pp_error *err)
{
	struct yanchor *a = anchor_find(c, (const char *)ev->data.alias.anchor);
	int r;

	if (a == NULL)
		return conv_error(c, &ev->start_mark, "unknown anchor", err);
	if (c->depth > 0 && c->stack[c->depth - 1].key == NULL &&
	    json_object_is_type(c->stack[c->depth - 1].node, json_type_object))
		return conv_error(c, &ev->start_mark, "mapping keys must be scalars", err);
	r = count_node(c, a->nodes, &ev->start_mark, err);
	if (r < 0)
		return r;
	return conv_add(c, json_object_get(a->node), a->height, &ev->start_mark, err);
}

static int on_document_end(struct yconv *c)
{
	anchors_clear(c);
	if (c->root != NULL)
		json_object_array_add(c->docs, take_ptr(&c->root));
	return 0;
}

static int on_event(struct yconv *c, const yaml_event_t *ev, struct pp_error *err)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(c, ev, err);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(c, ev, false, err);
	case YAML_MAPPING_START_EVENT:
		return on_start(c, ev, true, err);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(c, ev, err);
	case YAML_ALIAS_EVENT:
		return on_alias(c, ev, err);
	case YAML_DOCUMENT_END_EVENT:
		return on_document_end(c);
	default:
		return 0;
	}
}

static int run_parser(yaml_parser_t *p, struct yconv *c, struct pp_error *err)
{
	for (;;) {
		yaml_event_t ev;
		int r;

		if (!yaml_parser_parse(p, &ev)) {
			yaml_mark_t m = p->problem_mark;

			return conv_error(c, &m, p->problem != NULL ? p->problem : "invalid YAML",
			                  err);
		}
		r = on_event(c, &ev, err);
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return r;
		}
		yaml_event_delete(&ev);
		if (r < 0)
			return r;
	}
}

int pod_yaml_to_json(const char *text, size_t len, const char *src_name, json_object **ret_docs,
                     struct pp_error *err)
{
	struct yconv c = {.src = src_name != NULL ? src_name : "<input>"};
	yaml_parser_t parser;
	int r;

	if (len > YAML_MAX_TEXT)
		return pp_error_msg(err, EFBIG, "%s: manifest too large (more than 8 MiB)", c.src);
	if (!yaml_parser_initialize(&parser))
		return pp_error(err, ENOMEM, "%s: yaml parser", c.src);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	c.docs = json_object_new_array();
	r = run_parser(&parser, &c, err);
	yaml_parser_delete(&parser);
	if (r == 0)
		*ret_docs = take_ptr(&c.docs);
	conv_free(&c);
	return r;
}
