"""Tests of the ``nmcli connection show`` parser: the list and a profile's settings."""

from analyzer.parsers import nmcli_connection

# "nmcli connection show" and "nmcli -f all connection show team0" as NetworkManager 1.42 lays them out.
LIST = """NAME           UUID                                  TYPE      DEVICE
team0          0b7f2f4e-0000-4000-8000-000000000001  team      team0
team0 port 1   0b7f2f4e-0000-4000-8000-000000000002  ethernet  eth1
old bond       0b7f2f4e-0000-4000-8000-000000000003  bond      --
"""
SETTINGS = """connection.id:                          team0
connection.uuid:                        0b7f2f4e-0000-4000-8000-000000000001
connection.stable-id:                   --
connection.type:                        team
connection.interface-name:              team0
connection.autoconnect:                 yes
connection.master:                      --
connection.slave-type:                  --
team.config:                            {"runner": {"name": "activebackup"}, "link_watch": {"name": "ethtool"}}
team.runner:                            activebackup
team.link-watchers:                     name=ethtool
GENERAL.NAME:                           team0
GENERAL.STATE:                          activated
connection.id:                          team0 port 1
connection.uuid:                        0b7f2f4e-0000-4000-8000-000000000002
connection.type:                        802-3-ethernet
connection.interface-name:              eth1
connection.master:                      0b7f2f4e-0000-4000-8000-000000000001
connection.slave-type:                  team
802-3-ethernet.cloned-mac-address:      02:00:00:00:00:01
team-port.config:                       {"prio": 100}
"""


def test_list():
    assert nmcli_connection.detect(LIST)
    parsed = nmcli_connection.parse(LIST, source="nmcli_con")
    assert parsed.warnings == []
    assert parsed.meta["layout"] == "list"
    rows = [(r.name, r.type, r.active_device) for r in parsed.table.itertuples()]
    assert rows == [("team0", "team", "team0"), ("team0 port 1", "ethernet", "eth1"), ("old bond", "bond", None)]


def test_settings_of_two_profiles():
    assert nmcli_connection.detect(SETTINGS)
    parsed = nmcli_connection.parse(SETTINGS, source="nmcli_con_show_id_team0")
    assert parsed.warnings == []
    team, port = parsed.table.iloc[0], parsed.table.iloc[1]
    assert (team["name"], team["type"], team["device"], team["mode"]) == ("team0", "team", "team0", "activebackup")
    assert team["options"]["link_watch"] == {"name": "ethtool"}
    assert team["fields"]["GENERAL.STATE"] == "activated"
    assert team["master"] is None
    assert (port["type"], port["slave_type"], port["mac"]) == ("ethernet", "team", "02:00:00:00:00:01")
    assert port["master"] == "0b7f2f4e-0000-4000-8000-000000000001"
    assert port["port_config"] == {"prio": 100}
    assert [int(line) for line in parsed.table["line"]] == [1, 14]


def test_team_runner_from_config_only():
    text = 'connection.id:  t\nconnection.type:  team\nteam.config:  {"runner": {"name": "lacp"}}\n'
    assert nmcli_connection.parse(text).table.iloc[0]["mode"] == "lacp"


def test_odd_lines_become_warnings():
    parsed = nmcli_connection.parse("connection.id:  b\nconnection.type:  bond\nbond.options:  mode=9\nError: x\n",
                                    source="n")
    assert parsed.table.iloc[0]["mode"] is None
    assert parsed.warnings == ["n: line 4: expected 'setting.property: value', found 'Error: x'",
                               "n: line 1: unknown bond mode '9'"]
