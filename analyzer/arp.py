"""ARP transactions: each request series, the replies to it, and the fate of those replies.

Requests with the same sender MAC, sender IP and target IP form one
transaction while they come less than ``TRANSACTION_GAP`` seconds apart, since
the kernel retries once a second. A reply belongs to it when it comes from the
target IP, is addressed to the requester, and arrives between the first
request and ``REPLY_WAIT`` seconds after the last. Gratuitous ARP and ARP
probes (sender IP 0.0.0.0) expect no answer and are left out. Echoes of a
request (the host's own broadcast flooded back in) are not counted as requests.

Fates: "answered" when a reply left the bridge by the port the request came
in by (or went up to the host, for the host's own requests); "lost" when
replies reached the host but not the requester, with ``lost_at`` naming the
bridge or interface where they vanished; "unanswered" when requests left the
host and no reply was captured anywhere; "unknown" when the captures cannot
tell (the requester's side was not captured and the replay cannot decide).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .addresses import ipv4_int_to_str, mac_int_to_str
from .journeys import LOCAL
from .tables import none_for_missing
from .topology import Topology

TRANSACTION_GAP = 5.0
REPLY_WAIT = 3.0
# Identical requests closer together than this are one request repeated by a
# loop, not a retry (Linux retries after retrans_time_ms, 1000 by default).
MIN_RETRY_INTERVAL = 0.2

ARP_REQUEST = 1
ARP_REPLY = 2

# Replay decisions by which a bridge, or a team or bond below it, drops a frame.
DROP_DECISIONS = ("drop-ingress-port", "vlan-filter-drop", "inactive-port-drop")

TRANSACTION_COLUMNS = [
    "transaction", "requester_ip", "requester_mac", "target_ip", "target_mac", "requests", "replies",
    "first_time", "last_time", "fate", "lost_at", "requester_port", "replies_seen_at",
    "first_request_point", "first_request_file", "first_request_frame", "first_request_time",
    "request_journeys", "reply_journeys", "reason",
]


# The journey and sighting columns that the pairing and the fate rules read.
TRANSACTION_JOURNEY_COLUMNS = (
    "journey", "bridge", "ingress_port", "egress_ports", "points", "first_sighting", "first_time", "last_time",
    "echo_of", "eth_dst", "arp_op", "arp_sha", "arp_spa", "arp_tha", "arp_tpa", "fingerprint",
)
TRANSACTION_SIGHTING_COLUMNS = ("journey", "point", "file", "frame", "time", "direction")


def _drop_repeats(series: pd.DataFrame) -> pd.DataFrame:
    """Keep one journey per burst of identical requests: a forwarding loop repeats one
    request many times within milliseconds, while the kernel retries once a second."""
    kept, last = [], {}
    for index, row in zip(series.index, series.itertuples(index=False)):
        previous = last.get(row.fingerprint)
        last[row.fingerprint] = row.first_time
        if previous is None or row.first_time - previous >= MIN_RETRY_INTERVAL:
            kept.append(index)
    return series.loc[kept]


def _request_groups(requests: pd.DataFrame) -> list[pd.DataFrame]:
    groups = []
    for _, series in requests.groupby(["arp_sha", "arp_spa", "arp_tpa"], sort=False):
        series = _drop_repeats(series.sort_values("first_time"))
        gap = series["first_time"].diff().fillna(0) > TRANSACTION_GAP
        for _, part in series.groupby(gap.cumsum()):
            groups.append(part)
    groups.sort(key=lambda g: g["first_time"].iloc[0])
    return groups


def build_transactions(journeys: pd.DataFrame, sightings: pd.DataFrame, decisions: pd.DataFrame,
                       topology: Topology, observed: bool = True) -> pd.DataFrame:
    """Pair ARP requests with their replies and decide each transaction's fate.

    With ``observed`` False the fate comes from the replay's decisions alone,
    as for a counterfactual replay under another configuration, whose frames
    no capture has seen.
    """
    if journeys.empty or "arp_op" not in journeys:
        return pd.DataFrame(columns=TRANSACTION_COLUMNS)
    # Slices of a narrow table are much cheaper to take, and each transaction takes several.
    arp = journeys.loc[journeys["arp_op"].isin([ARP_REQUEST, ARP_REPLY]),
                       [c for c in journeys.columns if c in TRANSACTION_JOURNEY_COLUMNS]]
    requests = arp[(arp["arp_op"] == ARP_REQUEST) & (arp["echo_of"] < 0)
                   & (arp["arp_spa"] > 0) & (arp["arp_spa"] != arp["arp_tpa"])]
    # Each transaction looks only at the replies between its addresses and at the
    # sightings of its own journeys, so the cost grows with the case, not its square.
    # Its numbers come from numpy arrays, because pandas access costs tens of
    # microseconds a call. Positions below index these arrays (rows of `arp`).
    column = {name: arp[name].to_numpy() for name in
              ("journey", "first_time", "last_time", "first_sighting", "eth_dst", "arp_sha", "arp_spa", "arp_tha",
               "arp_tpa")}
    reply_positions = np.flatnonzero(arp["arp_op"].to_numpy() == ARP_REPLY)
    replies_by_addresses = {
        key: reply_positions[part] for key, part in
        pd.Series(np.arange(len(reply_positions))).groupby(
            [column["arp_spa"][reply_positions], column["arp_tpa"][reply_positions]], sort=False).indices.items()
    }
    no_replies = np.empty(0, dtype=np.int64)
    index = _SightingIndex(sightings)
    rows = []
    for number, group in enumerate(_request_groups(requests), start=1):
        positions = arp.index.get_indexer(group.index)
        first = positions[0]
        sha, spa, tpa = column["arp_sha"][first], column["arp_spa"][first], column["arp_tpa"][first]
        start = float(column["first_time"][first])
        end = float(column["first_time"][positions].max()) + REPLY_WAIT
        candidates = replies_by_addresses.get((tpa, spa), no_replies)
        times = column["first_time"][candidates]
        matched = candidates[((column["eth_dst"][candidates] == sha) | (column["arp_tha"][candidates] == sha))
                             & (times >= start) & (times <= end)]
        answer = arp.iloc[matched]
        first_sighting = index.position(int(column["first_sighting"][first]))
        last_time = column["last_time"][positions].max()
        row = {
            "transaction": number,
            "requester_ip": ipv4_int_to_str(spa),
            "requester_mac": mac_int_to_str(sha),
            "target_ip": ipv4_int_to_str(tpa),
            "target_mac": mac_int_to_str(column["arp_sha"][matched[0]]) if len(matched) else None,
            "requests": int(len(positions)),
            "replies": int(len(matched)),
            "first_time": start,
            "last_time": float(max(last_time, column["last_time"][matched].max() if len(matched) else 0)),
            "first_request_point": index.point[first_sighting],
            "first_request_file": index.file[first_sighting],
            "first_request_frame": int(index.frame[first_sighting]),
            "first_request_time": float(index.time[first_sighting]),
            "request_journeys": column["journey"][positions].tolist(),
            "reply_journeys": column["journey"][matched].tolist(),
        }
        reply_rows = index.rows_of(row["reply_journeys"])
        row["replies_seen_at"] = sorted(set(index.point[reply_rows].tolist()))
        if observed:
            # The fate rules read these sightings only on some paths, so the tables are built when first used.
            seen = _LazyFrame(lambda rows=reply_rows: index.frame_of(rows))
            own = _LazyFrame(lambda: index.frame_of(index.rows_of(row["request_journeys"] + row["reply_journeys"])))
            row.update(_fate(group, answer, seen, own, decisions, topology, index.points))
        else:
            row.update(_replayed_fate(group, answer, decisions))
        rows.append(row)
    return none_for_missing(pd.DataFrame(rows, columns=TRANSACTION_COLUMNS),
                            ("target_mac", "lost_at", "requester_port", "reason"))


class _SightingIndex:
    """The sightings table indexed by journey, and the set of all capture points."""

    def __init__(self, sightings: pd.DataFrame):
        self.sightings = sightings[[c for c in sightings.columns if c in TRANSACTION_SIGHTING_COLUMNS]]
        self.labels = sightings.index
        journeys = sightings["journey"].to_numpy()
        self.order = np.argsort(journeys, kind="stable")
        self.sorted_journeys = journeys[self.order]
        self.point = sightings["point"].to_numpy(dtype=object)
        self.file = sightings["file"].to_numpy(dtype=object)
        self.frame = sightings["frame"].to_numpy()
        self.time = sightings["time"].to_numpy()
        self.points = set(sightings["point"].unique())

    def rows_of(self, journeys: list[int]) -> np.ndarray:
        """Return the positions of the given journeys' sightings, in table order."""
        ids = np.asarray(journeys, dtype=np.int64)
        starts = np.searchsorted(self.sorted_journeys, ids, side="left")
        ends = np.searchsorted(self.sorted_journeys, ids, side="right")
        positions = [self.order[a:b] for a, b in zip(starts, ends)]
        return np.unique(np.concatenate(positions)) if positions else np.empty(0, dtype=np.int64)

    def frame_of(self, rows: np.ndarray) -> pd.DataFrame:
        """Return the sightings at positions ``rows``, as a boolean mask over the table would select them."""
        return self.sightings.iloc[rows]

    def position(self, label: int) -> int:
        return int(self.labels.get_loc(label))


class _LazyFrame:
    """A DataFrame that is built on its first use; attribute and item access go to it."""

    def __init__(self, build):
        self._build = build
        self._frame = None

    def _get(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self._build()
        return self._frame

    def __getattr__(self, name):
        return getattr(self._get(), name)

    def __getitem__(self, key):
        return self._get()[key]

    def __len__(self) -> int:
        return len(self._get())


def _requester_port(group: pd.DataFrame, decisions: pd.DataFrame) -> str | None:
    # zip over columns instead of itertuples, which builds a namedtuple class on every call.
    for ingress_port, journey in zip(group["ingress_port"], group["journey"]):
        if ingress_port is not None:
            return ingress_port
        if journey in decisions.index:
            port = decisions.loc[journey, "ingress_port"]
            if port is not None:
                return port
    return None


def _stuck_uplinks(topology: Topology, bridge: str) -> list[str]:
    """Name the bridge's uplink aggregates that cannot send because LACP selected none of their members."""
    return [port for port in topology.ports(bridge)
            if topology.graph.nodes[port].get("role") == "uplink" and topology.can_transmit(port) is False]


def _port_captured(topology: Topology, bridge: str, port: str, points: set) -> bool:
    if port == LOCAL:
        return bridge in points
    members = topology.members(port)
    return port in points or bool(members) and all(m in points for m in members)


def _fate(group, answer, seen, sightings, decisions, topology: Topology, points: set) -> dict:
    """Decide an observed transaction's fate.

    ``sightings`` needs to contain only the sightings of the transaction's
    journeys; ``points`` is every capture point of the case.
    """
    bridge = group["bridge"].iloc[0]
    port = _requester_port(group, decisions)
    result = {"requester_port": port, "fate": "unknown", "lost_at": None, "reason": None}
    if bridge is None:
        result["reason"] = "the requester's interface is not a bridge port in the case's topology"
        return result
    if answer.empty:
        request_rows = sightings[sightings["journey"].isin(group["journey"])]
        left = request_rows[(request_rows["direction"] == "out")]
        uplink = [p for p in left["point"].unique()
                  if topology.graph.nodes.get(p, {}).get("role") == "uplink"]
        dropped = [decisions.loc[j] for j in group["journey"] if j in decisions.index
                   and decisions.loc[j, "decision"] in DROP_DECISIONS]
        if uplink:
            result["fate"] = "unanswered"
            result["reason"] = f"requests left the host on {', '.join(sorted(uplink))} and no reply was captured"
        elif dropped and len(dropped) == len(group):
            result["fate"] = "lost"
            result["lost_at"] = dropped[0]["bridge"]
            result["reason"] = f"{dropped[0]['bridge']} dropped the requests ({dropped[0]['decision']})"
        elif _stuck_uplinks(topology, bridge):
            stuck = _stuck_uplinks(topology, bridge)
            result["fate"] = "lost"
            result["lost_at"] = stuck[0]
            result["reason"] = f"{', '.join(stuck)} has no LACP-selected member to send the requests on"
        else:
            result["reason"] = "no reply was captured and no request was seen leaving by an uplink"
        return result
    if port is None:
        result["reason"] = "the port the requests came in by is not known"
        return result

    reached = False
    for journey, journey_points, egress_ports in zip(answer["journey"], answer["points"], answer["egress_ports"]):
        if port == LOCAL:
            decision = decisions.loc[journey, "decision"] if journey in decisions.index else None
            reached = reached or decision == "local" or (bridge in journey_points)
        elif port in egress_ports:
            reached = True
    if reached:
        result["fate"] = "answered"
        return result

    drops = [decisions.loc[j] for j in answer["journey"] if j in decisions.index]
    fdb_drops = [d for d in drops if d["decision"] in ("drop-ingress-port", "vlan-filter-drop")]
    inactive = [d for d in drops if d["decision"] == "inactive-port-drop"]
    forwarded = [d for d in drops if d["decision"] == "forward" and d["out_port"] == port]
    if _port_captured(topology, bridge, port, points):
        result["fate"] = "lost"
        if fdb_drops:
            result["lost_at"] = bridge
        elif inactive:
            result["lost_at"] = inactive[0]["ingress_port"]
        else:
            last = seen.sort_values("time").iloc[-1]
            result["lost_at"] = last["point"]
        return result
    if forwarded:
        result["fate"] = "answered"
        result["reason"] = f"the replay sends the replies out of {port}, which was not captured"
    elif fdb_drops:
        result["fate"] = "lost"
        result["lost_at"] = bridge
        result["reason"] = f"{port} was not captured; the replay drops the replies at {bridge}"
    else:
        result["reason"] = f"{port}, the requester's side, was not captured"
    return result


def _replayed_fate(group, answer, decisions) -> dict:
    """Decide a transaction's fate from the replay's forwarding decisions only."""
    bridge = group["bridge"].iloc[0]
    port = _requester_port(group, decisions)
    result = {"requester_port": port, "fate": "unknown", "lost_at": None,
              "reason": "decided by the replay under the changed configuration"}
    if answer.empty or port is None:
        result["fate"] = "unanswered" if answer.empty else "unknown"
        return result
    for journey in answer["journey"]:
        if journey not in decisions.index:
            continue
        decision = decisions.loc[journey]
        if decision["decision"] == "flood" and decision["ingress_port"] != port:
            result["fate"] = "answered"
            return result
        if decision["decision"] == "forward" and decision["out_port"] == port:
            result["fate"] = "answered"
            return result
        if decision["decision"] == "local" and port == LOCAL:
            result["fate"] = "answered"
            return result
    result["fate"] = "lost"
    result["lost_at"] = bridge
    return result
