"""Tests that hold for every parser: content detection, odd input, the docstring examples."""

import doctest
import fnmatch
import importlib

import pytest
from conftest import shared_path

from analyzer.parsers import Parsed, _json

PARSERS = [
    "bridge_fdb",
    "bridge_fdb_json",
    "ip_link",
    "ip_link_json",
    "bridge_link",
    "teamdctl_state_dump",
    "teamdctl_state_view",
    "teamdctl_config_dump",
]
MODULES = {name: importlib.import_module(f"analyzer.parsers.{name}") for name in PARSERS}

# Which parser must recognise each reference file; files of other formats must match none.
FORMAT_FOLDERS = {
    "bridge_fdb": "bridge_fdb",
    "bridge_link": "bridge_link",
    "ip_link": "ip_link",
    "ip_link_json": "ip_link_json",
}
TEAMD_PATTERNS = [
    ("*state-dump*", "teamdctl_state_dump"),
    ("*config-dump*", "teamdctl_config_dump"),
    ("*teamd-conf*", "teamdctl_config_dump"),
    ("*state-*", "teamdctl_state_view"),
    ("*state.*", "teamdctl_state_view"),
]
CASE_PATTERNS = [
    ("bridge_fdb_show*.txt", "bridge_fdb"),
    ("switch_fdb.txt", "bridge_fdb"),
    ("bridge_-t_monitor_fdb.txt", "bridge_fdb"),
    ("bridge_-s_-j_fdb_show*.json", "bridge_fdb_json"),
    ("ip_-d_link.txt", "ip_link"),
    ("bridge_*link_show.txt", "bridge_link"),
    ("teamdctl_*_state_dump*.json", "teamdctl_state_dump"),
    ("teamdctl_*_config_dump*.json", "teamdctl_config_dump"),
]


def expected_parser(path, formats, cases):
    if path.is_relative_to(formats):
        folder = path.relative_to(formats).parts[0]
        if folder == "teamd":
            return next(
                (parser for pattern, parser in TEAMD_PATTERNS if fnmatch.fnmatch(path.name, pattern)), None
            )
        return FORMAT_FOLDERS.get(folder)
    if path.is_relative_to(cases):
        return next(
            (parser for pattern, parser in CASE_PATTERNS if fnmatch.fnmatch(path.name, pattern)), None
        )
    return None


def reference_files():
    formats = shared_path("formats")
    cases = shared_path("cases")
    paths = [path for path in sorted(formats.rglob("*")) if path.is_file() and path.parent != formats]
    paths += sorted(cases.glob("*/outputs/*"))
    return formats, cases, paths


def test_detect_picks_only_own_format():
    formats, cases, paths = reference_files()
    assert len(paths) > 100
    mismatches = []
    for path in paths:
        text = path.read_text(errors="replace")
        found = [name for name, module in MODULES.items() if module.detect(text)]
        expected = expected_parser(path, formats, cases)
        if found != ([expected] if expected else []):
            mismatches.append(f"{path}: expected {expected}, detected {found}")
    assert mismatches == []


def test_parsers_survive_all_reference_files():
    shared = shared_path()
    paths = [path for path in sorted(shared.rglob("*")) if path.is_file()]
    for path in paths:
        text = path.read_bytes()[:1_000_000].decode("utf-8", errors="replace")
        for name, module in MODULES.items():
            parsed = module.parse(text, source=path.name)
            assert isinstance(parsed, Parsed), (name, path)
            assert parsed.kind == name
            assert parsed.source == path.name
            assert all(warning.startswith(path.name) for warning in parsed.warnings), (name, path)


@pytest.mark.parametrize("name", PARSERS)
def test_flipped_bytes_in_real_files(name):
    """Flip one byte in every 13 of each real file of the parser's own format."""
    formats, cases, paths = reference_files()
    own = [path for path in paths if expected_parser(path, formats, cases) == name]
    assert own
    for path in own:
        data = bytearray(path.read_bytes())
        for index in range(0, len(data), 13):
            data[index] ^= 0x5A
        parsed = MODULES[name].parse(data.decode("utf-8", errors="replace"), source=path.name)
        assert isinstance(parsed, Parsed)


@pytest.mark.parametrize("name", PARSERS)
def test_docstring_examples(name):
    module = MODULES[name]
    assert module.__doc__.startswith(("``bridge", "``ip", "``teamdctl"))
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("name", PARSERS)
def test_empty_input(name):
    parsed = MODULES[name].parse("", source="empty")
    assert parsed.table.empty
    assert MODULES[name].detect("") is False


def test_json_repair_closes_open_containers():
    value, warnings = _json.load_json('{"a": [1, 2, {"b": 3}, {"c"', "x.json")
    assert value == {"a": [1, 2, {"b": 3}, {}]}
    assert warnings == [
        "x.json: line 1, column 28: invalid JSON (Expecting ':' delimiter), probably cut off. The complete members before this point were read."
    ]


def test_json_repair_with_depth_limit():
    value, _ = _json.load_json('[{"a": 1}, {"a": 2, "b": [3', "x.json", max_depth=1)
    assert value == [{"a": 1}]


def test_json_extra_data_and_garbage():
    value, warnings = _json.load_json('{"a": 1}\n{"a": 2}', "x.json")
    assert value == {"a": 1}
    assert warnings == ["x.json: line 2, column 1: text after the end of the JSON value was ignored"]
    value, warnings = _json.load_json("not json", "y.json")
    assert value is None
    assert warnings == ["y.json: line 1, column 1: invalid JSON (Expecting value), nothing could be read"]
    value, warnings = _json.load_json('{"s": "a,\\"b"', "z.json")
    assert value == {}
    assert len(warnings) == 1
