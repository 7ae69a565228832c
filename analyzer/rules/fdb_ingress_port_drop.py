"""fdb-ingress-port-drop: a bridge dropped unicast frames because its FDB put the destination behind their ingress port.

This is the founding failure. The switch floods a guest's broadcast back in
on the other member of a team or bond, so the bridge moves the guest's MAC to
that aggregate. The unicast reply that then arrives on the aggregate is
dropped, because a bridge never forwards a frame out of the port it came in by.
"""

from __future__ import annotations

import numpy as np

from ..findings import Finding
from ..journeys import LOCAL
from ..recommend import aggregate_fixes, reflection_fixes, stopgap_flood
from ._evidence import MAX_EVIDENCE_FRAMES, evidence, ingress_sighting

CODE = "fdb-ingress-port-drop"


def find(context) -> list[Finding]:
    # A frame seen leaving by another port was not dropped. The replay state is
    # wrong there, because frames are missing from the captures, so it is no evidence.
    confirmed = confirmed_drops(context)
    if confirmed.empty:
        return []
    # Where the entry was learned from a frame that really came from behind the
    # ingress port, the destination is there: that is hairpin-drop's case.
    confirmed = confirmed[~learned_legitimately_mask(context, confirmed["journey"].to_numpy())]
    findings = []
    for (bridge, mac, port), group in confirmed.groupby(["bridge", "dst_mac", "ingress_port"], sort=False):
        findings.append(_finding(context, bridge, mac, port, group))
    return findings


def confirmed_drops(context):
    """Return the journeys the replay drops at their ingress port and no capture saw leaving."""
    decisions = context.decisions
    if decisions.empty:
        return context.journeys.iloc[0:0]
    drops = decisions[decisions["decision"] == "drop-ingress-port"]
    journeys = context.journeys.loc[drops["journey"]]
    # An echo dropped on its way back in is no loss: its original already left the host.
    journeys = journeys[journeys["echo_of"] < 0]
    return journeys[[not [p for p in ports if p != LOCAL] for ports in journeys["egress_ports"]]]


def learned_legitimately_mask(context, journey_ids: np.ndarray) -> np.ndarray:
    """Tell, for each dropped journey, whether the FDB entry that dropped it came from a frame that was no echo."""
    result = np.zeros(len(journey_ids), dtype=bool)
    if not len(journey_ids):
        return result
    causes = context.decisions.loc[journey_ids, "fdb_cause_sighting"].to_numpy(dtype=np.int64)
    known = causes >= 0
    cause_journeys = context.sightings.loc[causes[known], "journey"].to_numpy(dtype=np.int64)
    result[known] = context.journeys.loc[cause_journeys, "echo_of"].to_numpy(dtype=np.int64) < 0
    return result


def _finding(context, bridge: str, mac: str, port: str, group) -> Finding:
    topology = context.topology
    first = group.iloc[0]
    decision = context.decisions.loc[first["journey"]]
    items = []
    cause_index = int(decision["fdb_cause_sighting"])
    cause_note = ""
    echo = False
    should_leave_by = None
    if cause_index >= 0:
        cause = context.sighting(cause_index)
        cause_journey = context.journeys.loc[int(cause["journey"])]
        echo = int(cause_journey["echo_of"]) >= 0
        moves = context.fdb_events[(context.fdb_events["bridge"] == bridge)
                                   & (context.fdb_events["mac"] == mac)
                                   & (context.fdb_events["cause_sighting"] == cause_index)]
        if len(moves) and moves.iloc[0]["previous_port"]:
            should_leave_by = moves.iloc[0]["previous_port"]
        if echo:
            original = context.journeys.loc[int(cause_journey["echo_of"])]
            items.append(evidence(ingress_sighting(context, original),
                                  f"{mac} sends this frame; it enters {bridge} by "
                                  f"{original['ingress_port']}"))
        cause_note = (f"this {'echo of that frame' if echo else 'frame'} enters {bridge} by {port} "
                      f"with source {mac}, so {bridge} learns {mac} on {port}")
        items.append(evidence(cause, cause_note))
    for _, journey in group.head(MAX_EVIDENCE_FRAMES).iterrows():
        row = ingress_sighting(context, journey)
        what = "ARP reply" if journey["arp_op"] == 2 else "unicast frame"
        items.append(evidence(row, f"{what} to {mac} enters {bridge} by {port}; {bridge} drops it "
                                   f"because its FDB has {mac} on {port}"))
    if should_leave_by is None:
        should_leave_by = _guest_port(topology, bridge, mac, context)
    missing = f", so they never reached {should_leave_by}" if should_leave_by else ""
    frames = len(group)
    summary = (f"{bridge} dropped {frames} unicast frame{'s' if frames != 1 else ''} to {mac} "
               f"that arrived on {port}{missing}. Its FDB had {mac} on {port} itself"
               + (f", learned from an echo of {mac}'s own broadcast that came back in on {port}" if echo else "")
               + ", and a bridge never forwards a frame out of the port it came in by.")
    kind = topology.kind(port)
    if kind in ("team", "bond"):
        recommendations = aggregate_fixes(topology, port, bridge)
    elif echo:
        recommendations = reflection_fixes(port, bridge)
    else:
        recommendations = [stopgap_flood(bridge)]
    return Finding(code=CODE, severity="error", summary=summary, lost_at=bridge, mac=mac,
                   bridge=bridge, port=port, evidence=items, recommendations=recommendations,
                   explanation=f"should have left by {should_leave_by}" if should_leave_by else None)


def _guest_port(topology, bridge: str, mac: str, context) -> str | None:
    """Name the port a MAC was on before it moved to the wrong one, if the replay saw that."""
    events = context.fdb_events
    rows = events[(events["bridge"] == bridge) & (events["mac"] == mac)]
    for _, row in rows.iterrows():
        if row["previous_port"]:
            return row["previous_port"]
    return None
