"""``teamdctl TEAM state dump`` JSON: the team's runner in ``meta``, one row per port.

teamd prints the keys sorted. A shortened sample of an activebackup team::

    {
        "ports": {
            "eth1": {
                "ifinfo": {"dev_addr": "02:00:00:00:01:01", "dev_addr_len": 6, "ifindex": 3, "ifname": "eth1"},
                "link": {"duplex": "full", "speed": 10000, "up": true},
                "link_watches": {"list": {"link_watch_0": {"delay_down": 0, "delay_up": 0,
                                 "down_count": 0, "name": "ethtool", "up": true}}, "up": true}
            }
        },
        "runner": {"active_port": "eth1"},
        "setup": {"kernel_team_mode_name": "activebackup", "runner_name": "activebackup", ...},
        "team_device": {"ifinfo": {"dev_addr": "02:00:00:00:01:01", "ifindex": 5, "ifname": "team0"}}
    }

>>> parsed = parse('{"runner": {"active_port": "eth1"}, "setup": {"runner_name": "activebackup"},'
...                ' "team_device": {"ifinfo": {"ifname": "team0"}}}')
>>> parsed.meta["device"], parsed.meta["runner"], parsed.meta["active_port"]
('team0', 'activebackup', 'eth1')

Per libteam 1.31 (teamd/teamd_state.c, teamd_runner_lacp.c), an lacp runner
adds ``runner.{active, sys_prio, fast_rate, select_policy}`` and, per port,
``runner.{selected, aggregator.id, state, key, prio, actor_lacpdu_info,
partner_lacpdu_info}``. Older builds print a flat ``aggregator_id``. These go
to ``meta`` as ``lacp_*`` and to the lacp columns. ``speed`` is NA where teamd
reports -1 (unknown), and ``down_count`` sums the port's link watches. A
cut-off dump is read as far as it goes, with a warning.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._json import load_json
from ._text import build_table, normalize_mac, is_mac, to_int

log = logging.getLogger(__name__)

KIND = "teamdctl_state_dump"

# Columns of the port table, shared with teamdctl_state_view.
TEAM_PORT_COLUMNS: dict[str, str] = {
    "name": "str",
    "ifindex": "int",
    "mac": "str",
    "link_up": "optbool",  # carrier state reported by ethtool to teamd
    "speed": "int",  # Mbit/s
    "duplex": "str",
    "link_watch_up": "optbool",  # summary of the port's link watches
    "down_count": "int",  # link-down events counted by the link watches
    "link_watches": "object",  # names of the port's link watches, "ethtool", "arp_ping" ...
    "selected": "optbool",  # lacp: port selected for the aggregator
    "state": "str",  # lacp: "current", "expired", "defaulted" or "disabled"
    "aggregator_id": "int",
    "aggregator_selected": "optbool",
    "lacp_key": "int",
    "lacp_prio": "int",
    "actor_system": "str",
    "actor_system_priority": "int",
    "actor_key": "int",
    "actor_port": "int",
    "actor_port_priority": "int",
    "actor_state": "int",  # LACP state bits
    "partner_system": "str",
    "partner_system_priority": "int",
    "partner_key": "int",
    "partner_port": "int",
    "partner_port_priority": "int",
    "partner_state": "int",
}
LACPDU_FIELDS = ("system", "system_priority", "key", "port", "port_priority", "state")

_START_RE = re.compile(r'\s*\{\s*"(ports|runner|setup|team_device)"\s*:')


def detect(text: str) -> bool:
    """Return whether the start of the text looks like a teamd state dump."""
    head = text[:4096].lstrip("\ufeff")
    if not _START_RE.match(head):
        return False
    return any(
        key in head
        for key in ('"ifinfo"', '"runner_name"', '"kernel_team_mode_name"', '"link_watches"', '"active_port"')
    )


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the state dump into team settings in ``meta`` and one row per port."""
    value, warnings = load_json(text, source)
    if value is None:
        return Parsed(kind=KIND, source=source, table=build_table([], TEAM_PORT_COLUMNS), warnings=warnings)
    if not isinstance(value, dict):
        warnings.append(f"{source}: expected a JSON object, found {type(value).__name__}")
        value = {}

    setup = _object(value.get("setup"))
    runner = _object(value.get("runner"))
    team_info = _object(_object(value.get("team_device")).get("ifinfo"))
    meta: dict[str, Any] = {
        "device": team_info.get("ifname"),
        "ifindex": to_int(team_info.get("ifindex")),
        "hwaddr": _mac(team_info.get("dev_addr")),
        "runner": setup.get("runner_name"),
        "kernel_team_mode_name": setup.get("kernel_team_mode_name"),
        "active_port": runner.get("active_port") or None,
    }
    for key in ("active", "sys_prio", "fast_rate", "select_policy", "selected_aggregator_id"):
        if key in runner:
            meta[f"lacp_{key}"] = runner[key]

    ports = value.get("ports", {})
    if not isinstance(ports, dict):
        warnings.append(f"{source}: 'ports' is not an object, so no ports were read")
        ports = {}
    rows = [_port_row(name, _object(port)) for name, port in ports.items()]
    table = build_table(rows, TEAM_PORT_COLUMNS)
    log.debug("%s: team %s, %d ports, %d warnings", source, meta["device"], len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _port_row(name: str, port: dict[str, Any]) -> dict[str, Any]:
    """Convert one entry of ``ports`` into a table row."""
    ifinfo = _object(port.get("ifinfo"))
    link = _object(port.get("link"))
    watches = _object(port.get("link_watches"))
    watch_list = [_object(watch) for watch in _object(watches.get("list")).values()]
    down_counts = [to_int(watch.get("down_count")) for watch in watch_list if "down_count" in watch]
    speed = to_int(link.get("speed"))
    row: dict[str, Any] = {
        "name": ifinfo.get("ifname") or name,
        "ifindex": to_int(ifinfo.get("ifindex")),
        "mac": _mac(ifinfo.get("dev_addr")),
        "link_up": link.get("up"),
        "speed": speed if speed is not None and speed >= 0 else None,
        "duplex": link.get("duplex"),
        "link_watch_up": watches.get("up"),
        "down_count": sum(count for count in down_counts if count is not None) if down_counts else None,
        "link_watches": [watch.get("name") for watch in watch_list],
    }
    runner = _object(port.get("runner"))
    if runner:
        aggregator = runner.get("aggregator")
        row.update(
            {
                "selected": runner.get("selected"),
                "state": runner.get("state"),
                "aggregator_id": to_int(
                    aggregator.get("id") if isinstance(aggregator, dict) else runner.get("aggregator_id")
                ),
                "aggregator_selected": aggregator.get("selected") if isinstance(aggregator, dict) else None,
                "lacp_key": to_int(runner.get("key")),
                "lacp_prio": to_int(runner.get("prio")),
            }
        )
        for side in ("actor", "partner"):
            info = _object(runner.get(f"{side}_lacpdu_info"))
            for field in LACPDU_FIELDS:
                row[f"{side}_{field}"] = (
                    _mac(info.get(field)) if field == "system" else to_int(info.get(field))
                )
    return row


def _object(value: Any) -> dict[str, Any]:
    """Return the value if it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def _mac(value: Any) -> str | None:
    """Return a MAC address in lowercase, or the value unchanged when it is not a MAC."""
    if isinstance(value, str) and is_mac(value):
        return normalize_mac(value)
    return value
