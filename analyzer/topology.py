"""The host's layer-2 topology as a networkx graph, built from saved command output.

Nodes are interface names. Node attributes: ``kind`` ("bridge", "team", "bond",
"vlan", "veth", "tun", "physical", "loopback", "external" ...), ``master``
(the bridge, team or bond the interface is enslaved to), ``mac``, ``ifindex``,
``role`` ("uplink" or "guest" for bridge ports and their members), plus
bridge and port settings (``ageing_time`` in seconds, ``learning``,
``hairpin``, ``vlan_filtering``, team ``runner`` and ``active_port``).
Edges carry ``relation``: "port" (port to its bridge), "member" (member to its
team or bond), "lower" (VLAN device to its parent), "link" (interface to the
outside: the network or a guest).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from .parsers import Parsed

log = logging.getLogger(__name__)

# Kernel default for a bridge's FDB ageing time, in seconds.
DEFAULT_AGEING_TIME = 300.0

# Names that libvirt, QEMU, Proxmox and Xen give to a guest's tap device.
GUEST_PORT_NAME = re.compile(r"^(vnet\d+|tap[\w.-]*|vif[\w.-]*|fwpr[\w.-]*|macvtap\d+)$")

AGGREGATE_KINDS = ("team", "bond")

# The team runner and bond mode that send a copy of each frame on every member;
# all others send each frame on one member only.
BROADCAST_MODES = ("broadcast",)


@dataclass
class Topology:
    """The graph and the lookups that the trace and the replay need."""

    graph: nx.Graph = field(default_factory=nx.Graph)
    warnings: list[str] = field(default_factory=list)

    def kind(self, name: str) -> str | None:
        return self.graph.nodes[name].get("kind") if name in self.graph else None

    def master(self, name: str) -> str | None:
        return self.graph.nodes[name].get("master") if name in self.graph else None

    def bridges(self) -> list[str]:
        return sorted(n for n, d in self.graph.nodes(data=True) if d.get("kind") == "bridge")

    def ports(self, bridge: str) -> list[str]:
        return sorted(n for n, d in self.graph.nodes(data=True)
                      if d.get("master") == bridge and n != bridge)

    def members(self, aggregate: str) -> list[str]:
        return sorted(n for n, d in self.graph.nodes(data=True) if d.get("master") == aggregate)

    def chain(self, name: str) -> list[str]:
        """List the interface and its masters upward, ending at a bridge if there is one."""
        chain = [name]
        seen = {name}
        while True:
            master = self.master(chain[-1])
            if master is None or master in seen:
                return chain
            chain.append(master)
            seen.add(master)

    def place(self, name: str) -> tuple[str | None, str | None, str | None]:
        """Return (bridge, port, member) for an interface.

        ``port`` is the bridge port on the interface's chain. ``member`` is the
        interface itself when it is a member of a team or bond that is the port.
        For the bridge device itself, port and member are None.
        """
        if self.kind(name) == "bridge":
            return name, None, None
        chain = self.chain(name)
        for index, node in enumerate(chain[1:], start=1):
            if self.kind(node) == "bridge":
                port = chain[index - 1]
                member = name if port != name else None
                return node, port, member
        return None, None, None

    def local_macs(self, bridge: str) -> set[str]:
        """Return the host's own MACs behind a bridge: the bridge's, its ports' and their members'.

        Members keep their own MACs in some bond modes (balance-alb and
        balance-tlb send with them), so a frame with such a source was sent
        by the host.
        """
        macs = set()
        for name in [bridge, *self.ports(bridge)]:
            for interface in [name, *self.members(name)]:
                mac = self.graph.nodes[interface].get("mac")
                if mac:
                    macs.add(mac)
        return macs

    def aggregate_sends_one_copy(self, aggregate: str) -> bool:
        node = self.graph.nodes[aggregate]
        mode = node.get("runner") or node.get("bond_mode")
        return mode not in BROADCAST_MODES

    def lacp_members(self, aggregate: str) -> dict[str, dict] | None:
        """Return each member's LACP state of an LACP team or 802.3ad bond, or None for other modes."""
        node = self.graph.nodes[aggregate]
        if (node.get("runner") or node.get("bond_mode")) not in ("lacp", "802.3ad"):
            return None
        return {m: {"selected": self.graph.nodes[m].get("lacp_selected"),
                    "state": self.graph.nodes[m].get("lacp_state"),
                    "partner": self.graph.nodes[m].get("partner_system")}
                for m in self.members(aggregate)}

    def can_transmit(self, aggregate: str) -> bool | None:
        """Tell whether an LACP aggregate has a selected member to send on; None when unknown."""
        members = self.lacp_members(aggregate)
        if not members:
            return None
        states = [m["selected"] for m in members.values()]
        if any(s is True for s in states):
            return True
        if states and all(s is False for s in states):
            return False
        return None

    def interface_names(self) -> set[str]:
        return {n for n, d in self.graph.nodes(data=True) if d.get("kind") != "external"}


def _add(topology: Topology, name: str, **attributes) -> None:
    graph = topology.graph
    if name not in graph:
        graph.add_node(name)
    node = graph.nodes[name]
    for key, value in attributes.items():
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        if key == "kind" and node.get("kind") not in (None, "unknown") and value == "unknown":
            continue
        node[key] = value


def _value(row, column, default=None):
    value = row.get(column, default) if hasattr(row, "get") else default
    if value is None:
        return default
    try:
        if pd.isna(value):
            return default
    except (TypeError, ValueError):
        pass
    return value


def _kind_from_ip_link(row) -> str:
    kind = _value(row, "kind")
    if kind:
        return str(kind)
    if _value(row, "link_type") == "loopback":
        return "loopback"
    return "physical"


def build_topology(parsed: list[Parsed]) -> Topology:
    """Build the topology from every parsed output of a case.

    ``ip -d link`` gives interfaces, kinds, masters and settings. ``bridge link``,
    ``bridge fdb``, ``bridge vlan`` and teamdctl fill in what it lacks, so a case
    with only some of these files still gets a usable graph.
    """
    topology = Topology()
    by_kind: dict[str, list[Parsed]] = {}
    for item in parsed:
        by_kind.setdefault(item.kind, []).append(item)

    for item in by_kind.get("ip_link", []) + by_kind.get("ip_link_json", []):
        for _, row in item.table.iterrows():
            name = _value(row, "name")
            if not name:
                continue
            _add(topology, name,
                 kind=_kind_from_ip_link(row),
                 master=_value(row, "master"),
                 mac=_value(row, "mac"),
                 ifindex=_value(row, "ifindex"),
                 operstate=_value(row, "operstate"),
                 ageing_time=_value(row, "ageing_time"),
                 vlan_filtering=_value(row, "vlan_filtering"),
                 stp_state=_value(row, "stp_state"),
                 learning=_value(row, "learning"),
                 flood=_value(row, "flood"),
                 hairpin=_value(row, "hairpin"),
                 isolated=_value(row, "isolated"),
                 port_state=_value(row, "port_state"),
                 bond_mode=_value(row, "bond_mode"),
                 slave_state=_value(row, "slave_state"),
                 vlan_id=_value(row, "vlan_id"),
                 link=_value(row, "link"))
            attributes = _value(row, "attributes") or {}
            if _value(row, "kind") == "bond" and isinstance(attributes, dict):
                _add(topology, name, active_port=attributes.get("active_slave"))

    for item in by_kind.get("bridge_link", []):
        for _, row in item.table.iterrows():
            name = _value(row, "name")
            master = _value(row, "master")
            if not name:
                continue
            _add(topology, name, kind="unknown", master=master, port_state=_value(row, "state"),
                 hairpin=_value(row, "hairpin"), learning=_value(row, "learning"),
                 isolated=_value(row, "isolated"))
            if master:
                _add(topology, master, kind="bridge")

    # Without ip link output, FDB rows are the only list of bridges and ports. With
    # it, they may only fill in masters of known interfaces, so that another
    # machine's FDB in the case (a switch's, say) adds no foreign nodes.
    known = set(topology.graph.nodes)
    for item in by_kind.get("bridge_fdb", []) + by_kind.get("bridge_fdb_json", []):
        table = item.table
        if table.empty or "master" not in table:
            continue
        if known and not set(table["dev"].dropna()) & known:
            continue
        for _, row in table.iterrows():
            dev, master = _value(row, "dev"), _value(row, "master")
            if not dev or not master:
                continue
            if known and (dev not in known or master not in known):
                continue
            if dev == master:
                _add(topology, master, kind="bridge")
                continue
            _add(topology, master, kind="bridge")
            node = topology.graph.nodes.get(dev)
            if node is None or not node.get("master"):
                _add(topology, dev, kind="unknown", master=master)

    for item in by_kind.get("bridge_vlan", []):
        _add_vlans(topology, item)

    for item in by_kind.get("proc_net_bonding", []):
        _add_bond(topology, item)

    for item in by_kind.get("teamdctl_state_dump", []) + by_kind.get("teamdctl_config_dump", []) \
            + by_kind.get("teamdctl_state_view", []):
        device = item.meta.get("device")
        if not device:
            continue
        # A state dump saved before the captures gives the active port at their
        # start. Any other is taken as saved after them.
        before = "before" in item.source.lower().rsplit("/", 1)[-1]
        active_key = "active_port_before" if before else "active_port"
        _add(topology, device, kind="team", runner=item.meta.get("runner"),
             **{active_key: item.meta.get("active_port")})
        if "name" in item.table:
            for row in item.table.to_dict("records"):
                if not _value(row, "name"):
                    continue
                _add(topology, str(row["name"]), kind="unknown", master=device)
                if item.kind != "teamdctl_config_dump" and not before:
                    _add(topology, str(row["name"]), lacp_selected=_value(row, "selected"),
                         lacp_state=_value(row, "state"), partner_system=_value(row, "partner_system"))

    _mark_roles(topology)
    _add_outside(topology)
    return topology


# Ranges wider than this in ``bridge vlan show`` are not expanded into single VLANs.
MAX_VLANS_PER_PORT = 4096


def _add_vlans(topology: Topology, item: Parsed) -> None:
    """Record each port's VLAN membership as {vid: {"pvid": bool, "untagged": bool}}."""
    for row in item.table.itertuples(index=False):
        if row.port not in topology.graph:
            _add(topology, row.port, kind="unknown")
        node = topology.graph.nodes[row.port]
        vlans = node.setdefault("vlans", {})
        last = int(row.vlan_end) if not pd.isna(row.vlan_end) else int(row.vlan)
        for vid in range(int(row.vlan), min(last, int(row.vlan) + MAX_VLANS_PER_PORT) + 1):
            vlans[vid] = {"pvid": bool(row.pvid), "untagged": bool(row.untagged)}
            if row.pvid:
                node["pvid"] = vid


def _add_bond(topology: Topology, item: Parsed) -> None:
    """Add a bond, its mode, active slave and slaves from /proc/net/bonding/BOND."""
    from .points import match_interface_name

    device = item.meta.get("device")
    if not device:
        bonds = {n for n, d in topology.graph.nodes(data=True) if d.get("kind") == "bond"}
        device = match_interface_name(item.source, bonds) or (bonds.pop() if len(bonds) == 1 else None)
    if not device:
        topology.warnings.append(f"{item.source}: the bond's name is not in the file name or the "
                                 f"case's ip link output; the file is not used")
        return
    _add(topology, device, kind="bond", bond_mode=item.meta.get("mode"),
         active_port=item.meta.get("active_slave"), active_aggregator=item.meta.get("aggregator_id"))
    if "name" in item.table:
        for row in item.table.to_dict("records"):
            node = topology.graph.nodes.get(row["name"])
            _add(topology, row["name"], kind="unknown", master=device)
            if node is None or not node.get("mac"):
                _add(topology, row["name"], mac=_value(row, "permanent_hw_addr"))
            if item.meta.get("mode") == "802.3ad":
                aggregator = _value(row, "aggregator_id")
                active = item.meta.get("aggregator_id")
                selected = None if aggregator is None or active is None else aggregator == active
                _add(topology, row["name"], lacp_selected=selected, partner_system=_value(row, "partner_system"),
                     aggregator_id=aggregator)


def _mark_roles(topology: Topology) -> None:
    """Mark each bridge port and its members as facing a guest or the network."""
    graph = topology.graph
    for name, data in list(graph.nodes(data=True)):
        master = data.get("master")
        if master and master in graph:
            relation = "port" if graph.nodes[master].get("kind") == "bridge" else "member"
            graph.add_edge(name, master, relation=relation)
        link = data.get("link")
        if data.get("kind") == "vlan" and link and link in graph:
            graph.add_edge(name, link, relation="lower")
    for bridge in topology.bridges():
        for port in topology.ports(bridge):
            node = graph.nodes[port]
            guest = node.get("kind") == "tun" or bool(GUEST_PORT_NAME.match(port))
            if node.get("kind") in AGGREGATE_KINDS:
                guest = False
            node["role"] = "guest" if guest else "uplink"
            for member in topology.members(port):
                graph.nodes[member]["role"] = node["role"]


def _add_outside(topology: Topology) -> None:
    """Link the lowest interfaces of each bridge port to an external node (network or guest)."""
    graph = topology.graph
    for bridge in topology.bridges():
        for port in topology.ports(bridge):
            ends = topology.members(port) or [port]
            role = graph.nodes[port].get("role", "uplink")
            for end in ends:
                outside = f"guest:{end}" if role == "guest" else "network"
                graph.add_node(outside, kind="external")
                graph.add_edge(end, outside, relation="link")
