"""``brctl show [BRIDGE]`` text (bridge-utils), read into one row per bridge and port.

bridge-utils prints a tab-separated table and puts each further port of a
bridge on a line of its own, indented by tabs. A bridge without ports has no
interface column. A sample::

    bridge name	bridge id		STP enabled	interfaces
    br0		8000.020000000001	no		eth1
    							vnet0
    docker0		8000.0242ac110001	no

>>> table = parse("bridge name\\tbridge id\\t\\tSTP enabled\\tinterfaces\\n"
...               "br0\\t\\t8000.020000000001\\tno\\t\\teth1\\n\\t\\t\\t\\t\\t\\t\\tvnet0\\n").table
>>> [(r.bridge, r.interface, bool(r.stp_enabled), r.bridge_mac) for r in table.itertuples()]
[('br0', 'eth1', False, '02:00:00:00:00:01'), ('br0', 'vnet0', False, '02:00:00:00:00:01')]

Some tools expand the tabs to spaces; the columns are then read by words, as
names and bridge ids contain no spaces. A bridge without ports gets one row
with ``interface`` None. Error lines that brctl prints for one bridge ("can't
get info Operation not supported") become warnings.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, numbered_lines, to_bool, where

log = logging.getLogger(__name__)

KIND = "brctl_show"

BRCTL_SHOW_COLUMNS: dict[str, str] = {
    "line": "int",
    "bridge": "str",
    "bridge_id": "str",  # as printed: priority in hex, a dot, the MAC without colons
    "bridge_priority": "int",
    "bridge_mac": "str",
    "stp_enabled": "optbool",
    "interface": "str",  # None for a bridge without ports
}

HEADER_RE = re.compile(r"^bridge name\s+bridge id\s+STP enabled\s+interfaces\s*$")
BRIDGE_ID_RE = re.compile(r"^([0-9a-fA-F]{4})\.([0-9a-fA-F]{12})$")


def detect(text: str) -> bool:
    """Return whether the text starts with the ``brctl show`` header."""
    for _, line in numbered_lines(text[:4096]):
        if line.strip():
            return bool(HEADER_RE.match(line.strip()))
    return False


def split_bridge_id(bridge_id: str) -> tuple[int | None, str | None]:
    """Split a bridge id such as ``8000.0242ac110001`` into the priority and the MAC address."""
    match = BRIDGE_ID_RE.match(bridge_id)
    if not match:
        return None, None
    digits = match.group(2).lower()
    return int(match.group(1), 16), ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse ``brctl show`` into one row per bridge port, with a warning for each odd line."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    current: dict[str, Any] | None = None
    for number, line in numbered_lines(text):
        if not line.strip() or HEADER_RE.match(line.strip()):
            continue
        tokens = line.split()
        if line[0].isspace():
            if current is None or len(tokens) != 1:
                warnings.append(where(source, number, f"expected one port name under a bridge, found {line.strip()!r}"))
                continue
            _add_port(rows, current, tokens[0], number)
            continue
        if len(tokens) not in (3, 4) or to_bool(tokens[2]) is None:
            warnings.append(where(source, number, f"not a bridge line: {_excerpt(line)!r}. Line skipped."))
            current = None
            continue
        priority, mac = split_bridge_id(tokens[1])
        if mac is None:
            warnings.append(where(source, number, f"invalid bridge id {tokens[1]!r} for bridge {tokens[0]}"))
        current = {
            "line": number,
            "bridge": tokens[0],
            "bridge_id": tokens[1],
            "bridge_priority": priority,
            "bridge_mac": mac,
            "stp_enabled": to_bool(tokens[2]),
            "interface": None,
        }
        rows.append(dict(current))
        if len(tokens) == 4:
            rows[-1]["interface"] = tokens[3]

    table = build_table(rows, BRCTL_SHOW_COLUMNS)
    meta = {"bridges": sorted({row["bridge"] for row in rows})}
    log.debug("%s: %d bridges, %d rows, %d warnings", source, len(meta["bridges"]), len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _add_port(rows: list[dict[str, Any]], bridge: dict[str, Any], name: str, number: int) -> None:
    """Add a port to the bridge, filling the bridge's first row when it has no port yet."""
    last = rows[-1]
    if last["bridge"] == bridge["bridge"] and last["interface"] is None:
        last["interface"] = name
        return
    rows.append(dict(bridge, line=number, interface=name))


def _excerpt(line: str) -> str:
    """Shorten a line for a warning."""
    line = line.strip()
    return line if len(line) <= 60 else line[:57] + "..."
