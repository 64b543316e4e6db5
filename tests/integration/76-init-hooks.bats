#!/usr/bin/env bats
# spec.initContainers (one at a time, in order, before the app containers;
# Init:N/M, Init:Error, Init:CrashLoopBackOff) and the lifecycle hooks
# postStart and preStop (exec), with the kubelet's semantics.

load helpers

setup() {
	setup_root
	HOST=$BATS_TEST_TMPDIR/host
	mkdir -p "$HOST"
}

teardown() {
	teardown_root
}

init_json() { # P → the initContainerStatuses as JSON
	peapod get pods "$1" -o json | jq -c '.status.initContainerStatuses'
}

phase_is() { # P PHASE
	[ "$(peapod get pods "$1" -o json | jq -r .status.phase)" = "$2" ]
}

lines_at_least() { # FILE WORD N: FILE has at least N lines WORD
	[ "$(grep -cx "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

init_restarts_over() { # P N: the first init container restarted more than N times
	[ "$(peapod get pods "$1" -o json | jq '.status.initContainerStatuses[0].restartCount')" -gt "$2" ]
}

@test "init containers run in order, one at a time, before the app" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" ini <<YAML
  restartPolicy: Always
  initContainers:
  - name: init1
    image: busybox:1.28
    command: ["sh", "-c", "echo init1 >> /h/order; while [ ! -e /h/go1 ]; do sleep 0.1; done"]
    volumeMounts: [{name: h, mountPath: /h}]
  - name: init2
    image: busybox:1.28
    command: ["sh", "-c", "echo init2 >> /h/order; while [ ! -e /h/go2 ]; do sleep 0.1; done"]
    volumeMounts: [{name: h, mountPath: /h}]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "echo app >> /h/order; sleep 3600"]
    volumeMounts: [{name: h, mountPath: /h}]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is ini Init:0/2
	wait_for 30 grep -qx init1 "$HOST/order"
	[ "$(pod_status ini)" = Init:0/2 ]
	[ "$(peapod get pods ini | awk 'NR==2 {print $2}')" = 0/1 ]
	phase_is ini Pending
	touch "$HOST/go1"
	wait_for 30 pod_is ini Init:1/2
	wait_for 30 grep -qx init2 "$HOST/order"
	touch "$HOST/go2"
	wait_for 30 pod_is ini Running
	wait_for 30 grep -qx app "$HOST/order"
	[ "$(cat "$HOST/order" | tr '\n' ' ')" = "init1 init2 app " ]
	init_json ini | jq -e 'map(.state.terminated.reason) == ["Completed","Completed"]'
	peapod get pods ini -o json |
		jq -e '.status.conditions[] | select(.type == "Initialized") | .status == "True"'
	[ "$(peapod get pods ini | awk 'NR==2 {print $2}')" = 1/1 ]
	# an app restart does not run the init containers again
	kill -9 "$(container_pid ini app)"
	wait_for 30 lines_at_least "$HOST/order" app 2
	[ "$(grep -c init1 "$HOST/order")" = 1 ]
	peapod delete pod ini
}

@test "a failing init container with restartPolicy Never fails the pod" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<YAML
  restartPolicy: Never
  initContainers:
  - name: init1
    image: busybox:1.28
    command: ["sh", "-c", "exit 3"]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "touch /h/app-ran; sleep 3600"]
    volumeMounts: [{name: h, mountPath: /h}]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is bad Init:Error
	wait_for 30 phase_is bad Failed
	init_json bad | jq -e '.[0].state.terminated.exitCode == 3'
	peapod get pods bad -o json |
		jq -e '.status.containerStatuses[0].state.waiting.reason == "PodInitializing"'
	[ ! -e "$HOST/app-ran" ]
	# kubectl logs -c reaches init containers too
	run peapod logs bad -c init1
	[ "$status" -eq 0 ]
	peapod delete pod bad
}

@test "an init container whose image is missing blocks the pod: Init:ErrImagePull, then Init:ImagePullBackOff" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" noinit <<'YAML'
  initContainers:
  - name: init1
    image: nothere:1.0
  containers:
  - name: app
    image: busybox:1.28
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	wait_for 40 pod_is noinit Init:ImagePullBackOff
	run peapod get pods noinit -o json
	[ "$(jq -r .status.phase <<<"$output")" = Pending ]
	[ "$(jq -r '.status.containerStatuses[0].state.waiting.reason' <<<"$output")" = PodInitializing ]
}

@test "logs of an init container" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" initlog <<'YAML'
  initContainers:
  - name: init1
    image: busybox:1.28
    command: ["sh", "-c", "echo from-init"]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is initlog Running
	run peapod logs initlog -c init1
	[ "$status" -eq 0 ]
	[ "$output" = "from-init" ]
	run peapod logs initlog -c nope
	[ "$status" -eq 1 ]
}

@test "a failing init container with restartPolicy Always backs off" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" loop <<'YAML'
  initContainers:
  - name: init1
    image: busybox:1.28
    command: ["sh", "-c", "exit 1"]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 60 pod_is loop Init:CrashLoopBackOff
	init_restarts_over loop 0
	phase_is loop Pending
	[ "$(peapod get pods loop | awk 'NR==2 {print $4}')" -ge 1 ]
	peapod get pods loop -o json | jq -e '.status.containerStatuses[0].state.waiting'
	peapod delete pod loop
}

@test "init containers refuse lifecycle and duplicate names" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" x <<'YAML'
  initContainers:
  - name: i
    image: busybox:1.28
    lifecycle:
      postStart: {exec: {command: ["true"]}}
  containers:
  - {name: app, image: busybox:1.28}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *"spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers"* ]]
	manifest "$BATS_TEST_TMPDIR/p.yaml" x <<'YAML'
  initContainers:
  - {name: app, image: busybox:1.28}
  containers:
  - {name: app, image: busybox:1.28}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'spec.initContainers[0].name: Duplicate value: "app"'* ]]
}

@test "postStart runs after the container starts" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" ps <<YAML
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
    lifecycle:
      postStart:
        exec: {command: ["sh", "-c", "echo started > /h/post-start"]}
    volumeMounts: [{name: h, mountPath: /h}]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is ps Running
	wait_for 30 grep -qx started "$HOST/post-start"
	peapod get pods ps -o json | jq -e '.spec.containers[0].lifecycle.postStart.exec.command[0] == "sh"'
	peapod delete pod ps --now
}

@test "a failing postStart kills the container, which is restarted" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" psf <<YAML
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "echo run >> /h/runs; sleep 3600"]
    lifecycle:
      postStart:
        exec: {command: ["sh", "-c", "exit 7"]}
    volumeMounts: [{name: h, mountPath: /h}]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 60 lines_at_least "$HOST/runs" run 2
	peapod get pods psf -o json | jq -e '.status.containerStatuses[0].restartCount >= 1'
	peapod get pods psf -o json | jq -e '.status.containerStatuses[0].lastState.terminated.exitCode == 137'
	peapod delete pod psf --now
}

@test "preStop runs before the stop signal, within the grace period" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" stop <<YAML
  terminationGracePeriodSeconds: 20
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "trap 'test -e /h/pre-stop && echo term > /h/term; exit 0' TERM; while true; do sleep 0.1; done"]
    lifecycle:
      preStop:
        exec: {command: ["sh", "-c", "sleep 1; echo pre > /h/pre-stop"]}
    volumeMounts: [{name: h, mountPath: /h}]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is stop Running
	peapod delete pod stop
	[ "$(cat "$HOST/pre-stop")" = pre ]
	[ "$(cat "$HOST/term")" = term ]
	[ "$(stat -c %Y "$HOST/pre-stop")" -le "$(stat -c %Y "$HOST/term")" ]
}

@test "a failed postStart stops the container gracefully: SIGTERM first, as the kubelet" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" psfail <<'YAML'
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap 'echo got TERM; exit 0' TERM; while :; do sleep 0.1; done"]
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "sleep 1; exit 1"]}}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is psfail Completed
	run peapod get pods psfail -o json
	[ "$(jq -r '.status.containerStatuses[0].state.terminated.exitCode' <<<"$output")" = 0 ]
	run peapod logs psfail
	[[ "$output" =~ "got TERM" ]]
	run peapod describe pod psfail
	[[ "$output" =~ FailedPostStartHook ]]
}

@test "a preStop that uses up the grace period is still followed by the STOPSIGNAL" {
	mkdir "$BATS_TEST_TMPDIR/out"
	manifest "$BATS_TEST_TMPDIR/p.yaml" psover <<YAML
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap 'echo term > /out/t; exit 0' TERM; while :; do sleep 0.1; done"]
    lifecycle:
      preStop: {exec: {command: ["sleep", "30"]}}
    volumeMounts:
    - {name: out, mountPath: /out}
  volumes:
  - {name: out, hostPath: {path: "$BATS_TEST_TMPDIR/out"}}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is psover Running
	run timeout 60 "$PEAPOD" delete pod psover
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/t")" = term ]
}

@test "logs --all-containers shows the init containers first, as kubectl" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" alllogs <<'YAML'
  initContainers:
  - name: init1
    image: busybox:1.28
    command: ["sh", "-c", "echo init done"]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "echo app up; sleep 3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is alllogs Running
	wait_for 10 eval 'peapod logs alllogs -c app | grep -q "app up"'
	run peapod logs alllogs --all-containers --prefix
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '[pod/alllogs/init1] init done\n[pod/alllogs/app] app up')" ]
	run peapod logs alllogs
	[[ "$output" =~ 'Defaulted container "app" out of: app, init1 (init)' ]]
}

@test "logs --all-containers of a pod stuck in its init container shows the init's output" {
	# restartPolicy Never: one run, so its log is complete when it has failed
	manifest "$BATS_TEST_TMPDIR/p.yaml" stuck <<'YAML'
  restartPolicy: Never
  initContainers:
  - name: init1
    image: busybox:1.28
    command: ["sh", "-c", "echo failing; exit 1"]
  containers:
  - name: app
    image: busybox:1.28
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is stuck Init:Error
	run peapod logs stuck --all-containers
	[ "$status" -eq 0 ]
	[[ "$output" =~ failing ]]
}
