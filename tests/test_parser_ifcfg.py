"""Tests of the ifcfg parser on team, bond, bridge and VLAN files as initscripts documents them."""

import pytest

from analyzer.parsers import ifcfg

TEAM = """DEVICE=team0
DEVICETYPE=Team
ONBOOT=yes
BOOTPROTO=none
TEAM_CONFIG='{"runner": {"name": "lacp", "active": true, "fast_rate": true}, "link_watch": {"name": "ethtool"}}'
"""
TEAM_PORT = """DEVICE=eth1
DEVICETYPE=TeamPort
ONBOOT=yes
TEAM_MASTER=team0
TEAM_PORT_CONFIG='{"prio": 100}'
"""
BOND_SLAVE = """# written by hand
DEVICE="eth2"
MASTER=bond0
SLAVE=yes
BOOTPROTO=none
"""
BRIDGE_PORT = "DEVICE=eth3\nTYPE=Ethernet\nBRIDGE=br0\nHWADDR=02:00:00:00:00:0A\n"
VLAN = "DEVICE=eth1.40\nVLAN=yes\nPHYSDEV=eth1\nBOOTPROTO=none\n"


def parse_row(text, source="ifcfg-x"):
    parsed = ifcfg.parse(text, source=source)
    assert ifcfg.detect(text)
    assert parsed.warnings == []
    return parsed.table.iloc[0]


def test_team_and_port():
    team = parse_row(TEAM)
    assert (team["device"], team["type"], team["mode"]) == ("team0", "team", "lacp")
    assert team["options"]["runner"]["fast_rate"] is True
    port = parse_row(TEAM_PORT)
    assert (port["type"], port["master"], port["slave_type"], port["port_config"]) == (
        "team-port", "team0", "team", {"prio": 100})


@pytest.mark.parametrize("options, mode", [("mode=4 miimon=100", "802.3ad"), ("miimon=100 mode=active-backup",
                                                                              "active-backup"), ("miimon=100", "balance-rr")])
def test_bond_modes(options, mode):
    row = parse_row(f'DEVICE=bond0\nTYPE=Bond\nBONDING_MASTER=yes\nBONDING_OPTS="{options}"\n')
    assert row["mode"] == mode


def test_ports_of_bond_and_bridge():
    slave = parse_row(BOND_SLAVE)
    assert (slave["device"], slave["master"], slave["slave_type"]) == ("eth2", "bond0", "bond")
    port = parse_row(BRIDGE_PORT)
    assert (port["master"], port["slave_type"], port["mac"], port["type"]) == ("br0", "bridge", "02:00:00:00:00:0a",
                                                                               "ethernet")


def test_vlan_and_device_from_file_name():
    row = parse_row(VLAN)
    assert (row["type"], int(row["vlan_id"]), row["vlan_parent"]) == ("vlan", 40, "eth1")
    unnamed = parse_row("TYPE=Ethernet\nONBOOT=yes\n", source="etc/sysconfig/network-scripts/ifcfg-eno1")
    assert unnamed["device"] == "eno1"


def test_bad_lines_become_warnings():
    parsed = ifcfg.parse("DEVICE=team0\nDEVICETYPE=Team\nTEAM_CONFIG='{\"runner\": \nthis is not an assignment\n",
                         source="ifcfg-team0")
    assert parsed.table.iloc[0]["mode"] == "roundrobin"
    assert parsed.warnings[0].startswith("ifcfg-team0: line 3: invalid quoting in TEAM_CONFIG")
    assert parsed.warnings[1].startswith("ifcfg-team0: line 4: expected KEY=value")


def test_shell_script_is_not_ifcfg():
    assert not ifcfg.detect("#!/bin/sh\nset -e\nDEVICE=eth0\n")
