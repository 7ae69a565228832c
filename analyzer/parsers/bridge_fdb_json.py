"""``bridge -j [-s] fdb show`` JSON, read into the same table as the text parser.

iproute2 prints one array with an object per FDB entry. A sample (``-s``
adds ``used`` and ``updated`` in seconds, and ``state`` is "" for a
learned entry)::

    [{"mac":"02:00:00:00:00:01","ifname":"eth1","vlan":1,"used":3,"updated":1,
      "flags":[],"master":"br0","state":""},
     {"mac":"33:33:00:00:00:01","ifname":"eth1","flags":["self"],"state":"permanent"}]

>>> parsed = parse('[{"mac":"02:00:00:00:00:01","ifname":"eth1","used":3,"updated":1,'
...                '"flags":["extern_learn"],"master":"br0","state":""}]')
>>> row = parsed.table.iloc[0]
>>> row["dev"], row["master"], bool(row["extern_learn"]), float(row["updated"]), parsed.warnings
('eth1', 'br0', True, 1.0, [])

The ``line`` column contains the 1-based position of the entry in the array,
because ``bridge -j`` prints the whole array on one line. A cut-off array is
read up to its last complete entry.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._json import load_json
from ._text import build_table, is_mac, normalize_mac, shorten, to_float, to_int
from .bridge_fdb import FDB_COLUMNS, FLAGS, MAX_AGE, STATES

log = logging.getLogger(__name__)

KIND = "bridge_fdb_json"

# JSON keys printed by iproute2's print_fdb, mapped to the column and the converter.
_KEYS = {
    "ifname": ("dev", str),
    "dev": ("dev", str),  # name of the key before iproute2 4.15
    "dst": ("dst", str),
    "vlan": ("vlan", to_int),
    "port": ("port", to_int),
    "vni": ("vni", to_int),
    "src_vni": ("src_vni", to_int),
    "viaIf": ("via", str),
    "viaIfIndex": ("via_ifindex", to_int),
    "nhid": ("nhid", to_int),
    "linkNetNsId": ("link_netnsid", to_int),
    "used": ("used", to_float),
    "updated": ("updated", to_float),
    "master": ("master", str),
}

# iproute2 prints "mac" first, or "deleted" ("opCode" before 4.15) for a monitor event.
_START_RE = re.compile(r'\s*\[\s*\{\s*"(mac|deleted|opCode)"\s*:')


def detect(text: str) -> bool:
    """Return whether the start of the text looks like ``bridge -j fdb show`` output."""
    return bool(_START_RE.match(text[:4096].lstrip("\ufeff")))


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the JSON array into one row per FDB entry, with a warning for each odd entry or key."""
    value, warnings = load_json(text, source, max_depth=1)
    rows: list[dict[str, Any]] = []
    if value is not None and not isinstance(value, list):
        warnings.append(f"{source}: expected a JSON array of FDB entries, found {type(value).__name__}")
        value = []
    for position, entry in enumerate(value or [], start=1):
        row = _parse_entry(entry, position, source, warnings)
        if row is not None:
            rows.append(row)

    table = build_table(rows, FDB_COLUMNS)
    meta = {
        "entries": len(rows),
        "dev_omitted": bool(rows) and all(row.get("dev") is None for row in rows),
        "has_timers": any(row.get("used") is not None for row in rows),
    }
    log.debug("%s: %d FDB entries, %d warnings", source, len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _parse_entry(entry: Any, position: int, source: str, warnings: list[str]) -> dict[str, Any] | None:
    """Convert one array element, or add a warning and return None when it is not an FDB entry."""
    label = f"{source}: entry {position}"
    if not isinstance(entry, dict):
        warnings.append(f"{label}: expected an object, found {type(entry).__name__}. Entry skipped.")
        return None
    mac = entry.get("mac")
    if not isinstance(mac, str) or not is_mac(mac):
        warnings.append(f"{label}: missing or invalid 'mac' {shorten(repr(mac))}. Entry skipped.")
        return None

    row: dict[str, Any] = {"line": position, "mac": normalize_mac(mac), "state": ""}
    for key, value in entry.items():
        if key == "mac":
            continue
        if key in _KEYS:
            column, convert = _KEYS[key]
            row[column] = convert(value)
            if column in ("used", "updated") and row[column] is not None and not 0 <= row[column] <= MAX_AGE:
                warnings.append(f"{label} ({row['mac']}): invalid {key!r} age {shorten(repr(value))}, expected "
                                f"whole seconds up to {MAX_AGE:.0f}. The rest of the entry was read.")
                row[column] = None
        elif key == "flags":
            _read_flags(row, value, label, warnings)
        elif key == "state":
            row["state"] = _read_state(value, label, warnings)
        elif key == "deleted" or (key == "opCode" and value == "deleted"):
            row["deleted"] = bool(value)
        elif key in FLAGS and value is True:
            row[key] = True
        else:
            warnings.append(
                f"{label} ({row['mac']}): unknown key {shorten(repr(key))} = {shorten(repr(value))}. "
                "The rest of the entry was read."
            )
    return row


def _read_flags(row: dict[str, Any], flags: Any, label: str, warnings: list[str]) -> None:
    """Set the flag columns from the ``flags`` list. NTF_MASTER ("master") has no column."""
    if not isinstance(flags, list):
        warnings.append(f"{label}: 'flags' is not a list: {flags!r}")
        return
    for flag in flags:
        if isinstance(flag, str) and flag in FLAGS:
            row[flag] = True
        elif flag != "master":
            warnings.append(f"{label} ({row['mac']}): unknown flag {flag!r}. The rest of the entry was read.")


def _read_state(state: Any, label: str, warnings: list[str]) -> str:
    """Return the state word, and add a warning when it is not one of the known states."""
    text = str(state)
    if text and text not in STATES:
        warnings.append(f"{label}: unusual neighbour state {text!r} kept as printed")
    return text
