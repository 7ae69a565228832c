"""``brctl showmacs BRIDGE`` text (bridge-utils), read into one row per FDB entry.

brctl names ports by their bridge port number, not by name. A sample as
bridge-utils 1.7 prints it (tab-separated; the timer is in seconds)::

    port no	mac addr		is local?	ageing timer
      1	02:00:00:00:00:01	yes		   0.00
      2	52:54:00:00:00:02	no		  12.34

>>> table = parse("port no\\tmac addr\\t\\tis local?\\tageing timer\\n"
...               "  2\\t52:54:00:00:00:02\\tno\\t\\t  12.34\\n").table
>>> [(int(r.port_no), r.mac, bool(r.is_local), float(r.ageing_timer)) for r in table.itertuples()]
[(2, '52:54:00:00:00:02', False, 12.34)]

The output names neither the bridge nor the VLAN: on a VLAN-aware bridge the
same MAC appears once per VLAN, as rows that differ in nothing. The bridge
name is taken from a sos file name (``brctl_showmacs_br0``) when the source
is one. ``port_names`` maps the port numbers to interface names with the
output of ``brctl showstp``, ``ip -d link`` (``port_no``) or kernel log lines
(``port 1(eth1)``) of the same bridge.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from . import Parsed
from ._text import build_table, is_mac, normalize_mac, numbered_lines, to_bool, to_float, to_int, where

log = logging.getLogger(__name__)

KIND = "brctl_showmacs"

BRCTL_SHOWMACS_COLUMNS: dict[str, str] = {
    "line": "int",
    "port_no": "int",  # bridge port number, as in "brctl showstp" and "port N(name)" kernel lines
    "mac": "str",
    "is_local": "bool",  # the bridge's own or a port's address (permanent entry)
    "ageing_timer": "float",  # seconds since the entry was last refreshed
}

HEADER_RE = re.compile(r"^port no\s+mac addr\s+is local\?\s+ageing timer\s*$")
_SOS_NAME_RE = re.compile(r"brctl_showmacs_(\S+?)$")


def detect(text: str) -> bool:
    """Return whether the text starts with the ``brctl showmacs`` header."""
    for _, line in numbered_lines(text[:4096]):
        if line.strip():
            return bool(HEADER_RE.match(line.strip()))
    return False


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse ``brctl showmacs`` into one row per entry, with a warning for each odd line."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for number, line in numbered_lines(text):
        body = line.strip()
        if not body or HEADER_RE.match(body):
            continue
        tokens = body.split()
        port_no = to_int(tokens[0])
        if len(tokens) != 4 or port_no is None or not is_mac(tokens[1]) or to_bool(tokens[2]) is None:
            excerpt = body if len(body) <= 60 else body[:57] + "..."
            warnings.append(
                where(source, number, f"expected 'PORT MAC yes|no TIMER', found {excerpt!r}. Line skipped.")
            )
            continue
        timer = to_float(tokens[3])
        if timer is None:
            warnings.append(where(source, number, f"invalid ageing timer {tokens[3]!r} for {tokens[1]}"))
        rows.append(
            {
                "line": number,
                "port_no": port_no,
                "mac": normalize_mac(tokens[1]),
                "is_local": to_bool(tokens[2]),
                "ageing_timer": timer,
            }
        )
    table = build_table(rows, BRCTL_SHOWMACS_COLUMNS)
    sos_name = _SOS_NAME_RE.search(source.replace("\\", "/").rsplit("/", 1)[-1])
    meta = {"bridge": sos_name.group(1) if sos_name else None, "entries": len(rows)}
    log.debug("%s: %d FDB entries, %d warnings", source, len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def port_names(bridge: str | None, outputs: Iterable[Parsed]) -> dict[int, str]:
    """Map the bridge's port numbers to interface names, from any outputs that print both.

    Reads ``brctl_showstp`` (the port blocks), ``ip_link`` and ``ip_link_json``
    (``port_no`` of a bridge_slave whose master is the bridge) and
    ``kernel_log`` (``BRIDGE: port N(NAME) entered ... state``). With
    ``bridge`` None, outputs that name a bridge are all used, which is right
    only when the case has a single bridge. The last mention of a number wins.
    """
    names: dict[int, str] = {}
    for parsed in outputs:
        if parsed.kind == "brctl_showstp":
            if bridge is None or parsed.meta.get("bridge") in (None, bridge):
                for row in parsed.table.itertuples():
                    if not pd.isna(row.port_no):
                        names[int(row.port_no)] = row.port
        elif parsed.kind in ("ip_link", "ip_link_json"):
            names.update(_names_from_ip_link(parsed.table, bridge))
        elif parsed.kind == "kernel_log":
            events = parsed.table[parsed.table["port_no"].notna()]
            if bridge is not None:
                events = events[events["device"] == bridge]
            for row in events.itertuples():
                names[int(row.port_no)] = row.port
    return names


def name_ports(parsed: Parsed, outputs: Iterable[Parsed]) -> pd.Series:
    """Return the interface name of each row of a showmacs table, None where no output names the port."""
    names = port_names(parsed.meta.get("bridge"), outputs)
    return pd.Series([names.get(int(n)) if not pd.isna(n) else None for n in parsed.table["port_no"]],
                     index=parsed.table.index, dtype=object)


def _names_from_ip_link(table: pd.DataFrame, bridge: str | None) -> dict[int, str]:
    """Read the port number of each port of the bridge from an ``ip -d link`` table."""
    names: dict[int, str] = {}
    if "attributes" not in table or "name" not in table:
        return names
    for name, master, attributes in zip(table["name"], table.get("master", [None] * len(table)),
                                        table["attributes"]):
        if not isinstance(attributes, dict) or (bridge is not None and master != bridge):
            continue
        # The text output prints "port_no 0x1"; the JSON output names the key "no".
        port_no = to_int(attributes.get("port_no", attributes.get("no")))
        if port_no is not None:
            names[port_no] = name
    return names
