"""Evidence rows with the Wireshark display filters that show each frame."""

from __future__ import annotations

import pandas as pd

from .common import clock

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
ARP_OPCODES = (1, 2)


def _mac(value: int) -> str:
    return ":".join(f"{b:02x}" for b in int(value).to_bytes(6, "big"))


def _epoch(nanoseconds: int) -> str:
    return f"{nanoseconds // 1_000_000_000}.{nanoseconds % 1_000_000_000 // 1000:06d}"


def content_filter(row) -> str:
    """Build a display filter from a frame's addresses, ARP opcode and time.

    The time test is a one-microsecond window starting at the frame's
    timestamp truncated to microseconds, so it also matches in the same
    capture converted to microsecond resolution.
    """
    parts = []
    link_type = int(row["link_type"])
    if link_type == LINKTYPE_ETHERNET:
        if int(row["eth_src"]) >= 0:
            parts.append(f"eth.src == {_mac(row['eth_src'])}")
        if int(row["eth_dst"]) >= 0:
            parts.append(f"eth.dst == {_mac(row['eth_dst'])}")
    elif link_type in (LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2) and int(row["eth_src"]) >= 0:
        parts.append(f"sll.src.eth == {_mac(row['eth_src'])}")
    if int(row["arp_op"]) in ARP_OPCODES:
        parts.append(f"arp.opcode == {int(row['arp_op'])}")
    start = int(row["time_ns"]) // 1000 * 1000
    parts.append(f"frame.time_epoch >= {_epoch(start)}")
    parts.append(f"frame.time_epoch < {_epoch(start + 1000)}")
    return " && ".join(parts)


def _frames_for(case, evidence) -> dict[tuple[str, int], pd.Series]:
    sightings = case.sightings
    if sightings.empty or not evidence:
        return {}
    wanted = {(e.file, int(e.frame)) for e in evidence}
    candidates = sightings[sightings["frame"].isin({frame for _, frame in wanted})]
    rows = {}
    for _, row in candidates.iterrows():
        key = (row["file"], int(row["frame"]))
        if key in wanted and key not in rows:
            rows[key] = row
    return rows


def evidence_rows(case) -> list[dict]:
    """List every finding's evidence with the filters that show the frame in Wireshark.

    ``frame_filter`` is ``frame.number == N``, to apply on the named file;
    ``content_filter`` matches the frame by content and time, also in other
    captures or merged files; it is None when the frame is not in the
    sightings table.
    """
    evidence = [(finding, item) for finding in case.finding_list for item in finding.evidence]
    frames = _frames_for(case, [item for _, item in evidence])
    rows = []
    for finding, item in evidence:
        row = frames.get((item.file, int(item.frame)))
        rows.append({
            "code": finding.code,
            "severity": finding.severity,
            "point": item.point,
            "file": item.file,
            "frame": int(item.frame),
            "time": item.time,
            "clock": clock(item.time),
            "note": item.note,
            "frame_filter": f"frame.number == {int(item.frame)}",
            "content_filter": content_filter(row) if row is not None else None,
        })
    return rows
