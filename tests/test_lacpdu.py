"""LACPDU decoding compared with tshark's dissector, on public and kernel-made captures."""

import shutil
import subprocess

import pytest

from analyzer import load_case
from analyzer.lacpdu import read_lacpdus, state_names
from conftest import REPO, shared_path

FIELDS = ["frame.number", "lacp.actor.sysid", "lacp.actor.key", "lacp.actor.port", "lacp.actor.state",
          "lacp.partner.sysid", "lacp.partner.key", "lacp.partner.port", "lacp.partner.state"]


def _tshark_lacp(path) -> list[list[str]]:
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed (Debian package tshark)")
    command = ["tshark", "-r", str(path), "-Y", "lacp", "-T", "fields", *[a for f in FIELDS for a in ("-e", f)]]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in output.splitlines() if line]


@pytest.mark.parametrize("path", [
    "shared:tcpdump__LACP.pcap",
    "tests/data/cases/lacp-not-aggregated/captures/ens3f0.pcap",
])
def test_lacpdu_matches_tshark(path):
    path = shared_path("pcaps", path.split(":", 1)[1]) if path.startswith("shared:") else REPO / path
    expected = _tshark_lacp(path)
    assert expected, "the capture must hold LACPDUs"
    decoded = read_lacpdus(str(path), {int(row[0]) for row in expected})
    assert sorted(decoded) == [int(row[0]) for row in expected]
    for row in expected:
        lacpdu = decoded[int(row[0])]
        actor, partner = lacpdu["actor"], lacpdu["partner"]
        assert actor["system"] == row[1]
        assert actor["key"] == int(row[2])
        assert actor["port"] == int(row[3])
        assert actor["state"] == int(row[4], 0)
        assert partner["system"] == row[5]
        assert partner["key"] == int(row[6])
        assert partner["port"] == int(row[7])
        assert partner["state"] == int(row[8], 0)


def test_state_bit_names():
    assert state_names(0x47) == ["activity", "timeout", "aggregation", "defaulted"]
    assert state_names(0x3D) == ["activity", "aggregation", "synchronization", "collecting", "distributing"]


def test_lacp_finding_cites_decoded_lacpdu():
    case = load_case(REPO / "tests" / "data" / "cases" / "lacp-not-aggregated")
    finding = [f for f in case.finding_list if f.code == "lacp-not-aggregated"][0]
    assert finding.severity == "error"
    assert finding.lost_at == "team0"
    notes = " ".join(e.note for e in finding.evidence)
    assert "partner 00:00:00:00:00:00" in notes
    assert "defaulted" in notes
