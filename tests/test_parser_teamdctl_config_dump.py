"""Tests of the ``teamdctl TEAM config dump`` parser on real outputs."""

import pandas as pd
import pytest
from conftest import shared_path

from analyzer.parsers import teamdctl_config_dump

CASE_DUMPS = [
    ("C01", "teamdctl_team0_config_dump.json", "team0", "roundrobin", {"eth1": None, "eth2": None}),
    ("C03", "teamdctl_team2_config_dump.json", "team2", "activebackup", {"enp3s0f0": 100, "enp3s0f1": 10}),
    ("F07", "teamdctl_team5_config_dump.json", "team5", "activebackup", {"p1p1": 100, "p1p2": 50}),
]


@pytest.mark.parametrize("case, name, device, runner, priorities", CASE_DUMPS)
def test_case_config(case, name, device, runner, priorities):
    path = shared_path("cases", case, "outputs", name)
    parsed = teamdctl_config_dump.parse(path.read_text(), source=name)
    assert parsed.kind == "teamdctl_config_dump"
    assert parsed.warnings == []
    assert teamdctl_config_dump.detect(path.read_text())
    assert (parsed.meta["device"], parsed.meta["runner"]) == (device, runner)
    assert parsed.meta["link_watch"] == [{"name": "ethtool"}]
    found = {
        row["name"]: (None if pd.isna(row["prio"]) else int(row["prio"]))
        for _, row in parsed.table.iterrows()
    }
    assert found == priorities


def test_activebackup_with_link_watch_list():
    path = shared_path("formats", "teamd", "insights-config-dump-activebackup.json")
    parsed = teamdctl_config_dump.parse(path.read_text(), source=path.name)
    assert parsed.warnings == []
    assert parsed.meta["hwaddr"] == "de:5d:21:a8:98:4a"
    assert parsed.meta["runner"] == "activebackup"
    assert parsed.meta["runner_options"] == {"hwaddr_policy": "only_active"}
    assert [watch["name"] for watch in parsed.meta["link_watch"]] == ["ethtool", "nsna_ping"]
    assert parsed.meta["link_watch"][0]["delay_up"] == 5
    assert parsed.meta["notify_peers"] == {"count": 1}
    assert parsed.table.empty


def test_lacp_configuration_file():
    path = shared_path("formats", "teamd", "wicked-pr1062-teamd-conf-lacp.json")
    parsed = teamdctl_config_dump.parse(path.read_text(), source=path.name)
    assert parsed.warnings == []
    assert (parsed.meta["device"], parsed.meta["runner"]) == ("team12", "lacp")
    assert parsed.meta["runner_options"]["tx_balancer"] == {"name": "basic", "balancing_interval": 50}
    assert parsed.meta["link_watch_policy"] == "any"
    assert parsed.meta["link_watch"] is None


def test_port_options():
    text = """{"device": "team1", "runner": {"name": "lacp", "active": true, "fast_rate": true, "min_ports": 2,
      "tx_hash": ["eth", "ipv4", "ipv6"]},
     "ports": {"eth1": {"lacp_prio": 10, "lacp_key": 3, "queue_id": 1, "sticky": true, "link_watch": {"name": "arp_ping"},
                        "extra": 1},
               "eth2": "not an object"}}"""
    parsed = teamdctl_config_dump.parse(text, source="team1.conf")
    assert parsed.meta["runner_options"]["tx_hash"] == ["eth", "ipv4", "ipv6"]
    assert parsed.meta["runner_options"]["min_ports"] == 2
    port = parsed.table.iloc[0]
    assert (port["name"], port["lacp_prio"], port["lacp_key"], port["queue_id"], bool(port["sticky"])) == (
        "eth1",
        10,
        3,
        1,
        True,
    )
    assert port["link_watch"] == [{"name": "arp_ping"}]
    assert port["options"] == {"extra": 1}
    assert parsed.warnings == [
        "team1.conf: ports.eth2: expected an object, found 'not an object'. Port skipped."
    ]


def test_cut_off_config():
    text = shared_path("cases", "F07", "outputs", "teamdctl_team5_config_dump.json").read_text()
    cut = text[: text.index('"p1p2"')]
    parsed = teamdctl_config_dump.parse(cut, source="cut.json")
    assert len(parsed.warnings) == 1
    assert parsed.meta["device"] == "team5"
    assert parsed.table["name"].tolist() == ["p1p1"]
    assert parsed.table.iloc[0]["prio"] == 100


def test_detect_rejects_state_dump():
    assert not teamdctl_config_dump.detect(
        shared_path("cases", "C01", "outputs", "teamdctl_team0_state_dump.json").read_text()
    )
