#!/usr/bin/env bats
# kubectl's verbs around pods: get -l SELECTOR, --show-labels, get -w,
# top pod and cp.

load helpers

setup() {
	setup_root
}

teardown() {
	# a watch a failed test left running
	[ -z "${watch_pid:-}" ] || kill "$watch_pid" 2>/dev/null || true
	teardown_root
}

# Start `peapod get ARGS` in the background, output to $out.
watch_start() {
	out=$BATS_TEST_TMPDIR/watch
	"$PEAPOD" get "$@" >"$out" 2>&1 3>&- &
	watch_pid=$!
}

# Stop it with signal SIG; its exit status must be 0.
watch_stop() { # SIG
	local rc=0
	kill "-$1" "$watch_pid"
	wait "$watch_pid" || rc=$?
	watch_pid=
	[ "$rc" -eq 0 ]
}

labelled() { # NAME LABELS-FLOW-MAP [COMMAND]
	cat >"$BATS_TEST_TMPDIR/$1.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $1
  labels: $2
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "${3:-sleep 3600}"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/$1.yaml"
}

names() { # get args... → the NAME column, one a line
	peapod get pods --no-headers "$@" | awk '{print $1}' | sort | tr '\n' ' '
}

@test "get -l selects pods by equality, set and existence requirements" {
	labelled web '{app: web, tier: front}'
	labelled db '{app: db, tier: back}'
	labelled bare '{}'
	[ "$(names -l app=web)" = "web " ]
	[ "$(names -l app==web)" = "web " ]
	[ "$(names --selector 'app!=web')" = "bare db " ]
	[ "$(names -l 'tier in (front,back)')" = "db web " ]
	[ "$(names -l 'app notin (web)')" = "bare db " ]
	[ "$(names -l 'app')" = "db web " ]
	[ "$(names -l '!app')" = "bare " ]
	[ "$(names -l 'app,tier notin (back)')" = "web " ]
	[ "$(peapod get pods -l app=web -o name)" = "pod/web" ]
	run peapod get pods -l app=none
	[ "$status" -eq 0 ]
	[ "$output" = "No resources found in default namespace." ]
}

@test "get -l refuses a bad selector in the API server's words" {
	run peapod get pods -l 'app ('
	[ "$status" -eq 1 ]
	[ "$output" = "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label selector \"app (\", field selector \"\": unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt" ]
	run peapod get pods -l 'app:web'
	[ "$status" -eq 1 ]
	[[ "$output" == *'unable to parse requirement: <nil>: Invalid value: "app:web": name part must consist of'* ]]
	run peapod get pods web -l app=web
	[ "$status" -eq 1 ]
	[[ "$output" == *"selectors and the all flag cannot be used when passing resource/name arguments"* ]]
}

@test "get --show-labels adds the LABELS column, sorted, <none> when empty" {
	labelled web '{tier: front, app: web}'
	labelled bare '{}'
	run peapod get pods --show-labels
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NAME\ +READY\ +STATUS\ +RESTARTS\ +AGE\ +LABELS$ ]]
	echo "$output" | grep -E '^web .* app=web,tier=front$'
	echo "$output" | grep -E '^bare .* <none>$'
	run peapod get pods -o wide --show-labels web
	[[ "${lines[0]}" =~ IP\ +NODE\ +NOMINATED\ NODE\ +READINESS\ GATES\ +LABELS$ ]]
	[[ "${lines[1]}" == *" app=web,tier=front" ]]
}

@test "get -w prints a row when a pod changes and ends on SIGTERM" {
	labelled w '{app: w}' 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 3'
	wait_for 30 pod_is w Running
	watch_start pods -w
	wait_for 10 grep -q '^w .*Running' "$out"
	release w
	wait_for 30 grep -q '^w .*Error' "$out" || { cat "$out"; false; }
	watch_stop TERM
	[ "$(grep -c '^NAME' "$out")" -eq 1 ]
}

@test "get -w --watch-only -o json prints only changed objects" {
	labelled w '{app: w}' 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 3'
	wait_for 30 pod_is w Running
	watch_start pods w --watch-only -o json
	sleep 0.5
	release w
	wait_for 30 grep -q '"reason": "Error"' "$out"
	watch_stop INT
	! grep -q '"phase": "Running"' "$out" || false
}

@test "top pod shows the CPU and memory of a running pod, --containers per container" {
	labelled t '{app: t}' 'head -c 8388608 /dev/zero >/dev/shm/fill; touch /tmp/ready; sleep 3600'
	wait_for 30 pod_is t Running
	wait_for 30 peapod exec t -- test -e /tmp/ready
	run peapod top pod
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NAME\ +CPU\(cores\)\ +MEMORY\(bytes\)$ ]]
	[[ "${lines[1]}" =~ ^t\ +[0-9]+m\ +([0-9]+)Mi$ ]]
	[ "${BASH_REMATCH[1]}" -ge 8 ]
	run peapod top pod t --containers -A
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^NAMESPACE\ +POD\ +NAME\ +CPU\(cores\)\ +MEMORY\(bytes\)$ ]]
	[[ "${lines[1]}" =~ ^default\ +t\ +c\ +[0-9]+m\ +[0-9]+Mi$ ]]
	run peapod top pod -l app=none
	[ "$output" = "No resources found in default namespace." ]
	run peapod top pod nope
	[ "$status" -eq 1 ]
	[ "$output" = 'Error from server (NotFound): pods "nope" not found' ]
}

@test "cp copies a file and a folder into a container and back" {
	labelled c '{app: c}'
	wait_for 30 pod_is c Running
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/src/sub"
	echo hello >"$d/src/a"
	echo deep >"$d/src/sub/b"
	peapod cp "$d/src/a" c:/tmp/a
	[ "$(peapod exec c -- cat /tmp/a)" = hello ]
	peapod cp "$d/src" c:/tmp/dir
	[ "$(peapod exec c -- cat /tmp/dir/sub/b)" = deep ]
	# into an existing folder: under the source's name
	peapod cp -c c "$d/src" default/c:/tmp
	[ "$(peapod exec c -- cat /tmp/src/a)" = hello ]
	peapod cp c:/tmp/dir "$d/back"
	[ "$(cat "$d/back/a")" = hello ]
	[ "$(cat "$d/back/sub/b")" = deep ]
	peapod cp -n default c:/etc/hostname "$d/hostname"
	[ "$(cat "$d/hostname")" = c ]
	run peapod cp c:/nope "$d/nope"
	[ "$status" -eq 1 ]
	[[ "$output" == *"tar: nope: No such file or directory"* ]]
	run peapod cp "$d/a" "$d/b"
	[ "$status" -eq 1 ]
	[[ "$output" == *"one of src or dest must be a remote file specification"* ]]
	run peapod cp "$d/missing" c:/tmp/x
	[[ "$output" == *"$d/missing doesn't exist in local filesystem"* ]]
}

@test "cp from a hostile container: entries outside and symlinks skipped, host symlinks not followed" {
	labelled c '{app: c}'
	wait_for 30 pod_is c Running
	local d=$BATS_TEST_TMPDIR
	# the container's tar is replaced by one that sends a crafted stream
	python3 - "$d/hostile.tar" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w")
def add(name, data=b"x", typ=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(name); i.type = typ; i.linkname = link
    if typ == tarfile.REGTYPE:
        i.size = len(data); t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
add("evil/", typ=tarfile.DIRTYPE)
add("evil/ok", b"fine")
add("evil/../escaped", b"bad")
add("evil/link", typ=tarfile.SYMTYPE, link="/")
add("evil/hop/x", b"through")
i = tarfile.TarInfo("evil/suid"); i.mode = 0o4755; i.size = 2
t.addfile(i, io.BytesIO(b"#!"))
add("evil/hard", typ=tarfile.LNKTYPE, link="etc/passwd")
t.close()
PY
	peapod cp "$d/hostile.tar" c:/tmp/hostile.tar
	peapod exec c -- sh -c 'rm /bin/tar && printf "#!/bin/sh\ncat /tmp/hostile.tar\n" >/bin/tar && chmod +x /bin/tar'
	mkdir "$d/dest"
	run peapod cp c:/tmp/evil "$d/dest/out"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: file \"out/../escaped\" is outside target destination, skipping"* ]]
	[[ "$output" == *"warning: skipping symlink: \"out/link\" -> \"/\""* ]]
	[ "$(cat "$d/dest/out/ok")" = fine ]
	[ ! -e "$d/dest/escaped" ]
	[ ! -L "$d/dest/out/link" ]
	[ "$(stat -c %a "$d/dest/out/suid")" = 755 ]
	[ ! -e "$d/dest/out/hard" ]
	# a symlink already in the destination is not written through
	mkdir "$d/outside"
	rm -rf "$d/dest/out"
	mkdir "$d/dest/out"
	ln -s "$d/outside" "$d/dest/out/hop"
	run peapod cp c:/tmp/evil "$d/dest/out"
	[ "$status" -eq 1 ]
	[ ! -e "$d/outside/x" ]
}

@test "apply of changed labels and annotations says configured; they reach a downwardAPI file; a spec change is refused" {
	cat >"$BATS_TEST_TMPDIR/m.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: meta
  labels: {app: web}
spec:
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts: [{name: info, mountPath: /info}]
  volumes:
  - name: info
    downwardAPI:
      items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/m.yaml"
	[ "$status" -eq 0 ]
	wait_for 60 pod_is meta Running
	run peapod apply -f "$BATS_TEST_TMPDIR/m.yaml"
	[ "$output" = "pod/meta unchanged" ]
	sed -i 's/labels: {app: web}/labels: {app: web, tier: front}\n  annotations: {owner: me}/' \
		"$BATS_TEST_TMPDIR/m.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/m.yaml"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/meta configured" ]
	[ "$(peapod get pod meta -o json | jq -r '.metadata.labels.tier')" = front ]
	[ "$(peapod get pod meta -o json | jq -r '.metadata.annotations.owner')" = me ]
	wait_for 30 sh -c "'$PEAPOD' exec meta -- cat /info/labels | grep -qx 'tier=\"front\"'"
	# the monitor's copy changed too: a label set by `label` reaches the file
	peapod label pod meta stage=beta
	wait_for 30 sh -c "'$PEAPOD' exec meta -- cat /info/labels | grep -qx 'stage=\"beta\"'"
	sed -i 's/"sleep", "3600"/"sleep", "3601"/' "$BATS_TEST_TMPDIR/m.yaml"
	run peapod apply -f "$BATS_TEST_TMPDIR/m.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'The Pod "meta" is invalid: spec: Forbidden: pod updates may not change'* ]]
}
