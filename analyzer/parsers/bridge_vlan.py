"""``bridge [-d] [-c] vlan show`` text, read into one row per port and VLAN (or VLAN range).

A sample as iproute2 6.1 prints it; ``-d`` adds the indented ``state`` lines,
and a port's further VLANs follow on lines of their own::

    port              vlan-id
    tap101i0          40 PVID Egress Untagged
                        state forwarding mcast_router 1
    eno1              1 PVID Egress Untagged
                      40
                      50-52

Older iproute2 prints ``port\\tvlan ids`` as the header and a tab before each
VLAN. ``bridge vlan tunnelshow`` adds a tunnel id column, kept in
``tunnel_id``.

>>> table = parse("port  vlan-id\\neno1  1 PVID Egress Untagged\\n      40\\n").table
>>> [(r.port, int(r.vlan), bool(r.pvid), bool(r.untagged)) for r in table.itertuples()]
[('eno1', 1, True, True), ('eno1', 40, False, False)]
"""

from __future__ import annotations

import re

from . import Parsed
from ._text import build_table, numbered_lines, to_int, where

KIND = "bridge_vlan"

BRIDGE_VLAN_COLUMNS = {
    "line": "int",
    "port": "str",
    "vlan": "int",
    "vlan_end": "int",  # last VLAN of a range such as 50-52; equal to vlan otherwise
    "pvid": "bool",
    "untagged": "bool",
    "state": "str",  # per-VLAN STP state from -d, where printed
    "tunnel_id": "int",
}

HEADER = re.compile(r"^port\s+vlan[- ]ids?\b", re.IGNORECASE)
VLAN_TOKEN = re.compile(r"^(\d{1,4})(?:-(\d{1,4}))?$")
MAX_VLAN = 4095


def detect(text: str) -> bool:
    for _, line in numbered_lines(text):
        if line.strip():
            return bool(HEADER.match(line.strip()))
    return False


def _vlan_row(tokens: list[str], port: str, number: int, source: str, warnings: list[str]) -> dict | None:
    match = VLAN_TOKEN.match(tokens[0])
    if not match:
        warnings.append(where(source, number, f"expected a VLAN id, found {tokens[0]!r}"))
        return None
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if not 0 <= first <= last <= MAX_VLAN:
        warnings.append(where(source, number, f"VLAN range {tokens[0]!r} is outside 0-{MAX_VLAN}"))
        return None
    rest = " ".join(tokens[1:])
    row = {"line": number, "port": port, "vlan": first, "vlan_end": last,
           "pvid": "PVID" in rest.split(), "untagged": "Untagged" in rest.split()}
    leftover = [t for t in tokens[1:] if t not in ("PVID", "Egress", "Untagged")]
    if leftover and to_int(leftover[0]) is not None and len(leftover) == 1:
        row["tunnel_id"] = to_int(leftover[0])
    elif leftover:
        warnings.append(where(source, number, f"unknown words after the VLAN id: {' '.join(leftover)!r}"))
    return row


def parse(text: str, source: str = "<text>") -> Parsed:
    rows: list[dict] = []
    warnings: list[str] = []
    port = None
    for number, line in numbered_lines(text):
        if not line.strip():
            continue
        if HEADER.match(line.strip()):
            port = None
            continue
        tokens = line.split()
        if tokens[0] == "state" and not line[0].isspace():
            warnings.append(where(source, number, "a state line before any port"))
            continue
        if line[0].isspace():
            if tokens[0] == "state":
                if rows:
                    rows[-1]["state"] = tokens[1] if len(tokens) > 1 else None
                continue
            if port is None:
                warnings.append(where(source, number, "a VLAN line before any port"))
                continue
            row = _vlan_row(tokens, port, number, source, warnings)
        else:
            port = tokens[0]
            if len(tokens) == 1 or tokens[1] == "None":
                continue
            row = _vlan_row(tokens[1:], port, number, source, warnings)
        if row:
            rows.append(row)
    return Parsed(kind=KIND, source=source, table=build_table(rows, BRIDGE_VLAN_COLUMNS), warnings=warnings)
