"""The whole analysis on the kernel-made reference cases: verdicts, MACs, ports and evidence frames."""

import json
import subprocess
import sys

import pytest

from analyzer import load_case
from conftest import REPO, shared_path


def _finding(case, code):
    matches = [f for f in case.finding_list if f.code == code]
    assert matches, f"no {code} finding; findings: {[f.code for f in case.finding_list]}"
    return matches[0]


def test_roundrobin_flood_case_verdict():
    case = load_case(shared_path("cases", "C01"))
    assert case.verdict == "fdb-ingress-port-drop"
    drop = _finding(case, "fdb-ingress-port-drop")
    assert drop.bridge == "br-vm"
    assert drop.port == "team0"
    assert drop.mac == "52:54:00:c4:71:0a"
    assert drop.lost_at == "br-vm"


def test_roundrobin_flood_case_evidence_frames():
    case = load_case(shared_path("cases", "C01"))
    drop = _finding(case, "fdb-ingress-port-drop")
    by_note = [(e.point, e.frame) for e in drop.evidence]
    # The VM's request (vnet1 frame 3), its echo on eth2 (frame 1) that moves
    # the MAC, and the first dropped reply on eth1 (frame 2).
    assert ("vnet1", 3) in by_note
    assert ("eth2", 1) in by_note
    assert ("eth1", 2) in by_note


def test_roundrobin_flood_case_mac_move():
    case = load_case(shared_path("cases", "C01"))
    moves = case.fdb_events[case.fdb_events["previous_port"].notna()]
    vm = moves[moves["mac"] == "52:54:00:c4:71:0a"]
    assert len(vm) >= 1
    first = vm.iloc[0]
    assert first["previous_port"] == "vnet1"
    assert first["port"] == "team0"
    assert first["cause_point"] == "eth2"
    assert first["cause_frame"] == 1


def test_roundrobin_flood_case_echo_and_transaction():
    case = load_case(shared_path("cases", "C01"))
    echo = _finding(case, "broadcast-echo")
    assert echo.port == "team0"
    transactions = case.arp_transactions
    vm = transactions[(transactions["requester_ip"] == "192.0.2.10") & (transactions["target_ip"] == "192.0.2.1")]
    assert len(vm) == 1
    assert vm.iloc[0]["fate"] == "lost"
    assert vm.iloc[0]["lost_at"] == "br-vm"
    assert vm.iloc[0]["requests"] == 3


def test_static_aggregate_case_healthy():
    case = load_case(shared_path("cases", "C02"))
    assert case.verdict == "no-loss-found"
    assert not [f for f in case.finding_list if f.severity == "error"]


def test_activebackup_case_healthy():
    case = load_case(shared_path("cases", "C03"))
    assert case.verdict == "no-loss-found"
    codes = {f.code: f.severity for f in case.finding_list}
    assert codes.get("inactive-port-drop") == "info"
    assert "fdb-ingress-port-drop" not in codes
    assert "broadcast-echo" not in codes


def test_check_script_founding_cases():
    check = shared_path("cases", "check")
    command = f"{sys.executable} -m analyzer analyze"
    result = subprocess.run([sys.executable, str(check), str(check.parent / "C01"), str(check.parent / "C02"),
                             str(check.parent / "C03")], capture_output=True, text=True,
                            env={"L2TRACE_CMD": command, "PATH": "/usr/bin:/bin"}, cwd=REPO, timeout=600)
    assert result.stdout.strip().splitlines()[-1] == "3 passed, 0 failed", result.stdout


def test_json_report_contract_fields():
    case = load_case(shared_path("cases", "C01"))
    report = json.loads(case.report("json"))
    assert report["schema"] == "l2trace.report/1"
    assert report["verdict"] == "fdb-ingress-port-drop"
    for capture in report["captures"]:
        assert set(capture) >= {"point", "file", "link_type", "frames", "first_time", "last_time",
                                "clock_offset", "warnings"}
    for transaction in report["arp_transactions"]:
        assert set(transaction) >= {"requester_ip", "requester_mac", "target_ip", "requests",
                                    "replies_seen_at", "fate", "lost_at", "first_request"}
        assert set(transaction["first_request"]) >= {"point", "frame", "time"}
    for event in report["fdb_events"]:
        assert set(event) >= {"time", "bridge", "vlan", "mac", "port", "previous_port", "cause"}
        assert set(event["cause"]) >= {"point", "frame"}
    for finding in report["findings"]:
        assert set(finding) >= {"code", "severity", "summary", "lost_at", "mac", "vlan", "bridge", "port",
                                "evidence", "recommendations"}
        assert finding["severity"] in ("error", "warning", "info")
    nodes = {n["name"]: n for n in report["topology"]["nodes"]}
    assert nodes["team0"]["master"] == "br-vm"
    assert set(nodes["br-vm"]["ports"]) == {"team0", "vnet1"}
