"""The Wireshark display filters of the evidence rows, checked with tshark on the named files."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from analyzer import load_case
from analyzer.report.evidence import evidence_rows
from conftest import SAMPLES, shared_path

TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (Debian: apt-get install tshark)")


def _matching_frames(path: str, display_filter: str) -> list[int]:
    result = subprocess.run([TSHARK, "-r", path, "-Y", display_filter, "-T", "fields", "-e", "frame.number"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"tshark rejected {display_filter!r}: {result.stderr}"
    return [int(line) for line in result.stdout.split()]


@pytest.mark.parametrize("case_path", [SAMPLES / "roundrobin-flood", "C01"])
def test_filters_select_the_evidence_frame(case_path):
    if case_path == "C01":
        case_path = shared_path("cases", "C01")
    rows = evidence_rows(load_case(case_path))
    assert rows
    for row in rows:
        assert _matching_frames(row["file"], row["frame_filter"]) == [row["frame"]]
        assert row["content_filter"] is not None
        assert _matching_frames(row["file"], row["content_filter"]) == [row["frame"]], row["content_filter"]


def test_arp_evidence_filter_names_opcode():
    rows = evidence_rows(load_case(SAMPLES / "roundrobin-flood"))
    replies = [r for r in rows if "ARP reply" in r["note"]]
    assert replies
    for row in replies:
        assert "arp.opcode == 2" in row["content_filter"]
        assert "eth.src == " in row["content_filter"]
