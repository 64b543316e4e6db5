#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# apply pulls what a pod needs, as the kubelet's image manager does: by
# imagePullPolicy (Always, IfNotPresent, Never), with the kubelet's events
# (Pulling, Pulled, Failed, BackOff) and statuses (ErrImagePull,
# ImagePullBackOff, InvalidImageName), showing podman's progress lines while
# it waits. Registries are Debian's docker-registry on 127.0.0.1
# (registry.bash), stopped by PID; docker.io is the suite's local registry.

bats_require_minimum_version 1.5.0

load helpers
load registry

setup_file() {
	registry_main_start library/bb:1
}

teardown_file() {
	registries_stop
}

setup() {
	registry_test_setup
}

teardown() {
	teardown_root
}

# The events of pod $1 with reason $2 (describe's rows).
events_of() { # POD REASON
	pp describe pod "$1" | sed -n '/^Events:/,$p' | awk -v r="$2" '$2 == r'
}

@test "apply: IfNotPresent pulls a missing image once, with progress; the next pod finds it present" {
	manifest "$BATS_TEST_TMPDIR/a.yaml" a <<YAML
  containers:
  - name: c
    image: $REG/library/bb:1
    command: ["sleep", "3600"]
YAML
	run --separate-stderr pp apply -f "$BATS_TEST_TMPDIR/a.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/a created" ]
	# podman's plain lines while apply waits for the pull
	[ "${stderr_lines[0]}" = "Trying to pull $REG/library/bb:1..." ]
	[ "$(echo "$stderr" | grep -c '^Copying blob sha256:[0-9a-f]\{64\} done$')" -eq 2 ]
	echo "$stderr" | grep -qx "Writing manifest to image destination"
	wait_for 30 pod_is a Running
	run events_of a Pulling
	[[ "$output" == *"Pulling image \"$REG/library/bb:1\""* ]]
	run events_of a Pulled
	[[ "$output" =~ Successfully\ pulled\ image\ \"$REG/library/bb:1\"\ in\ [0-9.]+m?s\ \([0-9.]+m?s\ including\ waiting\)\.\ Image\ size:\ [0-9]+\ bytes\. ]]
	id=$(pp image ls | awk -v r="$REG/library/bb" '$1 == r {print $3}')
	[ -n "$id" ]
	run pp get pod a -o json
	[[ "$(jq -r '.status.containerStatuses[0].imageID' <<<"$output")" == *"$id"* ]]

	manifest "$BATS_TEST_TMPDIR/b.yaml" b <<YAML
  containers:
  - name: c
    image: $REG/library/bb:1
    command: ["sleep", "3600"]
YAML
	run --separate-stderr pp apply -f "$BATS_TEST_TMPDIR/b.yaml"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	wait_for 30 pod_is b Running
	[ -z "$(events_of b Pulling)" ]
	run events_of b Pulled
	[[ "$output" == *"Container image \"$REG/library/bb:1\" already present on machine"* ]]
}

@test "apply: Always pulls at every start and runs what the tag names now; Never never pulls" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" always <<YAML
  containers:
  - name: c
    image: $REG/library/moving:1
    imagePullPolicy: Always
    command: ["sh", "-c", "sleep 1; exit 1"]
YAML
	push "$IMAGES/busybox.tar" "$REG/library/moving:1"
	pp apply -f "$BATS_TEST_TMPDIR/p.yaml" 2>/dev/null
	first=$(manifest_of "$REG/library/moving:1" | jq -r .config.digest)
	wait_for 30 eval '[ "$(pp get pod always -o json | jq -r ".status.containerStatuses[0].restartCount")" -ge 1 ]'
	# the tag moves to another image: the next start runs it
	push "$IMAGES/nginx.tar" "$REG/library/moving:1"
	second=$(manifest_of "$REG/library/moving:1" | jq -r .config.digest)
	[ "$first" != "$second" ]
	wait_for 60 eval '[ "$(pp get pod always -o json | jq -r ".status.containerStatuses[0].imageID")" = "$second" ]'
	run events_of always Pulling
	[[ "$output" =~ \(x[0-9]+\ over ]]

	# Never: present, so it runs; no Pulling event
	manifest "$BATS_TEST_TMPDIR/n.yaml" never <<YAML
  containers:
  - name: c
    image: $REG/library/moving:1
    imagePullPolicy: Never
    command: ["sleep", "3600"]
YAML
	run --separate-stderr pp apply -f "$BATS_TEST_TMPDIR/n.yaml"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	wait_for 30 pod_is never Running
	[ -z "$(events_of never Pulling)" ]
}

@test "apply: a failed pull is ErrImagePull with the registry's words, then ImagePullBackOff" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" nope <<YAML
  containers:
  - name: c
    image: $REG/library/nope:1
YAML
	run --separate-stderr pp apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/nope created" ]
	[[ "$stderr" == *"warning: pod \"nope\": container \"c\": Failed to pull image \"$REG/library/nope:1\": "*"MANIFEST_UNKNOWN"* ]]
	run events_of nope Failed
	[[ "$output" == *"Failed to pull image \"$REG/library/nope:1\": "*"MANIFEST_UNKNOWN: manifest unknown"* ]]
	[[ "$output" == *"Error: ErrImagePull"* ]]
	wait_for 10 pod_is nope ImagePullBackOff
	run pp get pod nope -o json
	[ "$(jq -r .status.phase <<<"$output")" = Pending ]
	[[ "$(jq -r '.status.containerStatuses[0].state.waiting.message' <<<"$output")" == "Back-off pulling image \"$REG/library/nope:1\": ErrImagePull: "* ]]
	run events_of nope BackOff
	[[ "$output" == *"Back-off pulling image \"$REG/library/nope:1\""* ]]
	run events_of nope Failed
	[[ "$output" == *"Error: ImagePullBackOff"* ]]
}

@test "apply: a malformed image name is InvalidImageName on the container; the pod is created" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" inv <<YAML
  containers:
  - name: c
    image: "Not/A Valid:Name"
  - name: ok
    image: $REG/library/bb:1
    command: ["sleep", "3600"]
YAML
	run --separate-stderr pp apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/inv created" ]
	msg='Failed to apply default image tag "Not/A Valid:Name": couldn'"'"'t parse image name "Not/A Valid:Name": invalid reference format'
	[[ "$stderr" == *"container \"c\": $msg"* ]]
	run pp get pod inv -o json
	[ "$(jq -r '.status.containerStatuses[] | select(.name == "c") | .state.waiting.reason' <<<"$output")" = InvalidImageName ]
	[ "$(jq -r '.status.containerStatuses[] | select(.name == "c") | .state.waiting.message' <<<"$output")" = "$msg" ]
	run events_of inv InspectFailed
	[[ "$output" == *"$msg"* ]]
	# the other container runs
	wait_for 30 eval '[ "$(pp get pod inv -o json | jq -r ".status.containerStatuses[] | select(.name == \"ok\") | .state.running != null")" = true ]'
}

@test "apply: imagePullSecrets that do not exist are named in an event; the pull goes on" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" sec <<YAML
  imagePullSecrets:
  - name: regcred
  - name: other
  containers:
  - name: c
    image: $REG/library/bb:1
    command: ["sleep", "3600"]
YAML
	run pp apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	wait_for 30 pod_is sec Running
	run events_of sec FailedToRetrieveImagePullSecret
	[[ "$output" == *"Unable to retrieve some image pull secrets (regcred, other); attempting to pull the image may not succeed."* ]]
	run pp get pod sec -o json
	[ "$(jq -c '.spec.imagePullSecrets' <<<"$output")" = '[{"name":"regcred"},{"name":"other"}]' ]
}

@test "apply: a docker-registry Secret named in imagePullSecrets supplies the pull's credentials" {
	registry_auth_start auth
	reg=127.0.0.1:$(reg_port auth)
	manifest "$BATS_TEST_TMPDIR/p.yaml" priv <<YAML
  imagePullSecrets:
  - name: missing
  - name: regcred
  containers:
  - name: c
    image: $reg/library/busybox:1.28
    command: ["sleep", "3600"]
YAML
	# without the Secret: the registry refuses the pull
	run pp apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 eval '[ "$(pp get pod priv -o json | jq -r ".status.containerStatuses[0].state.waiting.reason")" = ErrImagePull ] || events_of priv Failed | grep -q UNAUTHORIZED'
	pp delete pod priv
	pp create secret docker-registry regcred --docker-server="$reg" --docker-username=peapod \
		--docker-password=s3cret
	run pp apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	wait_for 30 pod_is priv Running
	run events_of priv FailedToRetrieveImagePullSecret
	[[ "$output" == *"Unable to retrieve some image pull secrets (missing); attempting to pull the image may not succeed."* ]]
	# the credentials leave the pod folder with the pull
	[ -z "$(find "$PEAPOD_ROOT/run/pods" -name pull-auth.json)" ]
	registry_stop auth
}

@test "apply: a pod deleted while its image is pulled ends the pull and leaves nothing" {
	proxy_start stall "$REG" stall
	dir=$BATS_FILE_TMPDIR/reg-stall
	reg=127.0.0.1:$(reg_port stall)
	manifest "$BATS_TEST_TMPDIR/p.yaml" stuck <<YAML
  containers:
  - name: c
    image: $reg/library/busybox:1.28
YAML
	# the proxy only knows library/busybox: serve bb:1 under that name
	push "$IMAGES/busybox.tar" "$REG/library/busybox:1.28"
	"$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml" >"$BATS_TEST_TMPDIR/apply.out" 2>&1 3>&- &
	apply=$!
	wait_for 30 grep -q "^stalled /v2/library/busybox/blobs/" "$dir/log"
	run pp get pod stuck -o json
	[ "$(jq -r '.status.containerStatuses[0].state.waiting.reason' <<<"$output")" = ContainerCreating ]
	run pp delete pod stuck
	[ "$status" -eq 0 ]
	# apply's wait ends with the pod
	wait_for 30 eval '! kill -0 '"$apply"
	wait "$apply" || true
	[ -z "$(ls "$PEAPOD_ROOT/images/images")" ]
	[ -z "$(ls "$PEAPOD_ROOT/run/pods")" ]
	registry_stop stall
}

@test "apply: the seed pod runs from an empty store, both images pulled by apply alone" {
	# docker.io is the suite's registry (PEAPOD_REGISTRIES_CONF, helpers.bash)
	run --separate-stderr pp apply -f "$SEEDS/share-process-namespace.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/nginx created" ]
	[ "${stderr_lines[0]}" = "Trying to pull docker.io/library/nginx:latest..." ]
	echo "$stderr" | grep -qx "Trying to pull docker.io/library/busybox:1.28..."
	[ "$(echo "$stderr" | grep -c '^Writing manifest to image destination$')" -eq 2 ]
	[ "$(echo "$stderr" | grep -c '^Copying blob sha256:[0-9a-f]\{64\} done$')" -ge 4 ]
	wait_for 30 pod_is nginx Running
	run pp get pods nginx
	[[ "${lines[1]}" =~ ^nginx\ +2/2\ +Running ]]
	run pp image ls
	echo "$output" | grep -Eq '^docker.io/library/nginx +latest '
	echo "$output" | grep -Eq '^docker.io/library/busybox +1.28 '
	run pp exec nginx -c shell -- ps ax
	[[ "$output" == *"nginx: master process"* ]]
}

@test "apply: on a terminal, the pull's progress is one line a blob redrawn in place" {
	command -v script >/dev/null || skip "no script (apt-get install bsdutils)"
	manifest "$BATS_TEST_TMPDIR/p.yaml" tty <<YAML
  containers:
  - name: c
    image: $REG/library/bb:1
    command: ["sleep", "3600"]
YAML
	script -qc "timeout 60 '$PEAPOD' apply -f '$BATS_TEST_TMPDIR/p.yaml'" /dev/null \
		>"$BATS_TEST_TMPDIR/tty" </dev/null
	out=$BATS_TEST_TMPDIR/tty
	cat -A "$out"
	grep -q "Trying to pull $REG/library/bb:1..." "$out"
	grep -q $'\e\\[[0-9]*A' "$out"
	last=$(tty_rows "$out" | tail -3)
	echo "$last"
	[ "$(echo "$last" | grep -cE "^Copying (blob|config) [0-9a-f]{12} done$")" -eq 3 ]
	grep -q "pod/tty created" "$out"
	wait_for 30 pod_is tty Running
}

@test "apply: a monitor killed while it pulls is replaced, and the new one resumes the pull" {
	proxy_start stall2 "$REG" stall
	dir=$BATS_FILE_TMPDIR/reg-stall2
	reg=127.0.0.1:$(reg_port stall2)
	push "$IMAGES/busybox.tar" "$REG/library/busybox:1.28"
	manifest "$BATS_TEST_TMPDIR/p.yaml" again <<YAML
  containers:
  - name: c
    image: $reg/library/busybox:1.28
    command: ["sleep", "3600"]
YAML
	"$PEAPOD" apply -f "$BATS_TEST_TMPDIR/p.yaml" >/dev/null 2>&1 3>&- &
	apply=$!
	wait_for 30 grep -q "^stalled /v2/library/busybox/blobs/" "$dir/log"
	mon=$(sed -n 's/.*"monitorPid": *\([0-9]*\).*/\1/p' "$(pod_json_file again)")
	[ -n "$mon" ]
	kill -9 "$mon"
	wait "$apply" || true
	# the supervisor starts a monitor that takes the pod back and pulls again:
	# the blob that stalled is resumed where the first pull left it
	wait_for 60 pod_is again Running
	grep -q "range=bytes=[1-9]" "$dir/log"
	registry_stop stall2
}

@test "apply: a registry's words reach the terminal without its control sequences" {
	server_start evil evil-realm.py @PORT@
	reg=127.0.0.1:$(reg_port evil)
	run pp image pull "$reg/x/y:1"
	[ "$status" -eq 1 ]
	[[ "$output" == *"?]0;PWNED??[2J"* ]]
	[[ "$output" != *$'\e'* ]]
	manifest "$BATS_TEST_TMPDIR/p.yaml" evil <<YAML
  containers:
  - name: c
    image: $reg/x/y:1
YAML
	run pp apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"PWNED"* ]]
	[[ "$output" != *$'\e'* ]]
	run pp describe pod evil
	[[ "$output" == *"PWNED"* ]]
	[[ "$output" != *$'\e'* ]]
	[[ "$output" != *$'\a'* ]]
	registry_stop evil
}
