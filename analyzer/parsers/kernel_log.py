"""Kernel log lines about bridges, bonds and teams (``dmesg``, ``dmesg -T``, ``journalctl -k``, /var/log/messages).

Each line that reports a bridge port state change, a frame received with the
bridge's own address, a bond slave's link or active-slave change, or a team
port change becomes one row. Other lines are counted and skipped. A sample in
``dmesg`` form::

    [   61.961097] br0: port 2(eth1) entered forwarding state
    [   86.653501] br0: received packet on eth1 with own address as source address (addr:02:00:00:00:00:01, vlan:0)
    [  505.773009] bond0: (slave eth1): link status definitely down, disabling slave
    [  505.773593] bond0: (slave eth2): making interface the new active one
    [  600.000000] team0: Port device eth3 added

>>> table = parse("[   61.961097] br0: port 2(eth1) entered forwarding state\\n"
...               "[  505.773593] bond0: (slave eth2): making interface the new active one\\n").table
>>> [(r.time, r.device, r.event, r.port, r.state) for r in table.itertuples()]
[(61.961097, 'br0', 'port-state', 'eth1', 'forwarding'), (505.773593, 'bond0', 'active-change', 'eth2', 'active')]

Stamps read: ``[ UPTIME]`` (with an optional ``[ Tpid]`` caller id), ``dmesg
-T``'s ``[Mon Mar  4 10:00:00 2024]``, syslog's and ``journalctl``'s ``Mar  4
10:00:00 HOST kernel:``, ISO 8601 stamps (``journalctl -o short-iso``,
rsyslog), and lines with no stamp at all. ``time`` is seconds: the uptime
(``time_kind`` "uptime") or seconds since the epoch (``time_kind`` "epoch").
``uptime`` keeps the kernel's ``[ UPTIME]`` stamp wherever the line has one,
also behind a syslog or journal stamp, so that such a line ties the two
clocks together (see ``analyzer.logclock``). ``meta["last_uptime"]`` is the
uptime stamp of the file's last kernel line, event or not.
NOTE: ``dmesg -T`` prints local time without a zone, which is read as UTC,
and a syslog stamp has no year, so such lines get ``time`` NA unless the
line also carries the kernel's own uptime stamp. ``timestamp`` keeps the
stamp as printed. In syslog files only lines from ``kernel`` are read.

``event`` is one of: port-state (``state`` is the STP state, ``port_no`` the
bridge port number), own-address (``mac`` and ``vlan`` of the frame),
topology-change; link-down, link-up, active-change, active-up, no-active,
enslave (``state`` active or backup), release, release-all, lacp-no-partner
for bonds; port-added, port-removed, mode-change (``state`` is the mode) for
teams; promiscuous-on/off and allmulticast-on/off for any device.
"""

from __future__ import annotations

import calendar
import logging
import re
import time as time_module
from datetime import datetime
from typing import Any

from . import Parsed
from ._text import build_table, normalize_mac, numbered_lines, shorten, to_int, where

log = logging.getLogger(__name__)

KIND = "kernel_log"

KERNEL_LOG_COLUMNS: dict[str, str] = {
    "line": "int",
    "time": "float",
    "time_kind": "str",  # "uptime", "epoch" or None
    "uptime": "float",  # the kernel's own [ UPTIME] stamp, also where ``time`` comes from a syslog or journal stamp
    "timestamp": "str",  # the stamp as printed
    "host": "str",  # syslog and journal lines only
    "subsystem": "str",  # "bridge", "bond", "team" or "netdev"
    "device": "str",  # bridge, bond or team; the interface itself for netdev events
    "event": "str",
    "port": "str",  # bridge port, bond slave or team port
    "port_no": "int",  # bridge port number
    "state": "str",
    "mac": "str",
    "vlan": "int",
    "message": "str",  # the message without stamp and host
}

# Maximum plausible uptime in seconds (100 years). A longer stamp is damage, and would overflow dates.
MAX_UPTIME = 100 * 365.25 * 86400
_UPTIME_RE = re.compile(r"^\[\s*(\d+\.\d+)\](?:\[\s*[TC]\d+\])?\s?")
_DMESG_T_RE = re.compile(r"^\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})\]\s?")
_SYSLOG_RE = re.compile(
    r"^(?P<stamp>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?"
    r"(?:Z|[+-]\d\d:?\d\d)?) (?P<host>\S+) (?P<ident>[^\s:\[]+)(?:\[\d+\])?: ?(?P<message>.*)$"
)
_DEVICE = r"(?P<device>[^\s:()]+)(?: \(unregistering\))?"
_EVENT_PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("bridge", "port-state", re.compile(
        _DEVICE + r": port (?P<port_no>\d+)\((?P<port>[^)]+)\) entered (?P<state>\w+) state")),
    ("bridge", "own-address", re.compile(
        _DEVICE + r": received packet on (?P<port>\S+) with own address as source address"
        r"(?: \(addr:(?P<mac>[0-9a-fA-F:]{17}), vlan:(?P<vlan>\d+)\))?")),
    ("bridge", "topology-change", re.compile(_DEVICE + r": topology change detected")),
    ("bond", "link-down", re.compile(
        r"(?:bonding: )?" + _DEVICE + r": (?:\(slave (?P<port>[^)]+)\): link status definitely down"
        r"|link status definitely down for interface (?P<port2>[^\s,]+))")),
    ("bond", "link-up", re.compile(
        r"(?:bonding: )?" + _DEVICE + r": (?:\(slave (?P<port>[^)]+)\): link status definitely up"
        r"|link status definitely up for interface (?P<port2>[^\s,]+))")),
    ("bond", "active-change", re.compile(
        r"(?:bonding: )?" + _DEVICE + r": (?:\(slave (?P<port>[^)]+)\): making interface the new active one"
        r"|making interface (?P<port2>\S+) the new active one)")),
    ("bond", "active-up", re.compile(r"(?:bonding: )?" + _DEVICE + r": active interface up!")),
    ("bond", "no-active", re.compile(
        r"(?:bonding: )?" + _DEVICE + r": now running without any active interface")),
    ("bond", "enslave", re.compile(
        r"(?:bonding: )?" + _DEVICE + r": (?:\(slave (?P<port>[^)]+)\): Enslaving as an? "
        r"|[Ee]nslaving (?P<port2>\S+) as an? )(?P<state>active|backup) interface")),
    ("bond", "release", re.compile(
        r"(?:bonding: )?" + _DEVICE + r": (?:\(slave (?P<port>[^)]+)\): Releasing "
        r"|[Rr]eleasing (?:active|backup) interface (?P<port2>\S+))")),
    ("bond", "release-all", re.compile(r"(?:bonding: )?" + _DEVICE + r": Released all slaves")),
    ("bond", "lacp-no-partner", re.compile(
        r"(?:bonding: )?" + _DEVICE + r": (?:Warning: )?No 802\.3ad response from the link partner")),
    ("team", "port-added", re.compile(_DEVICE + r": Port device (?P<port>\S+) added")),
    ("team", "port-removed", re.compile(_DEVICE + r": Port device (?P<port>\S+) removed")),
    ("team", "mode-change", re.compile(_DEVICE + r": Mode changed to \"(?P<state>[^\"]+)\"")),
    ("netdev", "promiscuous-on", re.compile(r"(?:device )?(?P<device>[^\s:]+):? entered promiscuous mode")),
    ("netdev", "promiscuous-off", re.compile(r"(?:device )?(?P<device>[^\s:]+):? left promiscuous mode")),
    ("netdev", "allmulticast-on", re.compile(r"(?:device )?(?P<device>[^\s:]+):? entered allmulticast mode")),
    ("netdev", "allmulticast-off", re.compile(r"(?:device )?(?P<device>[^\s:]+):? left allmulticast mode")),
]
_KERNEL_IDENTS = {"kernel", "vmunix"}
# Words of which every event message contains at least one; other lines skip the patterns.
_EVENT_WORDS = re.compile(r"port|received packet|topology change|slave|link status|active|nslav|eleas|802\.3ad|"
                          r"mode changed|promiscuous|allmulticast", re.IGNORECASE)


def detect(text: str) -> bool:
    """Return whether the text looks like a kernel log: dmesg stamps, kernel syslog lines or known events."""
    lines = [line for _, line in numbered_lines(text[:65536]) if line.strip()][:2000]
    if not lines:
        return False
    first = lines[0]
    if _UPTIME_RE.match(first) or _DMESG_T_RE.match(first):
        return True
    syslog = [match for match in map(_SYSLOG_RE.match, lines[:50]) if match]
    if len(syslog) >= min(len(lines[:50]), 3) * 0.8:
        return any(match["ident"] in _KERNEL_IDENTS for match in map(_SYSLOG_RE.match, lines) if match)
    # Lines without any stamp, as quoted in mails and bug reports: the events themselves.
    events = sum(1 for line in lines[:50] if _match_event(line.strip()))
    return events >= max(1, len(lines[:50]) // 2)


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the log into one row per bridge, bond, team or promiscuity event."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    counts = {"lines": 0, "kernel_lines": 0}
    last_uptime = None
    for number, line in numbered_lines(text):
        if not line.strip():
            continue
        counts["lines"] += 1
        stamp = _split_stamp(line.rstrip(), number, source, warnings)
        if stamp is None:
            continue
        counts["kernel_lines"] += 1
        if stamp["uptime"] is not None:
            last_uptime = stamp["uptime"]
        event = _match_event(stamp["message"])
        if event is None:
            continue
        rows.append({"line": number, **{k: v for k, v in stamp.items()}, **event})
    table = build_table(rows, KERNEL_LOG_COLUMNS)
    meta = {**counts, "events": len(rows), "last_uptime": last_uptime}
    log.debug("%s: %d kernel lines, %d events, %d warnings", source, counts["kernel_lines"], len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def split_syslog(line: str) -> dict[str, Any] | None:
    """Split a syslog or ``journalctl`` short line into time, host, ident and message, or return None."""
    match = _SYSLOG_RE.match(line)
    if not match:
        return None
    seconds, kind = _syslog_time(match["stamp"])
    return {"timestamp": match["stamp"], "time": seconds, "time_kind": kind, "host": match["host"],
            "ident": match["ident"], "message": match["message"]}


def _split_stamp(line: str, number: int, source: str, warnings: list[str]) -> dict[str, Any] | None:
    """Remove the stamp and host from a line; return None for a syslog line that is not from the kernel."""
    result: dict[str, Any] = {"time": None, "time_kind": None, "uptime": None, "timestamp": None, "host": None}
    syslog = split_syslog(line)
    if syslog:
        if syslog.pop("ident") not in _KERNEL_IDENTS:
            return None
        result.update(syslog)
        line = syslog["message"]
    uptime = _UPTIME_RE.match(line)
    if uptime and not 0 <= float(uptime.group(1)) <= MAX_UPTIME:
        warnings.append(where(source, number, f"uptime stamp {shorten(uptime.group(1))} s is beyond "
                                              f"{MAX_UPTIME:.0f} s (100 years); the line has no time"))
        result["timestamp"] = shorten(uptime.group(0).strip())
        line = line[uptime.end():]
    elif uptime:
        result["uptime"] = float(uptime.group(1))
        if result["time"] is None:
            result.update(time=float(uptime.group(1)), time_kind="uptime", timestamp=uptime.group(0).strip())
        line = line[uptime.end():]
    else:
        dated = _DMESG_T_RE.match(line)
        if dated:
            try:
                parsed = time_module.strptime(dated.group(1), "%a %b %d %H:%M:%S %Y")
                result.update(time=float(calendar.timegm(parsed)), time_kind="epoch")
            except ValueError:
                warnings.append(where(source, number, f"invalid date {dated.group(1)!r}"))
            result["timestamp"] = dated.group(1)
            line = line[dated.end():]
    result["message"] = line.strip()
    return result


def _syslog_time(stamp: str) -> tuple[float | None, str | None]:
    """Return seconds since the epoch for an ISO 8601 stamp; a syslog stamp has no year, so None."""
    if stamp[:4].isdigit():
        text = stamp.replace("Z", "+00:00")
        if re.search(r"[+-]\d{4}$", text):
            text = text[:-2] + ":" + text[-2:]
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None, None
        if moment.tzinfo is None:
            # NOTE: an ISO stamp without a zone is read as UTC, as the file does not say which zone.
            return float(calendar.timegm(moment.timetuple())) + moment.microsecond / 1e6, "epoch"
        return moment.timestamp(), "epoch"
    return None, None


def _match_event(message: str) -> dict[str, Any] | None:
    """Return the event columns for a message that reports a known event, or None."""
    if not _EVENT_WORDS.search(message):
        return None
    for subsystem, event, pattern in _EVENT_PATTERNS:
        match = pattern.match(message)
        if not match:
            continue
        groups = match.groupdict()
        port = groups.get("port") or groups.get("port2")
        state = groups.get("state")
        if event == "link-down":
            state = "down"
        elif event == "link-up":
            state = "up"
        elif event == "active-change":
            state = "active"
        return {
            "subsystem": subsystem,
            "device": groups.get("device"),
            "event": event,
            "port": port,
            "port_no": to_int(groups.get("port_no")),
            "state": state,
            "mac": normalize_mac(groups["mac"]) if groups.get("mac") else None,
            "vlan": to_int(groups.get("vlan")),
            "message": message,
        }
    return None
