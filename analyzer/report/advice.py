"""Advice for the reports: commands inside recommendations, and what to collect next time."""

from __future__ import annotations

import re
from shlex import quote

from ..replay import snapshots_by_role

# A command inside a recommendation: the program and a subcommand or option,
# up to an opening bracket, a closing bracket or the end of the sentence.
COMMAND = re.compile(
    r"(?<![\w-])(?:nmcli\s+(?:connection|con|device|dev|-)|ip\s+(?:link|addr|address|neigh|-)"
    r"|bridge\s+(?:fdb|link|vlan|monitor|-)|teamdctl\s+\S+\s+(?:state|config|port)"
    r"|tcpdump\s+-|ethtool\s+|sysctl\s+)[^()]*?(?=\s+\(|\)|[.;]?$|[.;]\s)")

SNAPLEN = 128  # bytes per frame: every header l2trace reads, and little payload
# Interface names in the suggested commands come from the customer's files and go through shlex.quote:
# "a;reboot" is a valid Linux interface name, and the engineer pastes these lines into a shell.


def split_commands(text: str) -> list[tuple[str, bool]]:
    """Split a recommendation into (text, is_command) parts, so reports can set commands as code."""
    parts, position = [], 0
    for match in COMMAND.finditer(text):
        if match.start() > position:
            parts.append((text[position:match.start()], False))
        parts.append((match.group(0), True))
        position = match.end()
    if position < len(text):
        parts.append((text[position:], False))
    return parts


def capture_interfaces(case) -> list[dict]:
    """List the interfaces to capture on: every bridge, its ports and their members, guests first."""
    from ..plots import interface_order

    captured = {c.point for c in case.captures} | set(case.sightings["point"].unique() if len(case.sightings) else [])
    topology = case.topology_model
    names = []
    for bridge in topology.bridges():
        for name in interface_order(topology, bridge):
            if name not in names:
                names.append(name)
    rows = []
    for name in names:
        data = topology.graph.nodes[name]
        kind = data.get("kind") or "interface"
        role = data.get("role") or ("bridge" if kind == "bridge" else "")
        rows.append({"name": name, "kind": kind, "role": role, "captured": name in captured,
                     "command": f"tcpdump -i {quote(name)} -w {quote(name + '.pcap')} -s {SNAPLEN}"})
    return rows


def _present(case, *kinds: str) -> bool:
    return any(item.kind in kinds for item in case.outputs)


def output_advice(case) -> list[dict]:
    """List the command outputs to save, each with whether this case has it."""
    initial, final = snapshots_by_role(case.outputs)
    rows = [
        {"command": "ip -d link show > ip_-d_link.txt", "why": "interfaces, masters, bridge and port settings",
         "present": _present(case, "ip_link", "ip_link_json")},
        {"command": "bridge -s -j fdb show > bridge_-s_-j_fdb_show_before.json",
         "why": "the FDB before reproducing: the replay starts from it", "present": bool(initial)},
        {"command": "bridge -s -j fdb show > bridge_-s_-j_fdb_show.json",
         "why": "the FDB after reproducing: checked against the replay", "present": bool(final)},
        {"command": "bridge link show > bridge_link_show.txt", "why": "port states and flags",
         "present": _present(case, "bridge_link")},
    ]
    topology = case.topology_model
    for name, data in sorted(topology.graph.nodes(data=True)):
        if data.get("kind") == "team":
            rows.append({"command": f"teamdctl {quote(name)} state dump > {quote(f'teamdctl_{name}_state_dump.json')}",
                         "why": f"the running runner and active port of {name}",
                         "present": _present(case, "teamdctl_state_dump", "teamdctl_state_view")})
            rows.append({"command": f"teamdctl {quote(name)} config dump > {quote(f'teamdctl_{name}_config_dump.json')}",
                         "why": f"the configured runner of {name}", "present": _present(case, "teamdctl_config_dump")})
        elif data.get("kind") == "bond":
            rows.append({"command": f"cat {quote('/proc/net/bonding/' + name)} > {quote(f'proc_net_bonding_{name}.txt')}",
                         "why": f"the mode, active slave and LACP state of {name}",
                         "present": any("bonding" in item.kind for item in case.outputs)})
    if any(d.get("vlan_filtering") for _, d in topology.graph.nodes(data=True)):
        rows.append({"command": "bridge vlan show > bridge_vlan_show.txt", "why": "the VLANs of each port",
                     "present": _present(case, "bridge_vlan")})
    return rows
