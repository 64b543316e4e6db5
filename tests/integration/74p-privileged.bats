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

@test "sysctls: the safe ones set in the pod's namespaces, seen by every container, the host's unchanged" {
	host_fin=$(cat /proc/sys/net/ipv4/tcp_fin_timeout)
	host_shm=$(cat /proc/sys/kernel/shm_rmid_forced)
	manifest "$BATS_TEST_TMPDIR/p.yaml" sy <<YAML
  securityContext:
    sysctls:
    - {name: net.ipv4.tcp_fin_timeout, value: "17"}
    - {name: kernel/shm_rmid_forced, value: "1"}
    - {name: net.ipv4.ip_local_port_range, value: "20000 20999"}
  containers:
  - name: a
    image: busybox:1.28
    command: ["sleep", "3600"]
  - name: b
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sy Running
	for c in a b; do
		[ "$(peapod exec sy -c $c -- cat /proc/sys/net/ipv4/tcp_fin_timeout)" = 17 ]
		[ "$(peapod exec sy -c $c -- cat /proc/sys/kernel/shm_rmid_forced)" = 1 ]
		run peapod exec sy -c $c -- cat /proc/sys/net/ipv4/ip_local_port_range
		[[ "$output" =~ ^20000[[:space:]]+20999$ ]]
	done
	[ "$(cat /proc/sys/net/ipv4/tcp_fin_timeout)" = "$host_fin" ]
	[ "$(cat /proc/sys/kernel/shm_rmid_forced)" = "$host_shm" ]
	run peapod get pods sy -o yaml
	[[ "$output" == *"name: kernel/shm_rmid_forced"* ]]
}

@test "sysctls: an unsafe one is rejected by the node (SysctlForbidden) unless node-config.json allows it" {
	host_msg=$(cat /proc/sys/kernel/msgmax)
	manifest "$BATS_TEST_TMPDIR/p.yaml" un <<YAML
  securityContext:
    sysctls:
    - {name: kernel.msgmax, value: "4242"}
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is un SysctlForbidden
	run peapod get pods un -o json
	[ "$(jq -r .status.phase <<<"$output")" = Failed ]
	[ "$(jq -r .status.message <<<"$output")" = 'Pod was rejected: forbidden sysctl: "kernel.msgmax" not allowlisted' ]
	peapod describe pod un | grep -E 'Warning +SysctlForbidden +.*forbidden sysctl: "kernel.msgmax" not allowlisted'
	peapod delete pod un
	# the kubelet's --allowed-unsafe-sysctls
	echo '{"allowedUnsafeSysctls": ["kernel.msg*"]}' >"$PEAPOD_ROOT/node-config.json"
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is un Running
	[ "$(peapod exec un -- cat /proc/sys/kernel/msgmax)" = 4242 ]
	[ "$(cat /proc/sys/kernel/msgmax)" = "$host_msg" ]
}

@test "sysctls: the API server's checks" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<YAML
  securityContext:
    sysctls:
    - {name: kernel.shm_rmid_forced, value: "1"}
    - {name: kernel.shm_rmid_forced, value: "0"}
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused 'spec.securityContext.sysctls[1].name: Duplicate value: "kernel.shm_rmid_forced"'
	sed -i 's/- {name: kernel.shm_rmid_forced, value: "0"}/- {name: Net.Foo, value: "0"}/' "$BATS_TEST_TMPDIR/p.yaml"
	refused 'spec.securityContext.sysctls[1].name: Invalid value: "Net.Foo": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$'
	manifest "$BATS_TEST_TMPDIR/p.yaml" bad <<YAML
  hostNetwork: true
  securityContext:
    sysctls:
    - {name: net.ipv4.tcp_syncookies, value: "1"}
  containers:
  - name: c
    image: busybox:1.28
YAML
	refused "spec.securityContext.sysctls[0].name: Invalid value: \"net.ipv4.tcp_syncookies\": may not be specified when 'hostNetwork' is true"
}
