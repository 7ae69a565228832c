#!/bin/bash
# Build the kernel-made test cases in tests/data/cases with the real Linux kernel.
#
# This is the same method as make_samples.sh, for other failures: each case
# boots a User-Mode-Linux guest (the Debian kernel in /usr/bin/linux) whose
# root is the host's / mounted read-only through hostfs. This file is both the
# driver and the guest's init. Started as PID 1 in the guest, it builds one
# case's topology in network namespaces, runs the traffic, captures it and
# saves the command output. The guest has no network device to the outside, so
# nothing here touches the host's network.
#
# Needs these Debian packages: user-mode-linux, libteam-utils (teamd,
# teamdctl), tcpdump, iproute2 (ip, bridge, tc), iputils-ping and kmod
# (modprobe), plus python3 to check the JSON outputs. Tested as root on
# Debian 12. tests/data/cases/README.md describes every case.
#
# Usage: make_cases.sh [CASE...]     (default: every case)
# Set KEEP_WORK=1 to keep each case's work directory (guest and console logs).
# A case's captures/ and outputs/ are replaced only after its checks pass;
# its expected.json is written by hand and never touched here.
set -uo pipefail

ALL_CASES=(bond-balance-rr-flood bond-activebackup-healthy gateway-silent vlan-filter-team
    reflector-loop broadcast-storm lacp-not-aggregated balance-alb)

# The address plan. Case number N (1 to 8, in the order of ALL_CASES) uses
# 198.18.N.0/24 with the gateway at .1, the host's bridge at .2 and the VM at
# .10. In vlan-filter-team that subnet is VLAN 300, VLAN 100 is
# 198.19.4.0/24 with a second VM and gateway, and the host has no address.
# Host NICs, bonds, teams and bridges use 02:18:0N:00:00:xx, the switch
# 02:19:0N:00:xx:xx, the gateway 02:1a:0N:00:00:xx, the VMs 52:54:00:18:0N:xx
# and their taps fe:54:00:18:0N:xx (libvirt names a tap fe: plus the tail of
# the guest's MAC).
case_number() {
    local i
    for i in "${!ALL_CASES[@]}"; do
        if [ "${ALL_CASES[$i]}" = "$1" ]; then
            echo $((i + 1))
            return 0
        fi
    done
    return 1
}

# Set the names, MACs and addresses of case $1 as shell variables. The driver
# uses them to check the files, and the guest to build the topology.
case_plan() {
    local n
    n=$(case_number "$1") || return 1
    NET=198.18.$n
    GW_IP=$NET.1
    HOST_IP=$NET.2
    VM_IP=$NET.10
    PREFIX=24

    NIC1_MAC=02:18:0$n:00:00:01
    NIC2_MAC=02:18:0$n:00:00:02
    AGG_MAC=$NIC1_MAC    # a bond takes its first slave's MAC; teamd is given the same
    BRIDGE_MAC=$NIC1_MAC # the kernel gives a bridge its lowest port MAC
    VM_MAC=52:54:00:18:0$n:0a
    TAP_MAC=fe:54:00:18:0$n:0a
    GW_MAC=02:1a:0$n:00:00:01
    SW_MAC_PREFIX=02:19:0$n:00

    BRIDGE=br0
    PING_COUNT=4
    NIC1='' NIC2='' AGG='' TAP='' NIC=''
    case $1 in
        bond-balance-rr-flood)     AGG=bond0 NIC1=ens1f0 NIC2=ens1f1 TAP=vnet3 ;;
        bond-activebackup-healthy) AGG=bond0 NIC1=ens2f0 NIC2=ens2f1 TAP=vnet2 ;;
        gateway-silent)            NIC=eno1 TAP=vnet5 ;;
        vlan-filter-team)
            AGG=team0 NIC1=ens5f0 NIC2=ens5f1 TAP=vnet8
            # The second VM, in VLAN 100, and its gateway.
            TAP2=vnet9 VM2_MAC=52:54:00:18:04:0b TAP2_MAC=fe:54:00:18:04:0b
            VM2_IP=198.19.4.10 GW2_IP=198.19.4.1 GW2_MAC=02:1a:04:00:00:02
            VM_VLAN=300 VM2_VLAN=100 TRUNK_VLANS="100 200"
            HOST_IP=
            ;;
        reflector-loop)            NIC=eno2 TAP=vnet4 ;;
        broadcast-storm)           NIC=eno3 TAP=vnet10 ;;
        lacp-not-aggregated)       AGG=team0 NIC1=ens3f0 NIC2=ens3f1 TAP=vnet11 ;;
        balance-alb)
            AGG=bond0 NIC1=ens4f0 NIC2=ens4f1 TAP=vnet12
            # balance-alb redistributes flows to slaves every 10 s
            # (BOND_TLB_REBALANCE_INTERVAL), so a 12 s ping spans one.
            PING_COUNT=12
            ;;
    esac

    if [ -n "$NIC" ]; then
        NIC_MAC=$NIC1_MAC
        CAPTURE_POINTS="$NIC $TAP"
    else
        CAPTURE_POINTS="$NIC1 $NIC2 $TAP"
    fi
    if [ "$1" = vlan-filter-team ]; then
        CAPTURE_POINTS="$CAPTURE_POINTS $TAP2"
    fi
}

# ---------------------------------------------------------------------------
# Guest side: runs as init (PID 1) of the User-Mode-Linux guest.
# The kernel passes these command-line parameters to init as environment:
#   CASE_NAME  one of ALL_CASES
#   CASE_OUT   absolute host path that receives captures/, outputs/,
#              guest.log, versions.txt and status (mounted with hostfs)
# ---------------------------------------------------------------------------

CAPTURE_DIR=/tmp/captures
GUEST_OUT=/mnt
CAPTURE_PIDS=()

log() {
    echo "guest: $*"
}

fail() {
    echo "guest: error: $*" >&2
    exit 1
}

# Run a command and stop the case with its command line when it fails.
run() {
    "$@" || fail "command failed (exit $?): $*"
}

# Wait up to 10 s until a command succeeds.
wait_until() {
    local description=$1
    shift
    for _ in $(seq 1 50); do
        if "$@" > /dev/null 2>&1; then
            return 0
        fi
        sleep 0.2
    done
    fail "timed out after 10 s waiting until $description"
}

mount_filesystems() {
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    # teamd keeps its PID file and control socket under /var/run (-> /run).
    mount -t tmpfs tmpfs /run
    mount -t tmpfs tmpfs /tmp
    mount -t hostfs none "$GUEST_OUT" -o "$CASE_OUT"
}

# Make the UML module tree loadable. The host's / is mounted read-only and
# has no /lib/modules/<guest version>, so modprobe gets a base directory in
# tmpfs, and the kernel's own module requests go through the same wrapper.
setup_modules() {
    local release base module
    release=$(uname -r)
    base=/tmp/modroot
    mkdir -p "$base/lib/modules"
    ln -s "/usr/lib/uml/modules/$release" "$base/lib/modules/$release"
    printf '#!/bin/sh\nexec /usr/sbin/modprobe -d %s "$@"\n' "$base" > /tmp/modprobe
    chmod +x /tmp/modprobe
    echo /tmp/modprobe > /proc/sys/kernel/modprobe

    # IPv6 stays loaded (tools open AF_INET6 sockets) but off on every
    # interface, so that router solicitations, MLD reports and DAD probes at
    # random times do not move MACs in the bridges before the ARP story
    # starts. It goes first because the bridge module pulls it in without the
    # option.
    run /tmp/modprobe ipv6 disable_ipv6=1
    # max_bonds=0 keeps the bonding driver from creating bond0 on load.
    run /tmp/modprobe bonding max_bonds=0
    # team_mode_loadbalance is the kernel side of teamd's lacp runner, and
    # sch_ingress, cls_matchall and act_mirred make the reflecting switch port.
    for module in bridge veth team team_mode_roundrobin team_mode_activebackup \
        team_mode_loadbalance sch_ingress cls_matchall act_mirred; do
        run /tmp/modprobe "$module"
    done
}

record_versions() {
    {
        echo "kernel: $(uname -srm)"
        echo "teamd: $(teamd -v 2>&1)"
        echo "iproute2: $(ip -V 2>&1)"
        echo "tcpdump: $(tcpdump --version 2>&1 | head -n 1)"
        echo "libpcap: $(tcpdump --version 2>&1 | sed -n 2p)"
        echo "ping: $(ping -V 2>&1 | head -n 1)"
    } > "$GUEST_OUT/versions.txt"
}

create_namespaces() {
    local ns
    for ns in "$@"; do
        run ip netns add "$ns"
        run ip -n "$ns" link set lo up
    done
}

# Create a veth pair: veth NS1 IF1 MAC1 NS2 IF2 MAC2.
veth() {
    run ip -n "$1" link add "$2" address "$3" type veth peer name "$5" address "$6" netns "$4"
}

# Create a bridge in the switch namespace with the given ports and bring it
# all up: switch_bridge NAME MAC PORT...
switch_bridge() {
    local name=$1 mac=$2 port
    shift 2
    run ip -n switch link add "$name" address "$mac" type bridge
    for port in "$@"; do
        run ip -n switch link set "$port" master "$name"
        run ip -n switch link set "$port" up
    done
    run ip -n switch link set "$name" up
}

# Give a namespace's eth0 an address and bring it up: address_nic NS IP/PREFIX [GATEWAY].
address_nic() {
    run ip -n "$1" addr add "$2" dev eth0
    run ip -n "$1" link set eth0 up
    if [ -n "${3:-}" ]; then
        run ip -n "$1" route add default via "$3"
    fi
}

# Connect a VM namespace to the host by a tap (a veth here) and make it a
# port of the host's bridge: vm_tap NS TAP TAP_MAC VM_MAC.
vm_tap() {
    veth host "$2" "$3" "$1" eth0 "$4"
    run ip -n host link set "$2" master "$BRIDGE"
    run ip -n host link set "$2" up
}

# Connect the gateway (namespace gw) to a switch port: gateway PORT PORT_MAC.
gateway() {
    local port=$1 mac=$2
    veth gw eth0 "$GW_MAC" switch "$port" "$mac"
    address_nic gw "$GW_IP/$PREFIX"
}

host_bridge() {
    run ip -n host link add "$BRIDGE" address "$BRIDGE_MAC" type bridge "$@"
}

host_bridge_up() {
    if [ -n "$HOST_IP" ]; then
        run ip -n host addr add "$HOST_IP/$PREFIX" dev "$BRIDGE"
    fi
    run ip -n host link set "$BRIDGE" up
}

# Create bond0 in the host namespace with slaves NIC1 and NIC2, as a port of
# br0: host_bond MODE [OPTION...].
host_bond() {
    local mode=$1
    shift
    run ip -n host link add "$AGG" type bond mode "$mode" miimon 100 "$@"
    run ip -n host link set "$NIC1" master "$AGG"
    run ip -n host link set "$NIC2" master "$AGG"
    run ip -n host link set "$AGG" master "$BRIDGE"
    run ip -n host link set "$AGG" up
    # One "MII Status" line for the bond and one for each slave.
    wait_until "$AGG and both slaves report MII status up" ip netns exec host bash -c \
        "[ \$(grep -c '^MII Status: up' /proc/net/bonding/$AGG) -eq 3 ]"
}

team_ports_up() {
    [ "$(ip netns exec host teamdctl "$AGG" state 2> /dev/null | grep -c 'link: up')" -ge 2 ]
}

# Start teamd for team0 in the host namespace, with ports NIC1 and NIC2, and
# make team0 a port of br0: host_team RUNNER_JSON PORTS_JSON.
host_team() {
    local config
    config=$(printf '{"device": "%s", "hwaddr": "%s", "runner": %s, "link_watch": {"name": "ethtool"}, "ports": %s}' \
        "$AGG" "$AGG_MAC" "$1" "$2")
    run ip netns exec host teamd -d -c "$config"
    # The ethtool link watch needs the switch side of each veth up.
    wait_until "teamd reports both ports of $AGG with link up" team_ports_up
    run ip -n host link set "$AGG" master "$BRIDGE"
    run ip -n host link set "$AGG" up
}

# Build the switch for the two-NIC hosts: sw0 with sw0p1 and sw0p2 facing
# NIC1 and NIC2, and sw0p3 facing the gateway. It has no aggregation, so it floods a
# broadcast that comes in on one host port out of the other.
two_port_switch() {
    veth host "$NIC1" "$NIC1_MAC" switch sw0p1 "$SW_MAC_PREFIX:00:01"
    veth host "$NIC2" "$NIC2_MAC" switch sw0p2 "$SW_MAC_PREFIX:00:02"
    gateway sw0p3 "$SW_MAC_PREFIX:00:03"
    switch_bridge sw0 "$SW_MAC_PREFIX:00:00" sw0p1 sw0p2 sw0p3
}

# Build a host with two NICs to the switch: the namespaces, the switch, br0,
# the aggregate that the given command makes of NIC1 and NIC2, and the VM on
# its tap: two_nic_host COMMAND [ARGUMENT...].
two_nic_host() {
    create_namespaces host switch gw vm
    two_port_switch
    host_bridge
    "$@"
    vm_tap vm "$TAP" "$TAP_MAC" "$VM_MAC"
    host_bridge_up
    address_nic vm "$VM_IP/$PREFIX" "$GW_IP"
}

build_bond_balance_rr_flood() {
    two_nic_host host_bond balance-rr
}

build_bond_activebackup_healthy() {
    two_nic_host host_bond active-backup primary "$NIC1"
}

build_balance_alb() {
    two_nic_host host_bond balance-alb primary "$NIC1"
}

build_lacp_not_aggregated() {
    two_nic_host host_team '{"name": "lacp", "active": true, "fast_rate": true, "tx_hash": ["eth", "ipv4"]}' \
        "{\"$NIC1\": {}, \"$NIC2\": {}}"
}

# Build a host whose br0 has the single uplink NIC (to sw0p1) and the VM's
# tap. The gateway is on sw0p2.
single_uplink_host() {
    veth host "$NIC" "$NIC_MAC" switch sw0p1 "$SW_MAC_PREFIX:00:01"
    gateway sw0p2 "$SW_MAC_PREFIX:00:02"
    switch_bridge sw0 "$SW_MAC_PREFIX:00:00" sw0p1 sw0p2
    host_bridge
    run ip -n host link set "$NIC" master "$BRIDGE"
    run ip -n host link set "$NIC" up
    vm_tap vm "$TAP" "$TAP_MAC" "$VM_MAC"
    host_bridge_up
    address_nic vm "$VM_IP/$PREFIX" "$GW_IP"
}

build_gateway_silent() {
    create_namespaces host switch gw vm
    single_uplink_host
    # With the NOARP flag set, arp_rcv() (net/ipv4/arp.c) discards every ARP
    # frame on the gateway's NIC: the requests arrive and are never answered.
    run ip -n gw link set dev eth0 arp off
}

build_reflector_loop() {
    create_namespaces host switch gw vm
    single_uplink_host
    # The switch port facing the host mirrors every frame it receives back out
    # to the host, and still forwards the original.
    run ip netns exec switch tc qdisc add dev sw0p1 ingress
    run ip netns exec switch tc filter add dev sw0p1 ingress matchall \
        action mirred egress mirror dev sw0p1
}

# Build two switches sw1 and sw2 joined by two links (sw1p2-sw2p1 and
# sw1p3-sw2p2) with STP off: a loop. The host's uplink goes to sw1p1 and the
# gateway hangs off sw2p3. sw1p3 stays down until run_traffic closes the loop.
build_broadcast_storm() {
    create_namespaces host switch gw vm
    veth host "$NIC" "$NIC_MAC" switch sw1p1 "$SW_MAC_PREFIX:01:01"
    run ip -n switch link add sw1p2 address "$SW_MAC_PREFIX:01:02" type veth \
        peer name sw2p1 address "$SW_MAC_PREFIX:02:01"
    run ip -n switch link add sw1p3 address "$SW_MAC_PREFIX:01:03" type veth \
        peer name sw2p2 address "$SW_MAC_PREFIX:02:02"
    gateway sw2p3 "$SW_MAC_PREFIX:02:03"
    switch_bridge sw1 "$SW_MAC_PREFIX:01:00" sw1p1 sw1p2
    switch_bridge sw2 "$SW_MAC_PREFIX:02:00" sw2p1 sw2p2 sw2p3
    run ip -n switch link set sw1p3 master sw1
    host_bridge
    run ip -n host link set "$NIC" master "$BRIDGE"
    run ip -n host link set "$NIC" up
    vm_tap vm "$TAP" "$TAP_MAC" "$VM_MAC"
    host_bridge_up
    address_nic vm "$VM_IP/$PREFIX" "$GW_IP"
}

# Build a VLAN-aware br0: team0 (activebackup) is a trunk for VLANs 100 and 200, vnet8
# is an access port in VLAN 300 and vnet9 one in VLAN 100. The switch carries
# VLANs 100, 200 and 300 on both host-facing ports, and gw (VLAN 300) and gw2
# (VLAN 100) are on its access ports.
build_vlan_filter_team() {
    local vid port
    create_namespaces host switch gw gw2 vm vm2
    veth host "$NIC1" "$NIC1_MAC" switch sw0p1 "$SW_MAC_PREFIX:00:01"
    veth host "$NIC2" "$NIC2_MAC" switch sw0p2 "$SW_MAC_PREFIX:00:02"
    gateway sw0p3 "$SW_MAC_PREFIX:00:03"
    veth gw2 eth0 "$GW2_MAC" switch sw0p4 "$SW_MAC_PREFIX:00:04"
    address_nic gw2 "$GW2_IP/$PREFIX"
    run ip -n switch link add sw0 address "$SW_MAC_PREFIX:00:00" type bridge vlan_filtering 1
    for port in sw0p1 sw0p2 sw0p3 sw0p4; do
        run ip -n switch link set "$port" master sw0
    done
    for port in sw0p1 sw0p2; do
        for vid in 100 200 300; do
            run ip netns exec switch bridge vlan add dev "$port" vid "$vid"
        done
    done
    run ip netns exec switch bridge vlan add dev sw0p3 vid "$VM_VLAN" pvid untagged
    run ip netns exec switch bridge vlan add dev sw0p4 vid "$VM2_VLAN" pvid untagged
    for port in sw0p3 sw0p4; do
        run ip netns exec switch bridge vlan del dev "$port" vid 1
    done
    for port in sw0p1 sw0p2 sw0p3 sw0p4 sw0; do
        run ip -n switch link set "$port" up
    done

    host_bridge vlan_filtering 1
    host_team '{"name": "activebackup"}' \
        "{\"$NIC1\": {\"prio\": 100}, \"$NIC2\": {\"prio\": 50}}"
    for vid in $TRUNK_VLANS; do
        run ip netns exec host bridge vlan add dev "$AGG" vid "$vid"
    done
    vm_tap vm "$TAP" "$TAP_MAC" "$VM_MAC"
    vm_tap vm2 "$TAP2" "$TAP2_MAC" "$VM2_MAC"
    run ip netns exec host bridge vlan del dev "$TAP" vid 1
    run ip netns exec host bridge vlan add dev "$TAP" vid "$VM_VLAN" pvid untagged
    run ip netns exec host bridge vlan del dev "$TAP2" vid 1
    run ip netns exec host bridge vlan add dev "$TAP2" vid "$VM2_VLAN" pvid untagged
    host_bridge_up
    address_nic vm "$VM_IP/$PREFIX" "$GW_IP"
    address_nic vm2 "$VM2_IP/$PREFIX" "$GW2_IP"
}

# Start one tcpdump in the host namespace and wait until it reports that it
# is listening, so that no frame of the traffic is missed:
# start_capture POINT [TCPDUMP OPTION...].
start_capture() {
    local point=$1
    shift
    local errfile="/tmp/$point.stderr"
    ip netns exec host tcpdump -U --immediate-mode -Z root -i "$point" "$@" \
        -w "$CAPTURE_DIR/$point.pcap" 2> "$errfile" &
    CAPTURE_PIDS+=("$!")
    for _ in $(seq 1 50); do
        if grep -q 'listening on' "$errfile"; then
            log "capture on $point started"
            return 0
        fi
        sleep 0.2
    done
    cat "$errfile" >&2
    fail "the capture on $point did not start within 10 s"
}

start_captures() {
    local point
    mkdir -p "$CAPTURE_DIR"
    for point in $CAPTURE_POINTS; do
        start_capture "$point" "$@"
    done
    # tcpdump reports that it listens just before its first read, so give it
    # a moment to reach it.
    sleep 0.5
}

# Stop the captures with SIGINT, on which tcpdump flushes and closes its
# file, after two seconds for the last frames. With LIMITED=1 the captures
# were started with -c and may have ended already. Otherwise each tcpdump must
# report as many packets captured as received by its filter.
stop_captures() {
    local limited=${1:-0} pid status=0 errfile captured received
    sleep 2
    for pid in "${CAPTURE_PIDS[@]}"; do
        kill -INT "$pid" 2> /dev/null
    done
    for pid in "${CAPTURE_PIDS[@]}"; do
        wait "$pid" || status=$?
    done
    cat /tmp/*.stderr
    [ "$status" -eq 0 ] || fail "a capture process exited with status $status"
    [ "$limited" = 1 ] && return 0
    for errfile in /tmp/*.stderr; do
        captured=$(sed -nE 's/^([0-9]+) packets? captured$/\1/p' "$errfile")
        received=$(sed -nE 's/^([0-9]+) packets? received by filter$/\1/p' "$errfile")
        if [ "$captured" != "$received" ]; then
            fail "$errfile: $captured packets captured but $received received by filter"
        fi
    done
}

save_fdb() {
    local suffix=$1
    run ip netns exec host bridge fdb show > "$GUEST_OUT/outputs/bridge_fdb_show$suffix.txt"
    run ip netns exec host bridge -s -j fdb show > "$GUEST_OUT/outputs/bridge_-s_-j_fdb_show$suffix.json"
}

# After a failed ping the VM's kernel keeps sending ARP requests until the
# neighbour entry leaves INCOMPLETE. Waiting for that keeps the last requests
# from reaching one capture but not another as the captures stop.
wait_for_arp_to_settle() {
    local ns=$1 ip=$2
    for _ in $(seq 1 50); do
        if ! ip -n "$ns" neigh show "$ip" | grep -q INCOMPLETE; then
            return 0
        fi
        sleep 0.2
    done
    log "the neighbour entry of $ns for $ip is still INCOMPLETE after 10 s"
}

# Ping from a namespace and save the output: ping_from NS ADDRESS FILE. A
# failing ping is the expected outcome in some cases.
ping_from() {
    log "$1 pings $2"
    ip netns exec "$1" ping -c "$PING_COUNT" -W 1 "$2" > "$GUEST_OUT/outputs/$3" 2>&1
    cat "$GUEST_OUT/outputs/$3"
    wait_for_arp_to_settle "$1" "$2"
}

# The host talks to the VM first, so that br0 learns the VM's MAC on its tap.
host_pings_vm() {
    log "host pings the VM"
    ip netns exec host ping -c 1 -W 2 "$VM_IP" || fail "the host could not ping the VM at $VM_IP"
    sleep 1
}

run_traffic() {
    case $CASE_NAME in
        vlan-filter-team)
            # The host has no address in these VLANs. The FDB "before" is the
            # state after the bridge came up.
            save_fdb _before
            ping_from vm2 "$GW2_IP" vm2_ping.txt
            ping_from vm "$GW_IP" vm_ping.txt
            ;;
        reflector-loop)
            host_pings_vm
            save_fdb _before
            ping_from vm "$GW_IP" vm_ping.txt
            # The host itself reaches the gateway: the reply is addressed to
            # br0's own MAC, which the bridge never learns on a port.
            ping_from host "$GW_IP" host_ping.txt
            ;;
        broadcast-storm)
            host_pings_vm
            save_fdb _before
            log "closing the loop between sw1 and sw2"
            run ip -n switch link set sw1p3 up
            sleep 0.5
            log "VM pings the gateway once; its ARP request starts the storm"
            ip netns exec vm ping -c 1 -W 2 "$GW_IP" > "$GUEST_OUT/outputs/vm_ping.txt" 2>&1
            cat "$GUEST_OUT/outputs/vm_ping.txt"
            # The storm goes on for ping's 2 s. The captures end at their frame
            # limit well before, and the loop is then opened again so that the
            # guest can shut down.
            local pid
            for pid in "${CAPTURE_PIDS[@]}"; do
                timeout 10 tail --pid="$pid" -f /dev/null || log "capture $pid still runs after 10 s"
            done
            run ip -n switch link set sw1p3 down
            ;;
        *)
            host_pings_vm
            save_fdb _before
            ping_from vm "$GW_IP" vm_ping.txt
            ;;
    esac
}

save_outputs() {
    local out=$GUEST_OUT/outputs
    run ip netns exec host ip -d link show > "$out/ip_-d_link.txt"
    save_fdb ""
    run ip netns exec host bridge link show > "$out/bridge_link_show.txt"
    case $AGG in
        team*)
            run ip netns exec host teamdctl "$AGG" state dump > "$out/teamdctl_${AGG}_state_dump.json"
            run ip netns exec host teamdctl "$AGG" config dump > "$out/teamdctl_${AGG}_config_dump.json"
            ;;
        bond*)
            run ip netns exec host cat "/proc/net/bonding/$AGG" > "$out/proc_net_bonding_$AGG.txt"
            ;;
    esac
    if [ "$CASE_NAME" = vlan-filter-team ]; then
        run ip netns exec host bridge -d vlan show > "$out/bridge_-d_vlan_show.txt"
        run ip netns exec vm2 ip neigh show > "$out/vm2_ip_neigh.txt"
    fi
    run ip netns exec vm ip neigh show > "$out/vm_ip_neigh.txt"
    run dmesg > "$out/dmesg.txt"
}

guest_main() {
    case_plan "$CASE_NAME" || fail "unknown CASE_NAME: '$CASE_NAME'"
    log "case $CASE_NAME: captures on $CAPTURE_POINTS"
    setup_modules
    record_versions
    mkdir -p "$GUEST_OUT/outputs" "$GUEST_OUT/captures"
    "build_${CASE_NAME//-/_}"
    # Interfaces that come up send IGMP reports for about two seconds (a
    # bridge joins 224.0.0.106 for multicast router discovery). Waiting them
    # out lets the captures start on a quiet network.
    sleep 3
    if [ "$CASE_NAME" = broadcast-storm ]; then
        # Each capture stops after 400 frames, a fraction of a second of the storm.
        start_captures -c 400
    else
        start_captures
    fi
    run_traffic
    if [ "$CASE_NAME" = broadcast-storm ]; then
        stop_captures 1
    else
        stop_captures
    fi
    save_outputs
    cp "$CAPTURE_DIR"/* "$GUEST_OUT/captures/"
    log "case $CASE_NAME done"
}

if [ "$$" -eq 1 ]; then
    export PATH=/usr/sbin:/usr/bin:/sbin:/bin
    export HOME=/tmp LC_ALL=C
    mount_filesystems
    (guest_main) > "$GUEST_OUT/guest.log" 2>&1
    echo $? > "$GUEST_OUT/status"
    sync
    # poweroff -f returns only when it fails, and halt -f is then the fallback.
    poweroff -f || halt -f
    sleep infinity
fi

# ---------------------------------------------------------------------------
# Driver side: boots one guest per case and checks what it wrote.
# ---------------------------------------------------------------------------
set -e

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CASES_DIR=$(cd "$HERE/.." && pwd)/tests/data/cases
GUEST_TIMEOUT=300 # seconds; one case takes about 25 s on a 2-CPU x86-64 host
CHECK_ERRORS=0

die() {
    echo "make_cases: error: $*" >&2
    exit 1
}

check() {
    local description=$1
    shift
    if "$@"; then
        echo "  ok: $description"
    else
        echo "  FAILED: $description" >&2
        CHECK_ERRORS=$((CHECK_ERRORS + 1))
    fi
}

require_tools() {
    local tool missing=()
    for tool in linux teamd teamdctl tcpdump ip bridge tc ping modprobe python3; do
        command -v "$tool" > /dev/null || missing+=("$tool")
    done
    [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]}; install the packages listed at the top of $0"
    local modules
    modules="/usr/lib/uml/modules/$(linux --version)"
    [ -d "$modules" ] || die "UML module tree not found: $modules (package user-mode-linux)"
}

# Print an IPv4 address as an extended regular expression (dots escaped).
re_ip() {
    echo "${1//./\\.}"
}

# Count the lines of `tcpdump -nn -e -r FILE` that match REGEX.
count_tcpdump() {
    local file=$1 regex=$2
    tcpdump -nn -e -r "$file" 2> /dev/null | grep -cE "$regex" || true
}

count_frames() {
    tcpdump -nn -r "$1" 2> /dev/null | wc -l
}

# tcpdump -e prints a frame as "<src> > <dst>, ethertype ARP (0x0806), length
# 42: Request who-has ...", with "ethertype 802.1Q (0x8100), length 46: vlan
# 100, p 0," before the inner ethertype when the frame is tagged.
arp_request_re() { # SOURCE_MAC SOURCE_IP TARGET_IP
    echo "$1 > ff:ff:ff:ff:ff:ff, .*ethertype ARP .*Request who-has $(re_ip "$3") tell $(re_ip "$2")"
}

arp_reply_re() { # SOURCE_MAC DESTINATION_MAC SOURCE_IP
    echo "$1 > $2, .*ethertype ARP .*Reply $(re_ip "$3") is-at"
}

echo_reply_re() { # SOURCE_MAC DESTINATION_MAC SOURCE_IP DESTINATION_IP
    echo "$1 > $2, .*ethertype IPv4 .*$(re_ip "$3") > $(re_ip "$4"): ICMP echo reply"
}

tcpdump_reads() {
    tcpdump -nn -r "$1" > /dev/null 2>&1
}

fdb_has() { # FILE MAC PORT
    grep -q "^$2 dev $3 master $BRIDGE" "$1"
}

ping_failed() {
    grep -q ' 100% packet loss' "$1"
}

ping_succeeded() {
    grep -q ' 0% packet loss' "$1"
}

file_has() { # FILE REGEX
    grep -qE "$2" "$1"
}

not_grep() {
    ! grep -q "$@"
}

# Print the VLAN IDs that `bridge -d vlan show` lists for PORT. The port's
# first VLAN is on the line that names the port, and each further one on a
# line of its own, indented.
port_vlans() { # FILE PORT
    awk -v port="$2" '
        /^[^ ]/ { current = $1; if (current == port && $2 ~ /^[0-9]+$/) print $2; next }
        current == port && $1 ~ /^[0-9]+$/ { print $1 }' "$1"
}

is_json() {
    python3 -m json.tool "$1" > /dev/null
}

# Check that every port of a teamd lacp runner is unselected and has no
# partner (all-zero partner system), from `teamdctl T state dump`.
lacp_ports_unselected() {
    python3 - "$1" << 'PYTHON'
import json, sys
ports = json.load(open(sys.argv[1]))["ports"]
ok = bool(ports)
for name, port in ports.items():
    runner = port["runner"]
    partner = runner["partner_lacpdu_info"]["system"]
    print(f"  {name}: selected {runner['selected']}, state {runner['state']}, partner {partner}")
    ok &= runner["selected"] is False and partner == "00:00:00:00:00:00"
sys.exit(0 if ok else 1)
PYTHON
}

# Set the per-capture counts of the VM's ARP requests to its gateway, of the
# gateway's replies and of its ICMP echo replies, and print them.
count_vm_story() {
    local cap=$1 point
    declare -gA REQUESTS REPLIES ECHO_REPLIES
    for point in $CAPTURE_POINTS; do
        REQUESTS[$point]=$(count_tcpdump "$cap/$point.pcap" "$(arp_request_re "$VM_MAC" "$VM_IP" "$GW_IP")")
        REPLIES[$point]=$(count_tcpdump "$cap/$point.pcap" "$(arp_reply_re "$GW_MAC" "$VM_MAC" "$GW_IP")")
        ECHO_REPLIES[$point]=$(count_tcpdump "$cap/$point.pcap" "$(echo_reply_re "$GW_MAC" "$VM_MAC" "$GW_IP" "$VM_IP")")
        echo "  $point: $(count_frames "$cap/$point.pcap") frames, VM ARP requests ${REQUESTS[$point]}," \
            "gateway ARP replies ${REPLIES[$point]}, echo replies ${ECHO_REPLIES[$point]}"
    done
}

# The gateway's reply reaches the host's NICs but not the tap.
check_reply_lost_inside() {
    local point nics=0
    for point in $NIC $NIC1 $NIC2; do
        nics=$((nics + REPLIES[$point]))
    done
    check "the gateway's ARP reply reaches the host's NICs" test "$nics" -gt 0
    check "the gateway's ARP reply never reaches $TAP" test "${REPLIES[$TAP]}" -eq 0
}

check_healthy() {
    local out=$1/outputs
    check "the VM's ping succeeds" ping_succeeded "$out/vm_ping.txt"
    check "the gateway's ARP reply reaches $TAP" test "${REPLIES[$TAP]}" -gt 0
    check "$TAP holds the $PING_COUNT echo replies" test "${ECHO_REPLIES[$TAP]}" -eq "$PING_COUNT"
    check "bridge_fdb_show.txt has the VM's MAC on $TAP" fdb_has "$out/bridge_fdb_show.txt" "$VM_MAC" "$TAP"
}

verify_bond_balance_rr_flood() {
    local out=$1/outputs
    check_reply_lost_inside
    check "the VM's ping fails" ping_failed "$out/vm_ping.txt"
    check "the VM's requests leave the host" test "${REQUESTS[$NIC1]}" -gt 0
    # Each request crosses both slaves: out on one, flooded back in on the other.
    check "the switch echoes every VM request" test "${REQUESTS[$NIC1]}" -eq "${REQUESTS[$NIC2]}"
    check "$TAP holds each request twice (the echo is flooded back to the VM)" \
        test "${REQUESTS[$TAP]}" -eq $((REQUESTS[$NIC1] + REQUESTS[$NIC2]))
    check "bridge_fdb_show.txt has the VM's MAC on $AGG" fdb_has "$out/bridge_fdb_show.txt" "$VM_MAC" "$AGG"
    check "$AGG runs balance-rr" file_has "$out/proc_net_bonding_$AGG.txt" '^Bonding Mode: load balancing \(round-robin\)'
    check "the kernel logs the host's own frames coming back on $AGG" \
        file_has "$out/dmesg.txt" "$BRIDGE: received packet on $AGG with own address as source address"
}

verify_bond_activebackup_healthy() {
    local out=$1/outputs
    check_healthy "$1"
    check "the VM's requests leave on the active slave $NIC1" test "${REQUESTS[$NIC1]}" -gt 0
    check "the switch echoes them in on the backup slave $NIC2" test "${REQUESTS[$NIC2]}" -eq "${REQUESTS[$NIC1]}"
    check "bonding discards the echoes ($TAP sees each request once)" \
        test "${REQUESTS[$TAP]}" -eq "${REQUESTS[$NIC1]}"
    check "$AGG runs active-backup with $NIC1 active" \
        file_has "$out/proc_net_bonding_$AGG.txt" "^Currently Active Slave: $NIC1\$"
}

verify_gateway_silent() {
    local out=$1/outputs point
    check "the VM's ping fails" ping_failed "$out/vm_ping.txt"
    check "the VM's requests leave the host on $NIC" test "${REQUESTS[$NIC]}" -gt 0
    check "$NIC sees each request that $TAP sees" test "${REQUESTS[$NIC]}" -eq "${REQUESTS[$TAP]}"
    for point in $CAPTURE_POINTS; do
        check "no frame from the gateway reaches $point" test "$(count_tcpdump "$1/captures/$point.pcap" "^[^ ]+ $GW_MAC >")" -eq 0
    done
    check "the VM's neighbour entry for the gateway is FAILED" file_has "$out/vm_ip_neigh.txt" "^$(re_ip "$GW_IP") dev eth0 +FAILED"
}

verify_vlan_filter_team() {
    local out=$1/outputs cap=$1/captures vm2_requests vm2_replies vm2_echo_replies
    check "the VM in VLAN $VM_VLAN fails to ping" ping_failed "$out/vm_ping.txt"
    check "the VM in VLAN $VM2_VLAN pings its gateway" ping_succeeded "$out/vm2_ping.txt"
    check "the VM's requests reach $TAP" test "${REQUESTS[$TAP]}" -gt 0
    check "no frame from the VM leaves on $NIC1" test "$(count_tcpdump "$cap/$NIC1.pcap" "^[^ ]+ $VM_MAC >")" -eq 0
    check "no frame from the VM leaves on $NIC2" test "$(count_tcpdump "$cap/$NIC2.pcap" "^[^ ]+ $VM_MAC >")" -eq 0
    vm2_requests=$(count_tcpdump "$cap/$NIC1.pcap" "$VM2_MAC > ff:ff:ff:ff:ff:ff, ethertype 802\.1Q .*vlan $VM2_VLAN, .*Request who-has $(re_ip "$GW2_IP")")
    vm2_replies=$(count_tcpdump "$cap/$TAP2.pcap" "$(arp_reply_re "$GW2_MAC" "$VM2_MAC" "$GW2_IP")")
    vm2_echo_replies=$(count_tcpdump "$cap/$TAP2.pcap" "$(echo_reply_re "$GW2_MAC" "$VM2_MAC" "$GW2_IP" "$VM2_IP")")
    echo "  second VM: requests tagged $VM2_VLAN on $NIC1 $vm2_requests, ARP replies at $TAP2 $vm2_replies, echo replies at $TAP2 $vm2_echo_replies"
    check "the second VM's requests leave on $NIC1 tagged $VM2_VLAN" test "$vm2_requests" -gt 0
    check "the reply reaches $TAP2" test "$vm2_replies" -gt 0
    check "$TAP2 holds the $PING_COUNT echo replies" test "$vm2_echo_replies" -eq "$PING_COUNT"
    check "bridge -d vlan show has $TAP in VLAN $VM_VLAN as PVID" \
        file_has "$out/bridge_-d_vlan_show.txt" "^$TAP +$VM_VLAN PVID Egress Untagged"
    echo "  VLANs of $AGG in bridge -d vlan show: $(port_vlans "$out/bridge_-d_vlan_show.txt" "$AGG" | xargs)"
    check "bridge -d vlan show has no VLAN $VM_VLAN on $AGG" \
        not_grep -x "$VM_VLAN" <(port_vlans "$out/bridge_-d_vlan_show.txt" "$AGG")
}

verify_reflector_loop() {
    local out=$1/outputs
    check_reply_lost_inside
    check "the VM's ping fails" ping_failed "$out/vm_ping.txt"
    check "the host's own ping to the gateway succeeds" ping_succeeded "$out/host_ping.txt"
    check "the VM's requests leave the host" test "${REQUESTS[$NIC]}" -gt 0
    # Each request is seen twice on the uplink (out, then reflected in) and
    # twice on the tap (the original, then the reflection flooded back).
    check "$NIC sees every request twice" test $((REQUESTS[$NIC] % 2)) -eq 0
    check "$TAP sees every request twice" test "${REQUESTS[$TAP]}" -eq "${REQUESTS[$NIC]}"
    check "bridge_fdb_show.txt has the VM's MAC on $NIC" fdb_has "$out/bridge_fdb_show.txt" "$VM_MAC" "$NIC"
    check "the kernel logs the host's own frames coming back on $NIC" \
        file_has "$out/dmesg.txt" "$BRIDGE: received packet on $NIC with own address as source address"
}

verify_broadcast_storm() {
    local cap=$1/captures
    check "$NIC holds 400 frames" test "$(count_frames "$cap/$NIC.pcap")" -eq 400
    check "$TAP holds 400 frames" test "$(count_frames "$cap/$TAP.pcap")" -eq 400
    # The VM sent one request; the loop returns copies of it until both
    # captures reach their limit, a fraction of a second later.
    check "at least 300 frames on $NIC are the VM's request" test "${REQUESTS[$NIC]}" -ge 300
    check "at least 300 frames on $TAP are the VM's request" test "${REQUESTS[$TAP]}" -ge 300
    # The circling copies keep moving the VM's MAC to the switches' loop
    # ports, so the gateway's reply does not reach the host during the storm.
    check "no gateway reply reaches $NIC" test "${REPLIES[$NIC]}" -eq 0
    check "no gateway reply reaches $TAP" test "${REPLIES[$TAP]}" -eq 0
    check "no unicast frame to the VM arrives on $NIC" \
        test "$(count_tcpdump "$cap/$NIC.pcap" "^[^ ]+ [^ ]+ > $VM_MAC,")" -eq 0
}

verify_lacp_not_aggregated() {
    local out=$1/outputs cap=$1/captures point lacpdus own
    check "the VM's ping fails" ping_failed "$out/vm_ping.txt"
    for point in $NIC1 $NIC2; do
        lacpdus=$(count_tcpdump "$cap/$point.pcap" "ethertype Slow Protocols \(0x8809\)")
        # tcpdump -v prints each LACPDU's actor as "System <MAC>, System Priority ...".
        own=$(tcpdump -nn -v -r "$cap/$point.pcap" 2> /dev/null | grep -cE "^\s+System $AGG_MAC, System Priority" || true)
        echo "  $point: $lacpdus LACPDUs, $own of them with the host's system ID $AGG_MAC"
        check "the host sends LACPDUs on $point" test "$own" -gt 0
        check "no partner LACPDU arrives on $point" test "$lacpdus" -eq "$own"
        check "no VM request leaves on $point" test "${REQUESTS[$point]}" -eq 0
    done
    check "the VM's requests reach $TAP" test "${REQUESTS[$TAP]}" -gt 0
    check "teamdctl: both ports unselected, partner all zero" lacp_ports_unselected "$out/teamdctl_${AGG}_state_dump.json"
}

verify_balance_alb() {
    local out=$1/outputs cap=$1/captures rewritten learning
    check_healthy "$1"
    check "$AGG runs balance-alb" file_has "$out/proc_net_bonding_$AGG.txt" '^Bonding Mode: adaptive load balancing'
    check "$TAP sees the VM's request once (bonding discards the switch's echo)" test "${REQUESTS[$TAP]}" -eq 1
    # Once a redistribution has counted the broadcasts on the active slave,
    # the VM's flow leaves on the other one, and bonding writes that slave's
    # own MAC over the VM's source MAC.
    rewritten=$(count_tcpdump "$cap/$NIC2.pcap" \
        "^[^ ]+ $NIC2_MAC > $GW_MAC, ethertype IPv4 .*$(re_ip "$VM_IP") > $(re_ip "$GW_IP"): ICMP echo request")
    # tcpdump prints the learning frames as "ethertype Loopback (0x9000)".
    learning=$(count_tcpdump "$cap/$NIC2.pcap" "^[^ ]+ $NIC2_MAC > $NIC2_MAC, ethertype Loopback \(0x9000\)")
    echo "  $NIC2: $rewritten echo requests from $VM_IP with source $NIC2_MAC, $learning learning frames"
    check "some of the VM's echo requests leave $NIC2 with source $NIC2_MAC" test "$rewritten" -gt 0
    check "bonding sends learning frames from $NIC2" test "$learning" -gt 0
    # The switch keeps the VM's MAC on the port to the active slave, because
    # the rewritten frames no longer carry it.
    check "every echo reply arrives on $NIC1" test "${ECHO_REPLIES[$NIC1]}" -eq "$PING_COUNT"
}

# Verify from the captures and outputs that the traffic matches the case's
# story. Every count is printed, so that a failed check shows the numbers.
verify_case() {
    local case=$1 dir=$2 file out=$2/outputs
    echo "checking $case"
    for file in "$dir"/captures/*; do
        check "tcpdump reads $(basename "$file")" tcpdump_reads "$file"
    done
    for file in "$out"/*.json; do
        check "$(basename "$file") is JSON" is_json "$file"
    done
    if [ "$case" != vlan-filter-team ]; then
        check "bridge_fdb_show_before.txt has the VM's MAC on $TAP" \
            fdb_has "$out/bridge_fdb_show_before.txt" "$VM_MAC" "$TAP"
    fi
    count_vm_story "$dir/captures"
    "verify_${case//-/_}" "$dir"
}

# Boot the guest for one case, which writes its files to WORK/out. Return 1
# when the UML process itself fails, and stop when the guest script fails.
run_guest() {
    local case=$1 work=$2 status=0
    rm -rf "$work/out"
    mkdir "$work/out"
    # The guest reads its init through hostfs at the host path, and the kernel
    # logs that path. Booting a copy keeps the repository path out of dmesg.txt.
    cp "$HERE/make_cases.sh" "$work/make_cases.sh"
    chmod 755 "$work/make_cases.sh"
    echo "booting the UML guest for $case (console log: $work/console.log)"
    timeout --kill-after=10 "$GUEST_TIMEOUT" \
        linux mem=512M root=/dev/root rootfstype=hostfs rootflags=/ ro \
        init="$work/make_cases.sh" con=null con0=null,fd:1 \
        CASE_NAME="$case" CASE_OUT="$work/out" \
        < /dev/null > "$work/console.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        echo "make_cases: the UML process for $case exited with status $status" \
            "(124: timed out after $GUEST_TIMEOUT s); see $work/console.log" >&2
        return 1
    fi
    [ -f "$work/out/status" ] ||
        die "the UML guest for $case wrote no status file; see $work/console.log"
    if [ "$(cat "$work/out/status")" != 0 ]; then
        tail -n 20 "$work/out/guest.log" >&2
        die "the guest script failed for $case; see $work/out/guest.log"
    fi
}

install_case() {
    local case=$1 work=$2
    rm -rf "${CASES_DIR:?}/$case/captures" "${CASES_DIR:?}/$case/outputs"
    mkdir -p "$CASES_DIR/$case"
    cp -r "$work/out/captures" "$work/out/outputs" "$CASES_DIR/$case/"
    chmod -R u=rwX,go=rX "$CASES_DIR/$case/captures" "$CASES_DIR/$case/outputs"
    cp "$work/out/versions.txt" "$CASES_DIR/versions.txt"
}

main() {
    local cases=("$@") case work
    [ ${#cases[@]} -gt 0 ] || cases=("${ALL_CASES[@]}")
    require_tools
    for case in "${cases[@]}"; do
        case_plan "$case" || die "unknown case '$case'; known: ${ALL_CASES[*]}"
        work=$(mktemp -d /tmp/l2trace-cases.XXXXXX)
        # NOTE: linux 6.1um4+b13 once aborted (SIGABRT) after printing
        # "reboot: System halted", in about 30 boots. A case whose UML process
        # fails is rebuilt from scratch once.
        if ! run_guest "$case" "$work"; then
            mv "$work/console.log" "$work/console-failed.log"
            echo "make_cases: rebuilding $case once more" >&2
            run_guest "$case" "$work" || die "the UML guest for $case failed twice; see $work/console.log"
        fi
        CHECK_ERRORS=0
        verify_case "$case" "$work/out"
        [ "$CHECK_ERRORS" -eq 0 ] ||
            die "$CHECK_ERRORS check(s) failed for $case; its files stay in $work/out"
        install_case "$case" "$work"
        echo "$case: written to $CASES_DIR/$case"
        if [ "${KEEP_WORK:-0}" = 1 ]; then
            echo "$case: guest log and console log kept in $work"
        else
            rm -rf "$work"
        fi
    done
}

main "$@"
