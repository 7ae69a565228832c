"""Clock offsets of captures from another clock, made by shifting a real capture with editcap."""

import shutil
import subprocess

import pytest

from analyzer import load_case
from conftest import shared_path


def _shifted_case(tmp_path, seconds: str):
    if shutil.which("editcap") is None:
        pytest.skip("editcap is not installed (Debian package wireshark-common)")
    case_dir = shared_path("cases", "C01")
    shutil.copytree(case_dir / "outputs", tmp_path / "outputs")
    (tmp_path / "captures").mkdir()
    for name in ("eth2.pcap", "team0.pcap", "vnet1.pcap"):
        shutil.copy(case_dir / "captures" / name, tmp_path / "captures")
    subprocess.run(["editcap", "-t", seconds, str(case_dir / "captures" / "eth1.pcap"),
                    str(tmp_path / "captures" / "eth1.pcap")], check=True)
    return load_case(tmp_path)


@pytest.mark.parametrize("shift", ["0.005", "2.5", "3600", "-7200.125"])
def test_offset_estimated_and_applied(tmp_path, shift):
    case = _shifted_case(tmp_path, shift)
    offsets = {c.point: c.clock_offset for c in case.captures}
    assert offsets["eth1"] == pytest.approx(-float(shift), abs=1e-5)
    assert offsets["eth2"] == 0.0
    assert offsets["vnet1"] == 0.0
    assert case.verdict == "fdb-ingress-port-drop"
    drop = [f for f in case.finding_list if f.code == "fdb-ingress-port-drop"][0]
    assert ("eth1", 2) in [(e.point, e.frame) for e in drop.evidence]


def test_same_host_captures_unshifted():
    case = load_case(shared_path("cases", "C01"))
    assert [c.clock_offset for c in case.captures] == [0.0, 0.0, 0.0, 0.0]
