#!/bin/bash
# Build one sample case inside a User-Mode-Linux guest. make_samples.sh boots
# the guest with this script as its init (PID 1).
#
# The kernel passes these command-line parameters to init as environment:
#   SAMPLE_CASE  case name, one of the folders listed in make_samples.sh
#   SAMPLE_OUT   absolute host path that receives captures/, outputs/,
#                guest.log, versions.txt and status (mounted with hostfs)
#
# The guest has no network device to the outside: every interface below is a
# veth, a bridge, a team or a bond inside network namespaces of this guest.

export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LC_ALL=C

CAPTURE_DIR=/tmp/captures
OUT=/mnt

# Addresses of the topology. README.md shows the same plan as a drawing.
TEAM_MAC=00:50:56:9a:10:24      # team1 and br1, which the kernel would also pick (lowest port MAC)
ENS224_MAC=00:50:56:9a:22:40    # permanent MACs; teamd sets both ports to team1's MAC
ENS256_MAC=00:50:56:9a:25:60
VNET_MAC=fe:54:00:6b:2e:01      # libvirt names a tap fe: plus the guest MAC's tail
VM_MAC=52:54:00:6b:2e:01
GW_MAC=00:16:3e:5a:10:01
SW_MAC=02:5e:10:00:00:00        # sw0 and its ports: locally administered
SW_P1_MAC=02:5e:10:00:00:01
SW_P2_MAC=02:5e:10:00:00:02
SW_P3_MAC=02:5e:10:00:00:03
PO1_MAC=02:5e:10:00:00:10

HOST_IP=198.51.100.2
VM_IP=198.51.100.20
GW_IP=198.51.100.1
PREFIX=24

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

mount_filesystems() {
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    # teamd keeps its PID file and control socket under /var/run (-> /run).
    mount -t tmpfs tmpfs /run
    mount -t tmpfs tmpfs /tmp
    mount -t hostfs none "$OUT" -o "$SAMPLE_OUT"
}

# Make the UML module tree loadable. The host's / is mounted read-only and
# has no /lib/modules/<guest version>, so modprobe gets a base directory in
# tmpfs, and the kernel's own module requests go through the same wrapper.
setup_modules() {
    local release base
    release=$(uname -r)
    base=/tmp/modroot
    mkdir -p "$base/lib/modules"
    ln -s "/usr/lib/uml/modules/$release" "$base/lib/modules/$release"
    printf '#!/bin/sh\nexec /usr/sbin/modprobe -d %s "$@"\n' "$base" > /tmp/modprobe
    chmod +x /tmp/modprobe
    echo /tmp/modprobe > /proc/sys/kernel/modprobe

    # IPv6 stays loaded (tools open AF_INET6 sockets) but off on every
    # interface, so that router solicitations, MLD reports and DAD probes at
    # random times do not move MACs in br1 before the ARP story starts. It
    # goes first because the bridge module pulls it in without the option.
    run /tmp/modprobe ipv6 disable_ipv6=1
    # max_bonds=0 keeps the bonding driver from creating bond0 on load.
    run /tmp/modprobe bonding max_bonds=0
    local module
    for module in bridge veth team team_mode_roundrobin team_mode_activebackup; do
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
        echo "dumpcap: $(dumpcap --version 2>&1 | head -n 1)"
        echo "ping: $(ping -V 2>&1 | head -n 1)"
    } > "$OUT/versions.txt"
}

create_namespaces() {
    local ns
    for ns in host switch gw vm; do
        run ip netns add "$ns"
        run ip -n "$ns" link set lo up
    done
}

# The "switch": Linux bridge sw0 with two ports facing the host (sw0p1 to
# ens224, sw0p2 to ens256) and sw0p3 to the gateway. With lag=yes the two
# host-facing ports form a static aggregate (bond po1, balance-xor).
create_switch() {
    local lag=$1
    run ip -n switch link add sw0 address "$SW_MAC" type bridge
    run ip -n host link add ens224 address "$ENS224_MAC" type veth \
        peer name sw0p1 address "$SW_P1_MAC" netns switch
    run ip -n host link add ens256 address "$ENS256_MAC" type veth \
        peer name sw0p2 address "$SW_P2_MAC" netns switch
    run ip -n gw link add eth0 address "$GW_MAC" type veth \
        peer name sw0p3 address "$SW_P3_MAC" netns switch

    if [ "$lag" = yes ]; then
        run ip -n switch link add po1 address "$PO1_MAC" type bond \
            mode balance-xor xmit_hash_policy layer2 miimon 100
        run ip -n switch link set sw0p1 master po1
        run ip -n switch link set sw0p2 master po1
        run ip -n switch link set po1 master sw0
        run ip -n switch link set po1 up
    else
        run ip -n switch link set sw0p1 master sw0
        run ip -n switch link set sw0p2 master sw0
    fi
    run ip -n switch link set sw0p3 master sw0
    local port
    for port in sw0p1 sw0p2 sw0p3 sw0; do
        run ip -n switch link set "$port" up
    done

    run ip -n gw addr add "$GW_IP/$PREFIX" dev eth0
    run ip -n gw link set eth0 up
}

team_config() {
    case $1 in
        roundrobin)
            printf '{"device": "team1", "hwaddr": "%s", "runner": {"name": "roundrobin"}, %s}' \
                "$TEAM_MAC" '"link_watch": {"name": "ethtool"}, "ports": {"ens224": {}, "ens256": {}}'
            ;;
        activebackup)
            # The higher prio makes ens224 the active port.
            printf '{"device": "team1", "hwaddr": "%s", "runner": {"name": "activebackup"}, %s}' \
                "$TEAM_MAC" '"link_watch": {"name": "ethtool"}, "ports": {"ens224": {"prio": 100}, "ens256": {"prio": 50}}'
            ;;
        *)
            fail "unknown team runner: $1"
            ;;
    esac
}

# Wait until teamd reports both ports with link up, which for the ethtool link
# watch needs the switch side of each veth up.
wait_for_team() {
    local state
    for _ in $(seq 1 50); do
        state=$(ip netns exec host teamdctl team1 state 2>/dev/null) || state=
        if [ "$(grep -c 'link: up' <<<"$state")" -ge 2 ]; then
            return 0
        fi
        sleep 0.2
    done
    echo "$state" >&2
    fail "team1 ports did not come up within 10 s"
}

# The host: bridge br1 with ports team1 (teamd, ports ens224 and ens256)
# and vnet0, whose veth peer eth0 in namespace "vm" stands for the VM's NIC.
create_host() {
    local runner=$1
    run ip -n host link add br1 address "$TEAM_MAC" type bridge
    run ip -n host link add vnet0 address "$VNET_MAC" type veth \
        peer name eth0 address "$VM_MAC" netns vm

    run ip netns exec host teamd -d -c "$(team_config "$runner")"
    wait_for_team

    run ip -n host link set team1 master br1
    run ip -n host link set vnet0 master br1
    run ip -n host link set vnet0 up
    run ip -n host link set team1 up
    run ip -n host addr add "$HOST_IP/$PREFIX" dev br1
    run ip -n host link set br1 up

    run ip -n vm addr add "$VM_IP/$PREFIX" dev eth0
    run ip -n vm link set eth0 up
    run ip -n vm route add default via "$GW_IP"
}

# Start one capture process in the host namespace and wait until it reports
# that it is listening, so that no frame of the traffic is missed.
start_capture() {
    local name=$1
    shift
    local errfile="/tmp/$name.stderr"
    ip netns exec host "$@" 2>"$errfile" &
    CAPTURE_PIDS+=("$!")
    for _ in $(seq 1 50); do
        if grep -qE '(listening on|Capturing on)' "$errfile"; then
            log "capture $name started: $*"
            return 0
        fi
        sleep 0.2
    done
    cat "$errfile" >&2
    fail "capture $name did not start within 10 s: $*"
}

start_captures() {
    local mode=$1 point
    mkdir -p "$CAPTURE_DIR"
    case $mode in
        per-interface)
            for point in vnet0 ens224 ens256; do
                start_capture "$point" tcpdump -U --immediate-mode -Z root -i "$point" -w "$CAPTURE_DIR/$point.pcap"
            done
            ;;
        pcapng)
            start_capture dumpcap dumpcap -i vnet0 -i ens224 -i ens256 -w "$CAPTURE_DIR/capture.pcapng"
            ;;
        any)
            # In immediate mode (TPACKET_V2) libpcap 1.10 sizes each ring slot
            # by the MTU on Ethernet but by the snapshot length (256 KiB) on
            # other link types (create_ring in pcap-linux.c). On "any" the
            # default 2 MiB buffer thus has room for 8 frames, which one broadcast
            # seen on five interfaces overflowed. 64 MiB has room for 256.
            start_capture any tcpdump -U --immediate-mode -B 65536 -Z root -i any -y LINUX_SLL2 \
                -w "$CAPTURE_DIR/any.pcap"
            ;;
        *)
            fail "unknown capture mode: $mode"
            ;;
    esac
    # Both tools report that they listen just before their first read, so
    # give them a moment to reach it.
    sleep 0.5
}

# Stop the captures with SIGINT, on which tcpdump and dumpcap flush and
# close their files. Frames still waiting in a TPACKET_V3 block when the
# signal arrives are lost. So tcpdump runs in immediate mode, and the last
# frames get two seconds, longer than dumpcap's 250 ms read timeout
# (CAP_READ_TIMEOUT in dumpcap.c). Each tcpdump
# must then report as many packets captured as received by its filter, and
# dumpcap must report no drops.
stop_captures() {
    local pid status=0 errfile captured received
    sleep 2
    for pid in "${CAPTURE_PIDS[@]}"; do
        kill -INT "$pid"
    done
    for pid in "${CAPTURE_PIDS[@]}"; do
        wait "$pid" || status=$?
    done
    cat /tmp/*.stderr
    [ "$status" -eq 0 ] || fail "a capture process exited with status $status"
    for errfile in /tmp/*.stderr; do
        captured=$(sed -nE 's/^([0-9]+) packets? captured$/\1/p' "$errfile")
        received=$(sed -nE 's/^([0-9]+) packets? received by filter$/\1/p' "$errfile")
        if [ "$captured" != "$received" ]; then
            fail "$errfile: $captured packets captured but $received received by filter"
        fi
        # dumpcap reports "Packets received/dropped on interface 'X': R/D ...".
        if grep -qE "dropped on interface '[^']+': [0-9]+/[1-9]" "$errfile"; then
            fail "$errfile: dumpcap dropped packets"
        fi
    done
}

save_fdb() {
    local suffix=$1
    run ip netns exec host bridge fdb show > "$OUT/outputs/bridge_fdb_show$suffix.txt"
    run ip netns exec host bridge -s -j fdb show > "$OUT/outputs/bridge_-s_-j_fdb_show$suffix.json"
}

run_traffic() {
    # The host talks to the VM first, so br1 learns the VM's MAC on vnet0.
    log "host pings the VM"
    ip netns exec host ping -c 1 -W 2 "$VM_IP" || fail "the host could not ping the VM at $VM_IP"
    sleep 1
    save_fdb _before

    log "VM pings the gateway"
    # In the failing cases ping exits 1, which is the expected outcome.
    ip netns exec vm ping -c 4 -W 1 "$GW_IP" > "$OUT/outputs/vm_ping.txt" 2>&1 || true
    cat "$OUT/outputs/vm_ping.txt"
    wait_for_arp_to_settle
}

# After a failed ping the VM's kernel keeps sending ARP requests until the
# neighbour entry leaves INCOMPLETE. Waiting for that keeps the last requests
# from reaching one capture but not another as the captures stop.
wait_for_arp_to_settle() {
    for _ in $(seq 1 50); do
        if ! ip -n vm neigh show "$GW_IP" | grep -q INCOMPLETE; then
            return 0
        fi
        sleep 0.2
    done
    log "the VM's neighbour entry for $GW_IP is still INCOMPLETE after 10 s"
}

save_outputs() {
    local out=$OUT/outputs
    run ip netns exec host ip -d link show > "$out/ip_-d_link.txt"
    save_fdb ""
    run ip netns exec host bridge link show > "$out/bridge_link_show.txt"
    run ip netns exec host teamdctl team1 state dump > "$out/teamdctl_team1_state_dump.json"
    run ip netns exec host teamdctl team1 config dump > "$out/teamdctl_team1_config_dump.json"
    run ip netns exec vm ip neigh show > "$out/vm_ip_neigh.txt"
    run dmesg > "$out/dmesg.txt"
}

main() {
    local runner lag capture_mode
    case $SAMPLE_CASE in
        roundrobin-flood)        runner=roundrobin lag=no capture_mode=per-interface ;;
        roundrobin-lag)          runner=roundrobin lag=yes capture_mode=per-interface ;;
        activebackup)            runner=activebackup lag=no capture_mode=per-interface ;;
        roundrobin-flood-pcapng) runner=roundrobin lag=no capture_mode=pcapng ;;
        roundrobin-flood-any)    runner=roundrobin lag=no capture_mode=any ;;
        *) fail "unknown SAMPLE_CASE: '$SAMPLE_CASE'" ;;
    esac
    log "case $SAMPLE_CASE: runner $runner, switch aggregation $lag, captures $capture_mode"

    setup_modules
    record_versions
    mkdir -p "$OUT/outputs" "$OUT/captures"
    create_namespaces
    create_switch "$lag"
    create_host "$runner"
    # Interfaces that come up send IGMP reports for about two seconds (br1
    # joins 224.0.0.106 for multicast router discovery). Waiting them out lets
    # the captures start on a quiet network.
    sleep 3

    start_captures "$capture_mode"
    run_traffic
    stop_captures
    save_outputs
    cp "$CAPTURE_DIR"/* "$OUT/captures/"
    log "case $SAMPLE_CASE done"
}

if [ "$$" -ne 1 ]; then
    echo "uml_guest.sh runs as init of a User-Mode-Linux guest; use make_samples.sh" >&2
    exit 2
fi

mount_filesystems
( main ) > "$OUT/guest.log" 2>&1
echo $? > "$OUT/status"
sync
# poweroff -f returns only when it fails, and halt -f is then the fallback.
poweroff -f || halt -f
sleep infinity
