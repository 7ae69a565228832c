"""Discovery: find the captures and the saved command outputs of a case, by content."""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from .captures import is_capture

log = logging.getLogger(__name__)

# Parser modules tried, in this order, on each text file; the first whose
# detect() accepts the text parses it. JSON formats come before text ones.
PARSER_MODULES = [
    "teamdctl_state_dump",
    "teamdctl_config_dump",
    "bridge_fdb_json",
    "ip_link_json",
    "teamdctl_state_view",
    "ip_link",
    "bridge_link",
    "bridge_vlan",
    "bridge_fdb",
]

# Text files larger than this are not command output; they are skipped with a warning.
MAX_TEXT_BYTES = 64 * 1024 * 1024
DETECT_BYTES = 64 * 1024


@dataclass
class Discovered:
    captures: list[str] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (path, parser module name)
    skipped: list[str] = field(default_factory=list)  # messages naming each file not used


def parser_modules():
    modules = []
    for name in PARSER_MODULES:
        try:
            modules.append((name, importlib.import_module(f"analyzer.parsers.{name}")))
        except ImportError:
            log.debug("parser %s is not available", name)
    return modules


def _walk(path: Path):
    if path.is_dir():
        for root, dirs, files in os.walk(path, followlinks=False):
            dirs.sort()
            for name in sorted(files):
                yield Path(root) / name
    else:
        yield path


def read_text(path: Path, limit: int | None = None) -> str:
    with open(path, "rb") as handle:
        raw = handle.read(limit) if limit else handle.read()
    return raw.decode("utf-8", errors="replace")


def detect_output(path: Path, modules) -> str | None:
    try:
        head = read_text(path, DETECT_BYTES)
    except OSError:
        return None
    if "\x00" in head:
        return None
    for name, module in modules:
        try:
            if module.detect(head):
                return name
        except Exception:  # a detector must never stop discovery
            log.exception("detector %s failed on %s", name, path)
    return None


def discover(paths: list[str]) -> Discovered:
    """Classify every file under the given paths as a capture, a known command output, or skipped."""
    found = Discovered()
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
            if not path.is_file():
                continue
            if is_capture(str(path)):
                found.captures.append(str(path))
                continue
            try:
                size = path.stat().st_size
            except OSError as error:
                found.skipped.append(f"{path}: cannot be read ({error.strerror})")
                continue
            if size > MAX_TEXT_BYTES:
                found.skipped.append(f"{path}: {size} bytes, too large for command output; skipped")
                continue
            kind = detect_output(path, modules)
            if kind:
                found.outputs.append((str(path), kind))
            else:
                found.skipped.append(f"{path}: not a capture and not a known command output")
    return found
