"""The command line on the bundled samples, made with the real kernel by samples/make_samples.sh."""

import json
import subprocess
import sys

import pytest

from conftest import REPO, SAMPLES


def _analyze(name: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(SAMPLES / name), *options],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def _report(name: str) -> dict:
    result = _analyze(name, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _finding(report: dict, code: str) -> dict:
    matches = [f for f in report["findings"] if f["code"] == code]
    assert matches, f"no {code} finding in {[f['code'] for f in report['findings']]}"
    return matches[0]


@pytest.mark.parametrize("name", ["roundrobin-flood", "roundrobin-flood-pcapng", "roundrobin-flood-any"])
def test_flood_samples_verdict(name):
    report = _report(name)
    assert report["verdict"] == "fdb-ingress-port-drop"
    drop = _finding(report, "fdb-ingress-port-drop")
    assert drop["bridge"] == "br1"
    assert drop["port"] == "team1"
    assert drop["mac"] == "52:54:00:6b:2e:01"
    assert drop["lost_at"] == "br1"
    assert _finding(report, "broadcast-echo")["port"] == "team1"
    vm = [t for t in report["arp_transactions"]
          if t["requester_ip"] == "198.51.100.20" and t["target_ip"] == "198.51.100.1"]
    assert len(vm) == 1
    assert vm[0]["fate"] == "lost"
    assert vm[0]["lost_at"] == "br1"


def test_flood_sample_evidence_frames():
    report = _report("roundrobin-flood")
    evidence = [(e["point"], e["frame"]) for e in _finding(report, "fdb-ingress-port-drop")["evidence"]]
    # The VM's first request to its gateway, the echo of it that moves the
    # VM's MAC to team1, and the first gateway reply that br1 drops.
    assert evidence[0] == ("vnet0", 7)
    assert evidence[1] == ("ens224", 2)
    assert evidence[2] == ("ens256", 3)
    move = [e for e in report["fdb_events"] if e["mac"] == "52:54:00:6b:2e:01" and e["previous_port"]][0]
    assert move["previous_port"] == "vnet0"
    assert move["port"] == "team1"
    assert (move["cause"]["point"], move["cause"]["frame"]) == ("ens224", 2)


def test_flood_sample_capture_points():
    report = _report("roundrobin-flood")
    points = {c["file"].rsplit("/", 1)[-1]: c["point"] for c in report["captures"]}
    assert points == {"ens224.pcap": "ens224", "ens256.pcap": "ens256", "vnet0.pcap": "vnet0"}
    pcapng = _report("roundrobin-flood-pcapng")
    assert pcapng["captures"][0]["points"] == ["ens224", "ens256", "vnet0"]


@pytest.mark.parametrize("name", ["roundrobin-lag", "activebackup"])
def test_healthy_samples_quiet(name):
    report = _report(name)
    assert report["verdict"] == "no-loss-found"
    assert not [f for f in report["findings"] if f["severity"] == "error"]
    assert all(t["fate"] == "answered" for t in report["arp_transactions"])


def test_text_report_tells_story():
    result = _analyze("roundrobin-flood")
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith("Verdict: fdb-ingress-port-drop")
    assert "frame 2 of" in text
    assert "ens224.pcap" in text
    assert "never forwards a frame out of the port it came in by" in text
    assert "ip link set dev br1 type bridge ageing_time 0" in text
    assert "team.runner lacp" in text
    assert "team.runner activebackup" in text
    assert "static aggregate" in text


def test_markdown_report_for_ticket():
    result = _analyze("roundrobin-flood", "--format", "markdown")
    assert result.returncode == 0
    assert result.stdout.startswith("# l2trace")
    assert "| ens224 |" in result.stdout


def test_capture_override_names_point(tmp_path):
    import shutil
    shutil.copytree(SAMPLES / "roundrobin-flood", tmp_path / "case")
    (tmp_path / "case" / "captures" / "ens224.pcap").rename(tmp_path / "case" / "captures" / "trace1.pcap")
    trace = str(tmp_path / "case" / "captures" / "trace1.pcap")
    result = subprocess.run([sys.executable, "-m", "analyzer", "analyze", str(tmp_path / "case"),
                             "--capture", f"ens224={trace}", "--format", "json"],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    report = json.loads(result.stdout)
    assert {c["point"] for c in report["captures"]} == {"ens224", "ens256", "vnet0"}
    assert report["verdict"] == "fdb-ingress-port-drop"


def test_console_script_matches_module():
    script = __import__("pathlib").Path(sys.executable).parent / "l2trace"
    if not script.exists():
        pytest.skip(f"the l2trace console script is not installed beside {sys.executable}")
    result = subprocess.run([str(script), "analyze", str(SAMPLES / "roundrobin-flood"), "--format", "json"],
                            capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == _report("roundrobin-flood")["verdict"]


def test_cooked_capture_limit_stated():
    report = _report("roundrobin-flood-any")
    assert any("do not record the destination MAC" in w for w in report["warnings"])
    assert not any("do not record the destination MAC" in w for w in _report("roundrobin-flood")["warnings"])
