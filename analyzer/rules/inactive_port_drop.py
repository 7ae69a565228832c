"""inactive-port-drop: frames arrived on a team or bond member that the runner or mode treats as inactive.

With activebackup (team) or active-backup (bond), only the active member
receives for the aggregate. The switch's echoes of the host's own broadcasts
arriving on the backup member are discarded there, which is harmless (info).
Frames addressed to a guest that arrive only on the backup member are lost
(error): the switch sends them to the port the aggregate no longer uses.
"""

from __future__ import annotations

from shlex import quote as sh

from ..addresses import is_group_mac
from ..findings import Finding
from ._evidence import MAX_EVIDENCE_FRAMES, evidence, ingress_sighting

CODE = "inactive-port-drop"


def find(context) -> list[Finding]:
    decisions = context.decisions
    if decisions.empty:
        return []
    dropped = decisions[decisions["decision"] == "inactive-port-drop"]
    if dropped.empty:
        return []
    journeys = context.journeys.loc[dropped["journey"]]
    findings = []
    for port, group in journeys.groupby("ingress_port", sort=False):
        harmless = group[(group["echo_of"] >= 0) | group["eth_dst"].map(is_group_mac)]
        harmful = group.drop(harmless.index)
        active = context.topology.graph.nodes[port].get("active_port")
        bridge = group.iloc[0]["bridge"]
        if len(harmful):
            members = sorted(set(harmful["ingress_member"].dropna()))
            items = [evidence(ingress_sighting(context, j), f"arrives on inactive member {j['ingress_member']} "
                              f"of {port} and is discarded there")
                     for _, j in harmful.head(MAX_EVIDENCE_FRAMES).iterrows()]
            macs = sorted(set(harmful["dst_mac"].dropna()))
            summary = (f"{len(harmful)} unicast frame(s) to {', '.join(macs[:3])} arrived on "
                       f"{', '.join(members)}, which {port} treats as inactive"
                       + (f" (active: {active})" if active else "")
                       + "; the team or bond discards them, so they never reach the bridge.")
            findings.append(Finding(
                code=CODE, severity="error", summary=summary, lost_at=port, bridge=bridge, port=members[0],
                mac=macs[0] if macs else None, evidence=items,
                recommendations=[
                    f"The switch still sends these frames to {', '.join(members)}. Make the host announce "
                    f"the change of active port (teamd activebackup sends gratuitous ARP only for its own "
                    f"addresses, not for guests behind {bridge}): set \"hwaddr_policy\": \"by_active\" "
                    f"or lower the switch's MAC ageing, or use LACP.",
                    f"Check {port}'s active port over time: teamdctl {sh(port)} state dump, and the kernel log.",
                ]))
        if len(harmless):
            items = [evidence(ingress_sighting(context, j), f"echo discarded on inactive member "
                              f"{j['ingress_member']}") for _, j in harmless.head(2).iterrows()]
            inactive = sorted(set(harmless["ingress_member"].dropna()))
            node = context.topology.graph.nodes[port]
            mode = node.get("runner") or node.get("bond_mode") or "active-backup"
            findings.append(Finding(
                code=CODE, severity="info", port=inactive[0] if inactive else port, lost_at=port,
                bridge=bridge, evidence=items,
                summary=(f"{len(harmless)} broadcast frame(s) or echoes arrived on an inactive member of "
                         f"{port} and were discarded there; this is expected with {mode} and harmless.")))
    return findings
