"""The tables a case builds match their documentation in docs/tables.md, column by column."""

import re

import pytest

from analyzer import load_case
from conftest import REPO, SAMPLES

TEXT_DTYPES = ("str", "object", "string")


def _documented() -> dict[str, dict[str, str]]:
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


@pytest.fixture(scope="module")
def case():
    return load_case(SAMPLES / "roundrobin-flood")


def _check(name: str, frame, documented: dict[str, str]) -> None:
    built = {c: str(t) for c, t in frame.dtypes.items()}
    assert set(built) == set(documented), (
        f"{name}: undocumented {sorted(set(built) - set(documented))}, "
        f"missing {sorted(set(documented) - set(built))}")
    for column, kind in documented.items():
        if kind in ("text", "list"):
            assert built[column] in TEXT_DTYPES, f"{name}.{column} is {built[column]}, documented {kind}"
        else:
            assert built[column] == kind, f"{name}.{column} is {built[column]}, documented {kind}"


@pytest.mark.parametrize("name", ["frames", "journeys", "fdb_events", "decisions", "arp_transactions",
                                  "findings"])
def test_table_matches_docs(case, name):
    _check(name, getattr(case, name), _documented()[name])


def test_sightings_match_docs(case):
    documented = dict(_documented()["frames"])
    documented.pop("direction")
    documented.update(_documented()["sightings"])
    _check("sightings", case.sightings, documented)


def test_list_columns_hold_lists(case):
    for name, columns in _documented().items():
        frame = getattr(case, name)
        for column, kind in columns.items():
            if kind == "list" and len(frame):
                assert all(isinstance(v, list) for v in frame[column]), f"{name}.{column}"
