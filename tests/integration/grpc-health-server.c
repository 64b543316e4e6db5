/* SPDX-License-Identifier: Apache-2.0 */
/* A gRPC health server for 77-probes.bats: answers every
 * grpc.health.v1.Health/Check over h2c (libnghttp2) with SERVING when
 * STATUS-FILE holds "SERVING", else NOT_SERVING. Listens on 127.0.0.1 at
 * a free port, which it prints on stdout. Usage: grpc-health-server
 * STATUS-FILE */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

struct conn {
	int fd;
	const char *status_file;
	uint8_t body[7];
	size_t off;
};

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud)
{
	struct conn *c = ud;

	(void)s;
	(void)flags;
	return send(c->fd, data, len, MSG_NOSIGNAL); /* a probe killed mid-call */
}

/* NOLINTNEXTLINE(readability-function-size): nghttp2's callback type */
static ssize_t read_body(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
	struct conn *c = ud;
	size_t n = sizeof(c->body) - c->off < len ? sizeof(c->body) - c->off : len;
	const nghttp2_nv trailer[] = {{(uint8_t *)"grpc-status", (uint8_t *)"0", 11, 1, 0}};

	(void)src;
	memcpy(buf, c->body + c->off, n);
	c->off += n;
	if (c->off == sizeof(c->body)) {
		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		if (nghttp2_submit_trailer(s, sid, trailer, 1) != 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return (ssize_t)n;
}

static int serving(const char *file)
{
	char buf[32] = "";
	FILE *f = fopen(file, "r");

	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		(void)fclose(f);
	}
	return strncmp(buf, "SERVING", 7) == 0;
}

static int on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct conn *c = ud;
	const nghttp2_nv hdrs[] = {
	    {(uint8_t *)":status", (uint8_t *)"200", 7, 3, 0},
	    {(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16, 0},
	};
	nghttp2_data_provider dp = {.read_callback = read_body};
	const uint8_t body[7] = {0, 0, 0, 0, 2, 0x08, (uint8_t)(serving(c->status_file) ? 1 : 2)};

	if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
	    !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	memcpy(c->body, body, sizeof(body));
	c->off = 0;
	return nghttp2_submit_response(s, f->hd.stream_id, hdrs, 2, &dp) == 0
	           ? 0
	           : NGHTTP2_ERR_CALLBACK_FAILURE;
}

static void serve(int fd, const char *status_file)
{
	struct conn c = {.fd = fd, .status_file = status_file};
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_session *s = NULL;
	uint8_t buf[4096];
	ssize_t n;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return;
	nghttp2_session_callbacks_set_send_callback(cb, on_send);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
	if (nghttp2_session_server_new(&s, cb, &c) == 0 &&
	    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0) == 0 &&
	    nghttp2_session_send(s) == 0)
		while ((n = read(fd, buf, sizeof(buf))) > 0 &&
		       nghttp2_session_mem_recv(s, buf, (size_t)n) >= 0 &&
		       nghttp2_session_send(s) == 0)
			;
	nghttp2_session_del(s);
	nghttp2_session_callbacks_del(cb);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), fd;

	if (argc != 2 || lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 16) < 0 || getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
		fprintf(stderr, "usage: grpc-health-server STATUS-FILE\n");
		return 2;
	}
	printf("%d\n", ntohs(a.sin_port));
	(void)fflush(stdout);
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		serve(fd, argv[1]);
		(void)close(fd);
	}
	return 1;
}
