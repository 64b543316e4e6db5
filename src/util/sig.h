/* SPDX-License-Identifier: Apache-2.0 */
/* Signals read from an fd. */
#pragma once

#include <signal.h>

/* Block SIGINT and SIGTERM and return a signalfd (O_CLOEXEC, and flags:
 * SFD_NONBLOCK) that reads them. Both are set back to SIG_DFL first: a
 * shell starts background jobs with SIGINT ignored, and an ignored signal
 * never reaches a signalfd (kubectl, in Go, catches it all the same). old
 * (may be NULL) gets the mask before. The fd, or -1 with errno. */
int sig_int_term_fd(int flags, sigset_t *old);
