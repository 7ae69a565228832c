"""Seeds and hypothesis strategies for the property tests of untrusted input.

Seeds are real files: the shared reference captures and command outputs
(through ``shared_path``, and left out when that folder is absent), and the
repository's samples/ and tests/data/. Mutations are the kinds a customer's
files show: flipped bits, cut ends, inserted and repeated blocks, and length
fields set to huge values.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLES, shared_path
from hypothesis import strategies as st


def load_fuzz_module(name: str):
    """Import a helper module of the fuzz/ folder (contracts, seeds) without putting fuzz/ on sys.path."""
    qualified = f"l2trace_fuzz_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, REPO / "fuzz" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


contracts = load_fuzz_module("contracts")

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".gz", ".xz", ".bz2", ".zst")
MAX_SEED_BYTES = 256 * 1024
TEST_DATA = REPO / "tests" / "data"


def optional_shared(*parts: str) -> Path | None:
    """Return a shared reference path, or None when the shared folder is absent."""
    try:
        return shared_path(*parts)
    except pytest.skip.Exception:
        return None


def _files(folders: list[Path | None]) -> list[Path]:
    found = []
    for folder in folders:
        if folder is not None and folder.is_dir():
            found += [p for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts]
    return [path for path in found if path.stat().st_size <= MAX_SEED_BYTES]


def capture_seed_paths() -> list[Path]:
    """List the real capture files used as seeds, plain and compressed."""
    folders = [SAMPLES, TEST_DATA / "captures", TEST_DATA / "cases", optional_shared("pcaps"),
               optional_shared("cases")]
    return [path for path in _files(folders) if path.name.endswith(CAPTURE_SUFFIXES)]


def plain_capture_seeds() -> list[bytes]:
    """Return the content of every uncompressed seed capture that has at least one record."""
    seeds = []
    for path in capture_seed_paths():
        data = path.read_bytes()
        if path.name.endswith((".pcap", ".pcapng")) and len(length_fields(data)) > 1:
            seeds.append(data)
    return seeds


def text_seed_paths() -> list[Path]:
    """List the real command outputs used as seeds."""
    folders = [optional_shared("formats"), SAMPLES, TEST_DATA / "cases", TEST_DATA / "hostcases"]
    cases = optional_shared("cases")
    if cases is not None:
        folders += sorted(cases.glob("*/outputs"))
    excluded = CAPTURE_SUFFIXES + (".sh", ".py", ".md")
    return [path for path in _files(folders) if not path.name.endswith(excluded)]


def length_fields(data: bytes) -> list[tuple[int, str]]:
    """Return (offset, byte order) of every record or block length field in a pcap or pcapng file."""
    fields: list[tuple[int, str]] = []
    if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        fields.append((16, order))  # snaplen
        position = 24
        while position + 16 <= len(data):
            caplen = struct.unpack_from(order + "I", data, position + 8)[0]
            fields += [(position + 8, order), (position + 12, order)]
            position += 16 + caplen
    elif data[:4] == b"\x0a\x0d\x0d\x0a" and len(data) >= 12:
        order = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        position = 0
        while position + 12 <= len(data):
            block_type, length = struct.unpack_from(order + "II", data, position)
            fields.append((position + 4, order))
            if block_type == 6 and position + 28 <= len(data):
                fields.append((position + 20, order))  # EPB captured length
            if length < 12:
                break
            fields.append((position + length - 4, order))  # trailing copy
            position += length
    return fields


HUGE_LENGTHS = [0xFFFFFFFF, 0xFFFFFFFC, 0x80000000, 0x7FFFFFFF, 0x10000000, 0x00FFFFFF, 0x00040004, 0x0000FFFF]


@st.composite
def mutated(draw, seeds: list[bytes], max_operations: int = 4) -> bytes:
    """Draw a seed and apply one to ``max_operations`` mutations of the kinds customers' files show."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, max_operations))):
        operation = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "huge_length"]))
        if not data:
            data = bytearray(draw(st.binary(min_size=1, max_size=64)))
            continue
        position = draw(st.integers(0, len(data) - 1))
        if operation == "flip":
            data[position] ^= 1 << draw(st.integers(0, 7))
        elif operation == "cut":
            del data[position:]
        elif operation == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=64))
        elif operation == "repeat":
            size = draw(st.integers(1, 256))
            block = data[position : position + size]
            data[position:position] = block * draw(st.integers(1, 64))
        else:
            fields = [field for field in length_fields(bytes(data)) if field[0] + 4 <= len(data)]
            if fields:
                offset, order = draw(st.sampled_from(fields))
            else:
                offset, order = position - position % 4, "<"
            if offset + 4 <= len(data):
                struct.pack_into(order + "I", data, offset, draw(st.sampled_from(HUGE_LENGTHS)))
    return bytes(data)
