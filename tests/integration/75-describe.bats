#!/usr/bin/env bats
# peapod describe pod as kubectl describe pod (containers, conditions, the
# kubelet's events), and get -o yaml.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

described() { # POD PATTERN: describe's output matches the extended regex
	"$PEAPOD" describe pod "$1" | grep -Eq "$2"
}

# The value of field FIELD (e.g. "Restart Count") of describe POD.
field() { # POD FIELD
	"$PEAPOD" describe pod "$1" | sed -n "s/^ *$2: *//p" | head -1
}

# describe ARGS with every event's age as AGE, and runs of spaces as one
# (the Age column widens from 9s to 10s).
describe_aged() {
	peapod describe "$@" | sed -E 's/ [0-9][0-9smhd]*( +kubelet )/ AGE\1/' | tr -s ' '
}

@test "describe shows the seed pod's running containers, conditions and events" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 60 pod_is nginx Running
	wait_for 30 described nginx 'Started +container shell'
	run peapod describe pod nginx
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(head -1 <<<"$output")" = 'Name:         nginx' ]
	grep -qx 'Namespace:    default' <<<"$output"
	grep -qx 'Status:       Running' <<<"$output"
	[ "$(grep -c '^    State:          Running$' <<<"$output")" -eq 2 ]
	grep -q '^    Image:          nginx$' <<<"$output"
	grep -q '^    Image:         busybox:1.28$' <<<"$output"
	[ "$(grep -Ec '^    Image ID: +sha256:[0-9a-f]{64}$' <<<"$output")" -eq 2 ]
	grep -Eq '^  Ready +True $' <<<"$output"
	grep -Eq '^  ContainersReady +True $' <<<"$output"
	grep -q '^QoS Class:          BestEffort$' <<<"$output"
	for c in nginx shell; do
		grep -Eq "^  Normal +Created +[0-9]+[smh] +kubelet +Created container $c$" <<<"$output"
		grep -Eq "^  Normal +Started +[0-9]+[smh] +kubelet +Started container $c$" <<<"$output"
	done
	grep -Eq '^  Normal +Pulled .*Container image "busybox:1.28" already present on machine$' <<<"$output"
	# the same with the other spellings (but the events' ages, which may
	# cross a second between the two)
	[ "$(describe_aged pods nginx)" = "$(describe_aged pod/nginx)" ]
}

@test "describe shows a crash loop: Last State, Restart Count and a counted BackOff" {
	manifest "$BATS_TEST_TMPDIR/crash.yaml" crash <<'YAML'
  restartPolicy: Always
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "exit 1"]
    env:
    - name: GREETING
      value: hello
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/crash.yaml"
	# back-off 10s after the second exit, then a second BackOff
	wait_for 60 described crash 'Warning +BackOff +[0-9]+s \(x[0-9]+ over [0-9]+s\) +kubelet +Back-off restarting failed container c in pod crash_default\('
	run peapod describe pod crash
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^    Last State:     Terminated$' <<<"$output"
	grep -Eq '^      Exit Code: +1$' <<<"$output"
	grep -Eq '^      Reason: +Error$' <<<"$output"
	[ "$(field crash 'Restart Count')" -ge 1 ]
	grep -Eq '^      GREETING: +hello$' <<<"$output"
	grep -Eq '^  (Ready|ContainersReady) +False $' <<<"$output"
}

@test "get -o yaml is the object of -o json and applies back as a manifest" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 60 pod_is nginx Running
	run peapod get pods nginx -o yaml
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" == "apiVersion: v1"$'\n'* ]]
	grep -qx 'kind: Pod' <<<"$output"
	grep -qx '  phase: Running' <<<"$output"
	peapod get pods nginx -o json | grep -q '"phase": "Running"'
	# a string that looks like a number stays a string
	grep -qx "    - '3600'" <<<"$output"
	grep -qx "    status: 'True'" <<<"$output"
	# metadata and status are ignored on apply: a copy under a new name runs
	sed 's/^  name: nginx$/  name: copy/' <<<"$output" >"$BATS_TEST_TMPDIR/copy.yaml"
	run --separate-stderr peapod apply -f "$BATS_TEST_TMPDIR/copy.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/copy created" ]
	wait_for 60 pod_is copy Running
	# the copy's spec is the original's
	diff <(peapod get pods nginx -o yaml | sed -n '/^spec:/,/^status:/p') \
		<(peapod get pods copy -o yaml | sed -n '/^spec:/,/^status:/p')
	# a list
	run peapod get pods -o yaml
	[ "$status" -eq 0 ]
	[ "$(grep -c '^  kind: Pod$' <<<"$output")" -eq 2 ]
	grep -qx 'kind: List' <<<"$output"
}

@test "describe of a missing pod is NotFound" {
	run peapod describe pod x
	[ "$status" -eq 1 ]
	[ "$output" = 'Error from server (NotFound): pods "x" not found' ]
	run peapod describe pod x -n other
	[ "$status" -eq 1 ]
	[ "$output" = 'Error from server (NotFound): pods "x" not found' ]
	run peapod describe nodes x
	[ "$status" -eq 1 ]
}

@test "describe shows init containers and probes as kubectl does" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" dp <<'YAML'
  initContainers:
  - name: init1
    image: busybox:1.28
    command: ["true"]
  containers:
  - name: web
    image: nginx
    readinessProbe:
      httpGet: {path: /, port: 80}
      periodSeconds: 3
    livenessProbe:
      tcpSocket: {port: 80}
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    startupProbe:
      exec: {command: ["cat", "/etc/hostname"]}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is dp Running
	run peapod describe pod dp
	[ "$status" -eq 0 ]
	[[ "$output" =~ "Init Containers:"$'\n'"  init1:" ]]
	[[ "$output" =~ Liveness:\ +"tcp-socket :80 delay=0s timeout=1s period=10s #success=1 #failure=3" ]]
	[[ "$output" =~ Readiness:\ +"http-get http://:80/ delay=0s timeout=1s period=3s #success=1 #failure=3" ]]
	[[ "$output" =~ Startup:\ +"exec [cat /etc/hostname] delay=0s timeout=1s period=10s #success=1 #failure=3" ]]
	run peapod get pod dp -o json
	[ "$(jq -r '.status.initContainerStatuses[0] | [.state.terminated.reason, .ready] | join(" ")' <<<"$output")" = "Completed true" ]
}
