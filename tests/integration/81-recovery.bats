#!/usr/bin/env bats
# Recovery, as the kubelet and containerd-shim give it: a killed monitor is
# replaced by its supervisor and takes the pod back with nothing lost (same
# containers, their output, exit codes reaped meanwhile); a killed pause
# gets a new sandbox and every container starts again in it; a pod whose
# monitor and supervisor are both gone is taken back by the next apply.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

sandbox_replaced() { # NAME OLD_PID
	local pid
	pid=$(peapod_field "$1" sandboxPid)
	[ "$pid" != "$2" ] && [ "$pid" != 0 ] && [ -d "/proc/$pid" ]
}

orphan_running() { # NAME FILE: apply, then kill its monitor and supervisor
	peapod apply -f "$2"
	wait_for 30 pod_is "$1" Running
	local mon sup
	mon=$(peapod_field "$1" monitorPid)
	sup=$(awk '{print $4}' "/proc/$mon/stat")
	kill -9 "$sup" "$mon"
	wait_for 10 pod_is "$1" Unknown
}

counter_pod() { # FILE: nginx and a container that counts, one number a line
	manifest "$1" cnt <<'YAML'
  shareProcessNamespace: true
  containers:
  - name: nginx
    image: nginx
  - name: count
    image: busybox:1.28
    command: ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done"]
YAML
}

no_gaps() { # the count container's log is 1, 2, 3 ... without a gap
	peapod logs cnt -c count | awk '$1 != NR { print "gap at line " NR ": " $1; bad = 1 } END { exit bad }'
}

count_past() { # N: the count container logged more than N lines
	[ "$(peapod logs cnt -c count | wc -l)" -gt "$1" ]
}

@test "kill -9 of the monitor loses nothing: same containers, no restart, logs go on" {
	counter_pod "$BATS_TEST_TMPDIR/p.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is cnt Running
	nginx=$(container_pid cnt nginx)
	count=$(container_pid cnt count)
	mon=$(peapod_field cnt monitorPid)
	kill -9 "$mon"
	wait_for 20 monitor_replaced cnt "$mon"
	lines=$(peapod logs cnt -c count | wc -l)
	wait_for 20 count_past $((lines + 20))
	# the same processes, no duplicate, no restart
	[ "$(container_pid cnt nginx)" = "$nginx" ]
	[ "$(container_pid cnt count)" = "$count" ]
	[ -d "/proc/$nginx" ]
	[ -d "/proc/$count" ]
	run peapod get pods cnt
	[[ "${lines[1]}" =~ ^cnt\ +2/2\ +Running\ +0\  ]]
	run peapod exec cnt -c count -- ps ax
	[ "$status" -eq 0 ]
	[ "$(grep -c 'nginx: master' <<<"$output")" -eq 1 ]
	# what it wrote while no monitor read it is in the log, in order
	no_gaps
	run peapod describe pod cnt
	[[ "$output" =~ MonitorRestarted ]]
	# and the new monitor deletes the pod as the first would have
	run timeout 60 "$PEAPOD" delete pod cnt
	[ "$status" -eq 0 ]
	[ ! -d "/proc/$nginx" ]
}

@test "an exit while no monitor runs keeps its exit code and last words" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" ex <<'YAML'
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap 'echo bye; exit 7' TERM; echo hi; while :; do sleep 0.1; done"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is ex Running
	mon=$(peapod_field ex monitorPid)
	# the container ends while its monitor is dead: the supervisor reaps it
	kill -9 "$mon"
	kill -TERM "$(container_pid ex c)"
	wait_for 20 pod_is ex Error
	run jq -c '.status.containerStatuses[0].state.terminated | [.exitCode, .reason]' "$(pod_json_file ex)"
	[ "$output" = '[7,"Error"]' ]
	run peapod logs ex
	[ "$output" = "$(printf 'hi\nbye')" ]
	monitor_replaced ex "$mon"
}

@test "a monitor killed twice in a row is replaced again" {
	counter_pod "$BATS_TEST_TMPDIR/p.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is cnt Running
	count=$(container_pid cnt count)
	for _ in 1 2; do
		mon=$(peapod_field cnt monitorPid)
		kill -9 "$mon"
		wait_for 30 monitor_replaced cnt "$mon"
	done
	[ "$(container_pid cnt count)" = "$count" ]
	lines=$(peapod logs cnt -c count | wc -l)
	wait_for 20 count_past $((lines + 10))
	no_gaps
}

@test "kill -9 of pause rebuilds the sandbox and restarts every container in it" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	pause=$(peapod_field nginx sandboxPid)
	nginx=$(container_pid nginx nginx)
	kill -9 "$pause"
	wait_for 30 sandbox_replaced nginx "$pause"
	wait_for 30 pod_is nginx Running
	run peapod get pods nginx
	[[ "${lines[1]}" =~ ^nginx\ +2/2\ +Running\ +2\  ]]
	[ "$(container_pid nginx nginx)" != "$nginx" ]
	[ ! -d "/proc/$nginx" ]
	run jq -r '[.status.containerStatuses[].restartCount] | join(" ")' "$(pod_json_file nginx)"
	[ "$output" = "1 1" ]
	run jq -r '[.status.containerStatuses[].lastState.terminated.exitCode] | join(" ")' "$(pod_json_file nginx)"
	[ "$output" = "137 137" ]
	run peapod describe pod nginx
	[[ "$output" =~ SandboxChanged.*"Pod sandbox changed, it will be killed and re-created." ]]
	# started again with the sandbox, not after a back-off
	[[ ! "$output" =~ BackOff ]]
	[[ ! "$output" =~ StartError ]]
	# the new pause is PID 1 of the pod, and the page's steps work again
	run peapod exec nginx -c shell -- ps ax
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^\ *1\ +root\ +/pause ]]
	[[ "$output" =~ "nginx: master process" ]]
	master=$(awk '/nginx: master process/ { print $1 }' <<<"$output")
	run peapod exec nginx -c shell -- kill -HUP "$master"
	[ "$status" -eq 0 ]
	run peapod exec nginx -c shell -- head -1 "/proc/$master/root/etc/nginx/nginx.conf"
	[ "$status" -eq 0 ]
	[ "$output" = "user  nginx;" ]
}

@test "kill -9 of pause with restartPolicy Never ends the pod Failed" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" nev <<'YAML'
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is nev Running
	kill -9 "$(peapod_field nev sandboxPid)"
	wait_for 30 pod_is nev Error
	run jq -r '.status.phase' "$(pod_json_file nev)"
	[ "$output" = Failed ]
	# the kubelet makes no new sandbox for it, and says none
	run peapod describe pod nev
	[[ ! "$output" =~ SandboxChanged ]]
}

@test "a pod whose monitor and supervisor were both killed is taken back by apply" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	mon=$(peapod_field nginx monitorPid)
	sup=$(awk '{print $4}' "/proc/$mon/stat")
	grep -q monitor "/proc/$sup/cmdline"
	nginx=$(container_pid nginx nginx)
	kill -9 "$sup" "$mon"
	wait_for 10 pod_is nginx Unknown
	run peapod apply -f "$SEEDS/share-process-namespace.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/nginx unchanged" ]
	monitor_replaced nginx "$mon"
	wait_for 20 pod_is nginx Running
	[ "$(container_pid nginx nginx)" = "$nginx" ]
	# the new monitor sees the container end, though nobody can tell how
	kill -9 "$nginx"
	wait_for 30 eval '[ "$(jq -r ".status.containerStatuses[0].lastState.terminated.reason" "$(pod_json_file nginx)")" = ContainerStatusUnknown ]'
	wait_for 30 pod_is nginx Running
}

@test "delete right after kill -9 of the monitor removes everything" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	nginx=$(container_pid nginx nginx)
	kill -9 "$(peapod_field nginx monitorPid)"
	run timeout 60 "$PEAPOD" delete pod nginx
	[ "$status" -eq 0 ]
	[ ! -d "/proc/$nginx" ]
	run peapod get pods nginx
	[ "$status" -eq 1 ]
}

@test "after apply took a pod back, a killed pause still rebuilds the sandbox" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	mon=$(peapod_field nginx monitorPid)
	sup=$(awk '{print $4}' "/proc/$mon/stat")
	kill -9 "$sup" "$mon"
	wait_for 10 pod_is nginx Unknown
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 20 pod_is nginx Running
	pause=$(peapod_field nginx sandboxPid)
	kill -9 "$pause"
	wait_for 30 sandbox_replaced nginx "$pause"
	wait_for 30 eval '[ "$(peapod get pods nginx --no-headers | awk "{print \$2, \$3}")" = "2/2 Running" ]'
	run peapod describe pod nginx
	[[ "$output" =~ SandboxChanged ]]
}

@test "delete waits for the pod even when its monitor is killed mid-delete" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" slow <<'YAML'
  terminationGracePeriodSeconds: 4
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap '' TERM; while :; do sleep 0.2; done"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is slow Running
	pid=$(container_pid slow c)
	mon=$(peapod_field slow monitorPid)
	timeout 60 "$PEAPOD" delete pod slow >"$BATS_TEST_TMPDIR/out" 2>&1 &
	del=$!
	wait_for 10 pod_is slow Terminating
	kill -9 "$mon"
	wait "$del"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = 'pod "slow" deleted' ]
	# it returned only once the pod was gone
	[ ! -d "/proc/$pid" ]
	run peapod get pods slow
	[ "$status" -eq 1 ]
}

@test "delete of a pod nobody runs still gives its containers SIGTERM and the grace period" {
	mkdir "$BATS_TEST_TMPDIR/out"
	manifest "$BATS_TEST_TMPDIR/p.yaml" orphan <<YAML
  terminationGracePeriodSeconds: 20
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap 'sleep 1; echo term > /out/t; exit 0' TERM; while :; do sleep 0.1; done"]
    volumeMounts:
    - {name: out, mountPath: /out}
  volumes:
  - {name: out, hostPath: {path: "$BATS_TEST_TMPDIR/out"}}
YAML
	orphan_running orphan "$BATS_TEST_TMPDIR/p.yaml"
	run timeout 60 "$PEAPOD" delete pod orphan
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/t")" = term ]
}

@test "delete of a pod nobody runs runs preStop, then the image's STOPSIGNAL, as the monitor would" {
	mkdir "$BATS_TEST_TMPDIR/out"
	# the nginx image's STOPSIGNAL is SIGQUIT: only QUIT writes "quit"
	manifest "$BATS_TEST_TMPDIR/p.yaml" orphan2 <<YAML
  terminationGracePeriodSeconds: 20
  containers:
  - name: c
    image: nginx
    command: ["sh", "-c", "trap 'echo quit > /out/sig; exit 0' QUIT; trap 'echo term > /out/sig; exit 0' TERM; while :; do sleep 0.1; done"]
    lifecycle:
      preStop: {exec: {command: ["sh", "-c", "echo pre > /out/pre; sleep 1"]}}
    volumeMounts:
    - {name: out, mountPath: /out}
  volumes:
  - {name: out, hostPath: {path: "$BATS_TEST_TMPDIR/out"}}
YAML
	orphan_running orphan2 "$BATS_TEST_TMPDIR/p.yaml"
	run timeout 60 "$PEAPOD" delete pod orphan2
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/pre")" = pre ]
	[ "$(cat "$BATS_TEST_TMPDIR/out/sig")" = quit ]
}

@test "apply takes back a pod whose monitor and supervisor died mid-delete, and the delete finishes" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" midel <<'YAML'
  terminationGracePeriodSeconds: 8
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is midel Running
	mon=$(peapod_field midel monitorPid)
	sup=$(awk '{print $4}' "/proc/$mon/stat")
	run timeout 2 "$PEAPOD" delete pod midel
	[ "$status" -eq 124 ]
	kill -9 "$sup" "$mon"
	run timeout 60 "$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	# the new monitor finishes the deletion with the grace period left
	wait_for 30 eval '! "$PEAPOD" get pod midel >/dev/null 2>&1'
}
