# SPDX-License-Identifier: Apache-2.0
# Registries for the tests: Debian's docker-registry on 127.0.0.1, each in
# $BATS_FILE_TMPDIR/reg-NAME (config, storage, log, pid, port), stopped by
# PID; images pushed into them with skopeo. Loaded after helpers.bash.

need_registry() {
	command -v docker-registry >/dev/null || skip "no docker-registry (apt-get install docker-registry)"
	command -v skopeo >/dev/null || skip "no skopeo (apt-get install skopeo)"
	[ -f "$IMAGES/busybox.tar" ] || skip "no $IMAGES/busybox.tar (tests/data/mkimages.sh)"
}

# setup_file of a file that pulls: the registry "main" with busybox pushed
# as REPO:TAG, library/busybox:1.28 by default (nothing when the tools are
# missing; need_registry skips each test then).
registry_main_start() { # [REPO:TAG]
	command -v docker-registry >/dev/null && command -v skopeo >/dev/null &&
		[ -f "$IMAGES/busybox.tar" ] || return 0
	registry_start main
	push "$IMAGES/busybox.tar" "127.0.0.1:$(reg_port main)/${1:-library/busybox:1.28}"
}

# setup of a test that pulls: an empty store, no credentials of the host's
# user, $REG the main registry.
registry_test_setup() {
	need_registry
	PEAPOD_ROOT=$(mktemp -d /tmp/peapod-test.XXXXXX)
	export PEAPOD_ROOT
	export HOME=$BATS_TEST_TMPDIR/home XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg
	REG=127.0.0.1:$(reg_port main)
}

# registry_auth_start NAME: a registry that wants basic auth (peapod:s3cret)
# with busybox:1.28 pushed; skips the test without htpasswd.
registry_auth_start() {
	command -v htpasswd >/dev/null || skip "no htpasswd (apt-get install apache2-utils)"
	htpasswd -Bbn peapod s3cret >"$BATS_FILE_TMPDIR/htpasswd-$1"
	registry_start "$1" "$BATS_FILE_TMPDIR/htpasswd-$1"
	push "$IMAGES/busybox.tar" "127.0.0.1:$(reg_port "$1")/library/busybox:1.28" \
		--dest-creds peapod:s3cret
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# registry_start NAME [HTPASSWD]: a registry in $BATS_FILE_TMPDIR/reg-NAME
# (no blob descriptor cache, so a tampered blob is served as it is on disk).
# REG_TLS="CERT KEY [CLIENT_CA]" serves HTTPS with that certificate (and
# asks for a client certificate signed by CLIENT_CA); REG_HOST (default
# 127.0.0.1) is the loopback address it listens on.
registry_start() {
	local dir=$BATS_FILE_TMPDIR/reg-$1 port host=${REG_HOST:-127.0.0.1} scheme=http
	local cert key clientca
	mkdir -p "$dir/storage"
	port=$(free_port)
	{
		printf '%s\n' 'version: 0.1' 'log:' '  level: error' 'storage:' '  filesystem:'
		printf '    rootdirectory: %s\n' "$dir/storage"
		printf '%s\n' 'http:' "  addr: $host:$port"
		if [ -n "${REG_TLS:-}" ]; then
			read -r cert key clientca <<<"$REG_TLS"
			printf '%s\n' '  tls:' "    certificate: $cert" "    key: $key"
			if [ -n "$clientca" ]; then
				printf '%s\n' '    clientcas:' "      - $clientca"
			fi
			scheme=https
		fi
		if [ -n "${2:-}" ]; then
			printf '%s\n' 'auth:' '  htpasswd:' '    realm: peapod-test' "    path: $2"
		fi
	} >"$dir/config.yml"
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	echo "$port" >"$dir/port"
	# listening (a registry that wants a client certificate refuses curl's TLS)
	wait_for 20 bash -c "curl -sk -o /dev/null '$scheme://$host:$port/v2/'; [ \$? -ne 7 ]"
}

registry_stop() { # NAME
	local pidfile=$BATS_FILE_TMPDIR/reg-$1/pid pid i
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

# proxy_start NAME UPSTREAM [MODE]: tests/data/registry/token-proxy.py in
# front of UPSTREAM (HOST:PORT) in $BATS_FILE_TMPDIR/reg-NAME, its log in log.
proxy_start() {
	server_start "$1" token-proxy.py "http://$2" @PORT@ ${3:+"$3"}
}

# server_start NAME SCRIPT ARG...: tests/data/registry/SCRIPT as a server
# in $BATS_FILE_TMPDIR/reg-NAME (log, pid, port; stopped by registry_stop
# NAME); the argument @PORT@ becomes the file it writes its port to.
server_start() {
	local name=$1 script=$2 dir=$BATS_FILE_TMPDIR/reg-$1 args=() a
	shift 2
	for a in "$@"; do
		[ "$a" = @PORT@ ] && a=$dir/port
		args+=("$a")
	done
	mkdir -p "$dir"
	rm -f "$dir/port"
	python3 "$TOP/tests/data/registry/$script" "${args[@]}" >"$dir/log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	wait_for 20 test -s "$dir/port"
}

reg_port() { # NAME
	cat "$BATS_FILE_TMPDIR/reg-$1/port"
}

# push TAR DEST [skopeo options]: an OCI or docker archive into a registry.
push() {
	local tar=$1 dest=$2 kind=docker-archive
	shift 2
	tar tf "$tar" | grep -qE '^(\./)?oci-layout$' && kind=oci-archive
	timeout 60 skopeo copy -q --dest-tls-verify=false "$@" "$kind:$tar" "docker://$dest" >/dev/null
}

manifest_of() { # REF [skopeo options]
	local ref=$1
	shift
	timeout 30 skopeo inspect --raw --tls-verify=false "$@" "docker://$ref"
}

# Stop every registry (and token proxy) this file started.
registries_stop() {
	local d
	for d in "$BATS_FILE_TMPDIR"/reg-*; do
		[ -d "$d" ] && registry_stop "${d##*/reg-}"
	done
	return 0
}

pp() {
	timeout 60 "$PEAPOD" "$@"
}

# tty_rows FILE: the progress rows a terminal session wrote to FILE, each
# redraw a line of its own, without the cursor and erase sequences.
tty_rows() {
	tr '\r' '\n' <"$1" | sed $'s/\e\\[[0-9]*[AK]//g' | grep -E "^Copying (blob|config) "
}
