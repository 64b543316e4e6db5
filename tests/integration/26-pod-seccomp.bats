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

# probe_pod NAME: a pod whose container c sleeps with sc-probe at /probe;
# the securityContext lines of the pod and of c come from POD_SC and CTR_SC.
probe_pod() { # NAME
	manifest "$BATS_TEST_TMPDIR/$1.yaml" "$1" <<YAML
  securityContext: {${POD_SC:-}}
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext: {${CTR_SC:-}}
    volumeMounts:
    - {name: probe, mountPath: /probe, readOnly: true}
  volumes:
  - name: probe
    hostPath: {path: $PEAPOD_ROOT/probe, type: Directory}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/$1.yaml"
	wait_for 30 pod_is "$1" Running
}

probe() { # POD OP [PID]: sc-probe's line in $output
	output=$(peapod exec "$1" -c c -- /probe/sc-probe "${@:2}" 2>/dev/null) || true
	echo "$output"
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
	probe rd unshare
	[ "$output" = "unshare: errno 1 (Operation not permitted)" ]
	probe rd mount
	[ "$output" = "mount: errno 1 (Operation not permitted)" ]
	probe rd keyctl
	[ "$output" = "keyctl: errno 1 (Operation not permitted)" ]
	probe rd vmread 1
	[ "$output" = "vmread: errno 1 (Operation not permitted)" ]
	# with CAP_SYS_PTRACE the profile allows the family
	CTR_SC='capabilities: {add: [SYS_PTRACE]}' probe_pod rdp
	probe rdp vmread 1
	[ "$output" = "vmread: ok" ]
	probe rdp keyctl
	[ "$output" = "keyctl: errno 1 (Operation not permitted)" ]
}

@test "Unconfined: the same calls succeed where the capabilities allow" {
	CTR_SC='seccompProfile: {type: Unconfined}, capabilities: {add: [SYS_ADMIN]}' probe_pod un
	ctr_config un | jq -e '.linux.seccomp == null'
	probe un unshare
	[ "$output" = "unshare: ok" ]
	probe un mount
	[ "$output" = "mount: ok" ]
	probe un keyctl
	[ "$output" = "keyctl: ok" ]
	probe un vmread 1
	[ "$output" = "vmread: ok" ]
	probe un ptrace 1
	[ "$output" = "ptrace: ok" ]
}
