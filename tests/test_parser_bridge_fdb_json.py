"""Tests of the ``bridge -j fdb show`` JSON parser on real outputs."""

import json

import pytest
from conftest import shared_path

from analyzer.parsers import bridge_fdb, bridge_fdb_json

CASE_FILES = [
    ("C01", "bridge_-s_-j_fdb_show.json", "bridge_fdb_show.txt"),
    ("C01", "bridge_-s_-j_fdb_show_before.json", "bridge_fdb_show_before.txt"),
    ("C02", "bridge_-s_-j_fdb_show.json", "bridge_fdb_show.txt"),
    ("C03", "bridge_-s_-j_fdb_show.json", "bridge_fdb_show.txt"),
    ("F01", "bridge_-s_-j_fdb_show.json", "bridge_fdb_show.txt"),
]
SHARED_COLUMNS = ["mac", "dev", "vlan", "master", "self", "state", "extern_learn", "offload", "sticky"]


@pytest.mark.parametrize("case, json_name, text_name", CASE_FILES)
def test_json_matches_text_of_same_snapshot(case, json_name, text_name):
    json_path = shared_path("cases", case, "outputs", json_name)
    parsed = bridge_fdb_json.parse(json_path.read_text(), source=json_name)
    text = bridge_fdb.parse(shared_path("cases", case, "outputs", text_name).read_text())
    assert parsed.kind == "bridge_fdb_json"
    assert parsed.warnings == []
    assert list(parsed.table.columns) == list(text.table.columns)
    as_json = parsed.table[SHARED_COLUMNS].astype(str).values.tolist()
    as_text = text.table[SHARED_COLUMNS].astype(str).values.tolist()
    assert as_json == as_text


def test_timers_and_positions():
    parsed = bridge_fdb_json.parse(
        shared_path("cases", "C01", "outputs", "bridge_-s_-j_fdb_show.json").read_text()
    )
    table = parsed.table
    learned = table[table["mac"] == "00:1a:2b:3c:4d:01"].iloc[0]
    assert learned["dev"] == "team0"
    assert learned["used"] == 3.0
    assert learned["updated"] == 1.0
    assert learned["state"] == ""
    assert learned["line"] == 9
    hardware = table[table["self"]]
    assert hardware["used"].isna().all()
    assert parsed.meta["has_timers"] is True


def test_flags_keys_and_unknown_values():
    text = json.dumps(
        [
            {
                "mac": "02:00:00:00:00:01",
                "ifname": "vx0",
                "dst": "192.0.2.1",
                "port": 4790,
                "vni": 7,
                "src_vni": 8,
                "viaIf": "eth1",
                "nhid": 4,
                "linkNetNsId": 2,
                "flags": ["self", "extern_learn", "offload"],
                "state": "permanent",
            },
            {
                "mac": "02:00:00:00:00:02",
                "ifname": "eth1",
                "flags": ["master", "sticky", "locked"],
                "master": "br0",
                "state": "static",
                "deleted": True,
            },
            {
                "mac": "02:00:00:00:00:03",
                "ifname": "eth1",
                "viaIfIndex": 9,
                "flags": ["shiny"],
                "colour": "red",
            },
            {"ifname": "eth1"},
        ]
    )

    parsed = bridge_fdb_json.parse(text, source="fdb.json")
    table = parsed.table.set_index("mac")

    first = table.loc["02:00:00:00:00:01"]
    assert (first["dst"], int(first["port"]), int(first["vni"]), int(first["src_vni"])) == (
        "192.0.2.1",
        4790,
        7,
        8,
    )
    assert (first["via"], int(first["nhid"]), int(first["link_netnsid"])) == ("eth1", 4, 2)
    assert bool(first["self"])
    assert bool(first["extern_learn"])
    assert bool(first["offload"])
    second = table.loc["02:00:00:00:00:02"]
    assert bool(second["sticky"])
    assert bool(second["locked"])
    assert bool(second["deleted"])
    assert second["master"] == "br0"
    third = table.loc["02:00:00:00:00:03"]
    assert int(third["via_ifindex"]) == 9
    assert third["state"] == ""
    assert parsed.warnings == [
        "fdb.json: entry 3 (02:00:00:00:00:03): unknown flag 'shiny'. The rest of the entry was read.",
        "fdb.json: entry 3 (02:00:00:00:00:03): unknown key 'colour' = 'red'. The rest of the entry was read.",
        "fdb.json: entry 4: missing or invalid 'mac' None. Entry skipped.",
    ]


def test_cut_off_array_keeps_complete_entries():
    path = shared_path("cases", "C01", "outputs", "bridge_-s_-j_fdb_show.json")
    text = path.read_text()
    full = bridge_fdb_json.parse(text).table
    cut = text[: text.index('"mac":"00:1a:2b:3c:4d:01"') + 30]
    parsed = bridge_fdb_json.parse(cut, source=path.name)
    assert len(parsed.table) == 8
    assert parsed.table["mac"].tolist() == full["mac"].tolist()[:8]
    assert len(parsed.warnings) == 1
    assert parsed.warnings[0].startswith(f"{path.name}: line 1, column ")
    assert "cut off" in parsed.warnings[0]


def test_truncated_real_file_parses():
    text = shared_path("cases", "F01", "outputs", "bridge_-s_-j_fdb_show.json").read_text()
    full = bridge_fdb_json.parse(text).table
    previous = 0
    for end in range(0, len(text), 7):
        parsed = bridge_fdb_json.parse(text[:end], source="cut.json")
        assert len(parsed.warnings) == 1
        assert len(parsed.table) >= previous
        assert parsed.table["mac"].tolist() == full["mac"].tolist()[: len(parsed.table)]
        previous = len(parsed.table)
    assert previous >= len(full) - 1


def test_not_an_array():
    parsed = bridge_fdb_json.parse('{"mac": "02:00:00:00:00:01"}', source="obj.json")
    assert parsed.table.empty
    assert parsed.warnings == ["obj.json: expected a JSON array of FDB entries, found dict"]


def test_detect():
    assert bridge_fdb_json.detect(
        shared_path("cases", "C01", "outputs", "bridge_-s_-j_fdb_show.json").read_text()
    )
    assert not bridge_fdb_json.detect(
        shared_path("formats", "ip_link_json", "script-ip-j-d-link-bridge-stp.json").read_text()
    )
    assert not bridge_fdb_json.detect(
        shared_path("cases", "C01", "outputs", "bridge_fdb_show.txt").read_text()
    )


def test_invalid_ages_dropped():
    parsed = bridge_fdb_json.parse('[{"mac":"02:00:00:00:00:01","ifname":"eth1","used":-3,"updated":1e30}]',
                                   source="fdb.json")
    assert parsed.table["used"].isna().all()
    assert parsed.table["updated"].isna().all()
    assert parsed.table["dev"].tolist() == ["eth1"]
    assert len(parsed.warnings) == 2
    assert parsed.warnings[0].startswith("fdb.json: entry 1 (02:00:00:00:00:01): invalid 'used' age -3")
