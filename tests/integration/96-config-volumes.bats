#!/usr/bin/env bats
# configMap, secret, downwardAPI and projected volumes: the kubelet's
# layout (..data swapped atomically), updates reaching a running pod,
# modes, items, FailedMount until a ConfigMap exists, the downward API's
# formats and a service account token signed by the root's key.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

# The spec of a pod whose container "app" sleeps, up to its volumeMounts:
# the mounts and volumes follow on stdin. FILE NAME
sleeper() {
	{
		printf '%s\n' '  containers:' '  - name: app' '    image: busybox:1.28' \
			'    command: ["sh", "-c", "sleep 3600"]' '    volumeMounts:'
		cat
	} | manifest "$1" "$2"
}

# Create or change a ConfigMap (data) or Secret (stringData) with
# `peapod apply -f -`. KIND NAME KEY=VALUE...
put_object() {
	local kind=$1 name=$2 data='{}' kv
	shift 2
	for kv in "$@"; do
		data=$(jq -c --arg k "${kv%%=*}" --arg v "${kv#*=}" '. + {($k): $v}' <<<"$data")
	done
	jq -n --arg k "$kind" --arg n "$name" --argjson d "$data" \
		'{apiVersion: "v1", kind: $k, metadata: {name: $n}} +
		 (if $k == "Secret" then {stringData: $d} else {data: $d} end)' |
		peapod apply -f -
}

logs_have() { # P C TEXT
	peapod logs "$1" -c "$2" | grep -qF -- "$3"
}

in_ctr() { # POD CMD...
	local p=$1
	shift
	peapod exec "$p" -- "$@"
}

file_is() { # POD PATH TEXT
	[ "$(in_ctr "$1" cat "$2")" = "$3" ]
}

has_event() { # POD TEXT
	peapod describe pod "$1" | grep -qF -- "$2"
}

@test "an app reads a ConfigMap key from a mounted file and sees its update" {
	peapod create configmap app-config --from-literal=greeting=hello
	sleeper "$BATS_TEST_TMPDIR/p.yaml" cm <<'YAML'
    - {name: config, mountPath: /etc/app}
    - {name: config, mountPath: /etc/one, subPath: greeting}
  volumes:
  - name: config
    configMap: {name: app-config}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is cm Running
	file_is cm /etc/app/greeting hello
	# the kubelet's layout: ..data -> ..<timestamp>, greeting -> ..data/greeting
	dir=$PEAPOD_ROOT/run/pods/$(pod_uid cm)/volumes/kubernetes.io~configmap/config
	[ "$(readlink "$dir/greeting")" = ..data/greeting ]
	ts=$(readlink "$dir/..data")
	[[ "$ts" == ..20* ]]
	[ "$(stat -c %a "$dir/$ts/greeting")" = 644 ]
	# mounted read-only
	run in_ctr cm sh -c 'echo x > /etc/app/new'
	[ "$status" -ne 0 ]
	run put_object ConfigMap app-config greeting=bonjour
	[ "$output" = "configmap/app-config configured" ]
	wait_for 30 file_is cm /etc/app/greeting bonjour
	# a subPath mount is not updated, as on a node
	file_is cm /etc/one hello
	# one timestamped folder: the old one is gone
	[ "$(find "$dir" -maxdepth 1 -name '..20*' | wc -l)" -eq 1 ]
	[ "$(readlink "$dir/..data")" != "$ts" ]
	# a monitor killed and replaced goes on projecting, the container kept
	pid=$(container_pid cm app)
	mon=$(peapod_field cm monitorPid)
	kill -9 "$mon"
	wait_for 20 monitor_replaced cm "$mon"
	put_object ConfigMap app-config greeting=hallo
	wait_for 30 file_is cm /etc/app/greeting hallo
	[ "$(container_pid cm app)" = "$pid" ]
}

@test "a Secret volume with defaultMode 0400 gives files mode 0400; items with their own mode" {
	peapod create secret generic creds --from-literal=password=s3cret --from-literal=user=admin
	put_object ConfigMap settings a=1 b=2
	sleeper "$BATS_TEST_TMPDIR/p.yaml" sec <<'YAML'
    - {name: creds, mountPath: /creds}
    - {name: settings, mountPath: /settings}
  volumes:
  - name: creds
    secret: {secretName: creds, defaultMode: 0400}
  - name: settings
    configMap:
      name: settings
      items:
      - {key: b, path: sub/b.conf, mode: 0600}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sec Running
	[ "$(in_ctr sec stat -L -c %a /creds/password)" = 400 ]
	file_is sec /creds/password s3cret
	[ "$(in_ctr sec stat -L -c %a /settings/sub/b.conf)" = 600 ]
	file_is sec /settings/sub/b.conf 2
	# only the listed key
	run in_ctr sec ls /settings
	[ "$output" = sub ]
	# a Secret volume lives on a tmpfs
	dir=$PEAPOD_ROOT/run/pods/$(pod_uid sec)/volumes/kubernetes.io~secret/creds
	grep -q " $dir .* tmpfs " /proc/self/mountinfo
	[ "$(in_ctr sec stat -c %a /creds)" = 1777 ]
	run peapod describe secret creds
	[ "$status" -eq 0 ]
	[[ "$output" == *password* ]]
	[[ "$output" != *s3cret* ]]
}

@test "a missing ConfigMap: FailedMount, then the pod starts once it exists" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" late <<'YAML'
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "cat /cfg/k; echo; sleep 3600"]
    volumeMounts:
    - {name: cfg, mountPath: /cfg}
  volumes:
  - name: cfg
    configMap: {name: later}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 has_event late 'MountVolume.SetUp failed for volume "cfg" : configmap "later" not found'
	run peapod describe pod late
	[[ "$output" == *FailedMount* ]]
	[ "$(pod_status late)" = ContainerCreating ]
	peapod create configmap later --from-literal=k=now-here
	wait_for 30 pod_is late Running
	wait_for 30 logs_have late app now-here
}

@test "a missing key in items fails the mount; optional ones are skipped" {
	put_object ConfigMap some a=1
	sleeper "$BATS_TEST_TMPDIR/p.yaml" key <<'YAML'
    - {name: cfg, mountPath: /cfg}
    - {name: opt, mountPath: /opt}
  volumes:
  - name: cfg
    configMap: {name: some, items: [{key: nope, path: x}]}
  - name: opt
    configMap: {name: absent, optional: true}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 has_event key 'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: nope'
	put_object ConfigMap some a=1 nope=2
	wait_for 30 pod_is key Running
	file_is key /cfg/x 2
	# an optional ConfigMap that does not exist: an empty volume
	run in_ctr key ls /opt
	[ -z "$output" ]
}

@test "downwardAPI files: labels and annotations in the kubelet's format, name, resources" {
	cat >"$BATS_TEST_TMPDIR/p.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: dw
  labels: {zone: east, app: web}
  annotations: {note: "say \"hi\"\tthere\n"}
spec:
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "sleep 3600"]
    resources: {limits: {memory: 64Mi, cpu: 250m}}
    volumeMounts:
    - {name: info, mountPath: /info}
  volumes:
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}
      - {path: name, fieldRef: {fieldPath: metadata.name}}
      - {path: app, fieldRef: {fieldPath: "metadata.labels['app']"}}
      - {path: mem, resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}}
      - {path: cpu, resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is dw Running
	[ "$(in_ctr dw cat /info/labels)" = "$(printf 'app="web"\nzone="east"')" ]
	file_is dw /info/annotations 'note="say \"hi\"\tthere\n"'
	file_is dw /info/name dw
	file_is dw /info/app web
	file_is dw /info/mem 64
	file_is dw /info/cpu 250
}

@test "projected: configMap, secret, downwardAPI and a token that verifies with the root's key" {
	put_object ConfigMap pc c=from-cm
	put_object Secret ps s=from-secret
	sleeper "$BATS_TEST_TMPDIR/p.yaml" proj <<'YAML'
    - {name: all, mountPath: /all}
  volumes:
  - name: all
    projected:
      sources:
      - configMap: {name: pc}
      - secret: {name: ps, items: [{key: s, path: secret/s}]}
      - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
      - serviceAccountToken: {audience: vault, expirationSeconds: 600, path: token}
      - clusterTrustBundle: {signerName: example.com/ca, optional: true, path: ca.pem}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is proj Running
	file_is proj /all/c from-cm
	file_is proj /all/secret/s from-secret
	file_is proj /all/ns default
	file_is proj /all/ca.pem ''
	tok=$(in_ctr proj cat /all/token)
	IFS=. read -r h p s <<<"$tok"
	b64url() { tr '_-' '/+' | awk '{ n = length($0) % 4; if (n) $0 = $0 substr("===", 1, 4 - n); print }' | base64 -d; }
	claims=$(b64url <<<"$p")
	[ "$(jq -r .sub <<<"$claims")" = system:serviceaccount:default:default ]
	[ "$(jq -r '.aud[0]' <<<"$claims")" = vault ]
	[ "$(jq -r '."kubernetes.io".pod.name' <<<"$claims")" = proj ]
	[ "$(jq -r '."kubernetes.io".pod.uid' <<<"$claims")" = "$(pod_uid proj)" ]
	[ "$(jq -r '.exp - .iat' <<<"$claims")" = 600 ]
	[ "$(b64url <<<"$h" | jq -r .alg)" = RS256 ]
	printf %s "$h.$p" >"$BATS_TEST_TMPDIR/signed"
	b64url <<<"$s" >"$BATS_TEST_TMPDIR/sig"
	openssl dgst -sha256 -verify "$PEAPOD_ROOT/serviceaccount/signing-key.pub" \
		-signature "$BATS_TEST_TMPDIR/sig" "$BATS_TEST_TMPDIR/signed"
	[ "$(stat -c %a "$PEAPOD_ROOT/serviceaccount/signing-key.pem")" = 600 ]
	[ "$(stat -c %a "$PEAPOD_ROOT/serviceaccount/signing-key.pub")" = 644 ]
	run peapod describe pod proj
	[[ "$output" == *"Projected (a volume that contains injected data from multiple sources)"* ]]
	[[ "$output" == *"TokenSigner:"*"valid for this peapod root only"* ]]
	# a trust bundle that is not optional cannot be had on one machine
	sleeper "$BATS_TEST_TMPDIR/q.yaml" ctb <<'YAML'
    - {name: ca, mountPath: /ca}
  volumes:
  - name: ca
    projected:
      sources:
      - clusterTrustBundle: {name: example-ca, path: ca.pem}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/q.yaml"
	wait_for 30 has_event ctb 'MountVolume.SetUp failed for volume "ca" : clustertrustbundles.certificates.k8s.io "example-ca" not found'
}

# apply of a pod with the volumes (YAML lines) is refused with EXPECTED.
refused_volume() { # VOLUMES EXPECTED
	printf '  containers:\n  - name: app\n    image: busybox:1.28\n  volumes:\n%s\n' "$1" |
		manifest "$BATS_TEST_TMPDIR/p.yaml" esc
	refused "$2"
}

@test "paths that try to leave the volume are refused" {
	refused_volume '  - {name: cfg, configMap: {name: x, items: [{key: a, path: ../x}]}}' \
		"spec.volumes[0].configMap.items[0].path: Invalid value: \"../x\": must not contain '..'"
	refused_volume '  - {name: cfg, projected: {sources: [{secret: {name: x, items: [{key: a, path: /etc/passwd}]}}]}}' \
		'spec.volumes[0].projected.sources[0].secret.items[0].path: Invalid value: "/etc/passwd": must be a relative path'
	refused_volume '  - {name: t, projected: {sources: [{podCertificate: {signerName: example.com/x, keyType: ED25519, credentialBundlePath: c}}]}}' \
		'spec.volumes[0].projected.sources[0].podCertificate: Forbidden: peapod has no API server to sign a PodCertificateRequest on one machine'
}
