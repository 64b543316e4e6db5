/* SPDX-License-Identifier: Apache-2.0 */
/* The monotonic clock in milliseconds. */
#include "util/clock.h"

#include <time.h>

int64_t pp_now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t pp_now_ms(void)
{
	return pp_now_ns() / 1000000;
}
