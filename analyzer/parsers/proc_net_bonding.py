"""``/proc/net/bonding/BOND`` text: the bond's mode and state in ``meta``, one row per slave.

The kernel's bonding driver (drivers/net/bonding/bond_procfs.c) prints a
header, an ``802.3ad info`` block in 802.3ad mode, and one block per slave. A
shortened sample of an active-backup bond::

    Ethernet Channel Bonding Driver: v6.1.0

    Bonding Mode: fault-tolerance (active-backup)
    Primary Slave: None
    Currently Active Slave: eth1
    MII Status: up
    MII Polling Interval (ms): 100

    Slave Interface: eth1
    MII Status: up
    Speed: 10000 Mbps
    Duplex: full
    Link Failure Count: 0
    Permanent HW addr: 02:00:00:00:00:01
    Slave queue ID: 0

>>> parsed = parse('''Bonding Mode: fault-tolerance (active-backup)
... Currently Active Slave: eth1
... MII Status: up
...
... Slave Interface: eth1
... MII Status: up
... Speed: 10000 Mbps
... Link Failure Count: 3''', source="/proc/net/bonding/bond0")
>>> parsed.meta["device"], parsed.meta["mode"], parsed.meta["active_slave"]
('bond0', 'active-backup', 'eth1')
>>> row = parsed.table.iloc[0]
>>> row["name"], row["mii_status"], int(row["speed"]), int(row["link_failure_count"])
('eth1', 'up', 10000, 3)

``meta["mode"]`` is the mode's ``ip link`` name (balance-rr, active-backup,
balance-xor, broadcast, 802.3ad, balance-tlb, balance-alb); ``mode_text`` is
the line as printed. ``device`` comes from the source when it is a
``proc/net/bonding/NAME`` path (a sos copy included), else it is None: the
text does not name the bond. ``primary`` and ``active_slave`` are None where
the kernel prints ``None``. In 802.3ad mode ``meta`` adds ``lacp_rate``,
``ad_select``, ``system_priority``, ``system_mac`` and the active aggregator
(``aggregator_id``, ``number_of_ports``, ``actor_key``, ``partner_key``,
``partner_mac``), and each slave row its aggregator id, churn states and the
``details actor/partner lacp pdu`` fields. Drivers as old as v3.2.4 print
fewer lines; the missing values are NA. ``speed`` is NA where the kernel
prints ``Unknown``. Every ``Key: value`` line is also kept as printed in
``meta["fields"]`` and in each row's ``fields``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._text import build_table, is_mac, normalize_mac, numbered_lines, to_int, where

log = logging.getLogger(__name__)

KIND = "proc_net_bonding"

BOND_SLAVE_COLUMNS: dict[str, str] = {
    "line": "int",
    "name": "str",
    "mii_status": "str",  # "up", "down", "going down", "going back"
    "speed": "int",  # Mbit/s; NA for "Unknown"
    "duplex": "str",
    "link_failure_count": "int",
    "permanent_hw_addr": "str",
    "queue_id": "int",
    "aggregator_id": "int",
    "actor_churn_state": "str",  # "none", "churned" or "monitoring"
    "partner_churn_state": "str",
    "actor_churned_count": "int",
    "partner_churned_count": "int",
    "actor_system_priority": "int",
    "actor_system": "str",
    "actor_key": "int",
    "actor_port_priority": "int",
    "actor_port": "int",
    "actor_state": "int",  # LACP state bits
    "partner_system_priority": "int",
    "partner_system": "str",
    "partner_key": "int",
    "partner_port_priority": "int",
    "partner_port": "int",
    "partner_state": "int",
    "fields": "object",
}

# bond_mode_name() in drivers/net/bonding/bond_main.c, mapped to the names of "ip link".
MODE_NAMES = {
    "load balancing (round-robin)": "balance-rr",
    "fault-tolerance (active-backup)": "active-backup",
    "load balancing (xor)": "balance-xor",
    "fault-tolerance (broadcast)": "broadcast",
    "ieee 802.3ad dynamic link aggregation": "802.3ad",
    "transmit load balancing": "balance-tlb",
    "adaptive load balancing": "balance-alb",
}
_SLAVE_KEYS = {
    "mii status": ("mii_status", str),
    "duplex": ("duplex", str),
    "link failure count": ("link_failure_count", to_int),
    "permanent hw addr": ("permanent_hw_addr", "mac"),
    "slave queue id": ("queue_id", to_int),
    "aggregator id": ("aggregator_id", to_int),
    "actor churn state": ("actor_churn_state", str),
    "partner churn state": ("partner_churn_state", str),
    "actor churned count": ("actor_churned_count", to_int),
    "partner churned count": ("partner_churned_count", to_int),
}
_LACPDU_KEYS = {
    "system priority": ("system_priority", to_int),
    "system mac address": ("system", "mac"),
    "port key": ("key", to_int),
    "oper key": ("key", to_int),
    "port priority": ("port_priority", to_int),
    "port number": ("port", to_int),
    "port state": ("state", to_int),
}
_AGGREGATOR_KEYS = {
    "aggregator id": ("aggregator_id", to_int),
    "number of ports": ("number_of_ports", to_int),
    "actor key": ("actor_key", to_int),
    "partner key": ("partner_key", to_int),
    "partner mac address": ("partner_mac", "mac"),
}
_DEVICE_RE = re.compile(r"(?:^|/)proc/net/bonding/([^/]+)$")
_FIRST_LINE_RE = re.compile(r"^Ethernet Channel Bonding Driver: v(\S+)")


def detect(text: str) -> bool:
    """Return whether the text starts like a ``/proc/net/bonding`` file."""
    for _, line in numbered_lines(text[:4096]):
        if line.strip():
            return bool(_FIRST_LINE_RE.match(line.strip())) or line.strip().startswith("Bonding Mode: ")
    return False


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse the bond's state into ``meta`` and one row per slave, with a warning for each odd line."""
    warnings: list[str] = []
    device = _DEVICE_RE.search(source.replace("\\", "/"))
    meta: dict[str, Any] = {"device": device.group(1) if device else None, "driver_version": None,
                            "mode": None, "mode_text": None, "primary": None, "primary_reselect": None,
                            "active_slave": None, "mii_status": None, "fields": {}}
    rows: list[dict[str, Any]] = []
    section = "bond"  # "bond", "802.3ad", "aggregator", "slave", "actor" or "partner"
    for number, line in numbered_lines(text):
        body = line.strip()
        if not body:
            if section in ("aggregator", "actor", "partner"):
                section = "slave" if rows else "802.3ad"
            continue
        version = _FIRST_LINE_RE.match(body)
        if version:
            meta["driver_version"] = version.group(1)
            continue
        if body == "802.3ad info":
            section = "802.3ad"
            continue
        key, separator, value = body.partition(":")
        key, value = key.strip(), value.strip()
        if not separator:
            warnings.append(where(source, number, f"expected 'Key: value', found {body[:60]!r}. Line skipped."))
            continue
        lowered = key.lower()
        if lowered == "slave interface":
            rows.append({"line": number, "name": value, "fields": {}})
            section = "slave"
        elif lowered == "active aggregator info":
            section = "aggregator"
        elif lowered in ("details actor lacp pdu", "details partner lacp pdu"):
            section = lowered.split()[1]
        elif section in ("actor", "partner") and rows and line[0].isspace():
            _store(rows[-1], _LACPDU_KEYS, lowered, value, f"{section}_", number, source, warnings)
        elif section == "aggregator" and line[0].isspace():
            _store(meta, _AGGREGATOR_KEYS, lowered, value, "", number, source, warnings)
        elif rows and section in ("slave", "actor", "partner"):
            section = "slave"
            _read_slave_line(rows[-1], lowered, key, value, number, source, warnings)
        else:
            _read_bond_line(meta, lowered, key, value, number, source, warnings)

    table = build_table(rows, BOND_SLAVE_COLUMNS)
    log.debug("%s: bond %s, mode %s, %d slaves, %d warnings", source, meta["device"], meta["mode"], len(rows),
              len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


def _read_bond_line(meta: dict[str, Any], lowered: str, key: str, value: str, number: int, source: str,
                    warnings: list[str]) -> None:
    """Store one line of the bond's header or of its 802.3ad block."""
    meta["fields"][key] = value
    if lowered == "bonding mode":
        meta["mode_text"] = value
        # "fault-tolerance (active-backup) (fail_over_mac active)" names a fail_over_mac setting too.
        base = re.sub(r"\s*\(fail_over_mac [^)]*\)$", "", value).lower()
        meta["mode"] = MODE_NAMES.get(base)
        if meta["mode"] is None:
            warnings.append(where(source, number, f"unknown bonding mode {value!r}"))
    elif lowered == "primary slave":
        name, _, reselect = value.partition(" (primary_reselect ")
        meta["primary"] = None if name == "None" else name
        meta["primary_reselect"] = reselect.rstrip(")") or None
    elif lowered == "currently active slave":
        meta["active_slave"] = None if value == "None" else value
    elif lowered == "mii status":
        meta["mii_status"] = value
    elif lowered == "transmit hash policy":
        meta["xmit_hash_policy"] = value.split(" (")[0]
    elif lowered == "lacp rate":
        meta["lacp_rate"] = value
    elif lowered == "lacp active":
        meta["lacp_active"] = value
    elif lowered == "aggregator selection policy (ad_select)":
        meta["ad_select"] = value
    elif lowered == "system priority":
        meta["system_priority"] = to_int(value)
    elif lowered == "system mac address":
        meta["system_mac"] = normalize_mac(value) if is_mac(value) else value
    elif lowered == "min links":
        meta["min_links"] = to_int(value)
    elif lowered.endswith("(ms)"):
        meta[_snake(lowered.removesuffix("(ms)")) + "_ms"] = to_int(value)
    elif lowered.startswith("arp ip target"):
        meta["arp_ip_targets"] = [target for target in re.split(r"[,\s]+", value) if target]


def _read_slave_line(row: dict[str, Any], lowered: str, key: str, value: str, number: int, source: str,
                     warnings: list[str]) -> None:
    """Store one line of a slave's block."""
    row["fields"][key] = value
    if lowered == "speed":
        row["speed"] = to_int(value.split()[0]) if value and value != "Unknown" else None
        if value and value != "Unknown" and row["speed"] is None:
            warnings.append(where(source, number, f"invalid speed {value!r} for slave {row['name']}"))
    else:
        _store(row, _SLAVE_KEYS, lowered, value, "", number, source, warnings)


def _store(target: dict[str, Any], keys: dict[str, tuple[str, Any]], lowered: str, value: str, prefix: str,
           number: int, source: str, warnings: list[str]) -> None:
    """Convert a known key's value into ``target[prefix + column]``; other keys are only kept as printed."""
    if lowered not in keys:
        return
    column, convert = keys[lowered]
    if convert == "mac":
        converted = normalize_mac(value) if is_mac(value) else None
    else:
        converted = convert(value)
    if converted is None and value:
        warnings.append(where(source, number, f"invalid value {value!r} for {lowered!r}"))
    target[prefix + column] = converted


def _snake(text: str) -> str:
    """Turn a printed key such as ``MII Polling Interval`` into ``mii_polling_interval``."""
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
