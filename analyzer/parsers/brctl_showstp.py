"""``brctl showstp BRIDGE`` text (bridge-utils): the bridge's STP settings in ``meta``, one row per port.

bridge-utils prints the bridge name, an indented block of ``name value``
pairs (two a line, separated by tabs), then one block per port headed
``NAME (PORT_NO)``. A shortened sample::

    br0
     bridge id		8000.020000000001
     designated root	8000.020000000001
     root port		   0			path cost		   0
     ageing time		 300.00
     flags

    eth1 (1)
     port id		8001			state		     forwarding
     designated root	8000.020000000001	path cost		   4
     flags

>>> parsed = parse("br0\\n bridge id\\t\\t8000.020000000001\\n ageing time\\t\\t 300.00\\n\\n"
...                "eth1 (1)\\n port id\\t\\t8001\\t\\t\\tstate\\t\\t     forwarding\\n flags\\t\\t\\t\\n")
>>> parsed.meta["bridge"], parsed.meta["ageing_time"], parsed.meta["bridge_mac"]
('br0', 300.0, '02:00:00:00:00:01')
>>> row = parsed.table.iloc[0]
>>> row["port"], int(row["port_no"]), row["state"], row["port_id"]
('eth1', 1, 'forwarding', '8001')

Names and values are split at tabs or runs of two spaces, so outputs whose
tabs were expanded read the same. Keys become snake case (``path cost`` ->
``path_cost``); timers and costs become numbers. ``flags`` is a list of the
words printed (``TOPOLOGY_CHANGE`` ...). Keys of forks such as Cumulus
Linux's (``mc snooping``, ``hash max`` ...) are kept in ``meta`` as well. A
cut-off output is read as far as it goes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, numbered_lines, to_float, where
from .brctl_show import split_bridge_id

log = logging.getLogger(__name__)

KIND = "brctl_showstp"

BRCTL_SHOWSTP_COLUMNS: dict[str, str] = {
    "line": "int",
    "port": "str",
    "port_no": "int",
    "port_id": "str",  # hex, as printed: port priority and number
    "state": "str",  # disabled, listening, learning, forwarding, blocking
    "designated_root": "str",
    "path_cost": "int",
    "designated_bridge": "str",
    "designated_port": "str",
    "designated_cost": "int",
    "message_age_timer": "float",
    "forward_delay_timer": "float",
    "hold_timer": "float",
    "hairpin_mode": "optbool",  # printed by some bridge-utils versions only
    "flags": "object",
    "attributes": "object",  # every key and value of the port block as printed
}

_PORT_HEADER_RE = re.compile(r"^(\S+) \((\d+)\)\s*$")
_SPLIT_RE = re.compile(r"\t+|\s{2,}")
_STRING_KEYS = {"bridge_id", "designated_root", "designated_bridge", "designated_port", "port_id", "state"}


def detect(text: str) -> bool:
    """Return whether the text starts with a bridge name followed by `` bridge id``."""
    lines = [line for _, line in numbered_lines(text[:4096]) if line.strip()]
    return (
        len(lines) >= 2
        and len(lines[0].split()) == 1
        and lines[1].startswith((" bridge id", "\tbridge id"))
    )


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse ``brctl showstp`` into bridge settings in ``meta`` and one row per port."""
    warnings: list[str] = []
    meta: dict[str, Any] = {"bridge": None}
    rows: list[dict[str, Any]] = []
    block: dict[str, Any] | None = None  # None while in the bridge's own block
    for number, line in numbered_lines(text):
        if not line.strip():
            continue
        header = _PORT_HEADER_RE.match(line)
        if header:
            block = {"line": number, "port": header.group(1), "port_no": int(header.group(2)), "attributes": {}}
            rows.append(block)
            continue
        if not line[0].isspace():
            if meta["bridge"] is None and block is None and len(line.split()) == 1:
                meta["bridge"] = line.strip()
            else:
                warnings.append(where(source, number, f"unexpected line {line.strip()[:60]!r}. Line skipped."))
            continue
        if meta["bridge"] is None and block is None and len(line.split()) == 1 and not rows:
            # Cumulus Linux indents the bridge name by one space.
            meta["bridge"] = line.strip()
            continue
        pairs = _read_pairs(line, number, source, warnings)
        target = meta if block is None else block["attributes"]
        target.update(pairs)

    for row in rows:
        attributes = row["attributes"]
        for key, value in attributes.items():
            if key in BRCTL_SHOWSTP_COLUMNS:
                row[key] = value
        if "hairpin_mode" in attributes:
            row["hairpin_mode"] = bool(attributes["hairpin_mode"])
    if "bridge_id" in meta:
        meta["bridge_priority"], meta["bridge_mac"] = split_bridge_id(str(meta["bridge_id"]))
    table = build_table(rows, BRCTL_SHOWSTP_COLUMNS)
    log.debug("%s: bridge %s, %d ports, %d warnings", source, meta["bridge"], len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _read_pairs(line: str, number: int, source: str, warnings: list[str]) -> dict[str, Any]:
    """Read the ``name value`` pairs of one indented line."""
    parts = [part for part in _SPLIT_RE.split(line.strip()) if part]
    result: dict[str, Any] = {}
    i = 0
    while i < len(parts):
        key = parts[i].strip().lower().replace(" ", "_")
        if key == "flags":
            # The flags are the last item of a line, separated by single spaces.
            result["flags"] = " ".join(parts[i + 1 :]).split()
            break
        if i + 1 >= len(parts):
            warnings.append(where(source, number, f"no value for {parts[i]!r}"))
            break
        result[key] = _convert(key, parts[i + 1].strip())
        i += 2
    return result


def _convert(key: str, value: str) -> Any:
    """Convert a value to int or float unless it is an id or a state."""
    if key in _STRING_KEYS:
        return value
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    number = to_float(value)
    return number if number is not None else value
