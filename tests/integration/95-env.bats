#!/usr/bin/env bats
# containers[].env[].valueFrom (configMapKeyRef, secretKeyRef, fieldRef,
# resourceFieldRef) and envFrom, resolved by the monitor when a container
# is created, as the kubelet does; a missing ConfigMap or key is
# CreateContainerConfigError until it exists.

# shellcheck disable=SC2016 # single-quoted container scripts
load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

logs_have() { # P TEXT
	peapod logs "$1" | grep -qxF -- "$2"
}

waiting() { # P → reason: message of its first container
	peapod get pods "$1" -o json |
		jq -r '.status.containerStatuses[0].state.waiting | "\(.reason): \(.message)"'
}

waiting_is() { # P TEXT
	[ "$(waiting "$1")" = "$2" ]
}

@test "an app reads ConfigMap and Secret keys, envFrom with a prefix, its own fields and its memory limit from env" {
	peapod create configmap app-config --from-literal=greeting=hello --from-literal=mode=fast \
		--from-literal=1bad=x
	peapod create secret generic app-secret --from-literal=password=s3cret
	cat >"$BATS_TEST_TMPDIR/p.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: envtest
  labels: {app: shop}
spec:
  hostNetwork: true
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "env | sort; sleep 3600"]
    resources: {limits: {memory: 64Mi}}
    envFrom:
    - {prefix: CFG_, configMapRef: {name: app-config}}
    - {configMapRef: {name: app-config}}
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: app-secret, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: MSG, value: "$(GREETING) from $(POD_NAME), $$(POD_NAME) $(NOPE)"}
    - {name: OPT, valueFrom: {configMapKeyRef: {name: absent, key: k, optional: true}}}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is envtest Running
	wait_for 20 logs_have envtest "POD_NAME=envtest"
	pod_ip=$(peapod get pods envtest -o json | jq -r .status.podIP)
	[ -n "$pod_ip" ]
	run peapod logs envtest
	output=$'\n'$output$'\n'
	[[ "$output" == *$'\nCFG_greeting=hello\n'* ]]
	[[ "$output" == *$'\nCFG_mode=fast\n'* ]]
	[[ "$output" == *$'\nGREETING=hello\n'* ]]
	[[ "$output" == *$'\nPASSWORD=s3cret\n'* ]]
	[[ "$output" == *$'\nPOD_NS=default\n'* ]]
	[[ "$output" == *$'\nAPP=shop\n'* ]]
	[[ "$output" == *$'\nPOD_IP='"$pod_ip"$'\n'* ]]
	[[ "$output" == *$'\nMEM_MI=64\n'* ]]
	[[ "$output" == *$'\nMSG=hello from envtest, $(POD_NAME) $(NOPE)\n'* ]]
	[[ "$output" == *$'\nCFG_1bad=x\n'* ]]
	[[ "$output" == *$'\nmode=fast\n'* ]]
	[[ "$output" != *$'\n1bad='* ]]
	[[ "$output" != *OPT=* ]]
	# exec sees the same environment
	run peapod exec envtest -- sh -c 'echo "$PASSWORD $MEM_MI"'
	[ "$output" = "s3cret 64" ]
	# the key that is no variable name: the kubelet's event
	run peapod describe pod envtest
	[[ "$output" == *"Environment Variables from:"*"app-config"*"ConfigMap with prefix 'CFG_'"*"Optional: false"* ]]
	[[ "$output" == *"PASSWORD:"*"<set to the key 'password' in secret 'app-secret'>"*"Optional: false"* ]]
	[[ "$output" == *"POD_NAME:"*"envtest (v1:metadata.name)"* ]]
	[[ "$output" == *"MEM_MI:"*"64 (limits.memory)"* ]]
	[[ "$output" != *s3cret* ]]
	[[ "$output" == *"InvalidEnvironmentVariableNames"*"Keys [1bad] from the EnvFrom configMap default/app-config were skipped since they are considered invalid environment variable names."* ]]
}

@test "a missing ConfigMap or key is CreateContainerConfigError; the pod starts once it exists" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" late <<'YAML'
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "echo \"COLOR=$COLOR\"; sleep 3600"]
    env:
    - {name: COLOR, valueFrom: {configMapKeyRef: {name: late-config, key: color}}}
YAML
	# the pod is created, as the API server does
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 20 waiting_is late 'CreateContainerConfigError: configmap "late-config" not found'
	[ "$(peapod get pods late -o json | jq -r .status.phase)" = Pending ]
	pod_is late CreateContainerConfigError
	run peapod describe pod late
	[[ "$output" == *'Error: configmap "late-config" not found'* ]]
	peapod create configmap late-config --from-literal=other=x
	wait_for 20 waiting_is late "CreateContainerConfigError: couldn't find key color in ConfigMap default/late-config"
	[ "$(peapod get pods late -o json | jq -r .status.phase)" = Pending ]
	cat >"$BATS_TEST_TMPDIR/cm.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: late-config}
data: {color: blue}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/cm.yaml"
	[ "$output" = "configmap/late-config configured" ]
	wait_for 30 pod_is late Running
	wait_for 20 logs_have late "COLOR=blue"
	[ "$(peapod get pods late -o json | jq -r '.status.containerStatuses[0].restartCount')" = 0 ]
}

@test "a missing Secret of an init container keeps the pod initializing until it exists" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" initsec <<'YAML'
  initContainers:
  - name: init
    image: busybox:1.28
    command: ["sh", "-c", "test \"$TOKEN\" = t0k"]
    envFrom:
    - secretRef: {name: init-secret}
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	init_waiting() {
		[ "$(peapod get pods initsec -o json | jq -r '.status.initContainerStatuses[0].state.waiting | "\(.reason): \(.message)"')" = "$1" ]
	}
	wait_for 20 init_waiting 'CreateContainerConfigError: secret "init-secret" not found'
	peapod create secret generic init-secret --from-literal=TOKEN=t0k
	wait_for 30 pod_is initsec Running
}

@test "a ConfigMap and the pod that uses it, in one apply stream" {
	cat >"$BATS_TEST_TMPDIR/all.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: stream-config}
data: {LEVEL: debug}
---
apiVersion: v1
kind: Pod
metadata: {name: stream}
spec:
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "echo \"LEVEL=$LEVEL\"; sleep 3600"]
    envFrom: [{configMapRef: {name: stream-config}}]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/all.yaml"
	wait_for 30 pod_is stream Running
	wait_for 20 logs_have stream "LEVEL=debug"
}
