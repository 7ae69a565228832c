"""Tests of the ``brctl show`` parser on real outputs, and against ``ip -j -d link`` in a namespace."""

import json

from conftest import shared_path
from netns_tools import bridge_outputs

from analyzer.parsers import brctl_show


def parse_file(path):
    return brctl_show.parse(path.read_text(), source=path.name)


def test_tab_separated_output():
    parsed = parse_file(shared_path("formats", "brctl", "insights-brctl-show-tabs.txt"))
    assert parsed.warnings == []
    rows = [(r.bridge, r.interface, bool(r.stp_enabled)) for r in parsed.table.itertuples()]
    assert rows == [
        ("br0", "em1", False),
        ("br0", "vnet0", False),
        ("br0", "vnet1", False),
        ("virbr9", "virbr9-nic", True),
    ]
    assert parsed.table["bridge_mac"].tolist()[0] == "20:47:47:8a:a2:e8"
    assert parsed.table["bridge_priority"].tolist()[0] == 0x8000
    assert parsed.meta["bridges"] == ["br0", "virbr9"]


def test_space_aligned_output_and_bridge_without_ports():
    parsed = parse_file(shared_path("formats", "brctl", "insights-brctl-show-spaces.txt"))
    assert parsed.warnings == []
    table = parsed.table
    assert table[table["bridge"] == "br0"]["interface"].tolist() == ["eth1", "eth2", "eth3"]
    assert table[table["bridge"] == "br2"]["stp_enabled"].tolist() == [True]
    docker = table[table["bridge"] == "docker0"]
    assert len(docker) == 1
    assert docker["interface"].tolist() == [None]


def test_real_brctl_matches_ip_link():
    show, links = bridge_outputs("brctl show", "ip -j -d link show")
    parsed = brctl_show.parse(show, source="brctl show")
    assert parsed.warnings == []
    assert brctl_show.detect(show)
    ports = {link["ifname"] for link in json.loads(links) if link.get("master") == "br0"}
    assert set(parsed.table["interface"]) == ports == {"v0", "v2"}
    bridge = next(link for link in json.loads(links) if link["ifname"] == "br0")
    assert set(parsed.table["bridge_mac"]) == {bridge["address"]}
    assert set(parsed.table["stp_enabled"]) == {bridge["linkinfo"]["info_data"]["stp_state"] != 0}


def test_error_line_becomes_warning():
    text = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nbr0 can't get info Operation not supported\n"
    parsed = brctl_show.parse(text, source="show.txt")
    assert parsed.table.empty
    assert parsed.warnings[0].startswith("show.txt: line 2: not a bridge line")
