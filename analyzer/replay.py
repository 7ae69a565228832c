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

import pandas as pd

from .addresses import is_group_mac, mac_int_to_str, mac_str_to_int
from .journeys import LOCAL
from .parsers import Parsed
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


def _is_dynamic(row) -> bool:
    state = row.get("state") or ""
    return state in ("", "stale") and not bool(row.get("self"))


def snapshots_by_role(parsed: list[Parsed]) -> tuple[list[Parsed], list[Parsed]]:
    """Split the saved FDB outputs into those taken before and after the captures."""
    initial, final = [], []
    for item in parsed:
        if item.kind not in ("bridge_fdb", "bridge_fdb_json"):
            continue
        (initial if _snapshot_is_initial(item.source) else final).append(item)
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
    """Replay every bridge's FDB over the journeys and record each forwarding decision."""
    bridges = {name: _Bridge(name, topology) for name in topology.bridges()}
    events: list[dict] = []
    decisions: list[dict] = []
    notes: list[str] = []
    start = float(journeys["first_time"].min()) if len(journeys) else 0.0
    initial, final = snapshots_by_role(parsed)
    _seed(bridges, initial, start, notes)
    _seed_static(bridges, initial + final)
    points = set(sightings["point"].unique()) if len(sightings) else set()

    for journey in journeys.itertuples(index=False):
        bridge = bridges.get(journey.bridge) if journey.bridge else None
        if bridge is None:
            continue
        decisions.append(_step(bridge, journey, sightings, topology, events, points))

    _compare_final(bridges, final, notes)
    event_table = none_for_missing(pd.DataFrame(events, columns=EVENT_COLUMNS),
                                   ("bridge", "port", "previous_port", "cause_point", "cause_file"))
    decision_table = none_for_missing(pd.DataFrame(decisions, columns=DECISION_COLUMNS),
                                      ("bridge", "ingress_port", "out_port", "fdb_port", "note"))
    return ReplayResult(
        events=event_table,
        decisions=decision_table.set_index("journey", drop=False),
        final_state={name: b.entries for name, b in bridges.items()},
        notes=notes,
    )


def _infer_ingress(bridge: _Bridge, journey) -> str | None:
    """Name the only port a journey seen leaving can have come in by, if there is one."""
    src = int(journey.eth_src)
    if (src, 0) in bridge.entries and bridge.entries[(src, 0)].local:
        return LOCAL
    candidates = set(bridge.topology.ports(bridge.name)) - set(journey.egress_ports)
    if len(candidates) == 1:
        return candidates.pop()
    return None


def _step(bridge: _Bridge, journey, sightings: pd.DataFrame, topology: Topology,
          events: list[dict], points: set) -> dict:
    time = float(journey.first_time)
    port = journey.ingress_port
    inferred = False
    if port is None:
        port = _infer_ingress(bridge, journey)
        inferred = port is not None
    decision = {"journey": journey.journey, "bridge": bridge.name, "ingress_port": port,
                "decision": "unknown", "out_port": None, "fdb_port": None, "fdb_since": None,
                "fdb_cause_sighting": -1, "learned": False, "inferred_ingress": inferred,
                "vlan": None, "note": None}
    if port is None:
        decision["note"] = "the port the frame entered by is not known"
        return decision
    if port != LOCAL:
        discarded, reason = _aggregate_discards(topology, port, journey.ingress_member, journey, points)
        if discarded is None:
            decision["note"] = reason
            return decision
        if discarded:
            decision["decision"] = "inactive-port-drop"
            decision["note"] = reason
            return decision

    tag_row = journey.ingress_sighting if journey.ingress_sighting >= 0 else journey.first_sighting
    vlan, reason = _classify_vlan(bridge, port, int(sightings.at[tag_row, "vlan_outer"]))
    decision["vlan"] = vlan
    if reason:
        decision["decision"] = "vlan-filter-drop"
        decision["note"] = f"ingress: {reason}"
        return decision
    vlan = -1 if vlan is None else vlan

    src, dst = int(journey.eth_src), int(journey.eth_dst)
    if port != LOCAL and src >= 0 and not is_group_mac(src) and bridge.port_setting(port, "learning", True):
        decision["learned"] = _learn(bridge, port, src, vlan, time, journey, sightings, events)

    if dst < 0:
        decision["note"] = "the destination MAC was not captured"
        return decision
    entry = None if is_group_mac(dst) else bridge.lookup(dst, vlan, time)
    if entry is None:
        members = bridge.vlan_members(vlan)
        if members is not None and not (members - {port}):
            decision["decision"] = "vlan-filter-drop"
            decision["note"] = f"egress: no other port of {bridge.name} is a member of VLAN {vlan}"
        else:
            decision["decision"] = "flood"
        return decision
    decision["fdb_port"] = entry.port
    decision["fdb_since"] = entry.updated if entry.updated != float("-inf") else None
    decision["fdb_cause_sighting"] = entry.cause_sighting
    if entry.local:
        decision["decision"] = "local"
    elif entry.port == port and not bridge.port_setting(port, "hairpin", False):
        decision["decision"] = "drop-ingress-port"
    elif bridge.vlan_members(vlan) is not None and entry.port not in bridge.vlan_members(vlan):
        decision["decision"] = "vlan-filter-drop"
        decision["note"] = f"egress: {entry.port} is not a member of VLAN {vlan}"
    else:
        decision["decision"] = "forward"
        decision["out_port"] = entry.port
    return decision


def _learn(bridge: _Bridge, port: str, src: int, vlan: int, time: float, journey,
           sightings: pd.DataFrame, events: list[dict]) -> bool:
    key = bridge.key(src, vlan)
    current = bridge.entries.get(key)
    if current is not None and (current.local or current.static):
        return False
    live = bridge.lookup(src, vlan, time)
    cause = int(journey.ingress_sighting) if journey.ingress_sighting >= 0 else int(journey.first_sighting)
    bridge.entries[key] = Entry(port=port, updated=time, cause_sighting=cause)
    if live is not None and live.port == port:
        return True
    row = sightings.loc[cause]
    events.append({
        "time": time, "bridge": bridge.name, "vlan": key[1] if bridge.filtering else None,
        "mac": mac_int_to_str(src), "port": port,
        "previous_port": live.port if live is not None else None,
        "cause_point": row["point"], "cause_file": row["file"], "cause_frame": int(row["frame"]),
        "cause_sighting": cause, "journey": int(journey.journey), "source": "replay",
    })
    return True


def _seed(bridges: dict[str, _Bridge], initial: list[Parsed], start: float, notes: list[str]) -> None:
    """Start the replay from the dynamic entries of FDB snapshots taken before the captures."""
    for item in initial:
        for _, row in item.table.iterrows():
            bridge = bridges.get(row.get("master") or "")
            dev = row.get("dev")
            if bridge is None or not dev or dev == bridge.name or not _is_dynamic(row):
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
        agreed = disagreed = 0
        for _, row in item.table.iterrows():
            bridge = bridges.get(row.get("master") or "")
            dev = row.get("dev")
            if bridge is None or not dev or not _is_dynamic(row):
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
