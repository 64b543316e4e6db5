/* SPDX-License-Identifier: Apache-2.0 */
/* Port forwarding's loop (kubectl port-forward with the kubelet's CRI
 * PortForward folded in): listeners on the host as client-go opens them,
 * each accepted connection dialled to localhost:REMOTE in the pod
 * (portfwd-dial.c: 127.0.0.1, then ::1, as containerd tries them) and
 * relayed both ways (util/relay.c). One thread, one poll() set rebuilt
 * each round; SIGINT and SIGTERM through a signalfd. */
#include "pod/portfwd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/signalfd.h>
#include <sys/socket.h>

#include "pod/portfwd-dial.h"
#include "pod/state.h"
#include "spec/pod.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/relay.h"
#include "util/sig.h"
#include "util/xalloc.h"

struct listener {
	int fd;
	struct pod_portfwd_port *port;
};

/* A forwarded connection: dialling (pod is connecting, client waits),
 * then relaying. */
struct conn {
	const struct pod_portfwd_port *port;
	int client, pod;
	bool v6;    /* the family being dialled */
	int err_v4; /* how 127.0.0.1 failed, when ::1 is tried */
	bool relaying;
	struct relay relay;
};

struct fwd {
	const struct pod_portfwd *pf;
	struct portfwd_dialer dialer;
	int sigfd;
	struct listener *ls;
	size_t n_ls;
	struct conn **conns;
	size_t n_conns;
};

/* Go's text of an errno ("connection refused"): strerror, lower case. */
static const char *go_strerror(int e, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s", strerror(e));
	if (buf[0] >= 'A' && buf[0] <= 'Z' && (buf[1] < 'A' || buf[1] > 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

/* "127.0.0.1:80", "[::1]:80". */
static void hostport(char *buf, size_t size, int family, const char *ip, unsigned port)
{
	(void)snprintf(buf, size, family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip, port);
}

static void conn_free(struct conn *c)
{
	if (c->relaying) {
		relay_close(&c->relay);
	} else {
		if (c->client >= 0)
			(void)close(c->client);
		if (c->pod >= 0)
			(void)close(c->pod);
	}
	free(c);
}

/* containerd's error for a port nobody listens on, to the caller. */
static void conn_report(struct fwd *f, const struct conn *c, int err_v6)
{
	const struct pod *pod = f->pf->rec->pod;
	struct pp_error e = {0};
	char a[128], b[128];

	(void)pp_error_msg(&e, c->err_v4,
	                   "error forwarding port %u to pod %s, uid : failed to connect to "
	                   "localhost:%u inside namespace \"%s\", IPv4: dial tcp4 127.0.0.1:%u: "
	                   "connect: %s IPv6 dial tcp6 [::1]:%u: connect: %s",
	                   c->port->remote, pod->uid, c->port->remote, pod->uid, c->port->remote,
	                   go_strerror(c->err_v4, a, sizeof(a)), c->port->remote,
	                   go_strerror(err_v6, b, sizeof(b)));
	if (f->pf->ops->failed)
		f->pf->ops->failed(f->pf->ud, c->port, &e);
}

/* Carry c on from the end of a dial (e: 0 connected, > 0 its errno, -1
 * none yet): relay, dial the next family, or report. 1 while c lives, 0
 * when it failed (then free it). */
static int conn_advance(struct fwd *f, struct conn *c, int e)
{
	for (;;) {
		if (e == 0) {
			relay_init(&c->relay, take_fd(&c->client), take_fd(&c->pod));
			c->relaying = true;
			return 1;
		}
		if (e > 0) {
			if (c->pod >= 0)
				(void)close(take_fd(&c->pod));
			if (c->v6) {
				conn_report(f, c, e);
				return 0;
			}
			c->err_v4 = e;
			c->v6 = true;
		}
		e = portfwd_dialer_dial(&f->dialer, c->v6, c->port->remote, &c->pod);
		if (e == 0)
			return 1; /* connecting: POLLOUT tells */
		e = -e;
	}
}

static void conns_add(struct fwd *f, struct conn *c)
{
	f->conns = xrealloc(f->conns, (f->n_conns + 1) * sizeof(struct conn *));
	f->conns[f->n_conns++] = c;
}

/* Accept what waits on l, each connection announced and dialled. */
static void accept_all(struct fwd *f, const struct listener *l)
{
	int fd;

	while ((fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct conn *c = xcalloc(1, sizeof(*c));

		*c = (struct conn){.port = l->port, .client = fd, .pod = -1};
		if (f->pf->ops->accepted)
			f->pf->ops->accepted(f->pf->ud, l->port);
		if (conn_advance(f, c, -1))
			conns_add(f, c);
		else
			conn_free(c);
	}
}

/* What poll said about c (pfd: its two entries). 1 while c lives. */
static int conn_step(struct fwd *f, struct conn *c, const struct pollfd *pfd)
{
	if (!c->relaying) {
		int e = 0;
		socklen_t len = sizeof(e);

		if (pfd[1].revents == 0)
			return 1;
		if (getsockopt(c->pod, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			e = errno;
		return conn_advance(f, c, e);
	}
	if (pfd[0].revents == 0 && pfd[1].revents == 0)
		return 1;
	/* a reset or an error on either side ends the connection, as in kubectl */
	return relay_step(&c->relay, (const short[2]){pfd[0].revents, pfd[1].revents}) > 0;
}

static void conn_poll_set(const struct conn *c, struct pollfd *pfd)
{
	for (int i = 0; i < 2; i++) {
		int fd = c->relaying ? c->relay.fd[i] : (i == 0 ? c->client : c->pod);
		short ev = 0;

		if (c->relaying)
			ev = relay_events(&c->relay, i);
		else if (i == 1)
			ev = POLLOUT; /* dialling: the pod side's connect ends */

		pfd[i] = (struct pollfd){.fd = ev ? fd : -1, .events = ev};
	}
}

/* a's address and port into ss. */
static socklen_t addr_make(const struct pod_portfwd_addr *a, uint16_t port,
                           struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		(void)inet_pton(AF_INET6, a->ip, &in6->sin6_addr); /* parsed before */
		return sizeof(*in6);
	}
	in->sin_family = AF_INET;
	in->sin_port = htons(port);
	(void)inet_pton(AF_INET, a->ip, &in->sin_addr);
	return sizeof(*in);
}

/* A listening socket as Go's net.Listen makes it (SO_REUSEADDR, and
 * IPV6_V6ONLY for tcp6). 0 with *ret_fd, or -errno and the failed step. */
static int listen_fd(const struct pod_portfwd_addr *a, uint16_t port, int *ret_fd,
                     const char **ret_step)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_make(a, port, &ss);
	cleanup_close int fd = -1;
	int one = 1;

	*ret_step = "socket";
	fd = socket(a->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	*ret_step = "setsockopt";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (a->family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0))
		return -errno;
	*ret_step = "bind";
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	*ret_step = "listen";
	if (listen(fd, SOMAXCONN) < 0)
		return -errno;
	*ret_fd = take_fd(&fd);
	return 0;
}

/* Listen on a for p; a random port (0) becomes p's, so the next address
 * takes the same one (client-go). 0 with *ret_fd, or -errno with
 * client-go's error text in why. */
static int listen_one(const struct pod_portfwd_addr *a, struct pod_portfwd_port *p, int *ret_fd,
                      char *why, size_t size)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
		struct sockaddr_storage ss;
	} u;
	socklen_t len = sizeof(u);
	const char *step = NULL;
	char hp[80], e[128];
	int fd = -1, r;

	r = listen_fd(a, p->local, &fd, &step);
	memset(&u, 0, sizeof(u));
	if (r == 0 && getsockname(fd, &u.sa, &len) < 0) {
		r = -errno;
		step = "getsockname";
		(void)close(fd);
	}
	if (r < 0) {
		hostport(hp, sizeof(hp), a->family, a->ip, p->local);
		(void)snprintf(
		    why, size, "unable to create listener: Error listen tcp%c %s: %s: %s",
		    a->family == AF_INET6 ? '6' : '4', hp, step, go_strerror(-r, e, sizeof(e)));
		return r;
	}
	p->local = ntohs(a->family == AF_INET6 ? u.in6.sin6_port : u.in.sin_port);
	*ret_fd = fd;
	return 0;
}

/* Every address for p, as client-go's listenOnPort: the port fails when
 * all "localhost" addresses failed, or any address given by IP did. */
static int listen_port(struct fwd *f, struct pod_portfwd_port *p)
{
	const struct pod_portfwd *pf = f->pf;
	size_t ok_all = 0, bad_all = 0, bad_any = 0, off;
	char why[1024], one[256];
	char hp[80];
	int fd = -1;

	off = (size_t)snprintf(why, sizeof(why),
	                       "Listeners failed to create with the following errors: [");
	for (size_t i = 0; i < pf->n_addrs; i++) {
		const struct pod_portfwd_addr *a = &pf->addrs[i];

		if (listen_one(a, p, &fd, one, sizeof(one)) < 0) {
			*(a->fail_all ? &bad_all : &bad_any) += 1;
			if (off < sizeof(why))
				off += (size_t)snprintf(why + off, sizeof(why) - off, "%s%s",
				                        bad_all + bad_any > 1 ? " " : "", one);
			continue;
		}
		ok_all += a->fail_all;
		f->ls = xrealloc(f->ls, (f->n_ls + 1) * sizeof(*f->ls));
		f->ls[f->n_ls++] = (struct listener){.fd = fd, .port = p};
		hostport(hp, sizeof(hp), a->family, a->ip, p->local);
		if (pf->ops->listening)
			pf->ops->listening(pf->ud, hp, p);
	}
	if ((ok_all == 0 && bad_all > 0) || bad_any > 0) {
		if (off < sizeof(why))
			(void)snprintf(why + off, sizeof(why) - off, "]");
		if (pf->ops->listen_failed)
			pf->ops->listen_failed(pf->ud, p, why);
		return -EADDRINUSE;
	}
	return 0;
}

/* The ports as client-go prints them: "[{8080 80} {9090 90}]". */
static void ports_text(const struct pod_portfwd *pf, char *buf, size_t size)
{
	size_t off = (size_t)snprintf(buf, size, "[");

	for (size_t i = 0; i < pf->n_ports && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s{%u %u}", i ? " " : "",
		                        pf->ports[i].local, pf->ports[i].remote);
	if (off < size)
		(void)snprintf(buf + off, size - off, "]");
}

static int listen_all(struct fwd *f, struct pp_error *err)
{
	bool any = false;
	char text[400];

	for (size_t i = 0; i < f->pf->n_ports; i++)
		if (listen_port(f, &f->pf->ports[i]) == 0)
			any = true;
	if (any)
		return 0;
	ports_text(f->pf, text, sizeof(text));
	return pp_error_msg(err, EADDRINUSE, "unable to listen on any of the requested ports: %s",
	                    text);
}

/* Read the pending SIGINT and SIGTERM, so that unblocking them on return
 * does not deliver them again. 0. */
static int signals_drain(int sigfd)
{
	struct signalfd_siginfo si;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	return 0;
}

/* One round: wait, then serve what poll reported. 1 to go on, 0 after
 * SIGINT or SIGTERM, -errno. */
static int loop_once(struct fwd *f, struct pollfd *pfd, struct pp_error *err)
{
	size_t n = 2 + f->n_ls, k = 0;

	pfd[0] = (struct pollfd){.fd = f->sigfd, .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = f->dialer.sandbox, .events = POLLIN};
	for (size_t i = 0; i < f->n_ls; i++)
		pfd[2 + i] = (struct pollfd){.fd = f->ls[i].fd, .events = POLLIN};
	for (size_t i = 0; i < f->n_conns; i++)
		conn_poll_set(f->conns[i], &pfd[n + 2 * i]);
	if (poll(pfd, n + 2 * f->n_conns, -1) < 0)
		return errno == EINTR ? 1 : pp_error(err, errno, "poll");
	if (pfd[0].revents)
		return signals_drain(f->sigfd);
	/* the pause gone: the pod was deleted, or its sandbox is rebuilt with
	 * another network namespace (kubectl ends the same way) */
	if (pfd[1].revents)
		return pp_error_msg(err, ESRCH, "lost connection to pod");
	for (size_t i = 0; i < f->n_conns; i++) {
		struct conn *c = f->conns[i];

		if (conn_step(f, c, &pfd[n + 2 * i]))
			f->conns[k++] = c;
		else
			conn_free(c);
	}
	f->n_conns = k;
	for (size_t i = 0; i < f->n_ls; i++)
		if (pfd[2 + i].revents)
			accept_all(f, &f->ls[i]);
	return 1;
}

static int loop(struct fwd *f, struct pp_error *err)
{
	struct pollfd *pfd = NULL;
	size_t cap = 0;
	int r;

	do {
		size_t need = 2 + f->n_ls + 2 * f->n_conns;

		if (pfd == NULL || need > cap) {
			cap = need * 2;
			pfd = xrealloc(pfd, cap * sizeof(*pfd));
		}
		r = loop_once(f, pfd, err);
	} while (r > 0);
	free(pfd);
	return r;
}

static void fwd_close(struct fwd *f)
{
	for (size_t i = 0; i < f->n_conns; i++)
		conn_free(f->conns[i]);
	free(f->conns);
	for (size_t i = 0; i < f->n_ls; i++)
		(void)close(f->ls[i].fd);
	free(f->ls);
	portfwd_dialer_stop(&f->dialer);
	if (f->sigfd >= 0)
		(void)close(f->sigfd);
}

int pod_portfwd_run(const struct pod_portfwd *pf, struct pp_error *err)
{
	struct fwd f = {.pf = pf, .dialer = {.sock = -1, .pidfd = -1, .sandbox = -1}, .sigfd = -1};
	int r;

	/* blocked before the helper forks: it inherits the mask, we end it.
	 * They stay blocked on return: a second SIGINT (timeout(1) sends one
	 * to us and one to our process group; a user presses ^C twice) must
	 * not kill the exit that the first one began. */
	f.sigfd = sig_int_term_fd(SFD_NONBLOCK, NULL);
	if (f.sigfd < 0)
		r = pp_error(err, errno, "signalfd");
	else
		r = portfwd_dialer_start(pf->rec, &f.dialer, err);
	if (r == 0)
		r = listen_all(&f, err);
	if (r == 0)
		r = loop(&f, err);
	fwd_close(&f);
	return r;
}
