"""The payload hash: the compiled and numpy versions agree for every hashed length, and ignore later bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analyzer.captures import compiled_decode
from analyzer.captures.decode import GATHER_PAD
from analyzer.captures.hashing import HASH_WINDOW, payload_hash
from analyzer.captures.jit import numba_available

DATA = Path(__file__).parent / "data" / "captures"


def _real_bytes() -> np.ndarray:
    # Bytes of a real capture serve as payload; the file header and record headers are as good as any.
    raw = np.frombuffer((DATA / "two-interfaces.pcapng").read_bytes(), dtype=np.uint8)
    assert len(raw) > 4 * HASH_WINDOW
    return raw


def _compiled_hash(buffer: np.ndarray, start: int, hashed: int, declared: int) -> int:
    padded = np.zeros(len(buffer) + GATHER_PAD, dtype=np.uint8)
    padded[: len(buffer)] = buffer
    words = padded[: len(padded) - len(padded) % 8].view(np.uint64)
    return int(compiled_decode._payload_hash(words, start, hashed, declared))


@pytest.mark.skipif(not numba_available, reason="numba is not installed: only the numpy version exists")
@pytest.mark.parametrize("start", [0, 3, 8, 13])
def test_compiled_matches_numpy(start):
    raw = _real_bytes()
    window = raw[start : start + HASH_WINDOW][None, :]
    for hashed in range(HASH_WINDOW + 1):
        expected = int(payload_hash(window, np.array([hashed]), np.array([hashed + 7]))[0])
        assert _compiled_hash(raw[: start + hashed], start, hashed, hashed + 7) == expected, hashed


def test_bytes_after_length_ignored():
    raw = _real_bytes()
    window = np.repeat(raw[None, :HASH_WINDOW], 2, axis=0)
    window[1, 40:] ^= 0xFF
    hashes = payload_hash(window, np.array([40, 40]), np.array([60, 60]))
    assert hashes[0] == hashes[1]


def test_every_byte_and_length_counts():
    raw = _real_bytes()
    window = raw[None, :HASH_WINDOW]
    base = int(payload_hash(window, np.array([HASH_WINDOW]), np.array([HASH_WINDOW]))[0])
    flipped = np.repeat(window, HASH_WINDOW, axis=0)
    flipped[np.arange(HASH_WINDOW), np.arange(HASH_WINDOW)] ^= 0x01
    hashes = payload_hash(flipped, np.full(HASH_WINDOW, HASH_WINDOW), np.full(HASH_WINDOW, HASH_WINDOW))
    assert base not in set(hashes.tolist())
    assert len(set(hashes.tolist())) == HASH_WINDOW
    # The same bytes with a zero byte appended, or another declared length, hash differently.
    zeros = np.zeros((1, HASH_WINDOW), dtype=np.uint8)
    assert payload_hash(zeros, np.array([3]), np.array([3]))[0] != payload_hash(zeros, np.array([4]), np.array([3]))[0]
    assert payload_hash(window, np.array([64]), np.array([64]))[0] != payload_hash(window, np.array([64]), np.array([65]))[0]
