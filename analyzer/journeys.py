"""Journeys: the sightings of one frame as it crossed the host, and each sighting's direction.

Sightings of the same frame content (same payload hash and source MAC) are
split into journeys so that ARP retries (identical bytes a second later) and
echoes (the host's own broadcast flooded back in by the switch) stay apart.
A journey enters a bridge by one port (or from the host's own stack) and may
leave by others. A sighting starts a new journey when it cannot belong to an
open one:

- its capture point was already passed in that journey;
- it is a second member of a team or bond. A runner other than broadcast
  sends each frame on one member only, so a frame seen on ``ens224`` and then
  on ``ens256`` went out on one and came back in on the other;
- it arrives more than ``window`` seconds after the journey began.

Direction is never taken from the source MAC of a foreign host, because a
looped-back broadcast carries the sender's own MAC. It comes from the file's
flags where present, else from the order of sightings along the topology, else
from the host's own (local) MACs, else it stays unknown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .captures.model import DIRECTION_IN, DIRECTION_OUT
from .tables import none_for_missing
from .topology import Topology
from .addresses import mac_int_to_str, mac_str_to_int

log = logging.getLogger(__name__)

# Sightings of one frame further apart than this start a new journey: crossing a
# host takes micro- to milliseconds, while ARP retries are a second apart.
DEFAULT_WINDOW = 0.1

LOCAL = "(local)"  # ingress "port" of a frame sent by the host's own stack


@dataclass
class Pass:
    """A journey under construction."""

    id: int
    bridge: str | None
    first_time: float
    ingress_port: str | None  # bridge port, LOCAL, or None when unknown
    in_member: str | None = None
    out_members: dict = field(default_factory=dict)  # aggregate port -> member it left by
    points: set = field(default_factory=set)
    sightings: list = field(default_factory=list)  # (row index, role "in"/"out")
    dst: int = -1
    ingress_source: str = "topology"
    started_beside_open: bool = False  # began while another journey of the frame was open
    echo_of: int = -1
    echo_kind: str | None = None  # "aggregate" or "reflected"
    echo_left_by: str | None = None


class _Places:
    """Cached topology lookups for capture points."""

    def __init__(self, topology: Topology, points: list[str]):
        self.topology = topology
        self.place = {p: topology.place(p) for p in points}
        captured = set(points)
        self.captured_ports: dict[str, set[str]] = {}
        self.local_macs: dict[str, set[int]] = {}
        for bridge in topology.bridges():
            ports = set()
            for port in topology.ports(bridge):
                members = topology.members(port)
                if port in captured or (members and all(m in captured for m in members)):
                    ports.add(port)
            if bridge in captured:
                ports.add(LOCAL)
            self.captured_ports[bridge] = ports
            self.local_macs[bridge] = {mac_str_to_int(m) for m in topology.local_macs(bridge)}

    def all_ports(self, bridge: str) -> set[str]:
        return set(self.topology.ports(bridge)) | {LOCAL}


def _fits(journey: Pass, place, point: str, flag: int, dst: int, topology: Topology) -> str | None:
    """Return the sighting's role in the journey ("in" or "out"), or None when it cannot belong."""
    bridge, port, member = place
    if bridge != journey.bridge or point in journey.points:
        return None
    if journey.dst != -1 and dst != -1 and journey.dst != dst:
        return None
    if port is None:  # the bridge device: frames the host sends or receives
        if journey.ingress_port == LOCAL:
            return None
        return "in" if flag != DIRECTION_OUT else None
    if port == journey.ingress_port:
        if flag == DIRECTION_OUT:
            return None
        if member is not None and journey.in_member not in (None, member):
            return None
        return "in"
    if flag == DIRECTION_IN:
        return None
    if member is not None and topology.aggregate_sends_one_copy(port):
        if journey.out_members.get(port) not in (None, member):
            return None
    return "out"


def _start(journey_id: int, place, point: str, flag: int, src: int, dst: int, time: float,
           first_in_group: bool, places: _Places) -> tuple[Pass, str]:
    bridge, port, member = place
    local = places.local_macs.get(bridge, set())
    if port is None:
        role = "in" if flag == DIRECTION_IN else "out"
        ingress = None if role == "in" else LOCAL
        source = "file" if flag else "topology"
    elif flag == DIRECTION_OUT:
        role, ingress, source = "out", None, "file"
    elif flag == DIRECTION_IN:
        role, ingress, source = "in", port, "file"
    elif first_in_group and src in local:
        role, ingress, source = "out", LOCAL, "address"
    else:
        role, ingress, source = "in", port, "topology"
    journey = Pass(id=journey_id, bridge=bridge, first_time=time, ingress_port=ingress,
                   dst=dst, ingress_source=source)
    if role == "in" and member is not None:
        journey.in_member = member
    return journey, role


def _add(journey: Pass, row: int, place, point: str, role: str) -> None:
    _, port, member = place
    journey.points.add(point)
    journey.sightings.append((row, role))
    if role == "out" and member is not None:
        journey.out_members[port] = member
    if role == "in" and member is not None and port == journey.ingress_port:
        journey.in_member = member


def _resolve_lone(journey: Pass, place, src: int, dst: int, flag: int, places: _Places) -> tuple[str, str]:
    """Decide the direction of a journey seen at one capture point only.

    Returns (role, source). A frame with the host's own source MAC was sent by
    the host; one addressed to the host's MAC was received. Otherwise, when
    every other port of the bridge was captured, the frame cannot have come
    from another port unseen, so it entered here.
    """
    bridge, port, _ = place
    if flag == DIRECTION_IN:
        return "in", "file"
    if flag == DIRECTION_OUT:
        return "out", "file"
    if port is None or bridge is None:
        return "unknown", "none"
    if journey.started_beside_open:
        # The same frame was already crossing the host: this copy came back
        # in, even when it carries the host's own source MAC.
        return "in", "topology"
    local = places.local_macs.get(bridge, set())
    if src in local:
        journey.ingress_port = LOCAL
        return "out", "address"
    if dst in local:
        return "in", "address"
    # The host's own stack sends only with local source MACs, so it cannot be
    # the origin here. Any other port can, and had they all been captured, the
    # frame would have been seen entering by one of them.
    others = places.all_ports(bridge) - {port, LOCAL}
    if others and others <= places.captured_ports.get(bridge, set()):
        return "in", "topology"
    journey.ingress_port = None
    return "unknown", "none"


def build_journeys(sightings: pd.DataFrame, topology: Topology,
                   window: float = DEFAULT_WINDOW) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split sightings into journeys and infer each sighting's direction.

    Returns the sightings with the columns ``journey``, ``direction`` ("in",
    "out" or "unknown": received or sent on the capture point) and
    ``direction_source`` ("file", "topology", "address" or "none") added, and
    the journeys table (one row per journey).
    """
    sightings = sightings.copy()
    count = len(sightings)
    journey_of = np.full(count, -1, dtype=np.int64)
    direction = np.full(count, "unknown", dtype=object)
    source = np.full(count, "none", dtype=object)
    points = sorted(sightings["point"].unique()) if count else []
    places = _Places(topology, points)
    rows: list[dict] = []
    if count == 0:
        sightings["journey"] = journey_of
        sightings["direction"] = direction
        sightings["direction_source"] = source
        return sightings, _journey_frame(rows)

    times = sightings["time"].to_numpy()
    flags = sightings["direction"].to_numpy() if "direction" in sightings else np.zeros(count, np.int8)
    sightings = sightings.rename(columns={"direction": "file_direction"})
    srcs = sightings["eth_src"].to_numpy()
    dsts = sightings["eth_dst"].to_numpy()
    point_of = sightings["point"].to_numpy()
    keys = sightings[["payload_hash", "eth_src"]]
    group_ids = keys.groupby(["payload_hash", "eth_src"], sort=False).ngroup().to_numpy()
    order = np.lexsort((times, group_ids))
    boundaries = np.flatnonzero(np.diff(group_ids[order])) + 1
    next_id = 0
    for group in np.split(order, boundaries):
        open_passes: list[Pass] = []
        finished: list[Pass] = []
        for row in group:
            point = point_of[row]
            place = places.place[point]
            flag, time = int(flags[row]), float(times[row])
            still_open = []
            for journey in open_passes:
                (still_open if time - journey.first_time <= window else finished).append(journey)
            open_passes = still_open
            role = None
            for journey in open_passes:
                role = _fits(journey, place, point, flag, int(dsts[row]), topology)
                if role is not None:
                    break
            if role is None:
                journey, role = _start(next_id, place, point, flag, int(srcs[row]), int(dsts[row]),
                                       time, not open_passes and not finished, places)
                journey.started_beside_open = bool(open_passes)
                next_id += 1
                open_passes.append(journey)
            _add(journey, row, place, point, role)
        finished.extend(open_passes)
        _link_echoes(finished, places, point_of, window)
        for journey in finished:
            rows.append(_finish(journey, places, point_of, srcs, dsts, flags, direction, source,
                                journey_of, times))

    sightings["journey"] = journey_of
    sightings["direction"] = direction
    sightings["direction_source"] = source
    journeys = _journey_frame(rows)
    _describe_journeys(journeys, sightings)
    return sightings, journeys


def _link_echoes(passes: list[Pass], places: _Places, point_of, window: float) -> None:
    """Mark a journey that entered, within the window, by a port an earlier journey of the frame left by."""
    passes.sort(key=lambda j: j.first_time)
    for index, journey in enumerate(passes):
        journey.echo_of = -1
        journey.echo_kind = None
        if journey.ingress_port in (None, LOCAL):
            continue
        for earlier in reversed(passes[:index]):
            if journey.first_time - earlier.first_time > window:
                break
            left_by = {places.place[point_of[r]][1] for r, role in earlier.sightings if role == "out"}
            if journey.ingress_port in left_by:
                journey.echo_of = earlier.id
                out_member = earlier.out_members.get(journey.ingress_port)
                same = out_member is None or journey.in_member is None or out_member == journey.in_member
                journey.echo_kind = "reflected" if same else "aggregate"
                journey.echo_left_by = out_member or journey.ingress_port
                break


def _finish(journey: Pass, places: _Places, point_of, srcs, dsts, flags, direction, source,
            journey_of, times) -> dict:
    first_row = journey.sightings[0][0]
    if len(journey.sightings) == 1:
        place = places.place[point_of[first_row]]
        role, how = _resolve_lone(journey, place, int(srcs[first_row]), int(dsts[first_row]),
                                  int(flags[first_row]), places)
        journey.sightings = [(first_row, role)]
        if role == "out" and journey.ingress_port == places.place[point_of[first_row]][1]:
            journey.ingress_port = None
        if role == "in" and place[1] is not None:
            journey.ingress_port = place[1]
            journey.in_member = place[2]
        hows = [how]
    else:
        hows = []
        for row, _ in journey.sightings:
            hows.append("file" if flags[row] else ("address" if journey.ingress_source == "address"
                                                   else "topology"))
    ingress_row = None
    egress_ports = set()
    for (row, role), how in zip(journey.sightings, hows):
        journey_of[row] = journey.id
        direction[row] = role
        source[row] = how
        place = places.place[point_of[row]]
        if role == "in" and place[1] == journey.ingress_port:
            # Prefer the member of a team or bond: the frame entered the host there.
            if ingress_row is None or (place[2] is not None and places.place[point_of[ingress_row]][2] is None):
                ingress_row = row
        if role == "out":
            egress_ports.add(place[1] if place[1] is not None else LOCAL)
    rows_in_journey = [r for r, _ in journey.sightings]
    return {
        "journey": journey.id,
        "bridge": journey.bridge,
        "ingress_port": journey.ingress_port,
        "ingress_member": journey.in_member,
        "ingress_sighting": ingress_row if ingress_row is not None else -1,
        "egress_ports": sorted(egress_ports),
        "points": sorted({point_of[r] for r in rows_in_journey}),
        "first_sighting": rows_in_journey[0],
        "first_time": float(times[rows_in_journey[0]]),
        "last_time": float(times[rows_in_journey[-1]]),
        "sightings": len(rows_in_journey),
        "echo_of": journey.echo_of,
        "echo_kind": journey.echo_kind,
        "echo_left_by": journey.echo_left_by,
    }


JOURNEY_COLUMNS = ["journey", "bridge", "ingress_port", "ingress_member", "ingress_sighting",
                   "egress_ports", "points", "first_sighting", "first_time", "last_time",
                   "sightings", "echo_of", "echo_kind", "echo_left_by"]


def _journey_frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in JOURNEY_COLUMNS})
    frame = pd.DataFrame(rows, columns=JOURNEY_COLUMNS).sort_values(["first_time", "journey"])
    none_for_missing(frame, ("bridge", "ingress_port", "ingress_member", "echo_kind", "echo_left_by"))
    return frame.set_index("journey", drop=False)


def _describe_journeys(journeys: pd.DataFrame, sightings: pd.DataFrame) -> None:
    """Copy each journey's addresses from its first sighting, for the replay and the rules."""
    if journeys.empty:
        return
    first = sightings.loc[journeys["first_sighting"].to_numpy()]
    for column in ("eth_src", "eth_dst", "vlan_outer", "ethertype", "arp_op", "arp_sha", "arp_spa",
                   "arp_tha", "arp_tpa", "fingerprint"):
        journeys[column] = first[column].to_numpy()
    # A cooked capture does not record the destination of frames it saw leave;
    # take it from any sighting of the journey that has one.
    known = sightings[sightings["eth_dst"] >= 0].groupby("journey")["eth_dst"].first()
    missing = journeys["eth_dst"] < 0
    journeys.loc[missing, "eth_dst"] = journeys.loc[missing, "journey"].map(known).fillna(-1).astype("int64")
    # An ARP reply goes to the requester's hardware address, which it repeats
    # as the target hardware address (RFC 826).
    reply = (journeys["eth_dst"] < 0) & (journeys["arp_op"] == 2) & (journeys["arp_tha"] > 0)
    journeys.loc[reply, "eth_dst"] = journeys.loc[reply, "arp_tha"]
    journeys["src_mac"] = [mac_int_to_str(v) for v in journeys["eth_src"]]
    journeys["dst_mac"] = [mac_int_to_str(v) for v in journeys["eth_dst"]]
