"""Tests of the NetworkManager keyfile parser on keyfiles written by ``nmcli --offline``."""

import shutil
import subprocess

import pytest

from analyzer.parsers import nm_keyfile


def keyfile(*arguments):
    """Return the keyfile that nmcli writes for ``connection add ARGUMENTS``, without a running daemon."""
    if shutil.which("nmcli") is None:
        pytest.skip("nmcli (NetworkManager) is not installed")
    result = subprocess.run(["nmcli", "--offline", "connection", "add", *arguments],
                            capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        pytest.skip(f"nmcli --offline failed: {result.stderr.strip()[:200]}")
    # nmcli prints warnings (a master that no profile names) on standard output before the keyfile.
    return result.stdout[result.stdout.index("[connection]"):]


def parse_row(text):
    parsed = nm_keyfile.parse(text, source="team0.nmconnection")
    assert nm_keyfile.detect(text)
    assert parsed.warnings == []
    assert len(parsed.table) == 1
    return parsed.table.iloc[0]


def test_lacp_team():
    row = parse_row(keyfile("type", "team", "con-name", "team0", "ifname", "team0",
                            "team.runner", "lacp", "team.runner-tx-hash", "eth,ipv4"))
    assert (row["name"], row["type"], row["device"], row["mode"]) == ("team0", "team", "team0", "lacp")
    assert row["options"]["runner"]["tx_hash"] == ["eth", "ipv4"]
    assert row["master"] is None


def test_team_without_runner_is_roundrobin():
    row = parse_row(keyfile("type", "team", "con-name", "team1", "ifname", "team1"))
    assert row["mode"] == "roundrobin"


@pytest.mark.parametrize("given, expected", [("active-backup", "active-backup"), ("4", "802.3ad"),
                                             ("balance-alb", "balance-alb")])
def test_bond_modes(given, expected):
    row = parse_row(keyfile("type", "bond", "con-name", "bond0", "ifname", "bond0",
                            "bond.options", f"mode={given},miimon=100"))
    assert row["type"] == "bond"
    assert row["mode"] == expected
    assert row["options"]["miimon"] == "100"


def test_team_port_and_bridge_port():
    team_port = parse_row(keyfile("type", "ethernet", "con-name", "team0-eth1", "ifname", "eth1", "master", "team0",
                                  "slave-type", "team", "team-port.config", '{"prio": 100}'))
    assert (team_port["device"], team_port["master"], team_port["slave_type"]) == ("eth1", "team0", "team")
    assert team_port["port_config"] == {"prio": 100}
    bridge_port = parse_row(keyfile("type", "ethernet", "con-name", "br0-eth3", "ifname", "eth3", "master", "br0",
                                    "slave-type", "bridge"))
    assert (bridge_port["master"], bridge_port["slave_type"]) == ("br0", "bridge")


def test_vlan_and_cloned_mac():
    row = parse_row(keyfile("type", "vlan", "con-name", "vlan40", "ifname", "eth1.40", "vlan.parent", "eth1",
                            "vlan.id", "40", "ethernet.cloned-mac-address", "02:00:00:00:00:40"))
    assert (row["type"], int(row["vlan_id"]), row["vlan_parent"]) == ("vlan", 40, "eth1")
    assert row["mac"] == "02:00:00:00:00:40"


def test_invalid_team_config_is_reported():
    parsed = nm_keyfile.parse("[connection]\nid=t\ntype=team\n\n[team]\nconfig={\"runner\": \n", source="t.nmconnection")
    assert parsed.table.iloc[0]["mode"] == "roundrobin"
    assert parsed.warnings[0].startswith("t.nmconnection: [team] config: line 1")


def test_not_a_keyfile():
    parsed = nm_keyfile.parse("[main]\nplugins=keyfile\n", source="NetworkManager.conf")
    assert parsed.table.empty
    assert not nm_keyfile.detect("[main]\nplugins=keyfile\n")
    assert parsed.warnings == ["NetworkManager.conf: no [connection] section, so this is not a NetworkManager keyfile"]
