#!/usr/bin/env bats
# Edge cases a first user hit: a pod while it terminates, a lost monitor,
# images in use, missing working dirs, the longest names, empty manifests,
# manifest folders.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

sleeper() { # FILE NAME [GRACE]: a pod whose container ignores SIGTERM
	manifest "$1" "$2" <<YAML
  terminationGracePeriodSeconds: ${3:-30}
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
YAML
}

@test "a terminating pod is listed as Terminating, and exec and logs still work" {
	sleeper "$BATS_TEST_TMPDIR/p.yaml" term 20
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is term Running
	peapod delete pod term >/dev/null 2>&1 &
	first=$!
	wait_for 10 pod_is term Terminating
	run peapod exec term -- echo still-here
	[ "$status" -eq 0 ]
	[ "$output" = "still-here" ]
	run peapod logs term
	[ "$status" -eq 0 ]
	run peapod get pods term -o json
	[[ "$output" =~ '"deletionTimestamp": "' ]]
	# a second delete may shorten the grace period
	run peapod delete pod term --now
	[ "$status" -eq 0 ]
	wait "$first"
	run peapod get pods term
	[ "$status" -eq 1 ]
}

@test "a pod whose monitor and supervisor were killed shows Unknown, and delete still removes all of it" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	uid=$(readlink "$PEAPOD_ROOT/run/names/default/nginx")
	mon=$(sed -n 's/.*"monitorPid": *\([0-9]*\).*/\1/p' "$PEAPOD_ROOT/run/pods/$uid/pod.json")
	[ -n "$mon" ]
	grep -q "monitor" "/proc/$mon/cmdline"
	sup=$(awk '{print $4}' "/proc/$mon/stat") # its supervisor would replace it
	grep -q "monitor" "/proc/$sup/cmdline"
	kill -9 "$sup" "$mon"
	wait_for 10 pod_is nginx Unknown
	run peapod delete pod nginx
	[ "$status" -eq 0 ]
	run pgrep -f "^nginx: master process"
	for p in $output; do
		run grep -q "$uid" "/proc/$p/cgroup"
		[ "$status" -ne 0 ]
	done
}

@test "image rm of an image a pod uses is refused" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	run peapod image rm busybox:1.28
	[ "$status" -eq 1 ]
	[[ "$output" =~ 'is in use by pod "default/nginx"' ]]
	run peapod image ls
	[[ "$output" =~ busybox ]]
	peapod exec nginx -c shell -- true
}

@test "a missing workingDir is created, as runc does" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" wd <<'YAML'
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    workingDir: /new/dir
    command: ["pwd"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is wd Completed
	run peapod logs wd
	[ "$output" = "/new/dir" ]
}

@test "a 253-character pod name works (hostname cut to 63)" {
	name=$(printf 'a%.0s' $(seq 253))
	manifest "$BATS_TEST_TMPDIR/p.yaml" "$name" <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	wait_for 30 pod_is "$name" Running
	run peapod exec "$name" -- hostname
	[ "$output" = "$(printf 'a%.0s' $(seq 63))" ]
	run peapod delete pod "$name" --now
	[ "$status" -eq 0 ]
}

@test "an empty manifest is an error; -f DIR applies every manifest in it" {
	: >"$BATS_TEST_TMPDIR/empty.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/empty.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" =~ "no objects passed to apply" ]]
	mkdir "$BATS_TEST_TMPDIR/dir"
	for n in one two; do
		manifest "$BATS_TEST_TMPDIR/dir/$n.yaml" "$n" <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	done
	echo "not a manifest" >"$BATS_TEST_TMPDIR/dir/README"
	run peapod apply -f "$BATS_TEST_TMPDIR/dir"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "pod/one created" ]
	[ "${lines[1]}" = "pod/two created" ]
	run peapod delete -f "$BATS_TEST_TMPDIR/dir" --now
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "a tty gets TERM=xterm, as containerd gives it" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	run timeout 30 script -qec "$PEAPOD exec -it nginx -c nginx -- sh -c 'echo term=\$TERM'" /dev/null </dev/null
	[[ "$output" =~ term=xterm ]]
	run peapod exec nginx -c nginx -- sh -c 'echo term=$TERM'
	[ "$output" = "term=" ]
}

@test "apply racing delete leaves either no pod or a visible one, never an orphan" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" race <<'YAML'
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	for i in $(seq 15); do
		timeout 30 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml" >/dev/null 2>&1 &
		sleep "0.0$((i % 5))"
		timeout 30 "$PEAPOD" delete pod race --now >/dev/null 2>&1 || true
		wait $!
		run "$PEAPOD" get pods race
		if [ "$status" -eq 0 ]; then
			peapod delete pod race --now
		fi
		# nothing of the pod may be left: no monitor, no pod folder
		[ -z "$(leaked_monitors)" ]
		[ -z "$(ls -A "$PEAPOD_ROOT/run/pods")" ]
	done
}

@test "applies of one pod at once: one creates it, the others say unchanged or AlreadyExists" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" twin <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	pids=()
	for i in 1 2 3 4; do
		timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml" >"$BATS_TEST_TMPDIR/out$i" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
	cat "$BATS_TEST_TMPDIR"/out*
	[ "$(cat "$BATS_TEST_TMPDIR"/out* | grep -c '^pod/twin created$')" -eq 1 ]
	# every other one either saw it (unchanged) or lost the race (kubectl's error)
	[ "$(cat "$BATS_TEST_TMPDIR"/out* | grep -c -e '^pod/twin unchanged$' \
		-e "^Error from server (AlreadyExists): error when creating \"$BATS_TEST_TMPDIR/p.yaml\": pods \"twin\" already exists$")" -eq 3 ]
	wait_for 30 pod_is twin Running
	[ "$(ls "$PEAPOD_ROOT/run/pods" | wc -l)" -eq 1 ]
}

@test "delete of several pods stops them all at once, output in order" {
	for p in one two; do
		sleeper "$BATS_TEST_TMPDIR/$p.yaml" "$p" 20
		peapod apply -f "$BATS_TEST_TMPDIR/$p.yaml"
	done
	wait_for 30 pod_is one Running
	wait_for 30 pod_is two Running
	timeout 60 "$PEAPOD" delete pod one two >"$BATS_TEST_TMPDIR/out" 2>&1 &
	del=$!
	# both terminate together, not one after the other's grace period
	wait_for 10 eval 'pod_is one Terminating && pod_is two Terminating'
	run peapod delete pod one two --now
	[ "$status" -eq 0 ]
	wait "$del"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = "$(printf 'pod "one" deleted\npod "two" deleted')" ]
}
