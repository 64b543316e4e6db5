#!/usr/bin/env bats
# Container probes (livenessProbe, readinessProbe, startupProbe; exec,
# httpGet, tcpSocket and grpc handlers) run by the monitor as the kubelet does.

load helpers

setup() {
	setup_root
}

teardown() {
	if [ -n "${GRPC_PID:-}" ]; then
		kill "$GRPC_PID" 2>/dev/null || true
	fi
	teardown_root
}

cstatus() { # POD CONTAINER → its containerStatus as JSON
	peapod get pods "$1" -o json | jq -c --arg c "$2" '.status.containerStatuses[] | select(.name == $c)'
}

cfield_is() { # POD CONTAINER JQ-EXPR VALUE
	[ "$(cstatus "$1" "$2" | jq -r "$3")" = "$4" ]
}

ready_col_is() { # POD READY
	[ "$(peapod get pods "$1" | awk 'NR==2 {print $2}')" = "$2" ]
}

restarts_at_least() { # POD CONTAINER N
	[ "$(cstatus "$1" "$2" | jq .restartCount)" -ge "$3" ]
}

nginx_saw_probe() { # nginx of pod web logged the kubelet's request
	peapod logs web -c nginx | grep -q '"GET / HTTP/1.1" 200 .*"kube-probe/'
}

described() { # POD PATTERN: describe's output matches the extended regex
	peapod describe pod "$1" | grep -Eq "$2"
}

event_count_at_least() { # POD PATTERN N: the event matching PATTERN was seen N times
	local n
	n=$(peapod describe pod "$1" | grep -E "$2" | grep -oE '\(x[0-9]+ over' | grep -oE '[0-9]+' | head -1)
	[ "${n:-0}" -ge "$3" ] || { [ "$3" -le 1 ] && described "$1" "$2"; }
}

@test "a failing exec liveness probe restarts the container" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" live <<'YAML'
  restartPolicy: Always
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm -f /tmp/healthy; sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
      terminationGracePeriodSeconds: 2
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is live Running
	cfield_is live c .restartCount 0
	wait_for 40 restarts_at_least live c 1
	wait_for 20 pod_is live Running
	[ "$(peapod get pods live | awk 'NR==2 {print $4}')" -ge 1 ]
	run peapod describe pod live
	echo "$output"
	grep -Eq "Warning +Unhealthy .*Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory" <<<"$output"
	grep -Eq "Normal +Killing .*Container c failed liveness probe, will be restarted" <<<"$output"
	# busybox sh as PID 1 ignores SIGTERM: SIGKILL after the probe's grace
	cstatus live c | jq -e '.lastState.terminated.exitCode == 137'
	peapod delete pod live --now
}

@test "an exec readiness probe flips READY both ways" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" rdy <<'YAML'
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
      failureThreshold: 1
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is rdy Running
	wait_for 10 described rdy 'Readiness probe failed'
	ready_col_is rdy 0/1
	cfield_is rdy c .ready false
	peapod get pods rdy -o json | jq -e '.status.conditions[] | select(.type == "Ready") | .status == "False"'
	peapod exec rdy -c c -- touch /tmp/ready
	wait_for 10 ready_col_is rdy 1/1
	cfield_is rdy c .ready true
	peapod get pods rdy -o json | jq -e '.status.conditions[] | select(.type == "ContainersReady") | .status == "True"'
	peapod exec rdy -c c -- rm /tmp/ready
	wait_for 10 ready_col_is rdy 0/1
	cfield_is rdy c .ready false
	cfield_is rdy c .restartCount 0
	peapod delete pod rdy
}

sleeps_at_most() { # POD N: at most N probe "sleep 30" run in container c
	[ "$(peapod exec "$1" -c c -- ps -o args | grep -c '^sleep 30$')" -le "$2" ]
}

@test "a probe past timeoutSeconds is killed and counts as a failure" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" slowprobe <<'YAML'
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    readinessProbe:
      exec: {command: ["sleep", "30"]}
      timeoutSeconds: 1
      periodSeconds: 1
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is slowprobe Running
	wait_for 20 event_count_at_least slowprobe 'Readiness probe failed: command "sleep 30" timed out' 3
	cfield_is slowprobe c .ready false
	# the checks that timed out are gone: one runs at a time
	sleeps_at_most slowprobe 1
	peapod delete pod slowprobe
}

@test "httpGet readiness: nginx by number and by port name is ready; a closed port or a 404 is not" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" web <<'YAML'
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx
    ports: [{name: http, containerPort: 80}]
    readinessProbe:
      httpGet: {path: /, port: http, httpHeaders: [{name: X-Probe, value: peapod}]}
      periodSeconds: 1
  - name: num
    image: busybox:1.28
    command: ["sleep", "3600"]
    readinessProbe:
      httpGet: {port: 80}
      periodSeconds: 1
  - name: closed
    image: busybox:1.28
    command: ["sleep", "3600"]
    readinessProbe:
      httpGet: {port: 8081}
      periodSeconds: 1
  - name: missing
    image: busybox:1.28
    command: ["sleep", "3600"]
    readinessProbe:
      httpGet: {path: /nope, port: 80}
      periodSeconds: 1
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is web Running
	wait_for 20 cfield_is web nginx .ready true
	wait_for 20 cfield_is web num .ready true
	wait_for 20 described web 'Readiness probe failed: Get "http://127.0.0.1:8081/": dial tcp 127.0.0.1:8081: connect: connection refused'
	wait_for 20 described web 'Readiness probe failed: HTTP probe failed with statuscode: 404'
	cfield_is web closed .ready false
	cfield_is web missing .ready false
	ready_col_is web 2/4
	# the kubelet's request
	wait_for 10 nginx_saw_probe
	peapod delete pod web
}

@test "tcpSocket liveness keeps nginx running; on a closed port it restarts the container" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" tcp <<'YAML'
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx
    livenessProbe:
      tcpSocket: {port: 80}
      periodSeconds: 1
      # nginx may not listen yet at the first probe on a loaded machine
      failureThreshold: 5
  - name: closed
    image: busybox:1.28
    command: ["sleep", "3600"]
    livenessProbe:
      tcpSocket: {port: 8081, host: 127.0.0.1}
      periodSeconds: 1
      failureThreshold: 1
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is tcp Running
	wait_for 40 restarts_at_least tcp closed 1
	described tcp 'Liveness probe failed: dial tcp 127.0.0.1:8081: connect: connection refused'
	described tcp 'Container closed failed liveness probe, will be restarted'
	! described tcp 'Container nginx failed' || false
	cfield_is tcp nginx .restartCount 0
	cfield_is tcp nginx .ready true
	peapod delete pod tcp
}

@test "startupProbe: not started and no liveness probe until it succeeds" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" slow <<'YAML'
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    startupProbe:
      exec: {command: ["cat", "/tmp/started"]}
      periodSeconds: 1
      failureThreshold: 60
    livenessProbe:
      exec: {command: ["cat", "/tmp/alive"]}
      periodSeconds: 1
      failureThreshold: 1
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is slow Running
	wait_for 20 event_count_at_least slow 'Startup probe failed' 3
	cfield_is slow c .started false
	cfield_is slow c .ready false
	cfield_is slow c .restartCount 0
	! described slow 'Liveness probe failed' || false
	peapod exec slow -c c -- touch /tmp/started
	wait_for 10 cfield_is slow c .started true
	# now the liveness probe runs, fails, and the container is restarted
	wait_for 30 restarts_at_least slow c 1
	described slow 'Liveness probe failed'
	described slow 'Container c failed liveness probe, will be restarted'
	peapod delete pod slow
}

@test "bad probes are refused with the API server's message" {
	refused() { # EXPECTED: apply must fail with it
		run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
		echo "$output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$1"* ]]
		[ -z "$(ls -A "$PEAPOD_ROOT/run/pods" 2>/dev/null)" ]
	}
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    livenessProbe: {exec: {command: [x]}, successThreshold: 2}
YAML
	refused 'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    readinessProbe: {periodSeconds: 1}
YAML
	refused 'spec.containers[0].readinessProbe: Required value: must specify a handler type'
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    startupProbe: {exec: {command: [x]}, httpGet: {port: 80}}
YAML
	refused 'spec.containers[0].startupProbe.httpGet: Forbidden: may not specify more than 1 handler type'
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    readinessProbe: {tcpSocket: {port: 80}, timeoutSeconds: -1}
YAML
	refused 'spec.containers[0].readinessProbe.timeoutSeconds: Invalid value: -1: must be greater than or equal to 0'
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    livenessProbe: {grpc: {port: 0}}
YAML
	refused 'spec.containers[0].livenessProbe.grpc.port: Invalid value: 0: must be between 1 and 65535, inclusive'
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    startupProbe: {grpc: {port: 80}, tcpSocket: {port: 80}}
YAML
	refused 'spec.containers[0].startupProbe.grpc: Forbidden: may not specify more than 1 handler type'
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    readinessProbe: {grpc: {port: http}}
YAML
	refused 'spec.containers[0].readinessProbe.grpc.port'
}

grpc_server_start() { # STATUS-FILE: a gRPC health server on 127.0.0.1; sets GRPC_PID, GRPC_PORT
	"$BUILD/tests/integration/grpc-health-server" "$1" >"$BATS_TEST_TMPDIR/grpc-port" &
	GRPC_PID=$!
	wait_for 10 test -s "$BATS_TEST_TMPDIR/grpc-port"
	GRPC_PORT=$(cat "$BATS_TEST_TMPDIR/grpc-port")
}

@test "a grpc liveness probe keeps a SERVING pod running and restarts it on NOT_SERVING" {
	local st="$BATS_TEST_TMPDIR/grpc-status"
	echo SERVING >"$st"
	grpc_server_start "$st"
	manifest "$BATS_TEST_TMPDIR/p.yaml" grpc <<YAML
  hostNetwork: true
  restartPolicy: Always
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    livenessProbe:
      grpc: {port: $GRPC_PORT}
      periodSeconds: 1
      failureThreshold: 2
      terminationGracePeriodSeconds: 1
    readinessProbe:
      grpc: {port: $GRPC_PORT, service: probes}
      periodSeconds: 1
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	peapod get pod grpc -o json | jq -e --argjson p "$GRPC_PORT" \
	    '.spec.containers[0].livenessProbe.grpc == {port: $p, service: ""} and
	     .spec.containers[0].readinessProbe.grpc == {port: $p, service: "probes"}'
	wait_for 30 pod_is grpc Running
	wait_for 20 ready_col_is grpc 1/1
	sleep 3 # several periods of SERVING: no restart, no Unhealthy event
	cfield_is grpc c .restartCount 0
	[ "$(peapod describe pod grpc | grep -c Unhealthy)" -eq 0 ]
	echo NOT_SERVING >"$st"
	wait_for 40 restarts_at_least grpc c 1
	run peapod describe pod grpc
	echo "$output"
	grep -Eq 'Warning +Unhealthy .*Liveness probe failed: service unhealthy \(responded with "NOT_SERVING"\)' <<<"$output"
	grep -Eq "Normal +Killing .*Container c failed liveness probe, will be restarted" <<<"$output"
	kill "$GRPC_PID"
	wait "$GRPC_PID" || true
	wait_for 40 described grpc "Unhealthy .*Liveness probe failed: timeout: failed to connect service \"127\.0\.0\.1:$GRPC_PORT\" within 1s: context deadline exceeded"
	peapod delete pod grpc
}
