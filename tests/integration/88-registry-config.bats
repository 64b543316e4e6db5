#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The registries config (registries.yaml, $PEAPOD_REGISTRIES_CONF): a
# registry with TLS and a self-signed CA (certs.d, insecure), a mirror in
# front of a registry that is down, plain HTTP on a loopback address that is
# not localhost, a multi-platform index, and the file's own errors. Every
# registry is Debian's docker-registry on 127.0.0.x, stopped by PID.

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
	ETC=$BATS_TEST_TMPDIR/etc
	export PEAPOD_REGISTRIES_CONF=$ETC/registries.yaml
	conf 'registries: []'
	ID=$(manifest_of "$REG/library/busybox:1.28" | jq -r .config.digest | cut -d: -f2)
}

teardown() {
	teardown_root
}

pp() {
	timeout 60 "$PEAPOD" "$@"
}

# conf LINE...: this test's registries.yaml.
conf() {
	mkdir -p "$ETC"
	printf '%s\n' "$@" >"$ETC/registries.yaml"
}

# A CA, and signed by it a server certificate for 127.0.0.1 and a client
# certificate, in $BATS_TEST_TMPDIR/pki.
make_pki() {
	local d=$BATS_TEST_TMPDIR/pki
	mkdir -p "$d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=peapod-test-ca \
		-keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$d/ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/ext" -out "$d/server.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=peapod-client \
		-keyout "$d/client.key" -out "$d/client.csr" 2>/dev/null
	openssl x509 -req -in "$d/client.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -out "$d/client.cert" 2>/dev/null
}

@test "registries: TLS with a self-signed CA is refused by name, trusted from certs.d, or insecure" {
	command -v openssl >/dev/null || skip "no openssl"
	make_pki
	REG_TLS="$BATS_TEST_TMPDIR/pki/server.crt $BATS_TEST_TMPDIR/pki/server.key" registry_start tls
	reg=127.0.0.1:$(reg_port tls)
	push "$IMAGES/busybox.tar" "$reg/library/busybox:1.28"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "GET https://$reg/v2/library/busybox/manifests/1.28: SSL certificate problem"
	echo "$output" | grep -q "the certificate of $reg is not trusted: put its CA in $ETC/certs.d/$reg/ca.crt, or mark $reg \`insecure: true\` in $ETC/registries.yaml"
	[ "$(pp image ls | wc -l)" -eq 1 ]
	# the CA in certs.d beside the config file
	mkdir -p "$ETC/certs.d/$reg"
	cp "$BATS_TEST_TMPDIR/pki/ca.crt" "$ETC/certs.d/$reg/ca.crt"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$output" = "$ID" ]
	# or a folder of its own, named by "ca"
	mv "$ETC/certs.d/$reg" "$BATS_TEST_TMPDIR/cas"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	conf 'registries:' "  - host: $reg" "    ca: $BATS_TEST_TMPDIR/cas"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	# or no verification at all
	conf 'registries:' "  - host: $reg" '    insecure: true'
	pp image rm "$reg/library/busybox:1.28"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$output" = "$ID" ]
	registry_stop tls
}

@test "registries: a client certificate from certs.d for a registry that asks for one" {
	command -v openssl >/dev/null || skip "no openssl"
	make_pki
	pki=$BATS_TEST_TMPDIR/pki
	REG_TLS="$pki/server.crt $pki/server.key $pki/ca.crt" registry_start mtls
	reg=127.0.0.1:$(reg_port mtls)
	mkdir -p "$BATS_TEST_TMPDIR/skopeo-certs"
	cp "$pki/ca.crt" "$pki/client.cert" "$pki/client.key" "$BATS_TEST_TMPDIR/skopeo-certs"
	push "$IMAGES/busybox.tar" "$reg/library/busybox:1.28" --dest-cert-dir "$BATS_TEST_TMPDIR/skopeo-certs"
	mkdir -p "$ETC/certs.d/$reg"
	cp "$pki/ca.crt" "$ETC/certs.d/$reg/"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "GET https://$reg/v2/library/busybox/manifests/1.28: "
	# a certificate without its key is not used
	cp "$pki/client.cert" "$ETC/certs.d/$reg/"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	cp "$pki/client.key" "$ETC/certs.d/$reg/"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$output" = "$ID" ]
	registry_stop mtls
}

@test "registries: a mirror serves a registry that is down; with the mirror down too, both are named" {
	down=$(free_port)
	registry_start empty
	empty=127.0.0.1:$(reg_port empty)
	# tried in order: the empty mirror has no such image, the next one has
	conf 'registries:' "  - host: 127.0.0.1:$down" "    mirrors: [$empty, $REG]"
	run pp image pull -q "127.0.0.1:$down/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$output" = "$ID" ]
	pp image ls | grep -q "^127.0.0.1:$down/library/busybox "
	# the mirror down as well
	gone=$(free_port)
	conf 'registries:' "  - host: 127.0.0.1:$down" "    mirrors: [127.0.0.1:$gone]"
	run pp image pull -q "127.0.0.1:$down/library/other:1"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | grep -q "pull '127.0.0.1:$down/library/other:1': manifest '1': GET https://127.0.0.1:$down/v2/library/other/manifests/1: .*port $down"
	echo "$output" | grep -q "; tried first: mirror 127.0.0.1:$gone: manifest '1': GET https://127.0.0.1:$gone/v2/library/other/manifests/1: .*port $gone"
	registry_stop empty
}

@test "registries: a mirror's credentials are read under the mirror's own name" {
	registry_auth_start authmirror
	mirror=127.0.0.1:$(reg_port authmirror)
	down=127.0.0.1:$(free_port)
	conf 'registries:' "  - host: $down" "    mirrors: [$mirror]"
	cred=$(printf peapod:s3cret | base64)
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$down" "$cred" >"$BATS_TEST_TMPDIR/auth.json"
	run pp image pull -q --authfile "$BATS_TEST_TMPDIR/auth.json" "$down/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "; tried first: mirror $mirror: manifest '1.28': UNAUTHORIZED"
	printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$mirror" "$cred" >"$BATS_TEST_TMPDIR/auth.json"
	run pp image pull -q --authfile "$BATS_TEST_TMPDIR/auth.json" "$down/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$output" = "$ID" ]
	registry_stop authmirror
}

@test "registries: plain HTTP to a host that is not localhost only when it is marked insecure" {
	if ! REG_HOST=127.0.0.2 registry_start plain2; then
		registry_stop plain2
		skip "cannot listen on 127.0.0.2 here"
	fi
	reg=127.0.0.2:$(reg_port plain2)
	push "$IMAGES/busybox.tar" "$reg/library/busybox:1.28"
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "GET https://$reg/v2/library/busybox/manifests/1.28: .*; if $reg serves plain HTTP, mark it \`insecure: true\` in $ETC/registries.yaml"
	# localhost's rule is not 127.0.0.2's
	conf 'registries:' "  - host: $reg" '    insecure: false'
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 1 ]
	conf 'registries:' "  - host: $reg" '    insecure: true'
	run pp image pull -q "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$output" = "$ID" ]
	# --registries-conf is read instead of the environment's
	mv "$ETC/registries.yaml" "$BATS_TEST_TMPDIR/other.yaml"
	conf 'registries: []'
	pp image rm "$reg/library/busybox:1.28"
	run pp image pull -q --registries-conf "$BATS_TEST_TMPDIR/other.yaml" "$reg/library/busybox:1.28"
	[ "$status" -eq 0 ]
	registry_stop plain2
}

# blob_put LAYOUT FILE: FILE as a blob of the OCI layout; prints "DIGEST SIZE".
blob_put() {
	local hex
	hex=$(sha256sum "$2" | cut -d' ' -f1)
	cp "$2" "$1/blobs/sha256/$hex"
	echo "sha256:$hex $(stat -c %s "$2")"
}

# multi_index LAYOUT NAME ARCH...: an image index NAME in the layout, one
# manifest per ARCH (the busybox layers, a config naming ARCH; its digest in
# $BATS_TEST_TMPDIR/config-ARCH).
multi_index() {
	local dir=$1 name=$2 t=$BATS_TEST_TMPDIR man cfg arch d s
	shift 2
	man=$dir/blobs/sha256/$(jq -r '.manifests[0].digest' "$dir/index.json" | cut -d: -f2)
	cfg=$dir/blobs/sha256/$(jq -r .config.digest "$man" | cut -d: -f2)
	: >"$t/entries"
	for arch in "$@"; do
		jq -c --arg a "$arch" '.architecture = $a' "$cfg" >"$t/cfg"
		read -r d s <<<"$(blob_put "$dir" "$t/cfg")"
		echo "$d" >"$t/config-$arch"
		jq -c --arg d "$d" --argjson s "$s" '.config.digest = $d | .config.size = $s' "$man" >"$t/man"
		read -r d s <<<"$(blob_put "$dir" "$t/man")"
		jq -nc --arg d "$d" --argjson s "$s" --arg a "$arch" \
			'{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
			  platform: {os: "linux", architecture: $a}}' >>"$t/entries"
	done
	jq -sc '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' \
		"$t/entries" >"$t/idx"
	read -r d s <<<"$(blob_put "$dir" "$t/idx")"
	jq -c --arg d "$d" --argjson s "$s" --arg n "$name" \
		'.manifests += [{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d,
		  size: $s, annotations: {"org.opencontainers.image.ref.name": $n}}]' \
		"$dir/index.json" >"$t/top"
	mv "$t/top" "$dir/index.json"
}

@test "registries: an index with another platform first resolves to this machine's; none matching is named" {
	case $(uname -m) in
	x86_64) native=amd64 other=arm64 ;;
	aarch64) native=arm64 other=amd64 ;;
	*) skip "no index test for $(uname -m)" ;;
	esac
	lay=$BATS_TEST_TMPDIR/layout
	timeout 60 skopeo copy -q "oci-archive:$IMAGES/busybox.tar" "oci:$lay:busybox"
	multi_index "$lay" multi "$other" "$native"
	multi_index "$lay" foreign "$other" s390x
	timeout 60 skopeo copy -q --all --dest-tls-verify=false "oci:$lay:multi" "docker://$REG/library/multi:1"
	timeout 60 skopeo copy -q --all --dest-tls-verify=false "oci:$lay:foreign" "docker://$REG/library/foreign:1"
	[ "$(manifest_of "$REG/library/multi:1" | jq -r '.manifests[0].platform.architecture')" = "$other" ]
	run pp image pull -q "$REG/library/multi:1"
	[ "$status" -eq 0 ]
	[ "sha256:$output" = "$(cat "$BATS_TEST_TMPDIR/config-$native")" ]
	[ "sha256:$output" != "$(cat "$BATS_TEST_TMPDIR/config-$other")" ]
	run pp image pull -q "$REG/library/foreign:1"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "pull '$REG/library/foreign:1': index 1: no manifest for linux/$native"
	[ "$(pp image ls | grep -c "library/foreign")" -eq 0 ]
}

@test "registries: a bad config file is one line naming file, line and field; a missing named file is an error" {
	conf 'registries:' "  - host: $REG" '    insecur: true'
	run pp image pull -q "$REG/library/busybox:1.28"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | grep -q "$ETC/registries.yaml:3: registries\[0\].insecur: unknown or repeated key"
	conf 'registries:' "  - host: $REG" '    mirrors: a.example'
	run pp image pull -q "$REG/library/busybox:1.28"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | grep -q "$ETC/registries.yaml:3: registries\[0\].mirrors: must be a list of host\[:port\]"
	conf 'registries:' "  - host: $REG" '    insecure: maybe'
	run pp image pull -q "$REG/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "$ETC/registries.yaml:3: registries\[0\].insecure: must be true or false"
	run pp image pull -q --registries-conf "$BATS_TEST_TMPDIR/none.yaml" "$REG/library/busybox:1.28"
	[ "$status" -eq 1 ]
	echo "$output" | grep -q "registries config: .*none.yaml"
	rm "$ETC/registries.yaml"
	run pp image pull -q "$REG/library/busybox:1.28"
	[ "$status" -eq 1 ]
	[ "$(pp image ls | wc -l)" -eq 1 ]
	# a valid file again: the pull goes through
	conf 'registries:' "  - host: $REG" '    mirrors: []'
	run pp image pull -q "$REG/library/busybox:1.28"
	[ "$status" -eq 0 ]
}

@test "registries: a config or credentials file that is a FIFO is refused, not read for ever" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	PEAPOD_REGISTRIES_CONF=$BATS_TEST_TMPDIR/fifo run timeout 20 "$PEAPOD" image pull "$REG/library/busybox:1.28"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'$BATS_TEST_TMPDIR/fifo': not a regular file"* ]]
	run timeout 20 "$PEAPOD" image pull --authfile "$BATS_TEST_TMPDIR/fifo" "$REG/library/busybox:1.28"
	[ "$status" -eq 1 ]
	[[ "$output" == *"'$BATS_TEST_TMPDIR/fifo': not a regular file"* ]]
}
