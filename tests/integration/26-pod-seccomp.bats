#!/usr/bin/env bats
# securityContext.seccompProfile of pods and containers: RuntimeDefault
# (containerd's default profile, also what a pod that says nothing gets),
# Unconfined, Localhost (a file under $PEAPOD_ROOT/seccomp), the node
# switch back to Unconfined; and appArmorProfile and seLinuxOptions on a
# host without AppArmor or SELinux. sc-probe (sc-probe.c), bound into the
# container, calls the system calls and prints what the kernel said.

load helpers

PROBE=$BUILD/tests/integration/sc-probe

setup() {
	setup_root
	mkdir -p "$PEAPOD_ROOT/probe"
	cp "$PROBE" "$PEAPOD_ROOT/probe/sc-probe"
}

teardown() {
	teardown_root
}

# write_pod NAME: the manifest of a pod whose container c sleeps (or runs
# CMD, a JSON array) with sc-probe at /probe; the securityContext lines of
# the pod and of c come from POD_SC and CTR_SC, extra metadata lines from
# META, extra spec lines from SPEC.
write_pod() { # NAME
	local cmd=${CMD:-'["sleep", "3600"]'}
	manifest "$BATS_TEST_TMPDIR/$1.yaml" "$1" <<YAML
  shareProcessNamespace: ${SHARED:-false}
  securityContext: {${POD_SC:-}}
  containers:
  - name: c
    image: busybox:1.28
    command: $cmd
    securityContext: {${CTR_SC:-}}
    volumeMounts:
    - {name: probe, mountPath: /probe, readOnly: true}
  volumes:
  - name: probe
    hostPath: {path: $PEAPOD_ROOT/probe, type: Directory}
YAML
	if [ -n "${META:-}" ]; then
		sed -i "s|^metadata:|metadata:\n$META|" "$BATS_TEST_TMPDIR/$1.yaml"
	fi
}

# probe_pod NAME: write_pod, applied and running.
probe_pod() { # NAME
	write_pod "$1"
	peapod apply -f "$BATS_TEST_TMPDIR/$1.yaml"
	wait_for 30 pod_is "$1" Running
}

# The waiting state of container c of pod P: "REASON MESSAGE".
waiting() { # P
	peapod get pods "$1" -o json |
		jq -r '.status.containerStatuses[0].state.waiting | "\(.reason) \(.message)"'
}

waiting_is() { # P REASON MESSAGE
	[ "$(waiting "$1")" = "$2 $3" ]
}

waiting_has() { # P REASON TEXT
	[[ "$(waiting "$1")" == "$2 "*"$3"* ]]
}

probe() { # POD OP [PID]: sc-probe's line in $output
	output=$(peapod exec "$1" -c c -- /probe/sc-probe "${@:2}" 2>/dev/null) || true
	echo "$output"
}

probe_says() { # POD EXPECTED OP [PID]
	probe "$1" "${@:3}"
	[ "$output" = "$2" ]
}

ctr_config() { # POD: the container's config.json
	cat "$PEAPOD_ROOT/run/pods/$(pod_uid "$1")/containers/c/config.json"
}

# containerd's profile allows ptrace itself (kernels >= 4.8) and leaves an
# attach to the kernel's ptrace rules (with Yama's ptrace_scope 1, a
# non-child is refused); what it denies without CAP_SYS_PTRACE is the
# rest of the family: process_vm_readv/writev, kcmp, pidfd_getfd.
@test "a pod that sets no profile runs RuntimeDefault: unshare, mount, keyctl, process_vm_readv denied" {
	probe_pod rd
	ctr_config rd | jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO"'
	probe_says rd "unshare: errno 1 (Operation not permitted)" unshare
	probe_says rd "mount: errno 1 (Operation not permitted)" mount
	probe_says rd "keyctl: errno 1 (Operation not permitted)" keyctl
	probe_says rd "vmread: errno 1 (Operation not permitted)" vmread 1
	# the sandbox gets the pod's profile (containerd), here the default
	jq -e '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO"' \
		"$PEAPOD_ROOT/run/pods/$(pod_uid rd)/sandbox/config.json"
	grep -q '^Seccomp:[[:space:]]*2$' "/proc/$(peapod_field rd sandboxPid)/status"
	# with CAP_SYS_PTRACE the profile allows the family
	CTR_SC='capabilities: {add: [SYS_PTRACE]}' probe_pod rdp
	probe_says rdp "vmread: ok" vmread 1
	probe_says rdp "keyctl: errno 1 (Operation not permitted)" keyctl
}

log_has() { # POD TEXT
	[[ "$(peapod logs "$1" -c c)" == *"$2"* ]]
}

# ptrace attach from the container's main process's tree, which in a
# shared pod holds the sandbox as PID 1: containerd's profile allows the
# call; what refuses PID 1 is peapod's ptrace scope (the container's own
# Landlock domain, see runtime/landlock.c), a child of its own stays
# traceable.
# ptrace_run NAME [CTR_SC]: a shared pod whose container c, from its main
# process's tree, attaches a child of its own, then PID 1 (the sandbox);
# sc-probe's two lines in $lines.
ptrace_run() { # NAME [CTR_SC]
	local cmd='["sh", "-c", "sleep 100 & /probe/sc-probe ptrace $!; /probe/sc-probe ptrace 1; echo done; exec sleep 3600"]'
	SHARED=true CMD=$cmd CTR_SC=${2:-} probe_pod "$1"
	wait_for 30 log_has "$1" done
	run peapod logs "$1" -c c
}

@test "RuntimeDefault: the container's processes cannot ptrace one outside the container (the sandbox), only their own tree; Unconfined can" {
	ptrace_run pt
	[ "${lines[0]}" = "ptrace: ok" ]
	[ "${lines[1]}" = "ptrace: errno 1 (Operation not permitted)" ]
	ctr_config pt | jq -e '.annotations["run.peapod.ptrace-scope"] == "container"'
	ptrace_run ptu 'seccompProfile: {type: Unconfined}'
	[ "${lines[0]}" = "ptrace: ok" ]
	[ "${lines[1]}" = "ptrace: ok" ]
	ctr_config ptu | jq -e '.annotations["run.peapod.ptrace-scope"] == null'
	# with CAP_SYS_PTRACE (the page's shell) RuntimeDefault has no scope
	ptrace_run ptc 'capabilities: {add: [SYS_PTRACE]}'
	[ "${lines[1]}" = "ptrace: ok" ]
}

@test "Unconfined: the same calls succeed where the capabilities allow" {
	CTR_SC='seccompProfile: {type: Unconfined}, capabilities: {add: [SYS_ADMIN]}' probe_pod un
	ctr_config un | jq -e '.linux.seccomp == null'
	probe_says un "unshare: ok" unshare
	probe_says un "mount: ok" mount
	probe_says un "keyctl: ok" keyctl
	probe_says un "vmread: ok" vmread 1
	probe_says un "ptrace: ok" ptrace 1
}

@test "RuntimeDefault with CAP_SYS_ADMIN added allows unshare and mount, as containerd's profile does; keyctl stays denied" {
	CTR_SC='seccompProfile: {type: RuntimeDefault}, capabilities: {add: [SYS_ADMIN]}' probe_pod rda
	probe_says rda "unshare: ok" unshare
	probe_says rda "mount: ok" mount
	probe_says rda "keyctl: errno 1 (Operation not permitted)" keyctl
}

@test "the container's profile overrides the pod's; seccompDefault false in node-config.json makes the default Unconfined" {
	POD_SC='seccompProfile: {type: Unconfined}' CTR_SC='seccompProfile: {type: RuntimeDefault}' probe_pod over
	probe_says over "keyctl: errno 1 (Operation not permitted)" keyctl
	POD_SC='seccompProfile: {type: Unconfined}' probe_pod podlevel
	probe_says podlevel "keyctl: ok" keyctl
	echo '{"seccompDefault": false}' >"$PEAPOD_ROOT/node-config.json"
	probe_pod off
	ctr_config off | jq -e '.linux.seccomp == null'
	probe_says off "keyctl: ok" keyctl
	# the switch is read when a container is created: a pod that says
	# RuntimeDefault keeps it
	CTR_SC='seccompProfile: {type: RuntimeDefault}' probe_pod said
	probe_says said "keyctl: errno 1 (Operation not permitted)" keyctl
}

@test "Localhost loads the profile under \$PEAPOD_ROOT/seccomp; a missing one leaves the container in CreateContainerError" {
	mkdir -p "$PEAPOD_ROOT/seccomp/profiles"
	# allow everything but mkdir (and keyctl)
	cat >"$PEAPOD_ROOT/seccomp/profiles/no-mkdir.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat", "keyctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
JSON
	CTR_SC='seccompProfile: {type: Localhost, localhostProfile: profiles/no-mkdir.json}' probe_pod lh
	probe_says lh "keyctl: errno 13 (Permission denied)" keyctl
	run peapod exec lh -c c -- mkdir /tmp/d
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	CTR_SC='seccompProfile: {type: Localhost, localhostProfile: profiles/none.json}' write_pod missing
	peapod apply -f "$BATS_TEST_TMPDIR/missing.yaml"
	f=$PEAPOD_ROOT/seccomp/profiles/none.json
	msg="cannot load seccomp profile \"$f\": open $f: no such file or directory"
	wait_for 30 waiting_is missing CreateContainerError "$msg"
	peapod describe pod missing | grep -qF "Error: $msg"
	# a profile that is not JSON
	echo 'not json' >"$f"
	wait_for 30 waiting_has missing CreateContainerError "decoding seccomp profile failed \"$f\""
}

@test "seccompProfile is validated as the API server does" {
	CTR_SC='seccompProfile: {type: Localhost, localhostProfile: ../x.json}' write_pod bad
	run peapod apply -f "$BATS_TEST_TMPDIR/bad.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *"spec.containers[0].securityContext.seccompProfile.localhostProfile: Invalid value: \"../x.json\": must not contain '..'"* ]]
	CTR_SC='seccompProfile: {type: Unconfined, localhostProfile: x.json}' write_pod bad
	run peapod apply -f "$BATS_TEST_TMPDIR/bad.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *"seccompProfile.localhostProfile: Invalid value: \"<object>\": can only be set when seccomp type is Localhost"* ]]
	[ ! -e "$PEAPOD_ROOT/run/names/default/bad" ]
}

@test "this host has neither AppArmor nor SELinux (what the next tests assume)" {
	[ ! -e /sys/kernel/security/apparmor ] || skip "AppArmor is enabled here"
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
}

@test "appArmorProfile RuntimeDefault and Unconfined run; Localhost leaves the container waiting in the kubelet's words, the pod created" {
	[ ! -e /sys/kernel/security/apparmor ] || skip "AppArmor is enabled here"
	POD_SC='appArmorProfile: {type: RuntimeDefault}' CTR_SC='appArmorProfile: {type: Unconfined}' probe_pod aa
	POD_SC='appArmorProfile: {type: RuntimeDefault}' probe_pod aa2
	peapod get pod aa2 -o yaml | grep -q 'type: RuntimeDefault'
	CTR_SC='appArmorProfile: {type: Localhost, localhostProfile: k8s-deny-write}' write_pod aal
	run peapod apply -f "$BATS_TEST_TMPDIR/aal.yaml"
	[ "$status" -eq 0 ]
	[[ "$output" == *"pod/aal created"* ]] || { echo "$output"; false; }
	msg="Cannot enforce AppArmor: AppArmor is not enabled on the host"
	wait_for 30 waiting_is aal CreateContainerError "$msg"
	peapod describe pod aal | grep -qF "Error: $msg"
}

@test "the AppArmor annotation follows the same rules as the field" {
	[ ! -e /sys/kernel/security/apparmor ] || skip "AppArmor is enabled here"
	META='  annotations: {container.apparmor.security.beta.kubernetes.io/c: runtime/default}' probe_pod ann
	META='  annotations: {container.apparmor.security.beta.kubernetes.io/c: localhost/k8s-x}' write_pod annl
	peapod apply -f "$BATS_TEST_TMPDIR/annl.yaml"
	wait_for 30 waiting_is annl CreateContainerError "Cannot enforce AppArmor: AppArmor is not enabled on the host"
	# the annotation and the field must agree, as the API server says
	META='  annotations: {container.apparmor.security.beta.kubernetes.io/c: unconfined}' \
		CTR_SC='appArmorProfile: {type: RuntimeDefault}' write_pod annbad
	run peapod apply -f "$BATS_TEST_TMPDIR/annbad.yaml"
	[ "$status" -ne 0 ]
	[[ "$output" == *"spec.containers[0].securityContext.appArmorProfile.type: Forbidden: apparmor type in annotation and field must match"* ]]
}

@test "seLinuxOptions are accepted and ignored with a warning event on a host without SELinux" {
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
	POD_SC='seLinuxOptions: {level: "s0:c123,c456"}' CTR_SC='seLinuxOptions: {type: spc_t}' probe_pod se
	peapod get pod se -o yaml | grep -q 'level: s0:c123,c456'
	peapod describe pod se | grep -q "SELinuxOptionsIgnored .*seLinuxOptions of container c ignored: SELinux is not enabled on the host"
}
