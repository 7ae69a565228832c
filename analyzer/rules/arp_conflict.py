"""arp-conflict: several MACs answered ARP for one IP address (ARP flux or a duplicate address).

Linux answers ARP on every interface by default (arp_ignore=0), so a host
with two NICs in one subnet replies from both: the requester's neighbour entry
then flips between the two MACs.
"""

from __future__ import annotations

from ..addresses import mac_int_to_str
from ..findings import Finding
from ._evidence import evidence, ingress_sighting

CODE = "arp-conflict"


def find(context) -> list[Finding]:
    transactions = context.transactions
    if transactions.empty:
        return []
    journeys = context.journeys
    by_ip: dict[str, dict] = {}
    for _, t in transactions.iterrows():
        replies = journeys.loc[t["reply_journeys"]] if t["reply_journeys"] else journeys.iloc[0:0]
        for _, reply in replies.iterrows():
            mac = reply["src_mac"] if reply["arp_sha"] < 0 else mac_int_to_str(reply["arp_sha"])
            entry = by_ip.setdefault(t["target_ip"], {})
            entry.setdefault(mac, reply)
    findings = []
    for ip, macs in by_ip.items():
        if len(macs) < 2:
            continue
        items = [evidence(ingress_sighting(context, reply), f"ARP reply: {ip} is at {mac}")
                 for mac, reply in macs.items()]
        names = ", ".join(sorted(macs))
        findings.append(Finding(
            code=CODE, severity="warning", mac=sorted(macs)[0], evidence=items,
            summary=(f"{len(macs)} different MACs answered ARP for {ip} ({names}): the requester's "
                     f"neighbour entry for {ip} depends on which reply comes last."),
            recommendations=[
                f"If one host owns {ip} through several NICs in the same subnet (ARP flux), make it "
                f"answer only on the NIC that has the address: sysctl -w net.ipv4.conf.all.arp_ignore=1 "
                f"and net.ipv4.conf.all.arp_announce=2 on that host.",
                f"Otherwise two hosts use {ip}: find them by these MACs in the switch's MAC table.",
            ]))
    return findings

