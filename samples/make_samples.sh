#!/bin/bash
# Rebuild the sample cases in this folder with the real Linux kernel.
#
# Each case boots a User-Mode-Linux guest (the Debian kernel in /usr/bin/linux)
# whose root is the host's / mounted read-only through hostfs. uml_guest.sh runs
# as the guest's init: it builds the topology in network namespaces, runs the
# traffic, captures it and saves the command output. The guest has no network
# device to the outside, so nothing here touches the host's network.
#
# Needs these Debian packages: user-mode-linux, libteam-utils (teamd, teamdctl),
# tcpdump, iproute2, iputils-ping, kmod (modprobe), wireshark-common (dumpcap)
# and tshark (to check the pcapng case), plus python3 to check the JSON outputs.
# Tested as root on Debian 12.
#
# Usage: make_samples.sh [CASE...]     (default: every case)
# Set KEEP_WORK=1 to keep each case's work directory (guest and console logs).
# A case's captures/ and outputs/ are replaced only after its checks pass.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ALL_CASES=(roundrobin-flood roundrobin-lag activebackup roundrobin-flood-pcapng roundrobin-flood-any)
GUEST_TIMEOUT=300   # seconds; one case took about 20 s on a 2-CPU x86-64 host

VM_MAC=52:54:00:6b:2e:01
GW_MAC=00:16:3e:5a:10:01
# tcpdump -e prints an ARP reply as
# "<src> > <dst>, ethertype ARP (0x0806), length 42: Reply <ip> is-at <mac>, ...".
GW_REPLY_RE="$GW_MAC > $VM_MAC, ethertype ARP .*Reply 198\.51\.100\.1 is-at"
GW_ECHO_REPLY_RE="$GW_MAC > $VM_MAC, ethertype IPv4 .*198\.51\.100\.1 > 198\.51\.100\.20: ICMP echo reply"
VM_REQUEST_RE="$VM_MAC > ff:ff:ff:ff:ff:ff, ethertype ARP .*Request who-has 198\.51\.100\.1 tell 198\.51\.100\.20"

CHECK_ERRORS=0

die() {
    echo "make_samples: error: $*" >&2
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
    for tool in linux teamd teamdctl tcpdump ip bridge ping modprobe dumpcap tshark python3; do
        command -v "$tool" > /dev/null || missing+=("$tool")
    done
    [ ${#missing[@]} -eq 0 ] || die "missing tools: ${missing[*]}; install the packages listed at the top of $0"
    local modules
    modules="/usr/lib/uml/modules/$(linux --version)"
    [ -d "$modules" ] || die "UML module tree not found: $modules (package user-mode-linux)"
}

# Count the lines of `tcpdump -nn -e -r FILE` that match REGEX.
count_tcpdump() {
    local file=$1 regex=$2
    tcpdump -nn -e -r "$file" 2> /dev/null | grep -cE "$regex" || true
}

# Count the frames of a pcapng file that match a Wireshark display filter and
# were captured on INTERFACE.
count_tshark() {
    local file=$1 filter=$2 interface=$3
    tshark -n -r "$file" -Y "$filter" -T fields -e frame.interface_name 2> /dev/null |
        grep -cx "$interface" || true
}

# Count the gateway's ARP replies that a LINUX_SLL2 capture (tcpdump -i any)
# holds for one interface of the guest's host namespace. tcpdump -e prints
# each SLL2 record as "<time> <ifname> <direction> ifindex <n> <src> ...",
# but it resolves <ifname> from the ifindex on the machine that reads the
# file, so the ifindex is matched, taken from the saved `ip -d link show`.
count_sll2_replies() {
    local dir=$1 interface=$2 ifindex
    ifindex=$(sed -nE "s/^([0-9]+): ${interface}[@:].*/\1/p" "$dir/outputs/ip_-d_link.txt")
    [ -n "$ifindex" ] || die "interface $interface not found in $dir/outputs/ip_-d_link.txt"
    count_tcpdump "$dir/captures/any.pcap" \
        " ifindex $ifindex $GW_MAC ethertype ARP .*Reply 198\.51\.100\.1 is-at"
}

tcpdump_reads() {
    tcpdump -nn -r "$1" > /dev/null 2>&1
}

fdb_has() {
    grep -q "^$VM_MAC dev $2 master br1" "$1"
}

ping_failed() {
    grep -q ' 100% packet loss' "$1"
}

ping_succeeded() {
    grep -q ' 0% packet loss' "$1"
}

check_common_outputs() {
    local out=$1/outputs
    check "bridge_fdb_show_before.txt has the VM's MAC on vnet0" fdb_has "$out/bridge_fdb_show_before.txt" vnet0
    check "teamdctl state dump is JSON" python3 -m json.tool "$out/teamdctl_team1_state_dump.json" /dev/null
    check "bridge -s -j fdb show is JSON" python3 -m json.tool "$out/bridge_-s_-j_fdb_show.json" /dev/null
}

check_flood_outputs() {
    local out=$1/outputs
    check "the VM's ping fails" ping_failed "$out/vm_ping.txt"
    check "bridge_fdb_show.txt has the VM's MAC on team1" fdb_has "$out/bridge_fdb_show.txt" team1
}

check_healthy_outputs() {
    local out=$1/outputs
    check "the VM's ping succeeds" ping_succeeded "$out/vm_ping.txt"
    check "bridge_fdb_show.txt has the VM's MAC on vnet0" fdb_has "$out/bridge_fdb_show.txt" vnet0
}

# Verify from the captures and outputs that the traffic matches the case's
# story. Every count is printed, so that a failed check shows the numbers.
verify_case() {
    local case=$1 dir=$2 cap=$2/captures
    local reply_vnet0 reply_224 reply_256 request_vnet0 request_224 request_256
    echo "checking $case"
    local file
    for file in "$cap"/*; do
        check "tcpdump reads $(basename "$file")" tcpdump_reads "$file"
    done
    check_common_outputs "$dir"
    case $case in
        roundrobin-flood | roundrobin-lag | activebackup)
            reply_vnet0=$(count_tcpdump "$cap/vnet0.pcap" "$GW_REPLY_RE")
            reply_224=$(count_tcpdump "$cap/ens224.pcap" "$GW_REPLY_RE")
            reply_256=$(count_tcpdump "$cap/ens256.pcap" "$GW_REPLY_RE")
            request_vnet0=$(count_tcpdump "$cap/vnet0.pcap" "$VM_REQUEST_RE")
            request_224=$(count_tcpdump "$cap/ens224.pcap" "$VM_REQUEST_RE")
            request_256=$(count_tcpdump "$cap/ens256.pcap" "$VM_REQUEST_RE")
            echo "  gateway ARP replies: vnet0 $reply_vnet0, ens224 $reply_224, ens256 $reply_256"
            echo "  VM ARP requests:     vnet0 $request_vnet0, ens224 $request_224, ens256 $request_256"
            ;;
    esac
    case $case in
        roundrobin-flood)
            check_flood_outputs "$dir"
            check "the gateway's ARP reply reaches ens224 or ens256" test $((reply_224 + reply_256)) -gt 0
            check "the gateway's ARP reply never reaches vnet0" test "$reply_vnet0" -eq 0
            # Each request crosses both ports: out on one, flooded back in on the other.
            check "the switch echoes every VM request" test "$request_224" -eq "$request_256"
            ;;
        roundrobin-lag)
            check_healthy_outputs "$dir"
            check "the gateway's ARP reply reaches vnet0" test "$reply_vnet0" -gt 0
            check "vnet0 holds the 4 echo replies" test "$(count_tcpdump "$cap/vnet0.pcap" "$GW_ECHO_REPLY_RE")" -eq 4
            check "no VM request comes back from the switch" \
                test $((request_224 + request_256)) -eq "$request_vnet0"
            ;;
        activebackup)
            check_healthy_outputs "$dir"
            check "the gateway's ARP reply reaches vnet0" test "$reply_vnet0" -gt 0
            check "vnet0 holds the 4 echo replies" test "$(count_tcpdump "$cap/vnet0.pcap" "$GW_ECHO_REPLY_RE")" -eq 4
            check "the VM's requests leave on the active port ens224" test "$request_224" -gt 0
            check "the switch echoes them in on the backup port ens256" test "$request_256" -eq "$request_224"
            check "the team discards the echoes (vnet0 sees each request once)" \
                test "$request_vnet0" -eq "$request_224"
            ;;
        roundrobin-flood-pcapng)
            check_flood_outputs "$dir"
            local reply_filter="arp.opcode == 2 && eth.src == $GW_MAC"
            reply_vnet0=$(count_tshark "$cap/capture.pcapng" "$reply_filter" vnet0)
            reply_224=$(count_tshark "$cap/capture.pcapng" "$reply_filter" ens224)
            reply_256=$(count_tshark "$cap/capture.pcapng" "$reply_filter" ens256)
            echo "  gateway ARP replies: vnet0 $reply_vnet0, ens224 $reply_224, ens256 $reply_256"
            check "the gateway's ARP reply reaches ens224 or ens256" test $((reply_224 + reply_256)) -gt 0
            check "the gateway's ARP reply never reaches vnet0" test "$reply_vnet0" -eq 0
            ;;
        roundrobin-flood-any)
            check_flood_outputs "$dir"
            reply_vnet0=$(count_sll2_replies "$dir" vnet0)
            reply_224=$(count_sll2_replies "$dir" ens224)
            reply_256=$(count_sll2_replies "$dir" ens256)
            echo "  gateway ARP replies: vnet0 $reply_vnet0, ens224 $reply_224, ens256 $reply_256"
            check "the gateway's ARP reply reaches ens224 or ens256" test $((reply_224 + reply_256)) -gt 0
            check "the gateway's ARP reply never leaves on vnet0" test "$reply_vnet0" -eq 0
            ;;
    esac
}

# Boot the guest for one case, which writes its files to WORK/out. Return 1
# when the UML process itself fails, and stop when the guest script fails.
run_guest() {
    local case=$1 work=$2 status=0
    rm -rf "$work/out"
    mkdir "$work/out"
    # The guest reads its init through hostfs at the host path, and the kernel
    # logs that path. Booting a copy keeps the repository path out of dmesg.txt.
    cp "$HERE/uml_guest.sh" "$work/uml_guest.sh"
    chmod 755 "$work/uml_guest.sh"
    echo "booting the UML guest for $case (console log: $work/console.log)"
    timeout --kill-after=10 "$GUEST_TIMEOUT" \
        linux mem=512M root=/dev/root rootfstype=hostfs rootflags=/ ro \
        init="$work/uml_guest.sh" con=null con0=null,fd:1 \
        SAMPLE_CASE="$case" SAMPLE_OUT="$work/out" \
        < /dev/null > "$work/console.log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        echo "make_samples: the UML process for $case exited with status $status" \
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
    rm -rf "${HERE:?}/$case/captures" "${HERE:?}/$case/outputs"
    mkdir -p "$HERE/$case"
    cp -r "$work/out/captures" "$work/out/outputs" "$HERE/$case/"
    chmod -R u=rwX,go=rX "$HERE/$case/captures" "$HERE/$case/outputs"
    cp "$work/out/versions.txt" "$HERE/versions.txt"
}

main() {
    local cases=("$@") case work
    [ ${#cases[@]} -gt 0 ] || cases=("${ALL_CASES[@]}")
    require_tools
    for case in "${cases[@]}"; do
        [[ " ${ALL_CASES[*]} " == *" $case "* ]] || die "unknown case '$case'; known: ${ALL_CASES[*]}"
        work=$(mktemp -d /tmp/l2trace-samples.XXXXXX)
        # NOTE: linux 6.1um4+b13 once aborted (SIGABRT) after printing
        # "reboot: System halted", in about 30 boots. A case whose UML process
        # fails is rebuilt from scratch once.
        if ! run_guest "$case" "$work"; then
            mv "$work/console.log" "$work/console-failed.log"
            echo "make_samples: rebuilding $case once more" >&2
            run_guest "$case" "$work" || die "the UML guest for $case failed twice; see $work/console.log"
        fi
        CHECK_ERRORS=0
        verify_case "$case" "$work/out"
        [ "$CHECK_ERRORS" -eq 0 ] ||
            die "$CHECK_ERRORS check(s) failed for $case; its files stay in $work/out"
        install_case "$case" "$work"
        echo "$case: written to $HERE/$case"
        if [ "${KEEP_WORK:-0}" = 1 ]; then
            echo "$case: guest log and console log kept in $work"
        else
            rm -rf "$work"
        fi
    done
}

main "$@"
