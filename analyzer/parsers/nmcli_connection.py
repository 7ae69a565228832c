"""``nmcli connection show`` (the list) and ``nmcli [-f all] connection show NAME`` (one profile's settings).

The list has one line per profile under a header; the settings are
``setting.property: value`` lines, ``--`` standing for an empty value. A
shortened sample of each::

    NAME    UUID                                  TYPE      DEVICE
    team0   0b7f2f4e-0000-4000-8000-000000000001  team      team0
    eth1    0b7f2f4e-0000-4000-8000-000000000002  ethernet  eth1

    connection.id:                          team0
    connection.type:                        team
    connection.interface-name:              team0
    connection.master:                      --
    team.config:                            {"runner": {"name": "activebackup"}}
    team.runner:                            activebackup

>>> row = parse("connection.id:  bond0\\nconnection.type:  bond\\nconnection.interface-name:  bond0\\n"
...             "bond.options:  mode=balance-xor,miimon=100,xmit_hash_policy=layer2\\n").table.iloc[0]
>>> row["device"], row["mode"], row["options"]["xmit_hash_policy"]
('bond0', 'balance-xor', 'layer2')

A settings output gives one row. Several outputs one after another (as
``nmcli connection show A B`` prints them) give one row each, and a new one
starts at each ``connection.id``. ``GENERAL.*`` lines of an active profile
are kept in ``fields``. The team's runner comes from ``team.runner``, else
from ``team.config``, else is teamd's default ``roundrobin``. sos keeps these
as ``sos_commands/networkmanager/nmcli_con_show_id_NAME`` (``nmcli_con`` for
the list); older sos ran ``nmcli con list id NAME``, which prints the same
settings lines.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._connections import CONNECTION_COLUMNS, bond_mode, bond_options, team_config, type_word
from ._text import build_table, is_mac, normalize_mac, numbered_lines, to_int, where
from .nm_keyfile import DEFAULT_TEAM_RUNNER

log = logging.getLogger(__name__)

KIND = "nmcli_connection"

LIST_HEADER_RE = re.compile(r"^NAME\s+UUID\s+TYPE\s+DEVICE\s*$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SETTING_RE = re.compile(r"^([A-Za-z0-9-]+(?:\.[A-Za-z0-9_\[\]-]+)+):\s*(.*)$")


def detect(text: str) -> bool:
    """Return whether the text is an ``nmcli connection show`` list or a profile's settings."""
    lines = [line for _, line in numbered_lines(text[:8192]) if line.strip()]
    if not lines:
        return False
    if LIST_HEADER_RE.match(lines[0].strip()):
        return True
    return lines[0].startswith("connection.id:") and any(line.startswith("connection.type:") for line in lines)


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the list or the settings into one row per connection profile."""
    lines = [(number, line) for number, line in numbered_lines(text) if line.strip()]
    if lines and LIST_HEADER_RE.match(lines[0][1].strip()):
        rows, warnings = _parse_list(lines, source)
        layout = "list"
    else:
        rows, warnings = _parse_settings(lines, source)
        layout = "settings"
    table = build_table(rows, CONNECTION_COLUMNS)
    log.debug("%s: %d connections (%s), %d warnings", source, len(rows), layout, len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta={"layout": layout, "connections": len(rows)},
                  warnings=warnings)


def _parse_list(lines: list[tuple[int, str]], source: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Read the list: the UUID column splits a name that may contain spaces from type and device."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for number, line in lines[1:]:
        tokens = line.split()
        position = next((i for i, token in enumerate(tokens) if _UUID_RE.match(token)), None)
        if position is None or position == 0 or len(tokens) < position + 3:
            warnings.append(where(source, number, f"expected 'NAME UUID TYPE DEVICE', found {line.strip()[:60]!r}"))
            continue
        device = tokens[position + 2]
        rows.append({
            "line": number,
            "name": " ".join(tokens[:position]),
            "uuid": tokens[position],
            "type": type_word(tokens[position + 1]),
            "active_device": None if device == "--" else device,
        })
    return rows, warnings


def _parse_settings(lines: list[tuple[int, str]], source: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Read ``setting.property: value`` lines, starting a new profile at each ``connection.id``."""
    profiles: list[tuple[int, dict[str, str]]] = []
    warnings: list[str] = []
    for number, line in lines:
        match = _SETTING_RE.match(line.strip())
        if not match:
            warnings.append(where(source, number, f"expected 'setting.property: value', found {line.strip()[:60]!r}"))
            continue
        key, value = match.group(1), match.group(2).strip()
        if key == "connection.id" or not profiles:
            profiles.append((number, {}))
        profiles[-1][1][key] = value
    return [_profile_row(number, fields, source, warnings) for number, fields in profiles], warnings


def _profile_row(number: int, fields: dict[str, str], source: str, warnings: list[str]) -> dict[str, Any]:
    """Build the row of one profile from its settings."""
    def get(key: str) -> str | None:
        value = fields.get(key)
        return None if value in (None, "--", "") else value

    row: dict[str, Any] = {
        "line": number,
        "name": get("connection.id"),
        "uuid": get("connection.uuid"),
        "type": type_word(get("connection.type")),
        "device": get("connection.interface-name"),
        "master": get("connection.controller") or get("connection.master"),
        "slave_type": get("connection.port-type") or get("connection.slave-type"),
        "fields": fields,
    }
    if row["type"] == "bond" or get("bond.options"):
        options = bond_options(get("bond.options") or "", separators=",")
        row["options"] = options
        row["mode"] = bond_mode(options.get("mode", "balance-rr"))
        if row["mode"] is None:
            warnings.append(where(source, number, f"unknown bond mode {options.get('mode')!r}"))
    if row["type"] == "team":
        config, runner = team_config(get("team.config"), f"{source}: line {number}: team.config", warnings)
        row["options"] = config
        row["mode"] = get("team.runner") or runner or DEFAULT_TEAM_RUNNER
    if get("team-port.config"):
        row["port_config"], _ = team_config(get("team-port.config"), f"{source}: line {number}: team-port.config",
                                            warnings)
    mac = get("802-3-ethernet.cloned-mac-address") or get("802-3-ethernet.mac-address")
    row["mac"] = normalize_mac(mac) if mac and is_mac(mac) else mac
    row["vlan_id"] = to_int(get("vlan.id"))
    row["vlan_parent"] = get("vlan.parent")
    return row
