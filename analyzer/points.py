"""Naming capture points: which interface each capture file, or each frame of it, was taken on."""

from __future__ import annotations

import re
from pathlib import Path

CAPTURE_SUFFIXES = (".pcapng", ".pcap", ".cap", ".dmp", ".ntar")
COMPRESSION_SUFFIXES = (".gz", ".xz", ".bz2", ".zst", ".zstd")

# The point name given to a Linux cooked v1 capture, which records no interface.
ANY_POINT = "any"


def file_stem(path: str) -> str:
    """Return the file name without its compression and capture suffixes."""
    name = Path(path).name
    lowered = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lowered.endswith(suffix):
            name, lowered = name[: -len(suffix)], lowered[: -len(suffix)]
            break
    for suffix in CAPTURE_SUFFIXES:
        if lowered.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name


def match_interface_name(path: str, known: set[str]) -> str | None:
    """Return the known interface name that the file name contains as a whole token.

    ``tcpdump-ens224-20250307.pcap.gz`` matches ``ens224`` but not ``ens2``.
    Where several names match, the longest wins (``team0.100`` over ``team0``).
    """
    stem = file_stem(path)
    if stem in known:
        return stem
    best = None
    for name in known:
        pattern = r"(?:^|[-_.\s@])" + re.escape(name) + r"(?:$|[-_.\s@])"
        if re.search(pattern, stem) and (best is None or len(name) > len(best)):
            best = name
    return best


def parse_capture_override(text: str) -> tuple[str, str]:
    """Split a ``NAME=FILE`` command-line value into (file, name)."""
    name, sep, file = text.partition("=")
    if not sep or not name or not file:
        raise ValueError(f"invalid --capture value {text!r}: expected NAME=FILE, for example eth1=eth1.pcap")
    return file, name
