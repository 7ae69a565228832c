"""``teamdctl TEAM config dump`` JSON: the team's configuration in ``meta``, one row per port.

A sample of an activebackup team (teamd prints the keys sorted)::

    {
        "device": "team0",
        "hwaddr": "02:00:00:00:01:01",
        "link_watch": {"name": "ethtool"},
        "ports": {"eth1": {"prio": 100}, "eth2": {"prio": 50, "sticky": true}},
        "runner": {"name": "activebackup"}
    }

>>> parsed = parse('{"device": "team0", "ports": {"eth1": {"prio": 100}},'
...                ' "runner": {"name": "lacp", "tx_hash": ["eth", "ipv4"], "fast_rate": true}}')
>>> parsed.meta["runner"], parsed.meta["runner_options"]["fast_rate"], int(parsed.table.iloc[0]["prio"])
('lacp', True, 100)

``meta`` contains ``device``, ``hwaddr`` (lowercase) and ``runner`` (its
name). ``runner_options`` has every other runner key (``tx_hash``,
``tx_balancer``, ``active``, ``fast_rate``, ``min_ports`` ...). ``link_watch``
is a list, or None when absent, because teamd accepts one object or a list.
Every other top-level key (``notify_peers``, ``mcast_rejoin``,
``link_watch_policy`` ...) is kept as it is. The same reader fits a teamd
configuration file, which has the same keys.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._json import load_json
from ._text import build_table, to_bool, to_int
from .teamdctl_state_dump import _mac

log = logging.getLogger(__name__)

KIND = "teamdctl_config_dump"

TEAM_CONFIG_PORT_COLUMNS: dict[str, str] = {
    "name": "str",
    "prio": "int",  # activebackup: higher is preferred as the active port
    "sticky": "optbool",  # activebackup: keep the port active once chosen
    "lacp_prio": "int",
    "lacp_key": "int",
    "queue_id": "int",
    "link_watch": "object",  # per-port link watch settings, a list, or None
    "options": "object",  # the port's keys that have no column
}
_PORT_KEYS = ("prio", "sticky", "lacp_prio", "lacp_key", "queue_id", "link_watch")

_START_RE = re.compile(
    r'\s*\{\s*"(device|hwaddr|link_watch|runner|ports|debug_level|mcast_rejoin|notify_peers)"\s*:'
)


def detect(text: str) -> bool:
    """Return whether the start of the text looks like a teamd configuration."""
    head = text[:4096].lstrip("\ufeff")
    return bool(_START_RE.match(head)) and '"device"' in head and '"ifinfo"' not in head


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the configuration into team settings in ``meta`` and one row per port."""
    value, warnings = load_json(text, source)
    if value is not None and not isinstance(value, dict):
        warnings.append(f"{source}: expected a JSON object, found {type(value).__name__}")
        value = None
    config = value or {}

    runner = config.get("runner") if isinstance(config.get("runner"), dict) else {}
    meta: dict[str, Any] = {
        key: item for key, item in config.items() if key not in ("ports", "runner", "link_watch")
    }
    meta["device"] = config.get("device")
    meta["hwaddr"] = _mac(config.get("hwaddr"))
    meta["runner"] = runner.get("name")
    meta["runner_options"] = {key: item for key, item in runner.items() if key != "name"}
    meta["link_watch"] = _as_list(config.get("link_watch"))

    ports = config.get("ports", {})
    if not isinstance(ports, dict):
        warnings.append(f"{source}: 'ports' is not an object, so no ports were read")
        ports = {}
    rows = []
    for name, port in ports.items():
        if not isinstance(port, dict):
            warnings.append(f"{source}: ports.{name}: expected an object, found {port!r}. Port skipped.")
            continue
        rows.append(
            {
                "name": name,
                "prio": to_int(port.get("prio")),
                "sticky": to_bool(port.get("sticky")),
                "lacp_prio": to_int(port.get("lacp_prio")),
                "lacp_key": to_int(port.get("lacp_key")),
                "queue_id": to_int(port.get("queue_id")),
                "link_watch": _as_list(port.get("link_watch")),
                "options": {key: item for key, item in port.items() if key not in _PORT_KEYS},
            }
        )
    table = build_table(rows, TEAM_CONFIG_PORT_COLUMNS)
    log.debug("%s: team %s, %d ports, %d warnings", source, meta["device"], len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _as_list(value: Any) -> list[Any] | None:
    """Return a link watch setting as a list: teamd accepts one object or a list of them."""
    if value is None:
        return None
    return value if isinstance(value, list) else [value]
