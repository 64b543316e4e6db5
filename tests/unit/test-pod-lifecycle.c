/* SPDX-License-Identifier: Apache-2.0 */
/* pod/lifecycle: the kubelet's restart policy, crash-loop back-off and pod
 * phase, row by row. */
/* cmocka.h needs setjmp.h, stdarg.h and stddef.h before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "pod/lifecycle.h"

struct restart_row {
	enum pod_restart_policy policy;
	int exit_code;
	bool init;
	bool restarts;
	/* the pod's phase once this container (the only one) ended */
	enum pod_phase phase;
};

/* Every row of the kubelet's rules: Always, OnFailure, Never against exit
 * code 0 and non-zero, for an app container and an init container. */
static const struct restart_row rows[] = {
    {POD_RESTART_ALWAYS, 0, false, true, POD_PHASE_RUNNING},
    {POD_RESTART_ALWAYS, 1, false, true, POD_PHASE_RUNNING},
    {POD_RESTART_ON_FAILURE, 0, false, false, POD_PHASE_SUCCEEDED},
    {POD_RESTART_ON_FAILURE, 137, false, true, POD_PHASE_RUNNING},
    {POD_RESTART_NEVER, 0, false, false, POD_PHASE_SUCCEEDED},
    {POD_RESTART_NEVER, 2, false, false, POD_PHASE_FAILED},
    /* an init container that completed is done; the app containers come
     * next (they have not run: Pending) */
    {POD_RESTART_ALWAYS, 0, true, false, POD_PHASE_PENDING},
    {POD_RESTART_ON_FAILURE, 0, true, false, POD_PHASE_PENDING},
    {POD_RESTART_NEVER, 0, true, false, POD_PHASE_PENDING},
    /* a failed init container runs again (Pending meanwhile), unless
     * Never: then the pod failed */
    {POD_RESTART_ALWAYS, 1, true, true, POD_PHASE_PENDING},
    {POD_RESTART_ON_FAILURE, 1, true, true, POD_PHASE_PENDING},
    {POD_RESTART_NEVER, 1, true, false, POD_PHASE_FAILED},
};

static void test_restart_policy(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct restart_row *r = &rows[i];

		assert_int_equal(pod_restart_wanted(r->policy, r->init, r->exit_code), r->restarts);
	}
}

/* The phase each row leads to, the monitor's way: an app container that
 * ended is live again when it restarts; after an init container, the app
 * containers wait to be created. */
static void test_phase_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct restart_row *r = &rows[i];
		struct pod_phase_ctr app;
		bool init_failed = false;

		if (r->init) {
			app = (struct pod_phase_ctr){.live = true}; /* not created yet */
			init_failed = !r->restarts && r->exit_code != 0;
		} else {
			app = (struct pod_phase_ctr){
			    .live = r->restarts, .started = true, .failed = r->exit_code != 0};
		}
		assert_int_equal(pod_phase_of(&app, 1, init_failed, false), r->phase);
	}
}

static void test_phase(void **state)
{
	struct pod_phase_ctr two[2] = {
	    {.live = true, .started = false},
	    {.live = false, .started = true, .failed = false},
	};

	(void)state;
	/* no container: nothing failed */
	assert_int_equal(pod_phase_of(NULL, 0, false, false), POD_PHASE_SUCCEEDED);
	/* one ran and completed, one is still being created: Running */
	assert_int_equal(pod_phase_of(two, 2, false, false), POD_PHASE_RUNNING);
	/* none ran yet: Pending */
	two[1] = (struct pod_phase_ctr){.live = true};
	assert_int_equal(pod_phase_of(two, 2, false, false), POD_PHASE_PENDING);
	/* one failed, one completed: Failed */
	two[0] = (struct pod_phase_ctr){.started = true, .failed = true};
	two[1] = (struct pod_phase_ctr){.started = true};
	assert_int_equal(pod_phase_of(two, 2, false, false), POD_PHASE_FAILED);
	/* a live container with a failed past is still running */
	two[0].live = true;
	assert_int_equal(pod_phase_of(two, 2, false, false), POD_PHASE_RUNNING);
	/* eviction and a failed init container win over everything */
	assert_int_equal(pod_phase_of(two, 2, false, true), POD_PHASE_FAILED);
	assert_int_equal(pod_phase_of(two, 2, true, false), POD_PHASE_FAILED);
}

static void test_backoff(void **state)
{
	static const int delays[] = {0, 10, 20, 40, 80, 160, 300, 300, 300};
	int backoff = 0;

	(void)state;
	/* the first restart is at once, then 10 s doubling up to 5 minutes */
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		struct pod_backoff b = pod_backoff_step(backoff, 5000);

		assert_int_equal(b.delay_s, delays[i]);
		backoff = b.next_s;
		/* a monitor that took the pod back rebuilds it from restartCount */
		assert_int_equal(pod_backoff_after((int)i + 1), backoff);
	}
	/* a run of more than 10 minutes resets it; exactly 10 does not */
	assert_int_equal(pod_backoff_step(300, POD_BACKOFF_RESET_MS + 1).delay_s, 0);
	assert_int_equal(pod_backoff_step(300, POD_BACKOFF_RESET_MS + 1).next_s, 10);
	assert_int_equal(pod_backoff_step(40, POD_BACKOFF_RESET_MS).delay_s, 40);
	assert_int_equal(pod_backoff_after(0), 0);
}

/* An image pull or a pod sandbox that keeps failing: 10 s, doubling, 5 min. */
static void test_backoff_next(void **state)
{
	static const int delays[] = {10, 20, 40, 80, 160, 300, 300};
	int backoff = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(delays) / sizeof(delays[0]); i++) {
		backoff = pod_backoff_next(backoff);
		assert_int_equal(backoff, delays[i]);
	}
	assert_int_equal(pod_backoff_next(299), 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_restart_policy), cmocka_unit_test(test_phase_rows),
	    cmocka_unit_test(test_phase),          cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_backoff_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
