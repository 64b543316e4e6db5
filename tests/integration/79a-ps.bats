#!/usr/bin/env bats
# peapod ps POD: which process belongs to which container (issue 12), on
# the seed page's shared pod and on an unshared one with a sidecar; and an
# exec of a command an image does not have ends at once with the runtime's
# words.

# shellcheck disable=SC2016 # the runtime's literal $PATH
bats_require_minimum_version 1.5.0

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

# The row of `peapod ps` output ($1) whose COMMAND is $2, as
# "CONTAINER PID HOSTPID USER" (the columns before COMMAND).
row_of() {
	awk -v cmd="$2" 'NR > 1 {
		c = $0
		for (i = 0; i < 4; i++) sub(/^[^ ]+ +/, "", c)
		if (c == cmd) { print $1, $2, $3, $4; exit }
	}' <<<"$1"
}

# `peapod exec nginx -c shell -- ps ax`'s PID of COMMAND $1.
inner_pid() {
	local p
	p=$(peapod exec nginx -c shell -- ps ax | awk -v pat="$1" 'NR > 1 && index($0, pat) { print $1; exit }')
	[ -n "$p" ] && echo "$p"
}

@test "ps on the seed page's pod: nginx's master and worker, shell's sleep, pause as the sandbox" {
	run peapod apply -f "$SEEDS/share-process-namespace.yaml"
	[ "$status" -eq 0 ]
	wait_for 30 pod_is nginx Running
	wait_for 10 inner_pid "nginx: worker process"
	run peapod ps nginx
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^CONTAINER\ +PID\ +HOST\ PID\ +USER\ +COMMAND$ ]]
	# the sandbox first, then the containers in spec order
	[[ "${lines[1]}" =~ ^\(sandbox\)\ +1\ +[0-9]+\ +0\ +/pause$ ]]
	[[ "${lines[2]}" =~ ^nginx\  ]]
	[[ "${lines[3]}" =~ ^nginx\  ]]
	[[ "${lines[4]}" =~ ^shell\ .*\ sleep\ 3600$ ]]
	[ "${#lines[@]}" -eq 5 ]
	read -r ctr pid host user <<<"$(row_of "$output" "nginx: master process nginx -g daemon off;")"
	[ "$ctr" = nginx ]
	[ "$user" = root ]
	# the PID inside the pod is the one its ps shows, the host PID is the same process
	[ "$pid" = "$(inner_pid "nginx: master process")" ]
	[ "$(awk '/^NSpid:/ {print $NF}' "/proc/$host/status")" = "$pid" ]
	read -r ctr pid host user <<<"$(row_of "$output" "nginx: worker process")"
	# uid 101 named from the nginx container's /etc/passwd
	[ "$ctr" = nginx ]
	[ "$user" = nginx ]
	[ "$(awk '/^Uid:/ {print $3}' "/proc/$host/status")" = 101 ]
	read -r ctr pid host user <<<"$(row_of "$output" "sleep 3600")"
	[ "$ctr" = shell ]
	[ "$user" = root ]
	[ "$pid" = "$(inner_pid "sleep 3600")" ]
	read -r ctr pid host user <<<"$(row_of "$output" "/pause")"
	[ "$host" = "$(peapod_field nginx sandboxPid)" ]

	# -o json: the same rows as objects
	run peapod ps nginx -o json
	[ "$status" -eq 0 ]
	jq -e 'length == 4' <<<"$output"
	jq -e '.[0] | .sandbox == true and .container == null and .pid == 1 and .command == "/pause" and .uid == 0' <<<"$output"
	jq -e '[.[] | select(.container == "nginx") | .command] ==
		["nginx: master process nginx -g daemon off;", "nginx: worker process"]' <<<"$output"
	jq -e '.[] | select(.command == "nginx: worker process") | .user == "nginx" and .uid == 101 and .sandbox == false' <<<"$output"
	jq -e '.[3] | .container == "shell" and .user == "root" and (.hostPID | type) == "number"' <<<"$output"

	# a process exec'd into a container is that container's
	timeout 30 "$PEAPOD" exec nginx -c shell -- sleep 7 &
	execd=$!
	in_shell() { peapod ps nginx | grep -Eq '^shell +[0-9]+ +[0-9]+ +root +sleep 7$'; }
	wait_for 10 in_shell
	wait "$execd"
}

@test "ps on an unshared pod with a sidecar: each container's process is PID 1 of its own namespace" {
	manifest "$BATS_TEST_TMPDIR/u.yaml" u <<'YAML'
  initContainers:
  - name: init
    image: busybox:1.28
    command: ["true"]
  - name: side
    image: busybox:1.28
    command: ["sleep", "3601"]
    restartPolicy: Always
  containers:
  - name: app
    image: busybox:1.28
    # odd bytes in a command line are shown escaped, never raw
    command: ["sh", "-c", "trap : TERM; sleep 3602 & wait # \e[2J\x01end"]
    securityContext: {runAsUser: 65534}
  - name: num
    image: busybox:1.28
    command: ["sleep", "3603"]
    securityContext: {runAsUser: 4242}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/u.yaml"
	[ "$status" -eq 0 ]
	wait_for 30 pod_is u Running
	all_up() { [ "$(peapod ps u | grep -cE 'sleep 360[123]$')" -eq 3 ]; }
	wait_for 20 all_up
	run peapod ps u
	echo "$output"
	[ "$status" -eq 0 ]
	# the init container has ended; the sidecar comes before the app containers
	[[ "${lines[1]}" =~ ^\(sandbox\)\ +1\ +[0-9]+\ +0\ +/pause$ ]]
	[[ "${lines[2]}" =~ ^side\ +1\ +[0-9]+\ +root\ +sleep\ 3601$ ]]
	[[ "${lines[3]}" =~ ^app\ +1\ +[0-9]+\ +nobody\  ]]
	[[ "${lines[3]}" == *' sh -c trap : TERM; sleep 3602 & wait # \x1b[2J\x01end' ]]
	[[ "${lines[4]}" =~ ^app\ +[0-9]+\ +[0-9]+\ +nobody\ +sleep\ 3602$ ]]
	[[ "${lines[5]}" =~ ^num\ +1\ +[0-9]+\ +4242\ +sleep\ 3603$ ]]
	[ "${#lines[@]}" -eq 6 ]
	[[ "$output" != *$'\e'* ]]
	[[ "$output" != *init* ]]
	run peapod ps u --no-headers -o yaml
	[ "$status" -eq 0 ]
	[[ "$output" == *"container: side"* ]]
}

@test "a container named sandbox has a cgroup of its own, not the pause process's" {
	manifest "$BATS_TEST_TMPDIR/s.yaml" s <<'YAML'
  containers:
  - name: sandbox
    image: busybox:1.28
    command: ["sh", "-c", "sleep 3604; exit 3"]
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/s.yaml"
	[ "$status" -eq 0 ]
	wait_for 30 pod_is s Running
	slept() { peapod ps s | grep -q 'sleep 3604$'; }
	wait_for 20 slept
	run peapod ps s --no-headers
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^\(sandbox\)\ +1\ +[0-9]+\ +0\ +/pause$ ]]
	[[ "${lines[1]}" =~ ^sandbox\ +1\ +[0-9]+\ +root\ +sh\ -c ]]
	[[ "${lines[2]}" =~ ^sandbox\ +[0-9]+\ +[0-9]+\ +root\ +sleep\ 3604$ ]]
	[ "${#lines[@]}" -eq 3 ]
	# the container's exit and restart end its own cgroup only: pause lives on
	pause=$(peapod_field s sandboxPid)
	kill "$(awk '{print $3}' <<<"${lines[2]}")"
	restarted() { peapod get pod s --no-headers | awk '{exit !($4 >= 1)}'; }
	wait_for 30 restarted
	kill -0 "$pause"
	run peapod ps s --no-headers
	[[ "${lines[0]}" =~ ^\(sandbox\)\ +1\ +${pause}\ +0\ +/pause$ ]]
}

@test "ps of a pod that does not exist, does not run, or has completed: kubectl's errors" {
	run peapod ps nope
	[ "$status" -eq 1 ]
	[ "$output" = 'Error from server (NotFound): pods "nope" not found' ]
	run peapod ps -n other nope
	[ "$status" -eq 1 ]
	[ "$output" = 'Error from server (NotFound): pods "nope" not found' ]
	run peapod ps
	[ "$status" -eq 1 ]
	[[ "$output" == "error: expected exactly one pod name"* ]]
	run peapod ps x -o wide
	[ "$status" -eq 1 ]
	[[ "$output" == 'error: unable to match a printer suitable for the output format "wide"'* ]]
	# not placed on the node: nothing runs
	manifest "$BATS_TEST_TMPDIR/p.yaml" pend <<'YAML'
  nodeSelector: {disktype: none}
  containers:
  - name: c
    image: busybox:1.28
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 10 pod_is pend Pending
	run peapod ps pend
	[ "$status" -eq 1 ]
	[ "$output" = "error: unable to list processes because pod is not running. Current status=Pending" ]
	completed_pod fin
	run peapod ps fin
	[ "$status" -eq 1 ]
	[ "$output" = "error: cannot list the processes of a completed pod; current phase is Succeeded" ]
}

# A docker-archive image noshell:1 of one file, /pause (static), and no
# shell; loaded into the test's store.
load_noshell() {
	local d=$BATS_TEST_TMPDIR/noshell diff cfg
	mkdir -p "$d/root" "$d/arch"
	cp "$BUILD/src/pause/peapod-pause" "$d/root/pause"
	tar -C "$d/root" --owner=0 --group=0 --numeric-owner -cf "$d/arch/layer.tar" pause
	diff=$(sha256sum "$d/arch/layer.tar" | cut -d' ' -f1)
	jq -n --arg d "sha256:$diff" --arg a "$(dpkg --print-architecture)" \
		'{architecture: $a, os: "linux", config: {Entrypoint: ["/pause"]},
		  rootfs: {type: "layers", diff_ids: [$d]}}' >"$d/cfg.json"
	cfg=$(sha256sum "$d/cfg.json" | cut -d' ' -f1)
	mv "$d/cfg.json" "$d/arch/$cfg.json"
	jq -n --arg c "$cfg.json" '[{Config: $c, RepoTags: ["noshell:1"], Layers: ["layer.tar"]}]' \
		>"$d/arch/manifest.json"
	tar -C "$d/arch" -cf "$d/noshell.tar" .
	peapod image load -i "$d/noshell.tar" >/dev/null
}

@test "exec of a command an image does not have ends at once: the runtime's words, exit 127 (126: not executable)" {
	load_noshell
	manifest "$BATS_TEST_TMPDIR/n.yaml" n <<'YAML'
  containers:
  - name: bare
    image: noshell:1
    imagePullPolicy: Never
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/n.yaml"
	wait_for 30 pod_is n Running
	run -127 timeout 20 "$PEAPOD" exec n -- sh
	[ "$output" = 'error: exec: "sh": executable file not found in $PATH' ]
	run -127 timeout 20 "$PEAPOD" exec -i n -- /bin/sh -c true
	[ "$output" = 'error: exec: "/bin/sh": No such file or directory' ]
	# with a terminal, as `exec -it POD -- sh` is typed
	if command -v script >/dev/null; then
		run -127 timeout 20 script -qec "$PEAPOD exec -it n -- sh" /dev/null
		[[ "$output" == *'error: exec: "sh": executable file not found in $PATH'* ]]
	fi
	run -126 timeout 20 "$PEAPOD" exec n -- /
	[ "$output" = 'error: exec: "/": Permission denied' ]
	# the pod runs on, and ps shows its one process
	pod_is n Running
	run peapod ps n
	[[ "${lines[2]}" =~ ^bare\ +1\ +[0-9]+\ +0\ +/pause$ ]]
	[ "${#lines[@]}" -eq 3 ]
}
