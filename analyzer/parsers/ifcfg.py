"""``/etc/sysconfig/network-scripts/ifcfg-NAME`` files (initscripts, NetworkManager's ifcfg-rh), one row per file.

Shell-style ``KEY=value`` assignments; values may be quoted. The keys read
here describe teams, bonds, bridges and their ports. A sample of a team and
of one of its ports (two files)::

    DEVICE=team0
    DEVICETYPE=Team
    TEAM_CONFIG='{"runner": {"name": "activebackup"}, "link_watch": {"name": "ethtool"}}'

    DEVICE=eth1
    DEVICETYPE=TeamPort
    TEAM_MASTER=team0
    TEAM_PORT_CONFIG='{"prio": 100}'

>>> row = parse('DEVICE=bond0\\nTYPE=Bond\\nBONDING_MASTER=yes\\nBONDING_OPTS="mode=4 miimon=100"\\n').table.iloc[0]
>>> row["device"], row["type"], row["mode"], row["options"]["miimon"]
('bond0', 'bond', '802.3ad', '100')

``type`` is bond, team, team-port, bridge, vlan or ethernet, from
``DEVICETYPE``, ``TYPE``, ``BONDING_MASTER`` and ``VLAN``. ``master`` and
``slave_type`` come from ``TEAM_MASTER`` (team), ``MASTER`` with
``SLAVE=yes`` (bond) or ``BRIDGE`` (bridge). ``mode`` is the bond mode from
``BONDING_OPTS`` (balance-rr, the driver's default, when it names none), or
the team runner from ``TEAM_CONFIG`` (teamd's default roundrobin when it
names none). ``DEVICE`` falls back to the NAME in the file name.
"""

from __future__ import annotations

import logging
import re
import shlex
from typing import Any

from . import Parsed
from ._connections import CONNECTION_COLUMNS, bond_mode, bond_options, team_config
from ._text import build_table, is_mac, normalize_mac, numbered_lines, to_bool, to_int, where
from .nm_keyfile import DEFAULT_TEAM_RUNNER

log = logging.getLogger(__name__)

KIND = "ifcfg"

_ASSIGNMENT_RE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
_KNOWN_KEYS = {"DEVICE", "TYPE", "DEVICETYPE", "BOOTPROTO", "ONBOOT", "NAME", "UUID", "HWADDR", "MACADDR",
               "NM_CONTROLLED", "IPADDR", "PREFIX", "NETMASK", "GATEWAY", "TEAM_MASTER", "TEAM_CONFIG",
               "TEAM_PORT_CONFIG",
               "BONDING_OPTS", "BONDING_MASTER", "MASTER", "SLAVE", "BRIDGE", "VLAN", "PHYSDEV", "STP"}
_FILE_RE = re.compile(r"ifcfg-([^/]+)$")


def detect(text: str) -> bool:
    """Return whether the text is a set of shell assignments with ``DEVICE=`` or ``TYPE=`` and known keys."""
    keys = set()
    for _, line in numbered_lines(text[:8192]):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        match = _ASSIGNMENT_RE.match(body)
        if not match:
            return False
        keys.add(match.group(1))
    return bool(keys & {"DEVICE", "DEVICETYPE", "TYPE"}) and len(keys & _KNOWN_KEYS) >= 2


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse one ifcfg file into a single row, with a warning for each line that is not an assignment."""
    warnings: list[str] = []
    fields: dict[str, str] = {}
    for number, line in numbered_lines(text):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        match = _ASSIGNMENT_RE.match(body)
        if not match:
            warnings.append(where(source, number, f"expected KEY=value, found {body[:60]!r}. Line skipped."))
            continue
        try:
            words = shlex.split(match.group(2), comments=True)
        except ValueError as error:
            warnings.append(where(source, number, f"invalid quoting in {match.group(1)} ({error})"))
            continue
        fields[match.group(1)] = " ".join(words)
    if not fields:
        return Parsed(kind=KIND, source=source, table=build_table([], CONNECTION_COLUMNS), warnings=warnings)

    file_name = _FILE_RE.search(source.replace("\\", "/"))
    row: dict[str, Any] = {
        "line": 1,
        "name": fields.get("NAME"),
        "uuid": fields.get("UUID"),
        "type": _type(fields),
        "device": fields.get("DEVICE") or (file_name.group(1) if file_name else None),
        "fields": fields,
    }
    if fields.get("TEAM_MASTER"):
        row.update(master=fields["TEAM_MASTER"], slave_type="team")
    elif fields.get("MASTER") and to_bool(fields.get("SLAVE", "yes")) is not False:
        row.update(master=fields["MASTER"], slave_type="bond")
    elif fields.get("BRIDGE"):
        row.update(master=fields["BRIDGE"], slave_type="bridge")
    if row["type"] == "bond":
        options = bond_options(fields.get("BONDING_OPTS", ""), separators=" ")
        row["options"] = options
        row["mode"] = bond_mode(options.get("mode", "balance-rr"))
        if row["mode"] is None:
            warnings.append(f"{source}: BONDING_OPTS: unknown bond mode {options.get('mode')!r}")
    if row["type"] == "team":
        row["options"], runner = team_config(fields.get("TEAM_CONFIG"), f"{source}: TEAM_CONFIG", warnings)
        row["mode"] = runner or DEFAULT_TEAM_RUNNER
    if fields.get("TEAM_PORT_CONFIG"):
        row["port_config"], _ = team_config(fields["TEAM_PORT_CONFIG"], f"{source}: TEAM_PORT_CONFIG", warnings)
    mac = fields.get("MACADDR") or fields.get("HWADDR")
    row["mac"] = normalize_mac(mac) if mac and is_mac(mac) else mac
    if row["type"] == "vlan":
        row["vlan_parent"] = fields.get("PHYSDEV")
        suffix = (row["device"] or "").rpartition(".")[2]
        row["vlan_id"] = to_int(fields.get("VLAN_ID") or suffix)
    table = build_table([row], CONNECTION_COLUMNS)
    log.debug("%s: %s (%s), mode %s", source, row["device"], row["type"], row.get("mode"))
    return Parsed(kind=KIND, source=source, table=table, meta={"connections": 1}, warnings=warnings)


def _type(fields: dict[str, str]) -> str | None:
    """Return the interface kind from DEVICETYPE, TYPE, BONDING_MASTER and VLAN."""
    kind = (fields.get("DEVICETYPE") or fields.get("TYPE") or "").strip().lower()
    if kind in ("teamport", "team-port"):
        return "team-port"
    if kind in ("team", "bond", "bridge", "ethernet", "vlan", "infiniband"):
        return kind
    if to_bool(fields.get("BONDING_MASTER")):
        return "bond"
    if to_bool(fields.get("VLAN")):
        return "vlan"
    return kind or None
