"""Tests of the ``brctl showstp`` parser on real outputs, and against ``ip -j -d link`` in a namespace."""

import json

import pandas as pd

from conftest import shared_path
from netns_tools import bridge_outputs

from analyzer.parsers import brctl_showstp


def parse_file(path):
    return brctl_showstp.parse(path.read_text(), source=path.name)


def test_bridge_without_ports():
    parsed = parse_file(shared_path("formats", "brctl", "cn-notes-brctl-showstp-docker0-noports.txt"))
    assert parsed.warnings == []
    assert parsed.table.empty
    meta = parsed.meta
    assert meta["bridge"] == "docker0"
    assert meta["bridge_mac"] == "02:42:a0:f4:db:57"
    assert meta["root_port"] == 0
    assert meta["forward_delay"] == 15.0
    assert meta["ageing_time"] == 300.0
    assert meta["gc_timer"] == 241.6
    assert meta["flags"] == []


def test_cut_off_cumulus_output():
    parsed = parse_file(shared_path("formats", "brctl", "cumulus-brctl-showstp-mcsnoop-PARTIAL.txt"))
    assert parsed.warnings == []
    assert parsed.meta["bridge"] == "bridge"
    assert parsed.meta["mc_snooping"] == 1
    assert parsed.meta["hash_max"] == 4096
    row = parsed.table.iloc[0]
    assert (row["port"], int(row["port_no"]), row["state"], int(row["path_cost"])) == ("swp1", 1, "forwarding", 2)
    assert row["port_id"] == "8001"
    assert row["forward_delay_timer"] == 0.0


def test_real_brctl_matches_ip_link():
    stp, links = bridge_outputs("brctl showstp br0", "ip -j -d link show")
    parsed = brctl_showstp.parse(stp, source="brctl showstp br0")
    assert parsed.warnings == []
    assert brctl_showstp.detect(stp)
    ports = {link["ifname"]: link["linkinfo"]["info_slave_data"] for link in json.loads(links)
             if link.get("master") == "br0"}
    table = parsed.table.set_index("port")
    assert set(table.index) == set(ports)
    for name, data in ports.items():
        assert table.loc[name, "port_no"] == int(data["no"], 16)
        assert int(table.loc[name, "port_id"], 16) == int(data["id"], 16)
        assert table.loc[name, "state"] == data["state"]
        assert table.loc[name, "path_cost"] == data["cost"]
        if "hairpin mode" in stp:
            assert bool(table.loc[name, "hairpin_mode"] is True) == data["hairpin"]
        else:
            # bridge-utils 1.7.1 prints no hairpin line, even for a port with hairpin on.
            assert table.loc[name, "hairpin_mode"] is pd.NA
    bridge = next(link for link in json.loads(links) if link["ifname"] == "br0")
    assert parsed.meta["bridge"] == "br0"
    assert parsed.meta["bridge_mac"] == bridge["address"]
    assert parsed.meta["ageing_time"] == bridge["linkinfo"]["info_data"]["ageing_time"] / 100


def test_unexpected_line_becomes_warning():
    parsed = brctl_showstp.parse("br0\n bridge id\t\t8000.020000000001\nnot a port header line\n", source="stp")
    assert parsed.meta["bridge"] == "br0"
    assert parsed.warnings == ["stp: line 3: unexpected line 'not a port header line'. Line skipped."]
