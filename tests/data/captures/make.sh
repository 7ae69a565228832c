#!/bin/bash
# Regenerate the capture files in this folder, and record how each one was made.
#
# Needs root, iproute2, tcpdump, dumpcap, editcap, mergecap, text2pcap, tshark,
# iputils ping and arping, gzip, xz, bzip2 and zstd. Traffic is sent only
# between two network namespaces that this script creates and deletes.
# Usage: tests/data/captures/make.sh [SHARED_PCAPS_FOLDER]
# The optional folder contains the public captures that some files are cut from.
set -euo pipefail

OUT=$(cd "$(dirname "$0")" && pwd)
SHARED_PCAPS=${1:-}
NS_A=l2trace-a-$$
NS_B=l2trace-b-$$
WORK=$(mktemp -d)
CAPTURE_PIDS=()

cleanup() {
    for pid in "${CAPTURE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    ip netns del "$NS_A" 2>/dev/null || true
    ip netns del "$NS_B" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# Start a capture inside namespace A; its PID goes to CAPTURE_PIDS.
capture() {
    ip netns exec "$NS_A" "$@" >/dev/null 2>&1 &
    CAPTURE_PIDS+=("$!")
}

stop_captures() {
    sleep 1
    for pid in "${CAPTURE_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
    for pid in "${CAPTURE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    CAPTURE_PIDS=()
}

# Write BYTES (a printf escape string) at OFFSET of FILE, which must be a copy.
patch_bytes() {
    local file=$1 offset=$2 bytes=$3
    printf "$bytes" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
}

# --- Namespace A is a host with a bridge: br0 has the ports l2t0 (uplink)
# and l2h0, whose peer l2h1 (192.0.2.1) plays a VM. l2t0's peer l2t1 is
# namespace B (192.0.2.2), so every frame between them crosses br0 and is
# seen on both l2h1 and l2t0. VLAN tags cannot be made here: kernels without
# 8021q, bridge VLAN filtering or tc vlan actions have no way to add them.
ip netns add "$NS_A"
ip netns add "$NS_B"
ip link add l2t0 netns "$NS_A" type veth peer name l2t1 netns "$NS_B"
in_a ip link add l2h0 type veth peer name l2h1
in_a ip link add br0 address 02:00:00:00:0a:01 type bridge
in_a ip link set l2h1 address 02:00:00:00:0a:10
in_b ip link set l2t1 address 02:00:00:00:0b:01
in_a ip link set l2t0 master br0
in_a ip link set l2h0 master br0
for dev in lo l2t0 l2h0 l2h1 br0; do in_a ip link set "$dev" up; done
for dev in lo l2t1; do in_b ip link set "$dev" up; done
in_a ip addr add 192.0.2.1/24 dev l2h1
in_b ip addr add 192.0.2.2/24 dev l2t1
sleep 3  # let IPv6 duplicate address detection and router solicitations pass

# Each capture contains ARP (request broadcast, reply unicast), ICMP echo in both
# directions, and one ping larger than the 128-byte hash window.
traffic() {
    in_a arping -q -c 2 -w 3 -I l2h1 192.0.2.2 || true
    in_a ping -q -c 2 -i 0.2 192.0.2.2 >/dev/null
    in_a ping -q -c 1 -s 1400 192.0.2.2 >/dev/null
    in_b arping -q -c 1 -w 2 -I l2t1 192.0.2.1 || true
    in_b ping -q -c 1 192.0.2.1 >/dev/null
    in_a ping -q -c 1 127.0.0.1 >/dev/null
}

# veth.pcap: Ethernet, microseconds, tcpdump on the veth end in namespace A.
# veth-nano.pcap: the same traffic in a nanosecond pcap.
# any-sll.pcap, any-sll2.pcap: tcpdump -i any, Linux cooked v1 and v2 headers.
# two-interfaces.pcapng: dumpcap on l2t0 and l2h1, one IDB each, so most frames appear twice.
capture tcpdump -Z root -U -i l2t0 -w "$OUT/veth.pcap"
capture tcpdump -Z root -U -i l2t0 --time-stamp-precision=nano -w "$OUT/veth-nano.pcap"
capture tcpdump -Z root -U -i any -y LINUX_SLL -w "$OUT/any-sll.pcap"
capture tcpdump -Z root -U -i any -y LINUX_SLL2 -w "$OUT/any-sll2.pcap"
capture dumpcap -q -i l2t0 -i l2h1 -w "$OUT/two-interfaces.pcapng"
sleep 2
traffic
stop_captures
chmod 644 "$OUT"/*.pcap "$OUT"/*.pcapng

# direction-flags.pcapng: the frames of veth.pcap, rewritten by text2pcap -D with
# an inbound (I) or outbound (O) mark taken from the source MAC, which text2pcap
# stores in the EPB flags. The hex dump keeps every byte and timestamp.
tshark -r "$OUT/veth.pcap" -T fields -e eth.src -e frame.time_epoch >"$WORK/meta.txt" 2>/dev/null
tshark -r "$OUT/veth.pcap" -x 2>/dev/null >"$WORK/hex.txt"
python3 - "$WORK/meta.txt" "$WORK/hex.txt" >"$WORK/directed.txt" <<'EOF'
import sys
from datetime import datetime, timezone
meta = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
blocks = open(sys.argv[2]).read().strip().split("\n\n")
for (source, epoch), block in zip(meta, blocks):
    seconds, fraction = epoch.split(".")
    stamp = datetime.fromtimestamp(int(seconds), timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    mark = "O" if source.startswith("02:00:00:00:0a:") else "I"
    print(f"{mark} {stamp}.{fraction}")
    print(block)
    print()
EOF
TZ=UTC text2pcap -q -D -t "%Y-%m-%d %H:%M:%S.%f" -F pcapng -N l2t0 -l 1 "$WORK/directed.txt" "$OUT/direction-flags.pcapng" >/dev/null

# veth-big-endian.pcap: veth.pcap with every header field byte-swapped, the
# layout a big-endian host writes. No tool at hand writes big-endian pcap.
python3 - "$OUT/veth.pcap" "$OUT/veth-big-endian.pcap" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
out = bytearray(struct.pack(">IHHiIII", *struct.unpack_from("<IHHiIII", data, 0)))
position = 24
while position + 16 <= len(data):
    header = struct.unpack_from("<IIII", data, position)
    out += struct.pack(">IIII", *header)
    out += data[position + 16 : position + 16 + header[2]]
    position += 16 + header[2]
open(sys.argv[2], "wb").write(out)
EOF

# Derived pcapng files: editcap conversion, a power-of-2 if_tsresol, and a
# mergecap of two link types (Ethernet and Linux cooked) into one pcapng.
editcap -F pcapng "$OUT/veth-nano.pcap" "$OUT/veth-nano.pcapng"
cp "$OUT/veth-nano.pcapng" "$OUT/tsresol-power2.pcapng"
tsresol_offset=$(python3 - "$OUT/tsresol-power2.pcapng" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
position = 0
while position < len(data):
    block_type, length = struct.unpack_from("<II", data, position)
    if block_type == 1:
        option = position + 16
        while option < position + length - 4:
            code, size = struct.unpack_from("<HH", data, option)
            if code == 9:
                print(option + 4)
                sys.exit(0)
            option += 4 + (size + 3) // 4 * 4
    position += length
sys.exit("no if_tsresol option found")
EOF
)
# 0x9e: bit 7 set means a power of 2, so units are 2^-30 s instead of 10^-9 s.
patch_bytes "$OUT/tsresol-power2.pcapng" "$tsresol_offset" '\x9e'
mergecap -F pcapng -w "$OUT/mixed-link-types.pcapng" "$OUT/veth.pcap" "$OUT/any-sll.pcap"

# Damaged and odd copies of veth.pcap.
size=$(stat -c %s "$OUT/veth.pcap")
head -c $((size - 10)) "$OUT/veth.pcap" >"$OUT/cut-in-record.pcap"
head -c 20 "$OUT/veth.pcap" >"$OUT/cut-in-header.pcap"
head -c 24 "$OUT/veth.pcap" >"$OUT/header-only.pcap"
: >"$OUT/empty.pcap"
echo "this is a saved command output, not a capture" >"$OUT/not-a-capture.pcap"
# Record 3's captured length (offset 24 + 2 records + 8) set to 0x00ffffff.
second_record_length=$(python3 -c "
import struct; d = open('$OUT/veth.pcap', 'rb').read()
first = 24 + 16 + struct.unpack_from('<I', d, 32)[0]
second = first + 16 + struct.unpack_from('<I', d, first + 8)[0]
print(second + 8)")
cp "$OUT/veth.pcap" "$OUT/huge-caplen.pcap"
patch_bytes "$OUT/huge-caplen.pcap" "$second_record_length" '\xff\xff\xff\x00'
editcap -F pcap -s 60 "$OUT/veth.pcap" "$OUT/snaplen-60.pcap"
editcap -F pcap -T ieee-802-11 "$OUT/veth.pcap" "$OUT/wrong-link-type.pcap"
# Timestamps out of order: the second half of the records, then the first half.
count=$(capinfos -c -M "$OUT/veth.pcap" | awk '/Number of packets/ {print $NF}')
half=$((count / 2))
editcap -F pcap -r "$OUT/veth.pcap" "$WORK/first.pcap" "1-$half"
editcap -F pcap -r "$OUT/veth.pcap" "$WORK/second.pcap" "$((half + 1))-$count"
mergecap -F pcap -a -w "$OUT/out-of-order.pcap" "$WORK/second.pcap" "$WORK/first.pcap"

# Damaged copies of veth-nano.pcapng: cut inside a block, a block length that
# is not a multiple of 4, and a trailer that does not match the block length.
size=$(stat -c %s "$OUT/veth-nano.pcapng")
head -c $((size - 30)) "$OUT/veth-nano.pcapng" >"$OUT/cut-in-block.pcapng"
read -r epb_length_offset epb_trailer_offset < <(python3 - "$OUT/veth-nano.pcapng" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
position, packets = 0, 0
while position < len(data):
    block_type, length = struct.unpack_from("<II", data, position)
    if block_type == 6:
        packets += 1
        if packets == 4:
            print(position + 4, position + length - 4)
            break
    position += length
EOF
)
cp "$OUT/veth-nano.pcapng" "$OUT/bad-block-length.pcapng"
patch_bytes "$OUT/bad-block-length.pcapng" "$epb_length_offset" '\x03'
cp "$OUT/veth-nano.pcapng" "$OUT/bad-trailer.pcapng"
patch_bytes "$OUT/bad-trailer.pcapng" "$epb_trailer_offset" '\xff\xff'

# Compressed copies, and a gzip file cut in the middle.
gzip -9 -n -c "$OUT/veth.pcap" >"$OUT/veth.pcap.gz"
xz -9 -c "$OUT/veth.pcap" >"$OUT/veth.pcap.xz"
bzip2 -9 -c "$OUT/veth.pcap" >"$OUT/veth.pcap.bz2"
zstd -q -19 -c "$OUT/veth-nano.pcapng" >"$OUT/veth-nano.pcapng.zst"
size=$(stat -c %s "$OUT/veth-nano.pcapng.zst")
head -c $((size / 2)) "$OUT/veth-nano.pcapng.zst" >"$OUT/cut.pcapng.zst"
size=$(stat -c %s "$OUT/veth.pcap.xz")
head -c $((size / 2)) "$OUT/veth.pcap.xz" >"$OUT/cut.pcap.xz"
size=$(stat -c %s "$OUT/veth.pcap.gz")
head -c $((size / 2)) "$OUT/veth.pcap.gz" >"$OUT/cut.pcap.gz"

# From the public captures: the SLL2 sample cut after its first 1500 bytes.
if [ -n "$SHARED_PCAPS" ]; then
    head -c 1500 "$SHARED_PCAPS/filesamples__simple_http_sll2.pcap" >"$OUT/sll2-sample-cut.pcap"
fi

