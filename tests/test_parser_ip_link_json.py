"""Tests of the ``ip -j link show`` JSON parser on real outputs."""

import json

import pandas as pd
import pytest
from conftest import shared_path

from analyzer.parsers import ip_link, ip_link_json

SHARED_FILES = [
    "proxmox-test-ip-j-d-link-physical-bridge-port.json",
    "proxmox-test-ip-j-d-link-tun.json",
    "script-ip-j-d-link-bridge-stp.json",
    "script-ip-j-d-link-veth-bridge-port.json",
]


def parse_shared(name):
    path = shared_path("formats", "ip_link_json", name)
    return ip_link_json.parse(path.read_text(), source=name)


def test_every_shared_file_is_listed():
    assert {path.name for path in shared_path("formats", "ip_link_json").iterdir()} == set(SHARED_FILES)


@pytest.mark.parametrize("name", SHARED_FILES)
def test_shared_file_parses_cleanly(name):
    parsed = parse_shared(name)
    assert parsed.kind == "ip_link_json"
    assert parsed.warnings == []
    assert len(parsed.table) == 1
    assert list(parsed.table.columns) == list(ip_link.parse("").table.columns)
    assert ip_link_json.detect(shared_path("formats", "ip_link_json", name).read_text())


def test_physical_bridge_port():
    row = parse_shared("proxmox-test-ip-j-d-link-physical-bridge-port.json").table.iloc[0]
    assert (row["name"], row["ifindex"], row["master"]) == ("eth1", 2, "vmbr0")
    assert row["kind"] is None
    assert row["slave_kind"] == "bridge_slave"
    assert row["port_state"] == "forwarding"
    assert bool(row["learning"])
    assert bool(row["bcast_flood"])
    assert not bool(row["locked"])
    assert not bool(row["proxy_arp"])
    assert row["mac"] == "bc:24:11:ca:ff:ee"
    assert row["attributes"]["cost"] == 5
    assert row["attributes"]["altnames"] == ["enxbc2411aabbcc"]


def test_bridge_timers_in_seconds():
    row = parse_shared("script-ip-j-d-link-bridge-stp.json").table.iloc[0]
    assert row["kind"] == "bridge"
    assert row["ageing_time"] == 300.0
    assert row["forward_delay"] == 15.0
    assert row["stp_state"] == 1
    assert not bool(row["vlan_filtering"])
    assert row["attributes"]["root_port"] == 1


def test_veth_port_with_peer_name():
    row = parse_shared("script-ip-j-d-link-veth-bridge-port.json").table.iloc[0]
    assert (row["kind"], row["slave_kind"], row["link"]) == ("veth", "bridge_slave", "core1_e1")
    assert pd.isna(row["link_ifindex"])
    assert pd.isna(row["bcast_flood"])
    assert row["attributes"]["message_age_timer"] == 18.59


def test_tun_device():
    row = parse_shared("proxmox-test-ip-j-d-link-tun.json").table.iloc[0]
    assert (row["kind"], row["tun_type"], row["link_type"], row["mac"]) == ("tun", "tun", "none", None)
    assert row["flags"] == ["POINTOPOINT", "MULTICAST", "NOARP", "UP", "LOWER_UP"]


def test_peer_index_stats_and_key_collision():
    entry = {
        "ifindex": 3,
        "link_index": 2,
        "ifname": "v0",
        "flags": ["UP"],
        "link_netnsid": 1,
        "address": "02:00:00:00:00:03",
        "linkinfo": {
            "info_kind": "bond",
            "info_data": {"mode": "802.3ad", "priority": 1},
            "info_slave_kind": "bridge",
            "info_slave_data": {"state": "blocking", "priority": 32, "hairpin": True},
        },
        "stats64": {"rx": {"bytes": 10, "packets": 1}, "tx": {"bytes": 20, "packets": 2}},
    }
    row = ip_link_json.parse(json.dumps([entry])).table.iloc[0]
    assert (row["link"], row["link_ifindex"], row["link_netnsid"]) == ("if2", 2, 1)
    assert row["bond_mode"] == "802.3ad"
    assert row["port_state"] == "blocking"
    assert bool(row["hairpin"])
    assert row["attributes"]["priority"] == 1
    assert row["attributes"]["bridge_slave.priority"] == 32
    assert row["stats"] == {"rx_bytes": 10, "rx_packets": 1, "tx_bytes": 20, "tx_packets": 2}


def test_cut_off_array_keeps_complete_interfaces():
    entries = [{"ifindex": index, "ifname": f"eth{index}", "flags": [], "mtu": 1500} for index in range(1, 4)]
    text = json.dumps(entries)
    cut = text[: text.index('"eth3"') + 2]
    parsed = ip_link_json.parse(cut, source="cut.json")
    assert parsed.table["name"].tolist() == ["eth1", "eth2"]
    assert len(parsed.warnings) == 1
    assert parsed.warnings[0].startswith("cut.json: line 1, column ")


def test_elements_without_ifname_are_named():
    parsed = ip_link_json.parse('[{"ifindex": 1}, 7]', source="odd.json")
    assert parsed.table.empty
    assert parsed.warnings == [
        "odd.json: element 1: expected an interface object with 'ifname'. Element skipped.",
        "odd.json: element 2: expected an interface object with 'ifname'. Element skipped.",
    ]


def test_detect_rejects_fdb_json():
    assert not ip_link_json.detect(
        shared_path("cases", "C01", "outputs", "bridge_-s_-j_fdb_show.json").read_text()
    )
    assert not ip_link_json.detect(
        shared_path("cases", "C01", "outputs", "teamdctl_team0_state_dump.json").read_text()
    )
