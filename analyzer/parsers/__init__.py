"""Parsers for saved command output, one module per command or file format.

Every parser module exposes two functions:

- ``detect(text: str) -> bool``: a cheap check, on the start of a file, of
  whether the text looks like this format. Discovery uses it to recognise
  files by content rather than by name.
- ``parse(text: str, source: str = "<text>") -> Parsed``: the full parse.
  A parser never raises on odd input: lines it cannot read become warnings
  that name the source and the line number, and the rest is still parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Parsed:
    """Result of parsing one saved command output."""

    kind: str
    """Format name, equal to the parser's module name (``bridge_fdb``, ``ip_link`` ...)."""
    source: str
    """File name or other label of the input, used in warnings."""
    table: pd.DataFrame
    """One row per entry (FDB entry, interface, team port ...); columns are format-specific."""
    meta: dict = field(default_factory=dict)
    """Values that describe the whole output rather than one row (team name, runner ...)."""
    warnings: list[str] = field(default_factory=list)
    """Problems found, each naming the source and the line or key."""
