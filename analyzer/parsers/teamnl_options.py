"""``teamnl TEAM options`` text (libteam), read into one row per team driver option.

These are the kernel team driver's options as teamd set them: the team's
``mode`` and, per port, ``enabled``, ``user_linkup`` ... (sos runs ``teamnl
TEAM option``, which prints the same). Each line starts with a space, or
``*`` for an option that changed; per-port options name the port::

     queue_id (port:eth1) 0
     enabled (port:eth1) true
     enabled (port:eth2) false
     activeport 4
     mode activebackup

>>> parsed = parse(" enabled (port:eth1) true\\n enabled (port:eth2) false\\n activeport 4\\n mode activebackup\\n")
>>> parsed.meta["mode"], parsed.meta["activeport"], parsed.meta["ports"]["eth2"]["enabled"]
('activebackup', 4, False)

``meta`` has every team-wide option by name (``mode``, ``activeport`` as an
ifindex, ``lb_tx_method`` ...) and ``ports``, each port's options by name.
Values ``true``/``false`` become bool and decimal numbers int; binary
values (``bpf_hash_func``) stay text. Array options carry ``(arridx:N)``,
kept in ``array_index``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, numbered_lines, where

log = logging.getLogger(__name__)

KIND = "teamnl_options"

TEAMNL_OPTION_COLUMNS: dict[str, str] = {
    "line": "int",
    "name": "str",
    "port": "str",  # None for a team-wide option
    "array_index": "int",
    "value": "object",  # bool, int or the text as printed
    "changed": "bool",
}

OPTION_RE = re.compile(
    r"^(?P<mark>[ *])(?P<name>[a-z_][a-z0-9_]*)"
    r"(?: \(port:(?P<port>[^)]*)\))?(?: \(arridx:(?P<index>\d+)\))?(?: (?P<value>.*))?$"
)
_SOS_NAME_RE = re.compile(r"teamnl_(\S+?)_options?$")


def detect(text: str) -> bool:
    """Return whether the text looks like ``teamnl options`` output with a ``mode`` or per-port option."""
    lines = [line for _, line in numbered_lines(text[:4096]) if line.strip()]
    if not lines or not all(OPTION_RE.match(line) for line in lines[:5]):
        return False
    return any(" (port:" in line or line[1:].startswith("mode ") for line in lines)


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse ``teamnl options`` into one row per option, with team and port options in ``meta``."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    team_options: dict[str, Any] = {}
    port_options: dict[str, dict[str, Any]] = {}
    for number, line in numbered_lines(text):
        if not line.strip():
            continue
        match = OPTION_RE.match(line)
        if not match:
            warnings.append(where(source, number, f"expected ' NAME [(port:PORT)] VALUE', found {line.strip()[:60]!r}"))
            continue
        value = _convert(match["value"])
        index = int(match["index"]) if match["index"] is not None else None
        row = {
            "line": number,
            "name": match["name"],
            "port": match["port"],
            "array_index": index,
            "value": value,
            "changed": match["mark"] == "*",
        }
        rows.append(row)
        if index is not None:
            continue
        if match["port"] is not None:
            port_options.setdefault(match["port"], {})[match["name"]] = value
        else:
            team_options[match["name"]] = value

    sos_name = _SOS_NAME_RE.search(source.replace("\\", "/").rsplit("/", 1)[-1])
    meta: dict[str, Any] = {"device": sos_name.group(1) if sos_name else None}
    meta.update(team_options)
    meta["ports"] = port_options
    meta.setdefault("mode", None)
    log.debug("%s: %d options, mode %s, %d warnings", source, len(rows), meta["mode"], len(warnings))
    return Parsed(kind=KIND, source=source, table=build_table(rows, TEAMNL_OPTION_COLUMNS), meta=meta,
                  warnings=warnings)


def _convert(text: str | None) -> Any:
    """Convert ``true``/``false`` to bool and a decimal number to int, else keep the text."""
    if text is None:
        return None
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text
