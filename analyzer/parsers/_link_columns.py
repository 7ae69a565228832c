"""Columns of the ``ip link`` tables, and their values from the kind and slave attributes.

The text and the JSON parser both fill the kind-specific columns here, from
the attributes of the kind (``bridge``, ``bond``, ``vlan``, ``tun``) and of
the slave kind (``bridge_slave``, ``bond_slave``). Text values are strings
("on", "30000") and JSON values are typed, so the converters accept both.
"""

from __future__ import annotations

from typing import Any

from ._text import to_bool, to_float, to_int

LINK_COLUMNS: dict[str, str] = {
    "line": "int",  # line of the interface header (array position for JSON input)
    "ifindex": "int",
    "name": "str",
    "link": "str",  # after "@": "if2" (peer ifindex in another netns), a parent name or "NONE"
    "link_ifindex": "int",  # N of "@ifN"
    "flags": "object",  # list of interface flags, "UP", "LOWER_UP" ...
    "mtu": "int",
    "qdisc": "str",
    "master": "str",
    "operstate": "str",
    "link_type": "str",  # "ether", "loopback", "none" ...
    "mac": "str",  # device address when it is a MAC, lowercase
    "link_netnsid": "int",
    "link_netns": "str",  # peer netns name, printed instead of link-netnsid when named
    "promiscuity": "int",
    "kind": "str",  # veth, bridge, team, bond, vlan, tun, vxlan ... or None
    "slave_kind": "str",  # bridge_slave, team_slave, bond_slave, openvswitch_slave ... or None
    "ageing_time": "float",  # bridge FDB ageing time in seconds
    "stp_state": "int",
    "forward_delay": "float",  # seconds
    "vlan_filtering": "optbool",
    "vlan_protocol": "str",  # bridge VLAN protocol, or the protocol of a vlan device
    "vlan_default_pvid": "int",
    "port_state": "str",  # bridge port STP state: forwarding, blocking, disabled ...
    "learning": "optbool",
    "flood": "optbool",
    "mcast_flood": "optbool",
    "bcast_flood": "optbool",
    "hairpin": "optbool",
    "isolated": "optbool",
    "neigh_suppress": "optbool",
    "locked": "optbool",
    "proxy_arp": "optbool",
    "bond_mode": "str",
    "slave_state": "str",  # bond port state, ACTIVE or BACKUP
    "mii_status": "str",
    "vlan_id": "int",
    "tun_type": "str",  # tun or tap
    "attributes": "object",  # every raw key and value of the details, see the parser
    "stats": "object",  # counters from -s, or None
}

_BRIDGE_PORT_BOOLS = (
    "learning",
    "flood",
    "mcast_flood",
    "bcast_flood",
    "hairpin",
    "isolated",
    "neigh_suppress",
    "locked",
    "proxy_arp",
)


def centiseconds_to_seconds(value: Any) -> float | None:
    """Convert a bridge timer as ip prints it (USER_HZ ticks, 1/100 s) to seconds."""
    ticks = to_float(value)
    return None if ticks is None else ticks / 100.0


def typed_columns(
    kind: str | None,
    kind_attributes: dict[str, Any],
    slave_kind: str | None,
    slave_attributes: dict[str, Any],
) -> dict[str, Any]:
    """Return the kind-specific column values of one interface."""
    values: dict[str, Any] = {}
    if kind == "bridge":
        values["ageing_time"] = centiseconds_to_seconds(kind_attributes.get("ageing_time"))
        values["forward_delay"] = centiseconds_to_seconds(kind_attributes.get("forward_delay"))
        values["stp_state"] = to_int(kind_attributes.get("stp_state"))
        values["vlan_filtering"] = to_bool(kind_attributes.get("vlan_filtering"))
        values["vlan_protocol"] = kind_attributes.get("vlan_protocol")
        values["vlan_default_pvid"] = to_int(kind_attributes.get("vlan_default_pvid"))
    elif kind == "bond":
        values["bond_mode"] = kind_attributes.get("mode")
    elif kind == "vlan":
        values["vlan_id"] = to_int(kind_attributes.get("id"))
        values["vlan_protocol"] = kind_attributes.get("protocol")
    elif kind == "tun":
        values["tun_type"] = kind_attributes.get("type")

    if slave_kind == "bridge_slave":
        values["port_state"] = slave_attributes.get("state")
        for name in _BRIDGE_PORT_BOOLS:
            values[name] = to_bool(slave_attributes.get(name))
    elif slave_kind == "bond_slave":
        values["slave_state"] = slave_attributes.get("state")
        values["mii_status"] = slave_attributes.get("mii_status")
    return values
