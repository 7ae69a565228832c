"""Rules on cases made with this machine's kernel by tests/data/hostcases/make.sh."""

import pytest

from analyzer import load_case
from conftest import REPO

CASES = REPO / "tests" / "data" / "hostcases"


def _only(case, code):
    matches = [f for f in case.finding_list if f.code == code]
    assert len(matches) == 1, f"{code}: {[f.code for f in case.finding_list]}"
    return matches[0]


def test_hairpin_vepa_guests():
    case = load_case(CASES / "hairpin-vepa")
    assert case.verdict == "hairpin-drop"
    finding = _only(case, "hairpin-drop")
    assert finding.bridge == "br0"
    assert finding.port == "eno1"
    assert finding.mac == "02:00:5e:10:01:02"
    # The first evidence frame is h2's own ping to the VM, the last frame that
    # taught br0 where h2 is. The rest are h1's pings to h2.
    assert (finding.evidence[0].point, finding.evidence[0].frame) == ("eno1", 3)
    assert [e.frame for e in finding.evidence[1:]] == [5, 6, 7]
    assert any("hairpin on" in r for r in finding.recommendations)
    assert not [f for f in case.finding_list if f.code == "fdb-ingress-port-drop"]


def test_duplicate_mac_two_guests():
    case = load_case(CASES / "duplicate-mac")
    assert case.verdict == "duplicate-mac"
    finding = _only(case, "duplicate-mac")
    assert finding.mac == "52:54:00:5d:0b:07"
    assert "198.19.8.11" in finding.summary
    assert "198.19.8.12" in finding.summary
    assert {e.point for e in finding.evidence} == {"vnet1", "vnet2"}


def test_founding_case_not_duplicate():
    from conftest import shared_path
    case = load_case(shared_path("cases", "C01"))
    assert not [f for f in case.finding_list if f.code in ("duplicate-mac", "hairpin-drop")]


def test_stp_bpdus_on_uplink():
    case = load_case(CASES / "stp-uplink")
    finding = _only(case, "stp-bpdu-toward-switch")
    assert finding.bridge == "br0"
    assert finding.port == "eno1"
    assert finding.severity == "warning"
    assert [e.frame for e in finding.evidence] == [1, 2, 3]
    assert any("stp_state 0" in r for r in finding.recommendations)


def test_fdb_self_master_mismatch():
    case = load_case(CASES / "fdb-self-master")
    finding = _only(case, "fdb-offload-mismatch")
    assert finding.mac == "02:00:5e:40:00:07"
    assert finding.port == "swp1"
    assert "swp2" in finding.summary


@pytest.mark.parametrize("name", ["kernel-switchdev-doc-offload.txt", "netdev-dsa-vlan-self-master.txt"])
def test_consistent_offload_quiet(tmp_path, name):
    from conftest import shared_path
    import shutil
    shutil.copy(shared_path("formats", "bridge_fdb", name), tmp_path / "bridge_fdb_show.txt")
    case = load_case(tmp_path)
    assert not [f for f in case.finding_list if f.code == "fdb-offload-mismatch"]


@pytest.mark.parametrize("case_dir, config, device, running, intended", [
    ("samples/roundrobin-flood", "team1.nmconnection", "team1", "roundrobin", "activebackup"),
    ("tests/data/cases/bond-balance-rr-flood", "bond0.nmconnection", "bond0", "balance-rr", "active-backup"),
])
def test_configured_mode_differs(tmp_path, case_dir, config, device, running, intended):
    import shutil
    shutil.copytree(REPO / case_dir, tmp_path / "case")
    shutil.copy(REPO / "tests" / "data" / "configs" / config, tmp_path / "case" / "outputs")
    case = load_case(tmp_path / "case")
    finding = _only(case, "aggregate-mode-mismatch")
    assert finding.port == device
    assert f"runs {'runner' if device.startswith('team') else 'mode'} {running}" in finding.summary
    assert intended in finding.summary
    # The loss itself is still the verdict.
    assert case.verdict == "fdb-ingress-port-drop"


def test_configured_mode_matches_quiet(tmp_path):
    import shutil
    shutil.copytree(REPO / "samples" / "activebackup", tmp_path / "case")
    shutil.copy(REPO / "tests" / "data" / "configs" / "team1.nmconnection", tmp_path / "case" / "outputs")
    case = load_case(tmp_path / "case")
    assert [o.kind for o in case.outputs if o.source.endswith(".nmconnection")] == ["nm_keyfile"]
    assert not [f for f in case.finding_list if f.code == "aggregate-mode-mismatch"]


def test_recommended_commands_quote_names(tmp_path):
    import shutil
    import subprocess
    case_dir = tmp_path / "case"
    shutil.copytree(REPO / "samples" / "roundrobin-flood", case_dir)
    # "br1;id" is a valid Linux interface name; sed renames the bridge in every saved output.
    for path in (case_dir / "outputs").iterdir():
        subprocess.run(["sed", "-i", "s/br1/br1;id/g", str(path)], check=True)
    case = load_case(case_dir)
    drop = _only(case, "fdb-ingress-port-drop")
    assert drop.bridge == "br1;id"
    stopgap = [r for r in drop.recommendations if "ageing_time 0" in r][0]
    assert "ip link set dev 'br1;id' type bridge" in stopgap
