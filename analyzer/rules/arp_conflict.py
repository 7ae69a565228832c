"""arp-conflict: several MACs answered ARP for one IP address (ARP flux or a duplicate address).

Linux answers ARP on every interface by default (arp_ignore=0), so a host
with two NICs in one subnet replies from both: the requester's neighbour entry
then flips between the two MACs.
"""

from __future__ import annotations

from ..addresses import mac_int_to_str
from ..findings import Finding
from ._evidence import MAX_EVIDENCE_FRAMES, evidence, ingress_sighting

CODE = "arp-conflict"


def find(context) -> list[Finding]:
    transactions = context.transactions
    if transactions.empty:
        return []
    by_ip = _first_reply_by_mac(context.journeys, transactions)
    findings = []
    for ip, macs in by_ip.items():
        if len(macs) < 2:
            continue
        first_replies = list(macs.items())[:MAX_EVIDENCE_FRAMES]
        items = [evidence(ingress_sighting(context, context.journeys.loc[journey]), f"ARP reply: {ip} is at {mac}")
                 for mac, journey in first_replies]
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


def _first_reply_by_mac(journeys, transactions) -> dict[str, dict[str, int]]:
    """Map each target IP to the MACs that replied for it, each with the journey of its first reply.

    Transactions are taken in table order and replies in each transaction's
    order, so "first" means first in that order.
    """
    reply_journeys = transactions["reply_journeys"].tolist()
    counts = [len(replies) for replies in reply_journeys]
    flat = [journey for replies in reply_journeys for journey in replies]
    if not flat:
        return {}
    replies = journeys.loc[flat, ["src_mac", "arp_sha"]]
    names: dict[int, str] = {}
    macs = []
    for src, sha in zip(replies["src_mac"].tolist(), replies["arp_sha"].tolist()):
        # A reply without an ARP sender MAC is named by its Ethernet source.
        if sha < 0:
            macs.append(src)
        else:
            if sha not in names:
                names[sha] = mac_int_to_str(sha)
            macs.append(names[sha])
    ips = [ip for ip, count in zip(transactions["target_ip"].tolist(), counts) for _ in range(count)]
    by_ip: dict[str, dict[str, int]] = {}
    for ip, mac, journey in zip(ips, macs, flat):
        by_ip.setdefault(ip, {}).setdefault(mac, journey)
    return by_ip
