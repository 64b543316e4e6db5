#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the demo images from Debian packages, without any container registry.
#
# Usage: tests/data/mkimages.sh OUTDIR
#   OUTDIR/nginx.tar    docker-archive (docker save layout), docker.io/library/nginx:latest
#                       nginx 1.22 + static busybox, shaped like the official image
#   OUTDIR/busybox.tar  OCI archive (oci-layout + index.json), docker.io/library/busybox:1.28,
#                       one gzip layer and one plain layer
# Packages come from `apt-get download` into $PEAPOD_DEB_CACHE (default: the
# cache/ folder beside this script) and are reused when present, so a warm
# run needs no network. Output is deterministic: fixed mtimes, sorted
# entries, numeric root ownership, gzip -n; digests only change with the
# packages. Needs bash, coreutils, tar, gzip, dpkg-deb, apt-get (cold cache).
# As root it also checks the nginx rootfs: `nginx -t` in a chroot, master as
# root and worker as uid 101 (set MKIMAGES_NOCHECK=1 to skip).
set -euo pipefail

OUT=${1:?usage: mkimages.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${PEAPOD_DEB_CACHE:-$HERE/cache}
EPOCH=1700000000
CREATED=2023-11-14T22:13:20Z
PATH_ENV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
NGINX_DEBS="nginx nginx-common libc6 libgcc-s1 libcrypt1 libpcre2-8-0 libssl3 zlib1g"
BUSYBOX_DEB=busybox-static

mkdir -p "$OUT" "$CACHE"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mkimages.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# shellcheck source=tests/data/debs.sh
. "$HERE/debs.sh"

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }

applets() { # symlink every busybox applet in folder $1/bin, never over a file
	local a
	for a in $("$1/bin/busybox" --list); do
		[ "$a" = busybox ] || [ -e "$1/bin/$a" ] || [ -L "$1/bin/$a" ] ||
			ln -s busybox "$1/bin/$a"
	done
}

write_nginx_conf() {
	cat >"$1" <<'EOF'
user  nginx;
worker_processes  1;

error_log  /var/log/nginx/error.log warn;
pid        /var/run/nginx.pid;


events {
    worker_connections  1024;
}


http {
    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    keepalive_timeout  65;

    server {
        listen       80;
        server_name  localhost;
        root   /usr/share/nginx/html;
        index  index.html;
    }
}
EOF
}

nginx_base_layer() { # $1: folder → libraries, busybox, users
	local r=$1 p
	mkdir -p "$r"
	for p in libc6 libgcc-s1 libcrypt1 libpcre2-8-0 libssl3 zlib1g; do
		extract "$p" "$r"
	done
	mkdir -p "$WORK/bb" && extract $BUSYBOX_DEB "$WORK/bb"
	mkdir -p "$r/bin" "$r/etc" "$r/run" "$r/tmp" "$r/root" "$r/dev" "$r/proc" "$r/sys" "$r/var"
	install -m 0755 "$WORK/bb/bin/busybox" "$r/bin/busybox"
	applets "$r"
	chmod 1777 "$r/tmp"
	chmod 0700 "$r/root"
	ln -sfn /run "$r/var/run"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nnginx:x:101:101:nginx user:/nonexistent:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\nnginx:x:101:\n' >"$r/etc/group"
	printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$r/etc/nsswitch.conf"
}

nginx_app_layer() { # $1: folder → nginx, its config, logs to stdout/stderr
	local r=$1 d
	mkdir -p "$r"
	extract nginx "$r"
	extract nginx-common "$r"
	rm -rf "$r/etc/init.d" "$r/etc/logrotate.d" "$r/etc/ufw" "$r/etc/default" "$r/lib" \
		"$r/etc/nginx/sites-available" "$r/etc/nginx/sites-enabled" "$r/usr/share/apport"
	write_nginx_conf "$r/etc/nginx/nginx.conf"
	mkdir -p "$r/usr/share/nginx/html" "$r/var/log/nginx" "$r/var/cache/nginx"
	for d in body fastcgi proxy scgi uwsgi; do mkdir -p "$r/var/lib/nginx/$d"; done
	printf '<!DOCTYPE html>\n<html>\n<head><title>Welcome to nginx!</title></head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n' \
		>"$r/usr/share/nginx/html/index.html"
	ln -sfn /dev/stdout "$r/var/log/nginx/access.log"
	ln -sfn /dev/stderr "$r/var/log/nginx/error.log"
}

check_nginx() { # $1: merged rootfs; nginx -t, master root, worker uid 101
	[ "$(id -u)" = 0 ] && [ -z "${MKIMAGES_NOCHECK:-}" ] || return 0
	unshare -m -n /bin/sh -ec '
		R=$1
		mount --bind /dev "$R/dev"
		mount --bind /proc "$R/proc"
		chroot "$R" /usr/sbin/nginx -t -q
		chroot "$R" /usr/sbin/nginx -g "daemon off;" &
		m=$!
		for i in 1 2 3 4 5 6 7 8 9 10; do
			w=$(pgrep -P "$m" 2>/dev/null | head -n1 || true)
			[ -n "$w" ] && break
			sleep 0.2
		done
		mu=$(awk "/^Uid:/{print \$2}" /proc/$m/status)
		wu=$(awk "/^Uid:/{print \$2}" /proc/$w/status)
		kill -QUIT "$m"; wait "$m" || true
		[ "$mu" = 0 ] && [ "$wu" = 101 ] ||
			{ echo "mkimages: nginx master uid $mu, worker uid $wu (want 0 and 101)" >&2; exit 1; }
	' sh "$1"
}

docker_archive() { # $1: out file, $2: config json, $3: repo:tag, rest: layer tars
	local out=$1 cfg=$2 tag=$3 d chex layers="" sep="" l lhex
	shift 3
	d="$WORK/docker-archive"
	rm -rf "$d" && mkdir -p "$d"
	chex=$(sha "$cfg")
	cp "$cfg" "$d/$chex.json"
	for l in "$@"; do
		lhex=$(sha "$l")
		mkdir -p "$d/$lhex"
		cp "$l" "$d/$lhex/layer.tar"
		printf '1.0' >"$d/$lhex/VERSION"
		layers="$layers$sep\"$lhex/layer.tar\""
		sep=,
	done
	printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":[%s]}]\n' "$chex" "$tag" "$layers" \
		>"$d/manifest.json"
	printf '{"%s":{"%s":"%s"}}\n' "${tag%%:*}" "${tag##*:}" "$lhex" >"$d/repositories"
	mktar "$d" "$out"
}

image_config() { # $1: out, $2: inner "config" object, rest: diff ids
	local out=$1 inner=$2 ids="" sep="" id
	shift 2
	for id in "$@"; do ids="$ids$sep\"sha256:$id\""; sep=,; done
	printf '{"architecture":"amd64","os":"linux","created":"%s","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}\n' \
		"$CREATED" "$inner" "$ids" >"$out"
}

make_nginx() {
	local base="$WORK/nginx-base" app="$WORK/nginx-app" merged="$WORK/nginx-rootfs" inner
	nginx_base_layer "$base"
	nginx_app_layer "$app"
	mktar "$base" "$WORK/nginx-l1.tar"
	mktar "$app" "$WORK/nginx-l2.tar"
	mkdir -p "$merged"
	tar -C "$merged" -xf "$WORK/nginx-l1.tar"
	tar -C "$merged" -xf "$WORK/nginx-l2.tar"
	check_nginx "$merged"
	inner=$(printf '{"ExposedPorts":{"80/tcp":{}},"Env":["PATH=%s","NGINX_VERSION=1.22.1"],"Cmd":["nginx","-g","daemon off;"],"StopSignal":"SIGQUIT"}' "$PATH_ENV")
	image_config "$WORK/nginx-config.json" "$inner" \
		"$(sha "$WORK/nginx-l1.tar")" "$(sha "$WORK/nginx-l2.tar")"
	docker_archive "$OUT/nginx.tar" "$WORK/nginx-config.json" nginx:latest \
		"$WORK/nginx-l1.tar" "$WORK/nginx-l2.tar"
}

blob() { # copy file $1 into the OCI layout $2 by digest; print the descriptor fields
	local h
	h=$(sha "$1")
	cp "$1" "$2/blobs/sha256/$h"
	printf '"digest":"sha256:%s","size":%s' "$h" "$(size "$1")"
}

make_busybox() {
	local bin="$WORK/bb-bin" etc="$WORK/bb-etc" oci="$WORK/bb-oci" inner d1 d2 l1 l2 c m
	mkdir -p "$bin/bin" "$etc/etc" "$etc/tmp" "$etc/root" "$WORK/bb"
	extract $BUSYBOX_DEB "$WORK/bb"
	install -m 0755 "$WORK/bb/bin/busybox" "$bin/bin/busybox"
	applets "$bin"
	chmod 1777 "$etc/tmp"
	chmod 0700 "$etc/root"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$etc/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$etc/etc/group"
	mktar "$bin" "$WORK/bb-l1.tar"
	mktar "$etc" "$WORK/bb-l2.tar"
	gzip -n -9 -c "$WORK/bb-l1.tar" >"$WORK/bb-l1.tar.gz"
	d1=$(sha "$WORK/bb-l1.tar")
	d2=$(sha "$WORK/bb-l2.tar")
	inner=$(printf '{"Env":["PATH=%s"],"Cmd":["sh"]}' "$PATH_ENV")
	image_config "$WORK/bb-config.json" "$inner" "$d1" "$d2"
	mkdir -p "$oci/blobs/sha256"
	c=$(blob "$WORK/bb-config.json" "$oci")
	l1=$(blob "$WORK/bb-l1.tar.gz" "$oci")
	l2=$(blob "$WORK/bb-l2.tar" "$oci")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json",%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",%s},{"mediaType":"application/vnd.oci.image.layer.v1.tar",%s}]}\n' \
		"$c" "$l1" "$l2" >"$WORK/bb-manifest.json"
	m=$(blob "$WORK/bb-manifest.json" "$oci")
	printf '{"imageLayoutVersion":"1.0.0"}\n' >"$oci/oci-layout"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",%s,"annotations":{"io.containerd.image.name":"docker.io/library/busybox:1.28","org.opencontainers.image.ref.name":"1.28"}}]}\n' \
		"$m" >"$oci/index.json"
	mktar "$oci" "$OUT/busybox.tar"
}

make_nginx
make_busybox
echo "mkimages: wrote $OUT/nginx.tar $OUT/busybox.tar"
