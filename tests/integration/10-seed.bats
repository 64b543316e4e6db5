#!/usr/bin/env bats
# The seed page, step by step: a pod whose containers share one process
# namespace (kubernetes.io "Share Process Namespace between Containers in a
# Pod"), with both of its manifests.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

# ps ax inside the shell container, as the page runs it.
ps_ax() {
	peapod exec nginx -c shell -- ps ax
}

# PID of the line of `ps ax` output ($1) whose COMMAND matches $2.
pid_of() {
	awk -v pat="$2" 'NR > 1 && index($0, pat) { print $1; exit }' <<<"$1"
}

worker_pid() {
	pid_of "$(ps_ax)" "nginx: worker process"
}

seed_steps() {
	# nginx (":latest", imagePullPolicy Always) is pulled at each start,
	# from the suite's registry serving docker.io; busybox:1.28 is present
	run --separate-stderr peapod apply -f "$SEEDS/$1"
	[ "$status" -eq 0 ]
	[ "$output" = "pod/nginx created" ]
	[ "${stderr_lines[0]}" = "Trying to pull docker.io/library/nginx:latest..." ]
	[[ "$stderr" != *busybox* ]]
	wait_for 30 pod_is nginx Running
	run peapod get pods
	[[ "${lines[1]}" =~ ^nginx\ +2/2\ +Running\ +0\  ]]

	# ps ax: /pause is PID 1, nginx's master and a worker owned by 101, our ps
	wait_for 10 worker_pid
	run ps_ax
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "${lines[0]}" =~ ^\ *PID\ +USER ]]
	[[ "$output" =~ (^|$'\n')\ *1\ +root\ +/pause($'\n'|$) ]]
	master=$(pid_of "$output" "nginx: master process nginx -g daemon off;")
	worker=$(pid_of "$output" "nginx: worker process")
	[ -n "$master" ] && [ -n "$worker" ]
	awk -v p="$worker" '$1 == p { print $2 }' <<<"$output" | grep -qx 101
	awk -v p="$master" '$1 == p { print $2 }' <<<"$output" | grep -qx root
	[[ "$output" =~ ps\ ax ]]

	# kill -HUP the master from the shell: same master, a new worker
	run peapod exec nginx -c shell -- kill -HUP "$master"
	[ "$status" -eq 0 ]
	new_worker() {
		local out w
		out=$(ps_ax)
		w=$(pid_of "$out" "nginx: worker process")
		[ -n "$w" ] && [ "$w" != "$worker" ] && [ "$(pid_of "$out" "nginx: master process")" = "$master" ]
	}
	wait_for 20 new_worker

	# the nginx container's files through /proc/PID/root
	run peapod exec nginx -c shell -- head /proc/"$master"/root/etc/nginx/nginx.conf
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "user  nginx;" ]
	[ "${lines[1]}" = "worker_processes  1;" ]
	[[ "$output" =~ "error_log  /var/log/nginx/error.log warn;" ]]
	[[ "$output" =~ "pid        /var/run/nginx.pid;" ]]
	[[ "$output" =~ "worker_connections  1024;" ]]

	run peapod delete pod nginx
	[ "$status" -eq 0 ]
	[ "$output" = 'pod "nginx" deleted' ]
	run peapod get pods
	[ "$status" -eq 0 ]
	[ -z "$output" ] || [[ "$output" =~ "No resources found" ]]
}

@test "seed page: shared PID namespace, without SYS_PTRACE (sleep 3600 shell)" {
	seed_steps share-process-namespace.yaml
}

@test "seed page: shared PID namespace, with SYS_PTRACE (interactive sh, tty)" {
	seed_steps share-process-namespace-ptrace.yaml
}

@test "kill -HUP 1 in a shared pod signals pause, which keeps running" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	run peapod exec nginx -c shell -- kill -HUP 1
	[ "$status" -eq 0 ]
	run ps_ax
	[[ "$output" =~ (^|$'\n')\ *1\ +root\ +/pause($'\n'|$) ]]
	pod_is nginx Running
}

@test "without shareProcessNamespace each container has its own PID 1" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" solo <<'YAML'
  containers:
  - name: nginx
    image: nginx
  - name: shell
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is solo Running
	run peapod exec solo -c shell -- ps ax
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" =~ (^|$'\n')\ *1\ +root\ +sleep\ 3600($'\n'|$) ]]
	[[ ! "$output" =~ nginx ]]
	[[ ! "$output" =~ pause ]]
	run peapod exec solo -c nginx -- ps ax
	[[ "$output" =~ (^|$'\n')\ *1\ +root\ +nginx:\ master ]]
}

@test "exec -it gives an interactive shell through a real pty" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	run timeout 30 script -qec "$PEAPOD exec -it nginx -c shell -- /bin/sh" /dev/null \
		< <(printf 'tty; echo answer-$((6*7))\nexit 3\n'; sleep 5)
	echo "$output"
	[[ "$output" =~ answer-42 ]]
	[[ "$output" =~ /dev/pts/[0-9] ]]
	[ "$status" -eq 3 ]
}

@test "delete kills daemonized children of a shared-PID container" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" daemon <<'YAML'
  shareProcessNamespace: true
  terminationGracePeriodSeconds: 2
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "setsid sleep 7777 & exec sleep 3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is daemon Running
	peapod exec daemon -- sh -c 'setsid sleep 7778 </dev/null >/dev/null 2>&1 &'
	wait_for 10 pgrep -f "^sleep 7777$"
	wait_for 10 pgrep -f "^sleep 7778$"
	run peapod delete pod daemon
	[ "$status" -eq 0 ]
	run pgrep -f "^sleep 777[78]$"
	[ "$status" -eq 1 ]
}

@test "delete ends an open exec session" {
	peapod apply -f "$SEEDS/share-process-namespace.yaml"
	wait_for 30 pod_is nginx Running
	peapod exec nginx -c shell -- sleep 600 &
	execpid=$!
	wait_for 10 pgrep -f "^sleep 600$"
	peapod delete pod nginx --now
	wait_for 10 bash -c "! kill -0 $execpid"
}
