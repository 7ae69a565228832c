"""Run the real iproute2 in network namespaces made for the test, and parse what it prints.

A bridge with a veth port (peer in a second namespace), a tap port, and two
VXLAN devices that stay down get static, sticky, extern_learn, dynamic and
VXLAN FDB entries. The JSON output of the same tool is the reference for the
text parsers. Nothing is sent outside the namespaces: the VXLAN devices are
never brought up. The tests skip when not run as root or when the kernel
refuses to create the devices.
"""

import json
import os
import select
import shutil
import subprocess
import time

import pandas as pd
import pytest

from analyzer.parsers import bridge_fdb, bridge_fdb_json, bridge_link, ip_link, ip_link_json
from analyzer.parsers._text import to_bool

NAMESPACE = f"l2t-parsers-{os.getpid()}"
PEER_NAMESPACE = f"{NAMESPACE}-peer"

SETUP = [
    (NAMESPACE, "ip link add br0 type bridge ageing_time 12345 forward_delay 400"),
    (NAMESPACE, f"ip link add v0 type veth peer name v1 netns {PEER_NAMESPACE}"),
    (NAMESPACE, "ip link set v0 master br0"),
    (NAMESPACE, "ip tuntap add dev tap0 mode tap"),
    (NAMESPACE, "ip link set tap0 master br0"),
    (NAMESPACE, "ip link set br0 up"),
    (NAMESPACE, "ip link set v0 up"),
    (PEER_NAMESPACE, "ip link set v1 up"),
    (NAMESPACE, "ip link add vx0 type vxlan id 10 dstport 4789 local 192.0.2.1 nolearning"),
    (NAMESPACE, "ip link add vx1 type vxlan external dstport 4790"),
    (NAMESPACE, "bridge fdb add 02:00:00:00:00:01 dev v0 master static"),
    (NAMESPACE, "bridge fdb add 02:00:00:00:00:02 dev v0 master static sticky"),
    (NAMESPACE, "bridge fdb add 02:00:00:00:00:03 dev tap0 master extern_learn"),
    # The kernel accepts a dynamic entry only on a forwarding port that learns.
    (NAMESPACE, "bridge fdb add 02:00:00:00:00:04 dev v0 master dynamic"),
    (NAMESPACE, "bridge fdb add 02:00:00:00:00:05 dev v0 self"),
    (NAMESPACE, "bridge fdb append 00:00:00:00:00:00 dev vx0 dst 192.0.2.2 self permanent"),
    (NAMESPACE, "bridge fdb add 02:00:00:00:00:07 dev vx0 dst 192.0.2.3 vni 20 port 4790 via v0 self"),
    (NAMESPACE, "bridge fdb add 02:00:00:00:00:08 dev vx1 dst 192.0.2.4 vni 30 src_vni 31 self"),
    (NAMESPACE, "bridge link set dev v0 cost 7 priority 5 hairpin on learning off"),
]
FDB_COMPARED = [
    "mac",
    "dev",
    "vlan",
    "master",
    "self",
    "state",
    "extern_learn",
    "offload",
    "sticky",
    "dst",
    "vni",
    "src_vni",
    "via",
    "port",
    "nhid",
]
LINK_COMPARED = [
    name
    for name in ip_link.parse("").table.columns
    if name not in ("line", "attributes", "stats", "link_netnsid", "link_netns")
]


def run_in(namespace, command):
    """Run a command in a namespace and return its standard output; fail the test on an error."""
    result = subprocess.run(
        ["ip", "netns", "exec", namespace, *command.split()], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, f"{command!r} failed: {result.stderr.strip()}"
    return result.stdout


def run(command):
    return run_in(NAMESPACE, command)


@pytest.fixture(scope="module", autouse=True)
def namespaces():
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("bridge"):
        pytest.skip("needs root and iproute2 to create network namespaces")
    created = []
    for name in (NAMESPACE, PEER_NAMESPACE):
        result = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            _delete(created)
            pytest.skip(f"cannot create network namespace {name}: {result.stderr.strip()}")
        created.append(name)
    try:
        for namespace, command in SETUP:
            result = subprocess.run(
                ["ip", "netns", "exec", namespace, *command.split()],
                capture_output=True,
                text=True,
                timeout=30,
            )
            if result.returncode != 0:
                pytest.skip(f"this kernel or iproute2 rejected {command!r}: {result.stderr.strip()}")
        yield
    finally:
        _delete(created)


def _delete(names):
    for name in names:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30)


def rows_by_mac(table):
    return {(row["mac"], row["dev"], bool(row["self"])): row for _, row in table.iterrows()}


def test_fdb_text_entries():
    parsed = bridge_fdb.parse(run("bridge fdb show"), source="bridge fdb show")
    assert parsed.warnings == []
    rows = rows_by_mac(parsed.table)
    sticky = rows[("02:00:00:00:00:02", "v0", False)]
    assert (sticky["master"], sticky["state"], bool(sticky["sticky"])) == ("br0", "static", True)
    static = rows[("02:00:00:00:00:01", "v0", False)]
    assert (static["state"], bool(static["sticky"])) == ("static", False)
    external = rows[("02:00:00:00:00:03", "tap0", False)]
    assert (bool(external["extern_learn"]), external["state"]) == (True, "")
    assert rows[("02:00:00:00:00:04", "v0", False)]["state"] == ""
    own = rows[("02:00:00:00:00:05", "v0", True)]
    assert (own["master"], own["state"]) == (None, "permanent")
    flood = rows[("00:00:00:00:00:00", "vx0", True)]
    assert flood["dst"] == "192.0.2.2"
    remote = rows[("02:00:00:00:00:07", "vx0", True)]
    assert (remote["dst"], remote["vni"], remote["port"], remote["via"]) == ("192.0.2.3", 20, 4790, "v0")
    collect = rows[("02:00:00:00:00:08", "vx1", True)]
    assert (collect["vni"], collect["src_vni"]) == (30, 31)


def test_fdb_text_agrees_with_tool_json():
    text = bridge_fdb.parse(run("bridge -s fdb show")).table
    reference = json.loads(run("bridge -s -j fdb show"))
    assert len(text) == len(reference)
    for row, entry in zip(text.to_dict("records"), reference):
        assert row["mac"] == entry["mac"]
        assert row["dev"] == entry.get("ifname")
        assert row["master"] == entry.get("master")
        assert row["state"] == entry.get("state", "")
        assert row["self"] == ("self" in entry.get("flags", []))
        assert row["sticky"] == ("sticky" in entry.get("flags", []))
        assert row["extern_learn"] == ("extern_learn" in entry.get("flags", []))
        assert (row["dst"], row["via"]) == (entry.get("dst"), entry.get("viaIf"))
        for key in ("vni", "src_vni", "port", "nhid"):
            assert (None if pd.isna(row[key]) else row[key]) == entry.get(key)
        assert pd.isna(row["used"]) == ("used" not in entry)


def test_fdb_json_parser_agrees_with_text_parser():
    text = bridge_fdb.parse(run("bridge -s fdb show")).table
    parsed = bridge_fdb_json.parse(run("bridge -s -j fdb show"), source="bridge -s -j fdb show")
    assert parsed.warnings == []
    assert (
        parsed.table[FDB_COMPARED].astype(str).values.tolist()
        == text[FDB_COMPARED].astype(str).values.tolist()
    )
    assert parsed.meta["has_timers"] is True


def test_fdb_dev_filter():
    full = bridge_fdb.parse(run("bridge fdb show")).table
    filtered = bridge_fdb.parse(run("bridge fdb show dev v0"))
    assert filtered.warnings == []
    assert filtered.meta["dev_omitted"] is True
    assert filtered.table["mac"].tolist() == full[full["dev"] == "v0"]["mac"].tolist()


def test_fdb_monitor_events():
    monitor = subprocess.Popen(
        ["ip", "netns", "exec", NAMESPACE, "bridge", "-t", "monitor", "fdb"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        output = _monitor_output(monitor)
    finally:
        monitor.terminate()
        monitor.wait(timeout=10)
    parsed = bridge_fdb.parse(output, source="bridge -t monitor fdb")
    assert parsed.warnings == []
    events = parsed.table[parsed.table["mac"] == "02:00:00:00:00:0e"]
    assert events["deleted"].tolist()[-2:] == [False, True]
    assert events["timestamp"].notna().all()
    assert (events["state"] == "static").all()


def _monitor_output(monitor):
    """Add and delete an entry until the monitor has printed an add and a later delete; return its output.

    The monitor may subscribe between the two commands of a round, so a round
    can show the delete alone. Rounds repeat until both events are seen.
    """
    lines = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not _add_then_delete(lines):
        run("bridge fdb replace 02:00:00:00:00:0e dev v0 master static")
        run("bridge fdb del 02:00:00:00:00:0e dev v0 master")
        while select.select([monitor.stdout], [], [], 0.5)[0]:
            lines.append(monitor.stdout.readline())
            if _add_then_delete(lines):
                break
    assert _add_then_delete(lines), f"bridge monitor printed no add and delete events: {lines}"
    return "".join(lines)


def _add_then_delete(lines):
    events = [line for line in lines if "02:00:00:00:00:0e" in line]
    added = [index for index, line in enumerate(events) if not line.startswith("Deleted")]
    return bool(added) and any(line.startswith("Deleted") for line in events[added[0] :])


def test_ip_link_text_agrees_with_json():
    text = ip_link.parse(run("ip -d link show"), source="ip -d link show")
    parsed = ip_link_json.parse(run("ip -j -d link show"), source="ip -j -d link show")
    assert text.warnings == []
    assert parsed.warnings == []
    assert (
        text.table[LINK_COMPARED].astype(str).values.tolist()
        == parsed.table[LINK_COMPARED].astype(str).values.tolist()
    )


def test_ip_link_bridge_and_ports():
    parsed = ip_link.parse(run("ip -d link show"))
    table = parsed.table.set_index("name")
    reference = {entry["ifname"]: entry for entry in json.loads(run("ip -j -d link show"))}
    bridge_data = reference["br0"]["linkinfo"]["info_data"]
    assert table.loc["br0", "kind"] == "bridge"
    assert table.loc["br0", "ageing_time"] == pytest.approx(bridge_data["ageing_time"] / 100)
    assert table.loc["br0", "ageing_time"] == pytest.approx(123.45, abs=0.02)
    assert table.loc["br0", "forward_delay"] == 4.0
    assert table.loc["br0", "stp_state"] == 0
    port = table.loc["v0"]
    assert (port["kind"], port["slave_kind"], port["master"]) == ("veth", "bridge_slave", "br0")
    assert (bool(port["hairpin"]), bool(port["learning"])) == (True, False)
    assert port["link_netns"] == PEER_NAMESPACE
    assert port["link_ifindex"] == reference["v0"]["link_index"]
    assert (table.loc["tap0", "kind"], table.loc["tap0", "tun_type"]) == ("tun", "tap")
    vxlan = table.loc["vx0", "attributes"]
    assert (vxlan["id"], vxlan["local"], vxlan["nolearning"]) == ("10", "192.0.2.1", True)
    assert table.loc["vx1", "attributes"]["external"] is True


def test_ip_link_bridge_attributes_pair_up():
    """Each bridge and bridge port key read from the text has the value the JSON output gives it."""
    text = ip_link.parse(run("ip -d link show")).table.set_index("name")
    compared = 0
    for entry in json.loads(run("ip -j -d link show")):
        linkinfo = entry.get("linkinfo", {})
        data = {}
        if linkinfo.get("info_kind") == "bridge":
            data.update(linkinfo.get("info_data", {}))
        if linkinfo.get("info_slave_kind") == "bridge":
            data.update(linkinfo.get("info_slave_data", {}))
        attributes = text.loc[entry["ifname"], "attributes"]
        for key, value in data.items():
            if key not in attributes or key.endswith("_timer"):
                continue
            printed = attributes[key]
            if isinstance(value, bool):
                assert to_bool(printed) is value, key
            elif isinstance(value, (int, float)):
                assert float(printed) == pytest.approx(value), key
            else:
                assert printed == value, key
            compared += 1
    assert compared > 50


def test_ip_link_counters_and_oneline():
    detailed = ip_link.parse(run("ip -d link show")).table
    oneline = ip_link.parse(run("ip -o -d link show"))
    assert oneline.meta["oneline"] is True
    assert oneline.warnings == []
    assert (
        oneline.table[LINK_COMPARED].astype(str).values.tolist()
        == detailed[LINK_COMPARED].astype(str).values.tolist()
    )
    counters = ip_link.parse(run("ip -s -s link show"))
    assert counters.warnings == []
    stats = counters.table.set_index("name").loc["v0", "stats"]
    for key in ("rx_bytes", "rx_packets", "tx_bytes", "rx_crc_errors", "tx_aborted_errors"):
        assert isinstance(stats[key], int), key
    reference = {entry["ifname"]: entry for entry in json.loads(run("ip -j -s link show"))}
    assert stats["rx_bytes"] <= reference["v0"]["stats64"]["rx"]["bytes"]


def test_bridge_link_agrees_with_tool_json():
    parsed = bridge_link.parse(run("bridge -d link show"), source="bridge -d link show")
    assert parsed.warnings == []
    table = parsed.table.set_index("name")
    reference = json.loads(run("bridge -j -d link show"))
    assert sorted(table.index) == sorted(entry["ifname"] for entry in reference)
    for entry in reference:
        row = table.loc[entry["ifname"]]
        assert (row["ifindex"], row["master"], row["state"]) == (
            entry["ifindex"],
            entry["master"],
            entry["state"],
        )
        assert (row["priority"], row["cost"]) == (entry["priority"], entry["cost"])
        for key in (
            "hairpin",
            "guard",
            "root_block",
            "fastleave",
            "learning",
            "flood",
            "mcast_flood",
            "bcast_flood",
            "isolated",
            "locked",
        ):
            assert bool(row[key]) == entry[key], (entry["ifname"], key)
    assert (table.loc["v0", "cost"], table.loc["v0", "priority"], bool(table.loc["v0", "hairpin"])) == (
        7,
        5,
        True,
    )
    plain = bridge_link.parse(run("bridge link show")).table
    assert plain["hairpin"].isna().all()
    assert plain["state"].tolist() == [table.loc[name, "state"] for name in plain["name"]]
