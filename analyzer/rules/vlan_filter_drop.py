"""vlan-filter-drop: a VLAN-filtering bridge dropped frames because a port is not a member of their VLAN.

On ingress, a tagged frame needs its VLAN on the port, and an untagged one
takes the port's PVID (no PVID: dropped). On egress, only ports that are
members of the frame's VLAN may send it, so a VLAN that no other port
carries ends at the bridge.
"""

from __future__ import annotations

from shlex import quote as sh

from ..findings import Finding
from ..tables import optional_int
from ..journeys import LOCAL
from ._evidence import MAX_EVIDENCE_FRAMES, evidence, ingress_sighting

CODE = "vlan-filter-drop"


def find(context) -> list[Finding]:
    decisions = context.decisions
    if decisions.empty:
        return []
    drops = decisions[decisions["decision"] == CODE]
    if drops.empty:
        return []
    journeys = context.journeys.loc[drops["journey"]].copy()
    journeys["vlan_decided"] = drops["vlan"].to_numpy()
    journeys["note"] = drops["note"].to_numpy()
    # Frames seen leaving by another port were not dropped: no evidence.
    journeys = journeys[[not [p for p in ports if p != LOCAL] for ports in journeys["egress_ports"]]]
    findings = []
    for (bridge, port, vlan), group in journeys.groupby(["bridge", "ingress_port", "vlan_decided"],
                                                        sort=False, dropna=False):
        findings.append(_finding(context, bridge, port, vlan, group))
    return findings


def _finding(context, bridge: str, port: str, vlan, group) -> Finding:
    topology = context.topology
    vid = optional_int(vlan)
    reason = group.iloc[0]["note"]
    items = [evidence(ingress_sighting(context, j), f"enters {bridge} by {port}"
                      + (f" in VLAN {vid}" if vid is not None else "") + f"; {bridge} drops it ({j['note']})")
             for _, j in group.head(MAX_EVIDENCE_FRAMES).iterrows()]
    carried = []
    for other in topology.ports(bridge):
        vlans = topology.graph.nodes[other].get("vlans")
        if other != port and vlans:
            carried.append(f"{other} carries {', '.join(str(v) for v in sorted(vlans)[:8])}")
    count = len(group)
    summary = (f"{bridge} dropped {count} frame{'s' if count != 1 else ''} from {port}"
               + (f" in VLAN {vid}" if vid is not None else "") + f": {reason}."
               + (f" ({'; '.join(carried)})" if carried else ""))
    recommendations = []
    if vid is not None and reason.startswith("egress"):
        uplinks = [p for p in topology.ports(bridge) if topology.graph.nodes[p].get("role") == "uplink"]
        for uplink in uplinks:
            recommendations.append(f"If VLAN {vid} should reach the network, add it to {uplink}: "
                                   f"bridge vlan add dev {sh(uplink)} vid {vid} (and make it persistent, for "
                                   f"example bridge-vids in /etc/network/interfaces on Proxmox).")
        recommendations.append(f"Or give the guest on {port} a VLAN that the uplink carries.")
    elif vid is not None:
        recommendations.append(f"Add VLAN {vid} to {port}: bridge vlan add dev {sh(port)} vid {vid}, or tag the "
                               f"frames with a VLAN that {port} carries.")
    return Finding(code=CODE, severity="error", summary=summary, lost_at=bridge, bridge=bridge, port=port,
                   vlan=vid, mac=group.iloc[0]["src_mac"], evidence=items, recommendations=recommendations)
