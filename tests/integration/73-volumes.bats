#!/usr/bin/env bats
# spec.volumes (emptyDir on disk and in memory, hostPath with its type
# checks) and containers[].volumeMounts (readOnly, subPath), laid out as the
# kubelet does under the pod folder, and the subPath symlink escape refused.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

# The waiting message of container C of pod P (CreateContainerError...).
waiting_message() { # P C
	peapod get pods "$1" -o json | jq -r --arg c "$2" \
		'.status.containerStatuses[] | select(.name == $c) | .state.waiting.message // empty'
}

logs_have() { # P C TEXT
	peapod logs "$1" -c "$2" | grep -qF -- "$3"
}

message_has() { # P C TEXT
	waiting_message "$1" "$2" | grep -qF -- "$3"
}

@test "a log-handler sidecar reads what the app writes into a shared emptyDir" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" shared <<'YAML'
  containers:
  - name: app
    image: busybox:1.28
    command: ["sh", "-c", "echo hello-from-app > /var/log/app/msg; sleep 3600"]
    volumeMounts:
    - {name: logs, mountPath: /var/log/app}
  - name: sidecar
    image: busybox:1.28
    command: ["sh", "-c", "while [ ! -s /logs/msg ]; do sleep 0.1; done; cat /logs/msg; sleep 3600"]
    volumeMounts:
    - {name: logs, mountPath: /logs}
  volumes:
  - name: logs
    emptyDir: {}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is shared Running
	wait_for 30 logs_have shared sidecar hello-from-app
	uid=$(pod_uid shared)
	dir=$PEAPOD_ROOT/run/pods/$uid/volumes/kubernetes.io~empty-dir/logs
	[ "$(stat -c %a "$dir")" = 777 ]
	[ "$(cat "$dir/msg")" = hello-from-app ]
	# a folder on disk, not a mount
	! grep -q " $dir " /proc/self/mountinfo || false
	# the sidecar writes too, the app sees it
	peapod exec shared -c sidecar -- sh -c 'echo back > /logs/reply'
	run peapod exec shared -c app -- cat /var/log/app/reply
	[ "$output" = back ]
	peapod delete pod shared --now
	[ ! -e "$PEAPOD_ROOT/run/pods/$uid" ]
}

@test "readOnly: writes are refused with Read-only file system" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" ro <<'YAML'
  containers:
  - name: w
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: v, mountPath: /rw}
  - name: r
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: v, mountPath: /ro, readOnly: true}
  volumes:
  - {name: v, emptyDir: {}}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is ro Running
	run peapod exec ro -c r -- touch /ro/x
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	peapod exec ro -c w -- sh -c 'echo data > /rw/x'
	run peapod exec ro -c r -- cat /ro/x
	[ "$status" -eq 0 ]
	[ "$output" = data ]
	run peapod exec ro -c r -- grep ' /ro ' /proc/mounts
	[[ "$output" == *" ro,"* ]]
}

@test "emptyDir medium Memory is a tmpfs of sizeLimit; gone after delete" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" mem <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: cache, mountPath: /data}
  volumes:
  - name: cache
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is mem Running
	run peapod exec mem -c c -- grep ' /data ' /proc/mounts
	[ "$status" -eq 0 ]
	[[ "$output" == "tmpfs /data tmpfs "* ]]
	[[ "$output" == *"size=16384k"* ]]
	[[ "$output" == *nosuid* && "$output" == *nodev* ]]
	uid=$(pod_uid mem)
	dir=$PEAPOD_ROOT/run/pods/$uid/volumes/kubernetes.io~empty-dir/cache
	grep " $dir " /proc/self/mountinfo | grep -q ' - tmpfs '
	[ "$(stat -c %a "$dir")" = 777 ]
	# sizeLimit is enforced by the tmpfs
	run peapod exec mem -c c -- dd if=/dev/zero of=/data/big bs=1M count=32
	[ "$status" -ne 0 ]
	peapod delete pod mem --now
	! grep -q "$uid" /proc/self/mountinfo || false
	[ ! -e "$PEAPOD_ROOT/run/pods/$uid" ]
}

@test "hostPath DirectoryOrCreate and FileOrCreate create on the host; the container writes into them" {
	host=$BATS_TEST_TMPDIR/hp/new/dir
	mkdir -p "$BATS_TEST_TMPDIR/hf"
	manifest "$BATS_TEST_TMPDIR/p.yaml" hp <<YAML
  containers:
  - name: c
    image: busybox:1.28
    command: ["sh", "-c", "echo from-container > /host/f; echo line > /file; sleep 3600"]
    volumeMounts:
    - {name: h, mountPath: /host}
    - {name: f, mountPath: /file}
  volumes:
  - name: h
    hostPath: {path: $host, type: DirectoryOrCreate}
  - name: f
    hostPath: {path: $BATS_TEST_TMPDIR/hf/created, type: FileOrCreate}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is hp Running
	[ -d "$host" ]
	[ "$(stat -c %a "$host")" = 755 ]
	[ -f "$BATS_TEST_TMPDIR/hf/created" ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/hf/created")" = 644 ]
	wait_for 30 test -s "$BATS_TEST_TMPDIR/hf/created"
	[ "$(cat "$BATS_TEST_TMPDIR/hf/created")" = line ]
	wait_for 30 test -s "$host/f"
	[ "$(cat "$host/f")" = from-container ]
	peapod delete pod hp --now
	# a hostPath outlives the pod
	[ "$(cat "$host/f")" = from-container ]
}

@test "hostPath type File on a missing path: the container fails with the kubelet's message" {
	missing=$BATS_TEST_TMPDIR/nope/file
	touch "$BATS_TEST_TMPDIR/afile"
	manifest "$BATS_TEST_TMPDIR/p.yaml" hpf <<YAML
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: h, mountPath: /f}
  - name: d
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: notdir, mountPath: /d}
  volumes:
  - name: h
    hostPath: {path: $missing, type: File}
  - name: notdir
    hostPath: {path: $BATS_TEST_TMPDIR/afile, type: Directory}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 message_has hpf c "hostPath type check failed: $missing is not a file"
	wait_for 30 message_has hpf d "hostPath type check failed: $BATS_TEST_TMPDIR/afile is not a directory"
	run waiting_message hpf c
	[[ "$output" == "MountVolume.SetUp failed for volume \"h\" : hostPath type check failed:"* ]]
	run peapod get pods hpf
	[[ "$output" == *CreateContainerError* ]]
	# nothing was created
	[ ! -e "$BATS_TEST_TMPDIR/nope" ]
}

@test "subPath to a file and to a folder" {
	mkdir -p "$BATS_TEST_TMPDIR/conf"
	echo 'key=value' >"$BATS_TEST_TMPDIR/conf/app.conf"
	manifest "$BATS_TEST_TMPDIR/p.yaml" sub <<YAML
  containers:
  - name: app
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: conf, mountPath: /etc/app.conf, subPath: app.conf, readOnly: true}
    - {name: data, mountPath: /work, subPath: a/b}
  - name: whole
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: data, mountPath: /vol}
  volumes:
  - name: conf
    hostPath: {path: $BATS_TEST_TMPDIR/conf, type: Directory}
  - name: data
    emptyDir: {}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sub Running
	run peapod exec sub -c app -- cat /etc/app.conf
	[ "$output" = key=value ]
	# a file, not the folder
	run peapod exec sub -c app -- ls /etc/app.conf
	[ "$output" = /etc/app.conf ]
	peapod exec sub -c app -- sh -c 'echo in-sub > /work/x'
	run peapod exec sub -c whole -- cat /vol/a/b/x
	[ "$output" = in-sub ]
	# the missing folders were made inside the volume
	run peapod exec sub -c whole -- ls /vol
	[ "$output" = a ]
}

@test "subPath through a planted symlink to / is refused; the host's /etc is never bound" {
	# hostPath: a folder where an earlier container left x -> /
	vol=$BATS_TEST_TMPDIR/vol
	mkdir -p "$vol"
	ln -s / "$vol/x"
	ln -s ../../../../../../.. "$vol/up"
	manifest "$BATS_TEST_TMPDIR/p.yaml" esc <<YAML
  containers:
  - name: victim
    image: busybox:1.28
    command: ["sh", "-c", "cat /hostetc/passwd; sleep 3600"]
    volumeMounts:
    - {name: v, mountPath: /hostetc, subPath: x/etc}
  - name: victim2
    image: busybox:1.28
    command: ["sh", "-c", "cat /hostetc/passwd; sleep 3600"]
    volumeMounts:
    - {name: v, mountPath: /hostetc, subPath: up/etc}
  volumes:
  - name: v
    hostPath: {path: $vol}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 message_has esc victim \
		'failed to prepare subPath for volumeMount "v" of container "victim"'
	wait_for 30 message_has esc victim2 \
		'failed to prepare subPath for volumeMount "v" of container "victim2"'
	uid=$(pod_uid esc)
	! grep "$uid/volume-subpaths" /proc/self/mountinfo | grep -q ' /etc ' || false
	run peapod logs esc -c victim
	[[ "$output" != *root:* ]]
	# nothing was created through the links
	[ "$(ls -A "$vol")" = "$(printf 'up\nx')" ]
}

@test "emptyDir: a container's symlink x -> / does not give a restarted container's subPath x/etc the host's /etc" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" esc2 <<'YAML'
  containers:
  - name: attacker
    image: busybox:1.28
    command: ["sh", "-c", "until [ -L /vol/x ]; do rm -rf /vol/x; ln -s / /vol/x; done; touch /vol/done; sleep 3600"]
    volumeMounts:
    - {name: v, mountPath: /vol}
  - name: victim
    image: busybox:1.28
    command: ["sh", "-c", "while [ ! -e /vol/done ]; do sleep 0.1; done; cat /sub/passwd; exit 1"]
    volumeMounts:
    - {name: v, mountPath: /vol}
    - {name: v, mountPath: /sub, subPath: x/etc}
  volumes:
  - {name: v, emptyDir: {}}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	# the victim's first start may come before the link (x/etc is then a
	# folder of the volume, which its subPath set-up may even create between
	# the attacker's rm and ln: the attacker retries until x is the link);
	# its restart must be refused
	wait_for 60 message_has esc2 victim \
		'failed to prepare subPath for volumeMount "v" of container "victim"'
	uid=$(pod_uid esc2)
	! grep "$uid/volume-subpaths" /proc/self/mountinfo | grep -q ' /etc ' || false
	run peapod logs esc2 -c victim
	[[ "$output" != *root:* ]]
	run peapod logs esc2 -c victim -p
	[[ "$output" != *root:* ]]
}

@test "invalid volumes are refused with the API server's words" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
    volumeMounts:
    - {name: x, mountPath: /x}
  volumes:
  - {name: v, emptyDir: {}}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'spec.containers[0].volumeMounts[0].name: Not found: "x"'* ]]
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<'YAML'
  containers:
  - name: c
    image: busybox:1.28
  volumes:
  - {name: v, persistentVolumeClaim: {claimName: cm}}
YAML
	run peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *'spec.volumes[0].persistentVolumeClaim: Unsupported value: not supported by peapod yet'* ]]
	[ ! -e "$PEAPOD_ROOT/run/names/default/bad" ]
}
