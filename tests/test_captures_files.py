"""Capture reader on damaged, odd and compressed files made by tests/data/captures/make.sh from real captures."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.captures import DIRECTION_IN, DIRECTION_OUT, is_capture, read_capture
from analyzer.captures import reader as reader_module
from analyzer.captures.hashing import HASH_WINDOW, payload_hash
from conftest import SHARED, shared_path

DATA = Path(__file__).parent / "data" / "captures"
MAC_A_HOST = 0x02000000_0A10  # l2h1 in namespace A
MAC_B = 0x02000000_0B01  # l2t1 in namespace B


def messages(capture) -> list[str]:
    """Return the warnings without the file name in front."""
    return [warning.split(": ", 1)[1] for warning in capture.warnings]


def stop_warnings(capture) -> list[str]:
    """Return the warnings other than the timestamp-order one, which real -i captures can give."""
    return [warning for warning in capture.warnings if "earlier than the record before" not in warning]


def frames_of(name: str) -> pd.DataFrame:
    capture = read_capture(DATA / name)
    assert capture.readable, capture.warnings
    return capture.frames


def record_offsets(path: Path) -> list[int]:
    """Return the byte offset of every record header of a little-endian pcap file."""
    data = path.read_bytes()
    offsets, position = [], 24
    while position + 16 <= len(data):
        offsets.append(position)
        position += 16 + struct.unpack_from("<I", data, position + 8)[0]
    return offsets


@pytest.mark.parametrize("name", ["veth.pcap.gz", "veth.pcap.xz", "veth.pcap.bz2"])
def test_compressed_pcap_equals_plain(name):
    capture = read_capture(DATA / name)
    assert capture.compression == name.rsplit(".", 1)[1].replace("gz", "gzip").replace("bz2", "bzip2")
    assert messages(capture) == messages(read_capture(DATA / "veth.pcap"))
    pd.testing.assert_frame_equal(capture.frames, frames_of("veth.pcap"))


def test_zstd_pcapng_equals_plain():
    capture = read_capture(DATA / "veth-nano.pcapng.zst")
    assert capture.compression == "zstd"
    assert capture.format == "pcapng"
    pd.testing.assert_frame_equal(capture.frames, frames_of("veth-nano.pcapng"))


@pytest.mark.parametrize("name", ["cut.pcap.gz", "cut.pcap.xz"])
def test_cut_compressed_keeps_whole_records(name):
    capture = read_capture(DATA / name)
    full = frames_of("veth.pcap")
    kept = len(capture.frames)
    assert kept > 0
    pd.testing.assert_frame_equal(capture.frames, full.iloc[:kept])
    assert any("decompression failed" in warning for warning in capture.warnings)
    assert all(warning.startswith(str(DATA / name)) for warning in capture.warnings)


def test_cut_zstd_says_decompression_failed():
    capture = read_capture(DATA / "cut.pcapng.zst")
    assert not capture.readable
    assert len(capture.frames) == 0
    assert any("ends inside a zstd frame" in warning for warning in capture.warnings)


def test_cut_record_keeps_whole_records():
    capture = read_capture(DATA / "cut-in-record.pcap")
    full = frames_of("veth.pcap")
    kept = len(full) - 1
    pd.testing.assert_frame_equal(capture.frames, full.iloc[:kept])
    offset = record_offsets(DATA / "veth.pcap")[kept]
    warnings = stop_warnings(capture)
    assert len(warnings) == 1
    assert f"record {kept + 1} at byte offset {offset}" in warnings[0]
    assert "file ends inside this record" in warnings[0]


def test_cut_pcapng_block_keeps_whole_records():
    capture = read_capture(DATA / "cut-in-block.pcapng")
    full = frames_of("veth-nano.pcapng")
    pd.testing.assert_frame_equal(capture.frames, full.iloc[: len(full) - 1])
    assert "file ends inside this block" in stop_warnings(capture)[0]


def test_huge_caplen_stops_with_place():
    capture = read_capture(DATA / "huge-caplen.pcap")
    pd.testing.assert_frame_equal(capture.frames, frames_of("veth.pcap").iloc[:2])
    offset = record_offsets(DATA / "veth.pcap")[2]
    warnings = stop_warnings(capture)
    assert len(warnings) == 1
    assert f"record 3 at byte offset {offset}" in warnings[0]
    assert "captured length 16777215 exceeds the limit of 262144 bytes" in warnings[0]


def test_max_record_stops_at_large_frame():
    full = frames_of("veth.pcap")
    large = int(np.argmax(full["caplen"].to_numpy() > 1000))
    capture = read_capture(DATA / "veth.pcap", max_record=1000)
    assert len(capture.frames) == large
    warnings = stop_warnings(capture)
    assert f"record {large + 1} at byte offset" in warnings[0]
    assert "max_record 1000" in warnings[0]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad-block-length.pcapng", "invalid block length 3"),
        ("bad-trailer.pcapng", "does not match the trailing copy"),
    ],
)
def test_bad_pcapng_block_keeps_earlier_records(name, message):
    capture = read_capture(DATA / name)
    pd.testing.assert_frame_equal(capture.frames, frames_of("veth-nano.pcapng").iloc[:3])
    warnings = stop_warnings(capture)
    assert len(warnings) == 1
    assert "record 4 at byte offset" in warnings[0]
    assert message in warnings[0]


def test_snaplen_marks_truncated_and_decodes():
    cut = frames_of("snaplen-60.pcap")
    full = frames_of("veth.pcap")
    assert (cut["caplen"] == np.minimum(full["caplen"], 60)).all()
    assert (cut["wirelen"] == full["wirelen"]).all()
    assert (cut["truncated"] == (full["wirelen"] > 60)).all()
    assert cut["truncated"].any()
    for column in ("eth_src", "eth_dst", "ethertype", "arp_op", "arp_spa", "ip_src", "ip_dst", "ip_proto"):
        assert (cut[column] == full[column]).all(), column


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.pcap", "the file is empty"),
        ("not-a-capture.pcap", "not a pcap or pcapng file: it starts with bytes 74 68 69 73"),
        ("cut-in-header.pcap", "pcap file header is cut short: 20 of 24 bytes"),
        ("wrong-link-type.pcap", "unsupported link type 105"),
    ],
)
def test_unreadable_file_warns(name, message):
    capture = read_capture(DATA / name)
    assert not capture.readable
    assert len(capture.frames) == 0
    assert list(capture.frames.columns) == list(frames_of("veth.pcap").columns)
    assert any(message in warning for warning in capture.warnings), capture.warnings
    assert all(warning.startswith(f"{DATA / name}: ") for warning in capture.warnings)


def test_header_only_has_no_frames():
    capture = read_capture(DATA / "header-only.pcap")
    assert capture.readable
    assert len(capture.frames) == 0
    assert capture.warnings == [f"{DATA / 'header-only.pcap'}: no packet records after the file header"]


def test_missing_file_is_a_warning(tmp_path):
    for path in (tmp_path / "absent.pcap", tmp_path):
        capture = read_capture(path)
        assert not capture.readable
        assert len(capture.warnings) == 1
        assert capture.warnings[0].startswith(f"{path}: cannot open the file")


def test_out_of_order_warns_once():
    capture = read_capture(DATA / "out-of-order.pcap")
    full = frames_of("veth.pcap")
    half = len(full) // 2
    reordered = full["time_ns"].iloc[half:].tolist() + full["time_ns"].iloc[:half].tolist()
    assert capture.frames["frame"].tolist() == list(range(1, len(full) + 1))
    assert capture.frames["time_ns"].tolist() == reordered
    backwards = np.flatnonzero(np.diff(reordered) < 0)
    assert len(backwards) >= 1
    ordering = [warning for warning in capture.warnings if "earlier than the record before" in warning]
    assert len(ordering) == 1
    assert f": {len(backwards)} (first: record {backwards[0] + 2})" in ordering[0]


def test_big_endian_pcap_equals_little_endian():
    pd.testing.assert_frame_equal(frames_of("veth-big-endian.pcap"), frames_of("veth.pcap"))


def test_nanosecond_pcap_and_pcapng_agree():
    pcap = read_capture(DATA / "veth-nano.pcap")
    pcapng = read_capture(DATA / "veth-nano.pcapng")
    assert pcap.interfaces[0].tsresol == 10**9
    assert pcapng.interfaces[0].tsresol == 10**9
    assert (pcap.frames["time_ns"] % 1000 != 0).any()
    pd.testing.assert_frame_equal(pcap.frames, pcapng.frames)


def test_direction_flags_follow_source_mac():
    frames = frames_of("direction-flags.pcapng")
    # make.sh marked a frame outbound when its source MAC is one of namespace A's 02:00:00:00:0a:xx.
    outbound = (frames["eth_src"].to_numpy() >> 8) == (MAC_A_HOST >> 8)
    assert (frames.loc[outbound, "direction"] == DIRECTION_OUT).all()
    assert (frames.loc[~outbound, "direction"] == DIRECTION_IN).all()
    assert outbound.any()
    assert (~outbound).any()


def test_mixed_link_types_in_one_pcapng():
    capture = read_capture(DATA / "mixed-link-types.pcapng")
    assert [interface.link_type for interface in capture.interfaces] == [1, 113]
    ethernet = capture.frames[capture.frames["link_type"] == 1]
    cooked = capture.frames[capture.frames["link_type"] == 113]
    assert len(ethernet) == len(frames_of("veth.pcap"))
    assert len(cooked) == len(frames_of("any-sll.pcap"))
    assert (cooked["interface"] == 1).all()


def test_two_interfaces_see_same_fingerprints():
    # Frames between l2h1 and namespace B cross the bridge unchanged, so each ARP and
    # IPv4 frame captured on l2h1 has the same fingerprint as its copy on l2t0.
    capture = read_capture(DATA / "two-interfaces.pcapng")
    names = [interface.name for interface in capture.interfaces]
    assert names == ["l2t0", "l2h1"]
    frames = capture.frames
    crossing = frames["eth_src"].isin([MAC_A_HOST, MAC_B]) & frames["ethertype"].isin([0x0800, 0x0806])
    on_host = set(frames.loc[crossing & (frames["interface"] == 1), "fingerprint"])
    on_uplink = set(frames.loc[crossing & (frames["interface"] == 0), "fingerprint"])
    assert len(on_host) >= 8
    assert on_host == on_uplink


def test_cooked_capture_shares_payload_hash():
    # tcpdump -i any captured the same ICMP and ARP frames as the capture on l2t0.
    # Their link header differs (SLL), but their payload hash must not.
    ethernet = frames_of("veth.pcap")
    for name in ("any-sll.pcap", "any-sll2.pcap"):
        cooked = frames_of(name)
        expected_hashes = ethernet.loc[ethernet["ethertype"].isin([0x0800, 0x0806]), "payload_hash"]
        assert set(expected_hashes) <= set(cooked["payload_hash"]), name


def test_sll_direction_from_packet_type():
    for name in ("any-sll.pcap", "any-sll2.pcap"):
        frames = frames_of(name)
        assert (frames.loc[frames["sll_pkttype"] == 4, "direction"] == DIRECTION_OUT).all()
        assert (frames.loc[frames["sll_pkttype"].between(0, 3), "direction"] == DIRECTION_IN).all()
        assert (frames["sll_pkttype"] == 4).any()
    sll2 = frames_of("any-sll2.pcap")
    assert (sll2["sll_ifindex"] > 0).all()


def test_payload_hash_ignores_bytes_after_length():
    # A real ARP request from veth.pcap: bytes after its 28-byte ARP payload, such as
    # the padding a NIC adds up to 60 bytes, must not change the hash.
    data = (DATA / "veth.pcap").read_bytes()
    frames = frames_of("veth.pcap")
    index = int(np.argmax(frames["arp_op"].to_numpy() == 1))
    offset = record_offsets(DATA / "veth.pcap")[index] + 16
    arp = np.frombuffer(data[offset + 14 : offset + 14 + 28], dtype=np.uint8)
    windows = np.zeros((3, HASH_WINDOW), dtype=np.uint8)
    windows[:, :28] = arp
    windows[1, 28:46] = 0x00
    windows[2, 28:46] = 0xA5
    hashes = payload_hash(windows, np.full(3, 28), np.full(3, 28))
    assert hashes[0] == hashes[1] == hashes[2]
    assert hashes[0] == frames["payload_hash"].iloc[index]
    changed = payload_hash(windows[:1], np.array([28]), np.array([29]))
    assert changed[0] != hashes[0]


@pytest.mark.parametrize("name", ["veth.pcap", "veth-nano.pcapng", "two-interfaces.pcapng", "veth.pcap.gz"])
def test_small_chunks_give_same_frames(name, monkeypatch):
    # A buffer of a few KiB makes records straddle chunk boundaries on every refill.
    expected = frames_of(name)
    monkeypatch.setattr(reader_module, "CHUNK_SIZE", 1)
    monkeypatch.setattr(reader_module, "BLOCK_SLACK", 256)
    capture = read_capture(DATA / name, max_record=1600)
    assert capture.warnings == [] or all("earlier than the record before" in w for w in capture.warnings)
    pd.testing.assert_frame_equal(capture.frames, expected)


def test_progress_reaches_file_size():
    calls = []
    read_capture(DATA / "veth.pcap.gz", progress=lambda done, total: calls.append((done, total)))
    size = (DATA / "veth.pcap.gz").stat().st_size
    assert calls
    assert calls[-1] == (size, size)


def test_is_capture_by_content():
    for name in ("veth.pcap", "veth-nano.pcapng", "veth.pcap.gz", "veth.pcap.xz", "veth.pcap.bz2", "veth-nano.pcapng.zst"):
        assert is_capture(DATA / name), name
    for name in ("make.sh", "empty.pcap", "not-a-capture.pcap", "cut.pcapng.zst"):
        assert not is_capture(DATA / name), name
    assert not is_capture(DATA / "absent.pcap")


def _shared_files() -> list[str]:
    return sorted(p.name for p in (SHARED / "pcaps").glob("*.pcap*")) if SHARED.exists() else []


@pytest.mark.parametrize("name", _shared_files())
def test_shared_file_gives_frames_or_warning(name):
    path = shared_path("pcaps", name)
    capture = read_capture(path)
    assert len(capture.frames) > 0 or capture.warnings
    assert not any("reading failed" in warning for warning in capture.warnings)
    for warning in capture.warnings:
        assert warning.startswith(f"{path}: ")


def test_qinq_tags_in_order():
    frames = read_capture(shared_path("pcaps", "tcpdump__802.1ad_QinQ.pcap")).frames
    assert frames["vlan_outer"].tolist() == [200, 200]
    assert frames["vlan_inner"].tolist() == [2001, 2001]
    assert frames["ethertype"].tolist() == [0x0806, 0x0806]
    assert frames["arp_op"].tolist() == [1, 2]


def test_sections_map_interface_ids():
    # The second section's packet blocks use interface id 0, which there is the
    # third interface description block of the file ("silly ethernet interface 2").
    capture = read_capture(shared_path("pcaps", "pcapng-test-generator__le_test202.pcapng"))
    names = [interface.name for interface in capture.interfaces]
    assert names == ["eth0", "null1", "silly ethernet interface 2", "eth0", "null1"]
    assert [interface.section for interface in capture.interfaces] == [0, 0, 1, 2, 2]
    frames = capture.frames.set_index("frame")
    assert frames.loc[6, "interface"] == 2
    assert frames.loc[11, "interface"] == 4
    assert frames.loc[5, "time_ns"] == -1  # a simple packet block
