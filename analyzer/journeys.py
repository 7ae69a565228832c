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

Most frame contents are seen at one capture point only (a group of one
sighting, or repeats at one point). Every such sighting starts its own journey,
so these groups are decided with whole-column numpy operations. The other
groups go through ``_trace_groups``, a per-sighting loop compiled with numba
(run as plain Python without it) that keeps the open journeys of one group
in small arrays.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .addresses import mac_int_to_str, mac_str_to_int
from .captures.jit import compiled
from .captures.model import DIRECTION_IN, DIRECTION_OUT
from .journeys_compiled import (ECHO_NONE, ECHO_REFLECTED, HOW_ADDRESS, HOW_FILE, HOW_NONE,
                                HOW_TOPOLOGY, NO_NAME, ROLE_IN, ROLE_OUT, ROLE_UNKNOWN, _trace_groups)
from .topology import BROADCAST_MODES, Topology

log = logging.getLogger(__name__)

# Sightings of one frame further apart than this start a new journey: crossing a
# host takes micro- to milliseconds, while ARP retries are a second apart.
DEFAULT_WINDOW = 0.1

LOCAL = "(local)"  # ingress "port" of a frame sent by the host's own stack

# Names of the role, direction source and echo kind codes (see journeys_compiled) in the tables.
ROLE_NAMES = np.array(["unknown", "in", "out"], dtype=object)
HOW_NAMES = np.array(["none", "file", "topology", "address"], dtype=object)
ECHO_NAMES = np.array([None, "reflected", "aggregate"], dtype=object)

JOURNEY_COLUMNS = ["journey", "bridge", "ingress_port", "ingress_member", "ingress_sighting",
                   "egress_ports", "points", "first_sighting", "first_time", "last_time",
                   "sightings", "echo_of", "echo_kind", "echo_left_by"]


class _Encoding:
    """Integer ids for the topology names the trace compares, and per-point lookups as arrays.

    Names (bridges, ports, members and LOCAL) get ids in sorted order, so that
    sorting ids sorts names. Each capture point has a place (bridge, port,
    member), stored as three id arrays indexed by point id.
    """

    def __init__(self, topology: Topology, points: list[str]):
        places = {point: topology.place(point) for point in points}
        names = {LOCAL}
        for place in places.values():
            names.update(name for name in place if name is not None)
        bridges = topology.bridges()
        for bridge in bridges:
            names.add(bridge)
            names.update(topology.ports(bridge))
        self.names = sorted(names)
        self.id = {name: index for index, name in enumerate(self.names)}
        self.local = self.id[LOCAL]
        self.name_array = np.array(self.names + [None], dtype=object)  # index -1 gives None

        def ids(position: int) -> np.ndarray:
            return np.array([self._id(places[p][position]) for p in points], dtype=np.int64)

        self.point_bridge = ids(0)
        self.point_port = ids(1)
        self.point_member = ids(2)
        self.sends_one_copy = np.array(
            [name in topology.graph and _sends_one_copy(topology, name) for name in self.names], dtype=np.bool_
        )
        self.lone_enters = self._lone_enters(topology, points, places, bridges)
        self.local_keys = self._local_keys(topology, bridges)

    def _id(self, name: str | None) -> int:
        return NO_NAME if name is None else self.id[name]

    @staticmethod
    def _lone_enters(topology: Topology, points: list[str], places: dict, bridges: list[str]) -> np.ndarray:
        """Tell per point whether a frame seen only there must have entered there: every other port was captured.

        The host's own stack sends only with local source MACs, so it cannot be
        the origin of a frame that reaches this test. Any other port can, and
        had they all been captured, the frame would have been seen entering by
        one of them.
        """
        captured = set(points)
        captured_ports: dict[str, set[str]] = {}
        for bridge in bridges:
            ports = set()
            for port in topology.ports(bridge):
                members = topology.members(port)
                if port in captured or (members and all(m in captured for m in members)):
                    ports.add(port)
            if bridge in captured:
                ports.add(LOCAL)
            captured_ports[bridge] = ports
        result = np.zeros(len(points), dtype=np.bool_)
        for index, point in enumerate(points):
            bridge, port, _ = places[point]
            if bridge is None or port is None:
                continue
            others = (set(topology.ports(bridge)) | {LOCAL}) - {port, LOCAL}
            result[index] = bool(others) and others <= captured_ports.get(bridge, set())
        return result

    def _local_keys(self, topology: Topology, bridges: list[str]) -> np.ndarray:
        """Return the sorted keys of every local MAC of every bridge (see ``_mac_key``).

        A MAC text that does not parse becomes -1, as in the replay, and then
        matches frames whose MAC is unknown.
        """
        keys = [_mac_key(self.id[bridge], mac_str_to_int(mac)) for bridge in bridges
                for mac in topology.local_macs(bridge)]
        return np.unique(np.array(keys, dtype=np.int64))

    def is_local(self, bridge: np.ndarray, mac: np.ndarray) -> np.ndarray:
        """Tell per row whether ``mac`` is a local MAC of ``bridge`` (False where the bridge is missing)."""
        placed = bridge >= 0
        keys = np.where(placed, _mac_key(bridge, mac), -1)
        return placed & np.isin(keys, self.local_keys)


def _mac_key(bridge, mac):
    """Combine a bridge id and a MAC (-1 for unknown) into one integer: bridge * 2**49 + MAC + 1."""
    return bridge * (1 << 49) + mac + 1


def _sends_one_copy(topology: Topology, name: str) -> bool:
    node = topology.graph.nodes[name]
    mode = node.get("runner") or node.get("bond_mode")
    return mode not in BROADCAST_MODES


def build_journeys(sightings: pd.DataFrame, topology: Topology,
                   window: float = DEFAULT_WINDOW) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split sightings into journeys and infer each sighting's direction.

    Returns the sightings with the columns ``journey``, ``direction`` ("in",
    "out" or "unknown": received or sent on the capture point) and
    ``direction_source`` ("file", "topology", "address" or "none") added, and
    the journeys table (one row per journey).
    """
    count = len(sightings)
    if count == 0:
        sightings = sightings.copy()
        sightings["journey"] = np.full(0, -1, dtype=np.int64)
        sightings["direction"] = np.full(0, "unknown", dtype=object)
        sightings["direction_source"] = np.full(0, "none", dtype=object)
        return sightings, _empty_journeys()
    flags = sightings["direction"].to_numpy() if "direction" in sightings else np.zeros(count, np.int8)
    # Renaming does not copy the columns (pandas copy-on-write), and the caller's table is left as it was.
    sightings = sightings.rename(columns={"direction": "file_direction"})

    point_names, point_of = _sorted_codes(sightings["point"].to_numpy(dtype=object))
    encoding = _Encoding(topology, list(point_names))
    rows = _RowData(sightings, flags.astype(np.int64), point_of.astype(np.int64), encoding)
    order, group_start, group_of = _group_rows(sightings, rows.times)
    trace = _Trace(count)
    single_point = _single_point_groups(rows.point, order, group_start)
    # Journey ids are numbered group after group (in order of first appearance), so each
    # group's first id is the number of journeys in the groups before it.
    journey_counts = np.diff(group_start)
    general = np.flatnonzero(~single_point)
    general_part = None
    if len(general):
        general_part, journey_counts[general] = _trace_general(
            rows, encoding, order, group_start, group_of, general, window, trace)
    group_base = np.concatenate([[0], np.cumsum(journey_counts)[:-1]])
    if general_part is not None:
        trace.number_general(general_part, group_base[general], journey_counts[general])
    _trace_single_point(rows, encoding, order, group_start, group_of, single_point, group_base, window, trace)

    sightings["journey"] = trace.journey_of
    sightings["direction"] = pd.array(ROLE_NAMES, dtype="str").take(trace.role)
    sightings["direction_source"] = pd.array(HOW_NAMES, dtype="str").take(trace.how)
    journeys = _journey_frame(trace, rows, encoding, point_names)
    _describe_journeys(journeys, sightings, trace.journey_of)
    return sightings, journeys


def _sorted_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the sorted distinct values and each value's index among them, as np.unique would.

    Hashing first and sorting only the distinct values is much faster than np.unique on strings.
    """
    codes, distinct = pd.factorize(values)
    order = np.argsort(np.asarray(distinct, dtype=object))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.asarray(distinct, dtype=object)[order], rank[codes]


class _RowData:
    """The per-sighting inputs of the trace as plain arrays, indexed by row position."""

    def __init__(self, sightings: pd.DataFrame, flags: np.ndarray, point: np.ndarray, encoding: _Encoding):
        self.times = sightings["time"].to_numpy(dtype=np.float64)
        self.flags = flags
        self.src = sightings["eth_src"].to_numpy().astype(np.int64, copy=False)
        self.dst = sightings["eth_dst"].to_numpy().astype(np.int64, copy=False)
        self.point = point
        bridge = encoding.point_bridge[point]
        self.src_local = encoding.is_local(bridge, self.src)
        self.dst_local = encoding.is_local(bridge, self.dst)


def _group_rows(sightings: pd.DataFrame, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group rows by (payload hash, source MAC), numbered in order of first appearance.

    Returns the row positions sorted by group and then by time (ties in row
    order), the start of each group in that order (with the end appended), and
    each row's group number.
    """
    hashes, _ = pd.factorize(sightings["payload_hash"].to_numpy())
    sources, source_values = pd.factorize(sightings["eth_src"].to_numpy())
    group_of, _ = pd.factorize(hashes.astype(np.int64) * len(source_values) + sources)
    if len(times) < 2 or bool(np.all(times[1:] >= times[:-1])):
        # Rows already in time order: a stable sort by group keeps time order inside each group.
        order = np.argsort(group_of, kind="stable")
    else:
        order = np.lexsort((times, group_of))
    sizes = np.bincount(group_of)
    group_start = np.concatenate([[0], np.cumsum(sizes)])
    return order, group_start, group_of


def _single_point_groups(point: np.ndarray, order: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Tell per group whether all of its sightings are at one capture point."""
    sorted_points = point[order]
    changes = np.concatenate([[0], (sorted_points[1:] != sorted_points[:-1]).astype(np.int64)])
    # A change at a group's first row is a new group, not a second point inside it.
    changes[group_start[:-1]] = 0
    return np.add.reduceat(changes, group_start[:-1]) == 0


class _Trace:
    """The trace's results: per row its journey, role and how the role was found; per journey its fields."""

    def __init__(self, count: int):
        self.journey_of = np.full(count, -1, dtype=np.int64)
        self.role = np.zeros(count, dtype=np.int8)
        self.how = np.zeros(count, dtype=np.int8)
        self.parts: list[dict[str, np.ndarray]] = []

    def add_journeys(self, **columns: np.ndarray) -> dict[str, np.ndarray]:
        self.parts.append(columns)
        return columns

    def number_general(self, part: dict[str, np.ndarray], group_base: np.ndarray, journey_counts: np.ndarray) -> None:
        """Turn the loop's journey numbers, counted from 0 in each group, into journey ids."""
        base = np.repeat(group_base, journey_counts)
        part["journey"] = part["journey"] + base
        part["echo_of"] = np.where(part["echo_of"] >= 0, part["echo_of"] + base, -1)
        rows = part.pop("rows")
        self.journey_of[rows] += np.repeat(group_base, part.pop("group_sizes"))

    def journeys(self) -> dict[str, np.ndarray]:
        names = self.parts[0].keys()
        return {name: np.concatenate([part[name] for part in self.parts]) for name in names}


def _trace_general(rows: _RowData, encoding: _Encoding, order: np.ndarray, group_start: np.ndarray,
                   group_of: np.ndarray, general: np.ndarray, window: float,
                   trace: _Trace) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Trace the groups seen at several points with the per-sighting loop.

    Returns the journeys' fields, numbered from 0 in each group, and each group's journey count.
    """
    starts = group_start[general]
    ends = group_start[general + 1]
    total = int((ends - starts).sum())
    kernel = _trace_groups if compiled() else getattr(_trace_groups, "py_func", _trace_groups)
    out = _GeneralOutput(total, len(general))
    kernel(order, starts, ends, rows.point, rows.flags, rows.src, rows.dst, rows.times, rows.src_local,
           rows.dst_local, encoding.point_bridge, encoding.point_port, encoding.point_member,
           encoding.lone_enters, encoding.sends_one_copy, encoding.local, float(window),
           trace.journey_of, trace.role, trace.how, out.counts, *out.journey_arrays())
    journeys = int(out.counts.sum())
    is_general = np.zeros(len(group_start) - 1, dtype=bool)
    is_general[general] = True
    selected = order[is_general[group_of[order]]]
    part = trace.add_journeys(rows=selected, group_sizes=ends - starts,
                              **{name: array[:journeys] for name, array in out.named_arrays().items()})
    return part, out.counts


class _GeneralOutput:
    """Arrays the compiled loop fills: one entry per journey, in creation order, groups one after another."""

    NAMES = ("journey", "bridge", "ingress_port", "ingress_member", "ingress_sighting", "first_sighting",
             "last_sighting", "sightings", "echo_of", "echo_kind", "echo_left_by")

    def __init__(self, rows: int, groups: int):
        self.counts = np.zeros(groups, dtype=np.int64)
        self.arrays = {name: np.empty(rows, dtype=np.int64) for name in self.NAMES}

    def journey_arrays(self) -> list[np.ndarray]:
        return [self.arrays[name] for name in self.NAMES]

    def named_arrays(self) -> dict[str, np.ndarray]:
        return self.arrays


def _trace_single_point(rows: _RowData, encoding: _Encoding, order: np.ndarray, group_start: np.ndarray,
                        group_of: np.ndarray, single_point: np.ndarray, group_base: np.ndarray,
                        window: float, trace: _Trace) -> None:
    """Trace the groups whose sightings are all at one capture point, each sighting as its own journey.

    Such a sighting never fits an open journey of its group (that journey has
    already passed the point), so it starts one. This applies, column by
    column, what the per-sighting loop does for such a group: _start for the
    role, the echo search over the group's earlier journeys, and _resolve_lone.
    """
    selected_groups = np.flatnonzero(single_point)
    if not len(selected_groups):
        return
    in_selected = single_point[group_of[order]]
    positions = np.flatnonzero(in_selected)
    row = order[positions]
    group = group_of[row]
    rank = positions - group_start[group]
    first = rank == 0
    times = rows.times[row]
    previous_time = np.concatenate([[0.0], times[:-1]])
    # The latest earlier journey of the group began at the previous row, so it is open if any is.
    beside = ~first & (times - previous_time <= window)
    flag = rows.flags[row]
    point = rows.point[row]
    bridge = encoding.point_bridge[point]
    port = encoding.point_port[point]
    member = encoding.point_member[point]
    no_port = port == NO_NAME

    # _start: the role and ingress port before the journey is finished.
    start_role = np.select(
        [no_port, flag == DIRECTION_OUT, flag == DIRECTION_IN, first & rows.src_local[row]],
        [np.where(flag == DIRECTION_IN, ROLE_IN, ROLE_OUT), ROLE_OUT, ROLE_IN, ROLE_OUT],
        ROLE_IN,
    )
    start_ingress = np.select(
        [no_port, flag == DIRECTION_OUT, flag == DIRECTION_IN, first & rows.src_local[row]],
        [np.where(flag == DIRECTION_IN, NO_NAME, encoding.local), NO_NAME, port, encoding.local],
        port,
    )
    start_member = np.where((start_role == ROLE_IN) & (member != NO_NAME), member, NO_NAME)

    echo_of, echo_left_by = _single_point_echoes(positions, group_start[group], times, start_role,
                                                 start_ingress, member, encoding.local, window)
    journey = group_base[group] + rank
    echo_id = np.where(echo_of >= 0, group_base[group] + echo_of, -1)

    role, how, ingress = _resolve_lone(flag, bridge, port, beside, rows.src_local[row], rows.dst_local[row],
                                       encoding.lone_enters[point], start_ingress, encoding.local)
    ingress = np.where((role == ROLE_OUT) & (ingress == port), NO_NAME, ingress)
    enters_port = (role == ROLE_IN) & ~no_port
    ingress = np.where(enters_port, port, ingress)
    in_member = np.where(enters_port, member, start_member)
    ingress_sighting = np.where((role == ROLE_IN) & (port == ingress), row, -1)

    trace.journey_of[row] = journey
    trace.role[row] = role
    trace.how[row] = how
    trace.add_journeys(
        journey=journey, bridge=bridge, ingress_port=ingress, ingress_member=in_member,
        ingress_sighting=ingress_sighting, first_sighting=row, last_sighting=row,
        sightings=np.ones(len(row), dtype=np.int64), echo_of=echo_id,
        echo_kind=np.where(echo_of >= 0, ECHO_REFLECTED, ECHO_NONE), echo_left_by=echo_left_by,
    )


def _single_point_echoes(positions: np.ndarray, group_first: np.ndarray, times: np.ndarray,
                         start_role: np.ndarray, start_ingress: np.ndarray, member: np.ndarray,
                         local: int, window: float) -> tuple[np.ndarray, np.ndarray]:
    """Find for each journey the latest earlier journey of its group that left by its ingress port.

    At one point every journey that left did so by that point's port, which is
    also every entering journey's ingress, so the echo is the latest earlier
    outgoing sighting within the window. Returns (its rank in the group or -1,
    the name id the echo left by or -1).
    """
    order_index = np.arange(len(positions))
    out_index = np.where(start_role == ROLE_OUT, order_index, -1)
    # Rows of different groups can follow one another, so the running maximum is checked against the group start.
    last_out = np.maximum.accumulate(out_index)
    group_offset = positions - order_index  # maps a group's first position to its index in these arrays
    group_first_index = group_first - group_offset
    candidate = (start_ingress != NO_NAME) & (start_ingress != local) & (last_out >= group_first_index)
    earlier = np.where(candidate, last_out, 0)
    candidate &= times - times[earlier] <= window
    echo_rank = np.where(candidate, earlier - group_first_index, -1)
    left_by = np.where(member[earlier] != NO_NAME, member[earlier], start_ingress)
    return echo_rank, np.where(candidate, left_by, NO_NAME)


def _resolve_lone(flag, bridge, port, beside, src_local, dst_local, enters, ingress, local):
    """Decide the direction of journeys seen at one capture point only, column by column.

    Returns (role, how, ingress port id). A frame with the host's own source
    MAC was sent by the host; one addressed to the host's MAC was received.
    Otherwise, when every other port of the bridge was captured, the frame
    cannot have come from another port unseen, so it entered here.
    """
    placed = (port != NO_NAME) & (bridge != NO_NAME)
    conditions = [
        flag == DIRECTION_IN,
        flag == DIRECTION_OUT,
        ~placed,
        beside,  # the same frame was already crossing the host: this copy came back in
        src_local,
        dst_local,
        enters,
    ]
    role = np.select(conditions, [ROLE_IN, ROLE_OUT, ROLE_UNKNOWN, ROLE_IN, ROLE_OUT, ROLE_IN, ROLE_IN],
                     ROLE_UNKNOWN).astype(np.int8)
    how = np.select(conditions, [HOW_FILE, HOW_FILE, HOW_NONE, HOW_TOPOLOGY, HOW_ADDRESS, HOW_ADDRESS,
                                 HOW_TOPOLOGY], HOW_NONE).astype(np.int8)
    decided_before_local = np.logical_or.reduce(conditions[:4])
    ingress = np.where(~decided_before_local & src_local, local, ingress)
    undecided = ~np.logical_or.reduce(conditions)
    return role, how, np.where(undecided, NO_NAME, ingress)


# --- Tables. -------------------------------------------------------------------------------------


def _empty_journeys() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in JOURNEY_COLUMNS})


def _journey_frame(trace: _Trace, rows: _RowData, encoding: _Encoding, point_names: np.ndarray) -> pd.DataFrame:
    """Build the journeys table, sorted by first time and journey id."""
    fields = trace.journeys()
    order = np.lexsort((fields["journey"], rows.times[fields["first_sighting"]]))
    fields = {name: values[order] for name, values in fields.items()}
    journey_ids = fields["journey"]
    names = encoding.name_array
    egress_ports = _name_lists(trace.journey_of, trace.role == ROLE_OUT,
                               _egress_names(encoding, rows.point), journey_ids, encoding.names)
    points = _name_lists(trace.journey_of, np.ones(len(rows.point), dtype=bool), rows.point, journey_ids,
                         list(point_names))
    frame = pd.DataFrame({
        "journey": journey_ids,
        # Name columns stay object columns with None for missing names, which the analysis tests with ``is None``.
        "bridge": _objects(names[fields["bridge"]]),
        "ingress_port": _objects(names[fields["ingress_port"]]),
        "ingress_member": _objects(names[fields["ingress_member"]]),
        "ingress_sighting": fields["ingress_sighting"],
        "egress_ports": egress_ports,
        "points": points,
        "first_sighting": fields["first_sighting"],
        "first_time": rows.times[fields["first_sighting"]],
        "last_time": rows.times[fields["last_sighting"]],
        "sightings": fields["sightings"],
        "echo_of": fields["echo_of"],
        "echo_kind": _objects(ECHO_NAMES[fields["echo_kind"]]),
        "echo_left_by": _objects(names[fields["echo_left_by"]]),
    }, columns=JOURNEY_COLUMNS, copy=False)
    return frame.set_index("journey", drop=False)


def _objects(values: np.ndarray) -> pd.Series:
    """Wrap an object array so that pandas keeps it as objects instead of inferring a string dtype."""
    return pd.Series(values, dtype=object, copy=False)


def _egress_names(encoding: _Encoding, point: np.ndarray) -> np.ndarray:
    """Return per row the name id a frame leaves by at its point: the bridge port, or LOCAL for the bridge itself."""
    port = encoding.point_port[point]
    return np.where(port == NO_NAME, encoding.local, port)


def _name_lists(journey_of: np.ndarray, selected: np.ndarray, name_ids: np.ndarray, journey_ids: np.ndarray,
                names: list[str]) -> np.ndarray:
    """Return per journey (in ``journey_ids`` order) the sorted list of distinct names of its selected rows.

    Name ids are ranks in sorted ``names``, so a bit set of ids read from the
    lowest bit gives the names in order. Each distinct set becomes a list once.
    NOTE: journeys with the same set share that list object, because a million
    copies take seconds. Nothing in the analysis changes these lists; copy one
    before changing it.
    """
    words = max(1, (len(names) + 63) // 64)
    masks = np.zeros((len(journey_ids), words), dtype=np.uint64)
    position = np.empty(int(journey_ids.max()) + 1 if len(journey_ids) else 0, dtype=np.int64)
    position[journey_ids] = np.arange(len(journey_ids))
    rows = np.flatnonzero(selected)
    ids = name_ids[rows]
    bits = np.left_shift(np.uint64(1), (ids % 64).astype(np.uint64))
    np.bitwise_or.at(masks, (position[journey_of[rows]], ids // 64), bits)
    if words == 1:
        inverse, distinct_words = pd.factorize(masks[:, 0])
        distinct = distinct_words.reshape(-1, 1)
    else:
        distinct, inverse = np.unique(masks, axis=0, return_inverse=True)
    templates = []
    for mask in distinct:
        members = [names[word * 64 + bit] for word in range(words) for bit in range(64)
                   if int(mask[word]) >> bit & 1]
        templates.append(members)
    shared = np.empty(len(templates), dtype=object)
    for index, template in enumerate(templates):
        # One by one, because numpy would read a list of equal-length lists as a 2-D array.
        shared[index] = template
    return shared[inverse.reshape(-1)]


def _describe_journeys(journeys: pd.DataFrame, sightings: pd.DataFrame, journey_of: np.ndarray) -> None:
    """Copy each journey's addresses from its first sighting, for the replay and the rules."""
    if journeys.empty:
        return
    first = journeys["first_sighting"].to_numpy()
    for column in ("eth_src", "eth_dst", "vlan_outer", "ethertype", "arp_op", "arp_sha", "arp_spa",
                   "arp_tha", "arp_tpa", "fingerprint"):
        journeys[column] = sightings[column].to_numpy()[first]
    # A cooked capture does not record the destination of frames it saw leave;
    # take it from any sighting of the journey that has one.
    destination = sightings["eth_dst"].to_numpy()
    eth_dst = journeys["eth_dst"].to_numpy().copy()
    missing = np.flatnonzero(eth_dst < 0)
    if len(missing):
        known_rows = np.flatnonzero(destination >= 0)
        # np.unique's index is each journey's first row with a known destination, as groupby().first() picks.
        with_destination, first_known = np.unique(journey_of[known_rows], return_index=True)
        known = np.full(len(journey_of) + 1, -1, dtype=np.int64)
        known[with_destination] = destination[known_rows[first_known]]
        eth_dst[missing] = known[journeys["journey"].to_numpy()[missing]]
    # An ARP reply goes to the requester's hardware address, which it repeats
    # as the target hardware address (RFC 826).
    reply = (eth_dst < 0) & (journeys["arp_op"].to_numpy() == 2) & (journeys["arp_tha"].to_numpy() > 0)
    eth_dst = np.where(reply, journeys["arp_tha"].to_numpy(), eth_dst)
    journeys["eth_dst"] = eth_dst.astype(journeys["eth_dst"].dtype, copy=False)
    journeys["src_mac"] = _mac_strings(journeys["eth_src"].to_numpy())
    journeys["dst_mac"] = _mac_strings(journeys["eth_dst"].to_numpy())


def _mac_strings(values: np.ndarray):
    """Format MACs as a string array, missing where a MAC is missing, formatting each distinct value once."""
    codes, distinct = pd.factorize(values)
    text = np.empty(len(distinct), dtype=object)
    text[:] = [mac_int_to_str(value) for value in distinct.tolist()]
    # Taking from the distinct texts is several times faster than inferring a
    # string dtype from one Python object per journey.
    return pd.array(text, dtype="str").take(codes)
