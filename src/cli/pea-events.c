/* SPDX-License-Identifier: Apache-2.0 */
/* pea events, as runc's: with --stats, one stats event; without, a stream
 * of JSON lines until the container stops: a stats event every --interval
 * (5s by default) and an "oom" event whenever the OOM killer kills in the
 * container's cgroup. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/pea-cli.h"
#include "runtime/runtime.h"
#include "util/error.h"

#define EVENTS_USE  "usage: pea events [--stats] [--interval DURATION] ID"
#define OOM_POLL_MS 100

/* A Go duration ("5s", "250ms", "1m30s", "1.5s") in ms, or -EINVAL. */
static int64_t parse_duration_ms(const char *s)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3},  {"ms", 1},
	             {"s", 1000},  {"m", 60000}, {"h", 3600000}};
	double total = 0;

	if (*s == '\0')
		return -EINVAL;
	while (*s != '\0') {
		char *end = NULL;
		double v = strtod(s, &end);
		size_t i;

		if (end == s || v < 0)
			return -EINVAL;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);

			/* "ms" before "m", "ns"/"us" before "s": first match wins */
			if (strncmp(end, units[i].unit, n) == 0 && (end[n] < 'a' || end[n] > 'z'))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		total += v * units[i].ms;
		s = end + strlen(units[i].unit);
	}
	return total > 1e12 ? -EINVAL : (int64_t)total;
}

/* Print one event line {"type", "id"[, "data"]}; takes data. */
static void emit(const char *type, const char *id, json_object *data)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "id", json_object_new_string(id));
	if (data != NULL)
		json_object_object_add(o, "data", data);
	(void)printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
	(void)fflush(stdout);
	json_object_put(o);
}

static int emit_stats(const char *id)
{
	struct pp_error err = {0};
	json_object *data = NULL;

	if (pea_require_live(id) != 0)
		return 1;
	if (rt_container_stats(arg_root, id, &data, &err) < 0)
		return pea_fail(&err);
	emit("stats", id, data);
	return 0;
}

/* The stream: ends (0) once the container is stopped or gone. */
static int stream(const char *id, int64_t interval_ms)
{
	struct timespec ts = {.tv_nsec = OOM_POLL_MS * 1000L * 1000};
	struct pp_error err = {0};
	uint64_t ooms = 0, now = 0;
	int64_t since = 0;

	if (rt_container_oom_count(arg_root, id, &ooms, &err) < 0)
		return pea_fail(&err);
	for (;;) {
		struct rt_state st = {0};
		bool stopped;

		if (rt_container_oom_count(arg_root, id, &now, NULL) == 0 && now > ooms)
			emit("oom", id, NULL);
		ooms = now > ooms ? now : ooms;
		if (rt_container_state(arg_root, id, &st, NULL) < 0)
			return 0;
		stopped = st.status == RT_STATUS_STOPPED;
		rt_state_clear(&st);
		if (stopped)
			return 0;
		if (since <= 0) {
			(void)emit_stats(id);
			since = interval_ms;
		}
		(void)nanosleep(&ts, NULL);
		since -= OOM_POLL_MS;
	}
}

int pea_cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"stats", no_argument, NULL, 's'},
	    {"interval", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	int64_t interval_ms = 5000;
	bool stats = false;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 's') {
			stats = true;
		} else if (c == 'i') {
			interval_ms = parse_duration_ms(optarg);
			if (interval_ms <= 0)
				return pea_failf("--interval '%s': want a positive duration (5s, "
				                 "250ms)",
				                 optarg);
		} else {
			return pea_failf(EVENTS_USE);
		}
	}
	if (optind + 1 != argc)
		return pea_failf(EVENTS_USE);
	if (stats)
		return emit_stats(argv[optind]);
	return stream(argv[optind], interval_ms);
}
