"""The report's JSON writer against the standard library's json.dumps(indent=2)."""

import enum
import json
import math

import pytest

from analyzer.case import load_case
from analyzer.report.json_report import render_json, report_dict
from analyzer.report.json_text import dumps
from conftest import SAMPLES


class Level(enum.IntEnum):
    HIGH = 3


class Name(str):
    pass


VALUES = [
    None, True, False, 0, -1, 2**70, -(2**63), 0.0, -0.0, 1.5, 1e300, 5e-324, 1796405869.539171,
    math.nan, math.inf, -math.inf, "", "plain", "quote \" backslash \\ slash /", "tab\tnew\nline\r\x00\x1f",
    "ünïcödé ✓ \U0001f600", "\ud800", [], {}, (), [[]], {"a": {}}, [1, [2, [3, []]]], (1, "two", None),
    {"z": 1, "a": 2, "m": [True, None]}, {1: "int key", 2.5: "float key", None: "none key"},
    {True: "true key", False: "false key"},
    {"nested": [{"point": "eth0", "frame": 7, "time": 1.25}, {"point": None, "frame": -1, "time": math.nan}]},
    Level.HIGH, Name("subclass"), {"level": Level.HIGH, Name("key"): Name("value")},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_dumps_matches_json_dumps(value):
    assert dumps(value) == json.dumps(value, indent=2)


def test_dumps_shared_list_twice():
    shared = ["eth0", "eth1"]
    value = {"a": shared, "b": shared, "c": [shared, shared]}
    assert dumps(value) == json.dumps(value, indent=2)


def test_dumps_circular_list_raises():
    value = [1]
    value.append(value)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps(value)


def test_dumps_unsupported_type_raises():
    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"frames": [1, 2, {3}]})


@pytest.mark.parametrize("name", ["roundrobin-flood", "activebackup"])
def test_report_text_matches_json_dumps(name):
    case = load_case(str(SAMPLES / name))
    report = report_dict(case)
    assert report["arp_transactions"], "the sample should have ARP transactions to write"
    assert render_json(case) == json.dumps(report, indent=2) + "\n"
