"""Tests of the ``bridge link show`` text parser on real outputs."""

import pandas as pd
import pytest
from conftest import shared_path

from analyzer.parsers import bridge_link

EXPECTED_COUNTS = {
    "cn-notes-bridge-link-old-format-peer.txt": 1,
    "cn-notes-bridge-link-old-format.txt": 1,
    "homelab-bridge-d-link.txt": 3,
    "homelab-bridge-link-vnet-vlan.txt": 4,
    "netdev-dsa-bridge-link-after.txt": 6,
}
DETAIL_COLUMNS = [
    "hairpin",
    "guard",
    "root_block",
    "fastleave",
    "learning",
    "flood",
    "mcast_flood",
    "bcast_flood",
    "mcast_to_unicast",
    "neigh_suppress",
    "vlan_tunnel",
    "isolated",
    "locked",
]


def parse_shared(*parts):
    path = shared_path(*parts)
    return bridge_link.parse(path.read_text(), source=path.name)


def by_name(parsed, name):
    rows = parsed.table[parsed.table["name"] == name]
    assert len(rows) == 1, f"expected one port {name}, found {len(rows)}"
    return rows.iloc[0]


def test_every_shared_file_is_listed():
    assert {path.name for path in shared_path("formats", "bridge_link").iterdir()} == set(EXPECTED_COUNTS)


@pytest.mark.parametrize("name, count", sorted(EXPECTED_COUNTS.items()))
def test_shared_file_parses_cleanly(name, count):
    text = shared_path("formats", "bridge_link", name).read_text()
    parsed = bridge_link.parse(text, source=name)
    assert parsed.kind == "bridge_link"
    assert parsed.warnings == []
    assert len(parsed.table) == count
    assert bridge_link.detect(text)


def test_disabled_ports_and_lower_device():
    parsed = parse_shared("formats", "bridge_link", "netdev-dsa-bridge-link-after.txt")
    down = by_name(parsed, "eth1")
    assert (down["state"], down["cost"], down["priority"], down["master"]) == ("disabled", 100, 32, "br0")
    assert "NO-CARRIER" in down["flags"]
    user_port = by_name(parsed, "swp5")
    assert (user_port["link"], user_port["state"], user_port["cost"]) == ("eth2", "forwarding", 4)
    assert pd.isna(user_port["link_ifindex"])
    assert pd.isna(user_port["hairpin"])


def test_detail_line_booleans():
    parsed = parse_shared("formats", "bridge_link", "homelab-bridge-d-link.txt")
    assert parsed.meta["details"] is True
    port = by_name(parsed, "eno1-vlan40")
    assert (port["ifindex"], port["master"], port["cost"]) == (83, "br40", 100)
    assert bool(port["learning"])
    assert bool(port["flood"])
    assert bool(port["mcast_flood"])
    assert bool(port["bcast_flood"])
    assert not bool(port["hairpin"])
    assert not bool(port["guard"])
    assert not bool(port["isolated"])
    assert not bool(port["locked"])
    assert not bool(port["vlan_tunnel"])  # printed as "Vlan_tunnel" by that iproute2 version
    assert port["attributes"]["mcast_router"] == "1"
    for column in DETAIL_COLUMNS:
        assert not parsed.table[column].isna().any(), column


def test_old_layout_with_operstate_and_peer():
    old = by_name(parse_shared("formats", "bridge_link", "cn-notes-bridge-link-old-format.txt"), "veth0")
    assert (old["operstate"], old["state"], old["master"], old["ifindex"]) == ("UP", "forwarding", "br0", 6)
    peer = by_name(
        parse_shared("formats", "bridge_link", "cn-notes-bridge-link-old-format-peer.txt"), "br-veth0"
    )
    assert (peer["operstate"], peer["link"], peer["state"], peer["cost"]) == (
        "UP",
        "br-veth1",
        "forwarding",
        2,
    )


def test_case_ports():
    parsed = parse_shared("cases", "F01", "outputs", "bridge_-d_link_show.txt")
    assert parsed.warnings == []
    uplink = by_name(parsed, "enp65s0f0")
    assert (uplink["link"], uplink["link_ifindex"], uplink["master"]) == ("if102", 102, "br-vms")
    assert not bool(uplink["hairpin"])
    assert bool(uplink["learning"])
    assert uplink["line"] == 3
    for path in sorted(shared_path("cases").glob("*/outputs/bridge_link_show.txt")):
        case = bridge_link.parse(path.read_text(), source=str(path))
        assert case.warnings == [], path
        assert (case.table["state"] == "forwarding").all(), path


def test_monitor_banner_and_odd_line():
    text = "[LINK]4: v0@v1: <BROADCAST,UP> mtu 1500 master br0 state disabled priority 32 cost 2 \nbogus\n"
    parsed = bridge_link.parse(text, source="mon.txt")
    assert by_name(parsed, "v0")["state"] == "disabled"
    assert parsed.warnings == ["mon.txt: line 2: not a bridge port line: 'bogus'. Line skipped."]


def test_detect_rejects_ip_link():
    assert not bridge_link.detect(shared_path("cases", "C01", "outputs", "ip_-d_link.txt").read_text())
    assert not bridge_link.detect(
        shared_path("formats", "ip_link", "taf-ip-o-d-link-team-team-slave-oneline.txt").read_text()
    )
