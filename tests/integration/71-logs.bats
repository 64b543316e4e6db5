#!/usr/bin/env bats
# peapod logs as kubectl logs: -f until the container ends, rotation by the
# monitor (kubelet's containerLogMaxSize/MaxFiles) without losing a line,
# --tail across rotated files, --since/--since-time, --all-containers.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

clock_past() { # SECONDS since the epoch
	[ "$(date +%s)" -ge "$1" ]
}

last_line_is() { # POD TEXT
	[ "$("$PEAPOD" logs "$1" --tail 1)" = "$2" ]
}

log_files() { # POD → the files of its container c, run 0
	ls "$PEAPOD_ROOT"/logs/default_"$1"_*/c/ | grep '^0\.log'
}

# Exit status of background job $1, waiting at most $2 seconds for it.
wait_job() {
	local i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le $(($2 * 10)) ] || return 124
		sleep 0.1
	done
	wait "$1"
}

@test "logs -f prints every line as it comes and ends when the container ends" {
	waiter slow 'i=0; while [ ! -e /tmp/go ]; do i=$((i+1)); echo line-$i; sleep 0.05; done; echo done-$i'
	"$PEAPOD" apply -f "$BATS_TEST_TMPDIR/slow.yaml"
	wait_for 30 pod_is slow Running
	"$PEAPOD" logs -f slow >"$BATS_TEST_TMPDIR/out" 2>&1 &
	follower=$!
	wait_for 10 grep -qx line-5 "$BATS_TEST_TMPDIR/out"
	# still following: the container is running
	kill -0 "$follower"
	release slow
	rc=0
	wait_job "$follower" 20 || rc=$?
	[ "$rc" -eq 0 ]
	last=$(tail -n 1 "$BATS_TEST_TMPDIR/out")
	[[ "$last" =~ ^done-([0-9]+)$ ]]
	n=${BASH_REMATCH[1]}
	[ "$n" -ge 5 ]
	# every line once, in order
	diff <(seq 1 "$n" | sed 's/^/line-/'; echo "done-$n") "$BATS_TEST_TMPDIR/out"
	pod_is slow Completed
	# on a container that has ended, -f prints and returns at once
	run timeout 10 "$PEAPOD" logs -f slow --tail 1
	[ "$status" -eq 0 ]
	[ "$output" = "done-$n" ]
}

@test "rotation keeps every line, whole, in at most MAX_FILES files; -f follows it" {
	waiter rot 'while [ ! -e /tmp/go ]; do sleep 0.05; done; seq 1 20000'
	PEAPOD_LOG_MAX_SIZE=200000 PEAPOD_LOG_MAX_FILES=5 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/rot.yaml"
	wait_for 30 pod_is rot Running
	"$PEAPOD" logs -f rot >"$BATS_TEST_TMPDIR/follow" 2>&1 &
	follower=$!
	release rot
	wait_for 30 pod_is rot Completed
	rc=0
	wait_job "$follower" 20 || rc=$?
	[ "$rc" -eq 0 ]
	diff <(seq 1 20000) "$BATS_TEST_TMPDIR/follow"
	run peapod logs rot
	[ "$status" -eq 0 ]
	diff <(seq 1 20000) <(echo "$output")
	# rotated as the kubelet names them, none over the limit, all whole
	files=$(log_files rot)
	[ "$(echo "$files" | wc -l)" -ge 4 ]
	[ "$(echo "$files" | wc -l)" -le 5 ]
	echo "$files" | grep -Eqx '0\.log\.[0-9]{8}-[0-9]{6}(\.[0-9]+)?'
	dir=$(echo "$PEAPOD_ROOT"/logs/default_rot_*/c)
	for f in $files; do
		[ "$(stat -c %s "$dir/$f")" -le 200000 ]
		[ "$(tail -c 1 "$dir/$f" | od -An -c | tr -d ' ')" = '\n' ]
		! grep -Evq '^[0-9T:.-]+Z stdout F [0-9]+$' "$dir/$f" || false
	done
}

@test "rotation drops the oldest files only; --tail counts across rotated files" {
	waiter tail 'seq 1 20000'
	PEAPOD_LOG_MAX_SIZE=50000 PEAPOD_LOG_MAX_FILES=4 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/tail.yaml"
	wait_for 30 pod_is tail Completed
	[ "$(log_files tail | wc -l)" -eq 4 ]
	run peapod logs tail
	# what is kept is the newest lines, without a gap
	first=${lines[0]}
	[ "$first" -gt 1 ]
	diff <(seq "$first" 20000) <(echo "$output")
	# the current file alone holds fewer than 3000 lines
	[ "$(wc -l <"$(echo "$PEAPOD_ROOT"/logs/default_tail_*/c/0.log)")" -lt 3000 ]
	run peapod logs tail --tail 3000
	diff <(seq 17001 20000) <(echo "$output")
	run peapod logs tail --tail=2
	[ "$output" = $'19999\n20000' ]
	run peapod logs tail --tail 0
	[ -z "$output" ]
}

@test "--since and --since-time keep the newer records" {
	waiter since 'echo early; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo late; sleep 3600'
	"$PEAPOD" apply -f "$BATS_TEST_TMPDIR/since.yaml"
	wait_for 30 pod_is since Running
	wait_for 10 last_line_is since early
	# the time of "early", RFC3339Nano
	run peapod logs since --timestamps
	[[ "$output" =~ ^([0-9-]+T[0-9:]+)(\.[0-9]+)?Z\ early$ ]]
	t1=$(date -u -d "${BASH_REMATCH[1]}Z" +%s)
	# "late" comes three seconds of the clock later
	wait_for 10 clock_past $((t1 + 3))
	release since
	wait_for 10 last_line_is since late
	run peapod logs since --since-time "$(date -u -d "@$((t1 + 1))" +%Y-%m-%dT%H:%M:%SZ)"
	[ "$output" = late ]
	run peapod logs since --since-time "$(date -u -d "@$t1" +%Y-%m-%dT%H:%M:%S+00:00)"
	[ "$output" = $'early\nlate' ]
	# a window that starts one second after "early", however slow this machine
	run peapod logs since --since "$(($(date +%s) - t1 - 1))s"
	[ "$output" = late ]
	run peapod logs since --since 1h
	[ "$output" = $'early\nlate' ]
	run peapod logs since --since 5x
	[ "$status" -eq 1 ]
	[[ "$output" =~ 'invalid argument "5x" for "--since" flag' ]]
	run peapod logs since --since 1m --since-time 2026-01-01T00:00:00Z
	[ "$status" -eq 1 ]
	[[ "$output" =~ 'at most one of `sinceTime` or `sinceSeconds` may be specified' ]]
	run peapod logs since --since-time yesterday
	[ "$status" -eq 1 ]
}

@test "--all-containers prints each container's logs in order; --prefix names them" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" two <<'YAML'
  restartPolicy: Never
  containers:
  - name: a
    image: busybox:1.28
    command: ["sh", "-c", "echo a-1; echo a-2"]
  - name: b
    image: busybox:1.28
    command: ["sh", "-c", "echo b-1"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is two Completed
	run peapod logs two --all-containers
	[ "$status" -eq 0 ]
	[ "$output" = $'a-1\na-2\nb-1' ]
	run peapod logs two --all-containers --prefix
	[ "$output" = $'[pod/two/a] a-1\n[pod/two/a] a-2\n[pod/two/b] b-1' ]
	run peapod logs two -c b --prefix --tail 1
	[ "$output" = '[pod/two/b] b-1' ]
	run timeout 10 "$PEAPOD" logs two --all-containers -f --tail 1
	[ "$status" -eq 0 ]
	[ "$output" = $'a-2\nb-1' ]
	run peapod logs two --all-containers -c a
	[ "$status" -eq 1 ]
	[[ "$output" =~ "--all-containers=true should not be specified with container name a" ]]
	run peapod logs two -c nope
	[ "$status" -eq 1 ]
	[[ "$output" =~ "error: container nope is not valid for pod two" ]]
	run peapod logs two -c a -p
	[ "$status" -eq 1 ]
	[[ "$output" =~ 'previous terminated container "a" in pod "two" not found' ]]
}
