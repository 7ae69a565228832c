"""Property tests of the capture reader on mutated real captures, plain and compressed.

Every input must give frames or a warning, and no exception may escape
``read_capture`` or reach its catch-all for a walk or decoder bug. Warnings
name the file, and those about a stop name the position. A length field set
to a huge value must not make the reader allocate anything near that size.
"""

import bz2
import gzip
import lzma
import os
import struct
import tempfile
import tracemalloc
from pathlib import Path

import pytest
import zstandard
from fuzz_inputs import HUGE_LENGTHS, capture_seed_paths, contracts, length_fields, mutated, plain_capture_seeds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.captures import is_capture, read_capture

PLAIN_SEEDS = plain_capture_seeds()
COMPRESSED_SEEDS = [path.read_bytes() for path in capture_seed_paths()
                    if path.name.endswith((".gz", ".xz", ".bz2", ".zst"))]
COMPRESSORS = {
    "gzip": gzip.compress,
    "xz": lzma.compress,
    "bzip2": bz2.compress,
    "zstd": lambda data: zstandard.ZstdCompressor().compress(data),
}
# The reader's fixed read buffer is about 4.4 MiB (4 MiB chunk, 256 KiB record, 64 KiB slack).
# Everything else it allocates grows with the records actually read.
FIXED_ALLOWANCE = 16 * 1024 * 1024

FUZZ_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _read(data: bytes, suffix: str = ".pcap"):
    """Write ``data`` to a temporary file, read it, check the contracts, and return the result."""
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / f"input{suffix}")
        Path(path).write_bytes(data)
        is_capture(path)
        capture = read_capture(path)
        contracts.check_capture(capture, path)
    return capture


def test_seeds_are_real_captures():
    assert len(PLAIN_SEEDS) >= 10
    assert len(COMPRESSED_SEEDS) >= 4
    for data in PLAIN_SEEDS[:10]:
        assert len(_read(data).frames) > 0


@FUZZ_SETTINGS
@given(data=mutated(PLAIN_SEEDS))
def test_mutated_capture_keeps_contract(data):
    _read(data)


@FUZZ_SETTINGS
@given(data=mutated(PLAIN_SEEDS), compression=st.sampled_from(sorted(COMPRESSORS)), cut=st.floats(0.0, 1.0))
def test_mutated_compressed_capture_keeps_contract(data, compression, cut):
    packed = COMPRESSORS[compression](data)
    if cut < 0.5:
        # Half of the examples lose the end of the compressed stream, as a cut download does.
        packed = packed[: int(len(packed) * cut * 2)]
    _read(packed, suffix=".cap")


@FUZZ_SETTINGS
@given(data=mutated(COMPRESSED_SEEDS))
def test_mutated_compressed_file_keeps_contract(data):
    _read(data, suffix=".cap")


def _huge_length_inputs():
    cases = []
    for data in PLAIN_SEEDS[:12]:
        for offset, order in length_fields(data)[:8]:
            for value in (0xFFFFFFFC, 0x7FFFFFFF, 0x10000000):
                mutated_data = bytearray(data)
                struct.pack_into(order + "I", mutated_data, offset, value)
                cases.append((bytes(mutated_data), value))
    return cases


def test_huge_declared_length_bounded_memory():
    """A length field of 256 MiB to 4 GiB costs no more than the fixed read buffer and the input."""
    cases = _huge_length_inputs()
    assert len(cases) > 100
    _read(cases[0][0])  # load and compile everything once, outside the measurement
    for data, declared in cases:
        tracemalloc.start()
        try:
            _read(data)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < FIXED_ALLOWANCE + 20 * len(data), (declared, peak)
        assert peak < declared / 16, (declared, peak)


@pytest.mark.parametrize("value", HUGE_LENGTHS)
def test_huge_first_record_length_warns_with_place(value):
    data = bytearray(PLAIN_SEEDS[0])
    offset, order = length_fields(bytes(data))[1]
    struct.pack_into(order + "I", data, offset, value)
    capture = _read(bytes(data))
    assert capture.warnings
    assert any("byte offset" in warning for warning in capture.warnings), capture.warnings
