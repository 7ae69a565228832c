"""``l2trace inspect`` on real captures and command outputs."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, SAMPLES, shared_path


def _inspect(*paths: str) -> tuple[int, list[dict]]:
    result = subprocess.run([sys.executable, "-m", "analyzer", "inspect", *paths, "--format", "json"],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    return result.returncode, json.loads(result.stdout)


def test_inspect_multi_interface_pcapng():
    status, [result] = _inspect(str(SAMPLES / "roundrobin-flood-pcapng" / "captures" / "capture.pcapng"))
    assert status == 0
    assert result["format"] == "pcapng"
    assert [i["name"] for i in result["interfaces"]] == ["vnet0", "ens224", "ens256"]
    assert result["frames"] == 40
    assert result["warnings"], "records out of time order must be reported"


def test_inspect_cooked_and_output():
    status, results = _inspect(str(SAMPLES / "roundrobin-flood-any" / "captures" / "any.pcap"),
                               str(SAMPLES / "roundrobin-flood" / "outputs" / "ip_-d_link.txt"))
    assert status == 0
    assert results[0]["link_types"] == [276]
    assert results[1]["kind"] == "output"
    assert results[1]["format"] == "ip_link"
    assert results[1]["records"] == 6
    assert results[1]["warnings"] == []


def test_inspect_clock_offset(tmp_path):
    if shutil.which("editcap") is None:
        pytest.skip("editcap is not installed (Debian package wireshark-common)")
    captures = shared_path("cases", "C01", "captures")
    shifted = tmp_path / "eth1-switch.pcap"
    subprocess.run(["editcap", "-t", "-3600", str(captures / "eth1.pcap"), str(shifted)], check=True)
    status, results = _inspect(str(captures / "team0.pcap"), str(shifted))
    assert status == 0
    assert results[0]["clock_offset"] == 0.0
    assert results[1]["clock_offset"] == pytest.approx(3600, abs=1e-5)


def test_inspect_broken_and_missing(tmp_path):
    status, results = _inspect(str(shared_path("pcaps", "libpcap__pcap-invalid-version-1.pcap")),
                               str(tmp_path / "absent.pcap"))
    assert status == 0
    assert results[0]["frames"] == 0
    assert "version" in results[0]["warnings"][0]
    assert results[1]["kind"] == "missing"
    status, _ = _inspect(str(tmp_path / "absent.pcap"))
    assert status == 2


def test_inspect_folder_lists_its_files():
    from analyzer.inspect_files import inspect_files

    folder = REPO / "samples" / "roundrobin-flood"
    results = {Path(item["file"]).name: item for item in inspect_files([str(folder)])}
    assert results["vnet0.pcap"]["kind"] == "capture"
    assert results["vnet0.pcap"]["frames"] == 20
    assert results["expected.json"]["kind"] == "unknown"
    assert results["bridge_fdb_show.txt"]["format"] == "bridge_fdb"
