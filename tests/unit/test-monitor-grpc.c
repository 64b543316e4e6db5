/* SPDX-License-Identifier: Apache-2.0 */
/* The grpc probe's message coding: HealthCheckRequest in its gRPC frame,
 * HealthCheckResponse's status out of one. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
/* clang-format on */

#include "monitor/grpc-probe.h"

static void test_request_empty(void **state)
{
	uint8_t buf[64];
	static const uint8_t want[] = {0, 0, 0, 0, 0};

	(void)state;
	assert_int_equal(grpc_health_request("", buf, sizeof(buf)), 5);
	assert_memory_equal(buf, want, 5);
	assert_int_equal(grpc_health_request(NULL, buf, sizeof(buf)), 5);
	assert_int_equal(grpc_health_request("", buf, 4), 0);
}

static void test_request_service(void **state)
{
	uint8_t buf[512], big[300];
	static const uint8_t want[] = {0, 0, 0, 0, 5, 0x0a, 3, 'a', 'b', 'c'};

	(void)state;
	assert_int_equal(grpc_health_request("abc", buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(grpc_health_request("abc", buf, 9), 0);
	/* a 200-byte name: a two-byte varint length (0xc8 0x01) */
	memset(big, 'x', 200);
	big[200] = '\0';
	assert_int_equal(grpc_health_request((char *)big, buf, sizeof(buf)), 5 + 3 + 200);
	assert_int_equal(buf[4], 203);
	assert_int_equal(buf[5], 0x0a);
	assert_int_equal(buf[6], 0xc8);
	assert_int_equal(buf[7], 0x01);
	assert_int_equal(buf[8], 'x');
}

static void test_response(void **state)
{
	static const uint8_t serving[] = {0, 0, 0, 0, 2, 0x08, 1};
	static const uint8_t not_serving[] = {0, 0, 0, 0, 2, 0x08, 2};
	static const uint8_t empty[] = {0, 0, 0, 0, 0};
	/* an unknown length-delimited field 2 before the status */
	static const uint8_t extra[] = {0, 0, 0, 0, 5, 0x12, 1, 'z', 0x08, 1};
	static const uint8_t short_len[] = {0, 0, 0, 0, 9, 0x08, 1};
	static const uint8_t compressed[] = {1, 0, 0, 0, 2, 0x08, 1};
	static const uint8_t bad_varint[] = {0, 0, 0, 0, 2, 0x08, 0x81};

	(void)state;
	assert_int_equal(grpc_health_status(serving, sizeof(serving)), GRPC_SERVING);
	assert_int_equal(grpc_health_status(not_serving, sizeof(not_serving)), GRPC_NOT_SERVING);
	assert_int_equal(grpc_health_status(empty, sizeof(empty)), GRPC_UNKNOWN);
	assert_int_equal(grpc_health_status(extra, sizeof(extra)), GRPC_SERVING);
	assert_int_equal(grpc_health_status(short_len, sizeof(short_len)), -1);
	assert_int_equal(grpc_health_status(compressed, sizeof(compressed)), -1);
	assert_int_equal(grpc_health_status(bad_varint, sizeof(bad_varint)), -1);
	assert_int_equal(grpc_health_status(serving, 3), -1);
	assert_string_equal(grpc_health_name(2), "NOT_SERVING");
	assert_string_equal(grpc_health_name(3), "SERVICE_UNKNOWN");
	assert_string_equal(grpc_health_name(9), "UNKNOWN");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_empty),
	    cmocka_unit_test(test_request_service),
	    cmocka_unit_test(test_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
