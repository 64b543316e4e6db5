/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of src/spec/selector.c: kubectl's selector strings, the
 * structured LabelSelector, matching, and apimachinery's error words. */
/* cmocka.h needs these headers first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
/* clang-format on */

#include "spec/selector.h"
#include "util/error.h"

static char *keys[] = {"app", "tier", "n", "empty", NULL};
static char *vals[] = {"web", "front", "5", "", NULL};

static bool sel_match(const char *s)
{
	struct pod_selector *sel = NULL;
	struct pp_error err = {0};
	bool m;

	if (pod_selector_parse(s, &sel, &err) < 0)
		fail_msg("parse '%s': %s", s, err.msg);
	m = pod_selector_matches(sel, keys, vals);
	pod_selector_free(sel);
	return m;
}

static const char *sel_error(const char *s)
{
	static struct pp_error err;
	struct pod_selector *sel = NULL;

	memset(&err, 0, sizeof(err));
	if (pod_selector_parse(s, &sel, &err) == 0) {
		pod_selector_free(sel);
		fail_msg("'%s' parsed", s);
	}
	return err.msg;
}

static void test_equality(void **state)
{
	(void)state;
	assert_true(sel_match(""));
	assert_true(sel_match("app=web"));
	assert_true(sel_match("app==web"));
	assert_true(sel_match(" app = web , tier=front "));
	assert_false(sel_match("app=db"));
	assert_false(sel_match("app!=web"));
	assert_true(sel_match("missing!=x"));
	assert_false(sel_match("missing=x"));
	assert_true(sel_match("empty="));
	assert_true(sel_match("empty=,app=web"));
}

static void test_sets(void **state)
{
	(void)state;
	assert_true(sel_match("app in (db,web)"));
	assert_true(sel_match("app in(web)"));
	assert_false(sel_match("app in (db)"));
	assert_true(sel_match("app notin (db)"));
	assert_false(sel_match("app notin (db, web)"));
	assert_true(sel_match("missing notin (a)"));
	assert_false(sel_match("missing in (a)"));
	assert_true(sel_match("empty in ()"));
	assert_true(sel_match("empty in (,x)"));
	assert_true(sel_match("app in (in,notin,web)"));
	assert_true(sel_match("app,tier in (front),!missing"));
	assert_false(sel_match("!app"));
	assert_false(sel_match("missing"));
	assert_true(sel_match("n>4,n<6"));
	assert_false(sel_match("n>5"));
	assert_false(sel_match("app>1"));
}

static void test_errors(void **state)
{
	(void)state;
	assert_string_equal(sel_error("app ("),
	                    "unable to parse requirement: found '(', expected: in, notin, =, ==, "
	                    "!=, gt, lt");
	assert_string_equal(sel_error("app IN (a)"),
	                    "unable to parse requirement: found 'IN', expected: in, notin, =, ==, "
	                    "!=, gt, lt");
	assert_string_equal(sel_error("app in a"),
	                    "unable to parse requirement: found 'a' expected: '('");
	assert_string_equal(sel_error("app in (a b)"),
	                    "unable to parse requirement: found 'b', expected: ',' or ')'");
	assert_string_equal(sel_error("app=web,"), "found '', expected: identifier after ','");
	assert_string_equal(sel_error("app=web x"), "found 'x', expected: ',' or 'end of string'");
	assert_string_equal(sel_error("=x"),
	                    "found '=', expected: !, identifier, or 'end of string'");
	assert_string_equal(sel_error("!=x"),
	                    "found '!=', expected: !, identifier, or 'end of string'");
	assert_string_equal(sel_error("!(x"),
	                    "unable to parse requirement: found '(', expected: identifier");
	assert_string_equal(sel_error("!a=b"), "found '=', expected: ',' or 'end of string'");
	assert_string_equal(
	    sel_error("app:web"),
	    "unable to parse requirement: <nil>: Invalid value: \"app:web\": name part must consist "
	    "of alphanumeric characters, '-', '_' or '.', and must start and end with an "
	    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
	    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
	assert_non_null(
	    strstr(sel_error("app=-x"),
	           "unable to parse requirement: values[0][app]: Invalid value: \"-x\""));
	assert_string_equal(sel_error("n>a"),
	                    "unable to parse requirement: values[0]: Invalid value: \"a\": for "
	                    "'Gt', 'Lt' operators, the value must be an integer");
}

static int json_sel(const char *text, struct pod_selector **ret, struct pp_error *err)
{
	json_object *o = json_tokener_parse(text);
	int r;

	assert_non_null(o);
	r = pod_selector_from_json(o, "spec.labelSelector", ret, err);
	json_object_put(o);
	return r;
}

static void test_json(void **state)
{
	struct pod_selector *sel = NULL;
	struct pp_error err = {0};

	(void)state;
	assert_int_equal(
	    json_sel("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":"
	             "\"tier\",\"operator\":\"In\",\"values\":[\"front\",\"back\"]},"
	             "{\"key\":\"x\",\"operator\":\"DoesNotExist\"}]}",
	             &sel, &err),
	    0);
	assert_int_equal(sel->n, 3);
	assert_string_equal(sel->reqs[0].key, "app");
	assert_true(pod_selector_matches(sel, keys, vals));
	sel = pod_selector_free(sel);
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"NotIn\","
	                          "\"values\":[\"web\"]}]}",
	                          &sel, &err),
	                 0);
	assert_false(pod_selector_matches(sel, keys, vals));
	sel = pod_selector_free(sel);
	assert_int_equal(json_sel("{}", &sel, &err), 0);
	assert_true(pod_selector_matches(sel, NULL, NULL));
	sel = pod_selector_free(sel);
}

static void test_json_errors(void **state)
{
	struct pod_selector *sel = NULL;
	struct pp_error err = {0};

	(void)state;
	assert_int_equal(
	    json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Foo\"}]}", &sel, &err),
	    -EINVAL);
	assert_string_equal(err.msg, "spec.labelSelector.matchExpressions[0].operator: Invalid "
	                             "value: \"Foo\": not a valid selector operator");
	assert_int_equal(
	    json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}", &sel, &err),
	    -EINVAL);
	assert_string_equal(err.msg,
	                    "spec.labelSelector.matchExpressions[0].values: Required value: "
	                    "must be specified when `operator` is 'In' or 'NotIn'");
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\","
	                          "\"values\":[\"x\"]}]}",
	                          &sel, &err),
	                 -EINVAL);
	assert_string_equal(err.msg,
	                    "spec.labelSelector.matchExpressions[0].values: Forbidden: may not be "
	                    "specified when `operator` is 'Exists' or 'DoesNotExist'");
	assert_int_equal(json_sel("{\"matchLabels\":{\"a b\":\"x\"}}", &sel, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "spec.labelSelector.matchLabels: Invalid value: \"a b\""));
	assert_int_equal(json_sel("{\"matchLabel\":{}}", &sel, &err), -EINVAL);
	assert_string_equal(err.msg, "unknown field \"spec.labelSelector.matchLabel\"");
	assert_int_equal(json_sel("[]", &sel, &err), -EINVAL);
	assert_null(sel);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equality),    cmocka_unit_test(test_sets),
	    cmocka_unit_test(test_errors),      cmocka_unit_test(test_json),
	    cmocka_unit_test(test_json_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
