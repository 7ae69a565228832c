"""Inputs are only read: a whole analysis in every format leaves them byte-identical, with the same
modification times, creates nothing beside them, and leaves no temporary folder behind."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES
from fuzz_inputs import load_fuzz_module, optional_shared

FORMATS = ["text", "markdown", "html", "json"]


def _snapshot(root: Path) -> dict[str, tuple]:
    """Map every file and folder under ``root`` to its content (files only) and mtime in nanoseconds."""
    state = {}
    for path in sorted(root.rglob("*")):
        status = path.lstat()
        content = path.read_bytes() if path.is_file() else None
        state[str(path.relative_to(root))] = (content, status.st_mtime_ns, status.st_mode)
    return state


def _case(tmp_path: Path) -> Path:
    """Copy a real case, with its mtimes, and add a sosreport tarball of real outputs when sosreports are read."""
    shared_case = optional_shared("cases", "C01")
    case = tmp_path / "case"
    shutil.copytree(shared_case or SAMPLES / "roundrobin-flood", case)
    try:
        import analyzer.sosreport  # noqa: F401
    except ImportError:
        return case
    if shutil.which("tar"):
        seeds = load_fuzz_module("seeds")
        work = tmp_path / "sos-work"
        work.mkdir()
        tarball = next(path for path in seeds.sosreport_seeds(work) if path.name.endswith(".tar.xz"))
        shutil.copy2(tarball, case / "sosreport-host.tar.xz")
        shutil.rmtree(work)
    return case


def _run(case: Path, temp: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, TMPDIR=str(temp))
    command = [sys.executable, "-m", "analyzer", "analyze", str(case), *arguments]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=environment, timeout=600)


@pytest.mark.parametrize("output_format", FORMATS)
def test_analysis_leaves_inputs_untouched(output_format, tmp_path):
    case = _case(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    temp = tmp_path / "temp"
    temp.mkdir()
    before = _snapshot(case)
    assert len(before) > 10

    report = out / f"report.{output_format}"
    result = _run(case, temp, "--format", output_format, "-o", str(report), "--export", str(out / "tables"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert report.stat().st_size > 0
    redacted = _run(case, temp, "--format", output_format, "--redact")
    assert redacted.returncode == 0, redacted.stderr

    after = _snapshot(case)
    assert sorted(after) == sorted(before), "files were created or removed beside the inputs"
    for name, (content, mtime, mode) in before.items():
        assert after[name][0] == content, f"{name} changed"
        assert after[name][1] == mtime, f"{name} has a new modification time"
        assert after[name][2] == mode, f"{name} has new permissions"
    leftovers = [path.name for path in temp.iterdir()]
    assert leftovers == [], f"temporary files left behind: {leftovers}"

