"""Tests of the kernel log parser on real logs, and on this machine's kernel log for a bridge made here."""

import secrets
import shutil
import subprocess
import time

import pytest
from conftest import shared_path
from netns_tools import run_in_netns

from analyzer.parsers import kernel_log

FORMAT_FILES = [
    ("netdev-bond-selftest-failover-lines.txt",
     ["port-state", "link-down", "active-change", "port-state", "link-down", "active-change"]),
    ("i40e-bond-link-down-up.txt", ["link-down", "link-up", "active-up"]),
    ("nixos-router-bond-wan-failover.txt", ["link-up", "active-change", "link-down", "active-change"]),
    ("syzbot-own-address-source-lines.txt", ["own-address"] * 4),
]


def parse_file(path):
    return kernel_log.parse(path.read_text(), source=path.name)


@pytest.mark.parametrize("name, events", FORMAT_FILES)
def test_event_sequences(name, events):
    path = shared_path("formats", "kernel_log", name)
    assert kernel_log.detect(path.read_text())
    parsed = parse_file(path)
    assert parsed.warnings == []
    assert parsed.table["event"].tolist() == events


def test_bond_failover_columns():
    parsed = parse_file(shared_path("formats", "kernel_log", "nixos-router-bond-wan-failover.txt"))
    rows = [(r.time, r.device, r.event, r.port, r.state) for r in parsed.table.itertuples()]
    assert rows[1] == (841.453965, "bond-wan", "active-change", "eth2", "active")
    assert rows[2] == (967.445442, "bond-wan", "link-down", "eth2", "down")
    assert rows[3][3] == "wan"
    assert set(parsed.table["time_kind"]) == {"uptime"}


def test_own_address_lines_without_stamps():
    parsed = parse_file(shared_path("formats", "kernel_log", "syzbot-own-address-source-lines.txt"))
    row = parsed.table.iloc[1]
    assert (row["device"], row["port"], row["mac"], int(row["vlan"])) == ("bridge0", "syz_tun", "aa:aa:aa:aa:aa:aa", 1)
    assert parsed.table["time"].isna().all()


def test_caller_id_stamps_and_team_ports():
    parsed = parse_file(shared_path("formats", "kernel_log", "syzbot-team-bond-bridge-enslave.txt"))
    team = parsed.table[parsed.table["subsystem"] == "team"]
    assert team["port"].tolist() == ["team_slave_0", "team_slave_1"]
    assert set(team["event"]) == {"port-added"}
    bond = parsed.table[parsed.table["event"] == "enslave"]
    assert bond["state"].tolist() == ["active", "active"]
    assert parsed.table["time"].iloc[0] == 52.15907


def test_unregistering_devices():
    parsed = parse_file(shared_path("formats", "kernel_log", "syzbot-team-bond-unregister.txt"))
    assert "team0" in set(parsed.table[parsed.table["event"] == "port-removed"]["device"])
    assert "bond0" in set(parsed.table[parsed.table["event"] == "release-all"]["device"])
    off = parsed.table[parsed.table["event"] == "promiscuous-off"]
    assert "bridge_slave_1" in set(off["device"])


def test_stp_states_and_own_address():
    parsed = parse_file(shared_path("formats", "kernel_log", "stable-patch-bridge-stp-listening-learning-own-address.txt"))
    states = parsed.table[parsed.table["event"] == "port-state"]
    assert {"listening", "learning", "forwarding", "blocking", "disabled"} <= set(states["state"])
    own = parsed.table[parsed.table["event"] == "own-address"].iloc[0]
    assert (own["port"], own["mac"], int(own["vlan"])) == ("veth0", "6e:0f:e7:6f:5f:5f", 0)
    assert parsed.table[parsed.table["event"] == "topology-change"]["device"].tolist() == ["br0"]


@pytest.mark.parametrize("case", ["F01", "F07", "F10b", "F14"])
def test_case_logs(case):
    path = shared_path("cases", case, "outputs", "kernel_log.txt")
    parsed = parse_file(path)
    assert parsed.warnings == []
    assert parsed.meta["events"] == len(parsed.table) > 0
    ports = parsed.table[parsed.table["event"] == "port-state"]
    assert ports["port_no"].notna().all()


def test_syslog_and_journal_lines():
    text = (
        "Mar  4 10:00:01 host1 kernel: bond0: (slave eth1): link status definitely down, disabling slave\n"
        "Mar  4 10:00:01 host1 NetworkManager[812]: <info> device (eth1): carrier: link connected\n"
        "2024-03-04T10:00:02+01:00 host1 kernel: team0: Port device eth2 added\n"
        "Mar 04 10:00:03.123456 host1 kernel: [  123.456789] br0: port 1(eth1) entered forwarding state\n"
    )
    assert kernel_log.detect(text)
    parsed = kernel_log.parse(text, source="messages")
    rows = [(r.host, r.event, r.time_kind) for r in parsed.table.itertuples()]
    assert rows == [("host1", "link-down", None), ("host1", "port-added", "epoch"), ("host1", "port-state", "uptime")]
    assert parsed.table["time"].tolist()[1] == 1709542802.0
    assert parsed.table["time"].tolist()[2] == 123.456789
    assert parsed.meta["kernel_lines"] == 3


def test_this_kernel_dmesg_and_dmesg_t():
    """Create a bridge here and read the kernel's own lines about it with dmesg and dmesg -T."""
    if shutil.which("dmesg") is None:
        pytest.skip("dmesg is not installed")
    # A new name each run, as the kernel's ring buffer keeps the lines of earlier runs.
    bridge = f"brt{secrets.token_hex(4)}"
    started = time.time()
    run_in_netns(f"set -e; ip link add {bridge} type bridge; ip link add tv0 type veth peer name tv1; "
                 f"ip link set tv0 master {bridge}; ip link set {bridge} up; ip link set tv0 up; ip link set tv1 up")
    outputs = {}
    for command in (["dmesg"], ["dmesg", "-T"]):
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            pytest.skip(f"{' '.join(command)} failed: {result.stderr.strip()[:100]}")
        outputs[" ".join(command)] = result.stdout
    plain = kernel_log.parse(outputs["dmesg"], source="dmesg")
    dated = kernel_log.parse(outputs["dmesg -T"], source="dmesg -T")
    assert kernel_log.detect(outputs["dmesg"])
    assert kernel_log.detect(outputs["dmesg -T"])
    ours = plain.table[plain.table["device"] == bridge]
    ours_dated = dated.table[dated.table["device"] == bridge]
    assert len(ours) > 0
    # The kernel may log more (the namespace's teardown) between the two reads, so compare the first lines.
    assert ours["port"].tolist() == ours_dated["port"].tolist()[: len(ours)]
    assert ours["state"].tolist() == ours_dated["state"].tolist()[: len(ours)]
    assert set(ours["port"]) == {"tv0"}
    assert set(ours["time_kind"]) == {"uptime"}
    assert set(ours_dated["time_kind"]) == {"epoch"}
    # dmesg -T prints local time without a zone, read as UTC; this only holds where TZ is UTC.
    if time.strftime("%z") in ("+0000", "-0000"):
        assert abs(ours_dated["time"].max() - started) < 120
