"""duplicate-mac: one MAC is in use behind two ports, by hosts with different IP addresses, at once.

The bridge learns the MAC on one port, then on the other, each time from a
frame that really entered there (no echo), and the IPv4 senders behind the
two ports differ: two guests were given the same MAC. A live migration moves
a MAC too, but keeps its addresses, so it is left to fdb-mac-move.
"""

from __future__ import annotations

from ..addresses import ipv4_int_to_str
from ..findings import Finding
from ._evidence import evidence, ingress_sighting

CODE = "duplicate-mac"


def _sender_ips(context, journeys) -> set[int]:
    ips = set(journeys.loc[journeys["arp_spa"] > 0, "arp_spa"])
    first = context.sightings.loc[journeys["first_sighting"].to_numpy()]
    ips |= set(first.loc[first["ip_src"] > 0, "ip_src"])
    return ips


def find(context) -> list[Finding]:
    journeys = context.journeys
    if journeys.empty:
        return []
    entering = journeys[(journeys["echo_of"] < 0) & journeys["ingress_port"].notna()
                        & (journeys["ingress_port"] != "(local)")]
    findings = []
    for (bridge, mac), group in entering.groupby(["bridge", "src_mac"], sort=False):
        ports = group["ingress_port"].unique()
        if len(ports) < 2 or mac is None:
            continue
        by_port = {port: _sender_ips(context, group[group["ingress_port"] == port]) for port in ports}
        with_ips = {p: ips for p, ips in by_port.items() if ips}
        if len(with_ips) < 2:
            continue
        sets = list(with_ips.values())
        if any(a & b for i, a in enumerate(sets) for b in sets[i + 1:]):
            continue
        described = "; ".join(f"{p}: {', '.join(sorted(ipv4_int_to_str(i) for i in ips))}"
                              for p, ips in sorted(with_ips.items()))
        items = [evidence(ingress_sighting(context, group[group["ingress_port"] == p].iloc[0]),
                          f"{mac} enters {bridge} by {p}") for p in sorted(with_ips)]
        findings.append(Finding(
            code=CODE, severity="error", bridge=bridge, mac=mac, port=sorted(with_ips)[0], evidence=items,
            summary=(f"{mac} is used behind {len(with_ips)} ports of {bridge} by hosts with different "
                     f"addresses ({described}): {bridge} keeps moving the MAC, and frames for one host "
                     f"reach the other."),
            recommendations=[f"Give each guest its own MAC (libvirt: virsh edit DOMAIN, <mac address=...>; "
                             f"check for cloned VM templates). The ports concerned: "
                             f"{', '.join(sorted(with_ips))}."]))
    return findings
