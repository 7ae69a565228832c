"""Recommendations: the configuration changes that fix a finding, with exact commands."""

from __future__ import annotations

from shlex import quote as sh

from .topology import Topology

# Team runners and bond modes that spread frames over members and so need the
# switch to treat the members as one aggregate.
NEEDS_SWITCH_AGGREGATE = ("roundrobin", "loadbalance", "broadcast", "random", "lacp",
                          "balance-rr", "balance-xor", "802.3ad")
NEEDS_LACP = ("lacp", "802.3ad")
# Runners and modes that work with separate switch ports. activebackup uses one member at a time, and
# balance-tlb and balance-alb send each flow by one member with that member's MAC as source.
NEEDS_NOTHING = ("activebackup", "active-backup", "balance-tlb", "balance-alb")


def switch_needs(mode: str | None) -> str | None:
    """Return what a team runner or bond mode needs from the switch ports of its members, in words, or None."""
    if mode in NEEDS_LACP:
        return "LACP on the switch ports"
    if mode in NEEDS_SWITCH_AGGREGATE:
        return "a static aggregate (port-channel 'mode on') on the switch ports"
    if mode in NEEDS_NOTHING:
        return "no aggregation on the switch"
    return None


def aggregate_fixes(topology: Topology, aggregate: str, bridge: str | None) -> list[str]:
    """Return the fixes for an aggregate whose members the switch does not treat as one."""
    node = topology.graph.nodes.get(aggregate, {})
    members = topology.members(aggregate)
    member_text = " and ".join(members) if members else f"the members of {aggregate}"
    kind = node.get("kind")
    mode = node.get("runner") or node.get("bond_mode")
    fixes = [f"Configure the two switch ports connected to {member_text} as one static aggregate "
             f"(static LAG, port-channel 'mode on'), so the switch stops flooding the host's "
             f"broadcasts back in on the other member."]
    if kind == "bond":
        fixes += [
            f"Or use bonding mode 802.3ad with LACP on the switch ports: "
            f"nmcli connection modify {sh(aggregate)} bond.options \"mode=802.3ad,miimon=100\"",
            f"Or use bonding mode active-backup, which needs nothing on the switch: "
            f"nmcli connection modify {sh(aggregate)} bond.options \"mode=active-backup,miimon=100\"",
        ]
    else:
        fixes += [
            f"Or use the teamd runner lacp with LACP on the switch ports: "
            f"nmcli connection modify {sh(aggregate)} team.runner lacp "
            f"(teamd JSON: {{\"runner\": {{\"name\": \"lacp\", \"active\": true, \"fast_rate\": true}}}})",
            f"Or use the teamd runner activebackup, which needs nothing on the switch: "
            f"nmcli connection modify {sh(aggregate)} team.runner activebackup "
            f"(teamd JSON: {{\"runner\": {{\"name\": \"activebackup\"}}, \"link_watch\": {{\"name\": \"ethtool\"}}}})",
        ]
        fixes.append(f"Then apply it: nmcli connection up {sh(aggregate)} (or restart teamd for {aggregate})")
    if mode and mode not in NEEDS_SWITCH_AGGREGATE:
        check = (f"cat {sh('/proc/net/bonding/' + aggregate)}" if kind == "bond"
                 else f"teamdctl {sh(aggregate)} state dump")
        fixes.append(f"{aggregate} runs {mode}, which does not normally need switch aggregation: "
                     f"check that the running mode is the configured one ({check}).")
    if bridge:
        fixes.append(stopgap_flood(bridge))
    return fixes


def stopgap_flood(bridge: str, until: str = "the switch or the runner is changed") -> str:
    return (f"Stopgap until {until}: ip link set dev {sh(bridge)} type bridge "
            f"ageing_time 0 (the bridge keeps no learned entries and floods every frame, so it "
            f"cannot drop them; this costs bandwidth and does not survive a reboot).")


def reflection_fixes(port: str, bridge: str | None) -> list[str]:
    fixes = [f"Find what sends the host's own frames back in on {port}: a switch port in a loop, "
             f"a hypervisor vSwitch or NIC in promiscuous reflect mode, or a second path between "
             f"the switch and this host (capture on the switch port, or check its MAC table for "
             f"the host's MACs learned on the wrong port).",
             f"Enable STP on {bridge or 'the bridge'} or on the switch if a loop is possible."]
    if bridge:
        fixes.append(stopgap_flood(bridge, "the reflection is removed, and only if it is not a forwarding "
                                           "loop, where flooding adds to the storm"))
    return fixes


def upstream_capture_advice(uplinks: list[str]) -> list[str]:
    where = ", ".join(uplinks) if uplinks else "the uplink"
    return [f"The requests left the host on {where} and no reply came back: the loss is outside "
            f"this host. Capture on the switch port facing {where} and on the target (gateway) "
            f"itself to see whether the target receives the requests and where its reply goes.",
            "Check the switch's MAC table for the requester's MAC and the target's ARP table and "
            "filters (ARP ACLs, port security, private VLANs)."]
