/* SPDX-License-Identifier: Apache-2.0 */
/* The monotonic clock the monitor, the supervisor and a blocking delete
 * time their deadlines with. */
#pragma once

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds (never 0 once the machine has run a
 * millisecond, so 0 may mean "unset"). */
int64_t pp_now_ms(void);

/* CLOCK_MONOTONIC in nanoseconds, for rates and short throttles. */
int64_t pp_now_ns(void);
