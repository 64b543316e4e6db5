/* SPDX-License-Identifier: Apache-2.0 */
/* CNI as peapod drives it: which configuration of a folder, the checks on
 * it, and real plugin runs (a shell script that records its environment
 * and stdin): prevResult chaining, capabilities, DEL order, errors in the
 * plugin's words, a missing plugin, a hanging one, results' addresses. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
/* clang-format on */

#include <unistd.h>

#include <sys/stat.h>

#include "net/net.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/xalloc.h"

static char dir[] = "/tmp/peapod-test-net.XXXXXX";

static void put(const char *name, const char *text, mode_t mode)
{
	cleanup_free char *p = xstrfmt("%s/%s", dir, name);

	assert_int_equal(fs_write_atomic(p, text, strlen(text), mode, NULL), 0);
}

static char *slurp(const char *name)
{
	cleanup_free char *p = xstrfmt("%s/%s", dir, name);
	char *buf = NULL;

	assert_int_equal(fs_read_all(p, 1 << 20, &buf, NULL, NULL), 0);
	return buf;
}

/* A plugin: logs "$CNI_COMMAND $0" and its stdin, answers a result with
 * one more IP each (its own name's last byte), or the error of $FAIL. */
static const char *const fake =
    "#!/bin/sh\n"
    "me=${0##*/}\n"
    "cat > \"$LOG.$me.$CNI_COMMAND.in\"\n"
    "echo \"$CNI_COMMAND $me $CNI_CONTAINERID $CNI_NETNS $CNI_IFNAME $CNI_ARGS\" >> \"$LOG\"\n"
    "[ -e /proc/self/fd/50 ] && echo \"fd 50 inherited\" >> \"$LOG\"\n"
    "if [ \"$FAIL\" = \"$me\" ]; then\n"
    "  echo '{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"no room\",\"details\":\"subnet full\"}'\n"
    "  exit 1\n"
    "fi\n"
    "[ \"$HANG\" = \"$me\" ] && exec sleep 30\n"
    "[ \"$CLOSE\" = \"$me\" ] && exec sleep 30 >&-\n"
    "[ \"$FLOOD\" = \"$me\" ] && exec yes\n"
    "[ \"$CNI_COMMAND\" = ADD ] && printf "
    "'{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"fd00::5/64\"},{\"address\":\"10.1.0.5/24\"}]}'\n"
    "exit 0\n";

static struct net_conf conf_of(const char *text)
{
	struct net_conf c = {0};
	json_object *list = NULL;

	assert_int_equal(json_parse_text(text, strlen(text), "list", &list, NULL), 0);
	assert_int_equal(net_conf_from_json(list, "a.conflist", &c, NULL), 0);
	return c;
}

static void setup_dirs(void)
{
	cleanup_free char *netd = xstrfmt("%s/net.d", dir), *bin = xstrfmt("%s/bin", dir);
	cleanup_free char *log = xstrfmt("%s/log", dir);

	assert_int_equal(fs_mkdir_p(netd, 0755, NULL), 0);
	assert_int_equal(fs_mkdir_p(bin, 0755, NULL), 0);
	put("bin/first", fake, 0755);
	put("bin/second", fake, 0755);
	setenv("LOG", log, 1);
	(void)unlink(log);
	unsetenv("FAIL");
	unsetenv("HANG");
	unsetenv("CLOSE");
	unsetenv("FLOOD");
}

static void test_find(void **state)
{
	struct net_conf c = {0};
	struct pp_error err = {0};
	cleanup_free char *netd = NULL, *fifo = NULL;

	(void)state;
	setup_dirs();
	netd = xstrfmt("%s/net.d", dir);
	assert_int_equal(net_conf_find("/nonexistent-peapod", &c, &err), -ENOENT);
	put("net.d/README", "not a config", 0644);
	assert_int_equal(net_conf_find(netd, &c, &err), -ENOENT);
	/* a single plugin's .conf becomes a list of one; name order wins */
	put("net.d/20-b.conf", "{\"cniVersion\":\"0.4.0\",\"name\":\"b\",\"type\":\"first\"}",
	    0644);
	put("net.d/30-c.conflist", "{}", 0644);
	assert_int_equal(net_conf_find(netd, &c, &err), 0);
	assert_string_equal(json_get_str(c.list, "name"), "b");
	assert_string_equal(
	    json_get_str(json_object_array_get_idx(json_get_arr(c.list, "plugins"), 0), "type"),
	    "first");
	net_conf_clear(&c);
	/* the first file is used: a broken one is an error naming it */
	put("net.d/05-broken.conflist", "{\"name\": ", 0644);
	assert_true(net_conf_find(netd, &c, &err) < 0);
	assert_non_null(strstr(err.msg, "05-broken.conflist"));
	put("net.d/05-broken.conflist", "{\"cniVersion\":\"1.0.0\",\"plugins\":[]}", 0644);
	assert_int_equal(net_conf_find(netd, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "name and cniVersion are required"));
	put("net.d/05-broken.conflist",
	    "{\"cniVersion\":\"1.0.0\",\"name\":\"x\",\"plugins\":[{\"type\":\"../../bin/sh\"}]}",
	    0644);
	assert_int_equal(net_conf_find(netd, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "plugins[0].type: missing or invalid"));
	/* a FIFO is refused, not waited on for ever */
	fifo = xstrfmt("%s/01-fifo.conflist", netd);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(net_conf_find(netd, &c, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "01-fifo.conflist': not a regular file"));
}

static const char *const list2 =
    "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":["
    "{\"type\":\"first\",\"k\":1},"
    "{\"type\":\"second\",\"capabilities\":{\"portMappings\":true,\"bandwidth\":true}}]}";

static struct net_call call_of(json_object *rt)
{
	static char bins[300];

	(void)snprintf(bins, sizeof(bins), "/nonexistent:%s/bin", dir);
	return (struct net_call){.bin_dirs = bins,
	                         .container_id = "cid",
	                         .netns = "/run/netns/x",
	                         .ifname = "eth0",
	                         .args = "K8S_POD_NAME=p",
	                         .runtime_config = rt};
}

static void test_add_del(void **state)
{
	cleanup_json json_object *rt = NULL, *res = NULL, *in = NULL;
	struct net_conf c;
	struct net_call call;
	struct pp_error err = {0};
	cleanup_free char *log = NULL, *second = NULL, *first = NULL;
	char *ips[2] = {0};
	const char *rtext = "{\"portMappings\":[{\"hostPort\":8080}],\"other\":1}";

	(void)state;
	setup_dirs();
	c = conf_of(list2);
	/* an fd of the caller's that is not close-on-exec (a monitor's notify
	 * pipe) is not the plugin's */
	assert_int_equal(dup2(STDERR_FILENO, 50), 50);
	(void)json_parse_text(rtext, strlen(rtext), "rt", &rt, NULL);
	call = call_of(rt);
	assert_int_equal(net_cni_add(&c, &call, &res, &err), 0);
	/* the result's IPv4 first */
	assert_int_equal(net_result_ips(res, ips, 2), 2);
	assert_string_equal(ips[0], "10.1.0.5");
	assert_string_equal(ips[1], "fd00::5");
	free(ips[0]);
	free(ips[1]);
	/* the second got the first's result, its declared capability only,
	 * and the list's name and version */
	second = slurp("log.second.ADD.in");
	assert_int_equal(json_parse_text(second, strlen(second), "in", &in, NULL), 0);
	assert_non_null(json_get_obj(in, "prevResult"));
	assert_string_equal(json_get_str(in, "name"), "n");
	assert_string_equal(json_get_str(in, "cniVersion"), "1.0.0");
	assert_non_null(json_get_arr(json_get_obj(in, "runtimeConfig"), "portMappings"));
	assert_null(json_object_object_get(json_get_obj(in, "runtimeConfig"), "other"));
	first = slurp("log.first.ADD.in");
	assert_null(strstr(first, "prevResult"));
	assert_null(strstr(first, "runtimeConfig"));
	/* DEL in reverse order, with the ADD's result */
	assert_int_equal(net_cni_del(&c, &call, res, &err), 0);
	log = slurp("log");
	assert_null(strstr(log, "inherited"));
	assert_string_equal(log, "ADD first cid /run/netns/x eth0 K8S_POD_NAME=p\n"
	                         "ADD second cid /run/netns/x eth0 K8S_POD_NAME=p\n"
	                         "DEL second cid /run/netns/x eth0 K8S_POD_NAME=p\n"
	                         "DEL first cid /run/netns/x eth0 K8S_POD_NAME=p\n");
	(void)close(50);
	free(second);
	second = slurp("log.second.DEL.in");
	assert_non_null(strstr(second, "prevResult"));
	/* CHECK from 0.4.0 on */
	assert_int_equal(net_cni_check(&c, &call, res, &err), 0);
	net_conf_clear(&c);
}

static void test_errors(void **state)
{
	cleanup_json json_object *res = NULL;
	struct net_conf c;
	struct net_call call = call_of(NULL);
	struct pp_error err = {0};

	(void)state;
	setup_dirs();
	c = conf_of(list2);
	setenv("FAIL", "second", 1);
	assert_int_equal(net_cni_add(&c, &call, &res, &err), -EIO);
	assert_null(res);
	assert_string_equal(err.msg,
	                    "plugin type=\"second\" name=\"n\" failed (add): no room; subnet full");
	/* DEL runs every plugin, and says the first failure */
	assert_int_equal(net_cni_del(&c, &call, NULL, &err), -EIO);
	assert_string_equal(
	    err.msg, "plugin type=\"second\" name=\"n\" failed (delete): no room; subnet full");
	unsetenv("FAIL");
	net_conf_clear(&c);
	c = conf_of("{\"cniVersion\":\"0.3.1\",\"name\":\"n\",\"plugins\":[{\"type\":\"nope\"}]}");
	assert_int_equal(net_cni_add(&c, &call, &res, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "plugin type=\"nope\" name=\"n\" failed (add): failed to "
	                                "find plugin \"nope\" in path [/nonexistent:"));
	/* no CHECK before 0.4.0 */
	assert_int_equal(net_cni_check(&c, &call, NULL, &err), 0);
	net_conf_clear(&c);
	/* a hanging plugin is killed at the timeout */
	c = conf_of(list2);
	setenv("HANG", "first", 1);
	call.timeout_s = 1;
	assert_int_equal(net_cni_add(&c, &call, &res, &err), -ETIMEDOUT);
	assert_non_null(strstr(err.msg, "failed (add): timed out after 1 s, killed"));
	/* one that closed its stdout but hangs, and one that never stops talking */
	unsetenv("HANG");
	setenv("CLOSE", "first", 1);
	assert_int_equal(net_cni_add(&c, &call, &res, &err), -ETIMEDOUT);
	unsetenv("CLOSE");
	setenv("FLOOD", "second", 1);
	assert_int_equal(net_cni_add(&c, &call, &res, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "failed (add): more than 1048576 bytes of output"));
	net_conf_clear(&c);
}

static void test_result_ips(void **state)
{
	cleanup_json json_object *old = NULL, *bad = NULL;
	char *ips[2] = {0};
	const char *o = "{\"ip4\":{\"ip\":\"10.2.0.7/16\"}}";
	const char *b = "{\"ips\":[{\"address\":5},{\"address\":\"/8\"}]}";
	const char *h = "{\"ips\":[{\"address\":\"10.9.2.7\\tevil\\n6.6.6.6 x/24\"},"
	                "{\"address\":\"10.9.2.7 \"},{\"address\":\"\\u001b[31m/8\"},"
	                "{\"address\":\"999.1.1.1/8\"},{\"address\":\"fd00::1/64\"}]}";

	(void)state;
	(void)json_parse_text(o, strlen(o), "r", &old, NULL);
	assert_int_equal(net_result_ips(old, ips, 2), 1);
	assert_string_equal(ips[0], "10.2.0.7");
	free(ips[0]);
	(void)json_parse_text(b, strlen(b), "r", &bad, NULL);
	assert_int_equal(net_result_ips(bad, ips, 2), 0);
	/* a plugin's address is checked as one: it lands in /etc/hosts */
	json_object_put(bad);
	bad = NULL;
	(void)json_parse_text(h, strlen(h), "r", &bad, NULL);
	assert_int_equal(net_result_ips(bad, ips, 2), 1);
	assert_string_equal(ips[0], "fd00::1");
	free(ips[0]);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return fs_rm_rf(dir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_add_del),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_result_ips),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
