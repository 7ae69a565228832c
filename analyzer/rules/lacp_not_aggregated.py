"""lacp-not-aggregated: the ports of an LACP team or 802.3ad bond are not selected, or no partner sends LACPDUs.

teamd's lacp runner and bonding's 802.3ad mode send only on members that
LACP negotiation selected. A switch port without LACP sends no LACPDUs, so
the partner stays all zero, no member is selected, and the aggregate cannot
send at all (team) or falls back to one port per aggregator (bond).
"""

from __future__ import annotations

from shlex import quote as sh

from ..findings import Finding
from ..lacpdu import read_lacpdus
from ._evidence import evidence

CODE = "lacp-not-aggregated"
SLOW_PROTOCOLS_ETHERTYPE = 0x8809
ZERO_MAC = "00:00:00:00:00:00"


def _describe(lacpdu: dict | None) -> str:
    if lacpdu is None:
        return ""
    actor, partner = lacpdu["actor"], lacpdu["partner"]
    return (f": actor {actor['system']} state {','.join(actor['state_names']) or 'none'}; "
            f"partner {partner['system']} state {','.join(partner['state_names']) or 'none'}")


def _lacpdus(context, members: list[str]) -> tuple[int, int, list, list[dict]]:
    """Count the LACPDUs sent and received on the members and decode the first few of each."""
    sightings = context.sightings
    lacp = sightings[(sightings["ethertype"] == SLOW_PROTOCOLS_ETHERTYPE) & sightings["point"].isin(members)]
    sent = lacp[lacp["direction"] != "in"].head(2)
    received = lacp[lacp["direction"] == "in"].head(2)
    items, decoded = [], []
    for rows, what in ((sent, "leaves by"), (received, "arrives on")):
        for _, row in rows.iterrows():
            lacpdu = read_lacpdus(row["file"], {int(row["frame"])}).get(int(row["frame"]))
            if lacpdu is not None:
                decoded.append(lacpdu)
            items.append(evidence(row, f"LACPDU {what} {row['point']}{_describe(lacpdu)}"))
    counts = lacp["direction"].eq("in")
    return int((~counts).sum()), int(counts.sum()), items, decoded


def find(context) -> list[Finding]:
    topology = context.topology
    findings = []
    for aggregate in sorted(n for n, d in topology.graph.nodes(data=True) if d.get("kind") in ("team", "bond")):
        members = topology.lacp_members(aggregate)
        if not members:
            continue
        unselected = sorted(m for m, state in members.items() if state["selected"] is False)
        no_partner = sorted(m for m, state in members.items() if state["partner"] in (ZERO_MAC,))
        if not unselected and not no_partner:
            continue
        sent, received, items, _ = _lacpdus(context, list(members))
        stuck = topology.can_transmit(aggregate) is False
        parts = []
        if unselected:
            parts.append(f"{', '.join(unselected)} not selected")
        if no_partner:
            parts.append(f"no LACP partner on {', '.join(no_partner)} (partner system {ZERO_MAC})")
        if sent or received:
            parts.append(f"{sent} LACPDU(s) sent and {received} received in the captures")
        summary = (f"{aggregate} is not aggregated: {'; '.join(parts)}."
                   + (f" With no selected member, {aggregate} sends nothing." if stuck else ""))
        kind = topology.kind(aggregate)
        recommendations = [
            f"Configure the switch ports facing {', '.join(sorted(members))} as one LACP port-channel "
            f"(mode active), or use a static setup on both sides.",
            (f"Check the host side: teamdctl {sh(aggregate)} state dump (runner lacp, each port's 'selected')"
             if kind == "team" else f"Check the host side: cat {sh('/proc/net/bonding/' + aggregate)} "
                                    f"(Partner Mac Address, Aggregator ID per slave)"),
        ]
        findings.append(Finding(code=CODE, severity="error" if stuck else "warning", summary=summary,
                                lost_at=aggregate if stuck else None, port=aggregate,
                                bridge=topology.master(aggregate), evidence=items,
                                recommendations=recommendations))
    return findings
