#!/usr/bin/env bash
# Build small cases with this machine's own kernel (bridge, veth, macvlan) in
# network namespaces, capture with tcpdump and save iproute2 output. Needs
# root, iproute2, tcpdump and iputils-ping. All traffic stays inside the
# namespaces made here, which are deleted at the end.
#
# Usage: tests/data/hostcases/make.sh [OUTPUT_DIR [CASE...]]   (default: beside this script, every case)
set -euo pipefail
out=${1:-$(cd "$(dirname "$0")" && pwd)}
shift || true
wanted=("$@")
prefix=l2t-hc
namespaces=()

cleanup() {
    for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT

netns() {
    ip netns add "$prefix-$1"
    namespaces+=("$prefix-$1")
    ip -n "$prefix-$1" link set lo up
    # No IPv6: its router solicitations and MLD reports would drown the few frames of each story.
    ip netns exec "$prefix-$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# capture NS IFACE FILE: start tcpdump in the background, recording its PID.
capture_pids=()
capture() {
    ip netns exec "$prefix-$1" tcpdump -i "$2" -U -s 256 -w "$3" 2>/dev/null &
    capture_pids+=($!)
}

stop_captures() {
    sleep 0.5
    for pid in "${capture_pids[@]}"; do kill -INT "$pid"; done
    for pid in "${capture_pids[@]}"; do wait "$pid" || true; done
    capture_pids=()
}

save_outputs() {  # save_outputs NS DIR
    ip -n "$prefix-$1" -d link show > "$2/ip_-d_link.txt"
    ip netns exec "$prefix-$1" bridge fdb show > "$2/bridge_fdb_show.txt"
    ip netns exec "$prefix-$1" bridge link show > "$2/bridge_link_show.txt"
}

# --- hairpin-vepa: two macvlan guests in VEPA mode behind one bridge port ---
# VEPA sends guest-to-guest frames out to the adjacent bridge, which must send
# them back out of the same port. With hairpin off, br0 drops them.
make_hairpin() {
    local dir=$out/hairpin-vepa
    rm -rf "$dir"; mkdir -p "$dir/captures" "$dir/outputs"
    netns host; netns edge; netns h1; netns h2; netns vm
    local host=$prefix-host edge=$prefix-edge
    ip -n "$host" link add br0 type bridge stp_state 0
    ip -n "$host" link set br0 address 02:00:5e:10:00:01
    ip -n "$host" link add eno1 type veth peer name up0 netns "$edge"
    ip -n "$host" link add vnet0 type veth peer name eth0 netns "$prefix-vm"
    ip -n "$host" link set eno1 master br0
    ip -n "$host" link set vnet0 master br0
    for dev in br0 eno1 vnet0; do ip -n "$host" link set "$dev" up; done
    ip -n "$prefix-vm" link set eth0 address 52:54:00:3c:00:30
    ip -n "$prefix-vm" addr add 198.19.7.30/24 dev eth0
    ip -n "$prefix-vm" link set eth0 up
    ip -n "$edge" link set up0 up
    local n=1
    for guest in h1 h2; do
        ip -n "$edge" link add link up0 name "mv$n" type macvlan mode vepa
        ip -n "$edge" link set "mv$n" netns "$prefix-$guest"
        ip -n "$prefix-$guest" link set "mv$n" address "02:00:5e:10:01:0$n"
        ip -n "$prefix-$guest" addr add "198.19.7.1$n/24" dev "mv$n"
        ip -n "$prefix-$guest" link set "mv$n" up
        n=$((n + 1))
    done
    # Static neighbour entries: the unicast frames, not ARP, show the hairpin drop.
    ip -n "$prefix-h1" neigh add 198.19.7.12 lladdr 02:00:5e:10:01:02 dev mv1 nud permanent
    ip -n "$prefix-h2" neigh add 198.19.7.11 lladdr 02:00:5e:10:01:01 dev mv2 nud permanent
    sleep 1
    capture host eno1 "$dir/captures/eno1.pcap"
    capture host vnet0 "$dir/captures/vnet0.pcap"
    sleep 1
    # h2 talks to the VM first, so br0 learns h2's MAC on eno1 legitimately.
    ip netns exec "$prefix-h2" ping -c 1 -W 1 198.19.7.30 > /dev/null || true
    ip netns exec "$prefix-h1" ping -c 3 -i 0.3 -W 1 198.19.7.12 > "$dir/outputs/h1_ping.txt" || true
    stop_captures
    save_outputs host "$dir/outputs"
}

# --- duplicate-mac: two guests on two taps use the same MAC ---
make_duplicate_mac() {
    local dir=$out/duplicate-mac
    rm -rf "$dir"; mkdir -p "$dir/captures" "$dir/outputs"
    netns dhost; netns gw; netns vm1; netns vm2
    local host=$prefix-dhost
    ip -n "$host" link add br0 type bridge stp_state 0
    ip -n "$host" link set br0 address 02:00:5e:20:00:01
    ip -n "$host" link add eno1 type veth peer name eth0 netns "$prefix-gw"
    ip -n "$host" link add vnet1 type veth peer name eth0 netns "$prefix-vm1"
    ip -n "$host" link add vnet2 type veth peer name eth0 netns "$prefix-vm2"
    for dev in eno1 vnet1 vnet2; do ip -n "$host" link set "$dev" master br0; ip -n "$host" link set "$dev" up; done
    ip -n "$host" link set br0 up
    ip -n "$prefix-gw" link set eth0 address 00:16:3e:20:00:fe
    ip -n "$prefix-gw" addr add 198.19.8.254/24 dev eth0
    ip -n "$prefix-gw" link set eth0 up
    local n=1
    for vm in vm1 vm2; do
        ip -n "$prefix-$vm" link set eth0 address 52:54:00:5d:0b:07
        ip -n "$prefix-$vm" addr add "198.19.8.1$n/24" dev eth0
        ip -n "$prefix-$vm" link set eth0 up
        n=$((n + 1))
    done
    sleep 1
    capture dhost eno1 "$dir/captures/eno1.pcap"
    capture dhost vnet1 "$dir/captures/vnet1.pcap"
    capture dhost vnet2 "$dir/captures/vnet2.pcap"
    sleep 1
    ip netns exec "$prefix-vm1" ping -c 3 -i 0.4 -W 1 198.19.8.254 > "$dir/outputs/vm1_ping.txt" &
    local first=$!
    sleep 0.2
    ip netns exec "$prefix-vm2" ping -c 3 -i 0.4 -W 1 198.19.8.254 > "$dir/outputs/vm2_ping.txt" || true
    wait "$first" || true
    stop_captures
    save_outputs dhost "$dir/outputs"
}

# --- stp-uplink: a bridge with STP on sends BPDUs out of its uplink ---
make_stp_uplink() {
    local dir=$out/stp-uplink
    rm -rf "$dir"; mkdir -p "$dir/captures" "$dir/outputs"
    netns shost; netns sw; netns svm
    local host=$prefix-shost
    ip -n "$host" link add br0 type bridge stp_state 1 hello_time 100 forward_delay 200
    ip -n "$host" link set br0 address 02:00:5e:30:00:01
    ip -n "$host" link add eno1 type veth peer name swp1 netns "$prefix-sw"
    ip -n "$host" link add vnet0 type veth peer name eth0 netns "$prefix-svm"
    for dev in eno1 vnet0; do ip -n "$host" link set "$dev" master br0; ip -n "$host" link set "$dev" up; done
    ip -n "$prefix-sw" link set swp1 up
    ip -n "$prefix-svm" link set eth0 up
    capture shost eno1 "$dir/captures/eno1.pcap"
    ip -n "$host" link set br0 up
    sleep 3.5
    stop_captures
    save_outputs shost "$dir/outputs"
}

# --- fdb-self-master: the device's own FDB and the bridge's disagree ---
make_fdb_mismatch() {
    local dir=$out/fdb-self-master
    rm -rf "$dir"; mkdir -p "$dir/outputs"
    netns fhost; netns fpeer
    local host=$prefix-fhost
    ip -n "$host" link add br0 type bridge stp_state 0
    ip -n "$host" link add swp1 type veth peer name p1 netns "$prefix-fpeer"
    ip -n "$host" link add swp2 type veth peer name p2 netns "$prefix-fpeer"
    for dev in swp1 swp2; do ip -n "$host" link set "$dev" master br0; ip -n "$host" link set "$dev" up; done
    ip -n "$host" link set br0 up
    ip netns exec "$host" bridge fdb add 02:00:5e:40:00:07 dev swp1 self permanent
    ip netns exec "$host" bridge fdb add 02:00:5e:40:00:07 dev swp2 master static
    save_outputs fhost "$dir/outputs"
}

# --- log-clock: kernel log lines next to the captures that caused them ---
# The switch port mirrors every frame it receives back to the host (tc mirred
# behind a u32 filter that matches everything), so the
# bridge logs "received packet on eno9 with own address" for the host's own
# frames, and the uplink goes down while the captures still run. dmesg and
# dmesg -T keep the same lines with the two kinds of stamp; /proc/uptime is
# read right after the time is taken, as sos would. The bridge has a name no
# other case uses, because the kernel log is shared by every namespace.
make_log_clock() {
    local dir=$out/log-clock
    rm -rf "$dir"; mkdir -p "$dir/captures" "$dir/outputs"
    netns lhost; netns lsw; netns lvm
    local host=$prefix-lhost sw=$prefix-lsw
    local start
    start=$(cut -d' ' -f1 /proc/uptime)
    ip -n "$host" link add brlog0 type bridge stp_state 0
    ip -n "$host" link set brlog0 address 02:00:5e:50:00:01
    ip -n "$host" link add eno9 type veth peer name swp9 netns "$sw"
    ip -n "$host" link add vnet9 type veth peer name eth0 netns "$prefix-lvm"
    for dev in eno9 vnet9; do ip -n "$host" link set "$dev" master brlog0; ip -n "$host" link set "$dev" up; done
    ip -n "$host" addr add 198.19.9.2/24 dev brlog0
    ip -n "$host" link set brlog0 up
    ip -n "$prefix-lvm" link set eth0 address 52:54:00:5d:09:0a
    ip -n "$prefix-lvm" addr add 198.19.9.10/24 dev eth0
    ip -n "$prefix-lvm" link set eth0 up
    ip -n "$sw" link set swp9 address 02:00:5e:50:00:fe
    ip -n "$sw" addr add 198.19.9.1/24 dev swp9
    ip -n "$sw" link set swp9 up
    ip netns exec "$sw" tc qdisc add dev swp9 ingress
    ip netns exec "$sw" tc filter add dev swp9 ingress u32 match u32 0 0 action mirred egress mirror dev swp9
    sleep 1
    capture lhost eno9 "$dir/captures/eno9.pcap"
    capture lhost vnet9 "$dir/captures/vnet9.pcap"
    sleep 1
    ip netns exec "$host" ping -c 4 -i 1 -W 1 198.19.9.1 > "$dir/outputs/host_ping.txt" || true
    sleep 0.5
    ip -n "$sw" link set swp9 down
    sleep 0.5
    stop_captures
    save_outputs lhost "$dir/outputs"
    local plain dated count
    plain=$(dmesg | awk -v start="$start" '/brlog0/ { stamp = $0; sub(/^\[ */, "", stamp); sub(/\].*/, "", stamp); if (stamp + 0 >= start + 0) print }')
    dated=$(dmesg -T | grep brlog0)
    count=$(printf '%s\n' "$plain" | grep -c brlog0)
    printf '%s\n' "$plain" > "$dir/outputs/dmesg.txt"
    printf '%s\n' "$dated" | tail -n "$count" > "$dir/outputs/dmesg_-T.txt"
    date +%s.%N > "$dir/outputs/proc_uptime_collected_at.txt"
    cat /proc/uptime > "$dir/outputs/proc_uptime.txt"
    if [ "$(grep -c 'own address' "$dir/outputs/dmesg.txt")" -lt 2 ]; then
        echo "log-clock: fewer than 2 own-address lines in dmesg" >&2; return 1
    fi
}

all_cases=(hairpin duplicate_mac stp_uplink fdb_mismatch log_clock)
for name in "${wanted[@]:-${all_cases[@]}}"; do
    "make_$name"
done
{
    echo "made on $(date -u +%Y-%m-%d) with:"
    uname -sr
    ip -V
    tcpdump --version 2>&1 | head -1
} > "$out/versions.txt"
