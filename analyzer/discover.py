"""Discovery: find the captures and the saved command outputs of a case, by content.

A folder is walked and each file recognised by its content. A sosreport,
folder or tarball, is read by sos path instead (``analyzer.sosreport``): only
the files that a parser reads are looked at, each tagged with its parser and
checked against that parser's ``detect``. A tarball's members are copied to a
temporary folder that ``Discovered.close`` removes (also when the
``Discovered`` object is garbage-collected or the program exits).

Each file read from a sosreport keeps where it came from (``origins``): the
report's host name and, with a sos 4.x manifest, when its command ran.
``label_outputs`` copies that into each ``Parsed.meta`` as ``host`` and
``collected_at``. When a case contains the sosreports of several hosts,
``choose_host`` picks the one the captures were taken on.
"""

from __future__ import annotations

import importlib
import logging
import re
import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from .addresses import mac_int_to_str
from .captures import is_capture
from .parsers import Parsed
from .points import file_stem, match_interface_name
from .sosreport import SosReport, is_sosreport_dir, is_tarball, open_sosreport

log = logging.getLogger(__name__)

# Parser modules tried, in this order, on each text file; the first whose
# detect() accepts the text parses it. JSON and XML formats come first, then
# text formats with a fixed header or first line, then the looser ones
# (key=value files and logs) last.
PARSER_MODULES = [
    "teamdctl_state_dump",
    "teamdctl_config_dump",
    "bridge_fdb_json",
    "bridge_vlan_json",
    "ip_link_json",
    "libvirt_domain",
    "teamdctl_state_view",
    "proc_net_bonding",
    "brctl_show",
    "brctl_showmacs",
    "brctl_showstp",
    "nmcli_connection",
    "nm_keyfile",
    "teamnl_ports",
    "teamnl_options",
    "ip_link",
    "bridge_link",
    "bridge_vlan",
    "bridge_fdb",
    "ifcfg",
    "uptime",
    "kernel_log",
    "teamd_log",
]
# A log may hold kernel lines and teamd's lines together: such a file is given to each of these parsers
# whose detect() accepts it.
LOG_PARSERS = ("kernel_log", "teamd_log")

# Text files larger than this are not command output; they are skipped with a warning.
MAX_TEXT_BYTES = 64 * 1024 * 1024
DETECT_BYTES = 64 * 1024


@dataclass
class Discovered:
    """The inputs of a case: capture files, command outputs with their parser, and what was not used."""

    captures: list[str] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (path, parser module name)
    skipped: list[str] = field(default_factory=list)  # messages naming each file not used
    sosreports: list[SosReport] = field(default_factory=list)
    """The sosreports found, with their host name; a tarball's files live in its temporary folder."""
    origins: dict[str, dict] = field(default_factory=dict)
    """For each output or capture path read from a sosreport: ``host``, ``collected_at``, ``sosreport``, ``sos_path``."""

    def close(self) -> None:
        """Remove the temporary folders of the sosreport tarballs; their paths are invalid afterwards."""
        for report in self.sosreports:
            report.close()

    def __enter__(self) -> "Discovered":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def parser_modules():
    modules = []
    for name in PARSER_MODULES:
        try:
            modules.append((name, importlib.import_module(f"analyzer.parsers.{name}")))
        except ImportError:
            log.debug("parser %s is not available", name)
    return modules


def _walk(path: Path):
    """Yield the files under a path; a sosreport folder, given or inside, is yielded as the folder itself."""
    if is_sosreport_dir(path):
        yield path
    elif path.is_dir():
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs.sort()
            for name in list(dirs):
                if is_sosreport_dir(Path(root) / name):
                    dirs.remove(name)
                    yield Path(root) / name
            for name in sorted(files):
                yield Path(root) / name
    else:
        yield path


def read_text(path: Path, limit: int | None = None) -> str:
    with open(path, "rb") as handle:
        raw = handle.read(limit) if limit else handle.read()
    return raw.decode("utf-8", errors="replace")


# Messages a shell or a command prints instead of output when it cannot run.
# sos and hand-made collections save them in place of the output.
FAILED_COMMAND = re.compile(
    r"(command not found|No such file or directory|Operation not permitted|Permission denied"
    r"|Cannot find device|does not exist|not supported|Object \"\S+\" is unknown)", re.IGNORECASE)
FAILED_COMMAND_BYTES = 512


def failed_command(path: Path) -> str | None:
    """Return the error line when a small text file holds only a command's failure message."""
    try:
        text = read_text(path, FAILED_COMMAND_BYTES).strip()
    except OSError:
        return None
    lines = text.splitlines()
    if not lines or len(lines) > 3:
        return None
    return lines[0].strip() if FAILED_COMMAND.search(lines[0]) else None


def detect_output(path: Path, modules) -> str | None:
    """Return the first parser module whose detect() accepts the start of the file, or None."""
    kinds = detect_outputs(path, modules)
    return kinds[0] if kinds else None


def detect_outputs(path: Path, modules) -> list[str]:
    """Return the parser modules that read the file: the first that accepts it, plus the other log parser."""
    try:
        head = read_text(path, DETECT_BYTES)
    except OSError:
        return []
    if "\x00" in head:
        return []
    for name, module in modules:
        if _accepts(name, module, head, path):
            if name not in LOG_PARSERS:
                return [name]
            return [log_name for log_name, log_module in modules
                    if log_name in LOG_PARSERS and _accepts(log_name, log_module, head, path)]
    return []


def _accepts(name: str, module, head: str, path: Path) -> bool:
    """Run one detector; a detector that fails is logged and counts as a no."""
    try:
        return bool(module.detect(head))
    except Exception:  # a detector must never stop discovery
        log.exception("detector %s failed on %s", name, path)
        return False


def discover(paths: list[str]) -> Discovered:
    """Classify every file under the given paths as a capture, a known command output, or skipped."""
    found = Discovered()
    # Remove the tarballs' temporary folders even when the caller never calls close().
    weakref.finalize(found, _close_reports, found.sosreports)
    modules = parser_modules()
    for given in paths:
        root = Path(given)
        if not root.exists():
            found.skipped.append(f"{given}: not found")
            continue
        for path in _walk(root):
            if path.is_symlink() and not path.resolve().exists():
                found.skipped.append(f"{path}: broken symbolic link")
                continue
            if is_sosreport_dir(path):
                _add_sosreport(found, path, modules)
                continue
            if not path.is_file():
                continue
            if is_capture(str(path)):
                found.captures.append(str(path))
                continue
            if is_tarball(path):
                _add_sosreport(found, path, modules)
                continue
            try:
                size = path.stat().st_size
            except OSError as error:
                found.skipped.append(f"{path}: cannot be read ({error.strerror})")
                continue
            if size > MAX_TEXT_BYTES:
                found.skipped.append(f"{path}: {size} bytes, too large for command output; skipped")
                continue
            failure = failed_command(path) if size < FAILED_COMMAND_BYTES else None
            if size == 0:
                found.skipped.append(f"{path}: empty file")
                continue
            if failure:
                found.skipped.append(f"{path}: the saved command failed ({failure}); nothing to read")
                continue
            kinds = detect_outputs(path, modules)
            for kind in kinds:
                found.outputs.append((str(path), kind))
            if not kinds:
                found.skipped.append(f"{path}: not a capture and not a known command output")
    return found


def _add_sosreport(found: Discovered, path: Path, modules) -> None:
    """Add the files of a sosreport, each checked against the parser its sos path names."""
    report = open_sosreport(path)
    found.skipped.extend(report.warnings)
    if not report.files and not report.captures:
        report.close()
        found.skipped.append(f"{path}: no file that l2trace reads was found in it (sosreport paths)")
        return
    found.sosreports.append(report)
    by_name = dict(modules)
    for capture in report.captures:
        if is_capture(capture):
            found.captures.append(capture)
            found.origins[capture] = {"host": report.hostname, "collected_at": None, "sosreport": str(path),
                                      "sos_path": None}
        else:
            found.skipped.append(f"{path}: {capture}: named like a capture, but not a capture file")
    for item in report.files:
        label = f"{path}: {item.sos_path}"
        try:
            size = os.path.getsize(item.path)
            head = read_text(Path(item.path), DETECT_BYTES)
        except OSError as error:
            found.skipped.append(f"{label}: cannot be read ({error.strerror})")
            continue
        if size > MAX_TEXT_BYTES:
            found.skipped.append(f"{label}: {size} bytes, too large for command output; skipped")
            continue
        kinds = [kind for kind in item.kinds if kind in by_name and _accepts(kind, by_name[kind], head, Path(item.path))]
        if not kinds and not set(item.kinds) <= set(LOG_PARSERS):
            # The name promised one format; the content may still be another known one.
            kinds = detect_outputs(Path(item.path), modules)
        for kind in kinds:
            found.outputs.append((item.path, kind))
        if kinds:
            found.origins[item.path] = {"host": report.hostname, "collected_at": item.collected_at,
                                        "sosreport": str(path), "sos_path": item.sos_path}
        if not kinds:
            expected = " or ".join(item.kinds)
            reason = "empty" if not head.strip() else f"not {expected} output as its sos name says"
            found.skipped.append(f"{label}: {reason}; skipped")
    log.info("sosreport %s (host %s): %d outputs, %d captures", path, report.hostname,
             len(report.files), len(report.captures))


def label_outputs(parsed: list[Parsed], found: Discovered) -> None:
    """Copy each sosreport output's host and collection time into its ``meta`` (``host``, ``collected_at``).

    Loose files get neither: their time is unknown, and file modification
    times of customer files are not trusted as collection times.
    """
    for item in parsed:
        origin = found.origins.get(item.source)
        if origin is None:
            continue
        item.meta["host"] = origin["host"]
        if origin["collected_at"] is not None:
            item.meta["collected_at"] = origin["collected_at"]
        item.meta["sosreport"] = origin["sosreport"]
        item.meta["sos_path"] = origin["sos_path"]


# Parsers whose table lists the host's interfaces, with "name" and "mac" columns.
INTERFACE_KINDS = ("ip_link", "ip_link_json")


def host_key(item: Parsed) -> str | None:
    """Return the host an output belongs to: its sosreport's host name, else the sosreport, else None (a loose file)."""
    if "sosreport" not in item.meta:
        return None
    return item.meta.get("host") or item.meta["sosreport"]


def choose_host(parsed: list[Parsed], captures, overrides: dict[str, str],
                origins: dict[str, dict]) -> tuple[list[Parsed], list[Parsed], list[str]]:
    """Split the outputs into those of the host the captures belong to and those of other hosts.

    Outputs of one host name stay together, so two sosreports of one host
    taken before and after are both used. Loose files belong to the analysed
    host. With several hosts, the host is chosen in this order: the host
    whose sosreport contains the captures, then the host with the most capture
    points among its interface names (``ip link``), then the host with the
    most of its interface MACs as source MACs in the captures. A tie is not
    broken: the warning names the hosts and the outputs of none are used.
    Returns (analysed outputs, other hosts' outputs, warnings).
    """
    hosts = sorted({key for key in map(host_key, parsed) if key is not None})
    if len(hosts) <= 1:
        return list(parsed), [], []
    chosen, reason = _pick_host(hosts, parsed, captures, overrides, origins)
    if chosen is None:
        analysed = [item for item in parsed if host_key(item) is None]
        others = [item for item in parsed if host_key(item) is not None]
        return analysed, others, [f"the case holds outputs of {len(hosts)} hosts ({', '.join(hosts)}) and "
                                  f"the captures cannot be tied to one: {reason}; no host's outputs are used, "
                                  f"rather than mixing hosts (give only the sosreport of the captured host)"]
    log.info("analysing host %s: %s", chosen, reason)
    analysed = [item for item in parsed if host_key(item) in (None, chosen)]
    others = [item for item in parsed if host_key(item) not in (None, chosen)]
    note = (f"the case holds outputs of {len(hosts)} hosts ({', '.join(hosts)}); host {chosen} is analysed "
            f"because {reason}, and the outputs of the others are listed but not used")
    return analysed, others, [note]


def _pick_host(hosts: list[str], parsed: list[Parsed], captures, overrides: dict[str, str],
               origins: dict[str, dict]) -> tuple[str | None, str]:
    """Return the host the captures belong to and why, or None and why it cannot be decided."""
    inside = {origins[c.path]["host"] or origins[c.path]["sosreport"] for c in captures if c.path in origins}
    if len(inside) == 1 and inside <= set(hosts):
        host = next(iter(inside))
        return host, "the captures are inside its sosreport"
    names = {host: set() for host in hosts}
    macs = {host: set() for host in hosts}
    for item in parsed:
        key = host_key(item)
        if key is None or item.kind not in INTERFACE_KINDS or item.table.empty:
            continue
        names[key] |= set(item.table["name"].dropna().astype(str))
        macs[key] |= {m for m in item.table["mac"].dropna().astype(str).str.lower() if m != "00:00:00:00:00:00"}
    if not any(names.values()):
        return None, "no sosreport holds 'ip link' output to compare with the captures"
    points = {host: _matching_points(captures, overrides, names[host]) for host in hosts}
    by_points = _single_best({host: len(found) for host, found in points.items()})
    if by_points:
        found = sorted(points[by_points])
        return by_points, f"its interfaces include the capture points {', '.join(found)}"
    seen = _source_macs(captures)
    shared = {host: macs[host] & seen for host in hosts}
    by_macs = _single_best({host: len(found) for host, found in shared.items()})
    if by_macs:
        return by_macs, f"the captures hold frames sent from its MACs {', '.join(sorted(shared[by_macs]))}"
    counts = ", ".join(f"{host}: {len(points[host])} capture points, {len(shared[host])} of its MACs as frame sources"
                       for host in hosts)
    return None, f"the hosts match the captures equally ({counts})"


def _single_best(scores: dict[str, int]) -> str | None:
    """Return the key with the highest positive score when no other key has it."""
    best = max(scores.values(), default=0)
    leaders = [key for key, score in scores.items() if score == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None


def _matching_points(captures, overrides: dict[str, str], interfaces: set[str]) -> set[str]:
    """Return the capture point names (given, in the file, or in the file name) that are among the interfaces."""
    found = set()
    for capture in captures:
        candidates = {overrides.get(capture.path)} | {i.name for i in capture.interfaces}
        candidates |= {file_stem(capture.path), match_interface_name(capture.path, interfaces)}
        found |= {name for name in candidates if name and name in interfaces}
    return found


def _source_macs(captures) -> set[str]:
    """Return the source MACs of every frame of the captures, as lowercase strings."""
    values: set[int] = set()
    for capture in captures:
        if capture.readable and len(capture.frames):
            values |= set(int(v) for v in capture.frames["eth_src"].unique() if v >= 0)
    return {mac_int_to_str(v) for v in values}


def _close_reports(reports: list[SosReport]) -> None:
    """Remove the temporary folders of sosreport tarballs."""
    for report in reports:
        report.close()
