#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# peapod image pull from a real registry: Debian's docker-registry on
# 127.0.0.1 (its own config and storage under the file's tmp dir, stopped
# by PID), the demo images pushed with skopeo; pulls by tag and digest, a pod
# from a pulled image, the registry's own errors, basic auth from an auth
# file, an anonymous bearer token (tests/data/registry/token-proxy.py in
# front of the registry), a pull killed midway, a tampered blob that must be
# refused and leave nothing; resuming after the registry died (Range requests,
# a partial of wrong bytes, a server ignoring Range), two pulls at once
# fetching each blob once, the terminal progress, a multi-layer image.

bats_require_minimum_version 1.5.0

load helpers
load registry

setup_file() {
	registry_main_start
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

# big_layer: busybox's first layer over 64 KiB; sets layer, size, path (its
# URL path) and partial (where a pull keeps it while it downloads).
big_layer() {
	local m
	m=$(manifest_of "$REG/library/busybox:1.28")
	layer=$(echo "$m" | jq -r '[.layers[] | select(.size > 65536)][0].digest')
	size=$(echo "$m" | jq -r ".layers[] | select(.digest == \"$layer\") | .size")
	path=/v2/library/busybox/blobs/$layer
	partial=$PEAPOD_ROOT/images/tmp/partial/${layer#sha256:}
	mkdir -p "${partial%/*}"
}

# proxied NAME [MODE]: a token proxy in front of $REG; sets reg and log.
proxied() {
	proxy_start "$1" "$REG" ${2:+"$2"}
	reg=127.0.0.1:$(reg_port "$1")
	log=$BATS_FILE_TMPDIR/reg-$1/log
}

@test "image pull: by tag, podman's lines, then the image id; --quiet prints only the id" {
	id=$(manifest_of "$REG/library/busybox:1.28" | jq -r .config.digest)
	run pp image pull "$REG/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Trying to pull $REG/library/busybox:1.28..." ]
	[ "$(echo "$output" | grep -c '^Copying blob sha256:[0-9a-f]\{64\} done$')" -eq 2 ]
	echo "$output" | grep -qx "Copying config $id done"
	echo "$output" | grep -qx "Writing manifest to image destination"
	[ "${lines[-1]}" = "${id#sha256:}" ]
	run pp image ls
	[ "$status" -eq 0 ]
	echo "$output" | grep -Eq "^$REG/library/busybox +1.28 +${id:7:12} "
	run pp image pull --quiet "$REG/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$output" = "${id#sha256:}" ]
}

@test "image pull: by digest; the image keeps the digest reference" {
	digest=sha256:$(manifest_of "$REG/library/busybox:1.28" | sha256sum | cut -d' ' -f1)
	id=$(manifest_of "$REG/library/busybox:1.28" | jq -r .config.digest)
	run pp image pull -q "$REG/library/busybox@$digest"
	[ "$status" -eq 0 ]
	[ "$output" = "${id#sha256:}" ]
	run pp image ls
	echo "$output" | grep -Eq "^$REG/library/busybox +<none> +${id:7:12} "
	# a digest the registry does not have
	run pp image pull "$REG/library/busybox@sha256:$(printf '0%.0s' $(seq 64))"
	[ "$status" -ne 0 ]
	echo "$output" | grep -q "MANIFEST_UNKNOWN"
}

@test "image pull: a pod runs from the pulled image" {
	pp image pull -q "$REG/library/busybox:1.28"
	manifest "$BATS_TEST_TMPDIR/pod.yaml" pulled <<YAML
  containers:
  - name: c
    image: $REG/library/busybox:1.28
    command: ["sh", "-c", "echo from-the-registry; sleep 3600"]
YAML
	run pp apply -f "$BATS_TEST_TMPDIR/pod.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/pulled created" ]
	wait_for 30 pod_is pulled Running
	wait_for 10 bash -c "timeout 10 '$PEAPOD' logs pulled | grep -qx from-the-registry"
	run pp exec pulled -- cat /proc/1/cmdline
	[ "$status" -eq 0 ]
}

@test "image pull: a missing tag or repository gives the registry's error and no image" {
	run pp image pull "$REG/library/busybox:nope"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "pull '$REG/library/busybox:nope': manifest 'nope': MANIFEST_UNKNOWN: manifest unknown"
	run pp image pull "$REG/library/nosuch:1"
	[ "$status" -eq 1 ]
	echo "$output" | grep -Eq "(NAME|MANIFEST)_UNKNOWN"
	[ "$(pp image ls | wc -l)" -eq 1 ]
}

@test "image pull: basic auth with credentials from --authfile or the default auth.json" {
	registry_auth_start auth
	reg=127.0.0.1:$(reg_port auth)
	run pp image pull "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "pull '$reg/library/busybox:1.28': manifest '1.28': UNAUTHORIZED"
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$reg" "$(printf peapod:wrong | base64)" \
		>"$BATS_TEST_TMPDIR/wrong.json"
	run pp image pull --authfile "$BATS_TEST_TMPDIR/wrong.json" "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "UNAUTHORIZED"
	printf '{"auths": {"http://%s": {"auth": "%s"}}}\n' "$reg" "$(printf peapod:s3cret | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	run pp image pull -q --authfile "$BATS_TEST_TMPDIR/auth.json" "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}$ ]]
	run pp image pull --authfile "$BATS_TEST_TMPDIR/missing.json" "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	pp image rm "$reg/library/busybox:1.28"
	mkdir -p "$XDG_RUNTIME_DIR/containers"
	printf '{"auths": {"%s": {"username": "peapod", "password": "s3cret"}}}\n' "$reg" \
		>"$XDG_RUNTIME_DIR/containers/auth.json"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	pp image ls | grep -q "^$reg/library/busybox "
	registry_stop auth
}

@test "image pull: an anonymous bearer token, fetched where the registry's challenge says" {
	dir=$BATS_FILE_TMPDIR/reg-token
	proxy_start token "$REG"
	reg=127.0.0.1:$(reg_port token)
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$output" = "$(manifest_of "$REG/library/busybox:1.28" | jq -r .config.digest | cut -d: -f2)" ]
	grep -qx "token service=peapod-test scope=repository:library/busybox:pull" "$dir/log"
	# a token server that refuses: its error, and the realm it came from
	run pp image pull "$reg/library/other:1"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "auth at 'http://$reg/token': token: DENIED: no access to repository:library/other:pull (HTTP 400)"
	registry_stop token
}

@test "image pull: a pull killed midway leaves no image, and the next pull completes" {
	dir=$BATS_FILE_TMPDIR/reg-stall
	proxy_start stall "$REG" stall
	reg=127.0.0.1:$(reg_port stall)
	"$PEAPOD" image pull -q "$reg/library/busybox:1.28" >/dev/null 2>&1 3>&- &
	pid=$!
	wait_for 30 grep -q "^stalled /v2/library/busybox/blobs/" "$dir/log"
	wait_for 10 bash -c "[ -n \"\$(find '$PEAPOD_ROOT/images/tmp/partial' -type f -size +0)\" ]"
	kill -9 "$pid"
	wait "$pid" || true
	[ "$(pp image ls | wc -l)" -eq 1 ]
	[ -z "$(ls "$PEAPOD_ROOT/images/images")" ]
	run pp image pull -q "$REG/library/busybox:1.28"
	[ "$status" -eq 0 ]
	pp image ls | grep -q "^$REG/library/busybox "
	registry_stop stall
}

@test "image pull: a tampered or oversized blob is refused by name and leaves no image" {
	registry_start tamper
	reg=127.0.0.1:$(reg_port tamper)
	push "$IMAGES/busybox.tar" "$reg/library/busybox:1.28"
	layer=$(manifest_of "$reg/library/busybox:1.28" | jq -r '.layers[0].digest')
	hex=${layer#sha256:}
	data=$BATS_FILE_TMPDIR/reg-tamper/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
	[ -f "$data" ]
	cp "$data" "$BATS_TEST_TMPDIR/orig"
	# the same size, one byte changed
	printf 'X' | dd of="$data" bs=1 seek=100 conv=notrunc status=none
	run pp image pull "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "blob $layer is corrupted: its content has sha256:"
	[ ! -e "$PEAPOD_ROOT/images/blobs/sha256/$hex" ]
	[ "$(pp image ls | wc -l)" -eq 1 ]
	[ -z "$(ls "$PEAPOD_ROOT/images/images")" ]
	[ -z "$(find "$PEAPOD_ROOT/images/tmp" -type f)" ]
	# more bytes than the manifest's size
	cp "$BATS_TEST_TMPDIR/orig" "$data"
	printf 'trailing' >>"$data"
	run pp image pull "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "blob $layer: the registry sent more than"
	[ ! -e "$PEAPOD_ROOT/images/blobs/sha256/$hex" ]
	[ "$(pp image ls | wc -l)" -eq 1 ]
	# the intact blob again: the pull completes
	cp "$BATS_TEST_TMPDIR/orig" "$data"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	registry_stop tamper
}

@test "image pull: a blob that fails its digest stops the other downloads at once, and drops their partials" {
	registry_start spoilt
	push "$IMAGES/busybox.tar" "127.0.0.1:$(reg_port spoilt)/library/busybox:1.28"
	m=$(manifest_of "127.0.0.1:$(reg_port spoilt)/library/busybox:1.28")
	small=$(echo "$m" | jq -r '[.layers[] | select(.size <= 65536)][0].digest')
	big=$(echo "$m" | jq -r '[.layers[] | select(.size > 65536)][0].digest')
	hex=${small#sha256:}
	data=$BATS_FILE_TMPDIR/reg-spoilt/storage/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data
	printf 'X' | dd of="$data" bs=1 seek=100 conv=notrunc status=none
	# the big layer stalls midway; the small one is answered only then
	proxy_start spoiltfront "127.0.0.1:$(reg_port spoilt)" stall-first
	log=$BATS_FILE_TMPDIR/reg-spoiltfront/log
	run timeout 30 "$PEAPOD" image pull "127.0.0.1:$(reg_port spoiltfront)/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "blob $small is corrupted"
	grep -qx "stalled /v2/library/busybox/blobs/$big" "$log"
	# the stalled download was stopped, and nothing of the pull is kept
	[ -z "$(find "$PEAPOD_ROOT/images/tmp" -type f)" ]
	[ ! -e "$PEAPOD_ROOT/images/blobs/sha256/${big#sha256:}" ]
	registry_stop spoiltfront
	registry_stop spoilt
}

@test "image pull: after the registry died mid-blob, the next pull resumes with a Range request" {
	proxied dying stall
	"$PEAPOD" image pull -q "$reg/library/busybox:1.28" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	pid=$!
	wait_for 30 grep -q "^stalled /v2/library/busybox/blobs/" "$log"
	path=$(grep -m1 "^stalled " "$log" | cut -d' ' -f2)
	hex=${path##*sha256:}
	partial=$PEAPOD_ROOT/images/tmp/partial/$hex
	wait_for 10 test -s "$partial"
	registry_stop dying
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -ne 0 ]
	[ -z "$(ls "$PEAPOD_ROOT/images/images")" ]
	have=$(stat -c %s "$partial")
	size=$(manifest_of "$REG/library/busybox:1.28" | jq -r ".layers[] | select(.digest == \"sha256:$hex\") | .size")
	[ "$have" -gt 0 ]
	[ "$have" -lt "$size" ]
	# the registry is back (a new proxy): only the rest of the blob is sent
	proxied back
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	grep -qx "get $path range=bytes=$have-" "$log"
	sent=$(grep "^sent $path " "$log" | cut -d' ' -f3)
	[ "$sent" -eq $((size - have)) ]
	[ ! -e "$partial" ]
	[ -f "$PEAPOD_ROOT/images/blobs/sha256/$hex" ]
	pp image ls | grep -q "^$reg/library/busybox "
	registry_stop back
}

@test "image pull: two pulls of the same image at once both succeed, and each blob is fetched once" {
	proxied slow slow
	"$PEAPOD" image pull -q "$reg/library/busybox:1.28" >"$BATS_TEST_TMPDIR/a" 2>&1 3>&- &
	a=$!
	"$PEAPOD" image pull -q "$reg/library/busybox:1.28" >"$BATS_TEST_TMPDIR/b" 2>&1 3>&- &
	b=$!
	rc=0
	wait "$a" || rc=$?
	wait "$b" || rc=$?
	cat "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	[ "$rc" -eq 0 ]
	id=$(manifest_of "$REG/library/busybox:1.28" | jq -r .config.digest)
	[ "$(cat "$BATS_TEST_TMPDIR/a")" = "${id#sha256:}" ]
	[ "$(cat "$BATS_TEST_TMPDIR/b")" = "${id#sha256:}" ]
	for d in $(manifest_of "$REG/library/busybox:1.28" | jq -r '.config.digest, .layers[].digest'); do
		[ "$(grep -c "^get /v2/library/busybox/blobs/$d " "$log")" -eq 1 ]
	done
	[ -z "$(find "$PEAPOD_ROOT/images/tmp" -type f)" ]
	registry_stop slow
}

@test "image pull: on a terminal, one line a blob redrawn in place with bytes, total and rate" {
	command -v script >/dev/null || skip "no script (apt-get install bsdutils)"
	script -qc "timeout 60 '$PEAPOD' image pull '$REG/library/busybox:1.28'" /dev/null \
		>"$BATS_TEST_TMPDIR/tty" </dev/null
	out=$BATS_TEST_TMPDIR/tty
	cat -A "$out"
	grep -Eq "Copying blob [0-9a-f]{12} \[[=>-]{20}\] [0-9.]+(B|KiB|MiB) / [0-9.]+(B|KiB|MiB) \| [0-9.]+(B|KiB|MiB)/s" "$out"
	grep -q $'\e\\[[0-9]*A' "$out"
	# the last state of every row: done
	last=$(tty_rows "$out" | tail -3)
	echo "$last"
	[ "$(echo "$last" | grep -cE "^Copying (blob|config) [0-9a-f]{12} done$")" -eq 3 ]
	grep -q "Writing manifest to image destination" "$out"
	# again: every blob is there already
	script -qc "timeout 60 '$PEAPOD' image pull '$REG/library/busybox:1.28'" /dev/null \
		>"$out" </dev/null
	[ "$(tty_rows "$out" | tail -3 | grep -c "skipped: already exists$")" -eq 3 ]
}

@test "image pull: an image of several layers, each unpacked into its own folder" {
	[ -f "$IMAGES/nginx.tar" ] || skip "no $IMAGES/nginx.tar"
	push "$IMAGES/nginx.tar" "$REG/library/nginx:demo"
	m=$(manifest_of "$REG/library/nginx:demo")
	run pp image pull "$REG/library/nginx:demo"
	[ "$status" -eq 0 ]
	n=$(echo "$m" | jq '.layers | length')
	[ "$n" -ge 2 ]
	[ "$(echo "$output" | grep -c '^Copying blob sha256:[0-9a-f]\{64\} done$')" -eq "$n" ]
	cfg=$(echo "$m" | jq -r .config.digest)
	for d in $(jq -r '.rootfs.diff_ids[]' "$PEAPOD_ROOT/images/blobs/sha256/${cfg#sha256:}"); do
		[ -f "$PEAPOD_ROOT/images/layers/sha256/${d#sha256:}.done" ]
		[ -d "$PEAPOD_ROOT/images/layers/sha256/${d#sha256:}" ]
	done
	pp image ls | grep -q "^$REG/library/nginx "
	mkdir "$BATS_TEST_TMPDIR/root"
	pp image mount "$REG/library/nginx:demo" "$BATS_TEST_TMPDIR/root"
	rc=0
	[ -n "$(ls "$BATS_TEST_TMPDIR/root")" ] || rc=1
	pp image umount "$BATS_TEST_TMPDIR/root"
	[ "$rc" -eq 0 ]
}

@test "image pull: a partial download with wrong bytes is resumed, refused at the end, and fetched again from zero" {
	proxied again
	big_layer
	head -c $((size / 2)) /dev/urandom >"$partial"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$(grep -c "^get $path " "$log")" -eq 2 ]
	grep -qx "get $path range=bytes=$((size / 2))-" "$log"
	grep -qx "get $path range=-" "$log"
	[ -z "$(find "$PEAPOD_ROOT/images/tmp" -type f)" ]
	registry_stop again
}

@test "image pull: a registry that ignores the Range request sends the whole blob, which replaces the partial" {
	proxied norange norange
	big_layer
	curl -sf "http://$REG$path" | head -c $((size / 3)) >"$partial"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$(grep -c "^get $path " "$log")" -eq 1 ]
	grep -qx "get $path range=bytes=$((size / 3))-" "$log"
	grep -qx "sent $path $size" "$log"
	[ "$(sha256sum <"$PEAPOD_ROOT/images/blobs/sha256/${layer#sha256:}" | cut -d' ' -f1)" = "${layer#sha256:}" ]
	registry_stop norange
}

@test "image pull: zstd-compressed layers, read by libarchive, give the same image" {
	command -v zstd >/dev/null || skip "no zstd (apt-get install zstd)"
	lay=$BATS_TEST_TMPDIR/layout
	timeout 60 skopeo copy -q "oci-archive:$IMAGES/busybox.tar" "oci:$lay:z"
	python3 "$TOP/tests/data/registry/zstd-layout.py" "$lay"
	timeout 60 skopeo copy -q --dest-tls-verify=false "oci:$lay:z" "docker://$REG/library/zbusy:1"
	[ "$(manifest_of "$REG/library/zbusy:1" | jq -r '.layers[].mediaType' | sort -u)" = \
		"application/vnd.oci.image.layer.v1.tar+zstd" ]
	run pp image pull -q "$REG/library/zbusy:1"
	[ "$status" -eq 0 ]
	# the same uncompressed layers: the same config, the same image id
	[ "sha256:$output" = "$(manifest_of "$REG/library/busybox:1.28" | jq -r .config.digest)" ]
	mkdir -p "$BATS_TEST_TMPDIR/m"
	pp image mount "$REG/library/zbusy:1" "$BATS_TEST_TMPDIR/m" >/dev/null
	[ -x "$BATS_TEST_TMPDIR/m/rootfs/bin/busybox" ]
	pp image umount "$BATS_TEST_TMPDIR/m"
}

@test "image pull: an index entry is followed only by a valid digest of a bounded size" {
	for mode in tag traverse negsize; do
		server_start "idx-$mode" bad-index.py @PORT@ "$mode"
		dir=$BATS_FILE_TMPDIR/reg-idx-$mode
		reg=127.0.0.1:$(reg_port "idx-$mode")
		run pp image pull "$reg/x/y:1"
		[ "$status" -eq 1 ]
		case $mode in
		tag) [[ "$output" == *"unsupported or invalid digest 'latest2'"* ]] ;;
		traverse) [[ "$output" == *"unsupported or invalid digest '../../../../v2/x/y/manifests/evil'"* ]] ;;
		negsize) [[ "$output" == *"size -5 out of bounds"* ]] ;;
		esac
		# nothing but the index itself was asked for
		[ "$(grep -c /manifests/ "$dir/log")" -eq 1 ]
		registry_stop "idx-$mode"
	done
}

@test "image pull: basic credentials never go over plain HTTP to a token realm on another origin" {
	server_start sink evil-realm.py @PORT@
	sink=$BATS_FILE_TMPDIR/reg-sink
	server_start other evil-realm.py @PORT@ "http://127.0.0.1:$(reg_port sink)/token"
	reg=127.0.0.1:$(reg_port other)
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$reg" "$(printf peapod:s3cret | base64)" \
		>"$BATS_TEST_TMPDIR/auth.json"
	run pp image pull --authfile "$BATS_TEST_TMPDIR/auth.json" "$reg/x/y:1"
	[ "$status" -eq 1 ]
	grep -q "^auth: " "$sink/log"
	run ! grep -q "Basic" "$sink/log"
	registry_stop sink
	registry_stop other
}

@test "image pull: a removal that must wait for a running pull says so" {
	pp image load -i "$IMAGES/nginx.tar" >/dev/null
	proxied waitme stall
	"$PEAPOD" image pull -q "$reg/library/busybox:1.28" >/dev/null 2>&1 3>&- &
	pid=$!
	wait_for 30 grep -q "^stalled " "$log"
	run timeout 5 "$PEAPOD" image rm docker.io/library/nginx:latest
	[ "$status" -eq 124 ]
	[[ "$output" == *"a pull or load is using the image store: waiting for it to end"* ]]
	kill -9 "$pid"
	wait "$pid" || true
	run pp image rm docker.io/library/nginx:latest
	[ "$status" -eq 0 ]
	registry_stop waitme
}

@test "image pull: on a narrow terminal each progress row is cut to its width, never wrapped" {
	command -v script >/dev/null || skip "no script (apt-get install bsdutils)"
	script -qc "stty cols 30; timeout 60 '$PEAPOD' image pull '$REG/library/busybox:1.28'" /dev/null \
		>"$BATS_TEST_TMPDIR/tty" </dev/null
	out=$BATS_TEST_TMPDIR/tty
	cat -A "$out"
	# every row drawn in place fits 29 columns
	rows=$(tty_rows "$out")
	[ -n "$rows" ]
	[ "$(echo "$rows" | awk 'length($0) > 29' | wc -l)" -eq 0 ]
}
