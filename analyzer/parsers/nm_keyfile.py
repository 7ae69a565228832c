"""NetworkManager keyfiles (``/etc/NetworkManager/system-connections/*.nmconnection``), one row per file.

A keyfile is an INI file; the sections used here are ``[connection]``,
``[team]``, ``[team-port]``, ``[bond]``, ``[ethernet]`` and ``[vlan]``. A
sample as ``nmcli --offline connection add type team ...`` (NetworkManager
1.42) writes it::

    [connection]
    id=team0
    uuid=0b7f2f4e-0000-4000-8000-000000000001
    type=team
    interface-name=team0

    [team]
    config={ "runner": { "name": "activebackup" } }

>>> row = parse("[connection]\\nid=bond0\\ntype=bond\\ninterface-name=bond0\\n\\n[bond]\\nmode=4\\nmiimon=100\\n").table.iloc[0]
>>> row["type"], row["device"], row["mode"], row["options"]["miimon"]
('bond', 'bond0', '802.3ad', '100')

``mode`` is the bond mode in ``ip link`` words or the team's runner name
(teamd's default ``roundrobin`` when the team config names none). A port has
``master`` (a name or the controller's UUID) and ``slave_type``. The words
``controller`` and ``port-type``, which newer NetworkManager releases use,
are read the same. ``fields`` keeps every key as
``section.key``.
"""

from __future__ import annotations

import configparser
import logging
import re
from typing import Any

from . import Parsed
from ._connections import CONNECTION_COLUMNS, bond_mode, team_config, type_word
from ._text import build_table, is_mac, normalize_mac, to_int

log = logging.getLogger(__name__)

KIND = "nm_keyfile"

# teamd runs the roundrobin runner when the configuration names none.
DEFAULT_TEAM_RUNNER = "roundrobin"


def detect(text: str) -> bool:
    """Return whether the text is a keyfile: a ``[connection]`` section with ``type=`` or ``id=``."""
    head = text[:8192].lstrip("\ufeff")
    first = next((line.strip() for line in head.splitlines() if line.strip() and not line.startswith("#")), "")
    return first == "[connection]" and bool(re.search(r"^(type|id|uuid)=", head, re.MULTILINE))


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse one keyfile into a single row, with a warning for each unreadable part."""
    warnings: list[str] = []
    config = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",),
                                       comment_prefixes=("#",), empty_lines_in_values=False)
    config.optionxform = str  # keys are case-sensitive
    try:
        config.read_string(text.lstrip("\ufeff"), source=source)
    except configparser.Error as error:
        warnings.append(f"{source}: line {getattr(error, 'lineno', '?')}: not a valid keyfile ({error.message})")
        return Parsed(kind=KIND, source=source, table=build_table([], CONNECTION_COLUMNS), warnings=warnings)
    if not config.has_section("connection"):
        if text.strip():
            warnings.append(f"{source}: no [connection] section, so this is not a NetworkManager keyfile")
        return Parsed(kind=KIND, source=source, table=build_table([], CONNECTION_COLUMNS), warnings=warnings)

    connection = config["connection"]
    row: dict[str, Any] = {
        "line": _line_of(text, "[connection]"),
        "name": connection.get("id"),
        "uuid": connection.get("uuid"),
        "type": type_word(connection.get("type")),
        "device": connection.get("interface-name"),
        "master": connection.get("controller", connection.get("master")),
        "slave_type": connection.get("port-type", connection.get("slave-type")),
        "fields": {f"{section}.{key}": value for section in config.sections() for key, value in config[section].items()},
    }
    if config.has_section("bond"):
        options = dict(config["bond"])
        row["options"] = options
        row["mode"] = bond_mode(options.get("mode", "balance-rr"))
        if row["mode"] is None:
            warnings.append(f"{source}: [bond] mode: unknown bond mode {options.get('mode')!r}")
    if config.has_section("team") or row["type"] == "team":
        section = config["team"] if config.has_section("team") else {}
        options, runner = team_config(section.get("config"), f"{source}: [team] config", warnings)
        row["options"] = options
        row["mode"] = runner or DEFAULT_TEAM_RUNNER
    if config.has_section("team-port"):
        row["port_config"], _ = team_config(config["team-port"].get("config"), f"{source}: [team-port] config",
                                            warnings)
    for section in ("ethernet", "802-3-ethernet"):
        if config.has_section(section):
            mac = config[section].get("cloned-mac-address") or config[section].get("mac-address")
            row["mac"] = normalize_mac(mac) if mac and is_mac(mac) else mac
    if config.has_section("vlan"):
        row["vlan_id"] = to_int(config["vlan"].get("id"))
        row["vlan_parent"] = config["vlan"].get("parent")

    table = build_table([row], CONNECTION_COLUMNS)
    log.debug("%s: connection %s (%s), mode %s", source, row["name"], row["type"], row.get("mode"))
    return Parsed(kind=KIND, source=source, table=table, meta={"connections": 1}, warnings=warnings)


def _line_of(text: str, needle: str) -> int | None:
    """Return the 1-based number of the first line that equals ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == needle:
            return number
    return None
