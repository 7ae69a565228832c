"""Tests of the ``/proc/net/bonding/BOND`` parser on real files of every mode found."""

import pandas as pd
import pytest
from conftest import shared_path

from analyzer.parsers import proc_net_bonding

MODES = [
    ("insights-balance-rr.txt", "balance-rr", None, ["eno1", "eno2"]),
    ("insights-balance-xor.txt", "balance-xor", None, ["eno1", "eno2"]),
    ("insights-active-backup.txt", "active-backup", "enp17s0f0", ["enp17s0f0", "enp17s0f1"]),
    ("insights-active-backup-arp-primary.txt", "active-backup", "em3", ["em3", "p2p3"]),
    ("insights-802.3ad-old-v3.2.4.txt", "802.3ad", None, ["eth1", "eth2"]),
    ("insights-802.3ad-lacp-details.txt", "802.3ad", None, ["enp0s9", "enp0s8"]),
    ("suse-doc-802.3ad-kernel6.4-macvlan.txt", "802.3ad", None, ["macvlan1"]),
    ("notes-balance-alb-centos7.txt", "balance-alb", "ens36", ["ens35", "ens36"]),
    ("forum-balance-alb-down-noslaves.txt", "balance-alb", None, []),
]


def parse_file(name, source=None):
    path = shared_path("formats", "bonding", name)
    return proc_net_bonding.parse(path.read_text(), source=source or path.name)


@pytest.mark.parametrize("name, mode, active, slaves", MODES)
def test_modes(name, mode, active, slaves):
    path = shared_path("formats", "bonding", name)
    assert proc_net_bonding.detect(path.read_text())
    parsed = parse_file(name)
    assert parsed.meta["mode"] == mode
    assert parsed.meta["active_slave"] == active
    assert parsed.table["name"].tolist() == slaves
    assert parsed.meta["device"] is None


def test_device_from_proc_or_sos_path():
    assert parse_file("insights-balance-rr.txt", "/proc/net/bonding/bond0").meta["device"] == "bond0"
    sos = "/tmp/x/sosreport-h/proc/net/bonding/bond-wan"
    assert parse_file("insights-balance-rr.txt", sos).meta["device"] == "bond-wan"


def test_lacp_details():
    parsed = parse_file("insights-802.3ad-lacp-details.txt")
    assert parsed.warnings == []
    meta = parsed.meta
    assert (meta["aggregator_id"], meta["number_of_ports"], meta["actor_key"], meta["partner_key"]) == (1, 1, 9, 1)
    assert meta["partner_mac"] == "00:00:00:00:00:00"
    assert meta["lacp_rate"] == "slow"
    assert meta["ad_select"] == "stable"
    assert meta["system_mac"] == "08:00:27:99:a3:6b"
    table = parsed.table.set_index("name")
    assert table.loc["enp0s9", "aggregator_id"] == 1
    assert table.loc["enp0s8", "aggregator_id"] == 2
    assert table.loc["enp0s8", "mii_status"] == "down"
    assert table.loc["enp0s8", "speed"] is pd.NA
    assert table.loc["enp0s9", "actor_churn_state"] == "none"
    assert table.loc["enp0s9", "partner_churn_state"] == "churned"
    assert table.loc["enp0s9", "actor_state"] == 77
    assert table.loc["enp0s9", "partner_state"] == 1
    assert table.loc["enp0s9", "partner_key"] == 1
    assert table.loc["enp0s8", "actor_port"] == 2


def test_modern_kernel_with_partner():
    parsed = parse_file("suse-doc-802.3ad-kernel6.4-macvlan.txt")
    assert parsed.warnings == []
    assert parsed.meta["driver_version"] == "6.4.0-150600.23.17-default"
    assert parsed.meta["lacp_active"] == "on"
    assert parsed.meta["number_of_ports"] == 2
    assert parsed.meta["partner_mac"] == "02:00:00:00:00:01"
    assert parsed.meta["xmit_hash_policy"] == "layer2+3"
    row = parsed.table.iloc[0]
    assert (int(row["speed"]), int(row["link_failure_count"]), int(row["partner_port"])) == (200000, 2, 4)
    assert row["partner_system"] == "02:00:00:00:00:01"


def test_old_driver_and_injected_line():
    parsed = parse_file("insights-802.3ad-old-v3.2.4.txt")
    assert parsed.meta["driver_version"] == "3.2.4"
    assert parsed.meta["aggregator_id"] == 3
    assert parsed.table["aggregator_id"].tolist() == [3, 2]
    assert parsed.table["actor_churn_state"].tolist() == [None, None]
    assert parsed.warnings == [
        "insights-802.3ad-old-v3.2.4.txt: line 31: expected 'Key: value', found 'Speed'. Line skipped."]


def test_active_backup_primary_and_arp_monitor():
    parsed = parse_file("insights-active-backup-arp-primary.txt")
    assert parsed.meta["primary"] == "em3"
    assert parsed.meta["primary_reselect"] == "failure"
    assert parsed.meta["arp_polling_interval_ms"] == 1000
    assert parsed.meta["arp_ip_targets"] == ["10.152.1.1"]
    assert parsed.table["link_failure_count"].tolist() == [92028, 71524]


def test_bond_without_slaves():
    parsed = parse_file("forum-balance-alb-down-noslaves.txt")
    assert parsed.table.empty
    assert parsed.meta["mii_status"] == "down"
    assert parsed.meta["primary"] is None


def test_unknown_mode_is_reported():
    parsed = proc_net_bonding.parse("Bonding Mode: something new\n", source="b")
    assert parsed.meta["mode"] is None
    assert parsed.warnings == ["b: line 1: unknown bonding mode 'something new'"]
