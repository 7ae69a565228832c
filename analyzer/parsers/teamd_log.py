"""teamd's own log lines: active port changes and link watch results, bare or in syslog form.

teamd writes to its log file or standard error when run by hand, and to
syslog or the journal (ident ``teamd_TEAM``) as a service. A sample of the
bare form::

    1.31 successfully started.
    eth1: ethtool-link went up.
    Changed active port to "eth1".
    eth1: ethtool-link went down.
    Changed active port to "eth2".

>>> table = parse('eth1: ethtool-link went down.\\nChanged active port to "eth2".\\n').table
>>> [(r.event, r.port, r.state) for r in table.itertuples()]
[('link-down', 'eth1', 'ethtool'), ('active-change', 'eth2', 'active')]

In syslog form (``Mar  4 10:00:00 host teamd_team0[812]: Changed active port
to "eth2".``) the team name comes from the ident, and lines of other programs
are skipped. For bare lines the team name comes from a file name such as
``teamd_team0.log``, else ``device`` is None. ``event`` is one of:
started (``state`` is teamd's version), active-change, active-clear (the runner cleared the active port),
link-up, link-down (``state`` is the link watch: ethtool, arp_ping,
nsna_ping, tipc), error (a line that starts with ``Failed`` or names a port
and a failure). Times are read as in ``kernel_log``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, numbered_lines
from .kernel_log import split_syslog

log = logging.getLogger(__name__)

KIND = "teamd_log"

TEAMD_LOG_COLUMNS: dict[str, str] = {
    "line": "int",
    "time": "float",
    "time_kind": "str",
    "timestamp": "str",
    "host": "str",
    "device": "str",  # team name
    "event": "str",
    "port": "str",
    "state": "str",
    "message": "str",
}

_EVENTS: list[tuple[str, re.Pattern[str]]] = [
    ("started", re.compile(r"^(?P<state>\S+) successfully started\.?$")),
    ("active-change", re.compile(r'^Changed active port to "(?P<port>[^"]+)"\.?$')),
    ("active-clear", re.compile(r'^Clearing active port "(?P<port>[^"]+)"\.?$')),
    ("link-up", re.compile(r"^(?P<port>\S+): (?P<state>\w+)-link went up\.?$")),
    ("link-down", re.compile(r"^(?P<port>\S+): (?P<state>\w+)-link went down\.?$")),
    ("error", re.compile(r"^(?:(?P<port>[^\s:]+): )?Failed to .*$")),
]
_IDENT_RE = re.compile(r"^teamd(?:_(?P<team>\S+))?$")
_FILE_RE = re.compile(r"teamd_(\S+?)\.log$")


def detect(text: str) -> bool:
    """Return whether the text contains teamd log lines, bare or from a ``teamd`` syslog ident."""
    lines = [line.strip() for _, line in numbered_lines(text[:65536]) if line.strip()][:2000]
    if not lines:
        return False
    syslog = [split_syslog(line) for line in lines]
    if sum(1 for item in syslog[:50] if item) >= len(lines[:50]) * 0.8:
        return any(item and _IDENT_RE.match(item["ident"]) for item in syslog)
    events = sum(1 for line in lines[:50] if _match(line))
    return events >= max(1, len(lines[:50]) // 3)


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse teamd log lines into one row per known event; other lines are counted and skipped."""
    rows: list[dict[str, Any]] = []
    file_team = _FILE_RE.search(source.replace("\\", "/").rsplit("/", 1)[-1])
    teamd_lines = 0
    for number, raw in numbered_lines(text):
        line = raw.strip()
        if not line:
            continue
        item = split_syslog(line)
        stamp: dict[str, Any] = {"time": None, "time_kind": None, "timestamp": None, "host": None,
                                 "device": file_team.group(1) if file_team else None}
        if item:
            ident = _IDENT_RE.match(item["ident"])
            if not ident:
                continue
            stamp.update(time=item["time"], time_kind=item["time_kind"], timestamp=item["timestamp"],
                         host=item["host"], device=ident["team"])
            line = item["message"].strip()
        teamd_lines += 1
        event = _match(line)
        if event:
            rows.append({"line": number, **stamp, **event, "message": line})
    table = build_table(rows, TEAMD_LOG_COLUMNS)
    meta = {"teamd_lines": teamd_lines, "events": len(rows),
            "devices": sorted({row["device"] for row in rows if row["device"]})}
    log.debug("%s: %d teamd lines, %d events", source, teamd_lines, len(rows))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=[])


def _match(message: str) -> dict[str, Any] | None:
    """Return the event, port and state of a known teamd message, or None."""
    for event, pattern in _EVENTS:
        match = pattern.match(message)
        if match:
            groups = match.groupdict()
            state = groups.get("state")
            if event in ("active-change",):
                state = "active"
            return {"event": event, "port": groups.get("port"), "state": state}
    return None
