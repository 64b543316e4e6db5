/* SPDX-License-Identifier: Apache-2.0 */
/* kubectl port-forward's arguments (pod/portfwd-spec.c) as kubectl and
 * client-go read them, and the byte relay (util/relay.c) over socketpairs:
 * everything through, half-closes passed on, a reset reported. */
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
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/wait.h>

#include "pod/portfwd.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/relay.h"
#include "util/syscall.h"

static void parse_ok(const char *spec, unsigned local, unsigned remote)
{
	cleanup_free struct pod_portfwd_port *p = NULL;
	char *specs[] = {(char *)spec};
	struct pp_error err = {0};

	assert_int_equal(pod_portfwd_ports_parse(specs, 1, &p, &err), 0);
	assert_int_equal(p[0].local, local);
	assert_int_equal(p[0].remote, remote);
}

static void parse_bad(const char *spec, const char *msg)
{
	struct pod_portfwd_port *p = NULL;
	char *specs[] = {(char *)spec};
	struct pp_error err = {0};

	assert_int_equal(pod_portfwd_ports_parse(specs, 1, &p, &err), -EINVAL);
	assert_null(p);
	assert_string_equal(err.msg, msg);
}

static void test_ports(void **state)
{
	(void)state;
	parse_ok("8080:80", 8080, 80);
	parse_ok("80", 80, 80);
	parse_ok(":80", 0, 80);
	parse_ok("0:65535", 0, 65535);
	parse_bad("0", "remote port must be > 0");
	parse_bad("70000", "error parsing local port '70000': strconv.ParseUint: parsing "
	                   "\"70000\": value out of range");
	parse_bad("80:", "error parsing remote port '': strconv.ParseUint: parsing \"\": invalid "
	                 "syntax");
	parse_bad("x:80", "error parsing local port 'x': strconv.ParseUint: parsing \"x\": invalid "
	                  "syntax");
	parse_bad("1:2:3", "invalid port format '1:2:3'");
}

static void test_named_ports(void **state)
{
	struct pod_port ports[] = {{.name = "http", .container_port = 80}};
	struct pod_container ctr = {.name = "c", .ports = ports, .n_ports = 1};
	struct pod pod = {.name = "web", .containers = &ctr, .n_containers = 1};
	char *specs[] = {"8080:http", "http", "9090:90", ":http"};
	cleanup_strv char **out = NULL;
	struct pp_error err = {0};
	char *bad[] = {"a:b"};

	(void)state;
	assert_int_equal(pod_portfwd_resolve_names(&pod, specs, 4, &out, &err), 0);
	assert_string_equal(out[0], "8080:80");
	assert_string_equal(out[1], "80");
	assert_string_equal(out[2], "9090:90");
	assert_string_equal(out[3], ":80");
	assert_null(out[4]);
	assert_int_equal(pod_portfwd_resolve_names(&pod, bad, 1, &out, &err), -ENOENT);
	assert_string_equal(err.msg, "Pod 'web' does not have a named port 'b'");
}

static void test_addresses(void **state)
{
	cleanup_free struct pod_portfwd_addr *a = NULL;
	char *vals[] = {"::1,10.0.0.1", "localhost", "0:0::1"};
	struct pp_error err = {0};
	char *bad[] = {"1.2.3"};
	size_t n = 0;

	(void)state;
	assert_int_equal(pod_portfwd_addrs_parse(vals, 3, &a, &n, &err), 0);
	assert_int_equal(n, 3); /* sorted, ::1 once (from the IP: any failure fails) */
	assert_string_equal(a[0].ip, "10.0.0.1");
	assert_false(a[0].fail_all);
	assert_string_equal(a[1].ip, "127.0.0.1");
	assert_true(a[1].fail_all);
	assert_string_equal(a[2].ip, "::1");
	assert_false(a[2].fail_all);
	free(a);
	a = NULL;
	assert_int_equal(pod_portfwd_addrs_parse(NULL, 0, &a, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(a[0].ip, "127.0.0.1");
	assert_string_equal(a[1].ip, "::1");
	free(a);
	a = NULL;
	assert_int_equal(pod_portfwd_addrs_parse(bad, 1, &a, &n, &err), -EINVAL);
	assert_string_equal(err.msg, "1.2.3 is not a valid IP");
}

/* Poll and step r until it ends (0) or fails; returns that. */
static int relay_run(struct relay *r)
{
	int k = 1;

	while (k > 0) {
		struct pollfd p[2];

		for (int i = 0; i < 2; i++) {
			short ev = relay_events(r, i);

			p[i] = (struct pollfd){.fd = ev ? r->fd[i] : -1, .events = ev};
		}
		assert_true(poll(p, 2, 5000) > 0);
		k = relay_step(r, (const short[2]){p[0].revents, p[1].revents});
	}
	return k;
}

/* More than a buffer each way, then both ends' half-closes. */
static void test_relay(void **state)
{
	int a[2], b[2];
	static struct relay r;
	static char big[3 * RELAY_BUF_SIZE], got[sizeof(big)];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	relay_init(&r, a[1], b[0]);
	/* AF_UNIX buffers hold it all here; the relay moves it in steps */
	assert_int_equal(write(a[0], big, 100000), 100000);
	assert_int_equal(shutdown(a[0], SHUT_WR), 0);
	assert_int_equal(write(b[1], "pong", 4), 4);
	assert_int_equal(shutdown(b[1], SHUT_WR), 0);
	assert_int_equal(relay_run(&r), 0);
	assert_int_equal(read(b[1], got, sizeof(got)), 100000);
	assert_memory_equal(got, big, 100000);
	assert_int_equal(read(b[1], got, sizeof(got)), 0); /* the half-close came */
	assert_int_equal(read(a[0], got, sizeof(got)), 4);
	assert_memory_equal(got, "pong", 4);
	assert_int_equal(read(a[0], got, sizeof(got)), 0);
	relay_close(&r);
	assert_int_equal(r.fd[0], -1);
	(void)close(a[0]);
	(void)close(b[1]);
}

/* A side gone for good: the relay reports it instead of spinning. */
static void test_relay_peer_gone(void **state)
{
	int a[2], b[2];
	static struct relay r;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, b), 0);
	relay_init(&r, a[1], b[0]);
	(void)close(b[1]);
	assert_int_equal(write(a[0], "data", 4), 4);
	assert_int_equal(relay_run(&r), -EPIPE);
	relay_close(&r);
	(void)close(a[0]);
}

/* A TCP socket on 127.0.0.1: listening (its port in *ret_port), or, with
 * listening false, closed again so that nothing listens on that port. */
static int tcp_listener(bool listening, uint16_t *ret_port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(in);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&in, &len), 0);
	*ret_port = ntohs(in.sin_port);
	if (!listening) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	return fd;
}

/* The forwarder's callbacks, in the forked forwarder: one line each down
 * the pipe ud points to. */
static void ev_listening(void *ud, const char *hostport, const struct pod_portfwd_port *p)
{
	dprintf(*(int *)ud, "L %s %u\n", hostport, p->local);
}

static void ev_failed(void *ud, const struct pod_portfwd_port *p, const struct pp_error *e)
{
	dprintf(*(int *)ud, "F %u %s\n", p->local, e->msg);
}

/* A hostNetwork pod (no netns of its own; our pid as its "sandbox"):
 * forwarder forked, its ports read back, then the test talks through. */
static pid_t forwarder_start(struct pod_portfwd_port *ports, size_t n, FILE **ret_events)
{
	static const struct pod_portfwd_addr addr = {.ip = "127.0.0.1", .family = AF_INET};
	static const struct pod_portfwd_ops ops = {.listening = ev_listening, .failed = ev_failed};
	int p[2];
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pod pod = {.name = "web", .uid = "u1", .host_network = true};
		struct pod_record rec = {
		    .pod = &pod, .phase = POD_PHASE_RUNNING, .sandbox_pid = getppid()};
		struct pp_error err = {0};

		(void)close(p[0]);
		_exit(pod_portfwd_run(&(struct pod_portfwd){.rec = &rec,
		                                            .addrs = &addr,
		                                            .n_addrs = 1,
		                                            .ports = ports,
		                                            .n_ports = n,
		                                            .ops = &ops,
		                                            .ud = &p[1]},
		                      &err) == 0
		          ? 0
		          : 1);
	}
	(void)close(p[1]);
	*ret_events = fdopen(p[0], "r");
	assert_non_null(*ret_events);
	for (size_t i = 0; i < n; i++) {
		char line[128];

		assert_non_null(fgets(line, sizeof(line), *ret_events));
		assert_int_equal(strncmp(line, "L 127.0.0.1:", 12), 0);
		ports[i].local = (uint16_t)strtoul(strrchr(line, ' ') + 1, NULL, 10);
		assert_true(ports[i].local > 0);
	}
	return pid;
}

/* pidfd_open(2) is there (valgrind does not know it yet). */
static bool pidfds_work(void)
{
	int fd = sys_pidfd_open(getpid(), 0);

	if (fd < 0)
		return false;
	(void)close(fd);
	return true;
}

/* The whole loop without root: a connection relayed both ways with its
 * half-closes, a refused one reported and closed, SIGTERM ends it, 0. */
static void test_forward_host_network(void **state)
{
	struct pod_portfwd_port ports[2] = {{0, 0}, {0, 0}};
	cleanup_close int server = tcp_listener(true, &ports[0].remote);
	cleanup_close int c = -1, s = -1, refused = -1;
	FILE *events = NULL;
	char buf[512] = "";
	int status = -1;
	pid_t pid;

	(void)state;
	if (!pidfds_work())
		skip();
	(void)tcp_listener(false, &ports[1].remote);
	pid = forwarder_start(ports, 2, &events);
	c = tcp_connect(ports[0].local);
	s = accept4(server, NULL, NULL, SOCK_CLOEXEC);
	assert_true(s >= 0);
	assert_int_equal(write(c, "ping", 4), 4);
	assert_int_equal(shutdown(c, SHUT_WR), 0);
	assert_int_equal(read(s, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(read(s, buf, sizeof(buf)), 0);
	assert_int_equal(write(s, "pong", 4), 4);
	assert_int_equal(close(take_fd(&s)), 0);
	assert_int_equal(read(c, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "pong", 4);
	assert_int_equal(read(c, buf, sizeof(buf)), 0);

	refused = tcp_connect(ports[1].local);
	assert_int_equal(read(refused, buf, sizeof(buf)), 0); /* closed by the forwarder */
	assert_non_null(fgets(buf, sizeof(buf), events));
	assert_non_null(strstr(buf, "IPv4: dial tcp4 127.0.0.1:"));
	assert_non_null(strstr(buf, "connect: connection refused"));

	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	(void)fclose(events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ports),           cmocka_unit_test(test_named_ports),
	    cmocka_unit_test(test_addresses),       cmocka_unit_test(test_relay),
	    cmocka_unit_test(test_relay_peer_gone), cmocka_unit_test(test_forward_host_network),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
