"""The numba-compiled loops against their pure Python twins: same frames, journeys, replay and transactions.

With the environment variable L2TRACE_NO_NUMBA set, the reader takes its
numpy path and every compiled loop runs as plain Python. The in-process
comparison switches the reader only; the whole-case comparison starts a
second interpreter with the variable set, so that nothing is compiled there.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analyzer import load_case
from analyzer.captures import read_capture, read_captures
from analyzer.captures import jit
from analyzer.captures.jit import DISABLE_VARIABLE, compiled, numba_available
from conftest import REPO, SAMPLES, SHARED, shared_path

DATA = Path(__file__).parent / "data" / "captures"
CASE_TABLES = ("sightings", "journeys", "decisions", "fdb_events", "arp_transactions")
pytestmark = pytest.mark.skipif(not numba_available, reason="numba is not installed: only the Python path exists")

# Loads a case with the pure Python loops and pickles its tables; run in a child interpreter.
CHILD = """
import pickle, sys
from analyzer import load_case
case = load_case(sys.argv[1])
tables = {name: getattr(case, name) for name in sys.argv[3].split(",")}
with open(sys.argv[2], "wb") as output:
    pickle.dump((tables, case.verdict), output)
"""


@pytest.fixture(autouse=True)
def _always_compiled(monkeypatch):
    # load_case picks the Python loops for small input while numba's cache is cold. These
    # tests compare the compiled loops against the Python ones, so they always compile.
    monkeypatch.setattr(jit, "SMALL_INPUT_BYTES", 0)
    monkeypatch.setattr(jit, "_python_chosen", False)


def _captures() -> list[Path]:
    own = sorted(p for p in DATA.iterdir() if p.name != "make.sh")
    shared = sorted((SHARED / "pcaps").glob("*")) + sorted(SHARED.glob("cases/*/captures/*")) if SHARED.exists() else []
    return own + shared


@pytest.mark.parametrize("path", _captures(), ids=lambda p: p.name)
def test_reader_paths_give_same_frames(path, monkeypatch):
    fast = read_capture(path)
    monkeypatch.setenv(DISABLE_VARIABLE, "1")
    assert not compiled()
    slow = read_capture(path)
    pd.testing.assert_frame_equal(fast.frames, slow.frames)
    assert fast.warnings == slow.warnings
    assert fast.readable == slow.readable


def _python_case(folder: Path, tmp_path: Path) -> tuple[dict, str]:
    output = tmp_path / "python-case.pickle"
    environment = dict(os.environ, **{DISABLE_VARIABLE: "1"})
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    subprocess.run([sys.executable, "-c", CHILD, str(folder), str(output), ",".join(CASE_TABLES)],
                   check=True, env=environment, cwd=tmp_path)
    with open(output, "rb") as stored:
        return pickle.load(stored)


def _assert_same_case(folder: Path, tmp_path: Path) -> None:
    tables, verdict = _python_case(folder, tmp_path)
    case = load_case(folder)
    assert compiled()
    assert case.verdict == verdict
    for name in CASE_TABLES:
        pd.testing.assert_frame_equal(getattr(case, name), tables[name], obj=name)


def test_founding_case_same_without_numba(tmp_path):
    _assert_same_case(shared_path("cases", "C01"), tmp_path)


def test_sample_case_same_without_numba(tmp_path):
    folder = SAMPLES / "activebackup"
    if not folder.is_dir():
        pytest.skip(f"sample case {folder} is missing")
    _assert_same_case(folder, tmp_path)


def test_overlapping_repeats_same_without_numba(tmp_path):
    # Copies of the founding case 50 ms apart, within the 100 ms journey window, so
    # that several journeys of one frame are open at once in the per-sighting loop.
    editcap, mergecap = shutil.which("editcap"), shutil.which("mergecap")
    if editcap is None or mergecap is None:
        pytest.skip("editcap and mergecap (Wireshark) are not installed")
    source = shared_path("cases", "C01")
    folder = tmp_path / "repeated"
    shutil.copytree(source / "outputs", folder / "outputs")
    (folder / "captures").mkdir()
    for capture in sorted((source / "captures").iterdir()):
        copies = []
        for number in range(4):
            shifted = tmp_path / f"{capture.stem}-{number}{capture.suffix}"
            subprocess.run([editcap, "-t", f"{number * 0.05:.2f}", str(capture), str(shifted)], check=True)
            copies.append(str(shifted))
        subprocess.run([mergecap, "-w", str(folder / "captures" / capture.name), *copies], check=True)
    _assert_same_case(folder, tmp_path)


def test_read_captures_keeps_order():
    paths = [DATA / "veth.pcap", DATA / "two-interfaces.pcapng", DATA / "any-sll2.pcap", DATA / "veth.pcap.gz"]
    calls = []
    parallel = read_captures(paths, progress=lambda path, done, total: calls.append(path), workers=2)
    assert [capture.path for capture in parallel] == [str(path) for path in paths]
    for path, capture in zip(paths, parallel):
        pd.testing.assert_frame_equal(capture.frames, read_capture(path).frames)
    assert set(calls) == {str(path) for path in paths}
