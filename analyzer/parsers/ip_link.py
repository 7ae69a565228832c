"""``ip [-d] [-s [-s]] [-o] link show`` text, read into one row per interface.

A sample of ``ip -d link show`` (iproute2 6.1, long detail lines shortened)::

    5: vnet3@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000
        link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0 promiscuity 1  allmulti 1 minmtu 68 maxmtu 65535
        veth
        bridge_slave state forwarding priority 32 cost 2 hairpin off learning on flood on ... addrgenmode eui64 numtxqueues 1
    6: br0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
        link/ether 02:00:00:00:00:06 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535
        bridge forward_delay 1500 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 ... vlan_filtering 0

>>> parsed = parse('''6: br0: <BROADCAST,UP> mtu 1500 qdisc noqueue state UP mode DEFAULT
...     link/ether 02:00:00:00:00:06 brd ff:ff:ff:ff:ff:ff promiscuity 0
...     bridge forward_delay 1500 ageing_time 30000 stp_state 0 vlan_filtering 1''')
>>> row = parsed.table.iloc[0]
>>> row["name"], row["kind"], float(row["ageing_time"]), float(row["forward_delay"]), bool(row["vlan_filtering"])
('br0', 'bridge', 300.0, 15.0, True)

The first detail line after ``link/...`` names the kind (``veth``, ``bridge``,
``team`` ...) and the line starting with ``X_slave`` the slave kind. Keys
that follow on the last of these lines (``addrgenmode``, ``numtxqueues`` ...)
are generic. ``attributes`` contains every key and value of the header's extra
fields (``linkmode``, ``group``, ``txqlen``), of the ``link/`` line and of the kind
and slave lines as printed, plus ``altnames``, ``alias`` and ``vfs``. A key
that two lines both print is kept once per line, the later one as
``<kind>.<key>``. ``stats`` maps ``rx_bytes``, ``tx_dropped`` ... to counters,
``rx_<name>_errors`` for the ``-s -s`` error lines, and ``vfs`` to each SR-IOV
VF's counters. In ``-o`` output a backslash stands for each line break.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import Parsed
from ._link_columns import LINK_COLUMNS, typed_columns
from ._text import build_table, is_mac, normalize_mac, numbered_lines, parse_pairs, shorten, to_int, where

log = logging.getLogger(__name__)

KIND = "ip_link"

HEADER_RE = re.compile(r"^(?:Deleted\s+)?(\d+):\s+([^\s:@]+)(?:@([^\s:]+))?:\s+<([^>]*)>\s*(.*)$")
_ONELINE_BREAK_RE = re.compile(r"\\(?=\s)")
_STATS_HEADER_RE = re.compile(r"^(RX|TX)(\s+errors)?:\s*(.*)$")

# Keys printed after the kind-specific ones, on the last detail line.
GENERIC_KEYS = {
    "addrgenmode",
    "numtxqueues",
    "numrxqueues",
    "gso_max_size",
    "gso_max_segs",
    "tso_max_size",
    "tso_max_segs",
    "gro_max_size",
    "gso_ipv4_max_size",
    "gro_ipv4_max_size",
    "portname",
    "portid",
    "switchid",
    "parentbus",
    "parentdev",
}
# Keys of the "link/TYPE ADDRESS" line.
LINK_LINE_KEYS = {
    "brd",
    "peer",
    "permaddr",
    "link-netnsid",
    "link-netns",
    "new-netns",
    "new-netnsid",
    "new-ifindex",
    "protodown",
    "protodown_reason",
    "promiscuity",
    "allmulti",
    "minmtu",
    "maxmtu",
}
# Words that kinds print without a value (iproute2 6.1 ip/iplink_*.c, ip/link_*.c).
FLAG_WORDS = {
    "external",
    "vnifilter",
    "nolearning",
    "proxy",
    "rsc",
    "l2miss",
    "l3miss",
    "udpcsum",
    "noudpcsum",
    "udp6zerocsumtx",
    "noudp6zerocsumtx",
    "udp6zerocsumrx",
    "noudp6zerocsumrx",
    "remcsumtx",
    "noremcsumtx",
    "remcsumrx",
    "noremcsumrx",
    "gbp",
    "gpe",
    "localbypass",
    "nolocalbypass",
    "inner_proto_inherit",
    "pmtudisc",
    "nopmtudisc",
    "ignore-df",
    "iseq",
    "oseq",
    "icsum",
    "ocsum",
    "isatap",
    "mip6",
    "multi_queue",
    "nopromisc",
    "nodst",
    "private",
    "vepa",
    "multiproto",
    "nomultiproto",
    "encap-csum",
    "noencap-csum",
    "encap-csum6",
    "noencap-csum6",
    "encap-remcsum",
    "noencap-remcsum",
    "allow-localremote",
    "noallow-localremote",
}
# Keys followed by more than one value.
VALUE_COUNTS = {"srcport": 2}


def detect(text: str) -> bool:
    """Return whether the start of the text looks like ``ip link show`` output."""
    lines = [line for _, line in numbered_lines(text[:4096]) if line.strip()]
    if not lines or not HEADER_RE.match(lines[0]):
        return False
    # "bridge link" prints the same header but neither a qdisc nor a link/ line.
    if " qdisc " in lines[0] or "link/" in lines[0]:
        return True
    return len(lines) > 1 and lines[1].strip().startswith("link/")


def parse(text: str, source: str = "<text>") -> Parsed:
    """Parse ``ip link`` text into one row per interface, with a warning for each odd line."""
    interfaces: list[_Interface] = []
    warnings: list[str] = []
    oneline = False
    for number, raw in numbered_lines(text):
        parts = [raw]
        if HEADER_RE.match(raw) and _ONELINE_BREAK_RE.search(raw):
            parts = _ONELINE_BREAK_RE.split(raw)
            oneline = True
        for part in parts:
            if not part.strip():
                continue
            header = HEADER_RE.match(part)
            if header:
                interfaces.append(_Interface(number, header, source, warnings))
            elif not part[0].isspace():
                warnings.append(
                    where(
                        source,
                        number,
                        f"not an interface header or an indented detail line: {shorten(part)!r}. "
                        "Line skipped.",
                    )
                )
            elif not interfaces:
                warnings.append(
                    where(source, number, "detail line before the first interface header. Line skipped.")
                )
            else:
                interfaces[-1].add_detail(part.strip(), number)

    rows = [interface.row() for interface in interfaces]
    table = build_table(rows, LINK_COLUMNS)
    meta = {
        "interfaces": len(rows),
        "details": any(
            row.get("promiscuity") is not None or row.get("kind") or row.get("slave_kind") for row in rows
        ),
        "stats": any(row.get("stats") for row in rows),
        "oneline": oneline,
    }
    log.debug("%s: %d interfaces, %d warnings", source, len(rows), len(warnings))
    return Parsed(kind=KIND, source=source, table=table, meta=meta, warnings=warnings)


class _Interface:
    """Collects the header and detail lines of one interface."""

    def __init__(self, number: int, header: re.Match, source: str, warnings: list[str]):
        self.source = source
        self.warnings = warnings
        ifindex, name, link, flags, rest = header.groups()
        self.values: dict[str, Any] = {
            "line": number,
            "ifindex": int(ifindex),
            "name": name,
            "link": link,
            "flags": [flag for flag in flags.split(",") if flag],
        }
        if link and link.startswith("if"):
            self.values["link_ifindex"] = to_int(link[2:])
        self.attributes: dict[str, Any] = {}
        self.kind_attributes: dict[str, Any] = {}
        self.slave_attributes: dict[str, Any] = {}
        self.stats: dict[str, Any] = {}
        self.stats_target = self.stats
        self.pending_stats: tuple[str, list[str], int] | None = None
        self._read_header_fields(rest.split())

    def _read_header_fields(self, tokens: list[str]) -> None:
        """Store mtu, qdisc, master and state as columns and the other fields as attributes.

        ``mode`` and ``qlen`` are renamed to ``linkmode`` and ``txqlen``, the
        names of ip's JSON output, so that they do not collide with the
        ``mode`` of a bond, macvlan or ipvlan.
        """
        fields = parse_pairs(tokens)
        for printed, renamed in (("mode", "linkmode"), ("qlen", "txqlen")):
            if printed in fields:
                fields[renamed] = fields.pop(printed)
        self.values["mtu"] = to_int(fields.pop("mtu", None))
        self.values["qdisc"] = fields.pop("qdisc", None)
        self.values["master"] = fields.pop("master", None)
        self.values["operstate"] = fields.pop("state", None)
        self.attributes.update(fields)

    def add_detail(self, body: str, number: int) -> None:
        """Read one indented line of the interface's block."""
        tokens = body.split()
        if self.pending_stats is not None:
            prefix, names, header_line = self.pending_stats
            self.pending_stats = None
            if tokens[0][:1].isdigit() or tokens[0].startswith("-"):
                for name, value in zip(names, tokens):
                    number_value = to_int(value)
                    self.stats_target[f"{prefix}_{name}"] = value if number_value is None else number_value
                return
            self.warnings.append(
                where(
                    self.source,
                    header_line,
                    f"counter header without a line of values for {self.values['name']}",
                )
            )

        stats_header = _STATS_HEADER_RE.match(body)
        if stats_header:
            direction, errors, names = stats_header.groups()
            names_list = names.split()
            if errors:
                names_list = [f"{name}_errors" for name in names_list]
            self.pending_stats = (direction.lower(), names_list, number)
        elif tokens[0].startswith("link/"):
            self._read_link_line(tokens)
        elif tokens[0] == "altname" and len(tokens) > 1:
            self.attributes.setdefault("altnames", []).append(tokens[1])
        elif tokens[0] == "alias":
            self.attributes["alias"] = body[len("alias") :].strip()
        elif tokens[0] == "vf" and len(tokens) > 1:
            self.attributes.setdefault("vfs", []).append(body[len("vf") :].strip())
            self.stats_target = self.stats.setdefault("vfs", {}).setdefault(tokens[1], {})
        elif tokens[0].startswith("prog/"):
            self.attributes[tokens[0]] = body[len(tokens[0]) :].strip()
        elif tokens[0] in ("ingress-qos-map", "egress-qos-map"):
            self._merge(self.kind_attributes, parse_pairs(tokens), self.values.get("kind"))
        elif tokens[0].endswith("_slave"):
            self.values["slave_kind"] = tokens[0]
            self._read_kind_line(tokens, self.slave_attributes, tokens[0])
        elif (
            self.values.get("kind") is None
            and self.values.get("slave_kind") is None
            and tokens[0] not in GENERIC_KEYS | LINK_LINE_KEYS
        ):
            self.values["kind"] = tokens[0]
            self._read_kind_line(tokens, self.kind_attributes, tokens[0])
        else:
            self._merge(self.attributes, parse_pairs(tokens, FLAG_WORDS, VALUE_COUNTS), "details")

    def _read_link_line(self, tokens: list[str]) -> None:
        """Read ``link/TYPE [ADDRESS] [brd|peer ADDRESS] [link-netnsid N] [promiscuity N] ...``."""
        self.values["link_type"] = tokens[0][len("link/") :]
        rest = tokens[1:]
        if rest and rest[0] not in LINK_LINE_KEYS and rest[0] not in GENERIC_KEYS:
            address = rest.pop(0)
            if is_mac(address):
                self.values["mac"] = normalize_mac(address)
            self.attributes["address"] = address
        fields = parse_pairs(rest, FLAG_WORDS, VALUE_COUNTS)
        self.values["link_netnsid"] = to_int(fields.get("link-netnsid"))
        self.values["link_netns"] = fields.get("link-netns")
        self.values["promiscuity"] = to_int(fields.get("promiscuity"))
        self._merge(self.attributes, fields, "link")

    def _read_kind_line(self, tokens: list[str], section: dict[str, Any], section_name: str) -> None:
        """Read a kind or slave line: its own keys first, then the generic ones."""
        split = next((i for i, token in enumerate(tokens) if i > 0 and token in GENERIC_KEYS), len(tokens))
        self._merge(section, parse_pairs(tokens[1:split], FLAG_WORDS, VALUE_COUNTS), section_name)
        self._merge(self.attributes, parse_pairs(tokens[split:]), "details")

    @staticmethod
    def _merge(target: dict[str, Any], fields: dict[str, Any], section: str | None) -> None:
        """Add fields, keeping an earlier different value under its key and the new one as ``section.key``."""
        for key, value in fields.items():
            if key in target and target[key] != value:
                target[f"{section}.{key}"] = value
            else:
                target[key] = value

    def row(self) -> dict[str, Any]:
        """Return the table row, with the kind columns and all attributes merged."""
        if self.pending_stats is not None:
            self.warnings.append(
                where(
                    self.source,
                    self.pending_stats[2],
                    f"counter header without a line of values for {self.values['name']}",
                )
            )
        row = dict(self.values)
        row.update(
            typed_columns(row.get("kind"), self.kind_attributes, row.get("slave_kind"), self.slave_attributes)
        )
        attributes = dict(self.attributes)
        self._merge(attributes, self.kind_attributes, row.get("kind"))
        self._merge(attributes, self.slave_attributes, row.get("slave_kind"))
        row["attributes"] = attributes
        row["stats"] = self.stats or None
        return row
