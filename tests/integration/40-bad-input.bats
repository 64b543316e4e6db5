#!/usr/bin/env bats
# Bad input gets one clear line naming the field, exit status 1, and
# nothing half-created.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

@test "a broken manifest is refused with its line" {
	printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n spec: [\n' >"$BATS_TEST_TMPDIR/p.yaml"
	refused "p.yaml:"
}

@test "a container without image: Required value" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" x <<'YAML'
  containers:
  - name: a
    image: busybox:1.28
  - name: b
YAML
	refused 'spec.containers[1].image: Required value'
}

@test "a duplicate container name is refused" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" dup <<'YAML'
  containers:
  - name: a
    image: busybox:1.28
  - name: a
    image: busybox:1.28
YAML
	refused 'spec.containers[1].name: Duplicate value: "a"'
}

@test "an unknown kind is refused" {
	printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n' >"$BATS_TEST_TMPDIR/p.yaml"
	refused 'Deployment'
}

@test "an unknown field is refused with its path" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" x <<'YAML'
  containers:
  - name: a
    image: busybox:1.28
    imagee: typo
YAML
	refused 'spec.containers[0].imagee'
}

@test "hostPID with shareProcessNamespace is refused as the API server does" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" x <<'YAML'
  hostPID: true
  shareProcessNamespace: true
  containers:
  - name: a
    image: busybox:1.28
YAML
	refused 'spec.shareProcessNamespace'
}

@test "allowPrivilegeEscalation false with CAP_SYS_ADMIN is refused as the API server does" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" esc <<'YAML'
  initContainers:
  - name: i
    image: busybox:1.28
  containers:
  - name: a
    image: busybox:1.28
  - name: b
    image: busybox:1.28
    securityContext:
      allowPrivilegeEscalation: false
      capabilities:
        add: [NET_ADMIN, CAP_SYS_ADMIN]
YAML
	refused 'p.yaml: spec.containers[1].securityContext: Invalid value: "<object>": cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'
	# init containers too
	manifest "$BATS_TEST_TMPDIR/p.yaml" esc2 <<'YAML'
  initContainers:
  - name: i
    image: busybox:1.28
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {add: [CAP_SYS_ADMIN]}
  containers:
  - name: a
    image: busybox:1.28
YAML
	refused 'spec.initContainers[0].securityContext: Invalid value: "<object>": cannot set `allowPrivilegeEscalation` to false'
}

@test "a field peapod does not implement yet is refused, not ignored" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" x <<'YAML'
  containers:
  - name: a
    image: busybox:1.28
  volumes:
  - name: v
    persistentVolumeClaim: {claimName: cm}
YAML
	refused 'spec.volumes[0].persistentVolumeClaim: Unsupported value: not supported by peapod yet'
}

@test "a command missing from the image: the pod exists, the container says why" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" nocmd <<'YAML'
  restartPolicy: Never
  containers:
  - name: a
    image: busybox:1.28
    command: ["/no/such/binary"]
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "pod/nocmd created" ]]
	wait_for 20 bash -c "\"$PEAPOD\" get pods nocmd | grep -Eq 'CreateContainerError|Error|ContainerCannotRun'"
}

@test "get, exec and delete of a pod that does not exist" {
	run peapod get pods nothere
	[ "$status" -eq 1 ]
	[[ "$output" =~ 'pods "nothere" not found' ]]
	run peapod exec nothere -- true
	[ "$status" -eq 1 ]
	run peapod delete pod nothere
	[ "$status" -eq 1 ]
	[[ "$output" =~ 'pods "nothere" not found' ]]
}

@test "re-applying the same manifest says unchanged" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	run peapod apply -f "$SEEDS/share-process-namespace.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/nginx unchanged" ]
}
