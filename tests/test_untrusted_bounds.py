"""Limits on what a compressed or crafted input may cost: decompressed size, compression ratio, records.

The bombs are made the way an attacker would: the system's gzip, xz and
zstd compress a real capture's header and first records followed by
zeros. Zeros read as empty pcap records, so without the limits a 70 kB
zstd file of 2 GiB of zeros made the reader take all memory.
"""

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from fuzz_inputs import contracts

from analyzer.captures import read_capture, reader, source

DATA = Path(__file__).parent / "data" / "captures"
REAL = DATA / "veth.pcap"
REAL_FRAMES = 22
# The read that passes a limit still returns its bytes: at most one read buffer.
READ_BUFFER = reader.CHUNK_SIZE + reader.DEFAULT_MAX_RECORD + reader.BLOCK_SLACK
TOOLS = {"gzip": ["gzip", "-1", "-c"], "xz": ["xz", "-1", "-T1", "-c"], "zstd": ["zstd", "-q", "-3", "-c"]}


def _bomb(tmp_path: Path, tool: str, zero_bytes: int) -> Path:
    """Compress the real capture followed by ``zero_bytes`` zeros with the system's ``tool``."""
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    plain = tmp_path / "bomb.pcap"
    with open(plain, "wb") as out:
        out.write(REAL.read_bytes())
        out.truncate(REAL.stat().st_size + zero_bytes)
    target = tmp_path / f"bomb.pcap.{tool}"
    with open(plain, "rb") as data, open(target, "wb") as out:
        subprocess.run(TOOLS[tool], stdin=data, stdout=out, check=True)
    plain.unlink()
    return target


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_bomb_stops_at_ratio_limit(tool, tmp_path, monkeypatch):
    monkeypatch.setattr(source, "RATIO_CHECK_AFTER", 1024 * 1024)
    bomb = _bomb(tmp_path, tool, 64 * 1024 * 1024)
    capture = read_capture(bomb)
    contracts.check_capture(capture, str(bomb))
    assert any("MAX_COMPRESSION_RATIO" in warning for warning in capture.warnings), capture.warnings
    assert any("decompression bomb" in warning for warning in capture.warnings)
    # The real records before the zeros are kept, and the read stopped long before the 4 million empty records.
    assert len(capture.frames) >= REAL_FRAMES
    assert len(capture.frames) <= (1024 * 1024 + READ_BUFFER) // 16


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_bomb_stops_at_default_limits(tool, tmp_path):
    bomb = _bomb(tmp_path, tool, 256 * 1024 * 1024)
    capture = read_capture(bomb)
    assert any("MAX_COMPRESSION_RATIO" in warning for warning in capture.warnings), capture.warnings
    # The bomb holds 16 million empty 16-byte records; RATIO_CHECK_AFTER (16 MiB) holds about one million.
    assert len(capture.frames) <= (source.RATIO_CHECK_AFTER + READ_BUFFER) // 16


def test_decompressed_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(source, "MAX_DECOMPRESSED_BYTES", 2 * 1024 * 1024)
    monkeypatch.setattr(source, "MAX_COMPRESSION_RATIO", 10**9)
    bomb = _bomb(tmp_path, "gzip", 16 * 1024 * 1024)
    capture = read_capture(bomb)
    contracts.check_capture(capture, str(bomb))
    assert any("MAX_DECOMPRESSED_BYTES" in warning for warning in capture.warnings), capture.warnings
    assert REAL_FRAMES <= len(capture.frames) <= (2 * 1024 * 1024 + READ_BUFFER) // 16


@pytest.mark.parametrize("name", ["veth.pcap.gz", "veth.pcap.xz", "veth.pcap.bz2", "veth-nano.pcapng.zst"])
def test_real_compressed_capture_within_limits(name, monkeypatch):
    # Checking the ratio from the first byte shows that real captures stay far below the limit.
    monkeypatch.setattr(source, "RATIO_CHECK_AFTER", 0)
    capture = read_capture(DATA / name)
    assert len(capture.frames) > 0
    assert not any("MAX_" in warning for warning in capture.warnings), capture.warnings


def test_record_count_limit_names_place(monkeypatch):
    monkeypatch.setattr(reader, "MAX_FRAMES", 5)
    capture = read_capture(REAL)
    contracts.check_capture(capture, str(REAL))
    assert len(capture.frames) <= 5
    limit_warnings = [warning for warning in capture.warnings if "MAX_FRAMES" in warning]
    assert len(limit_warnings) == 1
    assert "byte offset" in limit_warnings[0]


def _sos_tarball(tmp_path: Path, compression: str, zero_bytes: int) -> Path:
    """Pack real command outputs in sos layout, and a capture of zeros, with tar."""
    root = tmp_path / "sosreport-host"
    outputs = Path(__file__).parents[1] / "samples" / "activebackup" / "outputs"
    (root / "sos_commands" / "networking").mkdir(parents=True)
    shutil.copyfile(outputs / "ip_-d_link.txt", root / "sos_commands" / "networking" / "ip_-d_link")
    shutil.copyfile(outputs / "bridge_fdb_show.txt", root / "sos_commands" / "networking" / "bridge_fdb_show")
    with open(root / "zeros.pcap", "wb") as out:
        out.write(REAL.read_bytes())
        out.truncate(REAL.stat().st_size + zero_bytes)
    target = tmp_path / f"sosreport-host.tar.{compression}"
    flag = {"gz": "z", "xz": "J"}[compression]
    subprocess.run(["tar", f"-c{flag}f", str(target), "-C", str(tmp_path), root.name], check=True)
    shutil.rmtree(root)
    return target


@pytest.mark.parametrize("compression", ["gz", "xz"])
def test_sosreport_bomb_stops_at_ratio_limit(compression, tmp_path, monkeypatch):
    sosreport = pytest.importorskip("analyzer.sosreport")
    if shutil.which("tar") is None:
        pytest.skip("tar is not installed")
    monkeypatch.setattr(sosreport, "RATIO_CHECK_AFTER", 1024 * 1024)
    tarball = _sos_tarball(tmp_path, compression, 64 * 1024 * 1024)
    assert tarfile.is_tarfile(tarball)
    report = sosreport.open_sosreport(tarball)
    try:
        assert any("MAX_COMPRESSION_RATIO" in warning for warning in report.warnings), report.warnings
        assert all(str(tarball.name) in warning for warning in report.warnings)
        temp_dir = Path(report.temp_dir)
        copied = sum(path.stat().st_size for path in temp_dir.rglob("*") if path.is_file())
        assert copied < 64 * 1024 * 1024
    finally:
        report.close()
    assert not temp_dir.exists()
