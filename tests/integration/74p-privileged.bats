#!/usr/bin/env bats
# securityContext.privileged, spec.securityContext.sysctls, fsGroup and
# supplementalGroupsPolicy, as the API server, the kubelet and containerd
# apply them, checked from inside the pod.

# shellcheck disable=SC2016 # the API server's literal backquotes
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
	# no seccomp filter (containerd), where the sibling has RuntimeDefault's
	[[ "$output" == *"Seccomp:	0"* ]]
	run peapod exec pr -c plain -- grep Seccomp: /proc/self/status
	[ "$output" = "Seccomp:	2" ]
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

@test "fsGroup: emptyDir, configMap, secret and projected volumes get the group, hostPath does not; id shows it" {
	mkdir "$BATS_TEST_TMPDIR/hp"
	echo '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"k": "v"}}' |
		peapod apply -f -
	echo '{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sec"}, "stringData": {"pw": "s3"}}' |
		peapod apply -f -
	manifest "$BATS_TEST_TMPDIR/p.yaml" fg <<YAML
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
  volumes:
  - {name: data, emptyDir: {}}
  - {name: cm, configMap: {name: cm}}
  - {name: sec, secret: {secretName: sec, defaultMode: 0400}}
  - name: proj
    projected:
      sources:
      - serviceAccountToken: {path: token}
      - downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}
  - {name: hp, hostPath: {path: $BATS_TEST_TMPDIR/hp}}
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: cm, mountPath: /cm}
    - {name: sec, mountPath: /sec}
    - {name: proj, mountPath: /proj}
    - {name: hp, mountPath: /hp}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is fg Running
	run peapod exec fg -- id
	[ "$output" = "uid=1000 gid=3000 groups=2000,3000" ]
	# emptyDir: group, setgid, group rw; a new file inherits the group
	[ "$(peapod exec fg -- stat -c '%g %a' /data)" = "2000 2777" ]
	peapod exec fg -- sh -c 'echo x >/data/f && mkdir /data/d'
	[ "$(peapod exec fg -- stat -c '%g' /data/f)" = 2000 ]
	[ "$(peapod exec fg -- stat -c '%g %a' /data/d)" = "2000 2755" ]
	# API data volumes: group read added to the files' modes
	[ "$(peapod exec fg -- stat -L -c '%g %a' /cm/k)" = "2000 644" ]
	[ "$(peapod exec fg -- stat -L -c '%g %a' /sec/pw)" = "2000 440" ]
	[ "$(peapod exec fg -- cat /sec/pw)" = s3 ]
	[ "$(peapod exec fg -- stat -L -c '%g %a' /proj/token)" = "2000 640" ]
	[ "$(peapod exec fg -- stat -L -c '%g %a' /proj/name)" = "2000 644" ]
	peapod exec fg -- head -c 3 /proj/token
	# hostPath untouched
	[ "$(stat -c '%g %a' "$BATS_TEST_TMPDIR/hp")" = "0 755" ]
	run peapod get pods fg -o yaml
	[[ "$output" == *"fsGroup: 2000"* ]]
}

@test "fsGroupChangePolicy OnRootMismatch: a new emptyDir still gets the group; the policy is kept in the spec" {
	manifest "$BATS_TEST_TMPDIR/p.yaml" fp <<YAML
  securityContext:
    fsGroup: 2000
    fsGroupChangePolicy: OnRootMismatch
  volumes:
  - {name: data, emptyDir: {}}
  containers:
  - name: c
    image: busybox:1.28
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: data, mountPath: /data}
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is fp Running
	[ "$(peapod exec fp -- stat -c '%g %a' /data)" = "2000 2777" ]
	run peapod get pods fp -o yaml
	[[ "$output" == *"fsGroupChangePolicy: OnRootMismatch"* ]]
}

# busybox:1.28 plus a layer whose /etc/group makes root a member of group
# 10, loaded as busybox-groups:1.
load_groups_image() {
	local d=$BATS_TEST_TMPDIR/img b m c l
	mkdir -p "$d/layout" "$d/l/etc"
	tar xf "$IMAGES/busybox.tar" -C "$d/layout"
	b=$d/layout/blobs/sha256
	printf 'root:x:0:\nwheel:x:10:root\nnogroup:x:65534:\n' >"$d/l/etc/group"
	tar cf "$d/layer" -C "$d/l" etc
	l=$(sha256sum "$d/layer" | cut -d' ' -f1)
	mv "$d/layer" "$b/$l"
	m=$(jq -r '.manifests[0].digest' "$d/layout/index.json" | cut -d: -f2)
	c=$(jq -r .config.digest "$b/$m" | cut -d: -f2)
	jq -c --arg l "sha256:$l" '.rootfs.diff_ids += [$l]' "$b/$c" >"$d/cfg"
	c=$(sha256sum "$d/cfg" | cut -d' ' -f1)
	mv "$d/cfg" "$b/$c"
	jq -c --arg c "sha256:$c" --argjson cs "$(stat -c %s "$b/$c")" --arg l "sha256:$l" \
		--argjson ls "$(stat -c %s "$b/$l")" \
		'.config.digest = $c | .config.size = $cs |
		 .layers += [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]' \
		"$b/$m" >"$d/man"
	m=$(sha256sum "$d/man" | cut -d' ' -f1)
	mv "$d/man" "$b/$m"
	jq -c --arg m "sha256:$m" --argjson ms "$(stat -c %s "$b/$m")" \
		'.manifests[0].digest = $m | .manifests[0].size = $ms |
		 .manifests[0].annotations = {"io.containerd.image.name": "docker.io/library/busybox-groups:1",
		                              "org.opencontainers.image.ref.name": "1"}' \
		"$d/layout/index.json" >"$d/index"
	mv "$d/index" "$d/layout/index.json"
	tar cf "$d/img.tar" -C "$d/layout" .
	peapod image load -i "$d/img.tar"
}

@test "supplementalGroupsPolicy: Merge adds the image's /etc/group memberships, Strict does not; status user.linux" {
	load_groups_image
	manifest "$BATS_TEST_TMPDIR/p.yaml" sg <<YAML
  securityContext:
    runAsUser: 0
    supplementalGroups: [4000]
    fsGroup: 2000
  containers:
  - name: c
    image: busybox-groups:1
    imagePullPolicy: Never
    command: ["sleep", "3600"]
YAML
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sg Running
	run peapod exec sg -- id -G
	[ "$output" = "0 10 2000 4000" ]
	# the identity the kubelet reports in the container's status
	run peapod get pods sg -o json
	[ "$(jq -c '.status.containerStatuses[0].user' <<<"$output")" = '{"linux":{"uid":0,"gid":0,"supplementalGroups":[0,10,2000,4000]}}' ]
	peapod delete pod sg --now
	sed -i 's/    fsGroup: 2000/    fsGroup: 2000\n    supplementalGroupsPolicy: Strict/' "$BATS_TEST_TMPDIR/p.yaml"
	peapod apply -f "$BATS_TEST_TMPDIR/p.yaml"
	wait_for 30 pod_is sg Running
	run peapod exec sg -- id -G
	[ "$output" = "0 2000 4000" ]
	run peapod get pods sg -o yaml
	[[ "$output" == *"supplementalGroupsPolicy: Strict"* ]]
	[[ "$output" == *"supplementalGroups:"*"- 0"*"- 2000"*"- 4000"* ]]
	run peapod get pods sg -o json
	[ "$(jq -c '.status.containerStatuses[0].user.linux' <<<"$output")" = '{"uid":0,"gid":0,"supplementalGroups":[0,2000,4000]}' ]
}
