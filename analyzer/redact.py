"""Redaction: replace MACs, IP addresses, host names and input folders with stable pseudonyms.

A report made with ``--redact`` can go into a public bug tracker. The case is
redacted at the data level before anything is rendered, so the plots show only
pseudonyms; the rendered text then passes through the same mapping again as a
safety net.

Pseudonyms are allocated in sorted order of the originals found in the case,
so two runs on the same inputs give the same pseudonym for the same address,
whatever the report format. Pseudonyms never equal an address that occurs in
the case.

- A unicast MAC becomes ``02:00:00:00:00:01`` and up (locally administered);
  a multicast MAC becomes ``03:00:00:...``. With ``keep_oui`` the first three
  octets stay and the last three are numbered per OUI.
- An IPv4 address keeps its last octet, and its /24 network is replaced by a
  documentation or benchmarking network (192.0.2.0/24, 203.0.113.0/24,
  198.51.100.0/24, then 198.18.0.0/15) that no original address is in. So
  addresses that share a /24 still share one after redaction.
- An IPv6 address becomes ``2001:db8::N``.
- A host name becomes ``host1``, ``host2`` ...
- The folders above each input path are dropped from file names
  (``/home/alice/acme/case7/eth1.pcap`` given as ``/home/alice/acme/case7``
  becomes ``case7/eth1.pcap``).

Broadcast, all-zero and protocol-reserved addresses (STP/LACP/LLDP group
MACs, 01:00:5e:00:00:xx, 33:33:00:00:00:xx, 0.0.0.0, 255.255.255.255,
127.0.0.0/8, 224.0.0.0/24, ::, ::1, ff02::1, ff02::2) are kept: they name
no host.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .findings import Evidence, Finding
from .parsers import Parsed
from .topology import Topology

log = logging.getLogger(__name__)

MAC_COLUMNS = ("eth_src", "eth_dst", "arp_sha", "arp_tha")
IPV4_COLUMNS = ("arp_spa", "arp_tpa", "ip_src", "ip_dst")

_HEX = r"[0-9A-Fa-f]"
# Colon- or dash-separated MACs (a backslash may precede a dash in escaped
# Markdown), and the Cisco dotted form 5254.006b.2e01.
# A MAC may follow a word and a colon, as in the kernel's "(addr:00:50:56:9a:10:24, vlan:0)",
# but not a hex digit and a colon, which would be the inside of a longer address.
MAC_PATTERN = re.compile(
    rf"(?:(?<![0-9A-Za-z:.\\-])|(?<=[g-zG-Z]:))(?:{_HEX}{{2}}(?::{_HEX}{{2}}){{5}}|{_HEX}{{2}}(?:\\?-{_HEX}{{2}}){{5}}"
    rf"|{_HEX}{{4}}\.{_HEX}{{4}}\.{_HEX}{{4}})(?![0-9A-Za-z:]|[.-][0-9A-Za-z])")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4_PATTERN = re.compile(rf"(?<![\w.\\]){_OCTET}(?:\\?\.{_OCTET}){{3}}(?![\w]|\\?\.\d)")
# Candidates only: a match counts as IPv6 when ipaddress accepts it and it has
# a "::" or eight groups, which leaves clock times such as 17:27:08 alone.
IPV6_PATTERN = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")

KEPT_MACS = {0, 0xFFFF_FFFF_FFFF}
KEPT_MAC_PREFIXES = ((0x0180C20000, 8), (0x01005E0000, 8), (0x3333000000, 8))
KEPT_IPV6 = {"::", "::1", "ff02::1", "ff02::2"}

# Networks whose /24s replace the original ones, in order of use.
PSEUDONYM_NETWORKS = ("192.0.2.0/24", "203.0.113.0/24", "198.51.100.0/24", "198.18.0.0/15")


def _is_kept_mac(value: int) -> bool:
    if value in KEPT_MACS:
        return True
    return any(value >> bits == prefix for prefix, bits in KEPT_MAC_PREFIXES)


def _is_kept_ipv4(value: int) -> bool:
    if value in (0, 0xFFFF_FFFF):
        return True
    if value >> 24 == 127:
        return True
    return value >> 8 == 0xE00000  # 224.0.0.0/24, local network control


def _mac_text(value: int) -> str:
    return ":".join(f"{b:02x}" for b in value.to_bytes(6, "big"))


def _mac_value(text: str) -> int:
    digits = re.sub(r"[^0-9A-Fa-f]", "", text)
    return int(digits, 16)


def _ipv4_value(text: str) -> int:
    return int(ipaddress.IPv4Address(text.replace("\\", "")))


def _ipv6_key(text: str) -> str | None:
    if text.count(":") < 7 and "::" not in text:
        return None
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None


def find_host_names(paths) -> list[str]:
    """Read host names from ``hostname`` and ``etc/hostname`` files in the given folders.

    A sosreport keeps the host's name in both; a plain folder of captures has
    neither. Folders directly inside a given folder are searched too, so that a
    case folder holding a sosreport folder is covered.
    """
    names = []
    folders = []
    for path in paths:
        folder = Path(path)
        if folder.is_dir():
            # The folder itself, and the sosreport folders directly in it.
            folders.append(folder)
            folders.extend(sorted(child for child in folder.iterdir()
                                  if child.is_dir() and not child.is_symlink()))
    for folder in folders:
        for candidate in (folder / "hostname", folder / "etc" / "hostname"):
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            name = text.strip().splitlines()[0].strip() if text.strip() else ""
            if name and name not in names:
                names.append(name)
    return names


class Redactor:
    """A consistent mapping from addresses, host names and folders to pseudonyms."""

    def __init__(self, keep_oui: bool = False, host_names=(), inputs=()):
        self.keep_oui = keep_oui
        self.macs: dict[int, int] = {}
        self.ipv4: dict[int, int] = {}
        self.ipv6: dict[str, str] = {}
        self.networks: dict[int, int] = {}
        self._original_macs: set[int] = set()
        self._original_ipv4: set[int] = set()
        self._pseudonym_macs: set[int] = set()
        self._pseudonym_ipv4: set[int] = set()
        self._mac_counters: dict[int, int] = {}
        self._network_pool = self._networks()
        self.hosts = self._host_pseudonyms(host_names)
        self._host_pattern = self._compile_hosts()
        self._folders = self._input_folders(inputs)

    def add_host_names(self, names) -> None:
        """Add host names found while loading the case, such as those inside sosreport tarballs."""
        for name in sorted({n.strip().lower() for n in names if n and n.strip()} - set(self.hosts)):
            label = name.split(".", 1)[0]
            pseudonym = self.hosts.get(label) or f"host{len(set(self.hosts.values())) + 1}"
            self.hosts[name] = pseudonym
            if label != name and len(label) >= 3:
                self.hosts.setdefault(label, pseudonym)
        self._host_pattern = self._compile_hosts()

    def _compile_hosts(self) -> re.Pattern | None:
        # Longest names first, so a fully qualified name wins over its first label. A name
        # inside a file name counts: "db01-vnet0.pcap" has "db01".
        names = sorted(self.hosts, key=lambda n: (-len(n), n))
        if not names:
            return None
        return re.compile(r"(?<![A-Za-z0-9])(" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z0-9])",
                          re.IGNORECASE)

    # Allocation ---------------------------------------------------------------------------

    @staticmethod
    def _networks():
        for text in PSEUDONYM_NETWORKS:
            network = ipaddress.IPv4Network(text)
            for subnet in network.subnets(new_prefix=24):
                yield int(subnet.network_address) >> 8

    @staticmethod
    def _host_pseudonyms(host_names) -> dict[str, str]:
        """Number the host names in sorted order; a fully qualified name and its first label share one."""
        hosts: dict[str, str] = {}
        for name in sorted({n.strip().lower() for n in host_names if n.strip()}):
            label = name.split(".", 1)[0]
            pseudonym = hosts.get(name) or hosts.get(label) or f"host{len(set(hosts.values())) + 1}"
            hosts[name] = pseudonym
            if label != name and len(label) >= 3:
                hosts.setdefault(label, pseudonym)
        return hosts

    @staticmethod
    def _input_folders(inputs) -> list[str]:
        """Return the folder prefixes to drop, longest first: each input folder, and each input file's folder.

        A case folder's own name often names the customer, so paths inside it
        are shown relative to it.
        """
        folders = set()
        for path in inputs:
            text = str(path).rstrip("/")
            folder = text if os.path.isdir(text) else os.path.dirname(text)
            if folder and folder != ".":
                folders.add(folder.rstrip("/") + "/")
        return sorted(folders, key=len, reverse=True)

    def add_originals(self, macs=(), ipv4=()) -> None:
        """Register addresses that occur in the case, so that no pseudonym equals one of them."""
        self._original_macs.update(int(v) for v in macs if v >= 0)
        self._original_ipv4.update(int(v) for v in ipv4 if v >= 0)

    def allocate(self) -> None:
        """Give every registered original a pseudonym, in sorted order, so runs agree."""
        for value in sorted(self._original_macs):
            self.mac(value)
        for value in sorted(self._original_ipv4):
            self.ipv4_value(value)

    def mac(self, value: int) -> int:
        """Return the pseudonym of a MAC given as a 48-bit integer (negative values are kept)."""
        value = int(value)
        if value < 0 or _is_kept_mac(value):
            return value
        if value in self.macs:
            return self.macs[value]
        if value not in self._original_macs:
            self._original_macs.add(value)
        group = (value >> 40) & 0x01
        if self.keep_oui:
            prefix = value >> 24
        elif group:
            prefix = 0x030000  # locally administered multicast
        else:
            prefix = 0x020000  # locally administered unicast
        while True:
            counter = self._mac_counters.get(prefix, 0) + 1
            self._mac_counters[prefix] = counter
            if counter >= 1 << 24:
                raise ValueError(f"more than {1 << 24} MACs to redact under prefix {prefix:06x}")
            candidate = (prefix << 24) | counter
            if candidate not in self._original_macs:
                break
        self.macs[value] = candidate
        self._pseudonym_macs.add(candidate)
        return candidate

    def ipv4_value(self, value: int) -> int:
        """Return the pseudonym of an IPv4 address given as an integer (negative values are kept)."""
        value = int(value)
        if value < 0 or _is_kept_ipv4(value):
            return value
        if value in self.ipv4:
            return self.ipv4[value]
        network = value >> 8
        if network not in self.networks:
            used = {v >> 8 for v in self._original_ipv4} | {network}
            for candidate in self._network_pool:
                if candidate not in used:
                    self.networks[network] = candidate
                    break
            else:
                raise ValueError("more /24 networks to redact than the pseudonym networks hold")
        pseudonym = (self.networks[network] << 8) | (value & 0xFF)
        self.ipv4[value] = pseudonym
        self._pseudonym_ipv4.add(pseudonym)
        return pseudonym

    def _ipv6(self, key: str) -> str:
        if key in KEPT_IPV6:
            return key
        if key not in self.ipv6:
            self.ipv6[key] = f"2001:db8::{len(self.ipv6) + 1:x}"
        return self.ipv6[key]

    # Text -----------------------------------------------------------------------------------

    def collect_text(self, text: str) -> None:
        """Register the MACs and IPv4 addresses written in a string as originals."""
        for match in MAC_PATTERN.finditer(text):
            self._original_macs.add(_mac_value(match.group(0)))
        for match in IPV4_PATTERN.finditer(text):
            self._original_ipv4.add(_ipv4_value(match.group(0)))

    def _replace_mac(self, match: re.Match) -> str:
        value = _mac_value(match.group(0))
        if value in self._pseudonym_macs and value not in self._original_macs:
            return match.group(0)
        return _mac_text(self.mac(value))

    def _replace_ipv4(self, match: re.Match) -> str:
        text = match.group(0)
        value = _ipv4_value(text)
        if value in self._pseudonym_ipv4 and value not in self._original_ipv4:
            return text
        pseudonym = str(ipaddress.IPv4Address(self.ipv4_value(value)))
        return pseudonym.replace(".", "\\.") if "\\" in text else pseudonym

    def _replace_ipv6(self, match: re.Match) -> str:
        key = _ipv6_key(match.group(0))
        if key is None or key in self.ipv6.values():
            return match.group(0)
        return self._ipv6(key)

    def text(self, text: str) -> str:
        """Replace every MAC, IP address, host name and input folder in a string."""
        if not text:
            return text
        for folder in self._folders:
            text = re.sub(r"(?<![\w/.-])" + re.escape(folder), "", text)
            # The folder itself, as in the list of inputs.
            text = re.sub(r"(?<![\w/.-])" + re.escape(folder.rstrip("/")) + r"(?![\w/.-])", ".", text)
        text = MAC_PATTERN.sub(self._replace_mac, text)
        text = IPV4_PATTERN.sub(self._replace_ipv4, text)
        text = IPV6_PATTERN.sub(self._replace_ipv6, text)
        if self._host_pattern is not None:
            text = self._host_pattern.sub(lambda m: self.hosts[m.group(1).lower()], text)
        return text

    def html(self, text: str) -> str:
        """Redact rendered HTML, leaving base64 data URIs (the inline images) untouched."""
        parts = re.split(r"(data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+)", text)
        return "".join(part if part.startswith("data:") else self.text(part) for part in parts)

    def value(self, value):
        """Redact the strings inside a value: a string, list, tuple, set or dict (keys too)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.value(v) for v in value)
        if isinstance(value, (set, frozenset)):
            return type(value)(self.value(v) for v in value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        return value

    def collect_value(self, value) -> None:
        if isinstance(value, str):
            self.collect_text(value)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                self.collect_value(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                self.collect_value(key)
                self.collect_value(item)


# Case ------------------------------------------------------------------------------------------


def _object_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns
            if c not in MAC_COLUMNS and c not in IPV4_COLUMNS
            and (frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype))]


def _collect_frame(redactor: Redactor, frame: pd.DataFrame) -> None:
    for column in MAC_COLUMNS:
        if column in frame:
            redactor.add_originals(macs=np.unique(frame[column].to_numpy()))
    for column in IPV4_COLUMNS:
        if column in frame:
            redactor.add_originals(ipv4=np.unique(frame[column].to_numpy()))
    for column in _object_columns(frame):
        for value in _unique_values(frame[column]):
            redactor.collect_value(value)


def _unique_values(series: pd.Series) -> list:
    """Return the distinct values of a column, also when they are unhashable lists."""
    try:
        return list(pd.unique(series.dropna()))
    except TypeError:
        seen, values = set(), []
        for value in series:
            key = repr(value)
            if key not in seen:
                seen.add(key)
                values.append(value)
        return values


def _redact_frame(redactor: Redactor, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in MAC_COLUMNS:
        if column in frame:
            frame[column] = _map_integers(frame[column], redactor.mac)
    for column in IPV4_COLUMNS:
        if column in frame:
            frame[column] = _map_integers(frame[column], redactor.ipv4_value)
    for column in _object_columns(frame):
        series = frame[column]
        cache: dict = {}
        values = []
        for value in series:
            if value is None or not _hashable(value):
                values.append(redactor.value(value))
                continue
            if value not in cache:
                cache[value] = redactor.value(value)
            values.append(cache[value])
        # Object columns keep None for missing names, which the analysis tests with "is None".
        dtype = object if series.dtype == object else series.dtype
        frame[column] = pd.Series(values, index=series.index, dtype=dtype, name=column)
    return frame


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _map_integers(series: pd.Series, function) -> pd.Series:
    values = series.to_numpy()
    unique, inverse = np.unique(values, return_inverse=True)
    mapped = np.array([function(int(v)) for v in unique], dtype=values.dtype)
    return pd.Series(mapped[inverse].reshape(values.shape), index=series.index, name=series.name)


def _collect_case(redactor: Redactor, case) -> None:
    outputs = [*case.outputs, *case.other_outputs]
    redactor.add_host_names(item.meta.get("host") for item in outputs if isinstance(item.meta.get("host"), str))
    for frame in (case.sightings, case.journeys, case.fdb_events, case.decisions, case.arp_transactions,
                  case.snapshot_checks):
        _collect_frame(redactor, frame)
    for item in outputs:
        _collect_frame(redactor, item.table)
        redactor.collect_value(item.meta)
        redactor.collect_value(item.warnings)
    for _, data in case.topology.nodes(data=True):
        redactor.collect_value(data)
    for finding in case.finding_list:
        redactor.collect_value(dataclasses.asdict(finding))
    for capture in case.captures:
        redactor.collect_value(capture.warnings)
        redactor.collect_value(capture.file)
    redactor.collect_value(case.warnings)
    redactor.collect_value(case.replay_notes)


def _redact_topology(redactor: Redactor, topology: Topology) -> Topology:
    import networkx as nx

    graph = nx.Graph()
    for name, data in topology.graph.nodes(data=True):
        graph.add_node(redactor.text(name), **redactor.value(dict(data)))
    for a, b, data in topology.graph.edges(data=True):
        graph.add_edge(redactor.text(a), redactor.text(b), **redactor.value(dict(data)))
    return Topology(graph=graph, warnings=redactor.value(list(topology.warnings)))


def _redact_finding(redactor: Redactor, finding: Finding) -> Finding:
    evidence = [Evidence(point=redactor.text(e.point), file=redactor.text(e.file), frame=e.frame,
                         time=e.time, note=redactor.text(e.note)) for e in finding.evidence]
    fields = {name: redactor.value(getattr(finding, name))
              for name in ("summary", "lost_at", "mac", "bridge", "port", "recommendations", "explanation",
                           "counterfactual", "related", "log_evidence")}
    return dataclasses.replace(finding, evidence=evidence, **fields)


def _redact_output(redactor: Redactor, item: Parsed) -> Parsed:
    return Parsed(kind=item.kind, source=redactor.text(item.source), table=_redact_frame(redactor, item.table),
                  meta=redactor.value(dict(item.meta)), warnings=redactor.value(list(item.warnings)))


def redact_case(case, redactor: Redactor):
    """Return a copy of the case with every address, host name and input folder replaced."""
    _collect_case(redactor, case)
    redactor.allocate()
    captures = [dataclasses.replace(c, file=redactor.text(c.file), point=redactor.text(c.point),
                                    points=redactor.value(list(c.points)),
                                    warnings=redactor.value(list(c.warnings)))
                for c in case.captures]
    outputs, other_outputs = ([_redact_output(redactor, item) for item in items]
                              for items in (case.outputs, case.other_outputs))
    redacted = dataclasses.replace(
        case,
        inputs=redactor.value(list(case.inputs)),
        captures=captures,
        outputs=outputs,
        other_outputs=other_outputs,
        snapshot_checks=_redact_frame(redactor, case.snapshot_checks),
        topology_model=_redact_topology(redactor, case.topology_model),
        sightings=_redact_frame(redactor, case.sightings),
        journeys=_redact_frame(redactor, case.journeys),
        fdb_events=_redact_frame(redactor, case.fdb_events),
        decisions=_redact_frame(redactor, case.decisions),
        arp_transactions=_redact_frame(redactor, case.arp_transactions),
        finding_list=[_redact_finding(redactor, f) for f in case.finding_list],
        warnings=redactor.value(list(case.warnings)),
        replay_notes=redactor.value(list(case.replay_notes)),
    )
    log.info("redacted %d MACs, %d IPv4 addresses and %d host names",
             len(redactor.macs), len(redactor.ipv4), len(redactor.hosts))
    return redacted
