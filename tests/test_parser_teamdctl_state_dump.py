"""Tests of the ``teamdctl TEAM state dump`` parser on real outputs."""

import json

import pandas as pd
import pytest
from conftest import shared_path

from analyzer.parsers import teamdctl_state_dump

CASE_DUMPS = [
    ("C01", "teamdctl_team0_state_dump.json", "team0", "roundrobin", None),
    ("C02", "teamdctl_team0_state_dump.json", "team0", "roundrobin", None),
    ("C03", "teamdctl_team2_state_dump.json", "team2", "activebackup", "enp3s0f0"),
    ("F07", "teamdctl_team5_state_dump.json", "team5", "activebackup", "p1p2"),
    ("F07", "teamdctl_team5_state_dump_before.json", "team5", "activebackup", "p1p1"),
]


def parse_file(path):
    return teamdctl_state_dump.parse(path.read_text(), source=path.name)


@pytest.mark.parametrize("case, name, device, runner, active_port", CASE_DUMPS)
def test_case_dumps(case, name, device, runner, active_port):
    path = shared_path("cases", case, "outputs", name)
    parsed = parse_file(path)
    assert parsed.kind == "teamdctl_state_dump"
    assert parsed.warnings == []
    assert teamdctl_state_dump.detect(path.read_text())
    assert parsed.meta["device"] == device
    assert parsed.meta["runner"] == runner
    assert parsed.meta["kernel_team_mode_name"] == runner
    assert parsed.meta["active_port"] == active_port
    assert len(parsed.table) == 2
    assert parsed.table["link_up"].all()
    assert (parsed.table["speed"] == 10000).all()


def test_activebackup_ports():
    parsed = parse_file(shared_path("cases", "C03", "outputs", "teamdctl_team2_state_dump.json"))
    table = parsed.table.set_index("name")
    assert table.loc["enp3s0f0", "ifindex"] == 3
    assert table.loc["enp3s0f1", "ifindex"] == 4
    assert table.loc["enp3s0f1", "down_count"] == 1
    assert table.loc["enp3s0f0", "down_count"] == 0
    assert table.loc["enp3s0f0", "mac"] == "a0:36:9f:11:22:33"
    assert table.loc["enp3s0f0", "duplex"] == "full"
    assert table.loc["enp3s0f0", "link_watches"] == ["ethtool"]
    assert bool(table.loc["enp3s0f0", "link_watch_up"])
    assert parsed.meta["ifindex"] == 5
    assert parsed.meta["hwaddr"] == "a0:36:9f:11:22:33"


def test_dump_without_ports():
    path = shared_path("formats", "teamd", "insights-state-dump-activebackup-noports.json")
    parsed = parse_file(path)
    assert parsed.warnings == []
    assert parsed.table.empty
    assert (parsed.meta["device"], parsed.meta["runner"], parsed.meta["active_port"]) == (
        "team0",
        "activebackup",
        "eno1",
    )


def test_roundrobin_dump_with_ports():
    parsed = parse_file(shared_path("formats", "teamd", "monitor-test-state-dump-roundrobin-ports.json"))
    assert parsed.warnings == []
    assert parsed.table["name"].tolist() == ["eno12399", "ens1f0"]
    assert parsed.meta["runner"] == "roundrobin"
    assert parsed.meta["active_port"] is None


def test_cut_off_lacp_dump():
    path = shared_path("formats", "teamd", "libteam-issue81-state-dump-lacp-PARTIAL.txt")
    parsed = parse_file(path)
    assert len(parsed.warnings) == 1
    assert parsed.warnings[0].startswith(f"{path.name}: line 34, column ")
    assert "cut off" in parsed.warnings[0]
    port = parsed.table.iloc[0]
    assert port["name"] == "ens1f0"
    assert port["ifindex"] == 6
    assert pd.isna(port["speed"])  # teamd printed -1, an unknown speed
    assert (port["actor_port"], port["actor_port_priority"], port["actor_state"], port["actor_key"]) == (
        6,
        255,
        63,
        0,
    )
    assert port["actor_system"] == "aa:bb:cc:dd:ee:ff"
    assert pd.isna(port["actor_system_priority"])
    assert parsed.meta["runner"] is None


def test_lacp_runner_fields():
    lacpdu = {
        "system_priority": 65535,
        "system": "02:00:00:00:0A:01",
        "key": 9,
        "port_priority": 255,
        "port": 3,
        "state": 61,
    }
    dump = {
        "ports": {
            "eth1": {
                "ifinfo": {
                    "dev_addr": "02:00:00:00:00:01",
                    "dev_addr_len": 6,
                    "ifindex": 3,
                    "ifname": "eth1",
                },
                "link": {"duplex": "full", "speed": 1000, "up": True},
                "link_watches": {
                    "list": {
                        "link_watch_0": {"down_count": 2, "name": "ethtool", "up": True},
                        "link_watch_1": {"down_count": 1, "name": "arp_ping", "up": False},
                    },
                    "up": True,
                },
                "runner": {
                    "aggregator": {"id": 3, "selected": True},
                    "selected": True,
                    "state": "current",
                    "key": 9,
                    "prio": 255,
                    "actor_lacpdu_info": lacpdu,
                    "partner_lacpdu_info": dict(lacpdu, system="02:00:00:00:0b:01", state=63),
                },
            },
            "eth2": {
                "ifinfo": {"ifname": "eth2"},
                "runner": {"aggregator_id": 4, "selected": False, "state": "expired"},
            },
        },
        "runner": {"active": True, "fast_rate": False, "select_policy": "lacp_prio", "sys_prio": 65535},
        "setup": {"runner_name": "lacp", "kernel_team_mode_name": "loadbalance"},
    }

    parsed = teamdctl_state_dump.parse(json.dumps(dump))
    assert parsed.meta["lacp_active"] is True
    assert parsed.meta["lacp_fast_rate"] is False
    assert parsed.meta["lacp_sys_prio"] == 65535
    assert parsed.meta["lacp_select_policy"] == "lacp_prio"

    table = parsed.table.set_index("name")
    assert table.loc["eth1", "down_count"] == 3
    assert table.loc["eth1", "link_watches"] == ["ethtool", "arp_ping"]
    assert (table.loc["eth1", "aggregator_id"], bool(table.loc["eth1", "aggregator_selected"])) == (3, True)
    assert (bool(table.loc["eth1", "selected"]), table.loc["eth1", "state"]) == (True, "current")
    assert (table.loc["eth1", "lacp_key"], table.loc["eth1", "lacp_prio"]) == (9, 255)
    assert table.loc["eth1", "actor_system"] == "02:00:00:00:0a:01"
    assert table.loc["eth1", "partner_system"] == "02:00:00:00:0b:01"
    assert (table.loc["eth1", "partner_state"], table.loc["eth1", "partner_port"]) == (63, 3)

    assert table.loc["eth2", "aggregator_id"] == 4
    assert table.loc["eth2", "state"] == "expired"
    assert pd.isna(table.loc["eth2", "down_count"])


def test_truncated_real_dump_parses():
    text = shared_path("cases", "C01", "outputs", "teamdctl_team0_state_dump.json").read_text()
    for end in range(0, len(text), 11):
        parsed = teamdctl_state_dump.parse(text[:end], source="cut.json")
        assert len(parsed.warnings) == 1
        assert len(parsed.table) <= 2
        if end > text.index('"eth2"'):
            assert parsed.table.iloc[0]["name"] == "eth1"
            assert parsed.table.iloc[0]["ifindex"] == 3


def test_not_an_object():
    parsed = teamdctl_state_dump.parse("[1, 2]", source="list.json")
    assert parsed.table.empty
    assert parsed.warnings == ["list.json: expected a JSON object, found list"]


def test_detect_rejects_config_dump():
    assert not teamdctl_state_dump.detect(
        shared_path("cases", "C01", "outputs", "teamdctl_team0_config_dump.json").read_text()
    )
    assert not teamdctl_state_dump.detect(
        shared_path("formats", "teamd", "coreos-kola-state-activebackup.txt").read_text()
    )
