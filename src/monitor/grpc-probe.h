/* SPDX-License-Identifier: Apache-2.0 */
/* The kubelet's grpc probe: grpc.health.v1.Health/Check over HTTP/2
 * cleartext (prior knowledge), by libnghttp2. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The health status of a HealthCheckResponse (grpc.health.v1). */
enum grpc_health { GRPC_UNKNOWN = 0, GRPC_SERVING = 1, GRPC_NOT_SERVING = 2 };

/* Encode the gRPC message of HealthCheckRequest{service} (5-byte frame
 * header, then field 1 as tag 0x0a, varint length, bytes) into buf of len
 * bytes. Returns its length, or 0 when it does not fit. */
size_t grpc_health_request(const char *service, uint8_t *buf, size_t len);

/* Decode a HealthCheckResponse gRPC message of len bytes: its status
 * (field 1; 0 UNKNOWN when absent), or -1 when the message is malformed. */
int grpc_health_status(const uint8_t *msg, size_t len);

/* The enum name of a health status ("SERVING", ...). */
const char *grpc_health_name(int status);

/* Run the check on connected socket fd to host:port for service with a
 * deadline of timeout_s seconds. Returns 0 when the service is SERVING,
 * else 1 with the kubelet's failure message in msg (msglen bytes). */
int grpc_check(int fd, const char *hostport, const char *service, int64_t timeout_s, char *msg,
               size_t msglen);
