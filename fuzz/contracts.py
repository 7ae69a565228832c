"""The promises every reader and parser makes about untrusted input, as checks shared by fuzz targets and tests.

Each check raises AssertionError with the broken promise, so that a fuzz
target reports it as a crash and a test as a failure.
"""

from __future__ import annotations

import re

# A warning that says reading stopped early must tell where, with one of these.
POSITION = re.compile(r"byte offset \d+|after \d+ bytes|file header|\d+ of \d+ bytes")
STOPPED = re.compile(r"stopped reading|ends inside|cut short")
# The reader's catch-all for an exception inside a record walk or decoder: a bug, never an expected outcome.
READER_BUG = "reading failed after record"


def check_capture(capture, path: str) -> None:
    """Check a read_capture result: frames or a warning, and warnings that name the file and the position."""
    prefix = f"{path}: "
    for warning in capture.warnings:
        assert warning.startswith(prefix), f"warning does not name the file: {warning!r}"
        assert READER_BUG not in warning, f"an exception escaped a record walk or decoder: {warning!r}"
        if STOPPED.search(warning):
            assert POSITION.search(warning), f"warning about a stop does not name the position: {warning!r}"
    assert len(capture.frames) or capture.warnings, "no frames and no warning"
    if not capture.readable:
        assert capture.warnings, "unreadable without a warning"


def check_parsed(parsed, name: str, source: str) -> None:
    """Check a parse() result: a Parsed of this parser's kind, whose warnings name the source."""
    from analyzer.parsers import Parsed

    assert isinstance(parsed, Parsed), f"{name}.parse returned {type(parsed).__name__}, not Parsed"
    assert parsed.kind == name, f"{name}.parse returned kind {parsed.kind!r}"
    assert parsed.source == source, f"{name}.parse returned source {parsed.source!r}"
    for warning in parsed.warnings:
        assert isinstance(warning, str), f"{name}.parse returned a warning of type {type(warning).__name__}"
        assert warning.startswith(source), f"{name}.parse warning does not name the source: {warning[:200]!r}"


def parser_names() -> list[str]:
    """List the parser modules of analyzer.parsers, found at run time so that new ones are included."""
    import pkgutil

    import analyzer.parsers

    return sorted(module.name for module in pkgutil.iter_modules(analyzer.parsers.__path__)
                  if not module.name.startswith("_"))
