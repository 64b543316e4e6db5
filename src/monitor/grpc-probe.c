/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's grpc probe (pkg/probe/grpc): one Health/Check call over
 * h2c with libnghttp2; the framing is nghttp2's, only the gRPC message
 * and the one protobuf field are ours. */
#include "monitor/grpc-probe.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>

#include "util/clock.h"

size_t grpc_health_request(const char *service, uint8_t *buf, size_t len)
{
	size_t sl = service ? strlen(service) : 0, n = 5, m;

	if (sl > 0) {
		if (len < 5 + 1 + 10 + sl)
			return 0;
		size_t v = sl;

		buf[n++] = 0x0a;
		for (; v >= 0x80; v >>= 7)
			buf[n++] = (uint8_t)((v & 0x7f) | 0x80);
		buf[n++] = (uint8_t)v;
		memcpy(buf + n, service, sl);
		n += sl;
	} else if (len < 5) {
		return 0;
	}
	m = n - 5;
	buf[0] = 0;
	buf[1] = (uint8_t)(m >> 24);
	buf[2] = (uint8_t)(m >> 16);
	buf[3] = (uint8_t)(m >> 8);
	buf[4] = (uint8_t)m;
	return n;
}

static int read_varint(const uint8_t *p, size_t len, size_t *i, uint64_t *ret)
{
	uint64_t v = 0;

	for (int shift = 0; *i < len && shift < 64; shift += 7) {
		uint8_t b = p[(*i)++];

		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*ret = v;
			return 0;
		}
	}
	return -1;
}

int grpc_health_status(const uint8_t *msg, size_t len)
{
	size_t i = 5, end;
	uint64_t key = 0, v = 0;
	int status = GRPC_UNKNOWN;

	if (len < 5 || msg[0] != 0)
		return -1;
	end = 5 + ((size_t)msg[1] << 24 | (size_t)msg[2] << 16 | (size_t)msg[3] << 8 | msg[4]);
	if (end > len)
		return -1;
	while (i < end) {
		if (read_varint(msg, end, &i, &key) < 0)
			return -1;
		if ((key & 7) == 0) {
			if (read_varint(msg, end, &i, &v) < 0)
				return -1;
			if (key >> 3 == 1)
				status = (int)v;
		} else if ((key & 7) == 2) {
			if (read_varint(msg, end, &i, &v) < 0 || v > end - i)
				return -1;
			i += v;
		} else {
			return -1;
		}
	}
	return status;
}

const char *grpc_health_name(int status)
{
	static const char *const names[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

	return status >= 0 && status < 4 ? names[status] : "UNKNOWN";
}

struct call {
	int fd;
	int32_t sid;
	const uint8_t *req;
	size_t req_len, req_off;
	uint8_t body[512];
	size_t body_len;
	int grpc_status; /* -1 until the trailer */
	char grpc_message[256];
	bool done;
};

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud)
{
	struct call *c = ud;
	ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

	(void)s;
	(void)flags;
	if (n < 0)
		return errno == EAGAIN ? NGHTTP2_ERR_WOULDBLOCK : NGHTTP2_ERR_CALLBACK_FAILURE;
	return n;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data, size_t len,
                   void *ud)
{
	struct call *c = ud;

	(void)s;
	(void)flags;
	if (sid == c->sid && len <= sizeof(c->body) - c->body_len) {
		memcpy(c->body + c->body_len, data, len);
		c->body_len += len;
	}
	return 0;
}

/* NOLINTNEXTLINE(readability-function-size): nghttp2's callback type */
static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
                     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
	struct call *c = ud;

	(void)s;
	(void)flags;
	if (f->hd.stream_id != c->sid)
		return 0;
	if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0)
		c->grpc_status = (int)strtol((const char *)value, NULL, 10);
	if (namelen == 12 && memcmp(name, "grpc-message", 12) == 0)
		(void)snprintf(c->grpc_message, sizeof(c->grpc_message), "%.*s", (int)valuelen,
		               (const char *)value);
	return 0;
}

static int on_close(nghttp2_session *s, int32_t sid, uint32_t code, void *ud)
{
	struct call *c = ud;

	(void)s;
	(void)code;
	if (sid == c->sid)
		c->done = true;
	return 0;
}

/* NOLINTNEXTLINE(readability-function-size): nghttp2's callback type */
static ssize_t read_body(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
	struct call *c = ud;
	size_t n = c->req_len - c->req_off < len ? c->req_len - c->req_off : len;

	(void)s;
	(void)sid;
	(void)src;
	memcpy(buf, c->req + c->req_off, n);
	c->req_off += n;
	if (c->req_off == c->req_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* Exchange frames until the call's stream closes or deadline_ms passes.
 * 0, -ETIMEDOUT or -EIO. */
static int pump(nghttp2_session *s, struct call *c, int64_t deadline_ms)
{
	uint8_t buf[4096];

	while (!c->done) {
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
		int64_t left = deadline_ms - pp_now_ms();
		ssize_t n;

		if (nghttp2_session_send(s) != 0)
			return -EIO;
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(c->fd, buf, sizeof(buf));
		if (n <= 0 || nghttp2_session_mem_recv(s, buf, (size_t)n) < 0)
			return -EIO;
	}
	return 0;
}

static int call_run(struct call *c, const char *hostport, int64_t deadline_ms)
{
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_session *s = NULL;
	const nghttp2_nv nv[] = {
#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), 0}
	    NV(":method", "POST"),
	    NV(":scheme", "http"),
	    NV(":path", "/grpc.health.v1.Health/Check"),
	    NV(":authority", hostport),
	    NV("content-type", "application/grpc"),
	    NV("te", "trailers"),
	    NV("user-agent", "kube-probe/1.31"),
#undef NV
	};
	nghttp2_data_provider dp = {.read_callback = read_body};
	int r = -EIO;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return -ENOMEM;
	nghttp2_session_callbacks_set_send_callback(cb, on_send);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_close);
	if (nghttp2_session_client_new(&s, cb, c) == 0 &&
	    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0) == 0 &&
	    (c->sid = nghttp2_submit_request(s, NULL, nv, sizeof(nv) / sizeof(nv[0]), &dp, c)) > 0)
		r = pump(s, c, deadline_ms);
	nghttp2_session_del(s);
	nghttp2_session_callbacks_del(cb);
	return r;
}

/* grpc-go's name of a status code. */
static const char *code_name(int code)
{
	static const char *const names[] = {"OK",
	                                    "Canceled",
	                                    "Unknown",
	                                    "InvalidArgument",
	                                    "DeadlineExceeded",
	                                    "NotFound",
	                                    "AlreadyExists",
	                                    "PermissionDenied",
	                                    "ResourceExhausted",
	                                    "FailedPrecondition",
	                                    "Aborted",
	                                    "OutOfRange",
	                                    "Unimplemented",
	                                    "Internal",
	                                    "Unavailable",
	                                    "DataLoss",
	                                    "Unauthenticated"};

	return code >= 0 && code < 17 ? names[code] : "Unknown";
}

int grpc_check(int fd, const char *hostport, const char *service, int64_t timeout_s, char *msg,
               size_t msglen)
{
	uint8_t req[512];
	struct call c = {.fd = fd, .req = req, .grpc_status = -1};
	int r, st;

	c.req_len = grpc_health_request(service, req, sizeof(req));
	r = call_run(&c, hostport, pp_now_ms() + timeout_s * 1000);
	if (r == -ETIMEDOUT) {
		(void)snprintf(msg, msglen, "timeout: health rpc did not complete within %llds",
		               (long long)timeout_s);
		return 1;
	}
	if (r < 0 || c.grpc_status < 0) {
		(void)snprintf(msg, msglen,
		               "error: health rpc probe failed: rpc error: code = Unavailable desc "
		               "= connection closed");
		return 1;
	}
	if (c.grpc_status == 12) {
		(void)snprintf(msg, msglen,
		               "error: this server does not implement the grpc health protocol "
		               "(grpc.health.v1.Health): %s",
		               c.grpc_message);
		return 1;
	}
	if (c.grpc_status != 0) {
		(void)snprintf(msg, msglen,
		               "error: health rpc probe failed: rpc error: code = %s desc = %s",
		               code_name(c.grpc_status), c.grpc_message);
		return 1;
	}
	st = grpc_health_status(c.body, c.body_len);
	if (st == GRPC_SERVING)
		return 0;
	(void)snprintf(msg, msglen, "service unhealthy (responded with \"%s\")",
	               grpc_health_name(st < 0 ? 0 : st));
	return 1;
}
