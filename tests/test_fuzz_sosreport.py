"""Property tests of the sosreport reader on mutated tarballs built with tar from real command outputs.

For every input, ``open_sosreport`` returns without raising, names the
tarball in each warning, writes members only into its private temporary
folder, and ``close`` removes that folder.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from fuzz_inputs import load_fuzz_module, mutated
from hypothesis import HealthCheck, given, settings

sosreport = pytest.importorskip("analyzer.sosreport")
if shutil.which("tar") is None:
    pytest.skip("tar is not installed", allow_module_level=True)


def _seed_tarballs() -> list[tuple[str, bytes]]:
    with tempfile.TemporaryDirectory() as folder:
        paths = load_fuzz_module("seeds").sosreport_seeds(Path(folder))
        return [(path.name, path.read_bytes()) for path in paths]


SEEDS = _seed_tarballs()
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _open(data: bytes, name: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        report = sosreport.open_sosreport(path)
        temp_dir = report.temp_dir
        try:
            for warning in report.warnings:
                assert name in warning, f"warning does not name the tarball: {warning!r}"
            for item in report.files + [sosreport.SosFile("", capture, []) for capture in report.captures]:
                assert temp_dir and Path(item.path).resolve().is_relative_to(Path(temp_dir).resolve())
        finally:
            report.close()
        assert temp_dir is None or not Path(temp_dir).exists()
        return report


def test_seed_tarballs_are_read():
    assert len(SEEDS) >= 3
    for name, data in SEEDS[:3]:
        report = _open(data, name)
        assert len(report.files) >= 3, report.warnings


@SETTINGS
@given(data=mutated([data for _, data in SEEDS], max_operations=3))
def test_mutated_tarball_keeps_contract(data):
    _open(data, "sosreport-host.tar.xz")
