"""alb-source-rewrite: a balance-alb or balance-tlb bond sent frames with a slave's MAC as Ethernet source.

Transmit load balancing (bonding modes balance-tlb and balance-alb) gives each
flow a slave. On a slave other than the active one, it replaces the Ethernet
source of the outgoing frame with that slave's own MAC (``bond_do_alb_xmit``
in drivers/net/bonding/bond_alb.c, as Linux 6.1 does in the balance-alb test
case). A guest's frames then leave the host with a MAC that is not the
guest's. NOTE: a 2021 netdev patch (``bond_alb_bridged_mac``) proposed
leaving bridged frames alone; on a kernel that does so, the rule finds
nothing. The
rule finds these frames by their content: the same payload, to the same
destination, seen on the guest side (a tap or the bridge) with one source MAC
and on a slave with the slave's MAC a moment later.

This is how the mode works, not a loss (severity info), and neither mode
needs aggregation on the switch. The switch learns the slave's MAC, not the
guest's, from those frames. Replies still go to the guest's MAC, and
balance-tlb receives them on the active slave only. With
balance-alb the bond sends ARP replies for its own addresses with slave
MACs, so peers' ARP caches contain slave MACs. A switch port security limit
or a MAC ACL that expects only the guest's MAC on that port may drop them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..addresses import mac_int_to_str, mac_str_to_int
from ..findings import Finding
from ..recommend import switch_needs
from ._evidence import MAX_EVIDENCE_FRAMES, evidence

CODE = "alb-source-rewrite"
MODES = ("balance-alb", "balance-tlb")
# The bond rewrites a frame in the same transmit call, so both sightings are microseconds apart.
MATCH_WINDOW = 0.1
ETHERTYPE_ARP = 0x0806


def _rewritten(sightings: pd.DataFrame, members: list[str], slave_macs: dict[int, str]) -> pd.DataFrame:
    """Pair each frame a slave sent with a slave MAC as source with the same frame seen on the guest side.

    Returns one row per rewritten frame: the columns of the slave's sighting,
    and ``orig_index`` and ``orig_src``, the guest-side sighting and its source MAC.
    """
    on_slave = sightings[sightings["point"].isin(members) & sightings["eth_src"].isin(list(slave_macs))
                         & (sightings["direction"] != "in") & (sightings["eth_src"] != sightings["eth_dst"])]
    if on_slave.empty:
        return on_slave.assign(orig_index=pd.Series(dtype=np.int64), orig_src=pd.Series(dtype=np.int64))
    elsewhere = sightings[~sightings["point"].isin(members)
                          & sightings["payload_hash"].isin(on_slave["payload_hash"])]
    elsewhere = elsewhere[["payload_hash", "eth_dst", "eth_src", "time"]].reset_index(names="orig_index")
    pairs = on_slave.reset_index(names="index").merge(
        elsewhere.rename(columns={"eth_src": "orig_src", "time": "orig_time"}), on=["payload_hash", "eth_dst"])
    pairs = pairs[(pairs["orig_src"] != pairs["eth_src"])
                  & ((pairs["time"] - pairs["orig_time"]).abs() <= MATCH_WINDOW)]
    # The nearest guest-side sighting in time is the frame the bond rewrote.
    pairs = pairs.assign(gap=(pairs["time"] - pairs["orig_time"]).abs()).sort_values(["index", "gap"])
    return pairs.drop_duplicates("index").set_index("index").sort_values("time")


def _received(sightings: pd.DataFrame, members: list[str], macs: list[int]) -> dict[str, int]:
    """Count per member the frames that arrived there addressed to one of the MACs (learning frames excluded)."""
    rows = sightings[sightings["point"].isin(members) & sightings["eth_dst"].isin(macs)
                     & (sightings["direction"] != "out") & (sightings["eth_src"] != sightings["eth_dst"])]
    return rows.groupby("point").size().to_dict()


def _slave_arp_replies(sightings: pd.DataFrame, members: list[str], slave_macs: dict[int, str]) -> pd.DataFrame:
    """Return the ARP replies the host sent on a slave that name a slave MAC as sender (receive balancing)."""
    return sightings[sightings["point"].isin(members) & (sightings["ethertype"] == ETHERTYPE_ARP)
                     & (sightings["arp_op"] == 2) & sightings["arp_sha"].isin(list(slave_macs))
                     & (sightings["direction"] != "in")]


def _evidence(context, pairs: pd.DataFrame, arp_replies: pd.DataFrame) -> list:
    """Return the first rewritten frames, each after the same frame on the guest side, then ARP replies."""
    items = []
    for index, row in pairs.head(MAX_EVIDENCE_FRAMES).iterrows():
        original = context.sighting(int(row["orig_index"]))
        items.append(evidence(original, f"the frame from {mac_int_to_str(int(row['orig_src']))} on the guest side"))
        items.append(evidence(context.sighting(index), f"the same frame leaves by {row['point']} with source "
                                                        f"{mac_int_to_str(int(row['eth_src']))}"))
    for _, row in arp_replies.head(2).iterrows():
        items.append(evidence(row, f"ARP reply sent on {row['point']} names slave MAC "
                                   f"{mac_int_to_str(int(row['arp_sha']))} as the sender's address"))
    return items


def _summary(bond: str, mode: str, pairs: pd.DataFrame, arp_replies: pd.DataFrame, replies: dict[str, int],
             to_slaves: dict[str, int]) -> str:
    """Describe what the bond sent with slave MACs and where frames to the guests and to the slaves arrived."""
    if len(pairs):
        per_slave = []
        for (point, src), group in pairs.groupby(["point", "eth_src"], sort=False):
            replaced = sorted({mac_int_to_str(int(m)) for m in group["orig_src"]})
            per_slave.append(f"{len(group)} on {point} with its MAC {mac_int_to_str(int(src))} in place of "
                             f"{', '.join(replaced)}")
        summary = (f"{bond} (bonding {mode}) sent {len(pairs)} frame(s) with a slave's MAC as Ethernet "
                   f"source: " + "; ".join(per_slave) + ".")
    else:
        summary = f"{bond} (bonding {mode}) sent {len(arp_replies)} ARP reply(s) with a slave's MAC."
    if replies:
        originals = sorted({mac_int_to_str(int(m)) for m in pairs["orig_src"]})
        summary += (" Frames to " + ", ".join(originals) + " still arrive on "
                    + ", ".join(f"{p} ({n})" for p, n in sorted(replies.items())) + ".")
    if to_slaves:
        summary += (" Frames addressed to slave MACs arrive on "
                    + ", ".join(f"{p} ({n})" for p, n in sorted(to_slaves.items())) + ".")
    elif len(pairs):
        summary += " No captured frame was addressed to a slave MAC."
    return summary + f" This is how {mode} balances transmit load, not a loss, and {mode} needs {switch_needs(mode)}."


def _meaning(mode: str, active: str | None, used: list[str]) -> list[str]:
    """Return what the rewriting means for the network and when to change something."""
    if mode == "balance-alb":
        receive = (". balance-alb also sends ARP replies for the bond's own addresses with slave MACs, so "
                   "peers' ARP caches contain slave MACs, and a slave that receives only for its own MAC "
                   "is normal")
    else:
        receive = "; the other slaves receive nothing, which is normal for balance-tlb"
    return [
        f"Expected behaviour of {mode}: the switch learns the slave MACs ({', '.join(used)}) from these "
        f"frames instead of the guests' MACs. Peers still send to the guests' MACs"
        + (f", which reach the host by the active slave {active}" if active else "") + receive + ".",
        "If the switch port has port security (a MAC limit) or a MAC ACL that allows only the guests' MACs, "
        "it drops these frames: allow the slave MACs there, or use active-backup (or 802.3ad with LACP on "
        "the switch), which keep the guests' source MACs.",
        f"{mode} needs no static or LACP aggregation on the switch; configure the switch ports as "
        f"ordinary separate access or trunk ports.",
    ]


def _bond_finding(context, bond: str, node: dict) -> Finding | None:
    """Return the finding for one balance-alb or balance-tlb bond, or None when no frame shows rewriting."""
    topology = context.topology
    members = topology.members(bond)
    sightings = context.sightings
    if not members or sightings.empty or not sightings["point"].isin(members).any():
        return None
    slave_macs = {}
    for member in members:
        mac = topology.graph.nodes[member].get("mac")
        if mac:
            slave_macs[mac_str_to_int(mac)] = member
    if not slave_macs:
        return None

    pairs = _rewritten(sightings, members, slave_macs)
    arp_replies = _slave_arp_replies(sightings, members, slave_macs)
    if pairs.empty and arp_replies.empty:
        return None
    mode = node.get("bond_mode")
    originals = sorted({mac_int_to_str(int(m)) for m in pairs["orig_src"]})
    replies = _received(sightings, members, [mac_str_to_int(m) for m in originals])
    to_slaves = _received(sightings, members, list(slave_macs))
    used = sorted({mac_int_to_str(int(m)) for m in pairs["eth_src"]}
                  | {mac_int_to_str(int(m)) for m in arp_replies["arp_sha"]})
    return Finding(code=CODE, severity="info", bridge=node.get("master"), port=bond,
                   mac=originals[0] if originals else None,
                   summary=_summary(bond, mode, pairs, arp_replies, replies, to_slaves),
                   evidence=_evidence(context, pairs, arp_replies),
                   recommendations=_meaning(mode, node.get("active_port"), used))


def find(context) -> list[Finding]:
    findings = []
    for bond, node in context.topology.graph.nodes(data=True):
        if node.get("kind") == "bond" and node.get("bond_mode") in MODES:
            finding = _bond_finding(context, bond, node)
            if finding is not None:
                findings.append(finding)
    return findings
