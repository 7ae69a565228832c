"""Columns and value conversions shared by the readers of configured connections (keyfile, nmcli, ifcfg).

Each of these formats states the intended configuration of an interface:
its kind, its controller (team, bond or bridge) and, for a team or bond, the
runner or mode. The tables use the same columns so that the configured mode
of a team or bond can be compared with the running one whatever the source.
"""

from __future__ import annotations

import json
from typing import Any

from ._json import load_json

CONNECTION_COLUMNS: dict[str, str] = {
    "line": "int",
    "name": "str",  # connection profile name (NetworkManager id, ifcfg NAME)
    "uuid": "str",
    "type": "str",  # "ethernet", "bond", "team", "bridge", "vlan", "team-port" ...
    "device": "str",  # interface name
    "master": "str",  # team, bond or bridge the interface is a port of (name or profile UUID)
    "slave_type": "str",  # "team", "bond" or "bridge"
    "mode": "str",  # bond mode in "ip link" words, or team runner name
    "options": "object",  # bond options, or the team's configuration as a dict
    "port_config": "object",  # team port configuration as a dict
    "mac": "str",
    "vlan_id": "int",
    "vlan_parent": "str",
    "active_device": "str",  # device the connection is active on ("nmcli con show" list only)
    "fields": "object",  # every key and value as printed
}

# Bond modes by number and by name, as the bonding driver accepts them (mode=N or mode=NAME).
BOND_MODES = {
    "0": "balance-rr",
    "1": "active-backup",
    "2": "balance-xor",
    "3": "broadcast",
    "4": "802.3ad",
    "5": "balance-tlb",
    "6": "balance-alb",
}
# NetworkManager's connection.type values that name the same thing as shorter words.
TYPE_WORDS = {
    "802-3-ethernet": "ethernet",
    "802-11-wireless": "wifi",
    "teamport": "team-port",
}


def bond_mode(value: Any) -> str | None:
    """Return a bond mode given by number or name as its ``ip link`` name, or None when unknown."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text in BOND_MODES:
        return BOND_MODES[text]
    return text if text in BOND_MODES.values() else None


def bond_options(text: str, separators: str = ", ") -> dict[str, str]:
    """Split ``mode=4 miimon=100`` or ``mode=802.3ad,miimon=100`` into a dict."""
    options: dict[str, str] = {}
    for separator in separators:
        text = text.replace(separator, " ")
    for item in text.split():
        key, _, value = item.partition("=")
        options[key.strip()] = value.strip()
    return options


def team_config(text: str | None, place: str, warnings: list[str]) -> tuple[dict[str, Any] | None, str | None]:
    """Parse a team or team port configuration (JSON) and return it with the runner name, if any."""
    if text is None or not text.strip():
        return None, None
    value, problems = load_json(text, place)
    warnings.extend(problems)
    if not isinstance(value, dict):
        if value is not None:
            warnings.append(f"{place}: expected a JSON object, found {json.dumps(value)[:60]}")
        return None, None
    runner = value.get("runner")
    name = runner.get("name") if isinstance(runner, dict) else None
    return value, name if isinstance(name, str) else None


def type_word(value: str | None) -> str | None:
    """Return NetworkManager's connection type in the short words of the table."""
    if value is None:
        return None
    text = value.strip().lower()
    return TYPE_WORDS.get(text, text)
