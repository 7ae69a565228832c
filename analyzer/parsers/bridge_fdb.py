"""``bridge [-s] [-d] fdb show [br BRIDGE] [dev DEV]`` text, read into one row per FDB entry.

Also reads ``bridge [-t] monitor fdb`` output (``Deleted`` prefix,
``Timestamp:`` lines, ``[NEIGH]`` banners). With ``dev DEV`` iproute2 leaves
out the ``dev`` word, and ``-s`` adds ``used U/V``. A sample as iproute2 6.1
prints it (a learned entry ends with a space, where the empty state would be)::

    02:00:00:00:00:01 dev eth1 vlan 1 used 3/1 master br0
    02:00:00:00:00:02 dev eth1 master br0 permanent
    02:00:00:00:00:02 dev eth1 self permanent
    00:00:00:00:00:00 dev vx0 dst 192.0.2.2 vni 10 self permanent

>>> parsed = parse("02:00:00:00:00:01 dev eth1 vlan 1 used 3/1 master br0 \\n")
>>> row = parsed.table.iloc[0]
>>> row["dev"], int(row["vlan"]), row["master"], bool(row["self"]), row["state"], float(row["used"])
('eth1', 1, 'br0', False, '', 3.0)

Token order in iproute2's ``print_fdb`` (bridge/fdb.c): MAC, ``dev``, ``dst``,
``vlan``, ``port``, ``vni``, ``src_vni``, ``via``, ``nhid``, ``link-netnsid``,
``used``, the flags (``self router extern_learn offload master sticky
blackhole locked``), ``master NAME`` and last the state. Entries the bridge
learned have the empty state. The parser accepts the tokens in any order.
Each row is one netlink entry, so a MAC known to both the bridge (``master``)
and the port driver (``self``) gives two rows.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, is_mac, normalize_mac, numbered_lines, shorten, to_int, where

log = logging.getLogger(__name__)

KIND = "bridge_fdb"

# Columns of the table, shared with bridge_fdb_json.
FDB_COLUMNS: dict[str, str] = {
    "line": "int",  # 1-based line number (array position for JSON input)
    "mac": "str",  # lowercase
    "dev": "str",  # None when the output was filtered with "dev X"
    "vlan": "int",
    "master": "str",  # bridge name for entries of the bridge's own FDB
    "self": "bool",  # entry of the port driver's own FDB (hardware, VXLAN)
    "state": "str",  # "permanent", "static", "stale", "noarp", "" (learned) or "state=0x.."
    "extern_learn": "bool",
    "offload": "bool",
    "sticky": "bool",
    "router": "bool",
    "locked": "bool",
    "added_by_user": "bool",
    "blackhole": "bool",
    "activity_notify": "bool",
    "inactive": "bool",
    "used": "float",  # seconds since the entry was last used (-s)
    "updated": "float",  # seconds since the entry was last updated (-s)
    "dst": "str",  # remote VTEP address of a VXLAN entry
    "vni": "int",
    "src_vni": "int",
    "nhid": "int",
    "via": "str",  # egress device name
    "via_ifindex": "int",  # egress ifindex when the device is in another netns
    "port": "int",  # remote UDP port of a VXLAN entry
    "link_netnsid": "int",
    "deleted": "bool",  # "Deleted" event from bridge monitor
    "timestamp": "str",  # time printed by bridge -t monitor, as printed
}

STATES = {"permanent", "static", "stale", "noarp"}
FLAGS = {
    "self",
    "router",
    "extern_learn",
    "offload",
    "sticky",
    "locked",
    "added_by_user",
    "blackhole",
    "activity_notify",
    "inactive",
}
# Words followed by one value, mapped to the column and the converter.
_VALUE_TOKENS = {
    "dev": ("dev", str),
    "dst": ("dst", str),
    "vlan": ("vlan", to_int),
    "port": ("port", to_int),
    "vni": ("vni", to_int),
    "src_vni": ("src_vni", to_int),
    "nhid": ("nhid", to_int),
    "link-netnsid": ("link_netnsid", to_int),
}
_BANNER_RE = re.compile(r"^\[(NEIGH|LINK|MDB|VLAN|TUNNEL|VNI)\]")
_SHORT_TIMESTAMP_RE = re.compile(r"^\[(\d{4}-\d\d-\d\dT[^\]]*)\]\s*")
_LINK_EVENT_RE = re.compile(r"^(Deleted\s+)?\d+:\s+\S+:\s+<")


def detect(text: str) -> bool:
    """Return whether the start of the text looks like ``bridge fdb show`` output."""
    candidates = 0
    for _, line in numbered_lines(text[:4096]):
        body = _strip_prefixes(line)[0].strip()
        if not body or body.startswith("Timestamp:"):
            continue
        tokens = body.split()
        if tokens[0] == "Deleted":
            tokens = tokens[1:]
        if len(tokens) >= 2 and is_mac(tokens[0]) and _is_entry_word(tokens[1]):
            return True
        # Monitor output may start with a few link or MDB events.
        candidates += 1
        if candidates >= 5:
            return False
    return False


def _is_entry_word(token: str) -> bool:
    """Return whether a token can follow the MAC address of an FDB entry."""
    return token in _VALUE_TOKENS or token in FLAGS or token == "master"


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse ``bridge fdb show`` text into one row per entry, with a warning for each odd line."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    pending_timestamp: str | None = None
    for number, line in numbered_lines(text):
        body, timestamp = _strip_prefixes(line)
        body = body.strip()
        if not body:
            continue
        if body.startswith("Timestamp:"):
            pending_timestamp = body[len("Timestamp:") :].strip()
            continue
        row = _parse_entry(body, number, source, warnings)
        if row is None:
            pending_timestamp = None
            continue
        row["timestamp"] = timestamp or pending_timestamp
        pending_timestamp = None
        rows.append(row)

    table = build_table(rows, FDB_COLUMNS)
    meta = {
        "entries": len(rows),
        "dev_omitted": bool(rows) and all(row.get("dev") is None for row in rows),
        "has_timers": any(row.get("used") is not None for row in rows),
    }
    log.debug("%s: %d FDB entries, %d warnings", source, len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _strip_prefixes(line: str) -> tuple[str, str | None]:
    """Remove a ``[NEIGH]`` banner and a ``[2024-01-01T10:00:00.000000]`` timestamp.

    Return the rest of the line and the timestamp, or None when there is none.
    """
    timestamp = None
    match = _SHORT_TIMESTAMP_RE.match(line)
    if match:
        timestamp = match.group(1)
        line = line[match.end() :]
    line = _BANNER_RE.sub("", line, count=1)
    return line, timestamp


def _parse_entry(body: str, number: int, source: str, warnings: list[str]) -> dict[str, Any] | None:
    """Parse one entry line, or add a warning and return None when it is not an FDB entry."""
    tokens = body.split()
    row: dict[str, Any] = {"line": number, "state": ""}
    if tokens[0] == "Deleted":
        row["deleted"] = True
        tokens = tokens[1:]
    if not tokens or not is_mac(tokens[0]):
        warnings.append(where(source, number, _describe_non_entry(body)))
        return None
    row["mac"] = normalize_mac(tokens[0])

    i = 1
    while i < len(tokens):
        token = tokens[i]
        value = tokens[i + 1] if i + 1 < len(tokens) else None
        if token in _VALUE_TOKENS and value is not None:
            column, convert = _VALUE_TOKENS[token]
            row[column] = convert(value)
            if row[column] is None:
                warnings.append(where(source, number, f"invalid {token} value {value!r}"))
            i += 2
        elif token == "via" and value == "ifindex" and i + 2 < len(tokens):
            row["via_ifindex"] = to_int(tokens[i + 2])
            i += 3
        elif token == "via" and value is not None:
            row["via"] = value
            i += 2
        elif token == "used" and value is not None:
            _read_timers(row, value, number, source, warnings)
            i += 2
        elif token == "master":
            i += _read_master(row, tokens, i)
        elif token in FLAGS:
            row[token] = True
            i += 1
        elif token in STATES or token.startswith("state="):
            row["state"] = token
            if token.startswith("state="):
                warnings.append(where(source, number, f"unusual neighbour state {token!r} kept as printed"))
            i += 1
        else:
            warnings.append(
                where(
                    source,
                    number,
                    f"unknown token {token!r} in the FDB entry for {row['mac']}. "
                    "The rest of the entry was read.",
                )
            )
            i += 1
    if row.pop("bare_master", False) and row.get("master") is None:
        warnings.append(where(source, number, f"'master' flag without a bridge name for {row['mac']}"))
    return row


# Maximum entry age in seconds taken as real (100 years). A longer one is damage, and has no date.
MAX_AGE = 100 * 365.25 * 86400
_AGE_RE = re.compile(r"^\d{1,12}$")


def _read_timers(row: dict[str, Any], value: str, number: int, source: str, warnings: list[str]) -> None:
    """Store ``used U/V`` as seconds since last use and since last update."""
    used, _, updated = value.partition("/")
    # iproute2 prints both ages as unsigned decimal seconds.
    used_seconds = int(used) if _AGE_RE.match(used) else None
    updated_seconds = int(updated) if _AGE_RE.match(updated) else None
    if used_seconds is None or updated_seconds is None or max(used_seconds, updated_seconds) > MAX_AGE:
        warnings.append(where(source, number, f"invalid 'used' timers {shorten(repr(value))}, expected "
                                              f"USED/UPDATED as whole seconds up to {MAX_AGE:.0f}"))
        return
    row["used"] = float(used_seconds)
    row["updated"] = float(updated_seconds)


def _read_master(row: dict[str, Any], tokens: list[str], i: int) -> int:
    """Read ``master NAME`` and return the number of tokens used.

    iproute2 prints a bare ``master`` for the NTF_MASTER flag, before the
    optional ``master NAME``. A ``master`` followed by a flag, another
    ``master`` or nothing is that bare flag.
    """
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    if following is None or following == "master" or following in FLAGS:
        row["bare_master"] = True
        return 1
    row["master"] = following
    return 2


def _describe_non_entry(body: str) -> str:
    """Say what a line that does not start with a MAC address is, for the warning."""
    tokens = body.split()
    if tokens and tokens[0] == "Deleted":
        tokens = tokens[1:]
    if tokens[:1] == ["dev"] and "grp" in tokens:
        return "multicast group (MDB) entry from bridge monitor, not an FDB entry. Line skipped."
    if _LINK_EVENT_RE.match(body):
        return "link event from bridge monitor, not an FDB entry. Line skipped."
    excerpt = body if len(body) <= 60 else body[:57] + "..."
    return f"expected a MAC address at the start of an FDB entry, found {excerpt!r}. Line skipped."
