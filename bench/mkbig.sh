#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build a large image (well over 100 MB of gzip layers) from Debian packages,
# for bench/pull. No registry, no container engine.
#
# Usage: bench/mkbig.sh OUTFILE
#   OUTFILE  OCI archive (oci-layout + index.json), docker.io/library/big:latest,
#            five gzip layers:
#              1 base     libc, libstdc++, libicu, libxml2, libz3 ... + static busybox
#              2 llvm     libllvm15
#              3 clang    libclang-cpp15, libclang1-15
#              4 gcc      gcc-12, cpp-12, libgcc-12-dev, binutils
#              5 scripts  perl 5.36 with its modules, python 3.11 with its stdlib
# Same conventions as tests/data/mkimages.sh: packages come from
# `apt-get download` into $PEAPOD_DEB_CACHE (default tests/data/cache) and are
# reused when present, so a warm run needs no network; fixed mtimes, sorted
# entries, numeric root ownership, gzip -n: digests only change with the
# packages. Needs bash, coreutils, tar, gzip, dpkg-deb, apt-get (cold cache).
set -euo pipefail

OUT=${1:?usage: mkbig.sh OUTFILE}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PEAPOD_DEB_CACHE:-$HERE/../tests/data/cache}
EPOCH=1700000000
CREATED=2023-11-14T22:13:20Z
PATH_ENV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
GZIP_LEVEL=${MKBIG_GZIP_LEVEL:-6} # gzip's and docker's default

L1="libc6 libgcc-s1 libstdc++6 zlib1g libzstd1 liblzma5 libtinfo6 libffi8 libedit2 libbsd0
    libmd0 libicu72 libxml2 libz3-4 libcrypt1 libssl3 libexpat1 libsqlite3-0 libbz2-1.0
    libreadline8 libncursesw6 libuuid1 libgdbm6 libdb5.3 libjansson4 libisl23
    libmpc3 libmpfr6 libgmp10 libctf0 libctf-nobfd0 libbinutils libgprofng0"
L2="libllvm15"
L3="libclang-cpp15 libclang1-15"
L4="gcc-12 cpp-12 libgcc-12-dev libstdc++-12-dev binutils-x86-64-linux-gnu libc6-dev
    linux-libc-dev libitm1 libatomic1 libquadmath0
    libgomp1 libcc1-0"
L5="perl-base libperl5.36 perl-modules-5.36 python3.11-minimal libpython3.11-minimal
    libpython3.11-stdlib"

mkdir -p "$(dirname "$OUT")" "$CACHE"
OUT=$(cd "$(dirname "$OUT")" && pwd)/$(basename "$OUT")
CACHE=$(cd "$CACHE" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mkbig.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=tests/data/debs.sh
. "$HERE/../tests/data/debs.sh"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

blob() { # copy file $1 into the OCI layout $2 by digest; print the descriptor fields
	local h
	h=$(sha "$1")
	cp "$1" "$2/blobs/sha256/$h"
	printf '"digest":"sha256:%s","size":%s' "$h" "$(size "$1")"
}

layer() { # N PACKAGES...: $WORK/lN.tar and $WORK/lN.tar.gz
	local n=$1 r=$WORK/l$1 p
	shift
	mkdir -p "$r"
	for p in "$@"; do extract "$p" "$r"; done
	if [ "$n" = 1 ]; then
		mkdir -p "$WORK/bb" "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/dev" "$r/proc" "$r/sys"
		extract busybox-static "$WORK/bb"
		install -m 0755 "$WORK/bb/bin/busybox" "$r/bin/busybox"
		for p in $("$r/bin/busybox" --list); do
			[ -e "$r/bin/$p" ] || [ -L "$r/bin/$p" ] || ln -s busybox "$r/bin/$p"
		done
		chmod 1777 "$r/tmp"
		chmod 0700 "$r/root"
		printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
		printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	fi
	mktar "$r" "$WORK/l$n.tar"
	rm -rf "$r"
	gzip -n -"$GZIP_LEVEL" -c "$WORK/l$n.tar" >"$WORK/l$n.tar.gz"
}

# shellcheck disable=SC2086 # the lists are words
{
	layer 1 $L1
	layer 2 $L2
	layer 3 $L3
	layer 4 $L4
	layer 5 $L5
}

oci=$WORK/oci
mkdir -p "$oci/blobs/sha256"
ids="" descs="" sep=""
for n in 1 2 3 4 5; do
	ids="$ids$sep\"sha256:$(sha "$WORK/l$n.tar")\""
	descs="$descs$sep{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",$(blob "$WORK/l$n.tar.gz" "$oci")}"
	sep=,
	rm -f "$WORK/l$n.tar" "$WORK/l$n.tar.gz"
done
printf '{"architecture":"amd64","os":"linux","created":"%s","config":{"Env":["PATH=%s"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":[%s]}}\n' \
	"$CREATED" "$PATH_ENV" "$ids" >"$WORK/config.json"
c=$(blob "$WORK/config.json" "$oci")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json",%s},"layers":[%s]}\n' \
	"$c" "$descs" >"$WORK/manifest.json"
m=$(blob "$WORK/manifest.json" "$oci")
printf '{"imageLayoutVersion":"1.0.0"}\n' >"$oci/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",%s,"annotations":{"io.containerd.image.name":"docker.io/library/big:latest","org.opencontainers.image.ref.name":"latest"}}]}\n' \
	"$m" >"$oci/index.json"
mktar "$oci" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "mkbig: wrote $OUT ($(($(size "$OUT") / 1000000)) MB)"
