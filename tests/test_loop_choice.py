"""The choice between compiled and Python loops for one run: size threshold, numba's cache, and its effect.

The cache tests run child interpreters with NUMBA_CACHE_DIR pointing at a
new folder, so that numba's cache starts empty there and the repository's
own cache is left alone.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.captures import estimated_size, jit
from analyzer.captures.jit import SMALL_INPUT_BYTES, choose_loops, compiled, decide_loops
from conftest import REPO, SAMPLES

DATA = Path(__file__).parent / "data" / "captures"

# Loads a case in a child interpreter and prints the choice, the cache state and the verdict as JSON.
CHILD = """
import json, sys
from analyzer.captures import jit
if sys.argv[2] == "always-compile":
    jit.SMALL_INPUT_BYTES = 0
from analyzer import load_case
before = jit.kernels_cached()
case = load_case(sys.argv[1])
numba_imported = "numba" in sys.modules
print(json.dumps({"cached_before": before, "compiled": jit.compiled(), "cached_after": jit.kernels_cached(),
                  "verdict": case.verdict, "numba_imported": numba_imported}))
"""


@pytest.fixture(autouse=True)
def _restore_choice(monkeypatch):
    monkeypatch.setattr(jit, "_python_chosen", False)


@pytest.mark.parametrize(
    ("input_bytes", "cached", "available", "expected_compiled", "expected_compiling"),
    [
        (1_000, True, True, True, False),
        (SMALL_INPUT_BYTES * 4, True, True, True, False),
        (1_000, False, True, False, False),
        (SMALL_INPUT_BYTES - 1, False, True, False, False),
        (SMALL_INPUT_BYTES, False, True, True, True),
        (1_000, None, True, False, False),
        (SMALL_INPUT_BYTES, None, True, True, True),
        (SMALL_INPUT_BYTES * 4, False, False, False, False),
        (1_000, True, False, False, False),
    ],
)
def test_decide_loops(input_bytes, cached, available, expected_compiled, expected_compiling):
    choice = decide_loops(input_bytes, cached, available)
    assert choice.compiled is expected_compiled
    assert choice.compiling is expected_compiling
    assert choice.reason


def test_choose_loops_sets_compiled(monkeypatch, caplog):
    if not jit.numba_available:
        pytest.skip("numba is not installed: only the Python loops exist")
    monkeypatch.delenv(jit.DISABLE_VARIABLE, raising=False)
    monkeypatch.setattr(jit, "kernels_cached", lambda: False)
    with caplog.at_level(logging.INFO, logger=jit.__name__):
        choice = choose_loops(1_000)
        assert not choice.compiled
        assert not compiled()
        assert "Python loops chosen" in caplog.text
        choice = choose_loops(SMALL_INPUT_BYTES)
    assert choice.compiling
    assert compiled()
    assert "compiled loops chosen" in caplog.text


def test_choose_loops_honours_disable_variable(monkeypatch):
    monkeypatch.setenv(jit.DISABLE_VARIABLE, "1")
    choice = choose_loops(SMALL_INPUT_BYTES * 4)
    assert not choice.compiled
    assert not compiled()


def test_estimated_size_counts_compression():
    plain = DATA / "veth.pcap"
    assert estimated_size(plain) == plain.stat().st_size
    for name in ("veth.pcap.gz", "veth.pcap.xz", "veth.pcap.bz2"):
        compressed = DATA / name
        assert estimated_size(compressed) == max(compressed.stat().st_size * 20, SMALL_INPUT_BYTES), name
    assert estimated_size(DATA / "no-such-file.pcap") == 0
    # Compressed input, however small, is read with the compiled loops.
    assert decide_loops(estimated_size(DATA / "veth.pcap.gz"), cached=False).compiled


def _run_child(folder: Path, mode: str, cache: Path) -> dict:
    environment = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    environment.pop(jit.DISABLE_VARIABLE, None)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
    output = subprocess.run([sys.executable, "-c", CHILD, str(folder), mode], env=environment, cwd=cache.parent,
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def test_cold_cache_small_case_compiles_nothing(tmp_path):
    if not jit.numba_available:
        pytest.skip("numba is not installed: only the Python loops exist")
    folder = SAMPLES / "roundrobin-flood"
    if not folder.is_dir():
        pytest.skip(f"sample case {folder} is missing")
    cache = tmp_path / "numba-cache"
    cache.mkdir()

    small = _run_child(folder, "by-size", cache)
    assert small["cached_before"] is False
    assert small["compiled"] is False
    assert small["numba_imported"] is False
    assert not list(cache.rglob("*.nbi")), "a small run on a cold cache compiled some loops"

    compiling = _run_child(folder, "always-compile", cache)
    assert compiling["cached_before"] is False
    assert compiling["compiled"] is True
    assert compiling["cached_after"] is True
    assert compiling["verdict"] == small["verdict"]

    warm = _run_child(folder, "by-size", cache)
    assert warm["cached_before"] is True
    assert warm["compiled"] is True
    assert warm["verdict"] == small["verdict"]


def test_no_capture_input_skips_check(monkeypatch):
    def fail():
        raise AssertionError("the cache was checked for a run without captures")

    monkeypatch.delenv(jit.DISABLE_VARIABLE, raising=False)
    monkeypatch.setattr(jit, "kernels_cached", fail)
    choice = choose_loops(0)
    assert not choice.compiled
    assert not compiled()


class _Recorder:
    """A progress callback with a note method, as the command line's progress bar has."""

    def __init__(self):
        self.notes = []
        self.paths = []

    def __call__(self, path, done, total):
        self.paths.append(path)

    def note(self, message):
        self.notes.append(message)


@pytest.mark.parametrize(("cached", "expected_notes"), [(False, ["compiling the capture reader (first run only)"]),
                                                        (True, [])])
def test_load_case_notes_compiling(cached, expected_notes, monkeypatch):
    if not jit.numba_available:
        pytest.skip("numba is not installed: nothing is compiled")
    folder = SAMPLES / "roundrobin-flood"
    if not folder.is_dir():
        pytest.skip(f"sample case {folder} is missing")
    from analyzer import load_case

    monkeypatch.delenv(jit.DISABLE_VARIABLE, raising=False)
    monkeypatch.setattr(jit, "SMALL_INPUT_BYTES", 0)
    monkeypatch.setattr(jit, "kernels_cached", lambda: cached)
    recorder = _Recorder()
    load_case(folder, progress=recorder)
    assert recorder.notes == expected_notes
    assert compiled()
    assert recorder.paths


def test_compressed_floor_matches_small_input():
    from analyzer.captures.source import COMPRESSED_MIN_ESTIMATE

    assert COMPRESSED_MIN_ESTIMATE == SMALL_INPUT_BYTES
