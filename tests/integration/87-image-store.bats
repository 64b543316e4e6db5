#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The image store as users get it: image ls (podman's columns, -q),
# inspect, tag, rm (untag, by id, shared layers kept until their last
# image goes, refused while a pod uses the image), prune (dangling, -a,
# leftovers of dead loads), save to docker-archive and oci-archive read back
# by peapod, skopeo and podman with the same image id, and two loads of one
# archive at once. Each test starts from its own empty PEAPOD_ROOT.

load helpers
load registry

setup() {
	if [ ! -f "$IMAGES/busybox.tar" ] || [ ! -f "$IMAGES/nginx.tar" ]; then
		skip "no demo images in $IMAGES (tests/data/mkimages.sh)"
	fi
	PEAPOD_ROOT=$(mktemp -d /tmp/peapod-test.XXXXXX)
	export PEAPOD_ROOT
	TMP=$BATS_TEST_TMPDIR
	STORE=$PEAPOD_ROOT/images
}

teardown() {
	registries_stop
	podman_teardown
	teardown_root
}

pp() {
	timeout 60 "$PEAPOD" "$@"
}

load_busybox() {
	pp image load -q -i "$IMAGES/busybox.tar"
}

# An OCI archive (FILE) of busybox with another Cmd, so another image id,
# sharing busybox's two layers, named NAME.
variant() { # FILE NAME
	if ! command -v umoci >/dev/null || ! command -v jq >/dev/null; then
		skip "needs umoci and jq"
	fi
	local d=$TMP/variant
	rm -rf "$d" && mkdir -p "$d"
	tar xf "$IMAGES/busybox.tar" -C "$d"
	umoci config --image "$d:1.28" --tag v --config.cmd echo
	jq --arg n "$2" '.manifests |= [.[] | select(.annotations["org.opencontainers.image.ref.name"] == "v")
		| .annotations = {"io.containerd.image.name": $n}]' "$d/index.json" >"$d/i"
	mv "$d/i" "$d/index.json"
	tar cf "$1" -C "$d" .
}

id_of() { # REF → the full image id (hex)
	pp image inspect "$1" | jq -r '.[0].Id'
}

count() { # DIR → how many entries
	find "$1" -mindepth 1 -maxdepth 1 | wc -l
}

@test "image ls: podman's columns, one row a reference, -q each image id once" {
	load_busybox
	pp image load -q -i "$IMAGES/nginx.tar"
	pp image tag busybox:1.28 mybox:2
	run pp image ls
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^REPOSITORY\ +TAG\ +IMAGE\ ID\ +CREATED\ +SIZE$ ]]
	[ "${#lines[@]}" -eq 4 ]
	echo "$output" | grep -Eq '^docker.io/library/mybox +2 +[0-9a-f]{12} +[0-9]+ years ago +2.14 MB$'
	echo "$output" | grep -Eq '^docker.io/library/nginx +latest +[0-9a-f]{12} .* 23.2 MB$'
	run pp image ls -q
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(printf '%s\n' "${lines[@]}" | sort -u | wc -l)" -eq 2 ]
	[[ "$(id_of busybox:1.28)" == "${lines[1]}"* ]]
	run pp image ls extra
	[ "$status" -eq 1 ]
}

@test "image inspect: podman's fields, the found images printed and the missing one named" {
	load_busybox
	cfg=$(tar xOf "$IMAGES/busybox.tar" ./index.json | jq -r '.manifests[0].digest')
	run pp image inspect busybox:1.28
	[ "$status" -eq 0 ]
	j=$output
	id=$(jq -r '.[0].Id' <<<"$j")
	[[ "$id" =~ ^[0-9a-f]{64}$ ]]
	[ -f "$STORE/blobs/sha256/$id" ]
	[ "$(jq -r '.[0].Digest' <<<"$j")" = "$cfg" ]
	[ "$(jq -c '.[0].RepoTags' <<<"$j")" = '["docker.io/library/busybox:1.28"]' ]
	[ "$(jq -c '.[0].RepoDigests' <<<"$j")" = "[\"docker.io/library/busybox@$cfg\"]" ]
	[ "$(jq -c '.[0].Config.Cmd' <<<"$j")" = '["sh"]' ]
	[ "$(jq -r '.[0].Created' <<<"$j")" = 2023-11-14T22:13:20Z ]
	[ "$(jq -r '.[0].Os + "/" + .[0].Architecture' <<<"$j")" = "linux/$(jq -r .architecture "$STORE/blobs/sha256/$id")" ]
	[ "$(jq -c '.[0].RootFS.Layers' <<<"$j")" = "$(jq -c .rootfs.diff_ids "$STORE/blobs/sha256/$id")" ]
	[ "$(jq -r '.[0].RootFS.Type' <<<"$j")" = layers ]
	[ "$(jq -r '.[0].Size' <<<"$j")" -gt 2000000 ]
	# by id prefix too; a missing image is named, the found one still printed
	run pp image inspect "${id:0:12}" nothere:1
	[ "$status" -eq 1 ]
	[[ "$output" == *'image "nothere:1" not found'* ]]
	[ "$(echo "$output" | grep -v '^error\|: error:' | jq -r '.[0].Id')" = "$id" ]
	run pp image inspect
	[ "$status" -eq 1 ]
}

@test "image tag: a new reference, moved from the image it named, bad targets refused" {
	load_busybox
	pp image load -q -i "$IMAGES/nginx.tar"
	bb=$(id_of busybox:1.28)
	ng=$(id_of nginx)
	run pp image tag busybox:1.28 mybox localhost:5000/team/box:v1
	[ "$status" -eq 0 ]
	[ "$(id_of docker.io/library/mybox:latest)" = "$bb" ]
	[ "$(id_of localhost:5000/team/box:v1)" = "$bb" ]
	# docker's semantics: the tag moves
	pp image tag nginx mybox
	[ "$(id_of mybox)" = "$ng" ]
	[ "$(pp image ls | grep -c '^docker.io/library/mybox ')" -eq 1 ]
	run pp image tag nothere:1 x
	[ "$status" -eq 1 ]
	[[ "$output" == *'image "nothere:1" not found'* ]]
	run pp image tag busybox:1.28 'Bad Name'
	[ "$status" -eq 1 ]
	[[ "$output" == *"Bad Name"* ]]
	run pp image tag busybox:1.28 "busybox@sha256:$bb"
	[ "$status" -eq 1 ]
	[[ "$output" == *"digest"* ]]
	run pp image tag busybox:1.28
	[ "$status" -eq 1 ]
}

@test "image rm: a tag only untags; by id every reference goes, refused with several unless -f" {
	load_busybox
	id=$(id_of busybox:1.28)
	pp image tag busybox:1.28 mybox:1 mybox:2
	run pp image rm mybox:1
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: docker.io/library/mybox:1" ]
	[ -f "$STORE/images/$id.json" ]
	run pp image rm "${id:0:12}"
	[ "$status" -eq 1 ]
	[[ "$output" == *"unable to delete image \"$id\" by ID with more than one tag"*"please force removal"* ]]
	[ "$(pp image ls -q | wc -l)" -eq 1 ]
	run pp image rm -f "${id:0:12}"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Untagged: docker.io/library/busybox:1.28" ]
	[ "${lines[1]}" = "Untagged: docker.io/library/mybox:2" ]
	[ "${lines[2]}" = "Deleted: $id" ]
	[ ! -e "$STORE/images/$id.json" ]
	[ "$(count "$STORE/blobs/sha256")" -eq 0 ]
	[ "$(count "$STORE/layers/sha256")" -eq 0 ]
	run pp image rm "$id"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not found"* ]]
}

@test "image rm: a layer two images share stays until both are gone" {
	variant "$TMP/v.tar" docker.io/library/other:1
	load_busybox
	pp image load -q -i "$TMP/v.tar"
	bb=$(id_of busybox:1.28)
	v=$(id_of other:1)
	[ "$bb" != "$v" ]
	[ "$(count "$STORE/layers/sha256")" -eq 4 ] # two layers and their .done markers
	run pp image rm busybox:1.28
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Deleted: $bb" ]
	[ ! -e "$STORE/blobs/sha256/$bb" ]
	[ -f "$STORE/blobs/sha256/$v" ]
	[ "$(count "$STORE/layers/sha256")" -eq 4 ]
	mkdir "$TMP/m"
	pp image mount other:1 "$TMP/m"
	[ -x "$TMP/m/rootfs/bin/busybox" ]
	pp image umount "$TMP/m"
	pp image rm other:1
	[ "$(count "$STORE/blobs/sha256")" -eq 0 ]
	[ "$(count "$STORE/layers/sha256")" -eq 0 ]
	[ "$(count "$STORE/images")" -eq 0 ]
}

@test "image prune: dangling images only, after a yes; -a all but a pod's; leftovers of dead loads go" {
	variant "$TMP/v.tar" docker.io/library/other:1
	load_busybox
	pp image load -q -i "$IMAGES/nginx.tar"
	pp image load -q -i "$TMP/v.tar"
	v=$(id_of other:1)
	ng=$(id_of nginx)
	bb=$(id_of busybox:1.28)
	layers=$(count "$STORE/layers/sha256")
	# the tag moves to busybox: the variant is left without a reference
	pp image tag busybox:1.28 other:1
	run pp image ls
	echo "$output" | grep -Eq "^<none> +<none> +${v:0:12} "
	# podman asks first; no answer is no
	run pp image prune </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"Are you sure you want to continue? [y/N]"* ]]
	[ -f "$STORE/images/$v.json" ]
	# a crashed load's spool and unpack folders
	mkdir -p "$STORE/tmp/load-dead" "$STORE/layers/sha256/tmp-dead"
	touch "$STORE/tmp/load-dead/1" "$STORE/layers/sha256/tmp-dead/x"
	run pp image prune <<<y
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == *"[y/N] $v" ]]
	[ ! -e "$STORE/images/$v.json" ]
	[ ! -e "$STORE/blobs/sha256/$v" ]
	[ "$(count "$STORE/tmp")" -eq 0 ]
	[ ! -e "$STORE/layers/sha256/tmp-dead" ]
	# the variant's layers are busybox's: kept
	pp image inspect busybox:1.28 >/dev/null
	[ "$(count "$STORE/layers/sha256")" -eq "$layers" ]
	# nothing dangling now
	run pp image prune -f
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# -a: every image no pod uses
	manifest "$TMP/p.yaml" bb <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	pp apply -f "$TMP/p.yaml"
	wait_for 30 pod_is bb Running
	run pp image prune -a -f
	[ "$status" -eq 0 ]
	[ "$output" = "$ng" ]
	run pp image ls -q
	[ "$output" = "${bb:0:12}" ]
	# one of several names of a pod's image can go (podman); its last
	# name, or the image by id, cannot
	run pp image rm other:1
	[ "$status" -eq 0 ]
	[ "$output" = "Untagged: docker.io/library/other:1" ]
	run pp image rm busybox:1.28
	[ "$status" -eq 1 ]
	[[ "$output" == *'is in use by pod "default/bb"'* ]]
	run pp image rm -f "$bb"
	[ "$status" -eq 1 ]
	[[ "$output" == *'is in use by pod "default/bb"'* ]]
	pp delete pod bb --grace-period=1 >/dev/null
	run pp image prune -a --force
	[ "$output" = "$bb" ]
	[ "$(count "$STORE/blobs/sha256")" -eq 0 ]
	[ "$(count "$STORE/layers/sha256")" -eq 0 ]
}

@test "image save: docker-archive with the store's blobs, loaded back with the same id" {
	load_busybox
	pp image load -q -i "$IMAGES/nginx.tar"
	bb=$(id_of busybox:1.28)
	ng=$(id_of nginx)
	run pp image save -o "$TMP/both.tar" busybox:1.28 nginx
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	mkdir "$TMP/x"
	tar xf "$TMP/both.tar" -C "$TMP/x"
	[ -f "$TMP/x/repositories" ]
	[ "$(jq -r '.[0].Config' "$TMP/x/manifest.json")" = "$bb.json" ]
	[ "$(jq -c '.[0].RepoTags' "$TMP/x/manifest.json")" = '["docker.io/library/busybox:1.28"]' ]
	[ "$(jq -r '.["docker.io/library/nginx"].latest' "$TMP/x/repositories")" != null ]
	# every layer is a blob of the store, its name its digest
	for f in $(jq -r '.[].Layers[]' "$TMP/x/manifest.json"); do
		[ "$(sha256sum <"$TMP/x/$f" | cut -d' ' -f1).tar" = "$f" ]
		[ -f "$STORE/blobs/sha256/${f%.tar}" ]
	done
	# to stdout when it is not a terminal
	pp image save nginx >"$TMP/n.tar"
	# back into an empty store: the same ids
	run env PEAPOD_ROOT="$TMP/r2" timeout 60 "$PEAPOD" image load -i "$TMP/both.tar"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Loaded image: docker.io/library/busybox:1.28" ]
	[ "$(PEAPOD_ROOT=$TMP/r2 timeout 60 "$PEAPOD" image ls -q | sort | tr '\n' ' ')" = "$(printf '%s\n' "${bb:0:12}" "${ng:0:12}" | sort | tr '\n' ' ')" ]
	PEAPOD_ROOT=$TMP/r3 timeout 60 "$PEAPOD" image load -q -i "$TMP/n.tar"
	[ "$(PEAPOD_ROOT=$TMP/r3 timeout 60 "$PEAPOD" image inspect nginx | jq -r '.[0].Id')" = "$ng" ]
	# skopeo reads it
	command -v skopeo >/dev/null || skip "skopeo not installed"
	run timeout 60 skopeo inspect "docker-archive:$TMP/both.tar:docker.io/library/busybox:1.28"
	[ "$status" -eq 0 ]
	[ "$(jq -c .Layers <<<"$output")" = "$(jq -c .rootfs.diff_ids "$STORE/blobs/sha256/$bb")" ]
	# skopeo rewrites the config for OCI; the layers' content stays
	timeout 60 skopeo copy -q "docker-archive:$TMP/both.tar:docker.io/library/nginx:latest" "oci:$TMP/oci:n"
	m=$(jq -r '.manifests[0].digest' "$TMP/oci/index.json")
	c=$(jq -r .config.digest "$TMP/oci/blobs/sha256/${m#sha256:}")
	[ "$(jq -c .rootfs.diff_ids "$TMP/oci/blobs/sha256/${c#sha256:}")" = "$(jq -c .rootfs.diff_ids "$STORE/blobs/sha256/$ng")" ]
}

@test "image save: oci-archive keeps the manifest digest; podman and skopeo load it" {
	load_busybox
	id=$(id_of busybox:1.28)
	digest=$(pp image inspect busybox:1.28 | jq -r '.[0].Digest')
	pp image tag busybox:1.28 mybox:7
	run pp image save --format oci-archive -o "$TMP/o.tar" busybox:1.28 mybox:7
	[ "$status" -eq 0 ]
	mkdir "$TMP/x"
	tar xf "$TMP/o.tar" -C "$TMP/x"
	[ "$(jq -r .imageLayoutVersion "$TMP/x/oci-layout")" = 1.0.0 ]
	[ "$(jq -r '[.manifests[].annotations["org.opencontainers.image.ref.name"]] | join(" ")' "$TMP/x/index.json")" = "docker.io/library/busybox:1.28 docker.io/library/mybox:7" ]
	[ "$(jq -r '.manifests[0].digest' "$TMP/x/index.json")" = "$digest" ]
	for f in "$TMP"/x/blobs/sha256/*; do
		[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ]
	done
	run env PEAPOD_ROOT="$TMP/r2" timeout 60 "$PEAPOD" image load -i "$TMP/o.tar"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "Loaded image: docker.io/library/mybox:7" ]
	[ "$(PEAPOD_ROOT=$TMP/r2 timeout 60 "$PEAPOD" image inspect mybox:7 | jq -r '.[0].Id + " " + .[0].Digest')" = "$id $digest" ]
	command -v skopeo >/dev/null || skip "skopeo not installed"
	run timeout 60 skopeo inspect "oci-archive:$TMP/o.tar:docker.io/library/mybox:7"
	[ "$status" -eq 0 ]
	[ "$(jq -r .Digest <<<"$output")" = "$digest" ]
	podman_setup
	pp image save --format oci-archive -o "$TMP/o1.tar" busybox:1.28
	run podman_cmd load -i "$TMP/o1.tar"
	[ "$status" -eq 0 ]
	run podman_cmd image inspect docker.io/library/busybox:1.28
	[ "$status" -eq 0 ]
	[ "$(jq -r '.[0].Id' <<<"$output")" = "$id" ]
	pp image save -o "$TMP/d.tar" busybox:1.28
	run podman_cmd load -i "$TMP/d.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Loaded image: docker.io/library/busybox:1.28"* ]]
}

@test "image save: a pulled image keeps its registry digest in inspect and its id through both formats" {
	need_registry
	registry_start save
	reg=127.0.0.1:$(reg_port save)
	push "$IMAGES/nginx.tar" "$reg/library/nginx:1"
	want=sha256:$(manifest_of "$reg/library/nginx:1" | sha256sum | cut -d' ' -f1)
	type=$(manifest_of "$reg/library/nginx:1" | jq -r .mediaType)
	pp image pull -q "$reg/library/nginx:1"
	run pp image inspect "$reg/library/nginx:1"
	[ "$status" -eq 0 ]
	id=$(jq -r '.[0].Id' <<<"$output")
	[ "$(jq -r '.[0].Digest' <<<"$output")" = "$want" ]
	[ "$(jq -r '.[0].ManifestType' <<<"$output")" = "$type" ]
	[ "$(jq -r '.[0].RepoDigests[0]' <<<"$output")" = "$reg/library/nginx@$want" ]
	for format in docker-archive oci-archive; do
		pp image save --format "$format" -o "$TMP/$format.tar" "$reg/library/nginx:1"
		run env PEAPOD_ROOT="$TMP/$format" timeout 60 "$PEAPOD" image load -i "$TMP/$format.tar"
		[ "$status" -eq 0 ]
		[ "$output" = "Loaded image: $reg/library/nginx:1" ]
		[ "$(PEAPOD_ROOT=$TMP/$format timeout 60 "$PEAPOD" image ls -q)" = "${id:0:12}" ]
		run timeout 60 skopeo inspect "$format:$TMP/$format.tar:$reg/library/nginx:1"
		[ "$status" -eq 0 ]
	done
}

@test "image save: a missing image, a bad format or folder is one error line and no file" {
	load_busybox
	run pp image save -o "$TMP/out.tar" busybox:1.28 nothere:1
	[ "$status" -eq 1 ]
	[[ "$output" == *'image "nothere:1" not found'* ]]
	[ "$(count "$TMP")" -eq 0 ]
	run pp image save --format docker-dir -o "$TMP/out.tar" busybox:1.28
	[ "$status" -eq 1 ]
	[[ "$output" == *'unsupported format "docker-dir"'* ]]
	run pp image save -o "$TMP/no/such/dir/out.tar" busybox:1.28
	[ "$status" -eq 1 ]
	[[ "$output" == *"$TMP/no/such/dir/out.tar"* ]]
	[ "$(count "$TMP")" -eq 0 ]
	run pp image save -o "$TMP/out.tar"
	[ "$status" -eq 1 ]
	# not to a terminal (podman's words)
	if command -v script >/dev/null; then
		run timeout 30 script -qec "$PEAPOD image save busybox:1.28" /dev/null
		[ "$status" -eq 1 ]
		[[ "$output" == *"refusing to save to terminal. Use -o flag or redirect"* ]]
	fi
	# an existing file is replaced whole
	echo old >"$TMP/out.tar"
	pp image save -o "$TMP/out.tar" busybox:1.28
	tar tf "$TMP/out.tar" | grep -qx manifest.json
	[ "$(count "$TMP")" -eq 1 ]
}

@test "image load: two loads of one archive at once both succeed, the store has one copy" {
	pp image load -q -i "$IMAGES/nginx.tar" &
	a=$!
	pp image load -q -i "$IMAGES/nginx.tar" &
	b=$!
	wait "$a"
	wait "$b"
	run pp image ls -q
	[ "${#lines[@]}" -eq 1 ]
	# the same blobs and layers as one load makes
	PEAPOD_ROOT=$TMP/one timeout 60 "$PEAPOD" image load -q -i "$IMAGES/nginx.tar"
	[ "$(ls "$STORE/blobs/sha256")" = "$(ls "$TMP/one/images/blobs/sha256")" ]
	[ "$(ls "$STORE/layers/sha256")" = "$(ls "$TMP/one/images/layers/sha256")" ]
	[ "$(count "$STORE/tmp")" -eq 0 ]
	mkdir "$TMP/m"
	pp image mount nginx "$TMP/m"
	[ -x "$TMP/m/rootfs/usr/sbin/nginx" ]
	pp image umount "$TMP/m"
}

@test "image --help lists the store's subcommands" {
	run pp image --help
	[ "$status" -eq 0 ]
	for sub in "inspect REF" "tag SOURCE TARGET" "rm [-f]" "prune [-a]" "save [-o FILE]" "ls [-q]"; do
		[[ "$output" == *"$sub"* ]]
	done
	run pp image frobnicate
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown command \"image frobnicate\""* ]]
}
