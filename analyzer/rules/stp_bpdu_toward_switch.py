"""stp-bpdu-toward-switch: the host sends spanning-tree BPDUs out of an uplink.

A Linux bridge with ``stp_state 1`` sends a BPDU every hello time out of every
port. A switch port with BPDU guard shuts itself down when one arrives, and
the host loses the uplink.
"""

from __future__ import annotations

from shlex import quote as sh

from ..addresses import mac_str_to_int
from ..findings import Finding
from ._evidence import evidence

CODE = "stp-bpdu-toward-switch"
STP_GROUP_ADDRESS = 0x0180C2000000


def find(context) -> list[Finding]:
    sightings = context.sightings
    if sightings.empty:
        return []
    topology = context.topology
    bpdus = sightings[(sightings["eth_dst"] == STP_GROUP_ADDRESS) & (sightings["direction"] != "in")]
    findings = []
    for bridge in topology.bridges():
        local = {mac_str_to_int(m) for m in topology.local_macs(bridge)}
        for point, rows in bpdus[bpdus["eth_src"].isin(local)].groupby("point", sort=False):
            place = topology.place(point)
            if place[0] != bridge or topology.graph.nodes[point].get("role") != "uplink":
                continue
            stp = topology.graph.nodes[bridge].get("stp_state")
            items = [evidence(row, f"BPDU from {bridge} leaves by {point}") for _, row in rows.head(3).iterrows()]
            findings.append(Finding(
                code=CODE, severity="warning", bridge=bridge, port=place[1], evidence=items,
                summary=(f"{bridge} sent {len(rows)} spanning-tree BPDU(s) out of {point}"
                         + (f" (stp_state {stp})" if stp is not None else "")
                         + ": a switch port with BPDU guard shuts down when it receives one."),
                recommendations=[
                    f"If {bridge} has one path to the network, turn STP off on it: "
                    f"ip link set dev {sh(bridge)} type bridge stp_state 0 (and in its persistent "
                    f"configuration, for example bridge-stp off or nmcli con mod {bridge} bridge.stp no).",
                    f"Otherwise ask the switch team whether BPDU guard is on for the port facing {point}.",
                ]))
    return findings
