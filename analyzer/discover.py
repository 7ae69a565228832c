"""Discovery: find the captures and the saved command outputs of a case, by content.

A folder is walked and each file recognised by its content. A sosreport,
folder or tarball, is read by sos path instead (``analyzer.sosreport``): only
the files that a parser reads are looked at, each tagged with its parser and
checked against that parser's ``detect``. A tarball's members are copied to a
temporary folder that ``Discovered.close`` removes (also when the
``Discovered`` object is garbage-collected or the program exits).
"""

from __future__ import annotations

import importlib
import logging
import re
import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from .captures import is_capture
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
        if not kinds:
            expected = " or ".join(item.kinds)
            reason = "empty" if not head.strip() else f"not {expected} output as its sos name says"
            found.skipped.append(f"{label}: {reason}; skipped")
    log.info("sosreport %s (host %s): %d outputs, %d captures", path, report.hostname,
             len(report.files), len(report.captures))


def _close_reports(reports: list[SosReport]) -> None:
    """Remove the temporary folders of sosreport tarballs."""
    for report in reports:
        report.close()
