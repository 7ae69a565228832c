"""balance-alb source rewriting and the active-backup counterfactual, on kernel-made cases.

Frame counts and addresses are checked against tshark's reading of the same
captures.
"""

import json
import subprocess

import pytest
from conftest import REPO, SAMPLES

from analyzer import load_case

CASES = REPO / "tests" / "data" / "cases"
VM_MAC = "52:54:00:18:08:0a"
SLAVE_MAC = "02:18:08:00:00:02"


@pytest.fixture(scope="module")
def alb():
    return load_case(CASES / "balance-alb")


def tshark(pcap, display_filter: str, fields: list[str]) -> list[list[str]]:
    command = ["tshark", "-r", str(pcap), "-Y", display_filter, "-T", "fields"]
    for name in fields:
        command += ["-e", name]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def test_alb_rewrite_is_an_info_finding(alb):
    assert alb.verdict == "no-loss-found"
    found = [f for f in alb.finding_list if f.code == "alb-source-rewrite"]
    assert len(found) == 1
    finding = found[0]
    assert finding.severity == "info"
    assert (finding.bridge, finding.port, finding.mac) == ("br0", "bond0", VM_MAC)
    rewritten = tshark(CASES / "balance-alb" / "captures" / "ens4f1.pcap",
                       f"eth.src == {SLAVE_MAC} && eth.dst != {SLAVE_MAC}", ["frame.number"])
    assert len(rewritten) == 12
    assert f"sent {len(rewritten)} frame(s) with a slave's MAC" in finding.summary
    assert f"{len(rewritten)} on ens4f1 with its MAC {SLAVE_MAC} in place of {VM_MAC}" in finding.summary
    assert "balance-alb needs no aggregation on the switch" in finding.summary
    replies = tshark(CASES / "balance-alb" / "captures" / "ens4f0.pcap", f"eth.dst == {VM_MAC}", ["frame.number"])
    assert f"Frames to {VM_MAC} still arrive on ens4f0 ({len(replies)})" in finding.summary
    assert any("port security" in r for r in finding.recommendations)


def test_alb_evidence_pairs_are_the_same_frame(alb):
    finding = [f for f in alb.finding_list if f.code == "alb-source-rewrite"][0]
    pairs = list(zip(finding.evidence[0::2], finding.evidence[1::2]))
    assert pairs
    for guest, slave in pairs:
        assert guest.point == "vnet12"
        assert slave.point == "ens4f1"
        assert 0 <= slave.time - guest.time < 0.01
        guest_row = tshark(guest.file, f"frame.number == {guest.frame}", ["eth.src", "eth.dst", "icmp.seq"])[0]
        slave_row = tshark(slave.file, f"frame.number == {slave.frame}", ["eth.src", "eth.dst", "icmp.seq"])[0]
        assert guest_row[0] == VM_MAC
        assert slave_row[0] == SLAVE_MAC
        assert guest_row[1:] == slave_row[1:]


def test_alb_finding_in_reports(alb):
    report = json.loads(alb.report("json"))
    assert report["verdict"] == "no-loss-found"
    codes = {(f["code"], f["severity"]) for f in report["findings"]}
    assert ("alb-source-rewrite", "info") in codes
    text = alb.report("text", verbose=True)
    assert "[info] alb-source-rewrite" in text
    assert "not a loss" in alb.report("markdown")


@pytest.mark.parametrize("case", ["bond-activebackup-healthy", "bond-balance-rr-flood", "vlan-filter-team"])
def test_no_alb_finding_elsewhere(case):
    assert not [f for f in load_case(CASES / case).finding_list if f.code == "alb-source-rewrite"]


def _drop(case):
    return [f for f in case.finding_list if f.code == "fdb-ingress-port-drop"][0]


def test_activebackup_counterfactual_team():
    finding = _drop(load_case(SAMPLES / "roundrobin-flood"))
    assert "with team1 in runner activebackup and ens224 active" in finding.counterfactual
    assert "6 of the 6 would have reached vnet0" in finding.counterfactual


def test_activebackup_counterfactual_bond():
    finding = _drop(load_case(CASES / "bond-balance-rr-flood"))
    assert "with bond0 in mode active-backup and ens1f0 active" in finding.counterfactual
    assert "6 of the 6 would have reached vnet3" in finding.counterfactual


def test_activebackup_needs_the_switch_side_too():
    """The runner alone discards the replies that arrive on the backup port: the switch must learn the
    host's MACs on the active port, as it does once the host sends only there."""
    case = load_case(SAMPLES / "roundrobin-flood")
    replayed = case.replay({"team1": {"runner": "activebackup", "active_port": "ens224"}})
    dropped = [int(j) for j in case.decisions.index[case.decisions["decision"] == "drop-ingress-port"]]
    reached = replayed.decisions.loc[dropped]
    assert (reached["out_port"] == "vnet0").sum() < len(dropped)
    assert (reached["decision"] == "inactive-port-drop").any()


def test_mode_mismatch_names_switch_needs(tmp_path):
    import shutil
    shutil.copytree(CASES / "bond-balance-rr-flood", tmp_path / "case")
    shutil.copy(REPO / "tests" / "data" / "configs" / "bond0.nmconnection", tmp_path / "case" / "outputs")
    finding = [f for f in load_case(tmp_path / "case").finding_list if f.code == "aggregate-mode-mismatch"][0]
    assert "balance-rr needs a static aggregate" in finding.summary
    assert "active-backup needs no aggregation on the switch" in finding.summary
