/* SPDX-License-Identifier: Apache-2.0 */
/* pod/lifecycle: the kubelet's restart policy, crash-loop back-off, pod
 * phase, init container and sidecar order and termination ordering, row by
 * row. */
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
	enum pod_ctr_kind kind;
	bool restarts;
	/* the pod's phase once this container (the only one) ended */
	enum pod_phase phase;
};

/* Every row of the kubelet's rules: Always, OnFailure, Never against exit
 * code 0 and non-zero, for an app container, an init container and a
 * sidecar. */
static const struct restart_row rows[] = {
    {POD_RESTART_ALWAYS, 0, POD_CTR_APP, true, POD_PHASE_RUNNING},
    {POD_RESTART_ALWAYS, 1, POD_CTR_APP, true, POD_PHASE_RUNNING},
    {POD_RESTART_ON_FAILURE, 0, POD_CTR_APP, false, POD_PHASE_SUCCEEDED},
    {POD_RESTART_ON_FAILURE, 137, POD_CTR_APP, true, POD_PHASE_RUNNING},
    {POD_RESTART_NEVER, 0, POD_CTR_APP, false, POD_PHASE_SUCCEEDED},
    {POD_RESTART_NEVER, 2, POD_CTR_APP, false, POD_PHASE_FAILED},
    /* an init container that completed is done; the app containers come
     * next (they have not run: Pending) */
    {POD_RESTART_ALWAYS, 0, POD_CTR_INIT, false, POD_PHASE_PENDING},
    {POD_RESTART_ON_FAILURE, 0, POD_CTR_INIT, false, POD_PHASE_PENDING},
    {POD_RESTART_NEVER, 0, POD_CTR_INIT, false, POD_PHASE_PENDING},
    /* a failed init container runs again (Pending meanwhile), unless
     * Never: then the pod failed */
    {POD_RESTART_ALWAYS, 1, POD_CTR_INIT, true, POD_PHASE_PENDING},
    {POD_RESTART_ON_FAILURE, 1, POD_CTR_INIT, true, POD_PHASE_PENDING},
    {POD_RESTART_NEVER, 1, POD_CTR_INIT, false, POD_PHASE_FAILED},
    /* a sidecar restarts whatever the policy and the exit code; the app
     * containers have not run yet (Pending) */
    {POD_RESTART_ALWAYS, 0, POD_CTR_SIDECAR, true, POD_PHASE_PENDING},
    {POD_RESTART_ALWAYS, 1, POD_CTR_SIDECAR, true, POD_PHASE_PENDING},
    {POD_RESTART_ON_FAILURE, 0, POD_CTR_SIDECAR, true, POD_PHASE_PENDING},
    {POD_RESTART_ON_FAILURE, 1, POD_CTR_SIDECAR, true, POD_PHASE_PENDING},
    {POD_RESTART_NEVER, 0, POD_CTR_SIDECAR, true, POD_PHASE_PENDING},
    {POD_RESTART_NEVER, 137, POD_CTR_SIDECAR, true, POD_PHASE_PENDING},
};

static void test_restart_policy(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct restart_row *r = &rows[i];

		assert_int_equal(pod_restart_wanted(r->policy, r->kind, r->exit_code), r->restarts);
		/* an ephemeral container is never started again */
		assert_false(pod_restart_wanted(r->policy, POD_CTR_EPHEMERAL, r->exit_code));
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

		if (r->kind != POD_CTR_APP) {
			app = (struct pod_phase_ctr){.live = true}; /* not created yet */
			init_failed = !r->restarts && r->exit_code != 0;
		} else {
			app = (struct pod_phase_ctr){
			    .live = r->restarts, .started = true, .failed = r->exit_code != 0};
		}
		assert_int_equal(pod_phase_of(&app, 1, init_failed, false, false), r->phase);
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
	assert_int_equal(pod_phase_of(NULL, 0, false, false, false), POD_PHASE_SUCCEEDED);
	/* one ran and completed, one is still being created: Running */
	assert_int_equal(pod_phase_of(two, 2, false, false, false), POD_PHASE_RUNNING);
	/* none ran yet: Pending */
	two[1] = (struct pod_phase_ctr){.live = true};
	assert_int_equal(pod_phase_of(two, 2, false, false, false), POD_PHASE_PENDING);
	/* one failed, one completed: Failed */
	two[0] = (struct pod_phase_ctr){.started = true, .failed = true};
	two[1] = (struct pod_phase_ctr){.started = true};
	assert_int_equal(pod_phase_of(two, 2, false, false, false), POD_PHASE_FAILED);
	/* a live container with a failed past is still running */
	two[0].live = true;
	assert_int_equal(pod_phase_of(two, 2, false, false, false), POD_PHASE_RUNNING);
	/* eviction and a failed init container win over everything */
	assert_int_equal(pod_phase_of(two, 2, false, true, false), POD_PHASE_FAILED);
	assert_int_equal(pod_phase_of(two, 2, true, false, false), POD_PHASE_FAILED);
	assert_int_equal(pod_phase_of(two, 2, true, false, true), POD_PHASE_FAILED);
}

/* A pod with sidecars: its phase follows the app containers; a sidecar
 * still stopping after them keeps it Running. */
static void test_phase_sidecar(void **state)
{
	struct pod_phase_ctr app = {.live = true};

	(void)state;
	/* initializing: a sidecar runs, the app waits: Pending */
	assert_int_equal(pod_phase_of(&app, 1, false, false, true), POD_PHASE_PENDING);
	app.started = true;
	assert_int_equal(pod_phase_of(&app, 1, false, false, true), POD_PHASE_RUNNING);
	/* the app completed (Never), the sidecar is being stopped: Running */
	app.live = false;
	assert_int_equal(pod_phase_of(&app, 1, false, false, true), POD_PHASE_RUNNING);
	/* the sidecar stopped (its exit code does not count): Succeeded */
	assert_int_equal(pod_phase_of(&app, 1, false, false, false), POD_PHASE_SUCCEEDED);
	app.failed = true;
	assert_int_equal(pod_phase_of(&app, 1, false, false, true), POD_PHASE_RUNNING);
	assert_int_equal(pod_phase_of(&app, 1, false, false, false), POD_PHASE_FAILED);
	assert_int_equal(pod_phase_of(&app, 1, false, true, true), POD_PHASE_FAILED);
}

/* The pod is over (sidecars stop, nothing starts) when every app
 * container ended for good, or an init container failed for good. */
static void test_is_over(void **state)
{
	struct pod_phase_ctr apps[2] = {{.live = true}, {.live = false, .started = true}};

	(void)state;
	assert_false(pod_is_over(apps, 2, false));
	assert_true(pod_is_over(apps, 2, true));
	apps[0].live = false;
	assert_true(pod_is_over(apps, 2, false));
	apps[0].live = true; /* waiting to be created, or restarting */
	apps[0].started = true;
	assert_false(pod_is_over(apps, 2, false));
	assert_false(pod_is_over(NULL, 0, false));
}

struct turn_row {
	struct pod_init_ctr c[3];
	size_t turn;
};

/* Whose turn among init containers, row by row. */
static const struct turn_row turn_rows[] = {
    /* nothing ran: the first */
    {{{0}, {0}, {0}}, 0},
    /* a plain init container done, then the next */
    {{{.done = true}, {0}, {0}}, 1},
    /* a sidecar not yet started (or its startupProbe not passed) holds up
     * the next */
    {{{.sidecar = true}, {0}, {0}}, 0},
    /* once started, the next runs beside it */
    {{{.sidecar = true, .initialized = true}, {0}, {0}}, 1},
    {{{.sidecar = true, .initialized = true}, {.done = true}, {.sidecar = true}}, 2},
    /* all done or started: the app containers */
    {{{.sidecar = true, .initialized = true}, {.done = true}, {.done = true}}, 3},
    {{{.done = true},
      {.sidecar = true, .initialized = true},
      {.sidecar = true, .initialized = true}},
     3},
};

static void test_init_turn(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(turn_rows) / sizeof(turn_rows[0]); i++)
		assert_int_equal(pod_init_turn(turn_rows[i].c, 3), turn_rows[i].turn);
	assert_int_equal(pod_init_turn(NULL, 0), 0);
}

/* The termination ordering: app a, plain init i, sidecars s1 and s2 (in
 * that order): apps first, then s2, then s1. */
static void test_stop_turn(void **state)
{
	struct pod_stop_ctr c[4] = {
	    {.running = true},
	    {.sidecar = false, .running = false},
	    {.sidecar = true, .running = true},
	    {.sidecar = true, .running = true},
	};

	(void)state;
	assert_true(pod_stop_turn(c, 1, 4, 0));  /* the app at once */
	assert_true(pod_stop_turn(c, 1, 4, 1));  /* a plain init container at once */
	assert_false(pod_stop_turn(c, 1, 4, 2)); /* s1 waits for the app and s2 */
	assert_false(pod_stop_turn(c, 1, 4, 3)); /* s2 waits for the app */
	c[0].running = false;
	assert_false(pod_stop_turn(c, 1, 4, 2));
	assert_true(pod_stop_turn(c, 1, 4, 3));
	c[3].running = false;
	assert_true(pod_stop_turn(c, 1, 4, 2));
	/* a running plain init container holds up no sidecar */
	c[1].running = true;
	assert_true(pod_stop_turn(c, 1, 4, 2));
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
	    cmocka_unit_test(test_phase),          cmocka_unit_test(test_phase_sidecar),
	    cmocka_unit_test(test_is_over),        cmocka_unit_test(test_init_turn),
	    cmocka_unit_test(test_stop_turn),      cmocka_unit_test(test_backoff),
	    cmocka_unit_test(test_backoff_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
