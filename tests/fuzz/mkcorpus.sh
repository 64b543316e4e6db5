#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Rebuild the seed corpora of fuzz-runtime-config, fuzz-image-json and
# fuzz-layer-tar from the repository's real inputs: `pea spec` and the
# integration tests' config.json shapes, the demo images of
# tests/data/mkimages.sh and the hostile layers of tests/data/images/mkevil.py.
# (corpus-pod-yaml is written by hand.)
# Usage: tests/fuzz/mkcorpus.sh BUILD   BUILD holds src/cli/pea and test-images/
# Needs jq, python3, tar and gzip.
set -euo pipefail

BUILD=$(cd "${1:?usage: mkcorpus.sh BUILD}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/../data
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

runtime_config() {
	local out=$HERE/corpus-runtime-config spec=$WORK/spec/config.json
	rm -rf "$out" && mkdir -p "$out" "$WORK/spec"
	"$BUILD/src/cli/pea" spec --bundle "$WORK/spec"
	jq -c . "$spec" >"$out/pea-spec.json"
	# 83-devices.bats and 84-propagation.bats shapes
	jq -c '.process.terminal = false | .hostname = "c1" | .annotations = {"a": "b"}
	  | .mounts += [{destination: "/vol", type: "bind", source: "/tmp/vol",
	                 options: ["rbind", "ro", "rslave"]}]
	  | .linux.namespaces += [{type: "network", path: "/proc/1/ns/net"}]
	  | .linux.cgroupsPath = "/peapod/uid/c1" | .linux.rootfsPropagation = "rprivate"
	  | .linux.sysctl = {"net.ipv4.ip_forward": "1"}
	  | .linux.devices = [{path: "/dev/myfuse", type: "c", major: 10, minor: 229,
	                       fileMode: 416, uid: 1000, gid: 1001}]
	  | .linux.resources = {pids: {limit: 100}, memory: {limit: 67108864},
	      cpu: {shares: 512, quota: 50000, period: 100000},
	      devices: [{allow: false, access: "rwm"},
	                {allow: true, type: "c", major: 10, minor: 229, access: "rw"}]}' \
		"$spec" >"$out/linux.json"
	# 25-seccomp.bats: podman's profile, cut to a few rules
	jq -c --slurpfile p "$DATA/seccomp/podman-4.3-default.json" \
		'.linux.seccomp = ($p[0] | .syscalls |= .[:12])' "$spec" >"$out/seccomp.json"
}

# fuzz-image-json's fixed companions (keep in step with fuzz-image-json.c):
# the digest of its OCI manifest, and the empty layer.
harness_manifest() {
	python3 - <<'PY'
import hashlib
e = "sha256:" + hashlib.sha256(bytes(1024)).hexdigest()
cfg = ('{"architecture":"amd64","os":"linux","created":"2023-11-14T22:13:20Z",'
       '"config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["%s","%s"]}}' % (e, e))
desc = '{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":1024}' % e
m = ('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",'
     '"config":{"mediaType":"application/vnd.oci.image.config.v1+json",'
     '"digest":"sha256:%s","size":%d},"layers":[%s,%s]}'
     % (hashlib.sha256(cfg.encode()).hexdigest(), len(cfg), desc, desc))
print("sha256:" + hashlib.sha256(m.encode()).hexdigest(), len(m),
      "sha256:" + hashlib.sha256(cfg.encode()).hexdigest(), len(cfg), e)
PY
}

busybox_blob() { # DIGEST: a blob of the busybox OCI archive
	tar -xOf "$BUILD/test-images/busybox.tar" "./blobs/sha256/${1#sha256:}"
}

busybox_manifest() {
	busybox_blob "$(tar -xOf "$BUILD/test-images/busybox.tar" ./index.json |
		jq -r '.manifests[0].digest')"
}

# seed OUT ROLE: the role byte, then stdin
seed() {
	{
		printf '%s' "$2"
		cat
	} >"$1"
}

image_json() {
	local out=$HERE/corpus-image-json img=$BUILD/test-images m msize c csize e
	rm -rf "$out" && mkdir -p "$out"
	read -r m msize c csize e < <(harness_manifest)
	local nginx_cfg
	nginx_cfg=./$(tar -xOf "$img/nginx.tar" ./manifest.json | jq -r '.[0].Config')
	tar -xOf "$img/nginx.tar" ./manifest.json |
		jq -c '.[0].Config = "config.json" | .[0].Layers |= map("layer.tar")' |
		seed "$out/docker-manifest" 0
	tar -xOf "$img/nginx.tar" "$nginx_cfg" | jq -c --arg e "$e" '.rootfs.diff_ids |= map($e)' |
		seed "$out/nginx-config" 1
	tar -xOf "$img/busybox.tar" ./index.json |
		jq -c --arg m "$m" --argjson s "$msize" '.manifests[0] += {digest: $m, size: $s}' |
		seed "$out/oci-index" 2
	busybox_manifest | jq -c --arg c "$c" --argjson s "$csize" --arg e "$e" \
			'.config += {digest: $c, size: $s} | .layers |= map(.digest = $e | .size = 1024)' |
		seed "$out/oci-manifest" 3
}

layer_tar() {
	local out=$HERE/corpus-layer-tar a l
	rm -rf "$out" && mkdir -p "$out" "$WORK/evil"
	# busybox's plain layer (/etc, /root, /tmp), plain and gzip
	busybox_blob "$(busybox_manifest | jq -r '.layers[1].digest')" >"$out/busybox-etc.tar"
	gzip -9n <"$out/busybox-etc.tar" >"$out/busybox-etc.tar.gz"
	# every hostile and whiteout layer
	python3 "$DATA/images/mkevil.py" "$WORK/evil" /escape
	for a in "$WORK"/evil/*.tar; do
		for l in $(tar -tf "$a" | grep 'layer.tar$'); do
			tar -xOf "$a" "$l" >"$out/$(basename "$a" .tar)-${l%%/*}.tar"
		done
	done
	for a in "$out"/*-*.tar; do # shorter names: <image>-<first 8 hex>.tar
		[[ $a =~ -([0-9a-f]{8})[0-9a-f]{56}\.tar$ ]] &&
			mv "$a" "${a%-*}-${BASH_REMATCH[1]}.tar"
	done
	# devices, a fifo, xattrs and a long pax name, as python's tarfile writes them
	python3 - "$out/nodes-xattrs.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for name, kind, extra in [("dev/null", tarfile.CHRTYPE, (1, 3)),
                              ("dev/loop0", tarfile.BLKTYPE, (7, 0)),
                              ("run/fifo", tarfile.FIFOTYPE, None)]:
        ti = tarfile.TarInfo(name)
        ti.type, ti.mtime, ti.mode = kind, 1700000000, 0o644
        if extra:
            ti.devmajor, ti.devminor = extra
        t.addfile(ti)
    data = b"#!/bin/sh\n"
    ti = tarfile.TarInfo("usr/bin/" + "x" * 120)
    ti.size, ti.mtime, ti.mode = len(data), 1700000000, 0o4755
    ti.pax_headers = {"SCHILY.xattr.user.note": "hi",
                      "SCHILY.xattr.security.capability": "\x01\x00\x00\x02",
                      "SCHILY.xattr.trusted.overlay.opaque": "y"}
    t.addfile(ti, io.BytesIO(data))
PY
	# without tar's record padding: the end marker is enough
	python3 - "$out"/*.tar <<'PY'
import sys
for path in sys.argv[1:]:
    data = open(path, "rb").read().rstrip(b"\0")
    open(path, "wb").write(data + bytes(-len(data) % 512 + 1024))
PY
}

runtime_config
image_json
layer_tar
du -sh "$HERE"/corpus-runtime-config "$HERE"/corpus-image-json "$HERE"/corpus-layer-tar
