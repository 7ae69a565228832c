"""Differential tests of the capture reader against tshark, field by field and frame by frame.

Every capture that tshark can read is compared: the public samples and the
kernel-made case captures from the shared reference folder, and the files in
tests/data/captures. tshark numbers pcapng custom blocks as frames too; those
rows (no encapsulation type) have no counterpart in the frames table.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from analyzer.captures import DIRECTION_IN, DIRECTION_OUT, DIRECTION_UNKNOWN, mac_to_int, read_capture
from analyzer.captures.addresses import ip_to_int
from conftest import SHARED, shared_path

DATA = Path(__file__).parent / "data" / "captures"
TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")

FIELDS = [
    "frame.number",
    "frame.encap_type",
    "frame.time_epoch",
    "frame.cap_len",
    "frame.len",
    "frame.interface_name",
    "frame.packet_flags_direction",
    "eth.src",
    "eth.dst",
    "eth.type",
    "eth.len",
    "vlan.id",
    "vlan.etype",
    "vlan.len",
    "ieee8021ad.id",
    "sll.pkttype",
    "sll.ifindex",
    "sll.src.eth",
    "sll.etype",
    "sll.ltype",
    "arp.opcode",
    "arp.src.hw_mac",
    "arp.src.proto_ipv4",
    "arp.dst.hw_mac",
    "arp.dst.proto_ipv4",
    "ip.src",
    "ip.dst",
    "ip.proto",
]
# The generated files that tshark reads as they are (it cannot read xz or bzip2).
OWN_FILES = [
    "veth.pcap",
    "veth-nano.pcap",
    "veth-big-endian.pcap",
    "veth-nano.pcapng",
    "any-sll.pcap",
    "any-sll2.pcap",
    "two-interfaces.pcapng",
    "direction-flags.pcapng",
    "mixed-link-types.pcapng",
    "snaplen-60.pcap",
    "out-of-order.pcap",
    "cut-in-record.pcap",
    "cut-in-block.pcapng",
    "sll2-sample-cut.pcap",
    "veth.pcap.gz",
    "veth-nano.pcapng.zst",
]
NANOSECOND_EPOCH = re.compile(r"^(\d+)\.(\d{9})$")
SLL_IN_PACKET_TYPES = {0, 1, 2, 3}
SLL_OUTGOING = 4
SUPPORTED_LINK_TYPES = (1, 113, 276)


def _shared_captures() -> list[str]:
    names = sorted(p.name for p in (SHARED / "pcaps").glob("*.pcap*")) if SHARED.exists() else []
    cases = sorted(SHARED.glob("cases/*/captures/*")) if SHARED.exists() else []
    return [f"pcaps/{name}" for name in names] + [str(p.relative_to(SHARED)) for p in cases]


def run_tshark(path: Path) -> list[dict[str, list[str]]] | None:
    """Return tshark's fields for each record (every occurrence, in order), or None if tshark reads nothing."""
    command = [TSHARK, "-r", str(path), "-n", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;"]
    for name in FIELDS:
        command += ["-e", name]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    rows = []
    for line in result.stdout.splitlines():
        values = line.split("\t")
        rows.append({name: [v for v in value.split(";") if v] for name, value in zip(FIELDS, values)})
    if not rows and result.returncode != 0:
        return None
    return rows


def first(row: dict[str, list[str]], name: str) -> str | None:
    values = row.get(name) or []
    return values[0] if values else None


def expected_time_ns(row: dict[str, list[str]]) -> int | None:
    """Return tshark's time in ns, -1 when it shows none, None when it prints an unnormalised fraction."""
    text = first(row, "frame.time_epoch")
    if text is None:
        return -1
    match = NANOSECOND_EPOCH.match(text)
    if not match:
        return None
    return int(match.group(1)) * 1_000_000_000 + int(match.group(2))


def expected_ethertype(row: dict[str, list[str]]) -> int | None:
    for name in ("vlan.etype", "vlan.len", "eth.type", "sll.etype", "eth.len", "sll.ltype"):
        values = row.get(name)
        if values:
            return int(values[-1], 0)
    return None


def expected_vlans(row: dict[str, list[str]]) -> list[int]:
    tags = [int(v) for v in row.get("vlan.id", [])]
    if first(row, "eth.type") == "0x88a8" and row.get("ieee8021ad.id"):
        tags = [int(row["ieee8021ad.id"][0])] + tags
    return tags


def expected_direction(row: dict[str, list[str]]) -> int:
    flags = first(row, "frame.packet_flags_direction")
    if flags is not None and int(flags, 0) in (1, 2):
        return DIRECTION_IN if int(flags, 0) == 1 else DIRECTION_OUT
    pkttype = first(row, "sll.pkttype")
    if pkttype is not None:
        if int(pkttype) == SLL_OUTGOING:
            return DIRECTION_OUT
        if int(pkttype) in SLL_IN_PACKET_TYPES:
            return DIRECTION_IN
    return DIRECTION_UNKNOWN


def mac_or_missing(text: str | None) -> int:
    return -1 if text is None else mac_to_int(text)


def ip_or_missing(text: str | None) -> int:
    return -1 if text is None else ip_to_int(text)


def compare_with_tshark(path: Path, *, compare_times: bool = True) -> int:
    """Assert that read_capture and tshark agree on every frame of ``path``; return the frame count."""
    rows = run_tshark(path)
    capture = read_capture(path)
    if rows is None:
        pytest.skip(f"tshark cannot read {path.name}")
    packet_rows = [row for row in rows if first(row, "frame.encap_type") is not None]
    frames = capture.frames
    assert capture.readable, capture.warnings
    assert len(frames) == len(packet_rows), capture.warnings
    assert frames["frame"].tolist() == [int(first(row, "frame.number")) for row in packet_rows]

    several_sections = len({interface.section for interface in capture.interfaces}) > 1
    for row, frame in zip(packet_rows, frames.itertuples(index=False)):
        number = frame.frame
        assert frame.caplen == int(first(row, "frame.cap_len")), number
        assert frame.wirelen == int(first(row, "frame.len")), number
        assert frame.truncated == (frame.caplen < frame.wirelen), number
        expected = expected_time_ns(row)
        if compare_times and expected is not None:
            assert frame.time_ns == expected, number

        name = first(row, "frame.interface_name")
        ours = capture.interfaces[frame.interface].name
        # Wireshark 4.0 resolves interface ids of later pcapng sections against the first
        # section's interfaces, and shows "unknown" for an interface without if_name.
        if not several_sections and not (name == "unknown" and ours is None):
            assert ours == name, number
        assert frame.direction == expected_direction(row), number
        if frame.link_type not in SUPPORTED_LINK_TYPES:
            # tshark decodes link types that the reader does not; their fields stay missing.
            assert (frame.eth_src, frame.ethertype, frame.ip_src) == (-1, -1, -1), number
            continue

        if frame.link_type == 1:
            assert frame.eth_src == mac_or_missing(first(row, "eth.src")), number
            assert frame.eth_dst == mac_or_missing(first(row, "eth.dst")), number
        if frame.link_type in (113, 276):
            assert frame.eth_src == mac_or_missing(first(row, "sll.src.eth")), number
            pkttype = int(first(row, "sll.pkttype"))
            assert frame.sll_pkttype == pkttype, number
            assert frame.eth_dst == (0xFFFFFFFFFFFF if pkttype == 1 else -1), number
        else:
            assert frame.sll_pkttype == -1, number
        ifindex = first(row, "sll.ifindex")
        assert frame.sll_ifindex == (-1 if ifindex is None else int(ifindex)), number

        ethertype = expected_ethertype(row)
        if ethertype is not None:
            assert frame.ethertype == ethertype, number
        tags = expected_vlans(row)
        assert frame.vlan_outer == (tags[0] if tags else -1), number
        assert frame.vlan_inner == (tags[1] if len(tags) > 1 else -1), number

        ethernet_ipv4_arp = frame.ethertype == 0x0806 and first(row, "arp.src.proto_ipv4") is not None
        if ethernet_ipv4_arp:
            assert frame.arp_op == int(first(row, "arp.opcode")), number
            assert frame.arp_sha == mac_to_int(first(row, "arp.src.hw_mac")), number
            assert frame.arp_spa == ip_to_int(first(row, "arp.src.proto_ipv4")), number
            assert frame.arp_tha == mac_to_int(first(row, "arp.dst.hw_mac")), number
            assert frame.arp_tpa == ip_to_int(first(row, "arp.dst.proto_ipv4")), number
        else:
            assert frame.arp_op == -1, number
            assert frame.arp_spa == -1, number
        assert frame.ip_src == ip_or_missing(first(row, "ip.src")), number
        assert frame.ip_dst == ip_or_missing(first(row, "ip.dst")), number
        proto = first(row, "ip.proto")
        assert frame.ip_proto == (-1 if proto is None else int(proto)), number
    return len(frames)


@pytest.mark.parametrize("relative", _shared_captures())
def test_shared_capture_matches_tshark(relative):
    path = shared_path(*relative.split("/"))
    # tshark prints overflowed times for fraction fields of 1 s or more; a tcpdump test covers them.
    compare_with_tshark(path, compare_times="timestamp_invalid" not in relative)


@pytest.mark.parametrize("name", OWN_FILES)
def test_generated_capture_matches_tshark(name):
    assert compare_with_tshark(DATA / name) > 0


def test_power_of_two_tsresol_is_exact():
    # tsresol-power2.pcapng is veth-nano.pcapng with if_tsresol changed from 10^-9 to 2^-30,
    # so each raw timestamp is the original nanosecond count read in units of 2^-30 s.
    # tshark 4.0 scales such units with an integer ratio, so Python integers are the oracle.
    original = read_capture(DATA / "veth-nano.pcapng").frames["time_ns"].tolist()
    converted = read_capture(DATA / "tsresol-power2.pcapng")
    assert converted.interfaces[0].tsresol == 2**30
    expected = [ticks * 10**9 // 2**30 for ticks in original]
    assert converted.frames["time_ns"].tolist() == expected


@pytest.mark.parametrize(
    ("name", "nano"),
    [("tcpdump__timestamp_invalid_micro.pcap", False), ("tcpdump__timestamp_invalid_nano.pcap", True)],
)
def test_invalid_fraction_matches_tcpdump(name, nano):
    # tcpdump prints the raw fraction field ("1418145370.1000000"), so seconds plus the field
    # is the carried time; tshark prints overflowed values for the same records.
    tcpdump = shutil.which("tcpdump")
    if tcpdump is None:
        pytest.skip("tcpdump is not installed")
    path = shared_path("pcaps", name)
    command = [tcpdump, "-tt", "-n", "-r", str(path)] + (["--nano"] if nano else [])
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    unit = 1 if nano else 1000
    expected = []
    for line in output.splitlines():
        seconds, fraction = line.split()[0].split(".")
        expected.append(int(seconds) * 1_000_000_000 + int(fraction) * unit)
    capture = read_capture(path)
    assert capture.frames["time_ns"].tolist() == expected
    assert any("one second or more" in warning for warning in capture.warnings)
