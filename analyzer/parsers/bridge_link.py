"""``bridge [-d] link show`` text, read into one row per bridge port.

A sample as iproute2 6.1 prints it, where ``-d`` adds the indented second line::

    7: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master br0 state forwarding priority 32 cost 4
        hairpin off guard off root_block off fastleave off learning on flood on mcast_flood on bcast_flood on ...
    9: vnet4@if2: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 master br0 state disabled priority 32 cost 100

>>> parsed = parse('''7: eth1: <BROADCAST,UP> mtu 1500 master br0 state forwarding priority 32 cost 4
...     hairpin on learning off''')
>>> row = parsed.table.iloc[0]
>>> row["name"], row["master"], row["state"], int(row["cost"]), bool(row["hairpin"]), bool(row["learning"])
('eth1', 'br0', 'forwarding', 4, True, False)

iproute2 before 4.x printed the operational state before the colon, and a
veth peer after it: ``6: veth0 state UP : <...>``, ``10: br-veth0 state UP
@br-veth1: <...>``. That state goes to ``operstate``. Option names are
lowercased (one iproute2 version printed ``Vlan_tunnel``). ``attributes``
contains every key and value after the flags and on the ``-d`` line as printed.

NOTE: for a veth whose peer is in another netns, iproute2 6.1's ``bridge``
looks the peer's ifindex up in its own netns, so ``link`` may name an
unrelated local interface (``v0@br0`` where ``ip link`` prints ``v0@if2``).
Take peers from ``ip -d link`` instead.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, numbered_lines, parse_pairs, to_bool, to_int, where

log = logging.getLogger(__name__)

KIND = "bridge_link"

BRIDGE_LINK_COLUMNS: dict[str, str] = {
    "line": "int",
    "ifindex": "int",
    "name": "str",
    "link": "str",  # after "@": a parent name or "ifN"
    "link_ifindex": "int",
    "operstate": "str",  # only in the layout of iproute2 before 4.x
    "flags": "object",
    "mtu": "int",
    "master": "str",
    "state": "str",  # STP port state: disabled, listening, learning, forwarding, blocking
    "priority": "int",
    "cost": "int",
    "hairpin": "optbool",
    "guard": "optbool",
    "root_block": "optbool",
    "fastleave": "optbool",
    "learning": "optbool",
    "flood": "optbool",
    "mcast_flood": "optbool",
    "bcast_flood": "optbool",
    "mcast_to_unicast": "optbool",
    "neigh_suppress": "optbool",
    "vlan_tunnel": "optbool",
    "isolated": "optbool",
    "locked": "optbool",
    "attributes": "object",
}
_DETAIL_BOOLS = [name for name, kind in BRIDGE_LINK_COLUMNS.items() if kind == "optbool"]

HEADER_RE = re.compile(
    r"^(?:\[LINK\])?(?:Deleted\s+)?(\d+):\s+([^\s:@]+)"
    r"(?:\s+state\s+(\S+)\s*)?"
    r"(?:@([^\s:]+))?\s*:\s+<([^>]*)>\s*(.*)$"
)
_ONELINE_BREAK_RE = re.compile(r"\\(?=\s)")


def detect(text: str) -> bool:
    """Return whether the start of the text looks like ``bridge link show`` output."""
    lines = [line for _, line in numbered_lines(text[:4096]) if line.strip()]
    if not lines:
        return False
    first = lines[0]
    header = HEADER_RE.match(first)
    # "ip link" prints the same header with a qdisc and a link/ line.
    if not header or " qdisc " in first or "link/" in first:
        return False
    rest = header.group(6)
    return " master " in f" {rest}" and " state " in f" {rest}"


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse ``bridge link`` text into one row per port, with a warning for each odd line."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for number, raw in numbered_lines(text):
        for part in _ONELINE_BREAK_RE.split(raw) if HEADER_RE.match(raw) else [raw]:
            if not part.strip():
                continue
            header = HEADER_RE.match(part)
            if header:
                rows.append(_header_row(header, number))
            elif part[0].isspace() and rows:
                _read_details(rows[-1], part.split())
            else:
                excerpt = part if len(part) <= 60 else part[:57] + "..."
                warnings.append(where(source, number, f"not a bridge port line: {excerpt!r}. Line skipped."))

    for row in rows:
        attributes = row["attributes"]
        for name in _DETAIL_BOOLS:
            row[name] = to_bool(attributes.get(name))
    table = build_table(rows, BRIDGE_LINK_COLUMNS)
    meta = {"ports": len(rows), "details": any(row.get("hairpin") is not None for row in rows)}
    log.debug("%s: %d bridge ports, %d warnings", source, len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _header_row(header: re.Match, number: int) -> dict[str, Any]:
    """Build the row of one port from its first line."""
    ifindex, name, operstate, link, flags, rest = header.groups()
    attributes = {key.lower(): value for key, value in parse_pairs(rest.split()).items()}
    return {
        "line": number,
        "ifindex": int(ifindex),
        "name": name,
        "link": link,
        "link_ifindex": to_int(link[2:]) if link and link.startswith("if") else None,
        "operstate": operstate,
        "flags": [flag for flag in flags.split(",") if flag],
        "mtu": to_int(attributes.get("mtu")),
        "master": attributes.get("master"),
        "state": attributes.get("state"),
        "priority": to_int(attributes.get("priority")),
        "cost": to_int(attributes.get("cost")),
        "attributes": attributes,
    }


def _read_details(row: dict[str, Any], tokens: list[str]) -> None:
    """Add the ``-d`` options of a port to its attributes."""
    for key, value in parse_pairs(tokens).items():
        row["attributes"][key.lower()] = value
