#!/usr/bin/env bats
# Scheduling on one node: this machine as a Node (get nodes, describe
# node), its labels and taints (label, taint; kept under the test's
# PEAPOD_ROOT), and kube-scheduler's filters deciding whether a pod starts:
# a pod that does not fit is created Pending with a FailedScheduling event
# and starts once it fits.

load helpers

bats_require_minimum_version 1.5.0

setup() {
	setup_root
	NODE=$(hostname | tr '[:upper:]' '[:lower:]')
}

teardown() {
	teardown_root
}

sleeper() { # NAME, extra spec lines on stdin
	{
		cat
		printf '  containers:\n  - name: c\n    image: busybox:1.28\n    command: [sleep, "3600"]\n'
	} | manifest "$BATS_TEST_TMPDIR/$1.yaml" "$1"
}

events_have() { # POD TEXT
	peapod describe pod "$1" | grep -qF -- "$2"
}

scheduled_message() { # POD
	peapod get pod "$1" -o json |
		jq -r '.status.conditions[] | select(.type == "PodScheduled") | .message // empty'
}

@test "a nodeSelector pod stays Pending until the node is labelled, then runs" {
	sleeper sel <<'YAML'
  nodeSelector: {disktype: ssd}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/sel.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/sel created" ]
	pod_is sel Pending
	wait_for 10 events_have sel "FailedScheduling"
	peapod describe pod sel | grep -F "default-scheduler  0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
	peapod get pod sel -o json | jq -e '.status.conditions == [.status.conditions[] | select(.type == "PodScheduled" and .status == "False" and .reason == "Unschedulable")]'
	# stays so
	sleep 1.5
	pod_is sel Pending
	run peapod label node "$NODE" disktype=ssd
	[ "$output" = "node/$NODE labeled" ]
	wait_for 30 pod_is sel Running
	events_have sel "Successfully assigned default/sel to $NODE"
	[ "$(peapod get pod sel -o json | jq -r .spec.nodeName)" = "$NODE" ]
	# the label is this root's only
	[ "$(jq -r .labels.disktype "$PEAPOD_ROOT/node.json")" = ssd ]
	other=$BATS_TEST_TMPDIR/other-root
	mkdir "$other"
	run env PEAPOD_ROOT="$other" "$PEAPOD" get node "$NODE" -o json
	[ "$(jq -r '.metadata.labels.disktype // "none"' <<<"$output")" = none ]
}

@test "a pod requesting 1000Gi of memory stays Pending with Insufficient memory" {
	sleeper big <<'YAML'
YAML
	sed -i 's|command: \[sleep, "3600"\]|command: [sleep, "3600"]\n    resources: {requests: {memory: 1000Gi}}|' "$BATS_TEST_TMPDIR/big.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/big.yaml"
	[ "$output" = "pod/big created" ]
	pod_is big Pending
	[ "$(scheduled_message big)" = "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod." ]
	wait_for 10 events_have big "Insufficient memory"
	[ "$(peapod get pod big -o json | jq -r '.status.containerStatuses // "none"')" = none ]
	# it never started a container
	uid=$(readlink "$PEAPOD_ROOT/run/names/default/big")
	[ ! -e "$PEAPOD_ROOT/run/pods/$uid/sandbox/config.json" ]
	peapod delete pod big
}

@test "a NoSchedule taint keeps a pod without a toleration Pending; a tolerating pod runs" {
	run peapod taint node "$NODE" dedicated=gpu:NoSchedule
	[ "$output" = "node/$NODE tainted" ]
	run peapod taint node "$NODE" dedicated=cpu:NoSchedule
	[ "$status" -eq 1 ]
	[ "$output" = "error: node $NODE already has dedicated taint(s) with same effect(s) and --overwrite is false" ]
	sleeper plain <<'YAML'
YAML
	sleeper tolerant <<'YAML'
  tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/plain.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/tolerant.yaml"
	wait_for 30 pod_is tolerant Running
	pod_is plain Pending
	[ "$(scheduled_message plain)" = "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling." ]
	peapod describe node "$NODE" | grep -E '^Taints: +dedicated=gpu:NoSchedule$'
	run peapod taint node "$NODE" dedicated:NoSchedule-
	[ "$output" = "node/$NODE untainted" ]
	wait_for 30 pod_is plain Running
	run peapod taint node "$NODE" dedicated-
	[ "$status" -eq 1 ]
	[ "$output" = 'error: taint "dedicated" not found' ]
}

@test "schedulingGates: SchedulingGated until an apply removes them" {
	sleeper gated <<'YAML'
  schedulingGates: [{name: example.com/wait}]
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/gated.yaml"
	[ "$output" = "pod/gated created" ]
	pod_is gated SchedulingGated
	peapod get pod gated -o json | jq -e '.status.conditions[] | select(.type == "PodScheduled") | .reason == "SchedulingGated" and .message == "Scheduling is blocked due to non-empty scheduling gates"'
	sleep 1.5
	pod_is gated SchedulingGated
	# another spec change is refused; the gates' removal is allowed
	sed -i 's/sleep, "3600"/sleep, "7200"/' "$BATS_TEST_TMPDIR/gated.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/gated.yaml"
	[ "$status" -eq 1 ]
	sed -i 's/sleep, "7200"/sleep, "3600"/; /schedulingGates/d' "$BATS_TEST_TMPDIR/gated.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/gated.yaml"
	[ "$output" = "pod/gated configured" ]
	wait_for 30 pod_is gated Running
	events_have gated "Successfully assigned default/gated to $NODE"
	run ! events_have gated FailedScheduling
}

@test "an unknown priorityClassName is refused as the Priority admission plugin refuses it" {
	sleeper prio <<'YAML'
  priorityClassName: foo
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/prio.yaml"
	[ "$status" -eq 1 ]
	[ "$output" = "Error from server (Forbidden): error when creating \"$BATS_TEST_TMPDIR/prio.yaml\": pods \"prio\" is forbidden: no PriorityClass with name foo was found" ]
	nothing_created
	sleeper crit <<'YAML'
  priorityClassName: system-node-critical
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/crit.yaml"
	[ "$(peapod get pod crit -o json | jq -r '[.spec.priority, .spec.preemptionPolicy] | join(" ")')" = "2000001000 PreemptLowerPriority" ]
}

@test "get nodes and describe node show this machine, its capacity and its pods" {
	run peapod get nodes
	[[ "${lines[0]}" =~ ^NAME\ +STATUS\ +ROLES\ +AGE\ +VERSION$ ]]
	[[ "${lines[1]}" =~ ^$NODE\ +Ready\ +\<none\>\  ]]
	run peapod get nodes -o wide
	[[ "${lines[0]}" =~ INTERNAL-IP\ +EXTERNAL-IP\ +OS-IMAGE\ +KERNEL-VERSION\ +CONTAINER-RUNTIME$ ]]
	[ "$(peapod get nodes -o name)" = "node/$NODE" ]
	peapod get node "$NODE" -o json | jq -e --arg n "$NODE" '.kind == "Node" and .metadata.labels["kubernetes.io/hostname"] == $n and .metadata.labels["kubernetes.io/os"] == "linux" and .status.capacity.pods == "110"'
	peapod get nodes -o yaml | grep -q '^kind: List$'
	run peapod get node nosuch
	[ "$status" -eq 1 ]
	[ "$output" = 'Error from server (NotFound): nodes "nosuch" not found' ]
	# memory: allocatable is capacity less the 100Mi hard eviction threshold
	cap=$(peapod get node "$NODE" -o json | jq -r '.status.capacity.memory' | tr -d Ki)
	alloc=$(peapod get node "$NODE" -o json | jq -r '.status.allocatable.memory' | tr -d Ki)
	[ $((cap - alloc)) -eq 102400 ]
	sleeper req <<'YAML'
YAML
	sed -i 's|command: \[sleep, "3600"\]|command: [sleep, "3600"]\n    resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}|' "$BATS_TEST_TMPDIR/req.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/req.yaml"
	run peapod describe node "$NODE"
	echo "$output"
	[ "${lines[0]}" = "Name:               $NODE" ]
	grep -E '^Non-terminated Pods: +\(1 in total\)$' <<<"$output"
	grep -E '^  default +req +100m \([0-9]+%\) +0 \(0%\) +64Mi \([0-9]+%\) +128Mi \([0-9]+%\) ' <<<"$output"
	for h in Labels: Annotations: CreationTimestamp: Taints: Unschedulable: Conditions: Addresses: Capacity: Allocatable: "System Info:" "Allocated resources:" Events:; do
		grep -q "^$h" <<<"$output"
	done
}

@test "extended resources from node-config.json: two pods racing for the last dongle, one runs" {
	echo '{"extendedResources": {"example.com/dongle": "1"}}' >"$PEAPOD_ROOT/node-config.json"
	[ "$(peapod get node "$NODE" -o json | jq -r '.status.allocatable["example.com/dongle"]')" = 1 ]
	for p in d1 d2; do
		sleeper $p <<'YAML'
YAML
		sed -i 's|command: \[sleep, "3600"\]|command: [sleep, "3600"]\n    resources: {limits: {example.com/dongle: 1}}|' "$BATS_TEST_TMPDIR/$p.yaml"
	done
	peapod apply -f "$BATS_TEST_TMPDIR/d1.yaml" >/dev/null 2>&1 &
	pid=$!
	peapod apply -f "$BATS_TEST_TMPDIR/d2.yaml"
	wait "$pid"
	wait_for 30 eval 'pod_is d1 Running || pod_is d2 Running'
	sleep 1.5
	run peapod get pods --no-headers
	echo "$output"
	[ "$(grep -c Running <<<"$output")" -eq 1 ]
	[ "$(grep -c Pending <<<"$output")" -eq 1 ]
	pending=$(awk '$3 == "Pending" {print $1}' <<<"$output")
	[ "$(scheduled_message "$pending")" = "0/1 nodes are available: 1 Insufficient example.com/dongle. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod." ]
	# the other goes: the dongle is free, the pending pod starts
	running=$(awk '$3 == "Running" {print $1}' <<<"$output")
	peapod delete pod "$running" --grace-period=0
	wait_for 30 pod_is "$pending" Running
}

@test "label and annotate a pod: kubectl's words and overwrite rule" {
	sleeper lab <<'YAML'
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/lab.yaml"
	run peapod label pod lab app=web
	[ "$output" = "pod/lab labeled" ]
	run peapod label pod lab app=api
	[ "$status" -eq 1 ]
	[ "$output" = "error: 'app' already has a value (web), and --overwrite is false" ]
	run peapod label --overwrite pod/lab app=api tier=front
	[ "$output" = "pod/lab labeled" ]
	run peapod annotate pod lab example.com/note=hello
	[ "$output" = "pod/lab annotated" ]
	peapod get pod lab -o json | jq -e '.metadata.labels == {"app": "api", "tier": "front"} and .metadata.annotations["example.com/note"] == "hello"'
	run peapod label pod lab tier-
	[ "$output" = "pod/lab labeled" ]
	peapod get pod lab -o json | jq -e '.metadata.labels == {"app": "api"}'
	run peapod label pod lab 'bad key=x'
	[ "$status" -eq 1 ]
	[[ "$output" == 'The Pod "lab" is invalid: metadata.labels: Invalid value: "bad key"'* ]]
	# the pod runs on, its monitor saved the change
	pod_is lab Running
	run peapod annotate node "$NODE" example.com/owner=me
	[ "$output" = "node/$NODE annotated" ]
	peapod describe node "$NODE" | grep -E '^(Annotations:)? +example.com/owner: me$'
}
