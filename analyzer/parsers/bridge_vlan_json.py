"""``bridge -j [-d] [-c] vlan show`` JSON, read into the columns of ``bridge vlan show``.

Current iproute2 prints an array with one object per port. A range of VLANs
with the same flags is one item with ``vlanEnd`` (always with ``-c``)::

    [{"ifname": "eth1", "vlans": [{"vlan": 1, "flags": ["PVID", "Egress Untagged"]},
                                 {"vlan": 20, "vlanEnd": 22}]}]

>>> table = parse('[{"ifname": "eth1", "vlans": [{"vlan": 1, "flags": ["PVID", "Egress Untagged"]},'
...               ' {"vlan": 20, "vlanEnd": 22}]}]').table
>>> [(r.port, int(r.vlan), int(r.vlan_end), bool(r.pvid), bool(r.untagged)) for r in table.itertuples()]
[('eth1', 1, 1, True, True), ('eth1', 20, 22, False, False)]

Older iproute2 releases printed one object keyed by port name instead
(``{"eth1": [{"vlan": 1, ...}]}``), and both layouts are read. ``-d`` adds a per-VLAN STP
``state``, and ``bridge -j vlan tunnelshow`` prints ``tunnels`` items with
``tunid``, kept in ``tunnel_id``. ``line`` is the port's position in the
array (1-based). A cut-off document is read as far as it goes.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._json import load_json
from ._text import build_table, to_int
from .bridge_vlan import BRIDGE_VLAN_COLUMNS, MAX_VLAN

log = logging.getLogger(__name__)

KIND = "bridge_vlan_json"

# The layout of older iproute2 releases: an object of port names, each with a list of VLAN items.
_OLD_LAYOUT_RE = re.compile(r'\{\s*"[^"]+"\s*:\s*\[\s*\{\s*"vlan"\s*:')


def detect(text: str) -> bool:
    """Return whether the start of the text looks like ``bridge -j vlan show`` output."""
    head = text[:4096].lstrip("\ufeff").lstrip()
    if head.startswith("["):
        return '"ifname"' in head and ('"vlans"' in head or '"tunnels"' in head)
    return bool(_OLD_LAYOUT_RE.match(head))


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the JSON into one row per port and VLAN (or VLAN range)."""
    value, warnings = load_json(text, source)
    ports: list[tuple[int, str, Any]] = []
    if isinstance(value, list):
        for position, item in enumerate(value, start=1):
            if not isinstance(item, dict) or not isinstance(item.get("ifname"), str):
                warnings.append(f"{source}: item {position}: expected an object with 'ifname', found {str(item)[:60]!r}")
                continue
            items = item.get("vlans", item.get("tunnels", []))
            ports.append((position, item["ifname"], items))
    elif isinstance(value, dict):
        ports = [(position, name, items) for position, (name, items) in enumerate(value.items(), start=1)]
    elif value is not None:
        warnings.append(f"{source}: expected a JSON array or object, found {type(value).__name__}")

    rows: list[dict[str, Any]] = []
    for position, name, items in ports:
        if not isinstance(items, list):
            warnings.append(f"{source}: port {name}: expected a list of VLANs, found {type(items).__name__}")
            continue
        for index, item in enumerate(items):
            row = _vlan_row(item, name, position, source, f"port {name}, VLAN item {index + 1}", warnings)
            if row:
                rows.append(row)
    table = build_table(rows, BRIDGE_VLAN_COLUMNS)
    log.debug("%s: %d ports, %d VLAN rows, %d warnings", source, len(ports), len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta={"ports": len(ports)}, warnings=warnings)


def _vlan_row(item: Any, port: str, position: int, source: str, place: str, warnings: list[str]) -> dict | None:
    """Convert one VLAN item, or add a warning and return None when it has no valid VLAN id."""
    if not isinstance(item, dict):
        warnings.append(f"{source}: {place}: expected an object, found {item!r}")
        return None
    first = to_int(item.get("vlan"))
    last = to_int(item.get("vlanEnd", first))
    if first is None or last is None or not 0 <= first <= last <= MAX_VLAN:
        warnings.append(f"{source}: {place}: invalid VLAN {item.get('vlan')!r}-{item.get('vlanEnd')!r}")
        return None
    flags = item.get("flags") if isinstance(item.get("flags"), list) else []
    return {
        "line": position,
        "port": port,
        "vlan": first,
        "vlan_end": last,
        "pvid": "PVID" in flags,
        "untagged": "Egress Untagged" in flags,
        "state": item.get("state") if isinstance(item.get("state"), str) else None,
        "tunnel_id": to_int(item.get("tunid")),
    }
