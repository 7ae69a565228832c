"""fdb-mac-move: a bridge moved a MAC from one port to another; the evidence names the frames that moved it."""

from __future__ import annotations

from ..findings import Finding
from ..tables import optional_int
from ._evidence import MAX_EVIDENCE_FRAMES, evidence

CODE = "fdb-mac-move"


def find(context) -> list[Finding]:
    events = context.fdb_events
    if events.empty:
        return []
    moves = events[events["previous_port"].notna()]
    findings = []
    for (bridge, mac), group in moves.groupby(["bridge", "mac"], sort=False):
        first = group.iloc[0]
        items = [evidence(context.sighting(int(row["cause_sighting"])),
                          f"{bridge} moves {mac} from {row['previous_port']} to {row['port']}")
                 for _, row in group.head(MAX_EVIDENCE_FRAMES).iterrows()]
        count = len(group)
        paths = sorted({f"{previous} -> {port}"
                        for previous, port in zip(group["previous_port"].tolist(), group["port"].tolist())})
        summary = (f"{bridge} moved {mac} {count} time{'s' if count != 1 else ''} "
                   f"({', '.join(paths)}), first from {first['previous_port']} to {first['port']} "
                   f"by frame {first['cause_frame']} on {first['cause_point']}.")
        vlan = first["vlan"]
        findings.append(Finding(code=CODE, severity="warning", summary=summary, bridge=bridge, mac=mac,
                                port=first["port"], vlan=optional_int(vlan),
                                evidence=items))
    return findings
