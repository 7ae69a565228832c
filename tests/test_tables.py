"""The tables a case builds match their documentation in docs/tables.md, column by column."""

import pytest
from conftest import SAMPLES, documented_tables

from analyzer import load_case

TEXT_DTYPES = ("str", "object", "string")


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


@pytest.mark.parametrize("name", ["frames", "journeys", "fdb_events", "snapshot_checks", "decisions",
                                  "arp_transactions", "findings"])
def test_table_matches_docs(case, name):
    _check(name, getattr(case, name), documented_tables()[name])


def test_sightings_match_docs(case):
    documented = dict(documented_tables()["frames"])
    documented.pop("direction")
    documented.update(documented_tables()["sightings"])
    _check("sightings", case.sightings, documented)


def test_list_columns_hold_lists(case):
    for name, columns in documented_tables().items():
        frame = getattr(case, name)
        for column, kind in columns.items():
            if kind == "list" and len(frame):
                assert all(isinstance(v, list) for v in frame[column]), f"{name}.{column}"


def test_snapshot_checks_with_rows_match_docs(tmp_path):
    from sos_fixtures import build_sosreport, capture_span, host_outputs

    sample = SAMPLES / "roundrobin-flood"
    report = build_sosreport(tmp_path / "sosreport-hv1", "hv1", host_outputs(sample, "after", capture_span(sample)))
    checks = load_case([str(report), str(sample / "captures")]).snapshot_checks
    assert len(checks) >= 2
    _check("snapshot_checks", checks, documented_tables()["snapshot_checks"])
