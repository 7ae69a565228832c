"""Fates of ARP transactions, decided from plain per-journey lookups prepared once per case.

``build_transactions`` in ``analyzer.arp`` pairs requests with replies for the
whole case in numpy and then calls ``CaseFacts.fate`` or
``CaseFacts.replayed_fate`` once per transaction. Those loops touch only
Python lists and dicts, because one pandas row access costs tens of
microseconds and a case may hold tens of thousands of transactions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .journeys import LOCAL
from .topology import Topology

# Replay decisions by which a bridge, or a team or bond below it, drops a frame.
DROP_DECISIONS = ("drop-ingress-port", "vlan-filter-drop", "inactive-port-drop")


def _stuck_uplinks(topology: Topology, bridge: str) -> list[str]:
    """Name the bridge's uplink aggregates that cannot send because LACP selected none of their members."""
    return [port for port in topology.ports(bridge)
            if topology.graph.nodes[port].get("role") == "uplink" and topology.can_transmit(port) is False]


def _port_captured(topology: Topology, bridge: str, port: str, points: set) -> bool:
    if port == LOCAL:
        return bridge in points
    members = topology.members(port)
    return port in points or bool(members) and all(m in points for m in members)


class _Decisions:
    """The replay's decision rows for some journeys, as Python values looked up by journey id."""

    def __init__(self, decisions: pd.DataFrame, journeys: np.ndarray):
        journeys = pd.unique(journeys)
        positions = decisions.index.get_indexer(journeys) if len(decisions) else np.full(len(journeys), -1)
        found = positions >= 0
        self.row = {journey: row for row, journey in enumerate(journeys[found].tolist())}
        taken = decisions.iloc[positions[found]]
        self.decision = taken["decision"].tolist() if "decision" in taken else []
        self.bridge = taken["bridge"].tolist() if "bridge" in taken else []
        self.ingress_port = taken["ingress_port"].tolist() if "ingress_port" in taken else []
        self.out_port = taken["out_port"].tolist() if "out_port" in taken else []


class CaseFacts:
    """Per-journey facts that the fate rules read, prepared once for all transactions of a case.

    ``arp`` is the narrow table of ARP journeys whose positions the
    transactions refer to. Sightings are indexed only for the journeys given
    in ``request_positions`` and ``reply_positions`` (positions in ``arp``).
    """

    def __init__(self, arp: pd.DataFrame, sightings: pd.DataFrame, decisions: pd.DataFrame,
                 topology: Topology, request_positions: np.ndarray, reply_positions: np.ndarray):
        self.topology = topology
        self.sightings = sightings
        self.journey = arp["journey"].to_numpy()
        self._request_journeys = pd.unique(self.journey[request_positions])
        self._reply_journeys = pd.unique(self.journey[reply_positions])
        self.decisions = _Decisions(decisions, np.concatenate([self._request_journeys, self._reply_journeys]))
        self.bridge = arp["bridge"].tolist()
        self.ingress_port = arp["ingress_port"].tolist()
        self.egress_ports = arp["egress_ports"].tolist()
        self.points_of_journey = arp["points"].tolist()
        self.points = set(sightings["point"].unique())
        self._stuck: dict[str, list[str]] = {}
        self._captured: dict[tuple[str, str], bool] = {}
        # Built on first use, because only some fates need them.
        self._uplink_out: dict[int, set] | None = None
        self._reply_sightings: _JourneySightings | None = None

    def seen_at(self, positions: list[int]) -> list[str]:
        """Return the sorted capture points where any of the journeys at ``positions`` (in ``arp``) was seen."""
        # A journey's points list is sorted and may be shared with other journeys, so it is copied.
        if len(positions) == 1:
            return list(self.points_of_journey[positions[0]])
        return sorted(set().union(*(self.points_of_journey[p] for p in positions)))

    def uplinks_left_by(self, journeys: list[int]) -> set:
        """Return the uplinks that any of the request journeys was seen leaving the host by."""
        if self._uplink_out is None:
            sightings = self.sightings
            uplinks = [p for p in self.points if self.topology.graph.nodes.get(p, {}).get("role") == "uplink"]
            leaving = sightings[(sightings["direction"] == "out") & sightings["point"].isin(uplinks)
                                & sightings["journey"].isin(self._request_journeys)]
            self._uplink_out = {}
            for journey, point in zip(leaving["journey"].tolist(), leaving["point"].tolist()):
                self._uplink_out.setdefault(journey, set()).add(point)
        result = set()
        for journey in journeys:
            result |= self._uplink_out.get(journey, set())
        return result

    def last_point(self, journeys: list[int]) -> str:
        """Name the capture point of the latest sighting of the reply journeys.

        Ties in time are broken as ``DataFrame.sort_values("time")`` breaks
        them over the sightings in table order (numpy's quicksort).
        """
        if self._reply_sightings is None:
            self._reply_sightings = _JourneySightings(self.sightings, self._reply_journeys)
        return self._reply_sightings.last_point(journeys)

    def _stuck_uplinks(self, bridge: str) -> list[str]:
        if bridge not in self._stuck:
            self._stuck[bridge] = _stuck_uplinks(self.topology, bridge)
        return self._stuck[bridge]

    def _port_captured(self, bridge: str, port: str) -> bool:
        key = (bridge, port)
        if key not in self._captured:
            self._captured[key] = _port_captured(self.topology, bridge, port, self.points)
        return self._captured[key]

    def requester_port(self, request_positions: list[int]) -> str | None:
        """Name the bridge port the requests came in by: the first one a journey or its replay decision names."""
        decisions = self.decisions
        for position in request_positions:
            ingress_port = self.ingress_port[position]
            if ingress_port is not None:
                return ingress_port
            row = decisions.row.get(int(self.journey[position]))
            if row is not None and decisions.ingress_port[row] is not None:
                return decisions.ingress_port[row]
        return None

    def fate(self, request_positions: list[int], reply_positions: list[int]) -> dict:
        """Decide an observed transaction's fate from its requests and matched replies (positions in ``arp``)."""
        bridge = self.bridge[request_positions[0]]
        port = self.requester_port(request_positions)
        result = {"requester_port": port, "fate": "unknown", "lost_at": None, "reason": None}
        if bridge is None:
            result["reason"] = "the requester's interface is not a bridge port in the case's topology"
            return result
        decisions = self.decisions
        if not reply_positions:
            request_journeys = [int(self.journey[p]) for p in request_positions]
            uplink = self.uplinks_left_by(request_journeys)
            dropped = [row for row in (decisions.row.get(j) for j in request_journeys)
                       if row is not None and decisions.decision[row] in DROP_DECISIONS]
            if uplink:
                result["fate"] = "unanswered"
                result["reason"] = f"requests left the host on {', '.join(sorted(uplink))} and no reply was captured"
            elif dropped and len(dropped) == len(request_positions):
                result["fate"] = "lost"
                result["lost_at"] = decisions.bridge[dropped[0]]
                result["reason"] = (f"{decisions.bridge[dropped[0]]} dropped the requests "
                                    f"({decisions.decision[dropped[0]]})")
            elif self._stuck_uplinks(bridge):
                stuck = self._stuck_uplinks(bridge)
                result["fate"] = "lost"
                result["lost_at"] = stuck[0]
                result["reason"] = f"{', '.join(stuck)} has no LACP-selected member to send the requests on"
            else:
                result["reason"] = "no reply was captured and no request was seen leaving by an uplink"
            return result
        if port is None:
            result["reason"] = "the port the requests came in by is not known"
            return result

        reply_journeys = [int(self.journey[p]) for p in reply_positions]
        for journey, position in zip(reply_journeys, reply_positions):
            if port == LOCAL:
                row = decisions.row.get(journey)
                if (row is not None and decisions.decision[row] == "local") or bridge in self.points_of_journey[position]:
                    result["fate"] = "answered"
                    return result
            elif port in self.egress_ports[position]:
                result["fate"] = "answered"
                return result

        drops = [row for row in (decisions.row.get(j) for j in reply_journeys) if row is not None]
        fdb_drops = [row for row in drops if decisions.decision[row] in ("drop-ingress-port", "vlan-filter-drop")]
        inactive = [row for row in drops if decisions.decision[row] == "inactive-port-drop"]
        forwarded = [row for row in drops if decisions.decision[row] == "forward" and decisions.out_port[row] == port]
        if self._port_captured(bridge, port):
            result["fate"] = "lost"
            if fdb_drops:
                result["lost_at"] = bridge
            elif inactive:
                result["lost_at"] = decisions.ingress_port[inactive[0]]
            else:
                result["lost_at"] = self.last_point(reply_journeys)
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

    def replayed_fate(self, request_positions: list[int], reply_positions: list[int]) -> dict:
        """Decide a transaction's fate from the replay's forwarding decisions only."""
        bridge = self.bridge[request_positions[0]]
        port = self.requester_port(request_positions)
        result = {"requester_port": port, "fate": "unknown", "lost_at": None,
                  "reason": "decided by the replay under the changed configuration"}
        if not reply_positions or port is None:
            result["fate"] = "unanswered" if not reply_positions else "unknown"
            return result
        decisions = self.decisions
        for position in reply_positions:
            row = decisions.row.get(int(self.journey[position]))
            if row is None:
                continue
            decision = decisions.decision[row]
            if ((decision == "flood" and decisions.ingress_port[row] != port)
                    or (decision == "forward" and decisions.out_port[row] == port)
                    or (decision == "local" and port == LOCAL)):
                result["fate"] = "answered"
                return result
        result["fate"] = "lost"
        result["lost_at"] = bridge
        return result


class _JourneySightings:
    """The sightings of some journeys, grouped by journey and in table order within each."""

    def __init__(self, sightings: pd.DataFrame, journeys: np.ndarray):
        all_journeys = sightings["journey"].to_numpy()
        rows = np.flatnonzero(np.isin(all_journeys, journeys))
        order = np.argsort(all_journeys[rows], kind="stable")
        self.rows = rows[order]
        self.points = np.asarray(sightings["point"].iloc[self.rows].tolist(), dtype=object)
        self.times = sightings["time"].to_numpy()[self.rows]
        self.time_list = self.times.tolist()
        sorted_journeys = all_journeys[self.rows]
        starts = np.flatnonzero(np.concatenate([[True], sorted_journeys[1:] != sorted_journeys[:-1]]))
        ends = np.append(starts[1:], len(sorted_journeys))
        self.span = {j: (a, b) for j, a, b in zip(sorted_journeys[starts].tolist(), starts.tolist(), ends.tolist())}

    def last_point(self, journeys: list[int]) -> str:
        spans = [self.span.get(j, (0, 0)) for j in journeys]
        candidates = [row for a, b in spans for row in range(a, b)]
        latest = max((self.time_list[row] for row in candidates), default=None)
        at_latest = [row for row in candidates if self.time_list[row] == latest]
        if len(at_latest) == 1:
            return self.points[at_latest[0]]
        picked = np.array(sorted(candidates), dtype=np.int64)
        # Order by position in the sightings table, as a boolean mask over it would.
        picked = picked[np.argsort(self.rows[picked], kind="stable")]
        last = picked[np.argsort(self.times[picked], kind="quicksort")[-1]]
        return self.points[last]
