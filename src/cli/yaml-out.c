/* SPDX-License-Identifier: Apache-2.0 */
/* JSON → YAML for -o yaml. */
#include "cli/yaml-out.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const reserved[] = {
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", ".nan", NULL,
};

/* Output errors are sticky on f (ferror) and, as with every printf of the
 * CLI, not checked byte by byte: nothing useful can be done about a closed
 * stdout halfway through a document. */
static void put_c(int c, FILE *f)
{
	(void)fputc(c, f);
}

static void put_s(const char *s, FILE *f)
{
	(void)fputs(s, f);
}

/* Would s read back as the same string if printed plain (YAML 1.1 and 1.2)? */
static bool plain_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || isspace((unsigned char)s[0]) || isspace((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; reserved[i] != NULL; i++)
		if (strcasecmp(s, reserved[i]) == 0 ||
		    (s[0] == '-' && strcasecmp(s + 1, ".inf") == 0))
			return false;
	/* anything that may be a number, a date or a time */
	if (isdigit((unsigned char)s[0]) ||
	    (strchr("-+.", s[0]) != NULL && (isdigit((unsigned char)s[1]) || s[1] == '.')))
		return false;
	if (strchr("?:,[]{}#&*!|>'\"%@`", s[0]) != NULL)
		return false;
	if (s[0] == '-' && (s[1] == '\0' || s[1] == ' '))
		return false;
	if (s[len - 1] == ':' || strstr(s, ": ") != NULL || strstr(s, " #") != NULL)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static void print_double_quoted(FILE *f, const char *s)
{
	put_c('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			put_s("\\n", f);
		else if (*p == '\t')
			put_s("\\t", f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			put_c(*p, f);
	}
	put_c('"', f);
}

static void print_string(FILE *f, const char *s)
{
	bool printable = true;

	if (plain_ok(s)) {
		put_s(s, f);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		printable = printable && *p >= 0x20 && *p != 0x7f;
	if (!printable) {
		print_double_quoted(f, s);
		return;
	}
	put_c('\'', f);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			put_c('\'', f);
		put_c(*p, f);
	}
	put_c('\'', f);
}

static void print_scalar(FILE *f, json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		put_s("null", f);
		break;
	case json_type_boolean:
		put_s(json_object_get_boolean(o) ? "true" : "false", f);
		break;
	case json_type_int:
		fprintf(f, "%lld", (long long)json_object_get_int64(o));
		break;
	case json_type_double:
		put_s(json_object_to_json_string(o), f);
		break;
	case json_type_string:
		print_string(f, json_object_get_string(o));
		break;
	case json_type_object:
		put_s("{}", f);
		break;
	case json_type_array:
		put_s("[]", f);
		break;
	}
}

static bool is_nested(json_object *o)
{
	if (json_object_is_type(o, json_type_object))
		return json_object_object_length(o) > 0;
	if (json_object_is_type(o, json_type_array))
		return json_object_array_length(o) > 0;
	return false;
}

static void print_map(FILE *f, json_object *o, int indent, bool inline_first);

/* A sequence; inline_first: the first "- " continues the current line. */
static void print_seq(FILE *f, json_object *a, int indent, bool inline_first)
{
	size_t n = json_object_array_length(a);

	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(a, i);

		fprintf(f, "%*s- ", i == 0 && inline_first ? 0 : indent, "");
		if (is_nested(v) && json_object_is_type(v, json_type_object)) {
			print_map(f, v, indent + 2, true);
		} else if (is_nested(v)) {
			print_seq(f, v, indent + 2, true);
		} else {
			print_scalar(f, v);
			put_c('\n', f);
		}
	}
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void print_map(FILE *f, json_object *o, int indent, bool inline_first)
{
	size_t n = 0, len = (size_t)json_object_object_length(o);
	const char **keys = calloc(len ? len : 1, sizeof(*keys));

	if (keys == NULL)
		abort();
	json_object_object_foreach(o, k, v0)
	{
		(void)v0;
		keys[n++] = k;
	}
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_object_get(o, keys[i]);

		fprintf(f, "%*s", i == 0 && inline_first ? 0 : indent, "");
		print_string(f, keys[i]);
		put_c(':', f);
		if (is_nested(v) && json_object_is_type(v, json_type_object)) {
			put_c('\n', f);
			print_map(f, v, indent + 2, false);
		} else if (is_nested(v)) {
			put_c('\n', f);
			print_seq(f, v, indent, false);
		} else {
			put_c(' ', f);
			print_scalar(f, v);
			put_c('\n', f);
		}
	}
	free(keys);
}

void yaml_print(FILE *f, json_object *o)
{
	if (is_nested(o) && json_object_is_type(o, json_type_object)) {
		print_map(f, o, 0, false);
	} else if (is_nested(o)) {
		print_seq(f, o, 0, false);
	} else {
		print_scalar(f, o);
		put_c('\n', f);
	}
}
