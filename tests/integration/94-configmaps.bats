#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ConfigMaps and Secrets as the API server keeps them and kubectl shows
# them: apply in the same stream as pods, get, describe, delete, create,
# the API server's validation, Secrets readable by root only on disk; and
# delete -f that needs only each object's kind, namespace and name.

# shellcheck disable=SC2016,SC2030,SC2031,SC2154 # kubectl's backquotes; bats's run sets status, output, lines and stderr
bats_require_minimum_version 1.5.0

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

# A stream of a pod, a ConfigMap and a Secret.
stream() { # FILE [GAME-LIVES]
	cat >"$1" <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: game
  labels: {app: game}
data:
  lives: "${2:-3}"
  game.properties: |
    enemies=aliens
---
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  username: admin
data:
  password: czNjcmV0
YAML
}

@test "apply: a stream of a pod, a ConfigMap and a Secret; unchanged, then configured" {
	stream "$BATS_TEST_TMPDIR/s.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/s.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = $'configmap/game created\npod/app created\nsecret/creds created' ]
	wait_for 30 pod_is app Running
	run peapod apply -f - <"$BATS_TEST_TMPDIR/s.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = $'configmap/game unchanged\npod/app unchanged\nsecret/creds unchanged' ]
	# a folder of manifests, the ConfigMap changed
	mkdir "$BATS_TEST_TMPDIR/dir"
	stream "$BATS_TEST_TMPDIR/dir/s.yaml" 5
	run peapod apply -f "$BATS_TEST_TMPDIR/dir"
	[ "$status" -eq 0 ]
	[ "$output" = $'configmap/game configured\npod/app unchanged\nsecret/creds unchanged' ]
	run peapod get cm game -o json
	[ "$(jq -r '.data.lives' <<<"$output")" = 5 ]
	[ "$(jq -r '.metadata.labels.app' <<<"$output")" = game ]
	[[ "$(jq -r '.metadata.uid' <<<"$output")" =~ ^[0-9a-f-]{36}$ ]]
	[[ "$(jq -r '.metadata.creationTimestamp' <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$ ]]
	# other kinds are refused by name, and nothing of the stream is made
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n' \
		>"$BATS_TEST_TMPDIR/d.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/d.yaml"
	[ "$status" -eq 1 ]
	[[ "$output" == *'unknown kind "Deployment": peapod runs Pods, ConfigMaps and Secrets only'* ]]
	run peapod get cm other
	[ "$status" -eq 1 ]
}

@test "get and describe: kubectl's columns and layout; a Secret's values are never described" {
	stream "$BATS_TEST_TMPDIR/s.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/s.yaml"
	run peapod get configmaps
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NAME\ +DATA\ +AGE$ ]]
	[[ "${lines[1]}" =~ ^game\ +2\ +[0-9]+s$ ]]
	run peapod get secrets
	[[ "${lines[0]}" =~ ^NAME\ +TYPE\ +DATA\ +AGE$ ]]
	[[ "${lines[1]}" =~ ^creds\ +Opaque\ +2\ +[0-9]+s$ ]]
	run peapod get cm -A
	[[ "${lines[0]}" =~ ^NAMESPACE\ +NAME\ +DATA\ +AGE$ ]]
	[[ "${lines[1]}" =~ ^default\ +game\ + ]]
	run peapod get secret creds -o name
	[ "$output" = secret/creds ]
	run peapod get secret creds -o yaml
	[[ "$output" == *"password: czNjcmV0"* ]]
	[[ "$output" == *"kind: Secret"* ]]
	run peapod get secret creds -o json
	[ "$(jq -r '.data.username' <<<"$output" | base64 -d)" = admin ]
	run peapod get cm -o json
	[ "$(jq -r '.kind' <<<"$output")" = List ]
	run --separate-stderr peapod get cm -n other
	[ "$status" -eq 0 ]
	[ "$stderr" = "No resources found in other namespace." ]
	run --separate-stderr peapod get cm nope
	[ "$status" -eq 1 ]
	[ "$stderr" = 'Error from server (NotFound): configmaps "nope" not found' ]

	run peapod describe configmap game
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Name:         game" ]
	[ "${lines[1]}" = "Namespace:    default" ]
	[ "${lines[2]}" = "Labels:       app=game" ]
	[[ "$output" == *$'Data\n====\ngame.properties:\n----\nenemies=aliens\n'* ]]
	[[ "$output" == *$'lives:\n----\n3\n'* ]]
	[[ "$output" == *$'BinaryData\n===='* ]]
	run peapod describe secret creds
	[ "$status" -eq 0 ]
	[[ "$output" == *$'Type:  Opaque\n\nData\n====\npassword:  6 bytes\nusername:  5 bytes'* ]]
	[[ "$output" != *s3cret* ]]
	[[ "$output" != *admin* ]]
}

@test "delete: by name, TYPE/NAME and -f; NotFound; --ignore-not-found" {
	stream "$BATS_TEST_TMPDIR/s.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/s.yaml"
	run peapod delete configmap game
	[ "$status" -eq 0 ]
	[ "$output" = 'configmap "game" deleted' ]
	run --separate-stderr peapod delete cm game
	[ "$status" -eq 1 ]
	[ "$stderr" = 'Error from server (NotFound): configmaps "game" not found' ]
	run peapod delete cm game --ignore-not-found
	[ "$status" -eq 0 ]
	peapod create secret generic other --from-literal=a=b
	run peapod delete secret/other
	[ "$output" = 'secret "other" deleted' ]
	run peapod delete -f "$BATS_TEST_TMPDIR/s.yaml" --ignore-not-found
	[ "$status" -eq 0 ]
	[[ "$output" == *'secret "creds" deleted'* ]]
	[[ "$output" == *'pod "app" deleted'* ]]
	[ -z "$(ls "$PEAPOD_ROOT/objects/secrets/default")" ]
}

@test "delete -f deletes a running pod whose manifest now holds a field apply refuses" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" keep <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is keep Running
	# kubectl delete -f reads each object's kind, namespace and name only
	printf '    imagee: typo\n  nodeSelector: {disktype: ssd}\n' >>"$BATS_TEST_TMPDIR/p.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -eq 1 ]
	run peapod delete -f "$BATS_TEST_TMPDIR/p.yaml" --now
	[ "$status" -eq 0 ]
	[ "$output" = 'pod "keep" deleted' ]
	run peapod get pod keep
	[ "$status" -eq 1 ]
}

@test "create configmap and secret generic from literals, files, folders and env files" {
	mkdir "$BATS_TEST_TMPDIR/d"
	printf 'hello' >"$BATS_TEST_TMPDIR/d/greeting"
	printf '\0\377' >"$BATS_TEST_TMPDIR/d/bin"
	printf '# a comment\nA=1\n  B=two=2\nFROM_ENV\n\n' >"$BATS_TEST_TMPDIR/env"
	run peapod create configmap lit --from-literal=a=1 --from-literal=b=x=y
	[ "$status" -eq 0 ]
	[ "$output" = "configmap/lit created" ]
	[ "$(peapod get cm lit -o json | jq -c .data)" = '{"a":"1","b":"x=y"}' ]
	run peapod create configmap files --from-file="$BATS_TEST_TMPDIR/d" --from-file=k="$BATS_TEST_TMPDIR/d/greeting"
	[ "$status" -eq 0 ]
	run peapod get cm files -o json
	[ "$(jq -c .data <<<"$output")" = '{"greeting":"hello","k":"hello"}' ]
	[ "$(jq -r .binaryData.bin <<<"$output")" = AP8= ]
	FROM_ENV=env-value run peapod create cm envs --from-env-file="$BATS_TEST_TMPDIR/env"
	[ "$status" -eq 0 ]
	[ "$(peapod get cm envs -o json | jq -c .data)" = '{"A":"1","B":"two=2","FROM_ENV":"env-value"}' ]
	run peapod create secret generic s --from-literal=pw=s3cret --type=example.com/kind
	[ "$status" -eq 0 ]
	[ "$output" = "secret/s created" ]
	run peapod get secret s -o json
	[ "$(jq -r .type <<<"$output")" = example.com/kind ]
	[ "$(jq -r .data.pw <<<"$output" | base64 -d)" = s3cret ]
	run peapod create configmap lit --from-literal=a=2
	[ "$status" -eq 1 ]
	[ "$output" = 'error: failed to create configmap: configmaps "lit" already exists' ]
	run peapod create cm dry --from-literal=a=b --dry-run=client -o yaml
	[ "$status" -eq 0 ]
	[[ "$output" == *$'data:\n  a: b\n'* ]]
	run peapod get cm dry
	[ "$status" -eq 1 ]
	run peapod create configmap bad --from-literal='a b=1'
	[ "$status" -eq 1 ]
	[[ "$output" == "error: \"a b\" is not a valid key name for a ConfigMap: a valid config key must consist of alphanumeric characters"* ]]
	run peapod create configmap bad --from-literal=novalue
	[ "$output" = 'error: invalid literal source novalue, expected key=value' ]
	run peapod create configmap bad --from-env-file="$BATS_TEST_TMPDIR/env" --from-literal=a=b
	[ "$output" = 'error: from-env-file cannot be combined with from-file or from-literal' ]
}

@test "create secret docker-registry: a kubernetes.io/dockerconfigjson Secret" {
	run peapod create secret docker-registry reg --docker-server=registry.example:5000 \
		--docker-username=u --docker-password=p --docker-email=e@example.com
	[ "$status" -eq 0 ]
	[ "$output" = "secret/reg created" ]
	run peapod get secret reg -o json
	[ "$(jq -r .type <<<"$output")" = kubernetes.io/dockerconfigjson ]
	cfg=$(jq -r '.data[".dockerconfigjson"]' <<<"$output" | base64 -d)
	[ "$(jq -r '.auths["registry.example:5000"].username' <<<"$cfg")" = u ]
	[ "$(jq -r '.auths["registry.example:5000"].password' <<<"$cfg")" = p ]
	[ "$(jq -r '.auths["registry.example:5000"].email' <<<"$cfg")" = e@example.com ]
	[ "$(jq -r '.auths["registry.example:5000"].auth' <<<"$cfg" | base64 -d)" = u:p ]
	run peapod create secret docker-registry reg2 --docker-username=u
	[ "$status" -eq 1 ]
	[[ "$output" == *"either --from-file or the combination of --docker-username, --docker-password and --docker-server is required"* ]]
}

# apply of FILE ($1) fails with TEXT ($2) and makes no object.
object_refused() { # TEXT
	run peapod apply -f "$BATS_TEST_TMPDIR/o.yaml"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$1"* ]]
	[ -z "$(ls -A "$PEAPOD_ROOT/objects/configmaps/default" 2>/dev/null)" ]
	[ -z "$(ls -A "$PEAPOD_ROOT/objects/secrets/default" 2>/dev/null)" ]
}

@test "the API server's validation: key names, 1 MiB, base64, dockerconfigjson" {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  "a b": x\n' >"$BATS_TEST_TMPDIR/o.yaml"
	object_refused "The ConfigMap \"c\" is invalid: data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
	{
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  k: '
		head -c 1048577 /dev/zero | tr '\0' x
		printf '\n'
	} >"$BATS_TEST_TMPDIR/o.yaml"
	object_refused 'The ConfigMap "big" is invalid: []: Too long: must have at most 1048576 bytes'
	printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: "abc!"\n' >"$BATS_TEST_TMPDIR/o.yaml"
	object_refused 'The Secret "s" is invalid: data[k]: illegal base64 data at input byte 3'
	printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: kubernetes.io/dockerconfigjson\nstringData:\n  .dockerconfigjson: "[]"\n' >"$BATS_TEST_TMPDIR/o.yaml"
	object_refused 'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array'
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nstringData: {a: b}\n' >"$BATS_TEST_TMPDIR/o.yaml"
	object_refused 'unknown field "stringData"'
}

@test "immutable: data changes are refused in the API server's words, labels may change" {
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nimmutable: true\ndata:\n  k: "1"\n' >"$BATS_TEST_TMPDIR/c.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/c.yaml"
	[ "$output" = "configmap/c created" ]
	sed -i 's/k: "1"/k: "2"/' "$BATS_TEST_TMPDIR/c.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/c.yaml"
	[ "$status" -eq 1 ]
	[ "$output" = 'error: The ConfigMap "c" is invalid: data: Forbidden: field is immutable when `immutable` is set' ]
	sed -i 's/immutable: true/immutable: false/' "$BATS_TEST_TMPDIR/c.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/c.yaml"
	[ "$status" -eq 1 ]
	[ "$output" = 'error: The ConfigMap "c" is invalid: immutable: Forbidden: field is immutable when `immutable` is set' ]
	[ "$(peapod get cm c -o json | jq -r .data.k)" = 1 ]
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: b}\nimmutable: true\ndata:\n  k: "1"\n' >"$BATS_TEST_TMPDIR/c.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/c.yaml"
	[ "$output" = "configmap/c configured" ]
}

@test "a Secret's data is readable by root only on disk" {
	peapod create secret generic s --from-literal=pw=s3cret
	peapod create configmap c --from-literal=a=b
	[ "$(stat -c %a "$PEAPOD_ROOT/objects/secrets")" = 700 ]
	[ "$(stat -c %a "$PEAPOD_ROOT/objects/secrets/default")" = 700 ]
	[ "$(stat -c %a "$PEAPOD_ROOT/objects/secrets/default/s.json")" = 600 ]
	[ "$(stat -c %a "$PEAPOD_ROOT/objects/configmaps/default/c.json")" = 644 ]
	run grep -r s3cret "$PEAPOD_ROOT/objects"
	[ "$status" -eq 1 ]
}
