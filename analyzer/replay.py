"""Replay of each bridge's MAC learning and forwarding, journey by journey in time order.

The replay follows the Linux bridge (net/bridge/br_input.c, br_fdb.c). A frame
entering by port P teaches the bridge that its source MAC is behind P, unless
that MAC is one of the bridge's local addresses or learning is off on P. Then
the destination is looked up. A group address or an unknown MAC is flooded to
every port but P, and a local MAC goes up to the host. A MAC whose entry points
back at P is dropped, since a bridge never sends a frame out of the port it
came in by, unless hairpin mode is on for P. Dynamic entries expire after the
bridge's ageing time. An ageing time of 0 keeps none, so the bridge floods.

Frames that a team runner or bond mode discards on an inactive member never
reach the bridge: they teach it nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from .addresses import is_group_mac, mac_int_to_str, mac_str_to_int
from .captures.jit import compiled
from .journeys import LOCAL
from .parsers import Parsed
from .replay_compiled import _replay_fdb
from .tables import none_for_missing
from .topology import DEFAULT_AGEING_TIME, Topology

log = logging.getLogger(__name__)

# Runners and modes in which only the active member receives for the aggregate.
ACTIVE_BACKUP_MODES = ("activebackup", "active-backup", "balance-tlb")
# Bonding balance-alb receives unicast on every slave but broadcasts and
# multicasts only on the active one (bond_should_deliver_exact_match in
# drivers/net/bonding/bond_main.c, Linux 6.1).
GROUP_ON_ACTIVE_ONLY_MODES = ("balance-alb",)

EVENT_COLUMNS = ["time", "bridge", "vlan", "mac", "port", "previous_port", "cause_point",
                 "cause_file", "cause_frame", "cause_sighting", "journey", "source"]
DECISION_COLUMNS = ["journey", "bridge", "ingress_port", "decision", "out_port", "fdb_port",
                    "fdb_since", "fdb_cause_sighting", "learned", "inferred_ingress", "vlan", "note"]


@dataclass
class Entry:
    port: str
    updated: float
    local: bool = False
    static: bool = False
    cause_sighting: int = -1


@dataclass
class ReplayResult:
    events: pd.DataFrame
    decisions: pd.DataFrame
    final_state: dict = field(default_factory=dict)  # bridge -> {(mac, vlan): Entry}
    notes: list[str] = field(default_factory=list)


def _snapshot_is_initial(source: str) -> bool:
    """Tell from the file name whether a saved FDB was taken before the captures."""
    name = source.lower().rsplit("/", 1)[-1]
    return any(token in name for token in ("before", "_pre", "-pre", "initial", "start"))


def is_learned(row) -> bool:
    """Return whether an FDB row is an entry the bridge learned (not permanent, static or the driver's own)."""
    state = row.get("state") or ""
    return state in ("", "stale") and not bool(row.get("self"))


def snapshots_by_role(parsed: list[Parsed]) -> tuple[list[Parsed], list[Parsed]]:
    """Split the saved FDB outputs into those taken before and after the captures.

    A snapshot dated by its collection time carries ``meta["snapshot_role"]``
    (set by ``analyzer.snapshots.place_snapshots``), which wins over the file
    name. One taken while the captures ran ("during") is in neither list.
    """
    initial, final = [], []
    for item in parsed:
        if item.kind not in ("bridge_fdb", "bridge_fdb_json"):
            continue
        role = item.meta.get("snapshot_role")
        if role is None:
            role = "before" if _snapshot_is_initial(item.source) else "after"
        if role == "before":
            initial.append(item)
        elif role == "after":
            final.append(item)
    return initial, final


class _Bridge:
    def __init__(self, name: str, topology: Topology):
        node = topology.graph.nodes[name]
        self.name = name
        ageing = node.get("ageing_time")
        self.ageing = DEFAULT_AGEING_TIME if ageing is None else float(ageing)
        self.filtering = bool(node.get("vlan_filtering"))
        self.entries: dict[tuple[int, int], Entry] = {}
        for mac in topology.local_macs(name):
            self.entries[(mac_str_to_int(mac), 0)] = Entry(port=name, updated=float("-inf"), local=True)
        self.topology = topology

    def key(self, mac: int, vlan: int) -> tuple[int, int]:
        return mac, (vlan if self.filtering and vlan >= 0 else 0)

    def lookup(self, mac: int, vlan: int, time: float) -> Entry | None:
        """Return the live entry for a MAC in a VLAN, or None when there is none or it has aged out."""
        entry = self.entries.get(self.key(mac, vlan))
        if entry is None and self.filtering:
            # The bridge's local addresses are entered once, for every VLAN.
            fallback = self.entries.get((mac, 0))
            entry = fallback if fallback is not None and fallback.local else None
        if entry is None or entry.local or entry.static:
            return entry
        if self.ageing <= 0 or time - entry.updated > self.ageing:
            return None
        return entry

    def port_vlans(self, port: str) -> dict | None:
        name = self.name if port == LOCAL else port
        return self.topology.graph.nodes[name].get("vlans") if name in self.topology.graph else None

    def port_pvid(self, port: str) -> int | None:
        name = self.name if port == LOCAL else port
        return self.topology.graph.nodes[name].get("pvid") if name in self.topology.graph else None

    def vlan_members(self, vlan: int) -> set[str] | None:
        """Return the ports (LOCAL for the bridge itself) that are members of a VLAN, or None if unknown."""
        if not self.filtering or vlan < 0:
            return None
        known = False
        members = set()
        for port in [*self.topology.ports(self.name), LOCAL]:
            vlans = self.port_vlans(port)
            if vlans is None:
                continue
            known = True
            if vlan in vlans:
                members.add(port)
        return members if known else None

    def port_setting(self, port: str, name: str, default):
        value = self.topology.graph.nodes[port].get(name) if port in self.topology.graph else None
        return default if value is None else value


def _aggregate_discards(topology: Topology, port: str, member: str | None, journey,
                        points: set) -> tuple[bool | None, str]:
    """Tell whether the team or bond ``port`` discarded a frame received on ``member``.

    A capture on the aggregate itself settles it: a frame seen on the member
    but not on the aggregate was discarded. Otherwise an active-backup
    aggregate discards frames on any member but its active port, as the saved
    state dumps name it. Returns (None, reason) when the dumps disagree.
    """
    if member is None or port not in topology.graph:
        return False, ""
    node = topology.graph.nodes[port]
    mode = node.get("runner") or node.get("bond_mode")
    if mode in GROUP_ON_ACTIVE_ONLY_MODES:
        if not is_group_mac(int(journey.eth_dst)):
            return False, ""
        mode = "active-backup"
    if port in points:
        if port in journey.points:
            return False, ""
        if mode in ACTIVE_BACKUP_MODES:
            return True, f"seen on {member} but not on {port}: {port} discarded it on an inactive member"
        return None, f"seen on {member} but not on {port}, though {port} runs {mode or 'an unknown mode'}"
    if mode not in ACTIVE_BACKUP_MODES:
        return False, ""
    after, before = node.get("active_port"), node.get("active_port_before")
    if after and before and after != before and member in (after, before):
        return None, (f"the active port of {port} changed from {before} to {after} while the captures "
                      f"ran, and {port} was not captured")
    active = after or before
    if active:
        return member != active, f"{member} is not the active port of {port} ({active} is)"
    if topology.graph.nodes[member].get("slave_state") == "BACKUP":
        return True, f"{member} is a backup member of {port}"
    return False, ""


def _classify_vlan(bridge: "_Bridge", port: str, tag: int) -> tuple[int | None, str | None]:
    """Return the VLAN a frame belongs to on ingress, or the reason the bridge drops it there."""
    if not bridge.filtering:
        return 0, None
    vlans = bridge.port_vlans(port)
    if vlans is None:
        return (tag if tag >= 0 else None), None
    if tag >= 0:
        if tag not in vlans:
            return tag, f"{port} is not a member of VLAN {tag}"
        return tag, None
    pvid = bridge.port_pvid(port)
    if pvid is None:
        return None, f"the frame arrived untagged on {port}, which has no PVID"
    return pvid, None


def replay(journeys: pd.DataFrame, sightings: pd.DataFrame, topology: Topology,
           parsed: list[Parsed]) -> ReplayResult:
    """Replay every bridge's FDB over the journeys and record each forwarding decision.

    The steps that need no FDB state (the ingress port, team and bond
    discards, VLAN classification) are decided for all journeys at once, each
    distinct case once. The FDB itself is replayed journey by journey in
    ``_replay_fdb``, a loop compiled with numba over integer keys.
    """
    bridges = {name: _Bridge(name, topology) for name in topology.bridges()}
    notes: list[str] = []
    start = float(journeys["first_time"].min()) if len(journeys) else 0.0
    initial, final = snapshots_by_role(parsed)
    _seed(bridges, initial, start, notes)
    _seed_static(bridges, [item for item in parsed if item.kind in ("bridge_fdb", "bridge_fdb_json")])
    points = set(sightings["point"].unique()) if len(sightings) else set()

    plan = _Plan(journeys, sightings, bridges, topology, points)
    fdb = _FdbState(bridges, plan)
    events = fdb.run(plan, sightings)
    decisions = plan.decision_columns(fdb)

    _compare_final(bridges, final, notes)
    event_names = ("bridge", "port", "previous_port", "cause_point", "cause_file")
    event_table = none_for_missing(_table(events, EVENT_COLUMNS, event_names), event_names)
    decision_names = ("bridge", "ingress_port", "out_port", "fdb_port", "note")
    decision_table = none_for_missing(_table(decisions if len(plan.rows) else {}, DECISION_COLUMNS, decision_names),
                                      decision_names)
    return ReplayResult(
        events=event_table,
        decisions=decision_table.set_index("journey", drop=False),
        final_state={name: b.entries for name, b in bridges.items()},
        notes=notes,
    )


def _table(columns: dict[str, list | np.ndarray], order: list[str], names: tuple[str, ...]) -> pd.DataFrame:
    """Build a table from its columns, keeping the name columns as objects.

    pandas would infer a string dtype for the name columns, which
    ``none_for_missing`` turns back into objects: about 0.6 s for the 425,984
    decisions of a 655,360-frame case.
    """
    if not columns or not any(len(values) for values in columns.values()):
        return pd.DataFrame([], columns=order)
    data = {name: pd.Series(values, dtype=object) if name in names else values for name, values in columns.items()}
    return pd.DataFrame(data, columns=order)


def _infer_ingress(bridge: _Bridge, journey) -> str | None:
    """Name the only port a journey seen leaving can have come in by, if there is one."""
    src = int(journey.eth_src)
    if (src, 0) in bridge.entries and bridge.entries[(src, 0)].local:
        return LOCAL
    candidates = set(bridge.topology.ports(bridge.name)) - set(journey.egress_ports)
    if len(candidates) == 1:
        return candidates.pop()
    return None


class _JourneyView(NamedTuple):
    """The fields of a journey that _aggregate_discards reads: whether it was seen on the port, and its destination."""

    points: list
    eth_dst: int


class _Plan:
    """Each journey's way to the FDB, decided without FDB state, as arrays in journeys-table order.

    ``stage`` records where a journey's decision is settled: before the FDB
    (unknown port, a team or bond discard, an ingress VLAN drop), after
    learning (no destination MAC), or by the FDB lookup. Each helper of the
    Linux bridge model is called once per distinct combination of its inputs.
    """

    SETTLED, NO_DESTINATION, GROUP_DESTINATION, LOOKUP = 0, 1, 2, 3

    def __init__(self, journeys: pd.DataFrame, sightings: pd.DataFrame, bridges: dict[str, "_Bridge"],
                 topology: Topology, points: set):
        self.bridges = bridges
        self.topology = topology
        if journeys.empty:
            # Without sightings the journeys table has only its own columns, not the addresses.
            journeys = pd.DataFrame({name: pd.Series(dtype=object) for name in ("journey", "bridge")})
        bridge_names = journeys["bridge"].to_numpy(dtype=object)
        index, combinations = _distinct(bridge_names)
        wanted = np.array([bool(name) and name in bridges for (name,) in combinations], dtype=bool)
        rows = np.flatnonzero(wanted[index]) if len(combinations) else np.empty(0, dtype=np.int64)
        self.rows = rows
        count = len(rows)
        if not count:
            journeys = _EMPTY_JOURNEYS
        self.journey = journeys["journey"].to_numpy()[rows]
        self.bridge = bridge_names[rows]
        self.time = journeys["first_time"].to_numpy(dtype=np.float64)[rows]
        self.src = journeys["eth_src"].to_numpy().astype(np.int64)[rows]
        self.dst = journeys["eth_dst"].to_numpy().astype(np.int64)[rows]
        ingress_sighting = journeys["ingress_sighting"].to_numpy()[rows]
        first_sighting = journeys["first_sighting"].to_numpy()[rows]
        self.cause = np.where(ingress_sighting >= 0, ingress_sighting, first_sighting).astype(np.int64)

        self.port = journeys["ingress_port"].to_numpy(dtype=object)[rows].copy()
        self.inferred = np.zeros(count, dtype=bool)
        for position in np.flatnonzero(pd.isna(self.port)):
            port = _infer_ingress(bridges[self.bridge[position]], journeys.iloc[rows[position]])
            self.port[position] = port
            self.inferred[position] = port is not None

        self.stage = np.full(count, self.SETTLED, dtype=np.int8)
        self.decision = np.full(count, "unknown", dtype=object)
        self.note = np.full(count, None, dtype=object)
        self.vlan = np.full(count, None, dtype=object)
        known = ~pd.isna(self.port)
        self.note[~known] = "the port the frame entered by is not known"
        members = journeys["ingress_member"].to_numpy(dtype=object)[rows]
        passed = known & self._aggregates(known, members, journeys, sightings, points)
        tags = sightings["vlan_outer"].to_numpy()[self.cause].astype(np.int64)
        passed &= self._classify(passed, tags)
        self.learn = passed & self._learning() & (self.src >= 0) & ~_group(self.src)
        self.stage[passed] = np.select(
            [self.dst[passed] < 0, _group(self.dst[passed])],
            [self.NO_DESTINATION, self.GROUP_DESTINATION], self.LOOKUP)
        self.note[self.stage == self.NO_DESTINATION] = "the destination MAC was not captured"

    def _aggregates(self, known: np.ndarray, members: np.ndarray, journeys: pd.DataFrame,
                    sightings: pd.DataFrame, points: set) -> np.ndarray:
        """Apply _aggregate_discards to journeys entering by a member; return which go on to the bridge."""
        passed = np.ones(len(self.rows), dtype=bool)
        candidates = np.flatnonzero(known & ~pd.isna(members) & (self.port != LOCAL))
        if not len(candidates):
            return passed
        seen = _seen_on(journeys, sightings, self.rows[candidates], self.port[candidates])
        index, combinations = _distinct(self.port[candidates], members[candidates], seen, self.dst[candidates])
        results = []
        for port, member, was_seen, dst in combinations:
            view = _JourneyView(points=[port] if was_seen else [], eth_dst=int(dst))
            results.append(_aggregate_discards(self.topology, port, member, view, points))
        discarded = np.array([result[0] for result in results], dtype=object)[index]
        reason = np.array([result[1] for result in results], dtype=object)[index]
        stopped = discarded != False  # noqa: E712 - None (undecided) and True both stop the journey here
        passed[candidates[stopped]] = False
        self.note[candidates[stopped]] = reason[stopped]
        self.decision[candidates[discarded == True]] = "inactive-port-drop"  # noqa: E712
        return passed

    def _classify(self, passed: np.ndarray, tags: np.ndarray) -> np.ndarray:
        """Apply _classify_vlan to each distinct (bridge, port, tag); return which journeys it lets in."""
        allowed = passed.copy()
        selected = np.flatnonzero(passed)
        if not len(selected):
            return allowed
        index, combinations = _distinct(self.bridge[selected], self.port[selected], tags[selected])
        results = [_classify_vlan(self.bridges[bridge], port, int(tag)) for bridge, port, tag in combinations]
        vlans = np.empty(len(results), dtype=object)
        vlans[:] = [vlan for vlan, _ in results]
        reasons = np.array([reason for _, reason in results], dtype=object)
        self.vlan[selected] = vlans[index]
        dropped = selected[np.array([bool(reason) for reason in reasons], dtype=bool)[index]]
        allowed[dropped] = False
        self.decision[dropped] = "vlan-filter-drop"
        self.note[dropped] = ["ingress: " + reason for reason in reasons[index][allowed[selected] == False]]  # noqa: E712
        return allowed

    def _learning(self) -> np.ndarray:
        """Tell per journey whether its ingress port learns source MACs (never for LOCAL)."""
        if not len(self.rows):
            return np.zeros(0, dtype=bool)
        index, combinations = _distinct(self.bridge, self.port)
        settings = np.array([port != LOCAL and port is not None
                             and bool(self.bridges[bridge].port_setting(port, "learning", True))
                             for bridge, port in combinations], dtype=bool)
        return settings[index]

    def lookup_vlans(self) -> np.ndarray:
        """Return the VLAN each journey is looked up in (-1 where none), as ``_Bridge.key`` takes it."""
        return np.array([-1 if vlan is None else vlan for vlan in self.vlan], dtype=np.int64)

    def decision_columns(self, fdb: "_FdbState") -> dict[str, list | np.ndarray]:
        """Return the decision table's columns, one value per journey, in journeys-table order."""
        vlans = self.lookup_vlans()
        entry_port = fdb.found_port_names()
        out_port = np.full(len(self.rows), None, dtype=object)
        looked_up = np.flatnonzero((self.stage == self.GROUP_DESTINATION) | (self.stage == self.LOOKUP))
        if len(looked_up):
            found = fdb.found[looked_up] >= 0
            local = found & fdb.found_local[looked_up]
            index, combinations = _distinct(self.bridge[looked_up], vlans[looked_up], self.port[looked_up],
                                            entry_port[looked_up], local, found)
            results = [self._lookup_decision(*combination) for combination in combinations]
            self.decision[looked_up] = np.array([result[0] for result in results], dtype=object)[index]
            out_port[looked_up] = np.array([result[1] for result in results], dtype=object)[index]
            self.note[looked_up] = np.array([result[2] for result in results], dtype=object)[index]
        # Numeric and boolean columns stay arrays, because pandas would turn lists back into arrays one
        # value at a time. NaN marks journeys without an entry; an entry without a time (local, static) has -inf.
        since = fdb.found_updated.astype(np.float64, copy=True)
        since[since == float("-inf")] = np.nan
        return {
            "journey": self.journey.astype(np.int64, copy=False),
            "bridge": self.bridge.tolist(),
            "ingress_port": self.port.tolist(),
            "decision": self.decision.tolist(),
            "out_port": out_port.tolist(),
            "fdb_port": entry_port.tolist(),
            # A column of None only, as when no journey found an entry, stays an object column.
            "fdb_since": since if not np.isnan(since).all() else [None] * len(since),
            "fdb_cause_sighting": fdb.found_cause.astype(np.int64, copy=False),
            "learned": fdb.learned.astype(bool, copy=False),
            "inferred_ingress": self.inferred.astype(bool, copy=False),
            "vlan": self.vlan.tolist(),
            "note": self.note.tolist(),
        }

    def _lookup_decision(self, bridge_name: str, vlan: int, port: str, entry_port: str | None, local: bool,
                         found: bool) -> tuple[str, str | None, str | None]:
        """Return (decision, out port, note) after the FDB lookup, as the Linux bridge decides."""
        bridge = self.bridges[bridge_name]
        vlan = int(vlan)
        if not found:
            members = bridge.vlan_members(vlan)
            if members is not None and not (members - {port}):
                return "vlan-filter-drop", None, f"egress: no other port of {bridge.name} is a member of VLAN {vlan}"
            return "flood", None, None
        if local:
            return "local", None, None
        if entry_port == port and not bridge.port_setting(port, "hairpin", False):
            return "drop-ingress-port", None, None
        if bridge.vlan_members(vlan) is not None and entry_port not in bridge.vlan_members(vlan):
            return "vlan-filter-drop", None, f"egress: {entry_port} is not a member of VLAN {vlan}"
        return "forward", entry_port, None


# The journey columns the replay reads, for a case without journeys.
_EMPTY_JOURNEYS = pd.DataFrame({
    "journey": pd.Series(dtype=np.int64), "bridge": pd.Series(dtype=object),
    "first_time": pd.Series(dtype=np.float64), "eth_src": pd.Series(dtype=np.int64),
    "eth_dst": pd.Series(dtype=np.int64), "ingress_sighting": pd.Series(dtype=np.int64),
    "first_sighting": pd.Series(dtype=np.int64), "ingress_port": pd.Series(dtype=object),
    "ingress_member": pd.Series(dtype=object),
})


def _distinct(*columns: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """Return each row's combination number and the distinct combinations of the columns' values.

    None and NaN count as values. The combinations are tuples of the values
    found in the columns, in order of first appearance.
    """
    count = len(columns[0])
    key = np.zeros(count, dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(pd.Series(column, dtype=object), use_na_sentinel=False)
        key = key * max(len(uniques), 1) + codes
    _, first, index = np.unique(key, return_index=True, return_inverse=True)
    return index.reshape(-1), [tuple(column[row] for column in columns) for row in first]


def _group(macs: np.ndarray) -> np.ndarray:
    """Tell per MAC whether it is a group (broadcast or multicast) address, as is_group_mac does."""
    return (macs >= 0) & (((macs >> 40) & 1) == 1)


def _seen_on(journeys: pd.DataFrame, sightings: pd.DataFrame, rows: np.ndarray, ports: np.ndarray) -> np.ndarray:
    """Tell for journeys (table positions ``rows``) whether one of their sightings is at the capture point ``ports[i]``."""
    journey_ids = journeys["journey"].to_numpy()[rows]
    wanted = pd.DataFrame({"journey": journey_ids, "point": pd.Series(ports, dtype=object)})
    present = sightings[["journey", "point"]]
    present = present[present["journey"].isin(journey_ids)].drop_duplicates()
    present = present.assign(point=present["point"].astype(object), seen=True)
    merged = wanted.merge(present, on=["journey", "point"], how="left")
    return merged["seen"].fillna(False).to_numpy(dtype=bool)


class _FdbState:
    """Every bridge's FDB as arrays over integer keys, one key per (bridge, MAC, VLAN) the replay can touch.

    Keys of entries present before the replay come first, in the order of the
    bridges' ``entries`` dicts, so that the dicts can be rebuilt afterwards
    with their order unchanged and new keys appended as the replay adds them.
    """

    def __init__(self, bridges: dict[str, "_Bridge"], plan: _Plan):
        self.bridges = bridges
        self.names: list[str] = []
        self.name_id: dict[str, int] = {}
        count = len(plan.rows)
        self.learn_key = np.full(count, -1, dtype=np.int64)
        self.learn_fallback = np.full(count, -1, dtype=np.int64)
        self.lookup_key = np.full(count, -1, dtype=np.int64)
        self.lookup_fallback = np.full(count, -1, dtype=np.int64)
        self.bridge_index = np.zeros(count, dtype=np.int64)
        self.key_counts: list[int] = []  # per bridge, the number of keys it has
        self.key_mac: list[np.ndarray] = []
        self.key_vlan: list[np.ndarray] = []
        self.existing: list[list] = []  # per bridge, the keys of its entries before the replay
        bridge_names = list(bridges)
        self.ageing = np.array([bridges[name].ageing for name in bridge_names], dtype=np.float64)
        self.filtering = np.array([bridges[name].filtering for name in bridge_names], dtype=np.bool_)
        self._number_keys(plan)
        self._initial_state(sum(self.key_counts))
        # Each distinct port gets its name id once, in order of first appearance, and None gets -1.
        port_codes, distinct_ports = pd.factorize(pd.Series(plan.port, dtype=object))
        port_ids = np.array([self._name(port) for port in distinct_ports] + [-1], dtype=np.int64)
        self.port_id = port_ids[port_codes]
        self.learned = np.zeros(count, dtype=np.bool_)
        self.found = np.full(count, -1, dtype=np.int64)
        self.found_port = np.full(count, -1, dtype=np.int64)
        self.found_updated = np.full(count, np.nan, dtype=np.float64)
        self.found_local = np.zeros(count, dtype=np.bool_)
        self.found_cause = np.full(count, -1, dtype=np.int64)

    def _number_keys(self, plan: _Plan) -> None:
        """Give every (bridge, MAC, VLAN) that an entry has or a journey learns or looks up a key number."""
        count = len(plan.rows)
        vlans = plan.lookup_vlans()
        offset = 0
        for position, name in enumerate(self.bridges):
            bridge = self.bridges[name]
            rows = np.flatnonzero(plan.bridge == name) if count else np.empty(0, dtype=np.int64)
            self.bridge_index[rows] = position
            kvlan = np.where(bridge.filtering & (vlans[rows] >= 0), vlans[rows], 0) if len(rows) else vlans[rows]
            existing = list(bridge.entries)
            self.existing.append(existing)
            parts_mac = [np.array([mac for mac, _ in existing], dtype=np.int64)]
            parts_vlan = [np.array([vlan for _, vlan in existing], dtype=np.int64)]
            learn = rows[plan.learn[rows]]
            lookup = rows[plan.stage[rows] == _Plan.LOOKUP]
            learn_vlan = kvlan[plan.learn[rows]]
            lookup_vlan = kvlan[plan.stage[rows] == _Plan.LOOKUP]
            requests = [(learn, plan.src[learn], learn_vlan, self.learn_key),
                        (lookup, plan.dst[lookup], lookup_vlan, self.lookup_key)]
            if bridge.filtering:
                # Local addresses are entered once, at VLAN 0, and found from every VLAN.
                requests += [(learn, plan.src[learn], np.zeros(len(learn), np.int64), self.learn_fallback),
                             (lookup, plan.dst[lookup], np.zeros(len(lookup), np.int64), self.lookup_fallback)]
            for _, macs, request_vlans, _ in requests:
                parts_mac.append(macs)
                parts_vlan.append(request_vlans)
            macs = np.concatenate(parts_mac)
            key_vlans = np.concatenate(parts_vlan)
            ids = _pair_ids(macs, key_vlans)
            distinct = int(ids.max()) + 1 if len(ids) else 0
            _, first_position = np.unique(ids, return_index=True)
            self.key_counts.append(distinct)
            self.key_mac.append(macs[first_position])
            self.key_vlan.append(key_vlans[first_position])
            start = len(existing)
            for rows_of, request_macs, _, target in requests:
                target[rows_of] = ids[start : start + len(request_macs)] + offset
                start += len(request_macs)
            offset += distinct
        self.key_mac_all = np.concatenate(self.key_mac) if self.key_mac else np.empty(0, np.int64)
        self.key_vlan_all = np.concatenate(self.key_vlan) if self.key_vlan else np.empty(0, np.int64)

    def _name(self, name: str) -> int:
        number = self.name_id.get(name)
        if number is None:
            number = self.name_id[name] = len(self.names)
            self.names.append(name)
        return number

    def _initial_state(self, keys: int) -> None:
        self.exists = np.zeros(keys, dtype=np.bool_)
        self.entry_port = np.full(keys, -1, dtype=np.int64)
        self.updated = np.zeros(keys, dtype=np.float64)
        self.local = np.zeros(keys, dtype=np.bool_)
        self.static = np.zeros(keys, dtype=np.bool_)
        self.entry_cause = np.full(keys, -1, dtype=np.int64)
        self.created = np.full(keys, -1, dtype=np.int64)
        first_key = 0
        for name, existing, total in zip(self.bridges, self.existing, self.key_counts):
            entries = self.bridges[name].entries
            for key, item in enumerate(existing, start=first_key):
                entry = entries[item]
                self.exists[key] = True
                self.entry_port[key] = self._name(entry.port)
                self.updated[key] = entry.updated
                self.local[key] = entry.local
                self.static[key] = entry.static
                self.entry_cause[key] = entry.cause_sighting
            first_key += total

    def run(self, plan: _Plan, sightings: pd.DataFrame) -> dict[str, list | np.ndarray]:
        """Replay learning and lookups over the journeys; return the FDB events' columns and update the bridges' entries."""
        count = len(plan.rows)
        event_step = np.empty(count, dtype=np.int64)
        event_previous = np.empty(count, dtype=np.int64)
        looked_up = (plan.stage == _Plan.LOOKUP)
        if not count:
            # Nothing to replay, so numba need not be loaded.
            return {}
        kernel = _replay_fdb if compiled() else getattr(_replay_fdb, "py_func", _replay_fdb)
        events = kernel(plan.time, self.bridge_index, self.port_id, plan.learn, looked_up, self.learn_key,
                        self.learn_fallback, self.lookup_key, self.lookup_fallback, plan.cause, self.ageing,
                        self.filtering, self.exists, self.entry_port, self.updated, self.local, self.static,
                        self.entry_cause, self.created, self.learned, self.found, self.found_port,
                        self.found_updated, self.found_local, self.found_cause, event_step, event_previous)
        self._write_entries()
        return self._events(plan, sightings, event_step[:events], event_previous[:events])

    def found_port_names(self) -> np.ndarray:
        names = np.array(self.names + [None], dtype=object)
        return names[self.found_port]

    def _write_entries(self) -> None:
        """Rebuild each bridge's entries dict from the arrays: changed entries in place, new ones in creation order."""
        first_key = 0
        for name, existing, total in zip(self.bridges, self.existing, self.key_counts):
            bridge = self.bridges[name]
            entries = {}
            for number, item in enumerate(existing, start=first_key):
                entry = bridge.entries[item]
                entries[item] = self._entry(number) if self._changed(number, entry) else entry
            new_keys = np.arange(first_key + len(existing), first_key + total)
            new_keys = new_keys[self.created[new_keys] >= 0]
            for number in new_keys[np.argsort(self.created[new_keys])].tolist():
                entries[(int(self.key_mac_all[number]), int(self.key_vlan_all[number]))] = self._entry(number)
            bridge.entries = entries
            first_key += total

    def _changed(self, number: int, entry: Entry) -> bool:
        return (self.names[self.entry_port[number]] != entry.port or self.updated[number] != entry.updated
                or self.entry_cause[number] != entry.cause_sighting or bool(self.local[number]) != entry.local
                or bool(self.static[number]) != entry.static)

    def _entry(self, number: int) -> Entry:
        return Entry(port=self.names[self.entry_port[number]], updated=float(self.updated[number]),
                     local=bool(self.local[number]), static=bool(self.static[number]),
                     cause_sighting=int(self.entry_cause[number]))

    def _events(self, plan: _Plan, sightings: pd.DataFrame, steps: np.ndarray,
                previous: np.ndarray) -> dict[str, list | np.ndarray]:
        # Name columns are converted to Python values once and numeric columns stay arrays, because a
        # case can have one event per journey.
        causes = plan.cause[steps]
        point = sightings["point"].iloc[causes].tolist()
        file = sightings["file"].iloc[causes].tolist()
        frame = sightings["frame"].to_numpy()[causes].astype(np.int64, copy=False)
        time = plan.time[steps].astype(np.float64, copy=False)
        bridge_names = {key: bridge.name for key, bridge in self.bridges.items()}
        bridge = [bridge_names[name] for name in plan.bridge[steps].tolist()]
        keys = self.learn_key[steps]
        vlan = np.where(self.filtering[self.bridge_index[steps]], self.key_vlan_all[keys], -1).tolist()
        # A case has few MACs and many events, so each MAC is formatted once.
        distinct, mac_of_step = np.unique(plan.src[steps], return_inverse=True)
        texts = [mac_int_to_str(mac) for mac in distinct.tolist()]
        mac = [texts[number] for number in mac_of_step.reshape(-1).tolist()]
        port = plan.port[steps].tolist()
        previous_port = [self.names[number] if number >= 0 else None for number in previous.tolist()]
        journey = plan.journey[steps].astype(np.int64, copy=False)
        return {"time": time, "bridge": bridge, "vlan": [number if number >= 0 else None for number in vlan],
                "mac": mac, "port": port, "previous_port": previous_port, "cause_point": point, "cause_file": file,
                "cause_frame": frame, "cause_sighting": causes.astype(np.int64, copy=False), "journey": journey,
                "source": ["replay"] * len(time)}


def _pair_ids(macs: np.ndarray, vlans: np.ndarray) -> np.ndarray:
    """Number the distinct (MAC, VLAN) pairs in order of first appearance."""
    vlan_codes, vlan_values = pd.factorize(vlans)
    if len(vlan_values) and len(vlan_values) < 2**14:
        # MACs are 48-bit (or -1), so MAC + 1 times fewer than 2**14 VLANs stays below 2**63.
        combined = (macs + 1) * len(vlan_values) + vlan_codes
        ids, _ = pd.factorize(combined)
        return ids.astype(np.int64)
    ids, _ = pd.factorize(pd.Series(list(zip(macs.tolist(), vlans.tolist())), dtype=object))
    return ids.astype(np.int64)


def _seed(bridges: dict[str, _Bridge], initial: list[Parsed], start: float, notes: list[str]) -> None:
    """Start the replay from the dynamic entries of FDB snapshots taken before the captures."""
    for item in initial:
        for _, row in item.table.iterrows():
            bridge = bridges.get(row.get("master") or "")
            dev = row.get("dev")
            if bridge is None or not dev or dev == bridge.name or not is_learned(row):
                continue
            vlan = row.get("vlan")
            vlan = int(vlan) if vlan is not None and not pd.isna(vlan) else 0
            key = bridge.key(mac_str_to_int(row["mac"]), vlan)
            updated = row.get("updated")
            age = float(updated) if updated is not None and not pd.isna(updated) else 0.0
            bridge.entries[key] = Entry(port=dev, updated=start - age)
        notes.append(f"the replay starts from the saved FDB {item.source}")


def _seed_static(bridges: dict[str, _Bridge], snapshots: list[Parsed]) -> None:
    """Add permanent and static bridge entries, which neither age nor move."""
    for item in snapshots:
        for _, row in item.table.iterrows():
            bridge = bridges.get(row.get("master") or "")
            if bridge is None or row.get("state") not in ("permanent", "static") or row.get("self"):
                continue
            vlan = row.get("vlan")
            vlan = int(vlan) if vlan is not None and not pd.isna(vlan) else 0
            key = bridge.key(mac_str_to_int(row["mac"]), vlan)
            if key in bridge.entries:
                continue
            local = row.get("state") == "permanent"
            bridge.entries[key] = Entry(port=row.get("dev") or bridge.name, updated=float("-inf"),
                                        local=local, static=not local)


def _compare_final(bridges: dict[str, _Bridge], final: list[Parsed], notes: list[str]) -> None:
    """Say where a saved FDB taken after the captures disagrees with the replay's end state."""
    for item in final:
        if item.meta.get("collected_at") is not None:
            continue  # snapshots.check_snapshots compares a dated snapshot at its own moment
        agreed = disagreed = 0
        for _, row in item.table.iterrows():
            bridge = bridges.get(row.get("master") or "")
            dev = row.get("dev")
            if bridge is None or not dev or not is_learned(row):
                continue
            mac = mac_str_to_int(row["mac"])
            ports = {e.port for (m, _), e in bridge.entries.items() if m == mac and not e.local}
            if not ports:
                continue
            if dev in ports:
                agreed += 1
            else:
                disagreed += 1
                notes.append(f"{item.source}: {row['mac']} is on {dev} in the saved FDB, but the "
                             f"replay ends with it on {', '.join(sorted(ports))}")
        if agreed or disagreed:
            notes.append(f"{item.source}: {agreed} learned entries agree with the replay, "
                         f"{disagreed} disagree")
