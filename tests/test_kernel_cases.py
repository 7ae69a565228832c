"""The whole analysis on the kernel-made cases in tests/data/cases, compared with each case's expected.json.

samples/make_cases.sh builds the cases, and tests/data/cases/README.md describes
them and the keys of expected.json.
"""

import json
from pathlib import Path

import pytest

from analyzer import load_case

CASES = Path(__file__).resolve().parent / "data" / "cases"
FINDING_KEYS = ("code", "bridge", "mac", "lost_at", "port", "vlan")

# Cases whose expected verdict needs a rule that l2trace does not have yet, or
# that l2trace gets wrong today. strict=True makes the test fail once the
# analysis is right, so that the mark is removed then.
# Cases whose expected verdict l2trace does not reach yet, with the reason.
# The marks are strict: a case that starts passing must be taken out.
KNOWN_GAPS: dict[str, str] = {}


def _same(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


def _matches(item: dict, wanted: dict, keys) -> bool:
    return all(_same(item.get(key), wanted[key]) for key in keys if key in wanted)


def _problems(report: dict, expected: dict) -> list[str]:
    """Compare a JSON report with expected.json and return one message for each difference."""
    problems = []
    allowed = expected.get("verdict")
    if allowed is not None:
        allowed = allowed if isinstance(allowed, list) else [allowed]
        if report["verdict"] not in allowed:
            problems.append(f"verdict is {report['verdict']!r}, expected one of {allowed}")

    findings = report["findings"]
    for wanted in expected.get("findings", []):
        if not any(_matches(finding, wanted, FINDING_KEYS) for finding in findings):
            problems.append(f"no finding matches {wanted}")
    for code in expected.get("forbidden_findings", []):
        if any(f["code"] == code and f["severity"] == "error" for f in findings):
            problems.append(f"finding {code!r} is an error, which it must not be here")

    for wanted in expected.get("arp", []):
        pair = [t for t in report["arp_transactions"]
                if t["requester_ip"] == wanted["requester_ip"] and t["target_ip"] == wanted["target_ip"]]
        if not pair:
            problems.append(f"no ARP transaction {wanted['requester_ip']} -> {wanted['target_ip']}")
        for transaction in pair:
            if not _matches(transaction, wanted, ("fate", "lost_at")):
                problems.append(f"ARP transaction {wanted['requester_ip']} -> {wanted['target_ip']} has fate "
                                f"{transaction['fate']!r} at {transaction['lost_at']!r}, expected {wanted}")

    for wanted in expected.get("captures", []):
        hits = [c for c in report["captures"] if c["file"].endswith(wanted["file_endswith"])]
        if not hits:
            problems.append(f"no capture whose file ends with {wanted['file_endswith']!r}")
        elif not _same(hits[0]["point"], wanted["point"]):
            problems.append(f"{wanted['file_endswith']} has the capture point {hits[0]['point']!r}, "
                            f"expected {wanted['point']!r}")
    return problems


def _case_params():
    names = sorted(path.parent.name for path in CASES.glob("*/expected.json"))
    return [pytest.param(name, marks=pytest.mark.xfail(reason=KNOWN_GAPS[name], strict=True))
            if name in KNOWN_GAPS else name for name in names]


def test_cases_present():
    names = {path.parent.name for path in CASES.glob("*/expected.json")}
    assert len(names) == 8
    assert set(KNOWN_GAPS) <= names


@pytest.mark.parametrize("name", _case_params())
def test_case_matches_expected(name):
    expected = json.loads((CASES / name / "expected.json").read_text())
    report = json.loads(load_case(CASES / name).report("json"))
    assert _problems(report, expected) == []


def test_comparison_detects_wrong_verdict():
    expected = json.loads((CASES / "gateway-silent" / "expected.json").read_text())
    report = json.loads(load_case(CASES / "gateway-silent").report("json"))
    report["verdict"] = "no-loss-found"
    report["arp_transactions"] = [dict(t, fate="answered") for t in report["arp_transactions"]]
    problems = _problems(report, expected)
    assert problems[0].startswith("verdict is 'no-loss-found'")
    assert any("has fate 'answered'" in problem for problem in problems)
