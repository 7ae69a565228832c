"""Tests of the ``ip link show`` text parser on real outputs."""

import pandas as pd
import pytest
from conftest import shared_path

from analyzer.parsers import ip_link


def parse_shared(*parts):
    path = shared_path(*parts)
    return ip_link.parse(path.read_text(), source=path.name)


def by_name(parsed, name):
    rows = parsed.table[parsed.table["name"] == name]
    assert len(rows) == 1, f"expected one interface {name}, found {len(rows)}"
    return rows.iloc[0]


EXPECTED_COUNTS = {
    "cumulus-evpn-ip-d-link-vxlan-bridge-slave.txt": 1,
    "docker-overlay-ip-d-link-old.txt": 4,
    "insights-ip-d-s-link-bond-active-backup-modern.txt": 4,
    "insights-ip-s-d-link-bond-slave-lacp-gre-geneve.txt": 14,
    "insights-ip-s-d-link-ovs-vxlan.txt": 6,
    "insights-ip-s-d-link-sriov-vf-bond-slave.txt": 4,
    "insights-ip-s-d-link-team-as-bridge-slave.txt": 5,
    "insights-ip-s-link-virbr-vnet.txt": 8,
    "ipspace-netlab-libvirt-tap-bridge-slave.txt": 1,
    "openstack-lb-ip-d-link-netns-veth-peer.txt": 2,
    "openstack-lb-ip-d-link-veth-vxlan-bridge.txt": 3,
    "openstack-ovs-tap-openvswitch-slave.txt": 1,
    "sonic-hld-team-portchannel.txt": 1,
    "taf-ip-o-d-link-team-team-slave-oneline.txt": 35,
}
# The source of this file hard-wrapped one line ("n" / "umrxqueues 112 ...").
WRAPPED_FILE = "insights-ip-s-d-link-sriov-vf-bond-slave.txt"


def test_every_shared_file_is_listed():
    names = {path.name for path in shared_path("formats", "ip_link").iterdir()}
    assert names == set(EXPECTED_COUNTS)


@pytest.mark.parametrize("name, count", sorted(EXPECTED_COUNTS.items()))
def test_shared_file_parses(name, count):
    text = shared_path("formats", "ip_link", name).read_text()
    parsed = ip_link.parse(text, source=name)
    assert parsed.kind == "ip_link"
    assert len(parsed.table) == count
    assert ip_link.detect(text)
    if name != WRAPPED_FILE:
        assert parsed.warnings == []


def test_hard_wrapped_line_is_named():
    parsed = parse_shared("formats", "ip_link", WRAPPED_FILE)
    assert len(parsed.warnings) == 1
    assert parsed.warnings[0].startswith(f"{WRAPPED_FILE}: line 16: not an interface header")
    assert "umrxqueues" in parsed.warnings[0]


def test_case_veth_bridge_port():
    parsed = parse_shared("cases", "C01", "outputs", "ip_-d_link.txt")
    assert parsed.warnings == []
    vnet = by_name(parsed, "vnet1")
    assert vnet["ifindex"] == 2
    assert vnet["link"] == "if2"
    assert vnet["link_ifindex"] == 2
    assert vnet["link_netnsid"] == 0
    assert vnet["kind"] == "veth"
    assert vnet["slave_kind"] == "bridge_slave"
    assert vnet["master"] == "br-vm"
    assert vnet["port_state"] == "forwarding"
    assert bool(vnet["learning"])
    assert bool(vnet["flood"])
    assert bool(vnet["bcast_flood"])
    assert not bool(vnet["hairpin"])
    assert not bool(vnet["isolated"])
    assert not bool(vnet["locked"])
    assert vnet["mac"] == "de:d2:36:fd:00:50"
    assert vnet["promiscuity"] == 2
    assert vnet["flags"] == ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
    assert vnet["attributes"]["port_id"] == "0x8001"
    assert vnet["attributes"]["hold_timer"] == "0.00"


def test_case_team_and_bridge():
    parsed = parse_shared("cases", "C01", "outputs", "ip_-d_link.txt")
    team = by_name(parsed, "team0")
    assert team["kind"] == "team"
    assert team["slave_kind"] == "bridge_slave"
    assert team["master"] == "br-vm"
    port = by_name(parsed, "eth2")
    assert port["slave_kind"] == "team_slave"
    assert port["master"] == "team0"
    assert port["link_netnsid"] == 1
    bridge = by_name(parsed, "br-vm")
    assert bridge["kind"] == "bridge"
    assert bridge["ageing_time"] == 300.0
    assert bridge["forward_delay"] == 15.0
    assert bridge["stp_state"] == 0
    assert not bool(bridge["vlan_filtering"])
    assert bridge["vlan_protocol"] == "802.1Q"
    assert bridge["vlan_default_pvid"] == 1
    assert bridge["operstate"] == "UP"
    assert bridge["qdisc"] == "noqueue"
    assert bridge["mtu"] == 1500
    assert bridge["attributes"]["gc_timer"] == "284.92"
    assert bridge["attributes"]["linkmode"] == "DEFAULT"


def test_vlan_aware_bridge():
    bridge = by_name(parse_shared("cases", "F10b", "outputs", "ip_-d_link.txt"), "vmbr0")
    assert bool(bridge["vlan_filtering"])


def test_bond_active_backup():
    parsed = parse_shared("formats", "ip_link", "insights-ip-d-s-link-bond-active-backup-modern.txt")
    bond = by_name(parsed, "bond0")
    assert bond["kind"] == "bond"
    assert bond["bond_mode"] == "active-backup"
    assert bond["attributes"]["active_slave"] == "enp1s0"
    assert bond["attributes"]["miimon"] == "100"
    active = by_name(parsed, "enp1s0")
    assert (active["slave_kind"], active["slave_state"], active["mii_status"]) == (
        "bond_slave",
        "ACTIVE",
        "UP",
    )
    backup = by_name(parsed, "enp2s0")
    assert backup["slave_state"] == "BACKUP"
    assert backup["attributes"]["permaddr"] == "52:54:00:c9:b9:47"
    assert backup["attributes"]["altnames"] == ["enx525400c9b947"]
    assert active["stats"]["rx_bytes"] == 6539676111
    assert active["stats"]["rx_dropped"] == 505436
    assert active["stats"]["tx_collsns"] == 0
    assert parsed.meta["stats"] is True


def test_lacp_bond_ports_and_tunnels():
    parsed = parse_shared("formats", "ip_link", "insights-ip-s-d-link-bond-slave-lacp-gre-geneve.txt")
    port = by_name(parsed, "eth0_2")
    assert port["attributes"]["ad_aggregator_id"] == "1"
    assert port["attributes"]["ad_partner_oper_port_state"] == "61"
    assert port["attributes"]["perm_hwaddr"] == "00:90:fa:8d:36:22"
    gre = by_name(parsed, "gre1")
    assert gre["link"] == "NONE"
    assert pd.isna(gre["link_ifindex"])
    assert gre["link_type"] == "gre"
    assert gre["mac"] is None
    assert gre["attributes"]["address"] == "10.211.47.217"
    assert gre["attributes"]["peer"] == "198.51.100.25"
    assert gre["attributes"]["remote"] == "198.51.100.25"
    assert by_name(parsed, "geneve0")["kind"] == "geneve"
    vxlan = by_name(parsed, "vxlan_sys_4789")
    assert (vxlan["kind"], vxlan["slave_kind"]) == ("vxlan", "openvswitch_slave")
    assert vxlan["attributes"]["external"] is True
    assert vxlan["attributes"]["srcport"] == "0 0"
    lo = by_name(parsed, "lo")
    assert lo["stats"]["rx_bytes"] == 18951865334


def test_sriov_vf_counters():
    parsed = parse_shared("formats", "ip_link", WRAPPED_FILE)
    pf = by_name(parsed, "ens1f1")
    assert len(pf["attributes"]["vfs"]) == 4
    assert pf["attributes"]["vfs"][0].startswith("0     link/ether 6e:cc:c3:fe:ad:7f")
    assert pf["stats"]["rx_bytes"] == 17496609
    assert pf["stats"]["vfs"]["3"]["rx_bcast"] == 192865
    assert pf["stats"]["vfs"]["3"]["tx_dropped"] == 0


def test_team_as_bridge_port_old_iproute2():
    parsed = parse_shared("formats", "ip_link", "insights-ip-s-d-link-team-as-bridge-slave.txt")
    team = by_name(parsed, "tm0")
    assert (team["kind"], team["slave_kind"], team["port_state"]) == ("team", "bridge_slave", "forwarding")
    assert team["attributes"]["designated_bridge"] == "8000.d4:f5:ef:1:1a:3c"
    assert bool(team["learning"])
    assert pd.isna(team["bcast_flood"])
    assert pd.isna(by_name(parsed, "enp0s3")["promiscuity"])


def test_no_details_output():
    parsed = parse_shared("formats", "ip_link", "insights-ip-s-link-virbr-vnet.txt")
    assert parsed.meta["details"] is False
    assert parsed.table["kind"].isna().all()
    assert by_name(parsed, "vnet0")["master"] == "virbr0"
    ppp = by_name(parsed, "ppp0")
    assert (ppp["link_type"], ppp["mac"]) == ("ppp", None)
    assert by_name(parsed, "tun0")["link_type"] == "none"
    assert by_name(parsed, "virbr0-nic")["operstate"] == "DOWN"


def test_oneline_team_ports():
    parsed = parse_shared("formats", "ip_link", "taf-ip-o-d-link-team-team-slave-oneline.txt")
    assert parsed.meta["oneline"] is True
    team = by_name(parsed, "team1")
    assert (team["kind"], team["link"]) == ("team", "NONE")
    port = by_name(parsed, "sw0p8")
    assert (port["slave_kind"], port["master"]) == ("team_slave", "1234")
    assert port["attributes"]["portid"] == "00000008"
    assert by_name(parsed, "1234")["kind"] == "team"
    assert by_name(parsed, "pep8")["promiscuity"] == 1


def test_netns_peer_by_name_and_id():
    tap = by_name(
        parse_shared("formats", "ip_link", "openstack-lb-ip-d-link-veth-vxlan-bridge.txt"), "tape0bba9cc-3e"
    )
    assert tap["link_netns"] == "qdhcp-c08e7dcd-4acb-4cd0-ad08-ebd3b48467ee"
    assert pd.isna(tap["link_netnsid"])
    assert tap["link_ifindex"] == 2
    peer = by_name(
        parse_shared("formats", "ip_link", "openstack-lb-ip-d-link-netns-veth-peer.txt"), "ns-e0bba9cc-3e"
    )
    assert (peer["kind"], peer["link_netnsid"], peer["link_ifindex"]) == ("veth", 0, 12)
    assert peer["attributes"]["addrgenmode"] == "eui64"


def test_vxlan_port_without_learning():
    vni = by_name(
        parse_shared("formats", "ip_link", "cumulus-evpn-ip-d-link-vxlan-bridge-slave.txt"), "vni100"
    )
    assert (vni["kind"], vni["slave_kind"]) == ("vxlan", "bridge_slave")
    assert not bool(vni["learning"])
    assert bool(vni["neigh_suppress"])
    assert vni["attributes"]["nolearning"] is True
    assert vni["attributes"]["id"] == "10100"
    assert vni["attributes"]["priority"] == "8"


def test_old_bridge_port_without_port_details():
    parsed = parse_shared("formats", "ip_link", "docker-overlay-ip-d-link-old.txt")
    veth = by_name(parsed, "veth2")
    assert (veth["kind"], veth["slave_kind"], veth["port_state"]) == ("veth", "bridge_slave", None)
    assert pd.isna(veth["learning"])
    bridge = by_name(parsed, "br0")
    assert bridge["forward_delay"] == 15.0
    assert pd.isna(bridge["ageing_time"])  # this iproute2 version did not print it
    vxlan = by_name(parsed, "vxlan1")
    assert vxlan["attributes"]["l2miss"] is True
    assert vxlan["attributes"]["ageing"] == "300"


def test_tap_and_openvswitch_port():
    tap = by_name(
        parse_shared("formats", "ip_link", "ipspace-netlab-libvirt-tap-bridge-slave.txt"), "vgif_h1_1"
    )
    assert (tap["kind"], tap["tun_type"], tap["slave_kind"]) == ("tun", "tap", "bridge_slave")
    assert tap["ifindex"] == 33867
    ovs = by_name(
        parse_shared("formats", "ip_link", "openstack-ovs-tap-openvswitch-slave.txt"), "tap8811e933-5c"
    )
    assert (ovs["kind"], ovs["slave_kind"], ovs["master"]) == ("tun", "openvswitch_slave", "ovs-system")


def test_kind_attribute_colliding_with_header_field():
    text = (
        "4: bond0: <BROADCAST,MULTICAST,MASTER,UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n"
        "    link/ether 02:00:00:00:00:04 brd ff:ff:ff:ff:ff:ff promiscuity 0\n"
        "    bond mode 802.3ad miimon 100 addrgenmode eui64\n"
        "5: tp0: <BROADCAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n"
        "    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff promiscuity 0\n"
        "    tun type tap pi off vnet_hdr on multi_queue numqueues 2 persist on group 0 \n"
    )
    parsed = ip_link.parse(text)
    bond = by_name(parsed, "bond0")
    assert bond["bond_mode"] == "802.3ad"
    assert bond["attributes"]["mode"] == "802.3ad"
    assert bond["attributes"]["linkmode"] == "DEFAULT"
    tap = by_name(parsed, "tp0")
    assert tap["attributes"]["multi_queue"] is True
    assert tap["attributes"]["numqueues"] == "2"
    assert tap["attributes"]["group"] == "default"
    assert tap["attributes"]["tun.group"] == "0"
    assert parsed.warnings == []


def test_vlan_device_with_qos_maps():
    text = (
        "7: eth0.10@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\n"
        "    link/ether 02:00:00:00:00:07 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 0 maxmtu 65535\n"
        "    vlan protocol 802.1Q id 10 <REORDER_HDR> \n"
        "      ingress-qos-map { 0:0 1:1 } \n"
        "      egress-qos-map { 2:3 } addrgenmode eui64 numtxqueues 1\n"
    )
    parsed = ip_link.parse(text)
    vlan = by_name(parsed, "eth0.10")
    assert (vlan["kind"], vlan["vlan_id"], vlan["vlan_protocol"], vlan["link"]) == (
        "vlan",
        10,
        "802.1Q",
        "eth0",
    )
    assert pd.isna(vlan["link_ifindex"])
    assert vlan["attributes"]["flags"] == "REORDER_HDR"
    assert vlan["attributes"]["ingress-qos-map"] == "0:0 1:1"
    assert vlan["attributes"]["egress-qos-map"] == "2:3"
    assert vlan["attributes"]["numtxqueues"] == "1"
    assert parsed.warnings == []


def test_odd_lines_are_named():
    text = "garbage first\n    link/ether 02:00:00:00:00:01\n1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN\n    RX: bytes packets\n"
    parsed = ip_link.parse(text, source="odd.txt")
    assert len(parsed.table) == 1
    assert parsed.warnings == [
        "odd.txt: line 1: not an interface header or an indented detail line: 'garbage first'. Line skipped.",
        "odd.txt: line 2: detail line before the first interface header. Line skipped.",
        "odd.txt: line 4: counter header without a line of values for lo",
    ]


def test_detect_rejects_bridge_link():
    assert not ip_link.detect(shared_path("cases", "C01", "outputs", "bridge_link_show.txt").read_text())
    assert not ip_link.detect(shared_path("cases", "C01", "outputs", "bridge_fdb_show.txt").read_text())
