"""Tests of the ``teamdctl TEAM state`` text parser on real outputs."""

import pandas as pd
import pytest
from conftest import shared_path

from analyzer.parsers import teamdctl_state_dump, teamdctl_state_view

VIEW_FILES = {
    "coreos-kola-state-activebackup.txt": ("activebackup", "eth1"),
    "notes-state-view-roundrobin-old-teamd.txt": ("roundrobin", None),
    "otus-state-loadbalance-link-down.txt": ("loadbalance", None),
    "rhel7-notes-state-activebackup-nodowncount.txt": ("activebackup", "eno2"),
    "wicked-pr1062-state-view-lacp-PARTIAL.txt": ("lacp", None),
}


def parse_shared(name):
    path = shared_path("formats", "teamd", name)
    return teamdctl_state_view.parse(path.read_text(), source=name)


@pytest.mark.parametrize("name, expected", sorted(VIEW_FILES.items()))
def test_shared_view_parses(name, expected):
    parsed = parse_shared(name)
    assert parsed.kind == "teamdctl_state_view"
    assert (parsed.meta["runner"], parsed.meta["active_port"]) == expected
    assert parsed.meta["device"] is None
    assert len(parsed.table) == 2
    assert list(parsed.table.columns) == list(teamdctl_state_dump.TEAM_PORT_COLUMNS)
    assert teamdctl_state_view.detect(shared_path("formats", "teamd", name).read_text())
    if "PARTIAL" not in name:
        assert parsed.warnings == []


def test_link_down_port():
    table = parse_shared("otus-state-loadbalance-link-down.txt").table.set_index("name")
    assert not bool(table.loc["eth2", "link_watch_up"])
    assert table.loc["eth2", "down_count"] == 1
    assert bool(table.loc["eth1", "link_watch_up"])
    assert table.loc["eth1", "link_watches"] == ["ethtool"]


def test_old_teamd_without_down_count():
    table = parse_shared("rhel7-notes-state-activebackup-nodowncount.txt").table
    assert table["down_count"].isna().all()
    assert table["name"].tolist() == ["eno1", "eno2"]


def test_cut_off_lacp_view():
    parsed = parse_shared("wicked-pr1062-state-view-lacp-PARTIAL.txt")
    table = parsed.table.set_index("name")
    assert (table.loc["eth1", "aggregator_id"], bool(table.loc["eth1", "aggregator_selected"])) == (2, True)
    assert (bool(table.loc["eth1", "selected"]), table.loc["eth1", "state"]) == (True, "current")
    assert table.loc["eth1", "down_count"] == 1
    assert table.loc["eth2", "aggregator_id"] == 2
    assert pd.isna(table.loc["eth2", "selected"])
    assert parsed.warnings == [
        "wicked-pr1062-state-view-lacp-PARTIAL.txt: line 22: runner block of port eth2 has no 'selected' or 'state' line, so the output is probably cut off"
    ]


def test_verbose_view():
    text = """setup:
  runner: lacp
  kernel team mode: loadbalance
  D-BUS enabled: no
ports:
  eth1
    ifindex: 3
    addr: 02:00:00:00:00:01
    ethtool link: 1000mbit/fullduplex/up
    link watches:
      link summary: up
      instance[link_watch_0]:
        name: ethtool
        link: up
        down count: 0
        link up delay: 0
        link down delay: 0
    runner:
      aggregator ID: 3
      selected: no
      state: defaulted
      key: 9
      priority: 255
      actor LACPDU info:
        system priority: 65535
        system: 02:00:00:00:0a:01
        key: 9
        port_priority: 255
        port: 3
        state: 0x45
      partner LACPDU info:
        system priority: 65535
        system: 00:00:00:00:00:00
        key: 0
        port_priority: 0
        port: 0
        state: 0x2
runner:
  active: yes
  fast rate: no
  system priority: 65535
"""
    parsed = teamdctl_state_view.parse(text)
    assert parsed.warnings == []
    assert parsed.meta["kernel_team_mode_name"] == "loadbalance"
    assert (parsed.meta["lacp_active"], parsed.meta["lacp_fast_rate"], parsed.meta["lacp_sys_prio"]) == (
        True,
        False,
        65535,
    )
    port = parsed.table.iloc[0]
    assert (port["ifindex"], port["mac"], port["speed"], port["duplex"], bool(port["link_up"])) == (
        3,
        "02:00:00:00:00:01",
        1000,
        "full",
        True,
    )
    assert (port["aggregator_id"], bool(port["aggregator_selected"]), bool(port["selected"])) == (
        3,
        False,
        False,
    )
    assert (port["state"], port["lacp_key"], port["lacp_prio"]) == ("defaulted", 9, 255)
    assert (port["actor_system"], port["actor_state"], port["actor_port"]) == ("02:00:00:00:0a:01", 0x45, 3)
    assert (port["partner_state"], port["partner_system_priority"]) == (2, 65535)


def test_other_text_is_reported():
    parsed = teamdctl_state_view.parse(
        shared_path("formats", "teamd", "rhel7-notes-teamnl-options.txt").read_text(), source="opts.txt"
    )
    assert parsed.table.empty
    assert (
        parsed.warnings[0]
        == "opts.txt: line 11: expected 'key: value', 'section:' or a port name, found 'mcast_rejoin_interval 0'. Line skipped."
    )
    assert (
        parsed.warnings[-1] == "opts.txt: no 'setup:' section, so this is probably not teamdctl state output"
    )


def test_detect_rejects_teamnl_and_dump():
    assert not teamdctl_state_view.detect(
        shared_path("formats", "teamd", "rhel7-notes-teamnl-ports.txt").read_text()
    )
    assert not teamdctl_state_view.detect(
        shared_path("cases", "C01", "outputs", "teamdctl_team0_state_dump.json").read_text()
    )
