#!/usr/bin/env bats
# Native sidecars (initContainers[].restartPolicy: Always), as the kubelet
# runs them: started in order among the init containers, the next one
# starting once the sidecar started (its startupProbe passed), kept running
# and restarted beside the app containers, counted in READY, stopped after
# the app containers (in reverse order) when the pod is deleted or its app
# containers completed.

load helpers

setup() {
	setup_root
	HOST=$BATS_TEST_TMPDIR/host
	mkdir -p "$HOST"
}

teardown() {
	teardown_root
}

init_field() { # P N JQ: a field of initContainerStatuses[N]
	jq -r ".status.initContainerStatuses[$2] | $3" "$(pod_json_file "$1")"
}

init_pid() { # P NAME: the host pid of init container NAME
	jq -r ".peapod.initContainerPids.\"$2\"" "$(pod_json_file "$1")"
}

ready_is() { # P READY
	[ "$(peapod get pods "$1" | awk 'NR==2 {print $2}')" = "$2" ]
}

phase_is() { # P PHASE
	[ "$(jq -r .status.phase "$(pod_json_file "$1")")" = "$2" ]
}

@test "a sidecar keeps running beside the app; the next init container runs once it started; READY 2/2" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  initContainers:
  - name: side
    image: busybox:1.28
    restartPolicy: Always
    command: ["sh", "-c", "echo side >> /h/order; exec sleep 3600"]
    volumeMounts: [{name: h, mountPath: /h}]
  - name: init2
    image: busybox:1.28
    command: ["sh", "-c", "echo init2 >> /h/order"]
    volumeMounts: [{name: h, mountPath: /h}]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "echo app >> /h/order; exec sleep 3600"]
    volumeMounts: [{name: h, mountPath: /h}]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	wait_for 10 ready_is sc 2/2
	run cat "$HOST/order"
	[ "$output" = "$(printf 'side\ninit2\napp')" ]
	side=$(init_pid sc side)
	app=$(container_pid sc app)
	[ -d "/proc/$side" ]
	[ -d "/proc/$app" ]
	run init_field sc 0 '[.started, .ready, (.state | keys[0])] | join(" ")'
	[ "$output" = "true true running" ]
	run init_field sc 1 .state.terminated.reason
	[ "$output" = Completed ]
	run jq -r '[.status.conditions[] | select(.type == "Initialized" or .type == "ContainersReady") | .status] | join(" ")' "$(pod_json_file sc)"
	[ "$output" = "True True" ]
	# exec reaches a sidecar as any container; a finished init container is not running
	run peapod exec sc -c side -- sh -c 'echo $(tr "\0" " " </proc/1/cmdline)'
	[ "$status" -eq 0 ]
	[ "$output" = "sleep 3600" ]
	run peapod exec sc -c init2 -- true
	[ "$status" -eq 1 ]
	[[ "$output" == *'container "init2" is not running'* ]]
	peapod delete pod sc --now
	[ ! -d "/proc/$side" ]
	[ ! -d "/proc/$app" ]
	nothing_created
}

@test "a sidecar that exits is restarted, whatever the pod's restartPolicy" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<'YAML'
  restartPolicy: Never
  initContainers:
  - name: side
    image: busybox:1.28
    restartPolicy: Always
    command: ["sh", "-c", "sleep 1; exit 3"]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	app=$(container_pid sc app)
	wait_for 30 eval '[ "$(init_field sc 0 .restartCount)" -ge 1 ]'
	run init_field sc 0 .lastState.terminated.exitCode
	[ "$output" = 3 ]
	# the app goes on, untouched
	[ "$(container_pid sc app)" = "$app" ]
	[ -d "/proc/$app" ]
	phase_is sc Running
	run jq -r '.status.containerStatuses[0].restartCount' "$(pod_json_file sc)"
	[ "$output" = 0 ]
	# kubectl's RESTARTS counts the sidecar's once the pod is initialized
	run peapod get pods sc
	[[ "${lines[1]}" =~ ^sc\ +[12]/2\ +Running\ +[1-9] ]]
}

@test "a sidecar's startupProbe holds up the next init container until it passes" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  initContainers:
  - name: side
    image: busybox:1.28
    restartPolicy: Always
    command: ["sleep", "3600"]
    startupProbe:
      exec: {command: [test, -e, /h/ready]}
      periodSeconds: 1
      failureThreshold: 1000
    volumeMounts: [{name: h, mountPath: /h}]
  - name: init2
    image: busybox:1.28
    command: ["sh", "-c", "echo init2 >> /h/order"]
    volumeMounts: [{name: h, mountPath: /h}]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 eval '[ -d /proc/$(init_pid sc side) ]'
	# the probe runs every second and fails: the sidecar is not started
	wait_for 30 eval 'peapod describe pod sc | grep -q "Startup probe failed"'
	[ ! -e "$HOST/order" ]
	[ "$(init_field sc 0 .started)" = false ]
	[ "$(pod_status sc)" = Init:0/2 ]
	touch "$HOST/ready"
	wait_for 30 pod_is sc Running
	run cat "$HOST/order"
	[ "$output" = init2 ]
	[ "$(init_field sc 0 .started)" = true ]
}

@test "a sidecar's postStart hook ends before the next init container starts" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  initContainers:
  - name: side
    image: busybox:1.28
    restartPolicy: Always
    command: ["sleep", "3600"]
    lifecycle:
      postStart:
        exec: {command: [sh, -c, "sleep 2; touch /h/post"]}
    volumeMounts: [{name: h, mountPath: /h}]
  - name: init2
    image: busybox:1.28
    command: ["sh", "-c", "if [ -e /h/post ]; then echo after >> /h/order; else echo before >> /h/order; fi"]
    volumeMounts: [{name: h, mountPath: /h}]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	run cat "$HOST/order"
	[ "$output" = after ]
	# once initialized, RESTARTS counts the sidecar's, as kubectl
	run peapod get pods sc
	[[ "${lines[1]}" =~ ^sc\ +2/2\ +Running\ +0\  ]]
}

@test "on delete, sidecars stop after the app containers, in reverse order" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  initContainers:
  - name: side1
    image: busybox:1.28
    restartPolicy: Always
    command: ["sh", "-c", "trap 'echo side1-term >> /h/order; exit 0' TERM; while :; do sleep 0.1; done"]
    volumeMounts: [{name: h, mountPath: /h}]
  - name: side2
    image: busybox:1.28
    restartPolicy: Always
    command: ["sh", "-c", "trap 'echo side2-term >> /h/order; exit 0' TERM; while :; do sleep 0.1; done"]
    volumeMounts: [{name: h, mountPath: /h}]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "trap 'echo app-term >> /h/order; exit 0' TERM; while :; do sleep 0.1; done"]
    lifecycle:
      preStop:
        exec: {command: [sh, -c, "echo app-prestop >> /h/order"]}
    volumeMounts: [{name: h, mountPath: /h}]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sc Running
	wait_for 10 ready_is sc 3/3
	peapod delete pod sc
	run cat "$HOST/order"
	[ "$output" = "$(printf 'app-prestop\napp-term\nside2-term\nside1-term')" ]
	nothing_created
}

@test "delete without a monitor keeps the order: the app, then the sidecar" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<YAML
  initContainers:
  - name: side
    image: busybox:1.28
    restartPolicy: Always
    command: ["sh", "-c", "trap 'echo side-term >> /h/order; exit 0' TERM; while :; do sleep 0.1; done"]
    volumeMounts: [{name: h, mountPath: /h}]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "trap 'sleep 1; echo app-term >> /h/order; exit 0' TERM; while :; do sleep 0.1; done"]
    volumeMounts: [{name: h, mountPath: /h}]
  volumes:
  - name: h
    hostPath: {path: $HOST}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 ready_is sc 2/2
	mon=$(jq -r .peapod.monitorPid "$(pod_json_file sc)")
	sup=$(awk '{print $4}' "/proc/$mon/stat")
	kill -9 "$sup" "$mon"
	wait_for 10 pod_is sc Unknown
	peapod delete pod sc
	run cat "$HOST/order"
	[ "$output" = "$(printf 'app-term\nside-term')" ]
	nothing_created
}

@test "a sidecar whose liveness probe fails is restarted" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<'YAML'
  initContainers:
  - name: side
    image: busybox:1.28
    restartPolicy: Always
    command: ["sleep", "3600"]
    livenessProbe:
      exec: {command: ["false"]}
      periodSeconds: 1
      failureThreshold: 1
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 40 eval '[ "$(init_field sc 0 .restartCount)" -ge 1 ]'
	run peapod describe pod sc
	[[ "$output" == *"Container side failed liveness probe, will be restarted"* ]]
	phase_is sc Running
}

@test "restartPolicy Never: the app exits 0, the sidecar is stopped, the pod Succeeded" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<'YAML'
  restartPolicy: Never
  initContainers:
  - name: side
    image: busybox:1.28
    restartPolicy: Always
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"]
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "sleep 1"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	side=$(init_pid sc side)
	wait_for 30 phase_is sc Succeeded
	[ ! -d "/proc/$side" ]
	run init_field sc 0 .state.terminated.exitCode
	[ "$output" = 0 ]
	run jq -r '.status.containerStatuses[0].state.terminated.reason' "$(pod_json_file sc)"
	[ "$output" = Completed ]
	# nothing restarts
	run init_field sc 0 .restartCount
	[ "$output" = 0 ]
}

@test "restartPolicy Always on an app container is refused with the API server's words" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<'YAML'
  containers:
  - name: app
    image: busybox:1.28
    restartPolicy: Always
YAML
	refused 'spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers'
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<'YAML'
  initContainers:
  - name: i
    image: busybox:1.28
    restartPolicy: OnFailure
  containers:
  - name: app
    image: busybox:1.28
YAML
	refused 'spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'
}

@test "probes and hooks on a plain init container are refused; on a sidecar they are allowed" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<'YAML'
  initContainers:
  - name: i
    image: busybox:1.28
    startupProbe:
      exec: {command: ["true"]}
  containers:
  - name: app
    image: busybox:1.28
YAML
	refused 'spec.initContainers[0].startupProbe: Forbidden: may not be set for init containers without restartPolicy=Always'
	manifest "$BATS_TEST_TMPDIR/p.yaml" sc <<'YAML'
  initContainers:
  - name: i
    image: busybox:1.28
    lifecycle:
      preStop:
        exec: {command: ["true"]}
  containers:
  - name: app
    image: busybox:1.28
YAML
	refused 'spec.initContainers[0].lifecycle: Forbidden: may not be set for init containers without restartPolicy=Always'
}
