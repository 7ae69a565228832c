"""GzipMemberReader against Python's gzip module, with zlib and with ISA-L (when isal is installed)."""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from analyzer.captures import source

DATA = Path(__file__).parent / "data" / "captures"
MODULES = [zlib]
try:
    from isal import isal_zlib

    MODULES.append(isal_zlib)
except ImportError:
    pass


def _gzip_tool(data: bytes) -> bytes:
    tool = shutil.which("gzip")
    if tool is None:
        pytest.skip("the gzip tool is not installed")
    return subprocess.run([tool, "-1", "-c"], input=data, capture_output=True, check=True).stdout


def _read_all(data: bytes, monkeypatch, module) -> tuple[bytes, Exception | None]:
    monkeypatch.setattr(source, "inflate_module", module)
    reader = source.GzipMemberReader(io.BytesIO(data))
    output = bytearray()
    piece = bytearray(4096)
    try:
        while count := reader.readinto(piece):
            output += piece[:count]
    except (EOFError, gzip.BadGzipFile) as error:
        return bytes(output), error
    return bytes(output), None


def _gzip_module(data: bytes) -> tuple[bytes, Exception | None]:
    stream = gzip.GzipFile(fileobj=io.BytesIO(data))
    output = bytearray()
    try:
        while piece := stream.read1(4096):
            output += piece
    except (EOFError, gzip.BadGzipFile) as error:
        return bytes(output), error
    return bytes(output), None


def _cases() -> dict[str, bytes]:
    raw = (DATA / "veth.pcap").read_bytes()
    first, second = _gzip_tool(raw[:700]), _gzip_tool(raw[700:])
    whole = _gzip_tool(raw)
    return {
        "one member": whole,
        "two members": first + second,
        "zero padding between and after": first + b"\0" * 37 + second + b"\0" * 5,
        "garbage after a member": whole + b"garbage",
        "cut inside a member": whole[: len(whole) - 9],
        "cut in the second header": first + second[:1],
    }


@pytest.mark.parametrize("module", MODULES, ids=lambda module: module.__name__)
@pytest.mark.parametrize("case", list(_cases()))
def test_same_as_gzip_module(case, module, monkeypatch):
    data = _cases()[case]
    output, error = _read_all(data, monkeypatch, module)
    expected, expected_error = _gzip_module(data)
    assert type(error) is type(expected_error)
    if expected_error is not None:
        # The gzip module may hold back the last bytes before a cut; this reader returns at least as many.
        assert output[: len(expected)] == expected
        assert output == (DATA / "veth.pcap").read_bytes()[: len(output)]
    else:
        assert output == expected
