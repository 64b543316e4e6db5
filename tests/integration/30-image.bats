#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# peapod image: loading docker-archive and OCI archives into an isolated
# store, listing, removal, digest checks, hostile layers that must not write
# outside the store, and OCI whiteouts seen through an overlay rootfs.
# Images come from tests/data/mkimages.sh (PEAPOD_TEST_IMAGES); hostile ones
# are crafted per test by tests/data/images/mkevil.py.

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

TOP=$(git -C "$BATS_TEST_DIRNAME" rev-parse --show-toplevel)
BUILD=${BUILD:-$TOP/build}
PEAPOD=${PEAPOD:-$BUILD/src/cli/peapod}
IMAGES=${PEAPOD_TEST_IMAGES:-$BUILD/test-images}
MKEVIL=$TOP/tests/data/images/mkevil.py

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$PEAPOD" ] || skip "no peapod binary at $PEAPOD"
	TMP=$(mktemp -d /tmp/peapod-image-test.XXXXXX)
	ROOT=$TMP/root
}

teardown() {
	[ -n "${TMP:-}" ] || return 0
	grep " $TMP" /proc/self/mountinfo | awk '{print $5}' | sort -r |
		xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$TMP"
}

pp() {
	timeout 50 "$PEAPOD" --root "$ROOT" "$@"
}

need_images() {
	[ -f "$IMAGES/nginx.tar" ] && [ -f "$IMAGES/busybox.tar" ] ||
		skip "no demo images in $IMAGES (run tests/data/mkimages.sh $IMAGES)"
}

need_python() {
	command -v python3 >/dev/null || skip "needs python3 to craft tarballs"
}

@test "image load: docker-archive and OCI archive, then image ls" {
	need_images
	run pp image load -i "$IMAGES/nginx.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: docker.io/library/nginx:latest" ]
	run pp image load --input "$IMAGES/busybox.tar"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: docker.io/library/busybox:1.28" ]
	run pp image ls
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	echo "$output" | grep -Eq '^docker.io/library/nginx +latest +[0-9a-f]{12} '
	echo "$output" | grep -Eq '^docker.io/library/busybox +1.28 +[0-9a-f]{12} '
	[ "${#lines[@]}" -eq 3 ]
	# the IMAGE ID is the config digest
	id=$(echo "$output" | awk '$1 == "docker.io/library/busybox" {print $3}')
	[ -f "$ROOT/images/images/$id"*.json ]
	run pp image list
	[ "$status" -eq 0 ]
}

@test "image load: stdin, gzip-compressed archive, reload is idempotent" {
	need_images
	run bash -c "gzip -c '$IMAGES/busybox.tar' | timeout 50 '$PEAPOD' --root '$ROOT' image load -i -"
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: docker.io/library/busybox:1.28" ]
	run pp image load -i "$IMAGES/busybox.tar"
	[ "$status" -eq 0 ]
	[ "$(pp image ls | wc -l)" -eq 2 ]
}

@test "image rm: removes the reference and garbage-collects blobs and layers" {
	need_images
	pp image load -i "$IMAGES/busybox.tar"
	pp image load -i "$IMAGES/nginx.tar"
	run pp image rm busybox:1.28
	[ "$status" -eq 0 ]
	run pp image ls
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[1]}" == docker.io/library/nginx* ]]
	pp image rm nginx
	[ -z "$(ls "$ROOT/images/blobs/sha256")" ]
	[ -z "$(ls "$ROOT/images/layers/sha256")" ]
	run pp image rm nginx
	[ "$status" -eq 1 ]
	[[ "$output" == *'image "nginx" not found'* ]]
}

@test "image load: a corrupted OCI blob is refused, naming it, and nothing is referenced" {
	need_images
	mkdir "$TMP/x"
	tar -C "$TMP/x" -xf "$IMAGES/busybox.tar"
	blob=$(ls -S "$TMP/x/blobs/sha256" | head -n1) # the largest: a layer
	printf '\377' | dd of="$TMP/x/blobs/sha256/$blob" bs=1 seek=4000 conv=notrunc 2>/dev/null
	tar -C "$TMP/x" -cf "$TMP/bad.tar" .
	run pp image load -i "$TMP/bad.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "error: "*"blobs/sha256/$blob"*corrupted* ]]
	[ ! -s "$ROOT/images/refs.json" ] || ! grep -q busybox "$ROOT/images/refs.json"
	[ -z "$(ls "$ROOT/images/images")" ]
	[ "$(pp image ls | wc -l)" -eq 1 ]
}

@test "image load: a docker-archive layer whose content does not match its diff_id is refused" {
	need_images
	mkdir "$TMP/x"
	tar -C "$TMP/x" -xf "$IMAGES/nginx.tar"
	layer=$(cd "$TMP/x" && ls -S */layer.tar | tail -n1) # the smaller layer
	printf 'Z' | dd of="$TMP/x/$layer" bs=1 seek=600000 conv=notrunc 2>/dev/null
	tar -C "$TMP/x" -cf "$TMP/bad.tar" .
	run pp image load -i "$TMP/bad.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "error: layer '$layer'"* ]]
	[ -z "$(ls "$ROOT/images/images")" ]
	! grep -q nginx "$ROOT/images/refs.json" 2>/dev/null || false
	# and no half-unpacked layer is left under a final name without its marker
	for d in "$ROOT"/images/layers/sha256/*; do
		[ -e "$d" ] || continue
		case $d in *.done) continue ;; esac
		[ -e "$d.done" ]
	done
}

@test "image load: an archive may not name its image by digest, nor give names that are not strings" {
	need_images
	mkdir "$TMP/x"
	tar -C "$TMP/x" -xf "$IMAGES/nginx.tar"
	cp "$TMP/x/manifest.json" "$TMP/orig.json"
	spoof=docker.io/library/nginx@sha256:$(printf 'a%.0s' $(seq 64))
	jq -c --arg r "$spoof" '.[0].RepoTags = [$r]' "$TMP/orig.json" >"$TMP/x/manifest.json"
	tar -C "$TMP/x" -cf "$TMP/spoof.tar" .
	run pp image load -i "$TMP/spoof.tar"
	[ "$status" -eq 1 ]
	[ "$output" = "error: manifest.json: RepoTags[0]: '$spoof': refusing a digest reference from an archive (pull it by digest from its registry instead)" ]
	[ -z "$(ls "$ROOT/images/images")" ]
	# a pod pinned to that digest finds nothing
	[ "$(pp image ls | wc -l)" -eq 1 ]
	jq -c '.[0].RepoTags = [1, 2]' "$TMP/orig.json" >"$TMP/x/manifest.json"
	tar -C "$TMP/x" -cf "$TMP/num.tar" .
	run pp image load -i "$TMP/num.tar"
	[ "$status" -eq 1 ]
	[ "$output" = "error: manifest.json: RepoTags[0]: not a string" ]
	jq -c '.[0].RepoTags = "x:1"' "$TMP/orig.json" >"$TMP/x/manifest.json"
	tar -C "$TMP/x" -cf "$TMP/str.tar" .
	run pp image load -i "$TMP/str.tar"
	[ "$status" -eq 1 ]
	[ "$output" = "error: manifest.json: RepoTags: not a list" ]
	[ -z "$(ls "$ROOT/images/images")" ]
}

@test "image load: not an archive or a missing file is a clear error" {
	run pp image load -i /nonexistent/file.tar
	[ "$status" -eq 1 ]
	[[ "$output" == *"/nonexistent/file.tar"* ]]
	run pp image load -i /etc/hostname
	[ "$status" -eq 1 ]
	[[ "$output" == *"not an image archive"* ]]
	run pp image load
	[ "$status" -eq 1 ]
}

@test "image load: hostile layers write nothing outside the store" {
	need_python
	mkdir -p "$TMP/escape" "$TMP/evil"
	echo sentinel >"$TMP/escape/sentinel"
	python3 "$MKEVIL" "$TMP/evil" "$TMP/escape"
	for f in "$TMP"/evil/evil-*.tar; do
		run pp image load -i "$f"
		echo "# $(basename "$f"): $status $output" >&3
		# refused or confined: either way the test below decides
	done
	[ "$(ls -A "$TMP/escape")" = sentinel ]
	[ "$(cat "$TMP/escape/sentinel")" = sentinel ]
	[ "$(stat -c %h "$TMP/escape/sentinel")" -eq 1 ]
	[ ! -e /dotdot ]
	[ ! -e /abs ]
	[ ! -e /chain ]
	# what was loaded stayed inside its layer folder
	run find "$ROOT/images/layers" -name dotdot
	[[ "$output" == "$ROOT/images/layers/sha256/"*"$TMP/escape/dotdot" ]]
	run find "$ROOT/images/layers" -name abs
	[[ "$output" == "$ROOT/images/layers/sha256/"*"$TMP/escape/abs" ]]
	# a hardlink never links a file outside the layer
	run pp image load -i "$TMP/evil/evil-hardlink.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"entry 'h1'"* ]]
}

@test "image mount: OCI whiteouts and opaque folders hide lower-layer files" {
	need_python
	mkdir -p "$TMP/evil" "$TMP/escape" "$TMP/m"
	python3 "$MKEVIL" "$TMP/evil" "$TMP/escape"
	pp image load -i "$TMP/evil/whiteout.tar"
	run pp image mount whiteout "$TMP/m"
	[ "$status" -eq 0 ]
	[ "$output" = "$TMP/m/rootfs" ]
	[ "$(cat "$TMP/m/rootfs/d/f2")" = two ]
	[ ! -e "$TMP/m/rootfs/d/f1" ]
	[ ! -e "$TMP/m/rootfs/o/x" ]
	[ "$(cat "$TMP/m/rootfs/o/y")" = y ]
	[ "$(cat "$TMP/m/rootfs/keep")" = k ]
	# a hardlink inside the layer and a path through an in-layer symlink
	[ "$(stat -c %i "$TMP/m/rootfs/keep")" = "$(stat -c %i "$TMP/m/rootfs/keep2")" ]
	[ "$(cat "$TMP/m/rootfs/usr/lib/x")" = libx ]
	# writes go to the upper folder, never into the image
	echo new >"$TMP/m/rootfs/keep"
	[ "$(cat "$TMP/m/upper/keep")" = new ]
	run grep -rl new "$ROOT/images/layers"
	[ "$status" -ne 0 ]
	pp image umount "$TMP/m"
	! mountpoint -q "$TMP/m/rootfs"
}

@test "image mount: the nginx image has the official image's shape" {
	need_images
	pp image load -i "$IMAGES/nginx.tar"
	pp image mount nginx "$TMP/m" 2>/dev/null || { mkdir -p "$TMP/m" && pp image mount nginx "$TMP/m"; }
	r=$TMP/m/rootfs
	[ "$(head -n1 "$r/etc/nginx/nginx.conf")" = "user  nginx;" ]
	[ -x "$r/usr/sbin/nginx" ]
	[ -x "$r/bin/busybox" ]
	[ -L "$r/bin/sh" ]
	[ "$(readlink "$r/var/log/nginx/access.log")" = /dev/stdout ]
	[ "$(readlink "$r/var/log/nginx/error.log")" = /dev/stderr ]
	grep -qx 'nginx:x:101:101:nginx user:/nonexistent:/bin/false' "$r/etc/passwd"
	pp image umount "$TMP/m"
}
