"""Tests of the ``bridge fdb show`` text parser on real outputs."""

import math

import pytest
from conftest import shared_path

from analyzer.parsers import bridge_fdb


def parse_shared(*parts):
    path = shared_path(*parts)
    return bridge_fdb.parse(path.read_text(), source=path.name)


def only_row(table, **conditions):
    selected = table
    for column, value in conditions.items():
        selected = selected[selected[column] == value]
    assert len(selected) == 1, f"expected one row for {conditions}, found {len(selected)}"
    return selected.iloc[0]


FILES_WITHOUT_WARNINGS = [
    "basebox-s-fdb-used-extern-learn.txt",
    "cumulus-evpn-troubleshooting-vxlan-dst.txt",
    "evpn-lab-fdb-show-dev-filter-vni.txt",
    "evpn-lab-fdb-show-dev-ipv6-dst.txt",
    "kernel-switchdev-doc-offload.txt",
    "libremesh-openwrt-dsa-trailing-space.txt",
    "netdev-dsa-vlan-self-master.txt",
    "sonic-hld-fdb-nhid-multihoming.txt",
    "vyos-pr1438-bridge-fdb-br0.txt",
]


@pytest.mark.parametrize("name", FILES_WITHOUT_WARNINGS)
def test_shared_file_parses_cleanly(name):
    text = shared_path("formats", "bridge_fdb", name).read_text()
    parsed = bridge_fdb.parse(text, source=name)
    assert parsed.kind == "bridge_fdb"
    assert parsed.warnings == []
    assert len(parsed.table) == len([line for line in text.splitlines() if line.strip()])
    assert bridge_fdb.detect(text)


def test_monitor_mdb_lines_are_named_and_skipped():
    parsed = parse_shared("formats", "bridge_fdb", "homelab-bridge-d-monitor-stale.txt")
    assert len(parsed.table) == 5
    assert len(parsed.warnings) == 2
    for warning, line in zip(parsed.warnings, (6, 7)):
        assert warning.startswith(f"homelab-bridge-d-monitor-stale.txt: line {line}:")
        assert "MDB" in warning


def test_monitor_deleted_and_stale_entries():
    table = parse_shared("formats", "bridge_fdb", "homelab-bridge-d-monitor-stale.txt").table
    deleted = only_row(table, mac="dc:cd:2f:3c:85:57")
    assert bool(deleted["deleted"])
    assert deleted["state"] == "stale"
    assert deleted["dev"] == "eno1"
    assert deleted["master"] == "br0"
    relearned = table[(table["mac"] == "00:e0:b3:34:56:2f") & ~table["deleted"]].iloc[0]
    assert relearned["state"] == ""
    assert relearned["line"] == 4


def test_used_timers_before_flags():
    table = parse_shared("formats", "bridge_fdb", "basebox-s-fdb-used-extern-learn.txt").table
    assert table["used"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert table["updated"].tolist() == [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 4.0]
    assert table["extern_learn"].all()
    assert (table["master"] == "vbr0").all()
    assert (table["vlan"] == 1).all()
    assert (table["state"] == "").all()


def test_vxlan_remote_entries():
    table = parse_shared("formats", "bridge_fdb", "cumulus-evpn-troubleshooting-vxlan-dst.txt").table
    flood = only_row(table, mac="00:00:00:00:00:00", dst="10.0.0.3")
    assert flood["dev"] == "vni100"
    assert bool(flood["self"])
    assert flood["master"] is None
    assert flood["state"] == "permanent"
    remote = table[(table["mac"] == "00:02:00:00:00:06")]
    assert len(remote) == 2
    bridge_entry = remote[remote["master"] == "bridge"].iloc[0]
    assert int(bridge_entry["vlan"]) == 100
    assert bool(bridge_entry["extern_learn"])
    assert not bool(bridge_entry["self"])
    vxlan_entry = remote[remote["self"]].iloc[0]
    assert vxlan_entry["dst"] == "10.0.0.2"
    assert vxlan_entry["state"] == ""


def test_dev_filter_leaves_dev_out():
    parsed = parse_shared("formats", "bridge_fdb", "evpn-lab-fdb-show-dev-filter-vni.txt")
    assert parsed.meta["dev_omitted"] is True
    assert parsed.table["dev"].isna().all()
    row = only_row(parsed.table, mac="f6:78:12:ae:21:d5", vni=10)
    assert row["dst"] == "192.168.0.2"
    assert int(row["src_vni"]) == 10
    assert bool(row["self"])
    assert bool(row["extern_learn"])
    assert row["state"] == "permanent"


def test_ipv6_vtep_address():
    table = parse_shared("formats", "bridge_fdb", "evpn-lab-fdb-show-dev-ipv6-dst.txt").table
    assert set(table["dst"].dropna()) == {"2001:db8:ff::2"}


def test_nexthop_group_entry():
    table = parse_shared("formats", "bridge_fdb", "sonic-hld-fdb-nhid-multihoming.txt").table
    row = only_row(table, self=True)
    assert int(row["nhid"]) == 536870913
    assert row["dev"] == "VXLAN-2"
    assert row["dst"] is None


def test_self_and_master_rows_stay_apart():
    table = parse_shared("formats", "bridge_fdb", "kernel-switchdev-doc-offload.txt").table
    rows = table[table["mac"] == "00:02:00:00:02:00"]
    assert len(rows) == 2
    master_row = rows[rows["master"] == "br0"].iloc[0]
    assert bool(master_row["offload"])
    assert not bool(master_row["self"])
    self_row = rows[rows["self"]].iloc[0]
    assert self_row["master"] is None
    assert not bool(self_row["offload"])
    assert (table["self"] | table["master"].notna()).all()


def test_trailing_space_learned_entry():
    table = parse_shared("formats", "bridge_fdb", "libremesh-openwrt-dsa-trailing-space.txt").table
    learned = only_row(table, mac="4c:13:65:00:0f:80", master="br-lan")
    assert learned["state"] == ""
    assert learned["dev"] == "lan1"
    local = only_row(table, mac="d4:5f:25:eb:7e:ad", vlan=1)
    assert local["state"] == "permanent"


def test_vlan_and_bridge_own_address():
    table = parse_shared("formats", "bridge_fdb", "netdev-dsa-vlan-self-master.txt").table
    own = table[(table["mac"] == "ea:38:5b:06:97:75") & (table["dev"] == "br0")]
    assert sorted(own["vlan"].dropna().astype(int)) == [1, 10, 20, 30]
    assert own["vlan"].isna().sum() == 1
    hardware = table[(table["mac"] == "00:e0:4c:3f:f8:c2") & table["self"]]
    assert sorted(hardware["vlan"].astype(int)) == [10, 20, 30]


def test_case_learned_entries_on_team():
    parsed = parse_shared("cases", "C01", "outputs", "bridge_fdb_show.txt")
    assert parsed.warnings == []
    row = only_row(parsed.table, mac="52:54:00:c4:71:0a")
    assert row["dev"] == "team0"
    assert row["master"] == "br-vm"
    assert row["state"] == ""
    assert not bool(row["self"])
    assert math.isnan(row["used"])


def test_monitor_timestamps_attach_to_next_entry():
    parsed = parse_shared("cases", "F01", "outputs", "bridge_-t_monitor_fdb.txt")
    assert parsed.warnings == []
    table = parsed.table
    assert len(table) == 6
    assert table.iloc[0]["timestamp"] == "Fri Dec  4 16:41:48 2026 806843 usec"
    assert table.iloc[0]["line"] == 2
    moves = table[table["mac"] == "52:54:00:d1:7a:33"]["dev"].tolist()
    assert moves == ["enp65s0f0", "vnet14", "enp65s0f0", "vnet14", "enp65s0f0"]
    assert table["timestamp"].notna().all()


def test_case_fdb_outputs_parse_cleanly():
    cases = shared_path("cases")
    paths = sorted(cases.glob("*/outputs/*fdb*.txt"))
    assert paths
    for path in paths:
        parsed = bridge_fdb.parse(path.read_text(), source=str(path))
        assert parsed.warnings == [], path
        assert len(parsed.table) > 0, path


def test_unknown_token_keeps_row_with_warning():
    parsed = bridge_fdb.parse("02:00:00:00:00:01 dev eth1 frobnicate master br0 static\n", source="fdb.txt")
    assert len(parsed.table) == 1
    assert parsed.table.iloc[0]["master"] == "br0"
    assert parsed.table.iloc[0]["state"] == "static"
    assert parsed.warnings == [
        "fdb.txt: line 1: unknown token 'frobnicate' in the FDB entry for 02:00:00:00:00:01. The rest of the entry was read."
    ]


def test_iproute2_flag_words():
    text = (
        "02:00:00:00:00:01 dev eth1 used 5/2 sticky master br0 static\n"
        "02:00:00:00:00:02 dev eth1 router locked blackhole master br0 \n"
        "02:00:00:00:00:03 dev vx0 dst 192.0.2.9 port 4790 vni 7 via ifindex 12 link-netnsid 3 self permanent\n"
        "02:00:00:00:00:04 dev vx0 via eth9 self noarp\n"
        "02:00:00:00:00:05 dev eth1 added_by_user activity_notify inactive offload master br0 state=0x10\n"
    )
    parsed = bridge_fdb.parse(text, source="flags.txt")
    table = parsed.table.set_index("mac")
    assert bool(table.loc["02:00:00:00:00:01", "sticky"])
    assert table.loc["02:00:00:00:00:01", "state"] == "static"
    assert table.loc["02:00:00:00:00:01", "used"] == 5.0
    assert table.loc["02:00:00:00:00:01", "updated"] == 2.0
    assert bool(table.loc["02:00:00:00:00:02", "router"])
    assert bool(table.loc["02:00:00:00:00:02", "locked"])
    assert bool(table.loc["02:00:00:00:00:02", "blackhole"])
    assert int(table.loc["02:00:00:00:00:03", "port"]) == 4790
    assert int(table.loc["02:00:00:00:00:03", "via_ifindex"]) == 12
    assert int(table.loc["02:00:00:00:00:03", "link_netnsid"]) == 3
    assert table.loc["02:00:00:00:00:04", "via"] == "eth9"
    assert table.loc["02:00:00:00:00:04", "state"] == "noarp"
    assert bool(table.loc["02:00:00:00:00:05", "added_by_user"])
    assert bool(table.loc["02:00:00:00:00:05", "activity_notify"])
    assert bool(table.loc["02:00:00:00:00:05", "inactive"])
    assert table.loc["02:00:00:00:00:05", "state"] == "state=0x10"
    assert parsed.warnings == ["flags.txt: line 5: unusual neighbour state 'state=0x10' kept as printed"]


def test_banner_short_timestamp_and_bare_master_flag():
    text = "[2026-01-02T03:04:05.000006] [NEIGH]02:00:00:00:00:01 dev eth1 master sticky master br0 static\n"
    parsed = bridge_fdb.parse(text)
    row = parsed.table.iloc[0]
    assert row["timestamp"] == "2026-01-02T03:04:05.000006"
    assert row["master"] == "br0"
    assert bool(row["sticky"])
    assert parsed.warnings == []


def test_non_entry_lines_name_file_and_line():
    text = (
        "02:00:00:00:00:01 dev eth1 master br0 \nnot an entry\n\n[LINK]4: v0@v1: <UP> mtu 1500 master br0 \n"
    )
    parsed = bridge_fdb.parse(text, source="odd.txt")
    assert len(parsed.table) == 1
    assert parsed.warnings[0].startswith("odd.txt: line 2: expected a MAC address")
    assert parsed.warnings[1].startswith("odd.txt: line 4: link event")


def test_empty_input_gives_empty_table():
    parsed = bridge_fdb.parse("")
    assert parsed.table.empty
    assert list(parsed.table.columns) == list(bridge_fdb.FDB_COLUMNS)
    assert str(parsed.table["vlan"].dtype) == "Int64"


def test_detect_rejects_other_formats():
    assert not bridge_fdb.detect(shared_path("cases", "C01", "outputs", "ip_-d_link.txt").read_text())
    assert not bridge_fdb.detect(shared_path("cases", "C01", "outputs", "vm_ip_neigh.txt").read_text())
    assert not bridge_fdb.detect(
        shared_path("formats", "brctl", "homelab-brctl-showmacs-br40.txt").read_text()
    )


@pytest.mark.parametrize("timers", ["-5/-3", "18446744073709551615/1", "0x10/0x4", "3/"])
def test_invalid_used_timers_dropped(timers):
    parsed = bridge_fdb.parse(f"02:00:00:00:00:01 dev eth1 used {timers} master br0\n", source="fdb.txt")
    assert parsed.table["used"].isna().all()
    assert parsed.table["dev"].tolist() == ["eth1"]
    assert parsed.warnings == [f"fdb.txt: line 1: invalid 'used' timers {timers!r}, expected USED/UPDATED as "
                               f"whole seconds up to {bridge_fdb.MAX_AGE:.0f}"]
