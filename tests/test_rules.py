"""Diagnosis rules on the kernel-made reference cases of the wider failure family."""

import pytest

from analyzer import load_case
from conftest import shared_path


def _findings(case, code):
    return [f for f in case.finding_list if f.code == code]


@pytest.fixture(scope="module")
def reflected():
    return load_case(shared_path("cases", "F01"))


@pytest.fixture(scope="module")
def failover():
    return load_case(shared_path("cases", "F07"))


@pytest.fixture(scope="module")
def vlan_aware():
    return load_case(shared_path("cases", "F10b"))


@pytest.fixture(scope="module")
def arp_flux():
    return load_case(shared_path("cases", "F14"))


def test_reflection_single_uplink(reflected):
    assert reflected.verdict == "fdb-ingress-port-drop"
    reflection = _findings(reflected, "frame-reflected")
    assert len(reflection) == 1
    assert reflection[0].port == "enp65s0f0"
    assert not _findings(reflected, "broadcast-echo")
    first_pair = [(e.point, e.frame) for e in reflection[0].evidence[:2]]
    assert first_pair == [("enp65s0f0", 1), ("enp65s0f0", 2)]


def test_reflection_drop_names_uplink(reflected):
    drop = _findings(reflected, "fdb-ingress-port-drop")[0]
    assert drop.port == "enp65s0f0"
    assert drop.mac == "52:54:00:d1:7a:33"
    assert any("reflects" in r or "loop" in r for r in drop.recommendations)


def test_failover_inactive_member_drop(failover):
    assert failover.verdict == "inactive-port-drop"
    errors = [f for f in _findings(failover, "inactive-port-drop") if f.severity == "error"]
    assert len(errors) == 1
    assert errors[0].port == "p1p1"
    assert errors[0].lost_at == "team5"
    assert errors[0].mac == "52:54:00:27:e4:19"
    # The first syslog frame that p1p1 saw and team5 did not.
    assert (errors[0].evidence[0].point, errors[0].evidence[0].frame) == ("p1p1", 18)


def test_failover_arp_answered_before_switch(failover):
    transactions = failover.arp_transactions
    vm = transactions[transactions["requester_ip"] == "203.0.113.66"]
    assert list(vm["fate"]) == ["answered"]
    assert not _findings(failover, "broadcast-echo")


def test_vlan_not_on_uplink(vlan_aware):
    assert vlan_aware.verdict == "vlan-filter-drop"
    drop = _findings(vlan_aware, "vlan-filter-drop")[0]
    assert drop.bridge == "vmbr0"
    assert drop.vlan == 210
    assert drop.port == "tap105i0"
    assert [e.frame for e in drop.evidence] == [1, 2, 3]
    assert any("bridge vlan add dev enp3s0 vid 210" in r for r in drop.recommendations)


def test_vlan_transactions_fates(vlan_aware):
    transactions = vlan_aware.arp_transactions.set_index("requester_ip")
    assert transactions.loc["192.0.2.105", "fate"] == "lost"
    assert transactions.loc["192.0.2.105", "lost_at"] == "vmbr0"
    assert transactions.loc["198.51.100.107", "fate"] == "answered"


def test_vlan_tagged_uplink_learning(vlan_aware):
    # The reply enters tagged 310 on enp3s0 and is learned in VLAN 310.
    events = vlan_aware.fdb_events
    gateway = events[events["mac"] == "00:0d:b9:4e:31:10"]
    assert list(gateway["vlan"].dropna().astype(int).unique()) == [310]
    assert list(gateway["port"].unique()) == ["enp3s0"]


def test_arp_flux_two_macs(arp_flux):
    conflicts = _findings(arp_flux, "arp-conflict")
    assert len(conflicts) == 2
    summaries = " ".join(f.summary for f in conflicts)
    assert "00:30:48:5a:11:10" in summaries
    assert "00:30:48:5a:11:11" in summaries
    assert arp_flux.verdict == "no-loss-found"


def test_arp_flux_host_request_answered(arp_flux):
    transactions = arp_flux.arp_transactions.set_index("requester_ip")
    assert transactions.loc["203.0.113.9", "fate"] == "answered"
    assert transactions.loc["203.0.113.9", "requester_port"] == "(local)"


def test_failover_cites_teamd_log(failover):
    error = [f for f in _findings(failover, "inactive-port-drop") if f.severity == "error"][0]
    assert any('Changed active port to "p1p2"' in line for line in error.log_evidence)
    assert all(line.startswith(str(shared_path("cases", "F07", "outputs"))) for line in error.log_evidence)


def test_echo_cites_own_address_log():
    from conftest import REPO
    case = load_case(REPO / "tests" / "data" / "cases" / "bond-balance-rr-flood")
    echo = _findings(case, "broadcast-echo")[0]
    assert echo.log_evidence
    assert "received packet on bond0 with own address as source address" in echo.log_evidence[0]
    assert echo.log_evidence[0].split(":")[1] == "140"
