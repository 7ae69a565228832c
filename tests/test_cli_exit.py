"""Exit status of ``python -m analyzer``: 0 ran, 1 with --fail-on and a finding that bad, 2 usage or no input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import REPO, SAMPLES, shared_path

FAILING = SAMPLES / "roundrobin-flood"


def _analyze(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", "analyze", *map(str, args)], capture_output=True,
                          text=True, cwd=REPO, timeout=300)


@pytest.fixture(scope="module")
def failing_report() -> dict:
    result = _analyze(FAILING, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_ran_exits_0():
    result = _analyze(FAILING)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Verdict: ")


def test_fail_on_error_exits_1(failing_report):
    assert any(f["severity"] == "error" for f in failing_report["findings"])
    result = _analyze(FAILING, "--fail-on", "error")
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("Verdict: ")


def test_fail_on_warning_exits_1(failing_report):
    result = _analyze(FAILING, "--fail-on", "warning", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["verdict"] == failing_report["verdict"]


def test_fail_on_error_without_errors_exits_0():
    case = shared_path("cases", "C02")
    result = _analyze(case, "--fail-on", "error", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert not [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]


def test_no_usable_input_exits_2(tmp_path):
    (tmp_path / "notes.txt").write_text("the customer says the VM cannot reach its gateway\n")
    result = _analyze(tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "no usable input" in result.stderr


def test_missing_path_exits_2(tmp_path):
    result = _analyze(tmp_path / "absent")
    assert result.returncode == 2
    assert "no usable input" in result.stderr


def test_bad_capture_override_exits_2():
    result = _analyze(FAILING, "--capture", "no-equals-sign")
    assert result.returncode == 2
    assert result.stdout == ""


def test_unknown_format_exits_2():
    result = _analyze(FAILING, "--format", "pdf")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_unwritable_output_exits_2(tmp_path):
    result = _analyze(FAILING, "--format", "html", "-o", tmp_path / "absent" / "report.html")
    assert result.returncode == 2
    assert "cannot write" in result.stderr


def test_help_documents_exit_status():
    result = subprocess.run([sys.executable, "-m", "analyzer", "analyze", "--help"], capture_output=True,
                            text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0
    for line in ("0  the analysis ran", "1  --fail-on was given", "2  usage error"):
        assert line in result.stdout
    for option in ("--redact", "--redact-keep-oui", "--redact-name", "html"):
        assert option in result.stdout
