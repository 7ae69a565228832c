"""Tests of the ``bridge -j vlan show`` parser, against the text parser on the same bridge."""

import pytest
from netns_tools import run_in_netns

from analyzer.parsers import bridge_vlan, bridge_vlan_json

VLAN_SETUP = """
set -e
ip link add br0 type bridge vlan_filtering 1
ip link add v0 type veth peer name v1
ip link add v2 type veth peer name v3
ip link set v0 master br0
ip link set v2 master br0
bridge vlan add dev v0 vid 10 pvid untagged
bridge vlan add dev v0 vid 20-22
bridge vlan add dev v2 vid 30
bridge vlan del dev v2 vid 1
echo =====
bridge -j vlan show
echo =====
bridge -j -c vlan show
echo =====
bridge -c vlan show
"""
# As older iproute2 releases printed it: an object keyed by port name.
OLD_LAYOUT = '{"eth1": [{"vlan": 1, "flags": ["PVID", "Egress Untagged"]}, {"vlan": 20, "vlanEnd": 22}]}'


@pytest.fixture(scope="module")
def outputs():
    parts = run_in_netns(VLAN_SETUP)
    if len(parts) < 4:
        pytest.skip("this kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)")
    return parts[1:]


def rows(table):
    return sorted((r.port, int(r.vlan), int(r.vlan_end), bool(r.pvid), bool(r.untagged)) for r in table.itertuples())


def test_real_json_matches_text(outputs):
    plain, compressed, text = outputs
    for output in (plain, compressed):
        assert bridge_vlan_json.detect(output)
        parsed = bridge_vlan_json.parse(output, source="bridge -j vlan show")
        assert parsed.warnings == []
        assert ("v0", 10, 10, True, True) in rows(parsed.table)
    assert rows(bridge_vlan_json.parse(compressed).table) == rows(bridge_vlan.parse(text).table)


def test_cut_off_real_json(outputs):
    compressed = outputs[1]
    cut = compressed[: compressed.index('"v2"')]
    parsed = bridge_vlan_json.parse(cut, source="vlans.json")
    assert set(parsed.table["port"]) <= {"br0", "v0"}
    assert "cut off" in parsed.warnings[0]


def test_old_layout():
    assert bridge_vlan_json.detect(OLD_LAYOUT)
    parsed = bridge_vlan_json.parse(OLD_LAYOUT)
    assert rows(parsed.table) == [("eth1", 1, 1, True, True), ("eth1", 20, 22, False, False)]


def test_tunnel_ids_and_bad_items():
    text = ('[{"ifname": "vx0", "tunnels": [{"vlan": 10, "tunid": 1010}]},'
            ' {"ifname": "eth1", "vlans": [{"vlan": 5000}, "x"]}]')
    parsed = bridge_vlan_json.parse(text, source="t.json")
    assert parsed.table["tunnel_id"].tolist() == [1010]
    assert parsed.warnings == ["t.json: port eth1, VLAN item 1: invalid VLAN 5000-None",
                               "t.json: port eth1, VLAN item 2: expected an object, found 'x'"]
