#!/usr/bin/env bats
# containers[].resources: limits and requests of cpu and memory land in the
# container's cgroup as the kubelet and containerd set them; a container
# killed by the OOM killer ends OOMKilled; status.qosClass and hostIP;
# bad resources are refused in the API server's words.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

status_json() { # P → .status
	peapod get pods "$1" -o json | jq -c .status
}

terminated_reason() { # P REASON
	[ "$(peapod get pods "$1" -o json | jq -r '.status.containerStatuses[0].state.terminated.reason')" = "$2" ]
}

@test "cpu and memory limits and requests land in the container's cgroup" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" res <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    resources:
      limits: {cpu: 500m, memory: 64Mi}
      requests: {cpu: 250m}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is res Running
	local pid f
	pid=$(container_pid res c)
	[ -n "$pid" ]
	f=$(cg_file "$pid" memory memory.limit_in_bytes memory.max)
	[ "$(cat "$f")" = 67108864 ]
	f=$(cg_file "$pid" cpu cpu.cfs_quota_us cpu.max)
	if [ "${f##*/}" = cpu.max ]; then
		[ "$(cat "$f")" = "50000 100000" ]
		# shares 256 as crun converts them to a weight
		[ "$(cat "${f%/*}/cpu.weight")" = 10 ]
	else
		[ "$(cat "$f")" = 50000 ]
		[ "$(cat "${f%/*}/cpu.cfs_period_us")" = 100000 ]
		[ "$(cat "${f%/*}/cpu.shares")" = 256 ]
	fi
	# requests defaulted from limits where only a limit was given
	[ "$(peapod get pods res -o json | jq -c '.spec.containers[0].resources.requests')" = '{"cpu":"250m","memory":"64Mi"}' ]
	[ "$(status_json res | jq -r .qosClass)" = Burstable ]
	peapod describe pod res | grep -E '^QoS Class: +Burstable$'
	peapod describe pod res | grep -A2 -E '^    Limits:$' | grep -E '^      memory: +64Mi$'
}

@test "a container over its memory limit ends OOMKilled with exit code 137" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" oom <<'YAML'
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "head -c 200m /dev/zero | tail"]
    resources:
      limits: {memory: 32Mi}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 60 terminated_reason oom OOMKilled
	local t
	t=$(peapod get pods oom -o json | jq -c '.status.containerStatuses[0].state.terminated')
	[ "$(jq -r .exitCode <<<"$t")" = 137 ]
	[ "$(status_json oom | jq -r .phase)" = Failed ]
	peapod describe pod oom | grep -E '^      Reason: +OOMKilled$'
	peapod describe pod oom | grep -E '^      Exit Code: +137$'
}

@test "a container under its memory limit is not OOMKilled" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" fine <<'YAML'
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "head -c 1m /dev/zero | tail; exit 3"]
    resources:
      limits: {memory: 32Mi}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 60 terminated_reason fine Error
	[ "$(peapod get pods fine -o json | jq '.status.containerStatuses[0].state.terminated.exitCode')" = 3 ]
}

@test "qosClass: Guaranteed, Burstable, BestEffort; hostIP set, no podIP" {
	manifest "$BATS_TEST_TMPDIR/g.yaml" g <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    resources: {limits: {cpu: 100m, memory: 16Mi}}
YAML
	manifest "$BATS_TEST_TMPDIR/b.yaml" b <<'YAML'
  initContainers:
  - name: i
    image: busybox:1.28
    command: ["true"]
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    resources: {requests: {cpu: 100m}}
YAML
	manifest "$BATS_TEST_TMPDIR/e.yaml" e <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/g.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/b.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/e.yaml"
	wait_for 30 pod_is g Running
	wait_for 30 pod_is b Running
	wait_for 30 pod_is e Running
	[ "$(status_json g | jq -r .qosClass)" = Guaranteed ]
	[ "$(status_json b | jq -r .qosClass)" = Burstable ]
	[ "$(status_json e | jq -r .qosClass)" = BestEffort ]
	peapod get pods g -o yaml | grep -E '^  qosClass: Guaranteed$'
	peapod describe pod e | grep -E '^QoS Class: +BestEffort$'
	# hostIP: the host's first non-loopback IPv4 (127.0.0.1 without one)
	local want
	want=$(ip -4 -o addr show up 2>/dev/null | awk '$2 != "lo" {sub("/.*", "", $4); print $4; exit}')
	[ -n "$want" ] || want=127.0.0.1
	[ "$(status_json g | jq -r .hostIP)" = "$want" ]
	[ "$(status_json g | jq -r '.hostIPs[0].ip')" = "$want" ]
	# the pod's network namespace has only loopback: no podIP
	[ "$(status_json g | jq -r .podIP)" = null ]
	[ "$(peapod get pods g -o wide | awk 'NR==2 {print $6}')" = "<none>" ]
	peapod describe pod g | grep -E "^Node: +.*/$want$"
}

@test "bad resources are refused in the API server's words" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    resources: {limits: {cpu: 1}, requests: {cpu: 2}}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'* ]]
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    resources: {limits: {memory: -1Mi}}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'spec.containers[0].resources.limits[memory]: Invalid value: "-1Mi": must be greater than or equal to 0'* ]]
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    resources: {limits: {ephemeral-storage: 1Gi}}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'spec.containers[0].resources.limits[ephemeral-storage]: Unsupported value: not supported by peapod yet'* ]]
	run peapod get pods bad
	[ "$status" -ne 0 ]
}

@test "a container reads its own limits under /sys/fs/cgroup, read-only" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" ownlim <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    resources:
      limits: {memory: 64Mi, cpu: 500m}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is ownlim Running
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		run peapod exec ownlim -- cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max
		[ "${lines[0]}" = 67108864 ]
		[ "${lines[1]}" = "50000 100000" ]
	else
		# hybrid or legacy: one mount per v1 hierarchy, as runc lays it out
		run peapod exec ownlim -- cat /sys/fs/cgroup/memory/memory.limit_in_bytes \
			/sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us
		[ "${lines[0]}" = 67108864 ]
		[ "${lines[1]}" = 50000 ]
		[ "${lines[2]}" = 100000 ]
		run peapod exec ownlim -- ls /sys/fs/cgroup/unified/cgroup.procs
		[ "$status" -eq 0 ]
	fi
	run peapod exec ownlim -- sh -c 'echo 1 > /sys/fs/cgroup/pids.max || echo 1 > /sys/fs/cgroup/pids/pids.max'
	[ "$status" -ne 0 ]
	[[ "$output" =~ "Read-only file system" ]]
}
