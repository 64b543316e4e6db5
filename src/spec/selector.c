/* SPDX-License-Identifier: Apache-2.0 */
/* Label selectors: apimachinery's labels.Parse grammar (lexer, then a
 * recursive-descent parser with its error words), the structured
 * LabelSelector decoder with ValidateLabelSelector's checks, and
 * Requirement.Matches. */
#include "spec/selector.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "spec/internal.h"
#include "spec/validate.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/xalloc.h"

enum tok {
	T_END,
	T_ID,
	T_COMMA,
	T_NOT,
	T_EQ,
	T_DEQ,
	T_NEQ,
	T_IN,
	T_NOTIN,
	T_OPEN,
	T_CLOSE,
	T_GT,
	T_LT,
};

struct token {
	enum tok t;
	char *lit;
};

struct parser {
	struct token *toks;
	size_t n, pos;
	struct pod_selector *sel;
};

/* The context a token is read in: in and notin are identifiers where a
 * value is expected ("k in (in)"), keywords only where an operator is. */
enum ctx {
	CTX_VALUES,
	CTX_OPERATOR,
};

static const struct {
	const char *s;
	enum tok t;
} symbols[] = {
    {"==", T_DEQ},  {"!=", T_NEQ},  {"=", T_EQ}, {"!", T_NOT}, {"(", T_OPEN},
    {")", T_CLOSE}, {",", T_COMMA}, {">", T_GT}, {"<", T_LT},
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_special(char c)
{
	return c != '\0' && strchr("=!(),><", c) != NULL;
}

static void push_token(struct parser *p, enum tok t, const char *s, size_t len)
{
	p->toks = xrealloc(p->toks, (p->n + 1) * sizeof(*p->toks));
	p->toks[p->n].t = t;
	p->toks[p->n].lit = xstrndup(s, len);
	p->n++;
}

/* One token at s (not whitespace, not the end); returns its length. Special
 * symbols are read longest-match first ("!=" before "!"). */
static size_t lex_one(struct parser *p, const char *s)
{
	size_t len = 0;

	if (is_special(*s)) {
		for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
			len = strlen(symbols[i].s);
			if (strncmp(s, symbols[i].s, len) == 0) {
				push_token(p, symbols[i].t, s, len);
				return len;
			}
		}
	}
	while (s[len] != '\0' && !is_special(s[len]) && !is_ws(s[len]))
		len++;
	if (len == 2 && strncmp(s, "in", 2) == 0)
		push_token(p, T_IN, s, len);
	else if (len == 5 && strncmp(s, "notin", 5) == 0)
		push_token(p, T_NOTIN, s, len);
	else
		push_token(p, T_ID, s, len);
	return len;
}

static void lex(struct parser *p, const char *s)
{
	for (;;) {
		while (is_ws(*s))
			s++;
		if (*s == '\0') {
			push_token(p, T_END, "", 0);
			return;
		}
		s += lex_one(p, s);
	}
}

static enum tok lookahead(const struct parser *p, enum ctx ctx, const char **ret_lit)
{
	const struct token *t = &p->toks[p->pos];

	if (ret_lit != NULL)
		*ret_lit = t->lit;
	if (ctx == CTX_VALUES && (t->t == T_IN || t->t == T_NOTIN))
		return T_ID;
	return t->t;
}

static enum tok consume(struct parser *p, enum ctx ctx, const char **ret_lit)
{
	enum tok t = lookahead(p, ctx, ret_lit);

	if (p->pos + 1 < p->n) /* the end token stays the last one */
		p->pos++;
	return t;
}

/* sets.String: sorted, each value once. */
static void sort_unique(char **v)
{
	size_t n = strv_len(v), out = 0;

	strv_sort(v);
	for (size_t i = 0; i < n; i++) {
		if (out > 0 && strcmp(v[out - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[out++] = v[i];
	}
	if (v != NULL)
		v[out] = NULL;
}

/* Append a requirement; takes key and values. */
static struct pod_sel_req *add_req(struct pod_selector *sel, char *key, enum pod_sel_op op,
                                   char **values)
{
	struct pod_sel_req *r;

	sel->reqs = xrealloc(sel->reqs, (sel->n + 1) * sizeof(*sel->reqs));
	r = &sel->reqs[sel->n++];
	r->key = key;
	r->op = op;
	r->values = values != NULL ? values : xcalloc(1, sizeof(char *));
	if (op == POD_SEL_IN || op == POD_SEL_NOTIN)
		sort_unique(r->values);
	return r;
}

static bool parse_int64(const char *s, int64_t *ret)
{
	char *end = NULL;

	if (*s == '\0')
		return false;
	errno = 0;
	*ret = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* NewRequirement's checks on a parsed requirement's values. */
static int check_values(const struct pod_sel_req *r, struct pp_error *err)
{
	char path[POD_PATH_MAX];
	int64_t n;
	int rc;

	for (size_t i = 0; r->values[i] != NULL; i++) {
		(void)snprintf(path, sizeof(path), "values[%zu]", i);
		if ((r->op == POD_SEL_GT || r->op == POD_SEL_LT) && !parse_int64(r->values[i], &n))
			return pod_invalid(path, r->values[i],
			                   "for 'Gt', 'Lt' operators, the value must be an integer",
			                   err);
		(void)snprintf(path, sizeof(path), "values[%zu][%s]", i, r->key);
		rc = pod_check_label_value(path, r->values[i], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* key, or !key: the key, and whether it alone is the requirement. */
static int parse_key(struct parser *p, char **ret_key, enum pod_sel_op *ret_op, bool *ret_alone,
                     struct pp_error *err)
{
	const char *lit = NULL;
	bool negated = false;
	enum tok t = consume(p, CTX_VALUES, &lit);
	int r;

	if (t == T_NOT) {
		negated = true;
		t = consume(p, CTX_VALUES, &lit);
	}
	if (t != T_ID)
		return pp_error_msg(err, EINVAL, "found '%s', expected: identifier", lit);
	r = pod_check_qualified_name("<nil>", lit, err);
	if (r < 0)
		return r;
	t = lookahead(p, CTX_VALUES, NULL);
	*ret_key = xstrdup(lit);
	*ret_op = negated ? POD_SEL_NOT_EXISTS : POD_SEL_EXISTS;
	*ret_alone = negated || t == T_END || t == T_COMMA;
	return 0;
}

static int parse_operator(struct parser *p, enum pod_sel_op *ret, struct pp_error *err)
{
	static const enum pod_sel_op ops[] = {
	    [T_EQ] = POD_SEL_EQ, [T_DEQ] = POD_SEL_EQ,      [T_NEQ] = POD_SEL_NE,
	    [T_IN] = POD_SEL_IN, [T_NOTIN] = POD_SEL_NOTIN, [T_GT] = POD_SEL_GT,
	    [T_LT] = POD_SEL_LT,
	};
	const char *lit = NULL;
	enum tok t = consume(p, CTX_OPERATOR, &lit);

	if (t != T_EQ && t != T_DEQ && t != T_NEQ && t != T_IN && t != T_NOTIN && t != T_GT &&
	    t != T_LT)
		return pp_error_msg(err, EINVAL,
		                    "found '%s', expected: in, notin, =, ==, !=, gt, lt", lit);
	*ret = ops[t];
	return 0;
}

/* ( a, b, , c ): empty items are "" values. */
static int parse_value_list(struct parser *p, char ***values, struct pp_error *err)
{
	const char *lit = NULL;

	for (;;) {
		enum tok t = consume(p, CTX_VALUES, &lit);

		if (t == T_ID) {
			strv_push(values, lit);
			t = lookahead(p, CTX_VALUES, &lit);
			if (t == T_CLOSE)
				return 0;
			if (t != T_COMMA)
				return pp_error_msg(err, EINVAL, "found '%s', expected: ',' or ')'",
				                    lit);
		} else if (t == T_COMMA) {
			t = lookahead(p, CTX_VALUES, NULL);
			if (*values == NULL || t == T_CLOSE || t == T_COMMA)
				strv_push(values, "");
			if (t == T_CLOSE)
				return 0;
		} else {
			return pp_error_msg(err, EINVAL, "found '%s', expected: ',', or identifier",
			                    lit);
		}
	}
}

static int parse_set(struct parser *p, char ***values, struct pp_error *err)
{
	const char *lit = NULL;
	enum tok t = consume(p, CTX_VALUES, &lit);
	int r;

	if (t != T_OPEN)
		return pp_error_msg(err, EINVAL, "found '%s' expected: '('", lit);
	t = lookahead(p, CTX_VALUES, &lit);
	if (t == T_CLOSE) {
		(void)consume(p, CTX_VALUES, NULL);
		strv_push(values, "");
		return 0;
	}
	if (t != T_ID && t != T_COMMA)
		return pp_error_msg(err, EINVAL, "found '%s', expected: ',', ')' or identifier",
		                    lit);
	r = parse_value_list(p, values, err);
	if (r < 0)
		return r;
	if (consume(p, CTX_VALUES, NULL) != T_CLOSE)
		return pp_error_msg(err, EINVAL, "found '%s', expected: ')'", lit);
	return 0;
}

static int parse_exact_value(struct parser *p, char ***values, struct pp_error *err)
{
	const char *lit = NULL;
	enum tok t = lookahead(p, CTX_VALUES, NULL);

	if (t == T_END || t == T_COMMA) {
		strv_push(values, "");
		return 0;
	}
	if (consume(p, CTX_VALUES, &lit) != T_ID)
		return pp_error_msg(err, EINVAL, "found '%s', expected: identifier", lit);
	strv_push(values, lit);
	return 0;
}

static int parse_requirement(struct parser *p, struct pp_error *err)
{
	cleanup_free char *key = NULL;
	cleanup_strv char **values = NULL;
	enum pod_sel_op op = POD_SEL_EXISTS;
	bool alone = false;
	int r = parse_key(p, &key, &op, &alone, err);

	if (r < 0)
		return r;
	if (alone) {
		add_req(p->sel, take_ptr(&key), op, NULL);
		return 0;
	}
	r = parse_operator(p, &op, err);
	if (r < 0)
		return r;
	if (op == POD_SEL_IN || op == POD_SEL_NOTIN)
		r = parse_set(p, &values, err);
	else
		r = parse_exact_value(p, &values, err);
	if (r < 0)
		return r;
	return check_values(add_req(p->sel, take_ptr(&key), op, take_ptr(&values)), err);
}

static int parse_all(struct parser *p, struct pp_error *err)
{
	const char *lit = NULL;

	for (;;) {
		enum tok t = lookahead(p, CTX_VALUES, &lit);
		int r;

		if (t == T_END)
			return 0;
		if (t != T_ID && t != T_NOT)
			return pp_error_msg(
			    err, EINVAL, "found '%s', expected: !, identifier, or 'end of string'",
			    lit);
		r = parse_requirement(p, err);
		if (r < 0)
			return pp_error_prefix(err, r, "unable to parse requirement");
		t = consume(p, CTX_VALUES, &lit);
		if (t == T_END)
			return 0;
		if (t != T_COMMA)
			return pp_error_msg(err, EINVAL,
			                    "found '%s', expected: ',' or 'end of string'", lit);
		t = lookahead(p, CTX_VALUES, &lit);
		if (t != T_ID && t != T_NOT)
			return pp_error_msg(err, EINVAL,
			                    "found '%s', expected: identifier after ','", lit);
	}
}

static int cmp_req(const void *a, const void *b)
{
	return strcmp(((const struct pod_sel_req *)a)->key, ((const struct pod_sel_req *)b)->key);
}

/* By key, as apimachinery sorts them; reqs is NULL when there is none,
 * and qsort wants an array. */
static void sort_reqs(struct pod_selector *sel)
{
	if (sel->n > 0)
		qsort(sel->reqs, sel->n, sizeof(*sel->reqs), cmp_req);
}

int pod_selector_parse(const char *s, struct pod_selector **ret_sel, struct pp_error *err)
{
	struct parser p = {.sel = xcalloc(1, sizeof(struct pod_selector))};
	int r;

	lex(&p, s);
	r = parse_all(&p, err);
	for (size_t i = 0; i < p.n; i++)
		free(p.toks[i].lit);
	free(p.toks);
	if (r < 0) {
		pod_selector_free(p.sel);
		return r;
	}
	sort_reqs(p.sel);
	*ret_sel = p.sel;
	return 0;
}

/* One matchExpressions entry, as decoded. */
struct sel_expr {
	char *key;
	char *operator_;
	char **values;
};

/* The LabelSelector object, as decoded. */
struct sel_json {
	char **label_keys, **label_values;
	struct sel_expr *exprs;
	size_t n_exprs;
};

static const struct pod_field expr_fields[] = {
    {"key", POD_FIELD_STR, offsetof(struct sel_expr, key), NULL},
    {"operator", POD_FIELD_STR, offsetof(struct sel_expr, operator_), NULL},
    {"values", POD_FIELD_STRV, offsetof(struct sel_expr, values), NULL},
    {NULL, 0, 0, NULL},
};

static int decode_match_labels(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	struct sel_json *sj = obj;

	return pod_decode_string_map(v, path, &sj->label_keys, &sj->label_values, err);
}

static int decode_match_exprs(json_object *v, void *obj, const char *path, struct pp_error *err)
{
	static const struct pod_element elem = {expr_fields, sizeof(struct sel_expr)};
	struct sel_json *sj = obj;

	return pod_decode_object_array(v, path, &elem, (void **)&sj->exprs, &sj->n_exprs, err);
}

static const struct pod_field selector_fields[] = {
    {"matchLabels", POD_FIELD_CUSTOM, 0, decode_match_labels},
    {"matchExpressions", POD_FIELD_CUSTOM, 0, decode_match_exprs},
    {NULL, 0, 0, NULL},
};

static void sel_json_free(struct sel_json *sj)
{
	strv_free(sj->label_keys);
	strv_free(sj->label_values);
	for (size_t i = 0; i < sj->n_exprs; i++) {
		free(sj->exprs[i].key);
		free(sj->exprs[i].operator_);
		strv_free(sj->exprs[i].values);
	}
	free(sj->exprs);
}

static int check_match_labels(const struct sel_json *sj, const char *path, struct pp_error *err)
{
	char sub[POD_PATH_MAX];
	int r = 0;

	pod_path_key(sub, path, "matchLabels");
	for (size_t i = 0; r == 0 && sj->label_keys != NULL && sj->label_keys[i] != NULL; i++) {
		r = pod_check_qualified_name(sub, sj->label_keys[i], err);
		if (r == 0)
			r = pod_check_label_value(sub, sj->label_values[i], err);
	}
	return r;
}

/* ValidateLabelSelectorRequirement: the operator, its values, the key. */
static int check_expr(const struct sel_expr *e, const char *path, enum pod_sel_op *ret_op,
                      struct pp_error *err)
{
	static const char *const names[] = {[POD_SEL_IN] = "In",
	                                    [POD_SEL_NOTIN] = "NotIn",
	                                    [POD_SEL_EXISTS] = "Exists",
	                                    [POD_SEL_NOT_EXISTS] = "DoesNotExist"};
	const char *op = e->operator_ != NULL ? e->operator_ : "";
	char sub[POD_PATH_MAX], vpath[POD_PATH_MAX];
	size_t nv = strv_len(e->values);
	int r = -EINVAL;

	pod_path_key(vpath, path, "values");
	for (enum pod_sel_op o = POD_SEL_IN; o <= POD_SEL_NOT_EXISTS; o++)
		if (names[o] != NULL && strcmp(op, names[o]) == 0) {
			*ret_op = o;
			r = 0;
		}
	pod_path_key(sub, path, "operator");
	if (r < 0)
		return pod_invalid(sub, op, "not a valid selector operator", err);
	if ((*ret_op == POD_SEL_IN || *ret_op == POD_SEL_NOTIN) && nv == 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Required value: must be specified when `operator` is 'In' or "
		    "'NotIn'",
		    vpath);
	if ((*ret_op == POD_SEL_EXISTS || *ret_op == POD_SEL_NOT_EXISTS) && nv > 0)
		return pp_error_msg(
		    err, EINVAL,
		    "%s: Forbidden: may not be specified when `operator` is 'Exists' "
		    "or 'DoesNotExist'",
		    vpath);
	pod_path_key(sub, path, "key");
	r = pod_check_qualified_name(sub, e->key != NULL ? e->key : "", err);
	for (size_t i = 0; r == 0 && i < nv; i++) {
		pod_path_index(sub, vpath, i);
		r = pod_check_label_value(sub, e->values[i], err);
	}
	return r;
}

static int selector_build(struct sel_json *sj, const char *path, struct pod_selector *sel,
                          struct pp_error *err)
{
	char sub[POD_PATH_MAX], epath[POD_PATH_MAX];
	int r = check_match_labels(sj, path, err);

	for (size_t i = 0; r == 0 && sj->label_keys != NULL && sj->label_keys[i] != NULL; i++) {
		char **v = NULL;

		strv_push(&v, sj->label_values[i]);
		add_req(sel, xstrdup(sj->label_keys[i]), POD_SEL_EQ, v);
	}
	pod_path_key(epath, path, "matchExpressions");
	for (size_t i = 0; r == 0 && i < sj->n_exprs; i++) {
		enum pod_sel_op op = POD_SEL_EXISTS;

		pod_path_index(sub, epath, i);
		r = check_expr(&sj->exprs[i], sub, &op, err);
		if (r == 0)
			add_req(sel, xstrdup(sj->exprs[i].key), op, take_ptr(&sj->exprs[i].values));
	}
	return r;
}

int pod_selector_from_json(json_object *o, const char *path, struct pod_selector **ret_sel,
                           struct pp_error *err)
{
	struct pod_selector *sel = xcalloc(1, sizeof(*sel));
	struct sel_json sj = {0};
	int r = 0;

	if (o != NULL && !json_object_is_type(o, json_type_object))
		r = pod_type_error(path, o, "object", err);
	if (r == 0)
		r = pod_decode_fields(o, selector_fields, &sj, path, err);
	if (r == 0)
		r = selector_build(&sj, path, sel, err);
	sel_json_free(&sj);
	if (r < 0) {
		pod_selector_free(sel);
		return r;
	}
	sort_reqs(sel);
	*ret_sel = sel;
	return 0;
}

static bool has_label(char *const *keys, char *const *values, const char *key, const char **ret)
{
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
		if (strcmp(keys[i], key) == 0) {
			*ret = values[i];
			return true;
		}
	}
	return false;
}

static bool in_values(char *const *values, const char *v)
{
	for (size_t i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], v) == 0)
			return true;
	return false;
}

static bool req_matches(const struct pod_sel_req *r, char *const *keys, char *const *values)
{
	const char *v = NULL;
	bool has = has_label(keys, values, r->key, &v);
	int64_t lv, rv;

	switch (r->op) {
	case POD_SEL_EQ:
	case POD_SEL_IN:
		return has && in_values(r->values, v);
	case POD_SEL_NE:
	case POD_SEL_NOTIN:
		return !has || !in_values(r->values, v);
	case POD_SEL_EXISTS:
		return has;
	case POD_SEL_NOT_EXISTS:
		return !has;
	case POD_SEL_GT:
	case POD_SEL_LT:
		if (!has || strv_len(r->values) != 1 || !parse_int64(v, &lv) ||
		    !parse_int64(r->values[0], &rv))
			return false;
		return r->op == POD_SEL_GT ? lv > rv : lv < rv;
	}
	return false;
}

bool pod_selector_matches(const struct pod_selector *sel, char *const *keys, char *const *values)
{
	for (size_t i = 0; sel != NULL && i < sel->n; i++)
		if (!req_matches(&sel->reqs[i], keys, values))
			return false;
	return true;
}

struct pod_selector *pod_selector_free(struct pod_selector *sel)
{
	if (sel == NULL)
		return NULL;
	for (size_t i = 0; i < sel->n; i++) {
		free(sel->reqs[i].key);
		strv_free(sel->reqs[i].values);
	}
	free(sel->reqs);
	free(sel);
	return NULL;
}
