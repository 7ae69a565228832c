"""Shared test fixtures: paths to the repository, its samples, and the shared reference files."""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
# Reference material (real command outputs, public captures, whole kernel-made
# cases) lives in a folder named "shared" beside the checkout, not in the repo.
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """Return a path below the shared reference folder, or skip the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference files not found at {path}: they are looked for beside the checkout")
    return path


def documented_tables() -> dict[str, dict[str, str]]:
    """Read docs/tables.md into {table: {column: dtype}} from its headings and table rows."""
    tables: dict[str, dict[str, str]] = {}
    current = None
    for line in (REPO / "docs" / "tables.md").read_text().splitlines():
        heading = re.match(r"^## (\w+)", line)
        if heading:
            current = tables.setdefault(heading.group(1), {})
            continue
        row = re.match(r"^\| (\w+) \| (\w+) \|", line)
        if current is not None and row and row.group(1) != "column":
            current[row.group(1)] = row.group(2)
    return tables
