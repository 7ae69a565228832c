"""Tests of the ``teamnl TEAM ports`` parser on the three layouts libteam has printed."""

import pandas as pd
import pytest
from conftest import shared_path

from analyzer.parsers import teamnl_ports

LAYOUTS = [
    ("libteam-howto-teamnl-ports.txt", [(6, "eth2", True, 100, "full"), (5, "eth1", True, 100, "full")]),
    ("rhel7-notes-teamnl-ports.txt", [(4, "eno1", True, 10000, "full"), (6, "eno2", True, 10000, "full")]),
    ("notes-teamnl-ports-old.txt", [(3, "enp0s20f1", True, None, "full"), (2, "enp0s20f0", True, None, "full")]),
]


@pytest.mark.parametrize("name, expected", LAYOUTS)
def test_real_layouts(name, expected):
    path = shared_path("formats", "teamd", name)
    text = path.read_text()
    parsed = teamnl_ports.parse(text, source=path.name)
    assert teamnl_ports.detect(text)
    assert parsed.warnings == []
    rows = [(int(r.ifindex), r.name, bool(r.link_up), None if r.speed is pd.NA else int(r.speed), r.duplex)
            for r in parsed.table.itertuples()]
    assert rows == expected
    assert not parsed.table["changed"].any()
    assert not parsed.table["removed"].any()


def test_changed_and_removed_marks():
    parsed = teamnl_ports.parse("*4: eno1: down 0Mbit HD\n-5: eno2: up 1000Mbit FD\n6: eth2: up 100 fullduplex changed\n")
    assert parsed.table["changed"].tolist() == [True, False, True]
    assert parsed.table["removed"].tolist() == [False, True, False]
    assert parsed.table["duplex"].tolist() == ["half", "full", "full"]


def test_team_name_from_sos_file_name():
    path = shared_path("formats", "teamd", "rhel7-notes-teamnl-ports.txt")
    parsed = teamnl_ports.parse(path.read_text(), source="sos_commands/teamd/teamnl_team0_ports")
    assert parsed.meta["device"] == "team0"


def test_odd_line_becomes_warning():
    parsed = teamnl_ports.parse(" 4: eno1: up 10000Mbit FD\ncommand failed: No such device\n", source="p")
    assert len(parsed.table) == 1
    assert parsed.warnings[0].startswith("p: line 2: expected 'IFINDEX: NAME: up|down SPEED DUPLEX'")
