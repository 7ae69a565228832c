"""``teamdctl TEAM state`` and ``teamdctl TEAM state view [-v]`` text, read into the state dump's table.

teamdctl renders the state dump as an indented outline (two spaces a level).
A sample of an lacp team (``-v`` adds ``ifindex``, ``addr``, ``ethtool
link``, ``key``, ``priority`` and the LACPDU blocks)::

    setup:
      runner: lacp
    ports:
      eth1
        link watches:
          link summary: up
          instance[link_watch_0]:
            name: ethtool
            link: up
            down count: 0
        runner:
          aggregator ID: 3, Selected
          selected: yes
          state: current
    runner:
      active: yes
      fast rate: no

>>> parsed = parse('''setup:
...   runner: activebackup
... ports:
...   eth1
...     link watches:
...       link summary: up
...       instance[link_watch_0]:
...         name: ethtool
...         link: up
...         down count: 2
... runner:
...   active port: eth1''')
>>> parsed.meta["runner"], parsed.meta["active_port"], int(parsed.table.iloc[0]["down_count"])
('activebackup', 'eth1', 2)

The text has no team name, so ``meta["device"]`` is None. teamd before 1.25
printed no ``down count`` lines, so ``down_count`` is then NA. An lacp port
whose runner block lacks ``selected`` or ``state`` (cut-off output) gets a
warning.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, numbered_lines, to_bool, to_int, where
from .teamdctl_state_dump import TEAM_PORT_COLUMNS, _mac

log = logging.getLogger(__name__)

KIND = "teamdctl_state_view"

_ETHTOOL_LINK_RE = re.compile(r"^(-?\d+)mbit/(\w+?)duplex/(\w+)$")
_AGGREGATOR_RE = re.compile(r"^(\d+)(,\s*Selected)?$")
_LACPDU_KEYS = {
    "system priority": "system_priority",
    "system": "system",
    "key": "key",
    "port_priority": "port_priority",
    "port": "port",
    "state": "state",
}


def detect(text: str) -> bool:
    """Return whether the start of the text looks like ``teamdctl state`` output."""
    lines = [line for _, line in numbered_lines(text[:1024]) if line.strip()]
    return len(lines) >= 2 and lines[0].strip() == "setup:" and lines[1].strip().startswith("runner:")


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the outline into team settings in ``meta`` and one row per port."""
    warnings: list[str] = []
    tree = _outline(text, source, warnings)
    if not isinstance(tree.get("setup"), dict):
        warnings.append(f"{source}: no 'setup:' section, so this is probably not teamdctl state output")
    setup = _section(tree, "setup")
    runner = _section(tree, "runner")
    meta: dict[str, Any] = {
        "device": None,
        "runner": setup.get("runner"),
        "kernel_team_mode_name": setup.get("kernel team mode"),
        "active_port": runner.get("active port"),
    }
    if "active" in runner:
        meta["lacp_active"] = to_bool(runner["active"])
    if "fast rate" in runner:
        meta["lacp_fast_rate"] = to_bool(runner["fast rate"])
    if "system priority" in runner:
        meta["lacp_sys_prio"] = to_int(runner["system priority"])

    rows = []
    for name, port in _section(tree, "ports").items():
        if isinstance(port, dict):
            rows.append(_port_row(name, port, meta["runner"], source, warnings))
    table = build_table(rows, TEAM_PORT_COLUMNS)
    log.debug("%s: %d ports, %d warnings", source, len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _outline(text: str, source: str, warnings: list[str]) -> dict[str, Any]:
    """Read the indented outline into nested dicts, where a bare word (a port name) opens a section.

    Each section dict also keeps the line where it started under ``"#line"``.
    """
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for number, line in numbered_lines(text):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        key, colon, value = body.partition(":")
        if colon and value.strip():
            parent[key.strip()] = value.strip()
        elif colon or " " not in body:
            section: dict[str, Any] = {"#line": number}
            parent[key.strip()] = section
            stack.append((indent, section))
        else:
            warnings.append(
                where(
                    source,
                    number,
                    f"expected 'key: value', 'section:' or a port name, found {body!r}. Line skipped.",
                )
            )
    return root


def _section(tree: dict[str, Any], key: str) -> dict[str, Any]:
    """Return the named section, or an empty dict when it is missing or a plain value."""
    value = tree.get(key)
    return value if isinstance(value, dict) else {}


def _port_row(
    name: str, port: dict[str, Any], runner_name: str | None, source: str, warnings: list[str]
) -> dict[str, Any]:
    """Convert one port section into a table row."""
    watches = _section(port, "link watches")
    instances = [
        value for key, value in watches.items() if key.startswith("instance[") and isinstance(value, dict)
    ]
    down_counts = [to_int(instance["down count"]) for instance in instances if "down count" in instance]
    row: dict[str, Any] = {
        "name": name,
        "ifindex": to_int(port.get("ifindex")),
        "mac": _mac(port.get("addr")),
        "link_watch_up": to_bool(watches.get("link summary")),
        "down_count": sum(count for count in down_counts if count is not None) if down_counts else None,
        "link_watches": [instance.get("name") for instance in instances],
    }
    ethtool = _ETHTOOL_LINK_RE.match(port.get("ethtool link", ""))
    if ethtool:
        speed = int(ethtool.group(1))
        row["speed"] = speed if speed >= 0 else None
        row["duplex"] = ethtool.group(2)
        row["link_up"] = to_bool(ethtool.group(3))

    runner = port.get("runner")
    if isinstance(runner, dict):
        aggregator = _AGGREGATOR_RE.match(runner.get("aggregator ID", ""))
        if aggregator:
            row["aggregator_id"] = int(aggregator.group(1))
            row["aggregator_selected"] = aggregator.group(2) is not None
        row["selected"] = to_bool(runner.get("selected"))
        row["state"] = runner.get("state")
        row["lacp_key"] = to_int(runner.get("key"))
        row["lacp_prio"] = to_int(runner.get("priority"))
        for side, title in (("actor", "actor LACPDU info"), ("partner", "partner LACPDU info")):
            info = _section(runner, title)
            for printed, field in _LACPDU_KEYS.items():
                value = info.get(printed)
                row[f"{side}_{field}"] = _mac(value) if field == "system" else to_int(value)
        if runner_name == "lacp" and ("selected" not in runner or "state" not in runner):
            warnings.append(
                where(
                    source,
                    runner["#line"],
                    f"runner block of port {name} has no 'selected' or 'state' line, "
                    "so the output is probably cut off",
                )
            )
    return row
