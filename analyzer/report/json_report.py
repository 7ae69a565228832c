"""The JSON report: one object in the schema ``l2trace.report/1``.

A field, once added, keeps its name and meaning; new fields may be added.
Times are seconds since the Unix epoch, as floats.
"""

from __future__ import annotations

import json
import math

from ..findings import Finding
from ..journeys import LOCAL
from ..tables import optional_int

SCHEMA = "l2trace.report/1"


def _clean(value):
    """Turn numpy and pandas scalars into plain JSON values."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        return _clean(value.item())
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


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


def _transactions(case) -> list[dict]:
    rows = []
    for _, t in case.arp_transactions.iterrows():
        rows.append({
            "requester_ip": t["requester_ip"], "requester_mac": t["requester_mac"],
            "target_ip": t["target_ip"], "target_mac": t["target_mac"],
            "requests": t["requests"], "replies": t["replies"],
            "replies_seen_at": list(t["replies_seen_at"]), "fate": t["fate"], "lost_at": t["lost_at"],
            "requester_port": _port(t["requester_port"]), "reason": t["reason"],
            "first_request": {"point": t["first_request_point"], "file": t["first_request_file"],
                              "frame": t["first_request_frame"], "time": t["first_request_time"]},
        })
    return rows


def _events(case) -> list[dict]:
    rows = []
    for _, e in case.fdb_events.iterrows():
        vlan = e["vlan"]
        rows.append({"time": e["time"], "bridge": e["bridge"],
                     "vlan": optional_int(vlan),
                     "mac": e["mac"], "port": _port(e["port"]), "previous_port": _port(e["previous_port"]),
                     "cause": {"point": e["cause_point"], "file": e["cause_file"], "frame": e["cause_frame"]}})
    return rows


def finding_dict(finding: Finding) -> dict:
    data = finding.to_dict()
    data["port"] = _port(data["port"])
    return data


def report_dict(case) -> dict:
    return _clean({
        "schema": SCHEMA,
        "verdict": case.verdict,
        "inputs": list(case.inputs),
        "captures": _captures(case),
        "topology": topology_dict(case),
        "arp_transactions": _transactions(case),
        "fdb_events": _events(case),
        "findings": [finding_dict(f) for f in case.finding_list],
        "warnings": list(case.warnings),
        "replay_notes": list(case.replay_notes),
    })


def render_json(case) -> str:
    return json.dumps(report_dict(case), indent=2, sort_keys=False) + "\n"
