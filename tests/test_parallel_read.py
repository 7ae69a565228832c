"""read_captures in threads: results, progress reports and logged warnings in the order of the paths."""

from __future__ import annotations

import itertools
import logging
import threading
from pathlib import Path

import pandas as pd
import pytest

from analyzer.captures import jit, read_capture, read_captures

DATA = Path(__file__).parent / "data" / "captures"
# Files with warnings, of several formats, so that the threads finish in varying order.
PATHS = [DATA / name for name in ("cut-in-record.pcap", "veth.pcap.gz", "two-interfaces.pcapng", "out-of-order.pcap",
                                  "cut.pcapng.zst", "veth.pcap")]


@pytest.fixture(autouse=True)
def _compiled_loops(monkeypatch):
    if not jit.numba_available:
        pytest.skip("numba is not installed: read_captures reads one file after another")
    monkeypatch.delenv(jit.DISABLE_VARIABLE, raising=False)
    monkeypatch.setattr(jit, "_python_chosen", False)


def test_progress_in_path_order():
    calls = []
    active = []
    lock = threading.Lock()

    def progress(path, done, total):
        with lock:
            active.append(path)
            assert len(active) == 1, "progress called from two threads at a time"
        calls.append((path, done, total))
        with lock:
            active.remove(path)

    read_captures(PATHS, progress=progress, workers=2)
    order = [path for path, _group in itertools.groupby(path for path, _done, _total in calls)]
    assert order == [str(path) for path in PATHS]
    for path in PATHS:
        done = [d for p, d, _t in calls if p == str(path)]
        assert done == sorted(done), path
        last = [(d, t) for p, d, t in calls if p == str(path)][-1]
        assert last[0] == last[1] == path.stat().st_size, path


def test_warnings_logged_in_path_order(caplog):
    with caplog.at_level(logging.WARNING, logger="analyzer.captures"):
        captures = read_captures(PATHS, workers=2)
    expected = [warning for capture in captures for warning in capture.warnings]
    assert len(expected) >= len(PATHS)
    assert [record.getMessage() for record in caplog.records] == expected


def test_same_frames_as_one_by_one():
    captures = read_captures(PATHS, workers=2)
    for path, capture in zip(PATHS, captures):
        alone = read_capture(path)
        pd.testing.assert_frame_equal(capture.frames, alone.frames)
        assert capture.warnings == alone.warnings
