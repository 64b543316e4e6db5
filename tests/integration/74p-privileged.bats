#!/usr/bin/env bats
# securityContext.privileged, spec.securityContext.sysctls, fsGroup and
# supplementalGroupsPolicy, as the API server, the kubelet and containerd
# apply them, checked from inside the pod.

load helpers

setup() {
	setup_root
}

teardown() {
	teardown_root
}

@test "privileged: every capability, the host's devices, no masked paths, /sys rw, mount works" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" pr <<YAML
  containers:
  - name: priv
    image: busybox:1.28
    command: ["sleep", "3600"]
    securityContext:
      privileged: true
      capabilities:
        drop: ["ALL"]
  - name: plain
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is pr Running
	# every capability peapod holds, in all three sets; drop is ignored
	want=$(awk '/^CapBnd:/{print $2}' /proc/self/status)
	run peapod exec pr -c priv -- cat /proc/self/status
	[[ "$output" == *"CapEff:	$want"* ]]
	[[ "$output" == *"CapPrm:	$want"* ]]
	[[ "$output" == *"CapBnd:	$want"* ]]
	[[ "$output" == *"NoNewPrivs:	0"* ]]
	# the host's devices, and the device cgroup lets them be opened
	run peapod exec pr -c priv -- ls /dev
	[[ " ${lines[*]} " == *" loop-control "* ]]
	[[ " ${lines[*]} " == *" vda "* || ! -e /dev/vda ]]
	peapod exec pr -c priv -- dd if=/dev/loop-control of=/dev/null count=0
	# nothing masked or read-only; /sys and the cgroupfs writable
	run peapod exec pr -c priv -- cat /proc/self/mountinfo
	[[ "$output" != *" /proc/kcore "* ]]
	[[ "$output" != *" /proc/sys "* ]]
	run peapod exec pr -c priv -- grep -E ' /sys (sysfs|cgroup)' /proc/self/mounts
	[[ "$output" == *"/sys sysfs rw"* ]]
	run peapod exec pr -c priv -- grep ' /sys/fs/cgroup ' /proc/self/mounts
	[[ "$output" == *" rw,"* ]]
	peapod exec pr -c priv -- sh -c "mkdir /tmp/m && mount -t tmpfs t /tmp/m"
	# the sibling keeps containerd's defaults
	run peapod exec pr -c plain -- grep CapEff /proc/self/status
	[ "$output" = "CapEff:	00000000a80425fb" ]
	run peapod exec pr -c plain -- ls /dev
	[[ " ${lines[*]} " != *" loop-control "* ]]
	run peapod exec pr -c plain -- sh -c "mkdir /tmp/m && mount -t tmpfs t /tmp/m"
	[ "$status" -ne 0 ]
	run peapod get pods pr -o yaml
	[[ "$output" == *"privileged: true"* ]]
}

@test "privileged with allowPrivilegeEscalation false is refused as the API server does" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" pr <<YAML
  containers:
  - name: c
    image: busybox:1.28
    securityContext:
      privileged: true
      allowPrivilegeEscalation: false
YAML
	refused 'spec.containers[0].securityContext: Invalid value: "<object>": cannot set `allowPrivilegeEscalation` to false and `privileged` to true'
}
