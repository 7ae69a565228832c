"""``ip -j [-d] [-s] link show`` JSON, read into the same table as the text parser.

A sample with one element, shortened (``-d`` adds ``linkinfo``)::

    [{"ifindex":5,"link_index":2,"ifname":"vnet3","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],
      "mtu":1500,"qdisc":"noqueue","master":"br0","operstate":"UP","link_type":"ether",
      "address":"02:00:00:00:00:05","link_netnsid":0,"promiscuity":1,
      "linkinfo":{"info_kind":"veth","info_slave_kind":"bridge",
                  "info_slave_data":{"state":"forwarding","learning":true,"flood":true}}}]

>>> parsed = parse('[{"ifindex":5,"link_index":2,"ifname":"vnet3","flags":["UP"],'
...                '"link_type":"ether","address":"02:00:00:00:00:05","linkinfo":{"info_kind":"veth",'
...                '"info_slave_kind":"bridge","info_slave_data":{"state":"forwarding","learning":true}}}]')
>>> row = parsed.table.iloc[0]
>>> row["name"], row["link"], int(row["link_ifindex"]), row["kind"], row["slave_kind"], row["port_state"]
('vnet3', 'if2', 2, 'veth', 'bridge_slave', 'forwarding')

``slave_kind`` gets the ``_slave`` suffix that the text output prints, and a
peer known only by ifindex gets ``link`` "ifN" as in the text. ``attributes``
contains ``info_data`` and ``info_slave_data`` (a key in both is kept as
``<slave_kind>.<key>`` for the second) and every top-level key that has no
column. ``stats`` flattens ``stats64`` (or ``stats``) to ``rx_bytes``,
``tx_dropped`` ... A single object, as some tools store one element, is read
as a one-element array.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._json import load_json
from ._link_columns import LINK_COLUMNS, typed_columns
from ._text import build_table, is_mac, normalize_mac, to_int

log = logging.getLogger(__name__)

KIND = "ip_link_json"

# Top-level keys read into columns. Every other key goes to ``attributes``.
_COLUMN_KEYS = {
    "ifindex",
    "ifname",
    "link",
    "link_index",
    "flags",
    "mtu",
    "qdisc",
    "master",
    "operstate",
    "link_type",
    "address",
    "link_netnsid",
    "promiscuity",
    "linkinfo",
    "stats",
    "stats64",
}
_START_RE = re.compile(r'\s*[\[{]\s*\{?\s*"ifindex"\s*:')


def detect(text: str) -> bool:
    """Return whether the start of the text looks like ``ip -j link show`` output."""
    head = text[:4096].lstrip("\ufeff")
    return bool(_START_RE.match(head)) and '"ifname"' in head


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the JSON array into one row per interface, with a warning for each odd element."""
    value, warnings = load_json(text, source, max_depth=1)
    if isinstance(value, dict):
        value = [value]
    elif value is not None and not isinstance(value, list):
        warnings.append(f"{source}: expected a JSON array of interfaces, found {type(value).__name__}")
        value = []
    rows = []
    for position, entry in enumerate(value or [], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("ifname"), str):
            warnings.append(
                f"{source}: element {position}: expected an interface object with 'ifname'. Element skipped."
            )
            continue
        rows.append(_row(entry, position))

    table = build_table(rows, LINK_COLUMNS)
    meta = {
        "interfaces": len(rows),
        "details": any(
            row.get("promiscuity") is not None or row.get("kind") or row.get("slave_kind") for row in rows
        ),
        "stats": any(row.get("stats") for row in rows),
        "oneline": False,
    }
    log.debug("%s: %d interfaces, %d warnings", source, len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _row(entry: dict[str, Any], position: int) -> dict[str, Any]:
    """Convert one interface object into a table row."""
    link_index = to_int(entry.get("link_index"))
    link = entry.get("link")
    if link is None and link_index is not None:
        link = f"if{link_index}"
    address = entry.get("address")
    row: dict[str, Any] = {
        "line": position,
        "ifindex": to_int(entry.get("ifindex")),
        "name": entry.get("ifname"),
        "link": link,
        "link_ifindex": link_index,
        "flags": [str(flag) for flag in _list(entry.get("flags"))],
        "mtu": to_int(entry.get("mtu")),
        "qdisc": entry.get("qdisc"),
        "master": entry.get("master"),
        "operstate": entry.get("operstate"),
        "link_type": entry.get("link_type"),
        "mac": normalize_mac(address) if isinstance(address, str) and is_mac(address) else None,
        "link_netnsid": to_int(entry.get("link_netnsid")),
        "promiscuity": to_int(entry.get("promiscuity")),
    }

    # A damaged file can put any JSON type anywhere, so each value is used only if it has the expected type.
    linkinfo = _object(entry.get("linkinfo"))
    kind = _string(linkinfo.get("info_kind"))
    slave_kind = _string(linkinfo.get("info_slave_kind"))
    if slave_kind:
        slave_kind = f"{slave_kind}_slave"
    kind_data = _object(linkinfo.get("info_data"))
    slave_data = _object(linkinfo.get("info_slave_data"))
    row["kind"] = kind
    row["slave_kind"] = slave_kind
    row.update(typed_columns(kind, kind_data, slave_kind, slave_data))

    attributes = {key: value for key, value in entry.items() if key not in _COLUMN_KEYS}
    if address is not None:
        attributes["address"] = address
    attributes.update(kind_data)
    for key, value in slave_data.items():
        attributes[f"{slave_kind}.{key}" if key in attributes and attributes[key] != value else key] = value
    row["attributes"] = attributes
    row["stats"] = _flatten_stats(entry.get("stats64") or entry.get("stats"))
    return row


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _flatten_stats(stats: Any) -> dict[str, Any] | None:
    """Flatten ``{"rx": {"bytes": 1}, "tx": {...}}`` to ``{"rx_bytes": 1, ...}``."""
    if not isinstance(stats, dict):
        return None
    flat: dict[str, Any] = {}
    for direction, counters in stats.items():
        if isinstance(counters, dict):
            for name, value in counters.items():
                flat[f"{direction}_{name}"] = value
        else:
            flat[direction] = counters
    return flat or None
