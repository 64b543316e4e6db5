#!/usr/bin/env bats
# Container I/O with the kubelet's semantics: the termination message of
# FallbackToLogsOnError (the log's tail), attach with stdin and stdinOnce at
# the end of the local input (containerd's rule), and `logs -f` across a log
# that rotates faster than a fixed poll would see.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
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

pod_json() { # POD
	timeout 20 "$PEAPOD" get pods "$1" -o json
}

all_terminated() { # POD N: N container statuses, all terminated
	[ "$(pod_json "$1" | jq '[.status.containerStatuses[].state.terminated | select(. != null)] | length')" = "$2" ]
}

message_of() { # POD CONTAINER → state.terminated.message, raw ("null" when none)
	pod_json "$1" | jq -j --arg c "$2" \
		'.status.containerStatuses[] | select(.name == $c) | .state.terminated.message // "null"'
}

message_is() { # POD CONTAINER JSON: state.terminated.message is JSON (a string, or null)
	pod_json "$1" | jq -e --arg c "$2" --argjson m "$3" \
		'.status.containerStatuses[] | select(.name == $c) | .state.terminated.message == $m'
}

@test "FallbackToLogsOnError: a failed container's message is its log's tail, 80 lines, 2048 bytes" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" tm <<'YAML'
  restartPolicy: Never
  containers:
  - name: fallback
    image: busybox:1.28
    command: ["sh", "-c", "echo boom >&2; exit 3"]
    terminationMessagePolicy: FallbackToLogsOnError
  - name: file
    image: busybox:1.28
    command: ["sh", "-c", "echo boom >&2; exit 3"]
  - name: ok
    image: busybox:1.28
    command: ["sh", "-c", "echo fine"]
    terminationMessagePolicy: FallbackToLogsOnError
  - name: written
    image: busybox:1.28
    command: ["sh", "-c", "echo from-log; echo from-file >/dev/termination-log; exit 1"]
    terminationMessagePolicy: FallbackToLogsOnError
  - name: lines
    image: busybox:1.28
    command: ["sh", "-c", "seq 1 100; exit 1"]
    terminationMessagePolicy: FallbackToLogsOnError
  - name: bytes
    image: busybox:1.28
    command: ["sh", "-c", "for i in $(seq 1 90); do printf '%099d\\n' $i; done; exit 1"]
    terminationMessagePolicy: FallbackToLogsOnError
YAML
	timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 60 all_terminated tm 6
	pod_json tm | jq '.status.containerStatuses'
	message_is tm fallback '"boom\n"'
	pod_json tm | jq -e '.status.containerStatuses[] | select(.name == "fallback") | .state.terminated.exitCode == 3'
	# policy File (the default): no file written, no message
	message_is tm file null
	# a container that succeeded gets no log tail
	message_is tm ok null
	# the file, when written, wins
	message_is tm written '"from-file\n"'
	# the last 80 lines...
	diff <(seq 21 100) <(message_of tm lines)
	# ...of which the last 2048 bytes
	message_of tm bytes >"$BATS_TEST_TMPDIR/bytes"
	[ "$(wc -c <"$BATS_TEST_TMPDIR/bytes")" -eq 2048 ]
	diff <(for i in $(seq 1 90); do printf '%099d\n' "$i"; done | tail -c 2048) "$BATS_TEST_TMPDIR/bytes"
}

@test "FallbackToLogsOnError: a restarted container keeps its message in lastState" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" again <<'YAML'
  restartPolicy: OnFailure
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "echo run-failed; exit 7"]
    terminationMessagePolicy: FallbackToLogsOnError
YAML
	timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 60 sh -c "'$PEAPOD' get pods again -o json | jq -e '.status.containerStatuses[0].lastState.terminated != null'"
	pod_json again | jq -e '.status.containerStatuses[0].lastState.terminated.message == "run-failed\n"'
}

@test "attach -i with stdinOnce: the end of input closes the shell's stdin, output streams until it exits" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" once <<'YAML'
  restartPolicy: Never
  containers:
  - name: shell
    image: busybox:1.28
    command: ["sh"]
    stdin: true
    stdinOnce: true
YAML
	timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is once Running
	run timeout 30 sh -c "echo 'echo hi; sleep 1; echo later' | '$PEAPOD' attach -i once -c shell"
	echo "$output"
	[ "$status" -eq 0 ]
	# what the shell printed after the input ended came through the attach
	[[ "$output" =~ (^|$'\n')hi($'\n'|$) ]]
	[[ "$output" =~ (^|$'\n')later($'\n'|$) ]]
	wait_for 20 pod_is once Completed
}

@test "attach -i without stdinOnce: the end of input detaches (containerd's rule), the shell keeps its stdin" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" keep <<'YAML'
  containers:
  - name: shell
    image: busybox:1.28
    command: ["sh"]
    stdin: true
YAML
	timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is keep Running
	run timeout 30 sh -c "echo 'echo hi; sleep 1; echo later' | '$PEAPOD' attach -i keep -c shell"
	[ "$status" -eq 0 ]
	# the shell ran it all (the log has it) and still waits for input
	wait_for 20 sh -c "timeout 10 '$PEAPOD' logs keep | grep -qx later"
	pod_is keep Running
	run timeout 30 sh -c "echo 'echo second' | '$PEAPOD' attach -i keep -c shell"
	[ "$status" -eq 0 ]
	wait_for 20 sh -c "timeout 10 '$PEAPOD' logs keep | grep -qx second"
	pod_is keep Running
}

@test "logs -f keeps up with a log rotating every 4096 bytes: every line once, in order" {
	# 4000 lines in bursts of 100 (about 5 KiB, a rotation or two each);
	# 5 files of 4 KiB hold more than 300 lines, so a follower woken by
	# inotify misses none
	waiter paced 'while [ ! -e /tmp/go ]; do sleep 0.05; done; i=0; while [ $i -lt 40 ]; do seq $((i*100+1)) $((i*100+100)); i=$((i+1)); sleep 0.1; done'
	PEAPOD_LOG_MAX_SIZE=4096 timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/paced.yaml"
	wait_for 30 pod_is paced Running
	timeout 90 "$PEAPOD" logs -f paced >"$BATS_TEST_TMPDIR/follow" 2>&1 &
	local follower=$!
	release paced
	wait_for 60 pod_is paced Completed
	local rc=0
	wait_job "$follower" 30 || rc=$?
	[ "$rc" -eq 0 ]
	diff <(seq 1 4000) "$BATS_TEST_TMPDIR/follow"
	# it did rotate, and only 5 files are kept: the oldest lines are gone
	[ "$(ls "$PEAPOD_ROOT"/logs/default_paced_*/c/ | grep -c '^0\.log')" -eq 5 ]
	run timeout 20 "$PEAPOD" logs paced
	[ "${lines[0]}" -gt 1 ]
}

@test "logs -f during a burst of 20000 lines at 4096-byte rotation: ordered, whole, no duplicate, ends complete" {
	# What is guaranteed (the kubelet's semantics): lines rotated out of the
	# 5 kept files before the follower read them are gone; everything else
	# comes once, whole and in order, and what is still kept comes entire.
	waiter burst 'while [ ! -e /tmp/go ]; do sleep 0.05; done; seq 1 20000'
	PEAPOD_LOG_MAX_SIZE=4096 timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/burst.yaml"
	wait_for 30 pod_is burst Running
	timeout 90 "$PEAPOD" logs -f burst >"$BATS_TEST_TMPDIR/follow" 2>&1 &
	local follower=$!
	release burst
	wait_for 60 pod_is burst Completed
	local rc=0
	wait_job "$follower" 30 || rc=$?
	[ "$rc" -eq 0 ]
	local f=$BATS_TEST_TMPDIR/follow
	echo "followed $(wc -l <"$f") of 20000 lines"
	# whole numbers only, strictly increasing (no duplicate, no reordering)
	! grep -Evq '^[0-9]+$' "$f" || false
	awk 'NR > 1 && $1 <= prev { print "not increasing at line " NR ": " $1; exit 1 } { prev = $1 }' "$f"
	# what the kept files hold is the end of what was followed
	run timeout 20 "$PEAPOD" logs burst
	[ "$status" -eq 0 ]
	local first=${lines[0]}
	diff <(seq "$first" 20000) <(awk -v s="$first" '$1 >= s' "$f")
	[ "$(tail -n 1 "$f")" = 20000 ]
}

# kubectl exec streams through the kubelet: the process never holds the
# caller's own stdio, which it (or a sibling, through /proc/PID/fd) could
# reopen to read or truncate a host file or terminal.
@test "exec without -t: the process gets pipes, never the caller's files" {
	waiter ex 'sleep 3600'
	peapod apply -f "$BATS_TEST_TMPDIR/ex.yaml"
	wait_for 30 pod_is ex Running
	local f=$BATS_TEST_TMPDIR/host-file
	echo HOST-SECRET >"$f"
	timeout 20 "$PEAPOD" exec ex -- sh -c \
		'readlink /proc/self/fd/1; readlink /proc/self/fd/2; echo pwned >/proc/self/fd/1; echo err >&2' \
		>>"$f" 2>&1 </dev/null
	cat "$f"
	[ "$(sed -n 1p "$f")" = HOST-SECRET ]
	[[ "$(sed -n 2p "$f")" == pipe:* ]]
	[[ "$(sed -n 3p "$f")" == pipe:* ]]
	grep -qx pwned "$f"
	grep -qx err "$f"
	# -i: stdin is a pipe too, and its end reaches the process
	run sh -c "echo hello | timeout 20 '$PEAPOD' exec -i ex -- sh -c 'readlink /proc/self/fd/0; cat'"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == pipe:* ]]
	[ "${lines[1]}" = hello ]
	# the exit code and the output of a process that exits at once
	run timeout 20 "$PEAPOD" exec ex -- sh -c 'seq 1 20000; exit 3'
	[ "$status" -eq 3 ]
	[ "$(echo "$output" | grep -c '^[0-9]*$')" = 20000 ]
}
