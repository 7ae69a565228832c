"""The JSON report: one object in the schema ``l2trace.report/1``.

A field, once added, keeps its name and meaning; new fields may be added.
Times are seconds since the Unix epoch, as floats.
"""

from __future__ import annotations

import math

import numpy as np

from ..findings import Finding
from ..journeys import LOCAL
from ..tables import optional_int
from . import json_text

SCHEMA = "l2trace.report/1"


def _clean(value):
    """Turn numpy and pandas scalars into plain JSON values."""
    if value is None or type(value) in (str, int, bool):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        return _clean(value.item())
    # Plain values are most of a report, so they skip the recursive call.
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _PLAIN else _clean(v) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in _PLAIN else _clean(v) for k, v in value.items()}
    return value


# Types that _clean returns unchanged.
_PLAIN = frozenset({str, int, bool, type(None)})


def _port(name):
    return "local" if name == LOCAL else name


def _captures(case) -> list[dict]:
    return [{"point": c.point, "file": c.file, "link_type": c.link_type, "frames": c.frames,
             "first_time": c.first_time, "last_time": c.last_time, "clock_offset": c.clock_offset,
             "warnings": list(c.warnings), "format": c.format, "points": list(c.points)}
            for c in case.captures]


def topology_dict(case) -> dict:
    graph = case.topology
    nodes = []
    for name, data in sorted(graph.nodes(data=True)):
        ports = sorted(n for n, d in graph.nodes(data=True) if d.get("master") == name)
        nodes.append({"name": name, "kind": data.get("kind"), "master": data.get("master"),
                      "ports": ports, "role": data.get("role"), "mac": data.get("mac")})
    edges = [{"a": a, "b": b, "relation": d.get("relation")} for a, b, d in sorted(graph.edges(data=True))]
    return {"nodes": nodes, "edges": edges}


def _column(table, name) -> list:
    """Return a column as plain Python values, with None for NaN, <NA> and NaT."""
    values = table[name]
    missing = values.isna().to_numpy()
    result = values.tolist()
    if values.dtype == object:
        # An object column may hold numpy scalars, which tolist() leaves as they are.
        result = [value.item() if isinstance(value, np.generic) else value for value in result]
    if missing.any():
        for position in missing.nonzero()[0].tolist():
            result[position] = None
    return result


# Report rows are built from whole columns, because a pandas row access costs
# tens of microseconds and a large case has tens of thousands of rows.
def _transactions(case) -> list[dict]:
    table = case.arp_transactions
    if table.empty:
        return []
    names = ("requester_ip", "requester_mac", "target_ip", "target_mac", "requests", "replies", "replies_seen_at",
             "fate", "lost_at", "requester_port", "reason", "first_request_point", "first_request_file",
             "first_request_frame", "first_request_time")
    rows = []
    for (requester_ip, requester_mac, target_ip, target_mac, requests, replies, seen_at, fate, lost_at,
         requester_port, reason, point, file, frame, time) in zip(*(_column(table, name) for name in names)):
        rows.append({
            "requester_ip": requester_ip, "requester_mac": requester_mac,
            "target_ip": target_ip, "target_mac": target_mac,
            "requests": requests, "replies": replies,
            "replies_seen_at": list(seen_at), "fate": fate, "lost_at": lost_at,
            "requester_port": _port(requester_port), "reason": reason,
            "first_request": {"point": point, "file": file, "frame": frame, "time": time},
        })
    return rows


def _events(case) -> list[dict]:
    table = case.fdb_events
    if table.empty:
        return []
    names = ("time", "bridge", "vlan", "mac", "port", "previous_port", "cause_point", "cause_file", "cause_frame")
    rows = []
    for time, bridge, vlan, mac, port, previous_port, point, file, frame in zip(*(_column(table, name)
                                                                                 for name in names)):
        rows.append({"time": time, "bridge": bridge, "vlan": optional_int(vlan),
                     "mac": mac, "port": _port(port), "previous_port": _port(previous_port),
                     "cause": {"point": point, "file": file, "frame": frame}})
    return rows


def _outputs(case) -> list[dict]:
    """List every command output read, the other hosts' too, with its host and collection time."""
    rows = []
    for analysed, items in ((True, case.outputs), (False, getattr(case, "other_outputs", []))):
        for item in items:
            rows.append({"file": item.source, "kind": item.kind, "host": item.meta.get("host"),
                         "collected_at": item.meta.get("collected_at"), "analysed": analysed})
    return rows


def _snapshot_checks(case) -> list[dict]:
    """List the checks of dated FDB snapshots against the replay (few rows: one per learned entry)."""
    checks = getattr(case, "snapshot_checks", None)
    if checks is None:
        return []
    return [{"file": c["source"], "host": c["host"], "role": c["role"], "collected_at": c["collected_at"],
             "bridge": c["bridge"], "mac": c["mac"], "vlan": optional_int(c["vlan"]),
             "snapshot_port": c["snapshot_port"], "replay_port": _port(c["replay_port"]),
             "used_at": c["used_at"], "updated_at": c["updated_at"], "result": c["result"], "reason": c["reason"]}
            for _, c in checks.iterrows()]


def finding_dict(finding: Finding) -> dict:
    data = finding.to_dict()
    data["port"] = _port(data["port"])
    return data


def report_dict(case) -> dict:
    report = _clean({
        "schema": SCHEMA,
        "verdict": case.verdict,
        "inputs": list(case.inputs),
        "captures": _captures(case),
        "topology": topology_dict(case),
        "arp_transactions": [],
        "fdb_events": [],
        "findings": [finding_dict(f) for f in case.finding_list],
        "warnings": list(case.warnings),
        "replay_notes": list(case.replay_notes),
        "outputs": _outputs(case),
        "snapshot_checks": _snapshot_checks(case),
        "log_clock": _log_clock(case),
    })
    # These rows hold plain values already (see _column), and _clean would
    # visit each of their values: 2.5 million for a 655,360-frame ARP-dense case.
    report["arp_transactions"] = _transactions(case)
    report["fdb_events"] = _events(case)
    return report


def _log_clock(case) -> dict | None:
    """Return how the kernel log was placed on the capture clock, or None when the case has no kernel log."""
    from .common import case_log_clock

    log_clock = case_log_clock(case)
    return log_clock.to_dict() if log_clock is not None else None


def render_json(case) -> str:
    return json_text.dumps(report_dict(case)) + "\n"
