"""``teamnl TEAM ports`` text (libteam), read into one row per team port.

The kernel's view of the team's ports: ifindex, name, carrier, speed and
duplex. libteam printed three layouts over the years::

    6: eth2: up 100 fullduplex          older libteam; " changed" or " removed" may follow
     4: eno1: up 10000Mbit FD           current libteam; the first column is "*" (changed) or "-" (removed)
     3: enp0s20f1: up 0Mbit FD          as printed on CentOS 7.0, with a trailing space

>>> table = parse(" 4: eno1: up 10000Mbit FD\\n*6: eno2: down 0Mbit HD\\n").table
>>> [(int(r.ifindex), r.name, bool(r.link_up), str(r.speed), r.duplex, bool(r.changed)) for r in table.itertuples()]
[(4, 'eno1', True, '10000', 'full', False), (6, 'eno2', False, '<NA>', 'half', True)]

``speed`` is NA where the driver reports 0 (unknown, as veth and many virtual
NICs do). The output has no team name; a sos file name
(``teamnl_team0_ports``) gives it when the source is one.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, numbered_lines, where

log = logging.getLogger(__name__)

KIND = "teamnl_ports"

TEAMNL_PORT_COLUMNS: dict[str, str] = {
    "line": "int",
    "ifindex": "int",
    "name": "str",
    "link_up": "bool",
    "speed": "int",  # Mbit/s; NA when reported as 0
    "duplex": "str",  # "full" or "half"
    "changed": "bool",  # the port changed since the previous netlink dump
    "removed": "bool",
}

PORT_RE = re.compile(
    r"^(?P<mark>[ *-]?)\s*(?P<ifindex>\d+): (?P<name>\S+): (?P<link>up|down) (?P<speed>\d+)(?:Mbit)? "
    r"(?P<duplex>FD|HD|fullduplex|halfduplex)(?P<rest>(?: changed| removed)*)\s*$"
)
_SOS_NAME_RE = re.compile(r"teamnl_(\S+?)_ports$")


def detect(text: str) -> bool:
    """Return whether the first lines are ``teamnl ports`` lines."""
    lines = [line for _, line in numbered_lines(text[:4096]) if line.strip()]
    return bool(lines) and all(PORT_RE.match(line) for line in lines[:4])


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse ``teamnl ports`` into one row per port, with a warning for each odd line."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for number, line in numbered_lines(text):
        if not line.strip():
            continue
        match = PORT_RE.match(line)
        if not match:
            excerpt = line.strip()[:60]
            warnings.append(where(source, number, f"expected 'IFINDEX: NAME: up|down SPEED DUPLEX', found {excerpt!r}"))
            continue
        speed = int(match["speed"])
        rows.append(
            {
                "line": number,
                "ifindex": int(match["ifindex"]),
                "name": match["name"],
                "link_up": match["link"] == "up",
                "speed": speed or None,
                "duplex": "full" if match["duplex"] in ("FD", "fullduplex") else "half",
                "changed": match["mark"] == "*" or "changed" in match["rest"],
                "removed": match["mark"] == "-" or "removed" in match["rest"],
            }
        )
    sos_name = _SOS_NAME_RE.search(source.replace("\\", "/").rsplit("/", 1)[-1])
    meta = {"device": sos_name.group(1) if sos_name else None, "ports": len(rows)}
    log.debug("%s: %d team ports, %d warnings", source, len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=build_table(rows, TEAMNL_PORT_COLUMNS), meta=meta,
                  warnings=warnings)
