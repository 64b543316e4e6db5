#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Hostile images, each refused or confined: entries with "..", absolute
# paths, symlinks and hardlinks out of the layer, a symlink replaced by a
# folder, device nodes, set-id bits, sparse files, whiteouts aimed outside,
# tar bombs, oversized JSON. Every archive is crafted by
# tests/data/hostile/mklayer.py aiming at a canary folder outside the store;
# each test checks the canary too, and that a refusal leaves nothing.

BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-60}

TOP=$(git -C "$BATS_TEST_DIRNAME" rev-parse --show-toplevel)
BUILD=${BUILD:-$TOP/build}
PEAPOD=${PEAPOD:-$BUILD/src/cli/peapod}
MKLAYER=$TOP/tests/data/hostile/mklayer.py

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	command -v python3 >/dev/null || return 0
	# the archives name the canary by path: one fixed folder for the file
	python3 "$MKLAYER" "$BATS_FILE_TMPDIR/out" "$BATS_FILE_TMPDIR/canary"
}

setup() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$PEAPOD" ] || skip "no peapod binary at $PEAPOD"
	command -v python3 >/dev/null || skip "needs python3 to craft tarballs"
	OUT=$BATS_FILE_TMPDIR/out
	CANARY=$BATS_FILE_TMPDIR/canary
	rm -rf "$CANARY"
	mkdir -p "$CANARY"
	echo victim >"$CANARY/victim"
	TMP=$(mktemp -d /tmp/peapod-hostile-test.XXXXXX)
	ROOT=$TMP/root
	LAYERS=$ROOT/images/layers/sha256
}

teardown() {
	[ -n "${TMP:-}" ] || return 0
	# the one mount a test makes, left by a failure before its umount
	if mountpoint -q "$TMP/m/rootfs" 2>/dev/null; then
		umount -l "$TMP/m/rootfs"
	fi
	rm -rf "$TMP"
}

pp() {
	timeout 50 "$PEAPOD" --root "$ROOT" "$@"
}

load() { # CASE: load OUT/CASE.tar into $status/$output
	run pp image load -i "$OUT/$1.tar"
	echo "# $1: $status: $output"
}

# The canary folder holds only the untouched victim, and nothing of it was
# linked, marked opaque or written through.
canary_intact() {
	[ "$(ls -A "$CANARY")" = victim ]
	[ "$(cat "$CANARY/victim")" = victim ]
	[ "$(stat -c %h "$CANARY/victim")" -eq 1 ]
	[ "$(python3 -c 'import os, sys; print(os.listxattr(sys.argv[1]))' "$CANARY")" = "[]" ]
}

# A refused load: exit 1, one error line naming the layer and the entry,
# and nothing of it kept (no layer, no half layer, no image, no ref, no
# spool).
refused() { # ENTRY
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "error: layer '"*"/layer.tar': entry '$1'"* ]]
	nothing_left
}

nothing_left() {
	[ -z "$(ls -A "$LAYERS")" ]
	[ -z "$(ls -A "$ROOT/images/tmp")" ]
	[ -z "$(ls -A "$ROOT/images/images")" ]
	[ -z "$(grep -s latest "$ROOT/images/refs.json" || true)" ]
}

# The folder of the one layer whose tree holds NAME (a path in the layer).
layer_of() { # NAME
	local d
	for d in "$LAYERS"/*/; do
		if [ -e "$d$1" ] || [ -L "$d$1" ]; then
			echo "${d%/}"
			return 0
		fi
	done
	return 1
}

@test "hostile: '..' entries are cleaned and land inside the layer" {
	load dotdot
	canary_intact
	[ "$status" -eq 0 ]
	layer=$(layer_of "$CANARY/dotdot")
	[ -f "$layer$CANARY/dotdot" ]
	[ -f "$layer$CANARY/dotdot2" ]
	[ "$(find "$ROOT" -name 'dotdot*' | wc -l)" -eq 2 ]
}

@test "hostile: absolute entries land inside the layer" {
	load abs
	canary_intact
	[ "$status" -eq 0 ]
	layer=$(layer_of "$CANARY/abs")
	[ -f "$layer$CANARY/abs" ]
	[ "$(find "$ROOT" -name abs | wc -l)" -eq 1 ]
}

@test "hostile: symlinks out of the layer are kept as symlinks, and a file replaces one" {
	load symlink-stored
	canary_intact
	[ "$status" -eq 0 ]
	layer=$(layer_of shadow)
	[ "$(readlink "$layer/shadow")" = /etc/shadow ]
	[ "$(readlink "$layer/v")" = "$CANARY/victim" ]
	# "over" was a symlink to the victim, then a file: the file replaced it
	[ ! -L "$layer/over" ]
	[ "$(cat "$layer/over")" = mine ]
}

@test "hostile: nothing is written through a symlink out of the layer" {
	load symlink-write
	refused s/evil
	[[ "$output" == *": its folder is outside the layer (through a symlink) or not a folder: "* ]]
	canary_intact
	load symlink-write2
	refused s/d/
	canary_intact
	[ ! -e "$BATS_FILE_TMPDIR/d" ]
}

@test "hostile: hardlinks to files out of the layer are refused, naming the entry" {
	for c in hardlink-abs hardlink-dotdot hardlink-sym; do
		load $c
		refused h
		[[ "$output" == *"hardlink to '"* ]]
		canary_intact
	done
	# within the layer, hardlinks are made
	load hardlink-ok
	[ "$status" -eq 0 ]
	layer=$(layer_of f)
	[ "$(stat -c %i "$layer/f")" = "$(stat -c %i "$layer/h")" ]
	[ "$(stat -c %i "$layer/f")" = "$(stat -c %i "$layer/sub/h2")" ]
	[ "$(stat -c %h "$layer/f")" -eq 3 ]
}

@test "hostile: a symlink replaced by a folder, in a later layer and in the same one" {
	load symdir
	canary_intact
	[ "$status" -eq 0 ]
	mkdir "$TMP/m"
	run pp image mount symdir "$TMP/m"
	[ "$status" -eq 0 ]
	r=$TMP/m/rootfs
	[ ! -L "$r/lib" ]
	[ -d "$r/lib" ]
	[ "$(cat "$r/lib/x")" = x ]
	[ ! -L "$r/l2" ]
	[ "$(cat "$r/l2/y")" = y ]
	pp image umount "$TMP/m"
}

@test "hostile: device nodes are skipped with one warning; FIFOs are kept" {
	load devices
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^Warning: ')" -eq 1 ]
	[[ "$output" == *"Warning: 2 device node"*"skipped"* ]]
	[ "${lines[-1]}" = "Loaded image: docker.io/library/devices:latest" ]
	layer=$(layer_of f)
	[ -z "$(find "$layer" -type c -o -type b)" ]
	[ ! -e "$layer/dev/mem2" ]
	[ ! -e "$layer/dev/sda9" ]
	[ -p "$layer/dev/pipe" ]
	# a reload of the same image warns no more (the layer is not unpacked again)
	load devices
	[ "$status" -eq 0 ]
	[ "$output" = "Loaded image: docker.io/library/devices:latest" ]
}

@test "hostile: set-id bits are kept exactly as the tar says, owners as numbers" {
	load setid
	[ "$status" -eq 0 ]
	layer=$(layer_of suid)
	[ "$(stat -c '%a %u:%g' "$layer/suid")" = "4755 0:0" ]
	[ "$(stat -c '%a %u:%g' "$layer/sgid")" = "2755 0:0" ]
	[ "$(stat -c '%a %u:%g' "$layer/plain")" = "755 0:0" ]
	# named "root" in the tar, but the numbers are what count
	[ "$(stat -c '%a %u:%g' "$layer/owned")" = "4750 4242:4343" ]
	# and the store keeps them from the host's other users
	[ "$(stat -c %a "$ROOT/images/layers")" = 700 ]
}

@test "hostile: a huge sparse file stays sparse and counts whole toward the bound" {
	load sparse
	[ "$status" -eq 0 ]
	layer=$(layer_of big)
	[ "$(stat -c %s "$layer/big")" -eq $((64 * 1024 * 1024)) ]
	[ "$(stat -c %b "$layer/big")" -lt 1024 ] # blocks of 512: under 512 KiB on disk
	[ "$(head -c $((32 * 1024 * 1024 + 2)) "$layer/big" | tail -c 3 | od -An -c | tr -d ' ')" = '\0ss' ]
	run pp image rm sparse
	[ "$status" -eq 0 ]
	PEAPOD_LAYER_MAX_BYTES=16Mi load sparse
	refused big
	[[ "$output" == *"exceed 16777216 bytes (PEAPOD_LAYER_MAX_BYTES)"* ]]
	# a sparse map may not put data past the size that was counted
	load sparse-past
	refused past
	[[ "$output" == *"File too large"* ]]
}

@test "hostile: whiteouts aimed outside the layer delete nothing outside it" {
	load whiteout-out
	canary_intact
	[ "$status" -eq 0 ]
	# they became whiteouts inside the layer, and its root is opaque
	top=$(layer_of "$CANARY/victim")
	[ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque"))' "$top")" = "b'y'" ]
	[ "$(stat -c '%F %t:%T' "$top$CANARY/victim")" = "character special file 0:0" ]
	[ "$(stat -c '%F %t:%T' "$top/victim")" = "character special file 0:0" ]
	pp image rm whiteout-out
	# through a symlink out of the layer, or of "..": refused
	load whiteout-sym
	refused s/.wh.victim
	canary_intact
	# ".wh..." (of "..") at the root would be the store's folder of layers
	load hardlink-ok
	[ "$status" -eq 0 ]
	kept=$(layer_of f)
	load whiteout-dotdot
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "error: layer '"*"/layer.tar': entry '.wh...'"* ]]
	[ "$(cat "$kept/f")" = f ]
	[ -e "$kept.done" ]
	[ "$(ls "$LAYERS" | wc -l)" -eq 2 ] # hardlink-ok's layer and its marker
	[ -z "$(ls -A "$ROOT/images/tmp")" ]
	canary_intact
}

@test "hostile: tar bombs: too many entries, too many bytes, a compressed trailer" {
	PEAPOD_LAYER_MAX_ENTRIES=100 load bomb-entries
	refused f100
	[[ "$output" == *"more than 100 entries (PEAPOD_LAYER_MAX_ENTRIES)"* ]]
	PEAPOD_LAYER_MAX_BYTES=4Mi load bomb-bytes
	refused zeros
	[[ "$output" == *"exceed 4194304 bytes (PEAPOD_LAYER_MAX_BYTES)"* ]]
	# 64 MiB of zeros after the tar's end, gzip-compressed to a few KiB:
	# more than the files and their headers, whatever the bound
	load bomb-trailer
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "error: layer '"*"/layer.tar': its uncompressed tar is over "*" bytes, more than its files and headers"* ]]
	nothing_left
	PEAPOD_LAYER_MAX_BYTES=lots load bomb-bytes
	[ "$status" -eq 1 ]
	[[ "$output" == *"PEAPOD_LAYER_MAX_BYTES 'lots': not a positive quantity"* ]]
	nothing_left
	# within the defaults, the same layers load
	load bomb-entries
	[ "$status" -eq 0 ]
	load bomb-bytes
	[ "$status" -eq 0 ]
}

@test "hostile: a manifest, index or config over 4 MiB is refused, naming it" {
	for c in big-config big-manifest big-oci-manifest; do
		load $c
		[ "$status" -eq 1 ]
		[ "${#lines[@]}" -eq 1 ]
		[[ "$output" == "error: '"*"': "*" bytes, over the 4194304 bytes a manifest, index or config may have" ]]
		nothing_left
	done
}
