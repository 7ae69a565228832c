"""Replay every input that fuzzing found to crash or hang a reader or parser (tests/data/fuzz/).

A file's name says what it is fed to: ``capture-*`` to read_capture,
``parser-*`` to every parser module, ``sosreport-*`` to open_sosreport.
docs/fuzzing.md lists each file with the bug it found and the fix.
"""

import importlib
from pathlib import Path

import pytest
from fuzz_inputs import contracts

from analyzer.captures import read_capture

FOUND = Path(__file__).parent / "data" / "fuzz"
FILES = sorted(path for path in FOUND.iterdir() if path.is_file())
# What the fixed code says about each input, beyond keeping the general contract.
EXPECTED_WARNINGS = {
    "parser-json-integer-5000-digits.json": "integers longer than 4300 digits",
    "parser-json-nested-3000-deep.json": "nested more than 100 levels deep",
}


def test_every_file_has_a_known_target():
    assert FILES
    for path in FILES:
        assert path.name.startswith(("capture-", "parser-", "sosreport-")), path.name


@pytest.mark.parametrize("path", [p for p in FILES if p.name.startswith("parser-")], ids=lambda p: p.name)
def test_parser_input_replays(path):
    text = path.read_bytes().decode("utf-8", errors="replace")
    expected = EXPECTED_WARNINGS.get(path.name)
    warned = []
    for name in contracts.parser_names():
        module = importlib.import_module(f"analyzer.parsers.{name}")
        assert module.detect(text) in (True, False)
        parsed = module.parse(text, source=path.name)
        contracts.check_parsed(parsed, name, path.name)
        if expected and any(expected in warning for warning in parsed.warnings):
            warned.append(name)
    if expected:
        assert "teamdctl_state_dump" in warned, f"no JSON parser warned {expected!r}"


@pytest.mark.parametrize("path", [p for p in FILES if p.name.startswith("capture-")], ids=lambda p: p.name)
def test_capture_input_replays(path):
    contracts.check_capture(read_capture(path), str(path))


@pytest.mark.parametrize("path", [p for p in FILES if p.name.startswith("sosreport-")], ids=lambda p: p.name)
def test_sosreport_input_replays(path):
    sosreport = pytest.importorskip("analyzer.sosreport")
    report = sosreport.open_sosreport(path)
    temp_dir = report.temp_dir
    report.close()
    assert temp_dir is None or not Path(temp_dir).exists()
