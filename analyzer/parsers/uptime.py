"""``uptime`` and ``/proc/uptime``: how long the kernel had run when the output was taken.

sos saves the ``uptime`` command's output (host plugin,
``sos_commands/host/uptime``). ``/proc/uptime`` contains the seconds since
boot with centisecond resolution, ``uptime`` only hours and minutes::

    10587.28 4691.48
     20:08:28 up  2:56,  0 user,  load average: 0.70, 0.75, 1.29
     09:15:01 up 3 days, 18 min,  1 user,  load average: 0.00, 0.01, 0.05

Together with the time the output was taken (``meta["collected_at"]``, set
for files read from a sosreport) this gives the boot time, which places
``dmesg``'s ``[ UPTIME]`` stamps on the capture clock (``analyzer.logclock``).

>>> parse("10587.28 4691.48\\n").meta["uptime"], parse("10587.28 4691.48\\n").meta["resolution"]
(10587.28, 0.01)
>>> parse(" 20:08:28 up 3 days,  2:56,  0 user,  load average: 0.70, 0.75, 1.29\\n").meta["uptime"]
269760.0

``meta`` holds ``uptime`` (seconds), ``resolution`` (seconds: 0.01 or 60)
and, for ``uptime``, ``clock`` (the local time of day it printed). The
table has one row with the same values, or none when nothing was read.
"""

from __future__ import annotations

import logging
import re

from . import Parsed
from ._text import build_table, numbered_lines, where

log = logging.getLogger(__name__)

KIND = "uptime"

UPTIME_COLUMNS = {"line": "int", "uptime": "float", "resolution": "float", "clock": "str"}

_PROC_RE = re.compile(r"^\s*(\d+\.\d\d)\s+(\d+\.\d\d)\s*$")
_COMMAND_RE = re.compile(
    r"^\s*(?P<clock>\d\d:\d\d:\d\d) up\s+(?:(?P<days>\d+) days?,\s+)?"
    r"(?:(?P<hours>\d+):(?P<minutes>\d\d)|(?P<only_minutes>\d+) min)?,?\s+\d+ users?,\s+load average")
_COMMAND_DAYS_ONLY_RE = re.compile(r"^\s*(?P<clock>\d\d:\d\d:\d\d) up\s+(?P<days>\d+) days?,\s+\d+ users?,")
MAX_UPTIME = 100 * 365 * 86400.0  # anything longer is not an uptime


def detect(text: str) -> bool:
    """Return whether the text is the output of ``uptime`` or the content of ``/proc/uptime``."""
    lines = [line for line in text[:4096].splitlines() if line.strip()]
    if len(lines) != 1:
        return False
    return bool(_PROC_RE.match(lines[0]) or _COMMAND_RE.match(lines[0]) or _COMMAND_DAYS_ONLY_RE.match(lines[0]))


def _seconds(match: re.Match) -> float:
    groups = match.groupdict()
    days = int(groups.get("days") or 0)
    hours = int(groups.get("hours") or 0)
    minutes = int(groups.get("minutes") or groups.get("only_minutes") or 0)
    return float(((days * 24 + hours) * 60 + minutes) * 60)


def parse(text: str, source: str = "<text>") -> Parsed:
    """Read the uptime in seconds, with its resolution."""
    rows = []
    warnings = []
    for number, line in numbered_lines(text):
        if not line.strip():
            continue
        proc = _PROC_RE.match(line)
        command = None if proc else (_COMMAND_RE.match(line) or _COMMAND_DAYS_ONLY_RE.match(line))
        if proc:
            row = {"line": number, "uptime": float(proc.group(1)), "resolution": 0.01, "clock": None}
        elif command:
            row = {"line": number, "uptime": _seconds(command), "resolution": 60.0, "clock": command["clock"]}
        else:
            warnings.append(where(source, number, f"not uptime output: {line.strip()[:80]!r}"))
            continue
        if row["uptime"] > MAX_UPTIME:
            warnings.append(where(source, number, f"uptime of {row['uptime']:.0f} s is not plausible; ignored"))
            continue
        if rows:
            warnings.append(where(source, number, "a second uptime line; only the first is used"))
            continue
        rows.append(row)
    table = build_table(rows, UPTIME_COLUMNS)
    meta = {key: rows[0][key] for key in ("uptime", "resolution", "clock")} if rows else {}
    log.debug("%s: uptime %s", source, meta.get("uptime"))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)
