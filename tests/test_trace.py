"""Journeys, directions and the FDB replay on the founding reference case, frame by frame."""

import shutil

import pytest

from analyzer import load_case
from conftest import shared_path


@pytest.fixture(scope="module")
def founding():
    return load_case(shared_path("cases", "C01"))


def _sighting(case, point, frame):
    rows = case.sightings[(case.sightings["point"] == point) & (case.sightings["frame"] == frame)]
    assert len(rows) == 1, f"no single sighting {point} frame {frame}"
    return rows.iloc[0]


def test_echo_direction_from_topology(founding):
    # The looped-back request carries the VM's own MAC yet enters on eth2.
    echo = _sighting(founding, "eth2", 1)
    assert echo["direction"] == "in"
    assert echo["direction_source"] == "topology"
    sent = _sighting(founding, "eth1", 1)
    assert sent["direction"] == "out"


def test_echo_is_separate_journey(founding):
    original = _sighting(founding, "vnet1", 3)
    echo = _sighting(founding, "eth2", 1)
    assert original["journey"] != echo["journey"]
    journey = founding.journeys.loc[echo["journey"]]
    assert journey["echo_of"] == original["journey"]
    assert journey["echo_kind"] == "aggregate"
    assert journey["ingress_port"] == "team0"
    assert journey["ingress_member"] == "eth2"
    # The echo is flooded back to the VM: vnet1 frame 4 leaves the bridge.
    assert _sighting(founding, "vnet1", 4)["journey"] == echo["journey"]
    assert _sighting(founding, "vnet1", 4)["direction"] == "out"


def test_retries_are_separate_journeys(founding):
    first = _sighting(founding, "vnet1", 3)
    retry = _sighting(founding, "vnet1", 5)
    assert first["fingerprint"] == retry["fingerprint"]
    assert first["journey"] != retry["journey"]
    assert founding.journeys.loc[retry["journey"]]["echo_of"] == -1


def test_reply_journey_enters_by_team(founding):
    reply = _sighting(founding, "eth1", 2)
    journey = founding.journeys.loc[reply["journey"]]
    assert journey["ingress_port"] == "team0"
    assert journey["egress_ports"] == []
    decision = founding.decisions.loc[reply["journey"]]
    assert decision["decision"] == "drop-ingress-port"
    assert decision["fdb_port"] == "team0"


def test_host_frame_direction_from_local_mac(founding):
    # vnet1 frame 1 is the host's TCP SYN to the VM, sent from br-vm's own MAC.
    syn = _sighting(founding, "vnet1", 1)
    assert syn["direction"] == "out"
    assert syn["direction_source"] == "address"


def test_replay_seeds_from_saved_fdb(founding):
    assert any("starts from the saved FDB" in note for note in founding.replay_notes)
    first_move = founding.fdb_events[founding.fdb_events["mac"] == "52:54:00:c4:71:0a"].iloc[0]
    assert first_move["previous_port"] == "vnet1"


def test_snapshot_disagreement_reported(tmp_path):
    case_dir = shared_path("cases", "C01")
    shutil.copytree(case_dir / "captures", tmp_path / "captures")
    (tmp_path / "outputs").mkdir()
    shutil.copy(case_dir / "outputs" / "ip_-d_link.txt", tmp_path / "outputs")
    # The FDB saved before the captures, presented as if saved after them:
    # it has the VM's MAC on vnet1 where the replay ends with it on team0.
    shutil.copy(case_dir / "outputs" / "bridge_fdb_show_before.txt", tmp_path / "outputs" / "bridge_fdb_show.txt")
    case = load_case(tmp_path)
    disagreements = [n for n in case.replay_notes if "52:54:00:c4:71:0a is on vnet1" in n]
    assert disagreements, case.replay_notes
    assert "team0" in disagreements[0]


def test_founding_case_without_team_capture(tmp_path):
    case_dir = shared_path("cases", "C01")
    (tmp_path / "captures").mkdir()
    for name in ("eth1.pcap", "eth2.pcap", "vnet1.pcap"):
        shutil.copy(case_dir / "captures" / name, tmp_path / "captures")
    shutil.copytree(case_dir / "outputs", tmp_path / "outputs")
    case = load_case(tmp_path)
    assert case.verdict == "fdb-ingress-port-drop"
    drop = [f for f in case.finding_list if f.code == "fdb-ingress-port-drop"][0]
    assert drop.port == "team0"
    assert ("eth1", 2) in [(e.point, e.frame) for e in drop.evidence]


def test_founding_case_without_any_output(tmp_path):
    shutil.copytree(shared_path("cases", "C01", "captures"), tmp_path / "captures")
    case = load_case(tmp_path)
    # Without ip link or FDB output there is no topology: the tool must not guess.
    assert case.verdict == "unknown"
    assert "ip -d link" in case.finding_list[0].summary


def test_counterfactual_flooding_bridge(founding):
    flooding = founding.replay({"br-vm": {"ageing_time": 0}})
    assert flooding.verdict == "no-loss-found"
    vm = flooding.arp_transactions[flooding.arp_transactions["requester_ip"] == "192.0.2.10"]
    assert list(vm["fate"]) == ["answered"]
    assert not [f for f in flooding.finding_list if f.code == "fdb-ingress-port-drop"]
    # The case itself is unchanged.
    assert founding.verdict == "fdb-ingress-port-drop"


def test_duplicate_capture_read_once(tmp_path):
    case_dir = shared_path("cases", "C01")
    shutil.copytree(case_dir, tmp_path / "case")
    shutil.copy(case_dir / "captures" / "eth1.pcap", tmp_path / "case" / "captures" / "eth1-again.pcap")
    case = load_case(tmp_path / "case")
    assert len(case.captures) == 4
    assert any("eth1-again.pcap: same content as" in w for w in case.warnings)
    assert case.verdict == "fdb-ingress-port-drop"


def test_drop_finding_cross_checks(founding):
    drop = [f for f in founding.finding_list if f.code == "fdb-ingress-port-drop"][0]
    # The FDB saved after the captures also has the VM's MAC on team0.
    assert drop.confidence == "confirmed"
    assert drop.related == ["broadcast-echo", "fdb-mac-move"]
    assert "3 of the 3 dropped frames would have been forwarded to vnet1" in drop.counterfactual
    assert "ageing_time 0 on br-vm, 3 of the 3 would have been flooded" in drop.counterfactual


def test_drop_finding_conflicting_snapshot(tmp_path):
    case_dir = shared_path("cases", "C01")
    shutil.copytree(case_dir / "captures", tmp_path / "captures")
    (tmp_path / "outputs").mkdir()
    shutil.copy(case_dir / "outputs" / "ip_-d_link.txt", tmp_path / "outputs")
    shutil.copy(case_dir / "outputs" / "bridge_fdb_show_before.txt", tmp_path / "outputs" / "bridge_fdb_show.txt")
    case = load_case(tmp_path)
    drop = [f for f in case.finding_list if f.code == "fdb-ingress-port-drop"][0]
    assert drop.confidence == "conflicting"
    assert "A saved FDB disagrees" in drop.summary
